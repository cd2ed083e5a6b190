//! MIDI from a real port: `jack_midiseq` (jackd2's example client) loops a note out of a
//! JACK MIDI port under `jackd -d dummy`, and the server, reading JACK MIDI through midir
//! with the `jack` feature, plays it. Built only with the `jack` feature; `.ci/run` runs it
//! with jackd2 installed.
#![cfg(feature = "jack")]

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::jackd::Jackd;
use support::server::{i, s, wait_tree, NodeKind, Server, REPLY_TIMEOUT};

/// A `jack_midiseq` client, killed on drop.
struct Sequencer(Child);

impl Drop for Sequencer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn notes_from_a_jack_midi_port_play_synths_that_their_note_offs_free() {
    let jack = Jackd::start();
    let env = [("JACK_DEFAULT_SERVER", jack.name.as_str()), ("JACK_NO_START_SERVER", "1")];
    // Key 60 for 12000 of every 48000 frames: on a quarter second, off three quarters.
    let sequencer = Sequencer(
        Command::new("jack_midiseq")
            .args(["oscine-test-seq", "48000", "0", "60", "12000"])
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jack_midiseq (Debian: jackd2) must be installed to run this test"),
    );
    let server = Server::start_on("dummy", &[], &env);
    let mut c = server.client();
    // The sequencer's port appears once it has registered it.
    let deadline = Instant::now() + REPLY_TIMEOUT;
    loop {
        let list = c.request("/midi/list", vec![]);
        if list.args.contains(&s("oscine-test-seq:out")) {
            break;
        }
        assert!(Instant::now() < deadline, "no port oscine-test-seq:out in {list:?}; log:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    c.send("/midi/open", vec![s("oscine-test-seq")]);
    let opened = c.expect("/midi/opened");
    assert_eq!(opened.args, [i(0), s("oscine-test-seq:out")]);
    assert_eq!(c.status().midi_inputs, 1);
    c.ok("/midi/map/note", vec![i(1), i(0), i(-1), s("sine"), i(0)], "/midi/map/note", 1);
    let playing = wait_tree(&mut c, 0, "a Synth playing key 60", |t| {
        t.nodes.iter().any(|n| {
            matches!(&n.kind, NodeKind::Synth { def, .. } if def == "sine")
                && t.control(n.id, "freq").is_some_and(|f| (f - 261.6256).abs() < 0.01)
        })
    });
    let amp = playing.nodes.iter().find_map(|n| playing.control(n.id, "amp")).unwrap();
    assert!((amp - 64.0 / 127.0).abs() < 1e-4, "jack_midiseq's velocity 64 is amp {amp}");
    // Each note-off frees its Synth, so between the loop's notes the tree is empty again;
    // were the Synths left behind, they would pile up to the voice limit.
    c.ok("/midi/notify", vec![], "/midi/notify", 1);
    let (off, _) = c.expect_with_skipped("/midi/note_off");
    assert_eq!(off.args[..3], [i(0), i(0), i(60)], "{off:?}");
    wait_tree(&mut c, 0, "no Synth left", |t| t.nodes.iter().all(|n| !matches!(n.kind, NodeKind::Synth { .. })));
    drop(sequencer);
    assert_eq!(c.status().midi_bytes_dropped, 0);
}
