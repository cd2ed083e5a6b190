//! The resource memory budget, against the real server: a construct that would pass
//! `--max-resource-memory` fails before it allocates, freeing gives the bytes back, and a
//! buffer far larger than the machine is refused while the server stays up.
mod support;

use rosc::OscType;
use support::server::{i, s, Client, Server};

/// The reason of the next `/resource/error`, for resource `id`.
#[track_caller]
fn refused(c: &mut Client, id: i32) -> String {
    let got = c.expect("/resource/error");
    assert_eq!(got.args[0], i(id), "{got:?}");
    let OscType::String(reason) = &got.args[1] else { panic!("{got:?}") };
    reason.clone()
}

#[test]
fn constructs_beyond_the_budget_fail_and_frees_give_it_back() {
    let server = Server::start_with(&["--max-resource-memory", "1M"]);
    let mut c = server.client();
    // 200,000 float samples are 800,000 bytes: one fits in 1 MiB, two do not.
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(200_000)]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    c.send("/resource/new", vec![s("audio-buffer"), i(2), i(2), i(100_000)]);
    let reason = refused(&mut c, 2);
    assert!(reason.contains("800000 bytes would pass the resource memory budget"), "{reason}");
    assert!(reason.contains("800000 of 1048576 bytes in use"), "{reason}");
    c.send("/resource/free", vec![i(1)]);
    c.expect("/resource/destroyed");
    c.send("/resource/new", vec![s("audio-buffer"), i(2), i(2), i(100_000)]);
    assert_eq!(c.expect("/resource/ready").args, [i(2)]);
    c.sync();
}

#[test]
fn a_buffer_larger_than_the_machine_is_refused_and_the_server_stays_up() {
    let server = Server::start();
    let mut c = server.client();
    // 10^12 frames: past the samples a buffer may hold, whatever the budget.
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(1), OscType::Long(1_000_000_000_000)]);
    assert!(refused(&mut c, 1).contains("exceed the limit"));
    // 2^31 samples (8 GiB) are within a buffer's limit, but past a budget of half of
    // this machine's memory or of any smaller one given.
    let small = Server::start_with(&["--max-resource-memory", "4G"]);
    let mut d = small.client();
    d.send("/b_alloc", vec![i(1), i(1 << 30), i(2)]);
    assert!(refused(&mut d, 1).contains("would pass the resource memory budget"));
    d.sync();
    c.sync();
}
