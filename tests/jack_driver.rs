//! The cpal driver on a real audio server: JACK's dummy backend (`jackd -d dummy`) paces a
//! realtime clock without a sound card. Built only with the `jack` feature; `.ci/run` runs
//! it with jackd2 installed.
#![cfg(feature = "jack")]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::server::{f, i, s, Server};

/// A private JACK server on the dummy backend, killed on drop.
struct Jackd {
    child: Child,
    name: String,
}

impl Jackd {
    fn start() -> Jackd {
        let name = format!("oscine-test-{}", std::process::id());
        let child = Command::new("jackd")
            .args(["--no-realtime", "-n", &name, "-d", "dummy", "-r", "48000", "-p", "256"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jackd (Debian: jackd2) must be installed to run this test");
        // The server needs a moment before clients can connect.
        std::thread::sleep(Duration::from_millis(800));
        Jackd { child, name }
    }
}

impl Drop for Jackd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_server_runs_on_jack_and_its_clock_follows_the_jack_period() {
    let jack = Jackd::start();
    let mut server = Server::start_on("jack", &[], &[("JACK_DEFAULT_SERVER", &jack.name)]);
    assert!(server.log().contains("cpal driver, 48000 Hz"), "{}", server.log());
    let mut c = server.client();
    c.ok("/synth/new", vec![s("sine"), i(1), i(0), i(1), s("freq"), f(220.0)], "/synth/new", 1);
    let first = c.status();
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(1000));
    let second = c.status();
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(second.synths, 1);
    // JACK's dummy backend paces 48 kHz: about 750 blocks of 64 frames a second.
    let blocks = (second.blocks - first.blocks) as f64;
    assert!(blocks > 300.0 * elapsed && blocks < 900.0 * elapsed, "{blocks} blocks in {elapsed:.2} s");
    assert!((second.rate_estimate - 48_000.0).abs() < 480.0, "rate estimate {}", second.rate_estimate);
    c.ok("/quit", vec![], "/quit", 0);
    let status = server.wait_exit(Duration::from_secs(5)).expect("oscine exits after /quit");
    assert_eq!(status.code(), Some(0), "{}", server.log());
}
