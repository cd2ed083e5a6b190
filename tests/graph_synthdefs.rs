//! SynthDefs made from SCgf graphs, end to end: `/d_recv`, `/d_load`, `/d_loadDir` and
//! `/d_free` over the real server, and `oscine render` of a score written with scsynth's
//! verbs; the rendered samples are checked against the graph's formula.
mod support;

use std::path::PathBuf;

use oscine::score::{message, Score};
use rosc::OscType;
use support::scgf::{file, sine};
use support::server::{assert_error, f, i, s, Server};

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("oscine-graph-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `score` into `dir`, renders it with `oscine render` and `flags`, and returns the
/// interleaved samples of the output file.
fn render(dir: &TempDir, score: &Score, flags: &[&str]) -> Vec<f32> {
    let (score_path, out) = (dir.0.join("score.osc"), dir.0.join("out.wav"));
    score.write(&score_path).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_oscine"))
        .arg("render")
        .args(flags)
        .arg(&score_path)
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    hound::WavReader::open(&out).unwrap().into_samples::<f32>().map(Result::unwrap).collect()
}

fn blob(bytes: Vec<u8>) -> OscType {
    OscType::Blob(bytes)
}

/// A sine of `freq` Hz from phase 0.
fn sine_reference(freq: f64, sample_rate: f64, frames: usize) -> Vec<f32> {
    (0..frames).map(|n| (std::f64::consts::TAU * freq * n as f64 / sample_rate).sin() as f32).collect()
}

/// How far `SinOsc` may stray from a true sine: it reads scsynth's 8192-point wavetable
/// with scsynth's integer phase (the conformance suite checks it against scsynth itself).
const SINOSC_ERROR: f32 = 1e-5;

/// Asserts `got` follows `want` within [`SINOSC_ERROR`], frame by frame.
#[track_caller]
fn assert_sine(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (n, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= SINOSC_ERROR, "frame {n}: {g}, a sine has {w}");
    }
}

#[test]
fn a_score_with_scsynths_verbs_renders_a_graph_and_its_variant() {
    let dir = TempDir::new("render");
    let mut score = Score::new();
    // One bundle larger than a UDP datagram: a score's bundles may be of any size.
    let mut first = vec![message("/d_recv", vec![blob(file(&[sine("tone", 441.0)]))])];
    first.extend((0..4000).map(|k| message("/c_set", vec![i(k), f(k as f32)])));
    score.at(0.0, first);
    score.at(0.0, [message("/s_new", vec![s("tone"), i(1000), i(0), i(0), s("freq"), f(441.0)])]);
    // The variant, by index (control 1 is `bus`), on output 1.
    score.at(0.0, [message("/s_new", vec![s("tone.high"), i(1001), i(1), i(0), i(1), f(1.0)])]);
    score.end(0.02);
    let data = render(&dir, &score, &[]);
    assert!(std::fs::metadata(dir.0.join("score.osc")).unwrap().len() > 65_507);
    let (left, right): (Vec<f32>, Vec<f32>) = data.chunks_exact(2).map(|fr| (fr[0], fr[1])).unzip();
    assert_sine(&left, &sine_reference(441.0, 48_000.0, 960));
    // The variant's default frequency, on output 1 (control 1, `bus`, set by index).
    assert_sine(&right, &sine_reference(882.0, 48_000.0, 960));
}

