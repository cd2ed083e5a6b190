//! Worker job deadlines, against the real server: a construct that never returns (the
//! `stuck` ResourceDef of the panic plugin, waiting on a gate file the test controls) is
//! answered as timed out after `--job-deadline`, its client's `/sync` is answered, a new
//! thread serves the worker's queue, `/status` counts it, and SIGTERM still ends the
//! process at once.
mod support;

use std::time::Duration;

use rosc::OscType;
use support::plugin_build::{build_panic_plugin, serve_with_fixtures};
use support::server::{i, msg, s};
use support::temp_dir::TempDir;

#[test]
fn a_job_past_its_deadline_is_answered_and_its_worker_replaced() {
    let gates = TempDir::new("deadline-gates");
    let gate = gates.path().join("open");
    // One worker, so the jobs after the stuck one can only run on its replacement.
    let server = serve_with_fixtures(&["--job-deadline", "1", "--workers", "1"]);
    let mut c = server.client();
    c.send("/plugin/load", vec![s(build_panic_plugin().to_str().unwrap())]);
    assert_eq!(c.expect("/plugin/loaded").args[0], s("oscine-test-panics"));

    c.send_bundle(vec![
        msg("/resource/new", vec![s("stuck"), i(1), s(gate.to_str().unwrap())]),
        msg("/resource/new", vec![s("audio-buffer"), i(2), i(1), i(8)]),
        msg("/sync", vec![i(7)]),
    ]);
    let error = c.expect("/resource/error");
    assert_eq!(error.args[0], i(1), "{error:?}");
    let OscType::String(reason) = &error.args[1] else { panic!("{error:?}") };
    assert!(reason.contains("timed out") && reason.contains("1s"), "{reason}");
    // The job queued behind the stuck one runs on the new thread, then the /sync.
    assert_eq!(c.expect("/resource/ready").args, [i(2)]);
    assert_eq!(c.expect("/synced").args, [i(7)]);
    assert_eq!(c.status().jobs_timed_out, 1);
    server.wait_log("the construct of resource 1 did not finish within 1s");
    // The id is free again, and the Resource built late, once the gate opens, is
    // destroyed by its ResourceDef.
    std::fs::write(&gate, b"").unwrap();
    server.wait_log("finished after its deadline; the Resource it built was destroyed");
    assert!(gates.path().join("open.destroyed").exists(), "the late Resource's destroy ran");
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(8)]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    c.sync();
}

#[test]
fn sigterm_ends_a_server_whose_worker_is_stuck() {
    let gates = TempDir::new("deadline-sigterm");
    let never = gates.path().join("never");
    let mut server = serve_with_fixtures(&["--job-deadline", "1", "--workers", "1"]);
    let mut c = server.client();
    c.send("/plugin/load", vec![s(build_panic_plugin().to_str().unwrap())]);
    c.expect("/plugin/loaded");
    c.send("/resource/new", vec![s("stuck"), i(1), s(never.to_str().unwrap())]);
    c.send("/resource/new", vec![s("audio-buffer"), i(2), i(1), i(8)]);
    // The audio thread has handed both jobs to the worker before it answers this.
    c.tree(0);
    server.terminate();
    // The bound is the deadline (the stuck construct is answered, so the shutdown's
    // destroys can run) plus the stop timeout; the test waits longer than both.
    let status = server.wait_exit(Duration::from_secs(20)).expect("the server ends");
    assert!(status.success(), "{status:?}: {}", server.log());
    assert!(server.log().contains("did not finish within 1s"), "{}", server.log());
}
