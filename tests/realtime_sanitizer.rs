//! RealtimeSanitizer sees the audio thread (the `rtsan` feature, built with
//! `RTSAN_ENABLE=1` and `RTSAN_LIB_PATH` naming LLVM's rtsan runtime; `.ci/run` runs this
//! and the server's verb tests so): every block runs in its real-time context, where an
//! allocation, a lock or a blocking call aborts the process with a report. The verb
//! tests run against such a server; this file shows that the sanitizer does catch an
//! allocation put into the process path, and that a workload of every kind of work
//! leaves it silent.
#![cfg(feature = "rtsan")]
mod support;

use std::time::Duration;

use support::plugin_build::{build_panic_plugin, serve_with_fixtures};
use support::server::{f, i, msg, s};

/// Fails loudly when the feature is on but the build did not enable the sanitizer (the
/// marks then compile to nothing and nothing here would be checked).
fn sanitized() {
    assert!(
        option_env!("RTSAN_ENABLE").is_some(),
        "build with RTSAN_ENABLE=1 and RTSAN_LIB_PATH=.../libclang_rt.rtsan-x86_64.a"
    );
}

#[test]
fn an_allocation_in_a_synth_process_is_caught() {
    sanitized();
    let mut server = serve_with_fixtures(&[]);
    let mut c = server.client();
    c.send("/plugin/load", vec![s(build_panic_plugin().to_str().unwrap())]);
    assert_eq!(c.expect("/plugin/loaded").args[0], s("oscine-test-panics"));
    c.send("/synth/new", vec![s("allocate-in-process"), i(1000), i(0), i(0)]);
    let status = server.wait_exit(Duration::from_secs(20)).expect("the sanitizer ends the server");
    assert!(!status.success(), "{status:?}");
    let log = server.log();
    assert!(log.contains("ERROR: RealtimeSanitizer: unsafe-library-call"), "{log}");
    assert!(log.contains("in real-time context"), "{log}");
}

#[test]
fn a_workload_of_every_kind_of_work_leaves_the_sanitizer_silent() {
    sanitized();
    let mut server = serve_with_fixtures(&[]);
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    // Nodes: groups, built-in Synths, moves, sets, maps, queries, frees.
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    c.ok("/synth/new", vec![s("sine"), i(1000), i(0), i(1), s("freq"), f(220.0)], "/synth/new", 1000);
    c.ok("/s_new", vec![s("saw"), i(1001), i(1), i(1)], "/synth/new", 1001);
    c.ok("/n_set", vec![i(1000), s("freq"), f(330.0)], "/node/set", 1000);
    for (addr, args) in [
        ("/c_set", vec![i(3), f(0.5)]),
        ("/n_map", vec![i(1000), s("amp"), i(3)]),
        ("/n_before", vec![i(1001), i(1000)]),
        ("/n_run", vec![i(1001), i(0)]),
        ("/n_run", vec![i(1001), i(1)]),
    ] {
        c.send(addr, args);
        c.expect("/ack");
    }
    c.tree(0);
    c.send("/g_queryTree", vec![i(0), i(1)]);
    c.expect("/g_queryTree.reply");
    // Resources: a buffer made, written, read back and played, an operation, a free.
    let take = std::env::temp_dir().join(format!("oscine-rtsan-{}.wav", std::process::id()));
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(4800)]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    c.send("/resource/perform", vec![i(1), s("gen"), s("sine1"), i(7), f(1.0)]);
    c.expect("/resource/performed");
    c.send("/resource/perform", vec![i(1), s("write"), s(take.to_str().unwrap())]);
    c.expect("/resource/performed");
    c.send("/resource/new", vec![s("audio-buffer"), i(2), s(take.to_str().unwrap())]);
    assert_eq!(c.expect("/resource/ready").args, [i(2)]);
    c.ok(
        "/synth/new",
        vec![s("sampler"), i(1002), i(0), i(1), s("buffer"), i(2), s("loop"), f(1.0)],
        "/synth/new",
        1002,
    );
    // Timed bundles, late and on time, and a /sync that waits for work.
    let soon = rosc::OscTime::try_from(std::time::SystemTime::now() + Duration::from_millis(50)).unwrap();
    c.send_packet(&rosc::OscPacket::Bundle(rosc::OscBundle {
        timetag: soon,
        content: vec![rosc::OscPacket::Message(msg("/n_set", vec![i(1001), s("freq"), f(110.0)]))],
    }));
    c.sync();
    // Frees of every kind, the buffers last.
    for (addr, args) in [("/n_free", vec![i(1002)]), ("/g_freeAll", vec![i(1)]), ("/node/free", vec![i(1000)])] {
        c.send(addr, args);
        c.expect("/ack");
    }
    c.send("/resource/free", vec![i(1)]);
    c.send("/resource/free", vec![i(2)]);
    c.sync();
    let _ = std::fs::remove_file(&take);
    c.send("/quit", vec![]);
    let status = server.wait_exit(Duration::from_secs(20)).expect("the server quits");
    let log = server.log();
    assert!(!log.contains("RealtimeSanitizer"), "{log}");
    assert!(status.success(), "{status:?}: {log}");
}