#[test]
fn graph_defs_are_received_loaded_freed_and_refused_over_the_server() {
    let dir = TempDir::new("server");
    let server = Server::start();
    let mut c = server.client();
    let bytes = file(&[sine("tone", 220.0)]);

    // /d_recv with a completion message that starts a Synth of the def.
    let completion = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/s_new".into(),
        args: vec![s("tone"), i(1000), i(0), i(0)],
    }))
    .unwrap();
    c.send("/d_recv", vec![blob(bytes.clone()), blob(completion)]);
    assert_eq!(c.expect("/done").args, [s("/d_recv")]);
    c.expect_ack("/synth/new", 1000);
    c.send("/synthdef/list", vec![]);
    let list = c.expect("/synthdef/list");
    assert!(list.args.contains(&s("tone")) && list.args.contains(&s("tone.high")), "{list:?}");
    // Controls by name and by index.
    c.ok("/n_set", vec![i(1000), s("freq"), f(330.0)], "/node/set", 1000);
    c.ok("/n_set", vec![i(1000), i(1), f(1.0)], "/node/set", 1000);

    // /d_load with a wildcard and /d_loadDir.
    std::fs::write(dir.0.join("a.scsyndef"), file(&[sine("from_a", 100.0)])).unwrap();
    std::fs::write(dir.0.join("b.scsyndef"), file(&[sine("from_b", 100.0)])).unwrap();
    c.send("/d_load", vec![s(dir.0.join("*.scsyndef").to_str().unwrap())]);
    assert_eq!(c.expect("/done").args, [s("/d_load")]);
    c.ok("/s_new", vec![s("from_b"), i(1001), i(0), i(0)], "/synth/new", 1001);
    c.send("/d_loadDir", vec![s(dir.0.to_str().unwrap())]);
    assert_eq!(c.expect("/done").args, [s("/d_loadDir")]);

    // /d_free: new Synths can no longer use it, the one playing goes on.
    c.send("/d_free", vec![s("tone"), s("from_a")]);
    assert_eq!(c.expect("/done").args, [s("/d_free")]);
    c.fails("/s_new", vec![s("tone"), i(1002), i(0), i(0)], "/s_new", 14);
    assert!(c.tree(0).nodes.iter().any(|n| n.id == 1000));
    let text = c.fails("/d_free", vec![s("sine")], "/d_free", 90);
    assert!(text.contains("plugin's SynthDef"), "{text}");
    c.fails("/d_free", vec![s("nothing")], "/d_free", 90);

    // Bad files: every refusal names the def and the problem.
    let text = c.fails("/d_recv", vec![blob(bytes[..bytes.len() - 3].to_vec())], "/d_recv", 90);
    assert!(text.contains("synthdef 'tone'") && text.contains("truncated"), "{text}");
    let mut unknown = sine("odd", 1.0);
    unknown.ugens[1].name = "NoSuchUGen";
    let text = c.fails("/d_recv", vec![blob(file(&[unknown]))], "/d_recv", 90);
    assert_eq!(text, "synthdef 'odd': ugen 1 is a NoSuchUGen, which no plugin provides");
    let mut wrong_rate = sine("odd", 1.0);
    wrong_rate.ugens[2].inputs[1] = support::scgf::In::Ugen(0, 0);
    let text = c.fails("/d_recv", vec![blob(file(&[wrong_rate]))], "/d_recv", 90);
    assert!(text.contains("Out.ar: input 1 is not audio rate"), "{text}");
    let text = c.fails("/d_load", vec![s(dir.0.join("missing.scsyndef").to_str().unwrap())], "/d_load", 90);
    assert!(text.contains("missing.scsyndef"), "{text}");
    let text = c.fails("/d_load", vec![s(dir.0.to_str().unwrap())], "/d_load", 90);
    assert!(text.contains("not a regular file"), "{text}");
    c.fails("/d_recv", vec![s("not bytes")], "/d_recv", 12);
    let m = c.request("/c_set", vec![i(0), f(0.5)]);
    assert_eq!((m.addr.as_str(), &m.args[..]), ("/ack", &[s("/c_set"), i(0)][..]));
    let m = c.request("/c_set", vec![i(1 << 24), f(0.5)]);
    assert_error(&m, "/c_set", 44);
    c.sync_quiet();
}

