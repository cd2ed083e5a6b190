//! Robustness: 10,000 random and mutated datagrams (fixed seed), sent in bursts of 40
//! each followed by a `/sync` the test waits for; afterwards the server is alive and
//! answers `/status` and `/node/tree` correctly.
mod support;

use std::time::{Duration, Instant};

use rosc::{OscArray, OscBundle, OscColor, OscMessage, OscMidiMessage, OscPacket, OscTime, OscType};
use support::server::{encode, f, i, s, NodeKind, Server, Tree, TreeNode};

const DATAGRAMS: usize = 10_000;
const BURST: usize = 40;
const SEED: u64 = 0x05C1_4E5E_ED00_2024;
/// Tokens of the pacing `/sync`s (random `/sync`s use other values).
const SYNC_BASE: i32 = 0x5EED_0000;

/// SplitMix64: small, fast and good enough to pick test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Every verb but `/quit` (which would end the run) and the resource verbs (they name files
/// the server would read and write; tests/server_resources.rs covers them), plus a few
/// near misses.
const ADDRESSES: &[&str] = &[
    "/group/new",
    "/group/freeAll",
    "/synth/new",
    "/synth/construct",
    "/synth/activate",
    "/synth/map/input",
    "/synth/map/output",
    "/synth/map/output/add",
    "/synth/property/doneFlags/set",
    "/node/set",
    "/node/free",
    "/node/tree",
    "/synthdef/list",
    "/notify",
    "/status",
    "/sync",
    "/version",
    "/s_new",
    "/n_set",
    "/n_free",
    "/g_new",
    "/g_freeAll",
    "/p_new",
    "/n_run",
    "/n_before",
    "/n_after",
    "/n_order",
    "/g_head",
    "/g_tail",
    "/n_query",
    "/g_deepFree",
    "/g_queryTree",
    "/g_dumpTree",
    "/n_setn",
    "/n_fill",
    "/s_get",
    "/s_getn",
    "/plugin/load",
    "/plugin/reload",
    "/plugin/unload",
    "/plugin/list",
    "/c_set",
    "/d_recv",
    "/d_load",
    "/d_loadDir",
    "/d_free",
    "/b_alloc",
    "/b_allocRead",
    "/b_read",
    "/b_write",
    "/b_free",
    "/b_zero",
    "/b_set",
    "/b_setn",
    "/b_fill",
    "/b_gen",
    "/b_query",
    "/b_get",
    "/b_getn",
    "/c_setn",
    "/c_fill",
    "/c_get",
    "/c_getn",
    "/b_close",
    "/n_map",
    "/n_mapn",
    "/n_mapa",
    "/n_mapan",
    "/n_trace",
    "/s_noid",
    "/b_allocReadChannel",
    "/b_readChannel",
    "/dumpOSC",
    "/clearSched",
    "/cmd",
    "/u_cmd",
    "/node",
    "/synth/new/",
    "//",
    "/",
];

const STRINGS: &[&str] = &[
    "sine",
    "saw",
    "pulse",
    "noise",
    "patch-cable",
    "amplifier",
    "pan",
    "done-after",
    "asr-envelope",
    "exponential-fade",
    "freq",
    "amp",
    "width",
    "seed",
    "gain",
    "pos",
    "seconds",
    "attack",
    "sustain",
    "release",
    "gate",
    "duration",
    "start",
    "end",
    "",
    "nosuch",
    "/status",
    "/dev/null",
    "oscine-builtins",
    "\u{e9}t\u{e9}",
];

/// One of [`STRINGS`] as an argument.
fn word(r: &mut Rng) -> OscType {
    s(STRINGS[r.below(STRINGS.len())])
}

fn random_int(r: &mut Rng) -> i32 {
    match r.below(6) {
        0 => r.below(4) as i32,        // add actions, ports, flags
        1 => r.below(40) as i32,       // node ids and buses
        2 => -(r.below(3) as i32) - 1, // negatives
        3 => *r.pick(&[0x21, 0x3f, 0x40, 7, 128, 1000, i32::MAX, i32::MIN]),
        _ => r.next() as i32,
    }
}

