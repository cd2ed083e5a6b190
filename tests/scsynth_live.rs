//! scsynth's node commands sent to scsynth itself and to Oscine, and what each sends back
//! compared message by message: scsynth runs on a private JACK server (`jackd -d dummy`),
//! so this is built only with the `jack` feature; `.ci/run` runs it with jackd2 and
//! scsynth installed (`SCSYNTH` names another binary).
#![cfg(feature = "jack")]

mod support;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rosc::OscType;
use support::jackd::Jackd;
use support::scgf;
use support::server::{i, s, Client, Server};

/// How long scsynth may take to start: a bound on a hung process, not a measure of speed.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// scsynth on `jack`, killed on drop.
struct Scsynth {
    child: Child,
    addr: SocketAddr,
}

impl Scsynth {
    fn start(jack: &Jackd) -> Scsynth {
        let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(std::env::var("SCSYNTH").unwrap_or_else(|_| "scsynth".into()))
            .args(["-u", &port.to_string(), "-i", "0", "-o", "2"])
            .env("JACK_DEFAULT_SERVER", &jack.name)
            .env("JACK_NO_START_SERVER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("scsynth (Debian: supercollider-server) must be installed to run this test");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Scsynth { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) };
        loop {
            match rx.recv_timeout(START_TIMEOUT) {
                Ok(line) if line.contains("server ready") => return server,
                Ok(_) => {}
                Err(_) => {
                    server.stop();
                    panic!("scsynth did not get ready within {START_TIMEOUT:?}");
                }
            }
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Scsynth {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A logged-in, notified client of `addr` that has sent the test's SynthDef.
fn client(addr: SocketAddr) -> Client {
    let mut c = Client::new(addr);
    c.send("/notify", vec![i(1), i(0)]);
    c.expect("/done");
    c.send("/d_recv", vec![OscType::Blob(scgf::file(&[scgf::sine("probe", 440.0)]))]);
    c.expect("/done");
    c
}

/// What a notified client receives for one command: every message before the `/synced`
/// of a `/sync` sent after it.
fn answers(c: &mut Client, addr: &str, args: &[OscType]) -> Vec<(String, Vec<OscType>)> {
    c.send(addr, args.to_vec());
    c.sync().into_iter().map(|m| (m.addr, m.args)).collect()
}

/// Whether Oscine's message is scsynth's, but for the one documented difference: scsynth
/// reports a node freed with its Group at place -1 (it has unlinked it already), Oscine
/// where it was.
fn same(got: &(String, Vec<OscType>), expected: &(String, Vec<OscType>)) -> bool {
    let unplaced = expected.0 == "/n_end" && expected.1[1] == i(-1);
    if unplaced {
        got.0 == expected.0 && got.1[0] == expected.1[0] && got.1.get(4) == expected.1.get(4)
    } else {
        got == expected
    }
}

/// One JACK server and one scsynth for every comparison: a second private JACK server
/// started right after the first may not come up on a busy machine.
#[test]
fn oscine_answers_as_scsynth_does() {
    let jack = Jackd::start();
    let scsynth = Scsynth::start(&jack);
    let oscine = Server::start_with(&["--dialect", "scsynth"]);
    let mut theirs = client(scsynth.addr);
    let mut ours = client(oscine.addr);
    node_commands_answer_as_scsynths_do(&mut theirs, &mut ours);
    meters_report_the_levels_scsynths_do(&mut theirs, &mut ours);
}

fn node_commands_answer_as_scsynths_do(theirs: &mut Client, ours: &mut Client) {
    let steps: Vec<(&str, Vec<OscType>)> = vec![
        ("/g_new", vec![i(100), i(0), i(0)]),
        ("/s_new", vec![s("probe"), i(1000), i(0), i(100)]),
        ("/s_new", vec![s("probe"), i(1001), i(1), i(100)]),
        ("/g_new", vec![i(200), i(3), i(100), i(201), i(0), i(200)]),
        ("/p_new", vec![i(300), i(1), i(0)]),
        ("/n_query", vec![i(1000), i(100), i(200), i(0)]),
        ("/n_run", vec![i(1000), i(0)]),
        ("/n_run", vec![i(1000), i(0)]),
        ("/n_run", vec![i(1000), i(1), i(100), i(0)]),
        ("/n_before", vec![i(1001), i(1000)]),
        ("/n_after", vec![i(1001), i(1000)]),
        ("/g_head", vec![i(200), i(1000)]),
        ("/g_tail", vec![i(100), i(1001)]),
        ("/n_order", vec![i(0), i(300), i(1001)]),
        ("/n_set", vec![i(1000), s("freq"), OscType::Float(330.0)]),
        ("/n_setn", vec![i(1001), i(0), i(2), OscType::Float(220.0), OscType::Float(1.0)]),
        ("/s_get", vec![i(1000), s("freq"), i(1)]),
        ("/s_getn", vec![i(1001), i(0), i(2), s("bus"), i(1)]),
        ("/g_queryTree", vec![i(0), i(0)]),
        ("/g_queryTree", vec![i(0), i(1)]),
        ("/g_queryTree", vec![i(200), i(1)]),
        ("/n_free", vec![i(1000)]),
        ("/n_free", vec![i(300)]),
        ("/s_new", vec![s("probe"), i(-1), i(0), i(0)]),
        ("/s_new", vec![s("probe"), i(-1), i(1), i(0)]),
        ("/g_queryTree", vec![i(0), i(0)]),
        ("/g_dumpTree", vec![i(0), i(1)]),
        ("/g_deepFree", vec![i(0)]),
        ("/g_queryTree", vec![i(0), i(0)]),
        ("/g_freeAll", vec![i(0)]),
        ("/n_query", vec![i(0)]),
    ];
    for (addr, args) in &steps {
        let expected = answers(theirs, addr, args);
        let got = answers(ours, addr, args);
        assert_eq!(got.len(), expected.len(), "{addr} {args:?}: {got:?} against scsynth's {expected:?}");
        for (got, expected) in got.iter().zip(&expected) {
            assert!(same(got, expected), "{addr} {args:?}: {got:?} against scsynth's {expected:?}");
        }
    }
    // scsynth 3.13 fills with 0 whatever the value; Oscine sets the value.
    for c in [&mut *theirs, &mut *ours] {
        answers(c, "/s_new", &[s("probe"), i(1002), i(0), i(0)]);
        answers(c, "/n_fill", &[i(1002), i(0), i(2), i(3)]);
    }
    let filled = answers(theirs, "/s_get", &[i(1002), i(0)]);
    assert_eq!(filled, [("/n_set".to_owned(), vec![i(1002), i(0), OscType::Float(0.0)])]);
    let filled = answers(ours, "/s_get", &[i(1002), i(0)]);
    assert_eq!(filled, [("/n_set".to_owned(), vec![i(1002), i(0), OscType::Float(3.0)])]);
    // Failures: the same address, each server in its own words.
    for (addr, args) in [("/n_run", vec![i(9999), i(0)]), ("/g_head", vec![i(1001), i(201)])] {
        let expected = answers(theirs, addr, &args);
        let got = answers(ours, addr, &args);
        assert_eq!((got[0].0.as_str(), &got[0].1[0]), ("/fail", &s(addr)), "{got:?}");
        assert_eq!((expected[0].0.as_str(), &expected[0].1[0]), ("/fail", &s(addr)), "{expected:?}");
    }
}

/// `SendPeakRMS.kr(Impulse.ar(0.25), 10, 1, '/lv', 7)` and `SendPeakRMS.ar(DC.ar(0.5) *
/// gate, 10, 0.5, '/lv2', 8)`, the gate open half of every 4800 frames (a reply period):
/// a peak that falls after its impulse, and an RMS level below the peak.
fn meters() -> scgf::Graph {
    use scgf::{Graph, In, Ugen};
    let text =
        |t: &str| -> Vec<f32> { std::iter::once(t.len() as f32).chain(t.chars().map(|c| c as u32 as f32)).collect() };
    // Constants: 0.25, 0, 10, 1, 7, 0.5, 8, 4800, 2400, then the two addresses.
    let mut constants = vec![0.25, 0.0, 10.0, 1.0, 7.0, 0.5, 8.0, 4800.0, 2400.0];
    let lv = constants.len() as u32;
    constants.extend(text("/lv"));
    let lv2 = constants.len() as u32;
    constants.extend(text("/lv2"));
    let address = |at: u32, len: u32| (at..at + len + 1).map(In::Const).collect::<Vec<_>>();
    let mut first = vec![In::Const(2), In::Const(3), In::Const(4), In::Const(3), In::Ugen(0, 0)];
    first.extend(address(lv, 3));
    let mut second = vec![In::Const(2), In::Const(5), In::Const(6), In::Const(3), In::Ugen(4, 0)];
    second.extend(address(lv2, 4));
    Graph {
        name: "meters",
        constants,
        params: vec![],
        ugens: vec![
            Ugen { name: "Impulse", rate: 2, special: 0, inputs: vec![In::Const(0), In::Const(1)], outputs: vec![2] },
            Ugen { name: "SendPeakRMS", rate: 1, special: 0, inputs: first, outputs: vec![] },
            Ugen {
                name: "Phasor",
                rate: 2,
                special: 0,
                inputs: vec![In::Const(1), In::Const(3), In::Const(1), In::Const(7), In::Const(1)],
                outputs: vec![2],
            },
            // Phasor < 2400 (BinaryOpUGen 8), times 0.5 (BinaryOpUGen 2).
            Ugen {
                name: "BinaryOpUGen",
                rate: 2,
                special: 8,
                inputs: vec![In::Ugen(2, 0), In::Const(8)],
                outputs: vec![2],
            },
            Ugen {
                name: "BinaryOpUGen",
                rate: 2,
                special: 2,
                inputs: vec![In::Ugen(3, 0), In::Const(5)],
                outputs: vec![2],
            },
            Ugen { name: "SendPeakRMS", rate: 2, special: 0, inputs: second, outputs: vec![] },
        ],
        variants: vec![],
    }
}

/// The first `n` messages at `addr` a Synth of the meters graph sends.
fn meter_replies(c: &mut Client, addr: &str, n: usize) -> Vec<Vec<OscType>> {
    (0..n).map(|_| c.expect(addr).args).collect()
}

fn meters_report_the_levels_scsynths_do(theirs: &mut Client, ours: &mut Client) {
    let mut replies = Vec::new();
    for c in [theirs, ours] {
        c.send("/d_recv", vec![OscType::Blob(scgf::file(&[meters()]))]);
        c.expect("/done");
        c.send("/s_new", vec![s("meters"), i(5000), i(0), i(0)]);
        replies.push((meter_replies(c, "/lv", 4), meter_replies(c, "/lv2", 2)));
    }
    let (theirs, ours) = (&replies[0], &replies[1]);
    let close = |a: &[OscType], b: &[OscType]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| match (x, y) {
                (OscType::Float(x), OscType::Float(y)) => (x - y).abs() <= 1e-6,
                _ => x == y,
            })
    };
    for (t, o) in theirs.0.iter().zip(&ours.0).chain(theirs.1.iter().zip(&ours.1)) {
        assert!(close(t, o), "scsynth {t:?}, oscine {o:?}\nscsynth: {theirs:?}\noscine: {ours:?}");
    }
}
