//! A buffer of hundreds of megabytes is built on a worker while the audio thread keeps
//! rendering and other clients keep getting answers.
mod support;

use support::server::{i, s, Server};

#[test]
fn a_230_mb_buffer_builds_without_blocking_audio_or_other_clients() {
    let server = Server::start();
    let mut loader = server.client();
    let mut other = server.client();
    // `other` hears /resource/ready as a notified client, in the same stream as its own
    // replies: everything it asked meanwhile must be answered before the build ends.
    other.ok("/notify", vec![i(1)], "/notify", 1);
    let blocks_before = other.status().blocks;

    // Ten minutes of stereo at 48 kHz: 57.6 million samples, 230 MB.
    loader.send("/resource/new", vec![s("audio-buffer"), i(1), i(2), i(28_800_000)]);
    for k in 0..20 {
        other.ok("/group/new", vec![i(100 + k), i(0), i(1)], "/group/new", 100 + k);
    }
    let meanwhile = other.sync();
    assert!(
        meanwhile.iter().all(|m| m.addr != "/resource/ready"),
        "the build finished before 20 commands from another client were answered: {meanwhile:?}"
    );
    let blocks_during = other.status().blocks;
    assert!(blocks_during > blocks_before, "the audio thread stopped rendering during the build");

    let ready = loader.expect("/resource/ready");
    assert_eq!(ready.args, vec![i(1)]);
    let query = loader.request("/resource/perform", vec![i(1), s("query")]);
    assert_eq!(query.args[..4], [i(1), s("query"), i(2), i(28_800_000)]);
    loader.send("/resource/free", vec![i(1)]);
    loader.expect("/resource/destroyed");
}