#[test]
fn local_buses_carry_a_synths_signal_into_its_next_block() {
    use support::scgf::{Graph, In, Ugen};
    let dir = TempDir::new("local");
    // LocalIn reads what LocalOut wrote a block earlier: the sine, one block late.
    let graph = Graph {
        name: "feedback",
        constants: vec![0.0],
        params: vec![("freq", 1000.0)],
        ugens: vec![
            Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1] },
            Ugen { name: "LocalIn", rate: 2, special: 0, inputs: vec![In::Const(0)], outputs: vec![2] },
            Ugen { name: "SinOsc", rate: 2, special: 0, inputs: vec![In::Ugen(0, 0), In::Const(0)], outputs: vec![2] },
            Ugen { name: "LocalOut", rate: 2, special: 0, inputs: vec![In::Ugen(2, 0)], outputs: vec![] },
            Ugen { name: "Out", rate: 2, special: 0, inputs: vec![In::Const(0), In::Ugen(1, 0)], outputs: vec![] },
        ],
        variants: vec![],
    };
    let mut score = Score::new();
    score.at(0.0, [message("/d_recv", vec![blob(file(&[graph]))])]);
    score.at(0.0, [message("/s_new", vec![s("feedback"), i(1000), i(0), i(0)])]);
    score.end(640.0 / 48_000.0);
    let data = render(&dir, &score, &["--outputs", "1"]);
    assert_eq!(data.len(), 640);
    assert!(data[..64].iter().all(|x| *x == 0.0), "the first block reads the default");
    assert_sine(&data[64..], &sine_reference(1000.0, 48_000.0, 576));
}

#[test]
fn a_graph_whose_wires_outgrow_the_wire_buffers_renders_like_a_small_one() {
    use support::scgf::{Graph, In, Ugen};
    let dir = TempDir::new("wide");
    // 70 sines all live at once, summed and scaled back: more blocks of audio-rate wires
    // than the engine lends (oscine::engine::WIRE_BUFFERS), so its Synths keep their wires.
    const SINES: u32 = 70;
    assert!(SINES as usize > oscine::engine::WIRE_BUFFERS);
    let control = Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1] };
    let oscillator =
        || Ugen { name: "SinOsc", rate: 2, special: 0, inputs: vec![In::Ugen(0, 0), In::Const(0)], outputs: vec![2] };
    let add = |a: In, b: In| Ugen { name: "BinaryOpUGen", rate: 2, special: 0, inputs: vec![a, b], outputs: vec![2] };
    let mut ugens = vec![control];
    ugens.extend((0..SINES).map(|_| oscillator()));
    // ugen SINES + k adds sine k + 2 to what came before.
    ugens.push(add(In::Ugen(1, 0), In::Ugen(2, 0)));
    for k in 3..=SINES {
        ugens.push(add(In::Ugen(SINES + k - 2, 0), In::Ugen(k, 0)));
    }
    let sum = ugens.len() as u32 - 1;
    ugens.push(Ugen {
        name: "BinaryOpUGen",
        rate: 2,
        special: 2,
        inputs: vec![In::Ugen(sum, 0), In::Const(1)],
        outputs: vec![2],
    });
    ugens.push(Ugen {
        name: "Out",
        rate: 2,
        special: 0,
        inputs: vec![In::Const(0), In::Ugen(sum + 1, 0)],
        outputs: vec![],
    });
    let wide = Graph {
        name: "wide",
        constants: vec![0.0, 1.0 / SINES as f32],
        params: vec![("freq", 440.0)],
        ugens,
        variants: vec![],
    };
    let mut score = Score::new();
    score.at(0.0, [message("/d_recv", vec![blob(file(&[wide, sine("narrow", 440.0)]))])]);
    score.at(0.0, [message("/s_new", vec![s("wide"), i(1000), i(1), i(0)])]);
    score.at(0.0, [message("/s_new", vec![s("narrow"), i(1001), i(1), i(0), s("bus"), f(1.0)])]);
    score.end(640.0 / 48_000.0);
    let data = render(&dir, &score, &[]);
    let (wide, narrow): (Vec<f32>, Vec<f32>) = data.chunks_exact(2).map(|fr| (fr[0], fr[1])).unzip();
    assert_eq!(wide.len(), 640);
    assert_sine(&narrow, &sine_reference(440.0, 48_000.0, 640));
    for (n, (w, x)) in wide.iter().zip(&narrow).enumerate() {
        assert!((w - x).abs() <= 1e-5, "frame {n}: {w}, the small graph has {x}");
    }
}

