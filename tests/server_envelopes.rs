//! Envelopes end their Synths on a running server, as a SuperCollider user would use them:
//! `EnvGen.ar(Env.perc(0.01, 0.05), doneAction: 2)` frees its Synth when the envelope
//! ends, and an `Env.adsr` with `doneAction: 2` holds until `/n_set gate 0` releases it.
mod support;

use std::time::{Duration, Instant};

use oscine::score::read_score;
use rosc::OscType;
use support::server::{f, i, s, Client, Server};

/// The SynthDef bytes of a conformance case's score (its `/d_recv`).
fn synthdef(case: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/ugens/cases/{case}.osc", env!("CARGO_MANIFEST_DIR"));
    let score = read_score(&std::fs::read(path).expect("score")).expect("score reads");
    score
        .iter()
        .flat_map(|b| &b.messages)
        .find(|m| m.message.addr == "/d_recv")
        .and_then(|m| match m.message.args.first() {
            Some(OscType::Blob(bytes)) => Some(bytes.clone()),
            _ => None,
        })
        .expect("the score sends its SynthDef")
}

/// Sends the def of `case` and waits for `/done /d_recv`.
fn install(c: &mut Client, case: &str) {
    c.send("/d_recv", vec![OscType::Blob(synthdef(case))]);
    let done = c.expect("/done");
    assert_eq!(done.args, [s("/d_recv")]);
}

/// Waits for `/node/ended id`.
fn ended(c: &mut Client, id: i32, within: Duration) {
    let start = Instant::now();
    loop {
        let left = within.checked_sub(start.elapsed()).unwrap_or_else(|| panic!("node {id} never ended"));
        match c.recv_timeout(left) {
            Some(m) if m.addr == "/node/ended" && m.args == [i(id)] => return,
            Some(_) => {}
            None => panic!("node {id} did not end within {within:?}"),
        }
    }
}

#[test]
fn an_envgen_with_done_action_2_frees_its_synth_when_the_envelope_ends() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    install(&mut c, "envgen_perc_done_ar");
    c.ok("/s_new", vec![s("envgen_perc_done_ar"), i(1000), i(1), i(0)], "/synth/new", 1000);
    // Env.perc(0.01, 0.05): 60 ms of audio. When it ends is checked to the frame offline
    // (the conformance case envgen_ar_perc_done); here, that the server frees the Synth.
    ended(&mut c, 1000, Duration::from_secs(5));
}

#[test]
fn an_adsr_holds_its_synth_until_the_gate_closes() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    install(&mut c, "envgen_adsr_ar");
    c.ok("/s_new", vec![s("envgen_adsr_ar"), i(1001), i(1), i(0)], "/synth/new", 1001);
    // Attack and decay take 30 ms; the sustain holds as long as the gate is open.
    std::thread::sleep(Duration::from_millis(200));
    c.sync_quiet();
    c.ok("/n_set", vec![i(1001), s("gate"), f(0.0)], "/node/set", 1001);
    ended(&mut c, 1001, Duration::from_secs(5));
}