fn random_float(r: &mut Rng) -> f32 {
    *r.pick(&[0.0, 0.01, 0.5, 1.0, 440.0, -1.0, 1e30, -1e30, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 30_000.0])
}

fn random_arg(r: &mut Rng, depth: usize) -> OscType {
    match r.below(if depth > 1 { 13 } else { 14 }) {
        0..=3 => OscType::Int(random_int(r)),
        4 | 5 => OscType::Float(random_float(r)),
        6 | 7 => word(r),
        8 => OscType::Long(*r.pick(&[0, 5, -1, 1 << 40, i64::MAX, i64::MIN])),
        9 => OscType::Double(f64::from(random_float(r))),
        10 => match r.below(6) {
            0 => OscType::Bool(r.chance(50)),
            1 => OscType::Nil,
            2 => OscType::Inf,
            3 => OscType::Char(*r.pick(&['a', 'Z', '\0'])),
            4 => OscType::Time(OscTime { seconds: r.next() as u32, fractional: r.next() as u32 }),
            _ => OscType::Midi(OscMidiMessage { port: 0, status: 0x90, data1: 60, data2: 100 }),
        },
        11 => {
            let n = r.below(12);
            OscType::Blob(r.bytes(n))
        }
        12 => OscType::Color(OscColor { red: 1, green: 2, blue: 3, alpha: 4 }),
        _ => {
            let n = r.below(5);
            OscType::Array(OscArray { content: (0..n).map(|_| random_arg(r, depth + 1)).collect() })
        }
    }
}

/// A message to a real verb: sometimes plausible arguments, sometimes random ones.
fn random_message(r: &mut Rng) -> OscMessage {
    let addr = r.pick(ADDRESSES).to_string();
    let args = if r.chance(40) {
        plausible_args(r, &addr)
    } else {
        let n = r.below(9);
        (0..n).map(|_| random_arg(r, 0)).collect()
    };
    OscMessage { addr, args }
}