#[test]
fn mutated_synthdef_files_are_answered_and_the_server_stays_up() {
    let server = Server::start();
    let mut c = server.client();
    let fixtures: Vec<Vec<u8>> = ["sine", "voice", "supriya_default", "chord_variants_v1"]
        .iter()
        .map(|name| {
            std::fs::read(format!("{}/tests/fixtures/scgf/{name}.scsyndef", env!("CARGO_MANIFEST_DIR"))).unwrap()
        })
        .collect();
    // A fixed sequence (xorshift): the same mutations every run.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut done, mut refused) = (0, 0);
    for round in 0..400 {
        let mut bytes = fixtures[round % fixtures.len()].clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % bytes.len();
            bytes[at] = next() as u8;
        }
        if next() % 4 == 0 {
            let keep = (next() as usize) % bytes.len();
            bytes.truncate(keep);
        }
        c.send("/d_recv", vec![blob(bytes)]);
        let m = c.recv();
        match m.addr.as_str() {
            "/done" => done += 1,
            "/error" => {
                assert_error(&m, "/d_recv", 90);
                refused += 1;
            }
            other => panic!("unexpected reply {other}: {m:?}"),
        }
    }
    assert_eq!(done + refused, 400);
    assert!(refused > 300, "most mutations break the file: {refused} refused, {done} installed");
    // Whatever was installed plays or is refused cleanly; the server still answers.
    c.sync_quiet();
    c.ok("/s_new", vec![s("sine"), i(1000), i(0), i(0)], "/synth/new", 1000);
    c.sync_quiet();
}

/// `Poll.kr(Impulse.kr(20), value, label, trigid)` with `value` and `trigid` controls; its
/// label spelled out as scsynth's inputs are: length, then characters.
fn poll_graph(label: &str) -> support::scgf::Graph {
    use support::scgf::{Graph, In, Ugen};
    let mut constants = vec![20.0, 0.0, label.len() as f32];
    constants.extend(label.chars().map(|c| c as u32 as f32));
    let label_inputs = (2..constants.len() as u32).map(In::Const);
    Graph {
        name: "poll",
        constants,
        params: vec![("value", 0.25), ("trigid", 3.0)],
        ugens: vec![
            Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1, 1] },
            Ugen { name: "Impulse", rate: 1, special: 0, inputs: vec![In::Const(0), In::Const(1)], outputs: vec![1] },
            Ugen {
                name: "Poll",
                rate: 1,
                special: 0,
                inputs: [In::Ugen(1, 0), In::Ugen(0, 0), In::Ugen(0, 1)].into_iter().chain(label_inputs).collect(),
                outputs: vec![1],
            },
        ],
        variants: vec![],
    }
}

