//! The cpal driver on a real audio server: JACK's dummy backend (`jackd -d dummy`) paces a
//! realtime clock without a sound card. Built only with the `jack` feature; `.ci/run` runs
//! it with jackd2 installed.
#![cfg(feature = "jack")]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::jackd::Jackd;
use support::server::{f, i, s, Server};

#[test]
fn the_server_runs_on_jack_and_its_clock_follows_the_jack_period() {
    let jack = Jackd::start();
    let mut server = Server::start_on("jack", &[], &[("JACK_DEFAULT_SERVER", &jack.name)]);
    assert!(server.log().contains("cpal driver, 48000 Hz"), "{}", server.log());
    assert!(server.log().contains("audio device: JACK Output [output] on JACK"), "{}", server.log());
    let mut c = server.client();
    c.ok("/synth/new", vec![s("sine"), i(1), i(0), i(1), s("freq"), f(220.0)], "/synth/new", 1);
    // The blocks between two status reads took at most the outer interval and at least
    // the inner one.
    let outer = Instant::now();
    let first = c.status();
    let inner = Instant::now();
    std::thread::sleep(Duration::from_millis(1000));
    let inner = inner.elapsed().as_secs_f64();
    let second = c.status();
    let outer = outer.elapsed().as_secs_f64();
    assert_eq!(second.synths, 1);
    // JACK's dummy backend paces 48 kHz: about 750 blocks of 64 frames a second, four per
    // 256-frame period.
    let blocks = (second.blocks - first.blocks) as f64;
    assert!(blocks < 900.0 * outer + 4.0, "{blocks} blocks in at most {outer:.3} s");
    assert!(blocks > 300.0 * inner, "{blocks} blocks in at least {inner:.3} s");
    // The estimate follows the device's real rate, which drifts from 48 kHz on a busy
    // machine (jackd's dummy backend oversleeps): checked against the rate seen over the
    // same second, loosely, as the loop averages over seconds. Its precision is tested
    // in the clock's unit tests.
    let (slowest, fastest) = (blocks * 64.0 / outer, blocks * 64.0 / inner);
    assert!(
        second.rate_estimate > 0.9 * slowest && second.rate_estimate < 1.1 * fastest,
        "rate estimate {} against {slowest:.0}..{fastest:.0} frames a second seen",
        second.rate_estimate
    );
    c.ok("/quit", vec![], "/quit", 0);
    let status = server.wait_exit(Duration::from_secs(5)).expect("oscine exits after /quit");
    assert_eq!(status.code(), Some(0), "{}", server.log());
}

#[test]
fn losing_the_jack_server_is_reported_and_quit_still_exits() {
    let mut jack = Jackd::start();
    let mut server = Server::start_on("jack", &[], &[("JACK_DEFAULT_SERVER", &jack.name)]);
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    c.ok("/synth/new", vec![s("sine"), i(1), i(0), i(1)], "/synth/new", 1);
    jack.stop();
    // Notified clients hear it; commands are refused rather than queued for nothing.
    // Noticed when no block has come for two seconds, or at once if the device says so.
    let lost = c.recv_timeout(Duration::from_secs(6)).expect("an /error notification when the device goes");
    assert_eq!((&lost.args[0], &lost.args[1]), (&s(""), &i(52)), "{lost:?}");
    c.fails("/group/new", vec![i(2), i(0), i(0)], "/group/new", 52);
    assert_eq!(c.status().failed, 2, "status field 15 says the device is gone");
    c.ok("/quit", vec![], "/quit", 0);
    let status = server.wait_exit(Duration::from_secs(8)).expect("oscine exits after /quit without its device");
    assert_eq!(status.code(), Some(1), "{}", server.log());
}

#[test]
fn a_rate_or_buffer_size_other_than_the_jack_servers_is_a_clear_error() {
    let jack = Jackd::start();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_oscine"))
            .args(["--driver", "jack", "--port", "0"])
            .args(args)
            .env_remove("RUST_LOG")
            .env("JACK_DEFAULT_SERVER", &jack.name)
            .stdin(Stdio::null())
            .output()
            .expect("run oscine");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        err.lines().last().unwrap_or_default().to_owned()
    };
    assert_eq!(
        run(&["--buffer-size", "512"]),
        "oscine: cannot configure the audio device: the JACK server's period is 256 frames; it cannot take buffers of 512"
    );
    assert_eq!(
        run(&["--sample-rate", "44100"]),
        "oscine: cannot configure the audio device: the JACK server runs at 48000 Hz; it cannot take 44100 Hz"
    );
}

#[test]
fn devices_lists_the_running_jack_servers_devices() {
    let jack = Jackd::start();
    let out = Command::new(env!("CARGO_BIN_EXE_oscine"))
        .arg("devices")
        .env("JACK_DEFAULT_SERVER", &jack.name)
        .stdin(Stdio::null())
        .output()
        .expect("run oscine devices");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let jack_part: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "host: JACK (--driver jack)")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(
        jack_part.contains(&"  JACK Output [output] (default output): output 2 ch @ 48000 Hz, input none"),
        "{text}"
    );
    assert!(jack_part.contains(&"  JACK Input [input]: output none, input 2 ch @ 48000 Hz"), "{text}");
}