/// Arguments of the right shape for `addr`, with values that may or may not be valid.
fn plausible_args(r: &mut Rng, addr: &str) -> Vec<OscType> {
    let id = |r: &mut Rng| i(r.below(40) as i32);
    match addr {
        "/group/new" | "/g_new" | "/p_new" => vec![id(r), id(r), i(r.below(5) as i32)],
        "/n_run" | "/n_before" | "/n_after" | "/g_head" | "/g_tail" => {
            (0..2 * (1 + r.below(3))).map(|_| id(r)).collect()
        }
        "/n_order" => {
            let mut v = vec![i(r.below(5) as i32), id(r)];
            v.extend((0..r.below(4)).map(|_| id(r)));
            v
        }
        "/n_query" | "/g_deepFree" => (0..1 + r.below(4)).map(|_| id(r)).collect(),
        "/g_queryTree" | "/g_dumpTree" => vec![id(r), i(r.below(3) as i32)],
        "/n_setn" | "/n_fill" => vec![id(r), word(r), i(r.below(4) as i32), f(random_float(r)), f(random_float(r))],
        "/s_get" => vec![id(r), word(r), i(r.below(4) as i32)],
        "/s_getn" => vec![id(r), word(r), i(r.below(4) as i32)],
        "/synth/new" | "/synth/construct" | "/s_new" => {
            let mut v = vec![word(r), id(r), i(r.below(5) as i32), id(r)];
            for _ in 0..r.below(3) {
                v.push(word(r));
                v.push(f(random_float(r)));
            }
            v
        }
        "/node/set" | "/n_set" => vec![id(r), word(r), f(random_float(r)), i(r.below(4) as i32), i(3)],
        "/synth/map/input" | "/synth/map/output" | "/synth/map/output/add" => {
            vec![id(r), i(r.below(3) as i32), i(r.below(200) as i32 - 2), i(r.below(9) as i32)]
        }
        "/synth/property/doneFlags/set" => vec![id(r), i(r.below(0x50) as i32)],
        "/node/free" | "/n_free" | "/synth/activate" | "/group/freeAll" | "/g_freeAll" => {
            (0..1 + r.below(4)).map(|_| id(r)).collect()
        }
        "/node/tree" | "/sync" | "/notify" => vec![id(r)],
        "/plugin/load" | "/plugin/reload" | "/plugin/unload" | "/d_load" | "/d_loadDir" | "/d_free" => vec![word(r)],
        "/c_set" => vec![id(r), f(random_float(r))],
        "/c_get" => vec![id(r), i(r.below(20000) as i32 - 2)],
        "/c_getn" | "/c_fill" => vec![id(r), i(r.below(9000) as i32 - 2), f(random_float(r))],
        "/c_setn" => vec![id(r), i(r.below(3) as i32), f(random_float(r)), f(random_float(r))],
        "/b_alloc" => vec![id(r), i(r.below(2000) as i32 - 10), i(r.below(4) as i32)],
        "/b_allocRead" | "/b_read" => vec![id(r), word(r), i(r.below(10) as i32)],
        "/b_write" => {
            vec![id(r), s("/nonexistent-oscine-dir/x.wav"), s(if r.chance(50) { "wav" } else { "aiff" }), word(r)]
        }
        "/b_free" | "/b_zero" | "/b_query" | "/b_close" | "/dumpOSC" => vec![id(r)],
        "/n_map" => vec![id(r), word(r), i(r.below(20000) as i32 - 2)],
        "/n_mapn" => vec![id(r), i(r.below(4) as i32), i(r.below(20000) as i32 - 2), i(r.below(20) as i32)],
        "/n_mapa" => vec![id(r), word(r), i(r.below(300) as i32 - 2)],
        "/n_mapan" => vec![id(r), i(r.below(4) as i32), i(r.below(300) as i32 - 2), i(r.below(20) as i32)],
        "/n_trace" | "/s_noid" => vec![id(r)],
        "/b_allocReadChannel" => vec![id(r), word(r), i(0), i(0), i(r.below(4) as i32 - 1)],
        "/b_readChannel" => vec![id(r), word(r), i(0), i(-1), i(0), i(0), i(r.below(4) as i32 - 1)],
        "/cmd" | "/u_cmd" => vec![word(r), id(r)],
        "/b_get" => vec![id(r), i(r.below(3000) as i32 - 5)],
        "/b_getn" => vec![id(r), i(r.below(20) as i32), i(r.below(40) as i32 - 3)],
        "/b_set" | "/b_fill" => vec![id(r), i(r.below(3000) as i32 - 5), f(random_float(r)), f(random_float(r))],
        "/b_setn" => vec![id(r), i(r.below(20) as i32), i(r.below(4) as i32), f(random_float(r)), f(random_float(r))],
        "/b_gen" => {
            vec![id(r), s(if r.chance(70) { "sine1" } else { "cheby" }), i(r.below(9) as i32), f(random_float(r))]
        }
        "/d_recv" => {
            let n = r.below(64);
            let mut bytes = b"SCgf\0\0\0\x02\0\x01".to_vec();
            bytes.extend(r.bytes(n));
            vec![OscType::Blob(bytes)]
        }
        _ => vec![],
    }
}

fn random_bundle(r: &mut Rng, depth: usize) -> OscPacket {
    let n = r.below(5);
    let content = (0..n)
        .map(|_| {
            if depth < 10 && r.chance(25) {
                random_bundle(r, depth + 1)
            } else {
                OscPacket::Message(random_message(r))
            }
        })
        .collect();
    OscPacket::Bundle(OscBundle { timetag: OscTime { seconds: 0, fractional: 1 }, content })
}