#[test]
fn poll_logs_its_label_and_value_and_sends_tr_to_notified_clients() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    c.send("/d_recv", vec![blob(file(&[poll_graph("level")]))]);
    assert_eq!(c.expect("/done").args, [s("/d_recv")]);
    c.ok("/s_new", vec![s("poll"), i(1000), i(0), i(0), s("value"), f(0.5)], "/synth/new", 1000);
    // scsynth's `/tr node trigid value`, each time Impulse.kr(20) fires.
    assert_eq!(c.expect("/tr").args, [i(1000), i(3), f(0.5)]);
    assert_eq!(c.expect("/tr").args, [i(1000), i(3), f(0.5)]);
    // A trigid below 0 logs the value without a /tr.
    c.send("/n_set", vec![i(1000), s("trigid"), f(-1.0), s("value"), f(0.125)]);
    // Skipping the /tr notifications sent meanwhile.
    assert_eq!(c.expect("/ack").args, [s("/node/set"), i(1000)]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !server.log().contains("level: 0.125") {
        assert!(std::time::Instant::now() < deadline, "no Poll line in the log:\n{}", server.log());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(server.log().contains("level: 0.5"), "{}", server.log());
    c.sync_quiet();
    let late: Vec<_> = c.received_so_far().into_iter().filter(|m| m.addr == "/tr" && m.args[2] == f(0.125)).collect();
    assert!(late.is_empty(), "no /tr with trigid -1: {late:?}");
}

#[test]
fn polls_beyond_the_reports_of_a_block_are_counted_and_the_server_says_so() {
    use support::scgf::{Graph, In, Ugen};
    let server = Server::start();
    let mut c = server.client();
    // Three Poll.ar(Impulse.ar(24000), 0.5, "x", -1): 96 reports a block, more than the
    // engine takes.
    let poll = Ugen {
        name: "Poll",
        rate: 2,
        special: 0,
        inputs: vec![In::Ugen(0, 0), In::Const(2), In::Const(3), In::Const(4), In::Const(5)],
        outputs: vec![2],
    };
    let graph = Graph {
        name: "flood",
        constants: vec![24000.0, 0.0, 0.5, -1.0, 1.0, 120.0],
        params: vec![],
        ugens: vec![
            Ugen { name: "Impulse", rate: 2, special: 0, inputs: vec![In::Const(0), In::Const(1)], outputs: vec![2] },
            Ugen { inputs: poll.inputs.clone(), outputs: poll.outputs.clone(), ..poll },
            Ugen { inputs: poll.inputs.clone(), outputs: poll.outputs.clone(), ..poll },
            poll,
        ],
        variants: vec![],
    };
    c.send("/d_recv", vec![blob(file(&[graph]))]);
    assert_eq!(c.expect("/done").args, [s("/d_recv")]);
    c.ok("/s_new", vec![s("flood"), i(1000), i(0), i(0)], "/synth/new", 1000);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // The lines beyond 50 a second are counted when the next second's first is logged.
    while !(server.log().contains("reports (Poll, SendTrig, SendReply, SendPeakRMS) lost")
        && server.log().contains("Poll lines not logged"))
    {
        assert!(std::time::Instant::now() < deadline, "no count of lost reports or lines:\n{}", server.log());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(server.log().contains("x: 0.5"), "{}", server.log());
    c.sync_quiet();
}

/// `Out.ar(bus, osc * amp)` (or `amp * osc` with `amp_first`) where `osc` is `SinOsc.ar(freq,
/// 0)` or `Saw.ar(freq)`; with `spy`, `Out.ar(100, osc)` too, which reads the oscillator a
/// second time so that the `*` cannot be folded into it.
fn scaled_oscillator(name: &'static str, osc: &'static str, amp_first: bool, spy: bool) -> support::scgf::Graph {
    use support::scgf::{Graph, In, Ugen};
    let inputs = if osc == "SinOsc" { vec![In::Ugen(0, 0), In::Const(0)] } else { vec![In::Ugen(0, 0)] };
    let (a, b) = if amp_first { (In::Ugen(0, 1), In::Ugen(1, 0)) } else { (In::Ugen(1, 0), In::Ugen(0, 1)) };
    let mut ugens = vec![
        Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1, 1, 1] },
        Ugen { name: osc, rate: 2, special: 0, inputs, outputs: vec![2] },
        Ugen { name: "BinaryOpUGen", rate: 2, special: 2, inputs: vec![a, b], outputs: vec![2] },
        Ugen { name: "Out", rate: 2, special: 0, inputs: vec![In::Ugen(0, 2), In::Ugen(2, 0)], outputs: vec![] },
    ];
    if spy {
        ugens.push(Ugen {
            name: "Out",
            rate: 2,
            special: 0,
            inputs: vec![In::Const(1), In::Ugen(1, 0)],
            outputs: vec![],
        });
    }
    Graph {
        name,
        constants: vec![0.0, 100.0],
        params: vec![("freq", 440.0), ("amp", 0.5), ("bus", 0.0)],
        ugens,
        variants: vec![],
    }
}

