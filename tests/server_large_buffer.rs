//! A buffer of hundreds of megabytes builds on a worker and is usable. (That a slow
//! construct blocks neither the audio thread nor other clients is shown, whatever the
//! machine's speed, by tests/server_slow_construct.rs.)
mod support;

use std::time::Duration;

use support::server::{i, s, Server};

/// Long enough to allocate and zero 230 MB unoptimized on a busy machine.
const BUILD_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn a_230_mb_buffer_builds_and_is_usable() {
    let server = Server::start();
    let mut loader = server.client();
    let mut other = server.client();
    other.ok("/notify", vec![i(1)], "/notify", 1);

    // Ten minutes of stereo at 48 kHz: 57.6 million samples, 230 MB.
    loader.send("/resource/new", vec![s("audio-buffer"), i(1), i(2), i(28_800_000)]);
    let ready = loader.recv_timeout(BUILD_TIMEOUT).unwrap_or_else(|| panic!("not built within {BUILD_TIMEOUT:?}"));
    assert_eq!((ready.addr.as_str(), &ready.args[..]), ("/resource/ready", &[i(1)][..]));
    let query = loader.request("/resource/perform", vec![i(1), s("query")]);
    assert_eq!(query.args, [i(1), s("query"), i(2), i(28_800_000), rosc::OscType::Double(48_000.0)]);
    // A sampler can hold it.
    loader.ok("/synth/new", vec![s("sampler"), i(10), i(0), i(1), s("buffer"), i(1)], "/synth/new", 10);
    loader.ok("/node/free", vec![i(10)], "/node/free", 10);
    loader.ok("/resource/free", vec![i(1)], "/resource/free", 1);
    let destroyed = loader.recv_timeout(BUILD_TIMEOUT).expect("/resource/destroyed");
    assert_eq!((destroyed.addr.as_str(), &destroyed.args[..]), ("/resource/destroyed", &[i(1)][..]));
    loader.sync_quiet();
    let seen: Vec<_> = other.sync().into_iter().map(|m| (m.addr, m.args)).collect();
    assert_eq!(
        seen,
        [
            ("/resource/ready".to_owned(), vec![i(1)]),
            ("/node/ended".to_owned(), vec![i(10)]),
            ("/resource/destroyed".to_owned(), vec![i(1)]),
        ]
    );
}