/// Damages an encoded packet in one of several ways.
fn mutate(r: &mut Rng, mut p: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + r.below(3) {
        match r.below(7) {
            // Flip a few bytes.
            0 | 1 if !p.is_empty() => {
                for _ in 0..1 + r.below(4) {
                    let k = r.below(p.len());
                    p[k] ^= 1 << r.below(8);
                }
            }
            // Overwrite a byte with an interesting value.
            2 if !p.is_empty() => {
                let k = r.below(p.len());
                p[k] = *r.pick(&[0, 0xff, b',', b'[', b']', b'/', b'#', b'i', b's', b'b', 0x7f]);
            }
            // Truncate, to any length or to a multiple of 4.
            3 => {
                let n = r.below(p.len() + 1);
                p.truncate(if r.chance(50) { n } else { n / 4 * 4 });
            }
            // Extend with random bytes.
            4 => {
                let n = if r.chance(50) { 4 * r.below(5) } else { r.below(17) };
                let extra = r.bytes(n);
                p.extend(extra);
            }
            // Replace the type tag string with random tags of the same padded size.
            5 => {
                if let Some(start) = p.iter().position(|&b| b == b',') {
                    let end = p[start..].iter().position(|&b| b == 0).map_or(p.len(), |e| start + e);
                    for b in &mut p[start + 1..end] {
                        *b = *r.pick(b"ifsbhtdScrmTFNI[]x");
                    }
                }
            }
            // Corrupt a bundle element size (or any 4-byte word).
            _ if p.len() >= 4 => {
                let k = r.below(p.len() / 4) * 4;
                let any = r.next() as u32;
                let v: u32 = *r.pick(&[0, 1, 3, 4, 16, 0x7fff_ffff, u32::MAX, any]);
                p[k..k + 4].copy_from_slice(&v.to_be_bytes());
            }
            _ => {}
        }
    }
    p
}

fn random_datagram(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        // A well-formed message or bundle to a real verb, with random arguments.
        0 | 1 => encode(&OscPacket::Message(random_message(r))),
        2 => encode(&random_bundle(r, 0)),
        // The same, damaged.
        3..=5 => {
            let p = encode(&OscPacket::Message(random_message(r)));
            mutate(r, p)
        }
        6 | 7 => {
            let p = encode(&random_bundle(r, 0));
            mutate(r, p)
        }
        // Random bytes, sometimes with a plausible start.
        _ => {
            let n = r.below(64);
            let mut p = match r.below(3) {
                0 => b"#bundle\0".to_vec(),
                1 => b"/".to_vec(),
                _ => Vec::new(),
            };
            p.extend(r.bytes(n));
            p
        }
    }
}

#[test]
fn the_fuzzer_knows_every_verb() {
    for verb in oscine::osc::VERBS {
        // `/error 0` would withhold the very answers the fuzz test counts.
        let excluded = *verb == "/quit" || *verb == "/error" || verb.starts_with("/resource/");
        assert!(
            excluded || ADDRESSES.contains(verb),
            "new verb {verb}: add it to ADDRESSES (and to plausible_args) in tests/server_fuzz.rs"
        );
    }
}