#[test]
fn an_oscillator_that_takes_in_its_multiply_renders_the_same_samples_as_the_multiply() {
    let dir = TempDir::new("fold");
    for (osc, amp_first) in [("SinOsc", false), ("SinOsc", true), ("Saw", false)] {
        let graphs =
            [scaled_oscillator("folded", osc, amp_first, false), scaled_oscillator("kept", osc, amp_first, true)];
        let mut score = Score::new();
        score.at(0.0, [message("/d_recv", vec![blob(file(&graphs))])]);
        // Started inside a block (frame 21), so that calls of a part of a block ramp too.
        score.at(
            21.0 / 48_000.0,
            [
                message("/s_new", vec![s("folded"), i(1000), i(0), i(0), s("freq"), f(1234.5)]),
                message("/s_new", vec![s("kept"), i(1001), i(0), i(0), s("freq"), f(1234.5), s("bus"), f(1.0)]),
            ],
        );
        // Ramps up, down, through 0 and -0, and from a frame inside a block.
        for (k, amp) in [0.9, 0.0, -0.0, -0.25, 1e-3, 3.0].into_iter().enumerate() {
            let at = (100.0 + 173.0 * k as f64) / 48_000.0;
            score.at(
                at,
                [
                    message("/n_set", vec![i(1000), s("amp"), f(amp)]),
                    message("/n_set", vec![i(1001), s("amp"), f(amp)]),
                ],
            );
        }
        score.end(2000.0 / 48_000.0);
        let data = render(&dir, &score, &[]);
        let (folded, kept): (Vec<u32>, Vec<u32>) =
            data.chunks_exact(2).map(|fr| (fr[0].to_bits(), fr[1].to_bits())).unzip();
        assert_eq!(folded.len(), 2000);
        assert!(kept.iter().filter(|&&x| f32::from_bits(x).abs() > 0.1).count() > 100, "{osc}: silent");
        assert_eq!(folded, kept, "{osc}, amp first: {amp_first}");
    }
}

/// `Out.ar(bus, sig)` where `sig` is `SinOsc.ar(freq) * amp` or, with `pan`, the two
/// channels of `Pan2.ar(SinOsc.ar(freq) * amp, pos)`; with `between`, a `DC.kr(0)` sits
/// between the signal and the `Out`, so that the `Out` cannot be folded into the unit
/// that writes its channels and writes the buses itself.
fn bus_writer(name: &'static str, pan: bool, between: bool) -> support::scgf::Graph {
    use support::scgf::{Graph, In, Ugen};
    let mut ugens = vec![
        Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1, 1, 1, 1] },
        Ugen { name: "SinOsc", rate: 2, special: 0, inputs: vec![In::Ugen(0, 0), In::Const(0)], outputs: vec![2] },
        Ugen {
            name: "BinaryOpUGen",
            rate: 2,
            special: 2,
            inputs: vec![In::Ugen(1, 0), In::Ugen(0, 1)],
            outputs: vec![2],
        },
    ];
    let channels = if pan {
        ugens.push(Ugen {
            name: "Pan2",
            rate: 2,
            special: 0,
            inputs: vec![In::Ugen(2, 0), In::Ugen(0, 3), In::Const(1)],
            outputs: vec![2, 2],
        });
        vec![In::Ugen(3, 0), In::Ugen(3, 1)]
    } else {
        vec![In::Ugen(2, 0)]
    };
    if between {
        ugens.push(Ugen { name: "DC", rate: 1, special: 0, inputs: vec![In::Const(0)], outputs: vec![1] });
    }
    let mut inputs = vec![In::Ugen(0, 2)];
    inputs.extend(channels);
    ugens.push(Ugen { name: "Out", rate: 2, special: 0, inputs, outputs: vec![] });
    Graph {
        name,
        constants: vec![0.0, 1.0],
        params: vec![("freq", 440.0), ("amp", 0.5), ("bus", 0.0), ("pos", 0.0)],
        ugens,
        variants: vec![],
    }
}

