//! MIDI from a real port: `jack_midiseq` (jackd2's example client) loops a note out of a
//! JACK MIDI port under `jackd -d dummy`, and the server, reading JACK MIDI through midir
//! with the `jack` feature, plays it: a port `oscine devices` lists, opened by
//! `--midi-in` at start or by `/midi/open` at run time. Built only with the `jack`
//! feature; `.ci/run` runs it with jackd2 installed.
#![cfg(feature = "jack")]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::jackd::Jackd;
use support::server::{i, s, wait_tree, Client, NodeKind, Server, REPLY_TIMEOUT};

/// The sequencer's client name, and the port it registers.
const SEQUENCER: &str = "oscine-test-seq";
const PORT: &str = "oscine-test-seq:out";

/// A `jack_midiseq` client, stopped on drop.
struct Sequencer(Child);

impl Sequencer {
    /// Key 60 at velocity 64 for 12000 of every 48000 frames: on a quarter second, off
    /// three quarters.
    fn start(env: &[(&str, &str)]) -> Sequencer {
        Sequencer(
            Command::new("jack_midiseq")
                .args([SEQUENCER, "48000", "0", "60", "12000"])
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("jack_midiseq (Debian: jackd2) must be installed to run this test"),
        )
    }
}

impl Drop for Sequencer {
    /// SIGTERM, on which jack_midiseq closes its JACK client. When its clients are killed
    /// instead, jackd can die of SIGPIPE writing to their sockets as it stops, and leaves
    /// its entry in JACK's registry of servers: with 8 entries left behind, no jackd starts
    /// on the machine any more.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + REPLY_TIMEOUT;
        while Instant::now() < deadline && matches!(self.0.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Stops the server with SIGTERM, as an operator would, so that it closes its JACK
/// clients (see [`Sequencer`]'s drop), and checks it shut down cleanly.
fn stop(mut server: Server) {
    server.terminate();
    let status = server.wait_exit(REPLY_TIMEOUT);
    assert!(status.is_some_and(|s| s.success()), "oscine exited with {status:?}; log:\n{}", server.log());
}

/// What points a program at `jack` and keeps it from starting a JACK server of its own.
fn jack_env(jack: &Jackd) -> [(&str, &str); 2] {
    [("JACK_DEFAULT_SERVER", jack.name.as_str()), ("JACK_NO_START_SERVER", "1")]
}

/// The index `oscine devices` lists the sequencer's port with under its MIDI inputs, once
/// the sequencer has registered it.
fn listed_index(env: &[(&str, &str)]) -> usize {
    let deadline = Instant::now() + REPLY_TIMEOUT;
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_oscine"))
            .arg("devices")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .expect("run oscine devices");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let midi: Vec<&str> =
            text.lines().skip_while(|l| *l != "MIDI inputs:").skip(1).take_while(|l| l.starts_with("  ")).collect();
        let index = midi.iter().find_map(|l| l.trim_start().strip_suffix(&format!(": {PORT}")));
        if let Some(index) = index {
            return index.parse().unwrap_or_else(|_| panic!("the index of {PORT} is not a number:\n{text}"));
        }
        assert!(Instant::now() < deadline, "oscine devices never listed {PORT} under its MIDI inputs:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Maps device input 0's notes to `sine` Synths and waits until one plays the sequencer's
/// key, then until its note-off has freed it (a voice left behind would go only when
/// stolen, at the voice limit: 16 notes, 16 seconds of the loop, later).
fn plays_the_sequencers_notes(c: &mut Client) {
    c.ok("/midi/map/note", vec![i(1), i(0), i(-1), s("sine"), i(0)], "/midi/map/note", 1);
    let playing = wait_tree(c, 0, "a Synth playing key 60", |t| {
        t.nodes.iter().any(|n| {
            matches!(&n.kind, NodeKind::Synth { def, .. } if def == "sine")
                && t.control(n.id, "freq").is_some_and(|f| (f - 261.6256).abs() < 0.01)
        })
    });
    let voice = playing.nodes.iter().find(|n| playing.control(n.id, "amp").is_some()).unwrap().id;
    let amp = playing.control(voice, "amp").unwrap();
    assert!((amp - 64.0 / 127.0).abs() < 1e-4, "jack_midiseq's velocity 64 is amp {amp}");
    c.ok("/midi/notify", vec![], "/midi/notify", 1);
    let (off, _) = c.expect_with_skipped("/midi/note_off");
    assert_eq!(off.args[..3], [i(0), i(0), i(60)], "{off:?}");
    wait_tree(c, 0, "the voice freed by its note-off", |t| t.node(voice).is_none());
    assert_eq!(c.status().midi_bytes_dropped, 0);
}

#[test]
fn notes_from_a_jack_midi_port_play_synths_that_their_note_offs_free() {
    let jack = Jackd::start();
    let env = jack_env(&jack);
    let _sequencer = Sequencer::start(&env);
    let server = Server::start_on("dummy", &[], &env);
    let mut c = server.client();
    // The sequencer's port appears once it has registered it.
    let deadline = Instant::now() + REPLY_TIMEOUT;
    loop {
        let list = c.request("/midi/list", vec![]);
        if list.args.contains(&s(PORT)) {
            break;
        }
        assert!(Instant::now() < deadline, "no port {PORT} in {list:?}; log:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    c.send("/midi/open", vec![s(SEQUENCER)]);
    let opened = c.expect("/midi/opened");
    assert_eq!(opened.args, [i(0), s(PORT)]);
    assert_eq!(c.status().midi_inputs, 1);
    plays_the_sequencers_notes(&mut c);
    stop(server);
}

#[test]
fn oscine_devices_lists_a_jack_midi_port_with_the_index_midi_in_opens_it_by() {
    let jack = Jackd::start();
    let env = jack_env(&jack);
    let _sequencer = Sequencer::start(&env);
    let index = listed_index(&env);
    let server = Server::start_on("dummy", &["--midi-in", &index.to_string()], &env);
    server.wait_log(&format!("MIDI input 0: {PORT}"));
    let mut c = server.client();
    c.make_known();
    // /midi/list numbers the port as oscine devices does, open as device 0.
    let list = c.request("/midi/list", vec![]);
    let at = list.args.iter().position(|a| *a == s(PORT)).unwrap_or_else(|| panic!("no {PORT} in {list:?}"));
    assert_eq!(list.args[at - 1..=at + 1], [i(index as i32), s(PORT), i(0)], "{list:?}");
    assert_eq!(c.status().midi_inputs, 1);
    plays_the_sequencers_notes(&mut c);
    stop(server);
}

#[test]
fn a_server_started_with_midi_in_part_of_a_ports_name_in_any_case_plays_its_notes() {
    let jack = Jackd::start();
    let env = jack_env(&jack);
    let _sequencer = Sequencer::start(&env);
    // --midi-in opens what is there at start: wait for the port first.
    listed_index(&env);
    let server = Server::start_on("dummy", &["--midi-in", "TEST-SEQ"], &env);
    server.wait_log(&format!("MIDI input 0: {PORT}"));
    let mut c = server.client();
    assert_eq!(c.status().midi_inputs, 1);
    plays_the_sequencers_notes(&mut c);
    stop(server);
}