#[test]
fn ten_thousand_bad_datagrams_leave_the_server_working() {
    let started = Instant::now();
    let mut server = Server::start_with(&["--max-nodes", "64"]);
    let mut fuzz = server.client();
    let mut pacer = server.client();
    // OSCINE_FUZZ_SEED explores other seeds; the default keeps runs reproducible.
    let seed = std::env::var("OSCINE_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(SEED);
    let mut r = Rng(seed);
    let (mut sent, mut skipped, mut errors, mut others) = (0usize, 0usize, 0usize, 0usize);
    let mut codes = std::collections::BTreeMap::<i32, usize>::new();
    let mut count = |msgs: Vec<OscMessage>, errors: &mut usize, others: &mut usize| {
        for m in msgs {
            if m.addr == "/error" {
                *errors += 1;
                match m.args.get(1) {
                    Some(OscType::Int(code)) => *codes.entry(*code).or_default() += 1,
                    _ => panic!("malformed /error reply {m:?}"),
                }
            } else {
                *others += 1;
            }
        }
    };
    let mut burst = 0;
    while sent < DATAGRAMS {
        for _ in 0..BURST {
            let p = random_datagram(&mut r);
            // `/quit` would stop the server: that is a success, not what is tested here. Its
            // command number, 3, reads as `/quit` too.
            let expanded = oscine::osc::expand_command_numbers(&p).map(|b| b.into_owned()).unwrap_or_default();
            if p.windows(5).any(|w| w == b"/quit") || expanded.windows(5).any(|w| w == b"/quit") {
                skipped += 1;
                continue;
            }
            fuzz.send_raw(&p);
            sent += 1;
        }
        // Pace the bursts: wait until the server has read and applied this one, so it is
        // never just dropping datagrams at a full socket buffer. Another client asks: a
        // `/sync` waits for its own sender's timed commands, and a fuzzed bundle may carry
        // any timetag.
        burst += 1;
        let token = SYNC_BASE + burst;
        pacer.send("/sync", vec![i(token)]);
        let Some(m) = pacer.recv_timeout(Duration::from_secs(5)) else {
            server.assert_alive();
            panic!("no /synced {token} within 5 s after burst {burst}; the server stopped answering");
        };
        assert!(m.addr == "/synced" && m.args == [i(token)], "the pacing client got {m:?}");
        // The server sent the burst's replies before the /synced.
        fuzz.poll_pending();
        count(fuzz.take_pending(), &mut errors, &mut others);
        if burst % 50 == 0 {
            server.assert_alive();
        }
    }
    // Replies to the last burst that came after its /synced (none should).
    pacer.sync_quiet();
    fuzz.poll_pending();
    count(fuzz.take_pending(), &mut errors, &mut others);
    let summary = format!(
        "seed {seed:#x}: {sent} sent ({skipped} skipped), {errors} errors {codes:?}, {others} other replies, in {:?}",
        started.elapsed()
    );
    eprintln!("fuzz: {summary}");
    server.assert_alive();
    // UDP may drop some replies, but most datagrams are bad and must have been answered.
    assert!(errors >= DATAGRAMS / 2, "too few errors came back: {summary}");
    for code in [1, 2, 10, 11, 12, 13] {
        assert!(codes.get(&code).copied().unwrap_or(0) > 0, "no error {code}: {summary}");
    }

    // A fresh client finds a working server: empty it, then build and inspect a tree.
    let mut c = server.client();
    c.ok("/group/freeAll", vec![i(0)], "/group/freeAll", 0);
    let st = c.wait_counts(0, 0);
    assert_eq!((st.failed, st.synth_faults), (0, 0), "{st:?}");
    assert_eq!(c.tree(0), Tree { group: 0, more: 0, nodes: vec![group(0, 0, 0)] });
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    c.ok("/synth/new", vec![s("sine"), i(2), i(1), i(0), s("freq"), f(330.0)], "/synth/new", 2);
    c.ok("/node/set", vec![i(2), s("amp"), f(0.25)], "/node/set", 2);
    let t = c.tree(0);
    let sine = NodeKind::Synth {
        def: "sine".into(),
        active: true,
        controls: vec![("freq".into(), 330.0), ("amp".into(), 0.25)],
    };
    assert_eq!(t.nodes, vec![group(0, 0, 1), group(1, 0, 1), TreeNode { id: 2, parent: 1, kind: sine }]);
    c.wait_counts(1, 1);
    c.sync_quiet();
    server.assert_alive();
}

fn group(id: i32, parent: i32, children: i32) -> TreeNode {
    TreeNode { id, parent, kind: NodeKind::Group { children } }
}