#[test]
fn an_out_folded_into_the_unit_it_reads_sums_into_the_buses_as_the_out_does() {
    let dir = TempDir::new("out-fold");
    for pan in [false, true] {
        let graphs = [bus_writer("summed", pan, false), bus_writer("written", pan, true)];
        let width = if pan { 2 } else { 1 };
        let mut score = Score::new();
        score.at(0.0, [message("/d_recv", vec![blob(file(&graphs))])]);
        // Each kind on its own buses: the first writer of a bus, starting inside a block,
        // then a second Synth adding into it, then one whose amplitude ramps; and Synths
        // whose bus writes nothing (negative, past the last bus).
        let mut id = 1000;
        let mut new = |at: f64, def: &str, bus: f32, freq: f32, more: Vec<OscType>| {
            id += 1;
            let mut args = vec![s(def), i(id), i(1), i(0), s("freq"), f(freq), s("bus"), f(bus), s("pos"), f(-0.3)];
            args.extend(more);
            (at, message("/s_new", args))
        };
        let mut events = Vec::new();
        for (def, bus) in [("summed", 0.0), ("written", width as f32)] {
            events.push(new(21.0 / 48_000.0, def, bus, 1234.5, vec![]));
            events.push(new(130.0 / 48_000.0, def, bus, 333.0, vec![s("amp"), f(0.25)]));
            events.push(new(0.0, def, -1.0, 500.0, vec![]));
            events.push(new(0.0, def, 1e9, 500.0, vec![]));
        }
        for (at, m) in events {
            score.at(at, [m]);
        }
        for (k, amp) in [0.9, 0.0, -0.25, 3.0].into_iter().enumerate() {
            let at = (300.0 + 173.0 * k as f64) / 48_000.0;
            score.at(
                at,
                [
                    message("/n_set", vec![i(1001), s("amp"), f(amp)]),
                    message("/n_set", vec![i(1005), s("amp"), f(amp)]),
                ],
            );
        }
        score.end(2000.0 / 48_000.0);
        let channels = (2 * width).to_string();
        let data = render(&dir, &score, &["--outputs", &channels]);
        let frames: Vec<&[f32]> = data.chunks_exact(2 * width).collect();
        assert_eq!(frames.len(), 2000);
        let bits = |range: std::ops::Range<usize>| -> Vec<u32> {
            frames.iter().flat_map(|fr| fr[range.clone()].iter().map(|x| x.to_bits())).collect()
        };
        let (summed, written) = (bits(0..width), bits(width..2 * width));
        assert!(summed.iter().filter(|&&x| f32::from_bits(x).abs() > 0.1).count() > 100, "pan {pan}: silent");
        assert!(frames[..21].iter().all(|fr| fr.iter().all(|&x| x == 0.0)), "pan {pan}: sound before the start");
        assert_eq!(summed, written, "pan {pan}");
    }
}

#[test]
fn a_graph_synth_renders_the_same_through_its_table_as_through_the_engines_own_call() {
    use oscine::control::Registry;
    use oscine::graph::GraphSynthDef;
    use oscine::render::{RenderOptions, Renderer};
    use oscine_plugin_api::{Registrar, SynthDefTable, World};

    let bytes = file(&[scaled_oscillator("direct", "SinOsc", false, false)]);
    let mut def = oscine::scgf::read_synthdefs(&bytes).expect("the graph reads").defs.remove(0);
    def.name = "through-table".into();
    let mut registry = Registry::with_builtins();
    let graph = GraphSynthDef::new(&def, &World::new(48_000.0, 64), &|name| registry.ugen(name).cloned())
        .expect("the graph builds");
    // A plugin's SynthDef, which the engine runs through its table.
    registry.register_synthdef(SynthDefTable::dynamic(graph));

    let mut score = Score::new();
    score.at(0.0, [message("/d_recv", vec![blob(bytes)])]);
    // Started inside a block, with control changes inside blocks: calls of parts of blocks.
    score.at(
        21.0 / 48_000.0,
        [
            message("/s_new", vec![s("direct"), i(1000), i(0), i(0), s("freq"), f(1234.5)]),
            message("/s_new", vec![s("through-table"), i(1001), i(0), i(0), s("freq"), f(1234.5), s("bus"), f(1.0)]),
        ],
    );
    for (k, amp) in [0.9, 0.0, -0.25, 3.0].into_iter().enumerate() {
        let at = (100.0 + 173.0 * k as f64) / 48_000.0;
        score.at(
            at,
            [message("/n_set", vec![i(1000), s("amp"), f(amp)]), message("/n_set", vec![i(1001), s("amp"), f(amp)])],
        );
    }
    score.end(2000.0 / 48_000.0);
    let options = RenderOptions { outputs: 2, block_size: 64, ..RenderOptions::default() };
    let channels = Renderer::with_registry(options, registry)
        .render_to_memory(&score.to_bytes().expect("the score encodes"))
        .expect("the score renders");
    let bits = |c: &[f32]| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(channels[0].len(), 2000);
    assert!(channels[0].iter().filter(|x| x.abs() > 0.1).count() > 100, "silent");
    assert_eq!(bits(&channels[0]), bits(&channels[1]));
}
