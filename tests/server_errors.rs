//! Every error reaches its sender, and only its sender, as `/error s:address i:code
//! s:message` with the documented code.
//!
//! Errors found while parsing a message name the address the client sent; errors from
//! the engine name the native verb (`/s_new` → `/synth/new`). Packet-level errors
//! (codes 1-3) have an empty address.
mod support;

use rosc::{OscArray, OscPacket, OscType};
use support::server::{assert_error, encode, f, i, msg, s, NodeKind, Server};

fn long(v: i64) -> OscType {
    OscType::Long(v)
}

/// Asserts the error message mentions `part`.
fn mentions(message: &str, part: &str) {
    assert!(message.contains(part), "error message {message:?} should mention {part:?}");
}

#[test]
fn request_errors_have_codes_10_to_15() {
    let server = Server::start();
    let mut c = server.client();
    let mut bystander = server.client();
    c.ok("/synth/new", vec![s("sine"), i(1), i(0), i(1)], "/synth/new", 1);
    c.ok("/group/new", vec![i(2), i(0), i(1)], "/group/new", 2);

    // 10: unknown verb.
    let m = c.fails("/nope", vec![i(1)], "/nope", 10);
    mentions(&m, "/nope");
    c.fails("/synth", vec![], "/synth", 10);
    c.fails("/node/tree/extra", vec![], "/node/tree/extra", 10);

    // 11: argument count (too few, too many, no pairs, a name without a value).
    let m = c.fails("/group/new", vec![i(3)], "/group/new", 11);
    mentions(&m, "argument 2");
    c.fails("/synth/new", vec![s("sine")], "/synth/new", 11);
    c.fails("/s_new", vec![s("sine"), i(3), i(0)], "/s_new", 11);
    c.fails("/node/free", vec![], "/node/free", 11);
    c.fails("/synth/map/input", vec![i(1), i(0)], "/synth/map/input", 11);
    c.fails("/synth/property/doneFlags/set", vec![i(1)], "/synth/property/doneFlags/set", 11);
    let m = c.fails("/status", vec![i(1)], "/status", 11);
    mentions(&m, "extra");
    c.fails("/version", vec![s("x")], "/version", 11);
    c.fails("/synthdef/list", vec![i(0)], "/synthdef/list", 11);
    c.fails("/notify", vec![i(1), i(1), i(1)], "/notify", 11);
    c.fails("/quit", vec![i(1)], "/quit", 11);
    c.fails("/sync", vec![i(1), i(2)], "/sync", 11);
    c.fails("/node/tree", vec![i(0), i(0)], "/node/tree", 11);
    c.fails("/group/new", vec![i(3), i(0), i(0), i(0)], "/group/new", 11);
    c.fails("/g_new", vec![i(3), i(0), i(0), i(4), i(0)], "/g_new", 11);
    c.fails("/synth/map/output", vec![i(1), i(0), i(0), i(0), i(0)], "/synth/map/output", 11);
    let m = c.fails("/node/set", vec![i(1)], "/node/set", 11);
    mentions(&m, "pairs");
    c.fails("/n_set", vec![i(1), s("freq")], "/n_set", 11);
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), s("freq")], "/synth/new", 11);
    let mut seventeen = vec![i(1)];
    for _ in 0..17 {
        seventeen.extend([s("freq"), f(1.0)]);
    }
    c.fails("/node/set", seventeen, "/node/set", 11);

    // 12: argument type.
    let m = c.fails("/group/new", vec![s("3"), i(0), i(0)], "/group/new", 12);
    mentions(&m, "int32");
    c.fails("/group/new", vec![f(3.0), i(0), i(0)], "/group/new", 12);
    c.fails("/synth/new", vec![i(5), i(3), i(0), i(0)], "/synth/new", 12);
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), f(1.5), f(2.0)], "/synth/new", 12);
    let bad_array = OscType::Array(OscArray { content: vec![f(1.0), s("x")] });
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), bad_array], "/synth/new", 12);
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), s("freq"), s("loud")], "/synth/new", 12);
    c.fails("/node/set", vec![i(1), f(0.0), f(2.0)], "/node/set", 12);
    c.fails("/node/set", vec![i(1), s("freq"), OscType::Bool(true)], "/node/set", 12);
    c.fails("/node/free", vec![i(1), s("2")], "/node/free", 12);
    c.fails("/notify", vec![s("on")], "/notify", 12);
    c.fails("/sync", vec![f(1.0)], "/sync", 12);
    c.fails("/node/tree", vec![OscType::Nil], "/node/tree", 12);

    // 13: argument value.
    let m = c.fails("/group/new", vec![i(3), i(0), i(7)], "/group/new", 13);
    mentions(&m, "add action 7");
    c.fails("/g_new", vec![i(3), i(-1), i(0)], "/g_new", 13);
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(4)], "/synth/new", 13);
    let m = c.fails("/synth/property/doneFlags/set", vec![i(1), i(0x40)], "/synth/property/doneFlags/set", 13);
    mentions(&m, "0x3f");
    c.fails("/synth/property/doneFlags/set", vec![i(1), i(-1)], "/synth/property/doneFlags/set", 13);
    let m = c.fails("/group/new", vec![i(-1), i(0), i(0)], "/group/new", 13);
    mentions(&m, "-1");
    c.fails("/group/new", vec![i(3), i(-5), i(0)], "/group/new", 13);
    c.fails("/node/free", vec![i(-2)], "/node/free", 13);
    c.fails("/node/set", vec![i(-2), s("freq"), f(1.0)], "/node/set", 13);
    c.fails("/s_new", vec![s("sine"), i(-2), i(0), i(0)], "/s_new", 13);
    c.fails("/synth/new", vec![s("sine"), i(-3), i(0), i(0)], "/synth/new", 13);
    c.fails("/group/new", vec![long(1 << 40), i(0), i(0)], "/group/new", 13);
    c.fails("/synth/map/input", vec![i(1), i(-1), i(0)], "/synth/map/input", 13);
    let m = c.fails("/synth/map/output", vec![i(1), i(0), i(0), i(8)], "/synth/map/output", 13);
    mentions(&m, "flags 8");
    c.fails("/synth/map/input", vec![i(1), i(0), i(0), i(-1)], "/synth/map/input", 13);
    c.fails("/synth/map/output/add", vec![i(1), i(0), i(-1)], "/synth/map/output/add", 13);

    // 14: unknown SynthDef.
    let m = c.fails("/synth/new", vec![s("nosuch"), i(3), i(0), i(0)], "/synth/new", 14);
    mentions(&m, "nosuch");
    c.fails("/s_new", vec![s("Sine"), i(3), i(0), i(0)], "/s_new", 14);
    c.fails("/synth/construct", vec![s(""), i(3), i(0), i(0)], "/synth/construct", 14);

    // 15: unknown control (by name anywhere, by index at creation).
    let m = c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), s("bogus"), f(1.0)], "/synth/new", 15);
    mentions(&m, "bogus");
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), i(2), f(1.0)], "/synth/new", 15);
    let long_array = OscType::Array(OscArray { content: vec![f(1.0), f(0.5), f(0.0)] });
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), long_array], "/synth/new", 15);
    c.fails("/synth/new", vec![s("sine"), i(3), i(0), i(0), s("width"), f(0.5)], "/synth/new", 15);
    let m = c.fails("/node/set", vec![i(1), s("bogus"), f(1.0)], "/node/set", 15);
    mentions(&m, "bogus");
    c.fails("/n_set", vec![i(1), s("freq"), f(1.0), s("bogus"), f(1.0)], "/n_set", 15);

    // A message that fails while being read is refused as a whole.
    c.ok("/synth/construct", vec![s("saw"), i(3), i(0), i(1)], "/synth/new", 3);
    c.fails("/node/free", vec![i(3), i(2), s("1")], "/node/free", 12);
    c.fails("/synth/activate", vec![i(3), i(-1)], "/synth/activate", 13);
    c.fails("/group/freeAll", vec![i(2), f(0.0)], "/group/freeAll", 12);
    c.fails("/n_set", vec![i(3), s("freq"), f(1.0), s("bogus"), f(1.0)], "/n_set", 15);
    c.fails("/node/set", vec![i(3), s("freq"), f(1.0), s("amp")], "/node/set", 11);
    assert_eq!(c.tree(0).control(3, "freq"), Some(440.0));
    assert!(matches!(c.tree(0).node(3).unwrap().kind, NodeKind::Synth { active: false, .. }));
    c.ok("/node/free", vec![i(3)], "/node/free", 3);

    // Nothing above changed anything.
    let t = c.tree(0);
    assert_eq!(t.ids(), vec![0, 1, 2], "{t:?}");
    assert_eq!(t.control(1, "freq"), Some(440.0));
    c.sync_quiet();
    // Errors go to their sender only.
    bystander.sync_quiet();
}

#[test]
fn engine_errors_have_codes_20_to_44() {
    let server = Server::start_with(&["--max-audio-buses", "128"]);
    let mut c = server.client();
    let mut bystander = server.client();
    c.ok("/group/new", vec![i(1), i(0), i(1)], "/group/new", 1);
    c.ok("/synth/new", vec![s("sine"), i(10), i(1), i(1)], "/synth/new", 10);
    c.ok("/synth/new", vec![s("amplifier"), i(11), i(1), i(1)], "/synth/new", 11);

    // 20: the id is taken (by any kind of node, through any verb).
    let m = c.fails("/group/new", vec![i(1), i(0), i(0)], "/group/new", 20);
    mentions(&m, "1");
    c.fails("/group/new", vec![i(0), i(0), i(0)], "/group/new", 20);
    c.fails("/synth/new", vec![s("saw"), i(10), i(0), i(0)], "/synth/new", 20);
    c.fails("/s_new", vec![s("saw"), i(1), i(0), i(0)], "/synth/new", 20);
    c.fails("/g_new", vec![i(11), i(0), i(0)], "/group/new", 20);
    c.fails("/synth/construct", vec![s("sine"), i(11), i(0), i(0)], "/synth/new", 20);

    // 21: no such node.
    let m = c.fails("/node/free", vec![i(999)], "/node/free", 21);
    mentions(&m, "999");
    c.fails("/group/new", vec![i(5), i(999), i(0)], "/group/new", 21);
    c.fails("/synth/new", vec![s("sine"), i(5), i(999), i(2)], "/synth/new", 21);
    c.fails("/node/set", vec![i(999), s("freq"), f(1.0)], "/node/set", 21);
    c.fails("/n_set", vec![i(999), i(0), f(1.0)], "/node/set", 21);
    c.fails("/synth/activate", vec![i(999)], "/synth/activate", 21);
    c.fails("/synth/map/input", vec![i(999), i(0), i(0)], "/synth/map/input", 21);
    c.fails("/synth/map/output", vec![i(999), i(0), i(0)], "/synth/map/output", 21);
    c.fails("/synth/map/output/add", vec![i(999), i(0), i(0)], "/synth/map/output", 21);
    c.fails("/synth/property/doneFlags/set", vec![i(999), i(1)], "/synth/property/doneFlags/set", 21);
    c.fails("/group/freeAll", vec![i(999)], "/group/freeAll", 21);
    c.fails("/node/tree", vec![i(999)], "/node/tree", 21);
    c.fails("/node/tree", vec![i(-1)], "/node/tree", 21);
    // Several ids: each one answered in order.
    c.send("/node/free", vec![i(998), i(997)]);
    c.expect_error("/node/free", 21);
    c.expect_error("/node/free", 21);

    // 22: the target (or the node) must be a group.
    let m = c.fails("/group/new", vec![i(5), i(10), i(0)], "/group/new", 22);
    mentions(&m, "10");
    c.fails("/synth/new", vec![s("sine"), i(5), i(10), i(1)], "/synth/new", 22);
    c.fails("/g_freeAll", vec![i(10)], "/group/freeAll", 22);
    c.fails("/node/tree", vec![i(10)], "/node/tree", 22);

    // 23: the node must be a synth (/node/set on a group sets the synths inside).
    let m = c.fails("/synth/activate", vec![i(1)], "/synth/activate", 23);
    mentions(&m, "1");
    c.fails("/synth/map/input", vec![i(1), i(0), i(0)], "/synth/map/input", 23);
    c.fails("/synth/map/output", vec![i(0), i(0), i(0)], "/synth/map/output", 23);
    c.fails("/synth/property/doneFlags/set", vec![i(1), i(1)], "/synth/property/doneFlags/set", 23);

    // 24: the root group cannot be freed nor have nodes put before or after it.
    c.fails("/group/new", vec![i(5), i(0), i(2)], "/group/new", 24);
    c.fails("/group/new", vec![i(5), i(0), i(3)], "/group/new", 24);
    c.fails("/synth/new", vec![s("sine"), i(5), i(0), i(3)], "/synth/new", 24);
    c.fails("/node/free", vec![i(0)], "/node/free", 24);
    c.fails("/n_free", vec![i(0)], "/node/free", 24);

    // 31: an output feeds at most 4 buses (it starts with hardware output 0).
    for bus in 1..4 {
        c.ok("/synth/map/output/add", vec![i(10), i(0), i(bus)], "/synth/map/output", 10);
    }
    c.ok("/synth/map/output/add", vec![i(10), i(0), i(2), i(4)], "/synth/map/output", 10);
    c.fails("/synth/map/output/add", vec![i(10), i(0), i(4)], "/synth/map/output", 31);
    c.ok("/synth/map/output", vec![i(10), i(0), i(4)], "/synth/map/output", 10);

    // 40: control index out of range; 41: a control name this synth lacks.
    let m = c.fails("/node/set", vec![i(10), i(2), f(1.0)], "/node/set", 40);
    mentions(&m, "2");
    let m = c.fails("/node/set", vec![i(10), s("width"), f(0.3)], "/node/set", 41);
    mentions(&m, "10");
    // Every bad change is reported; the good ones still apply.
    c.send("/node/set", vec![i(10), s("gain"), f(2.0), s("freq"), f(500.0), i(7), f(1.0)]);
    c.expect_error("/node/set", 41);
    c.expect_error("/node/set", 40);
    assert_eq!(c.tree(0).control(10, "freq"), Some(500.0));

    // 42/43: no such input/output port; 44: no such bus.
    let m = c.fails("/synth/map/input", vec![i(10), i(0), i(0)], "/synth/map/input", 42);
    mentions(&m, "0 inputs");
    c.fails("/synth/map/input", vec![i(11), i(1), i(0)], "/synth/map/input", 42);
    c.fails("/synth/map/output", vec![i(10), i(1), i(0)], "/synth/map/output", 43);
    c.fails("/synth/map/output/add", vec![i(11), i(5), i(0)], "/synth/map/output", 43);
    let m = c.fails("/synth/map/output", vec![i(10), i(0), i(128)], "/synth/map/output", 44);
    mentions(&m, "128");
    c.fails("/synth/map/output", vec![i(10), i(0), i(2), i(1)], "/synth/map/output", 44);
    c.fails("/synth/map/input", vec![i(11), i(0), i(0), i(1)], "/synth/map/input", 44);
    c.fails("/synth/map/input", vec![i(11), i(0), i(1000)], "/synth/map/input", 44);
    // The bus is checked before the port.
    c.fails("/synth/map/input", vec![i(10), i(3), i(1000)], "/synth/map/input", 44);
    c.fails("/synth/map/output", vec![i(10), i(3), i(1000)], "/synth/map/output", 44);

    c.sync_quiet();
    bystander.sync_quiet();
}

#[test]
fn node_capacity_is_code_30_and_frees_make_room() {
    let server = Server::start_with(&["--max-nodes", "4"]);
    let mut c = server.client();
    c.ok("/group/new", vec![i(1), i(0), i(1)], "/group/new", 1);
    c.ok("/group/new", vec![i(2), i(1), i(1)], "/group/new", 2);
    c.ok("/synth/new", vec![s("sine"), i(3), i(1), i(1)], "/synth/new", 3);
    c.ok("/s_new", vec![s("saw"), i(4), i(1), i(2)], "/synth/new", 4);
    let m = c.fails("/group/new", vec![i(5), i(0), i(1)], "/group/new", 30);
    mentions(&m, "4");
    c.fails("/synth/new", vec![s("sine"), i(5), i(2), i(0)], "/synth/new", 30);
    c.fails("/synth/construct", vec![s("sine"), i(5), i(2), i(0)], "/synth/new", 30);
    c.fails("/g_new", vec![i(5), i(0), i(0)], "/group/new", 30);
    // The id check comes first: a taken id is still 20 when full.
    c.fails("/group/new", vec![i(1), i(0), i(1)], "/group/new", 20);
    c.wait_counts(2, 2);
    c.ok("/node/free", vec![i(4)], "/node/free", 4);
    c.ok("/synth/new", vec![s("sine"), i(5), i(2), i(0)], "/synth/new", 5);
    c.fails("/synth/new", vec![s("sine"), i(6), i(2), i(0)], "/synth/new", 30);
    // Emptying the tree gives all four places back.
    c.ok("/group/freeAll", vec![i(0)], "/group/freeAll", 0);
    for id in 10..14 {
        c.ok("/group/new", vec![i(id), i(0), i(1)], "/group/new", id);
    }
    c.fails("/group/new", vec![i(14), i(0), i(1)], "/group/new", 30);
    assert_eq!(c.tree(0).ids(), vec![0, 10, 11, 12, 13]);
    c.sync_quiet();
}

/// `#bundle`, an immediate time tag, then each element with its size.
fn raw_bundle(elements: &[&[u8]]) -> Vec<u8> {
    let mut b = b"#bundle\0".to_vec();
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    for e in elements {
        b.extend_from_slice(&(e.len() as u32).to_be_bytes());
        b.extend_from_slice(e);
    }
    b
}

const STATUS: &[u8] = b"/status\0,\0\0\0";

#[test]
fn malformed_truncated_and_too_deep_packets_are_codes_1_to_3() {
    let mut server = Server::start();
    let mut c = server.client();
    let mut bystander = server.client();

    // 1: malformed.
    let malformed: Vec<Vec<u8>> = vec![
        b"hello world!".to_vec(),                             // neither a message nor a bundle
        vec![0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04], // random bytes
        b"/status".to_vec(),                                  // not a multiple of 4
        b"/sta".to_vec(),                                     // address not terminated
        b"/a\0\0,[i\0\0\0\0\x01".to_vec(),                    // unbalanced '['
        b"/a\0\0,i]\0\0\0\0\x01".to_vec(),                    // ']' without '['
        b"/a\0\0i\0\0\0".to_vec(),                            // type tags without ','
        b"/a\0\0,i\0\0".to_vec(),                             // an int32 with no bytes
        b"/a\0\0,s\0\0abcd".to_vec(),                         // a string with no terminator
        b"/a\0\0,x\0\0\0\0\0\x01".to_vec(),                   // unknown type tag
        b"/a\0\0,i".to_vec(),                                 // misaligned type tags
        b"#bundl\0\0".to_vec(),                               // almost a bundle
        vec![],                                               // empty datagram
        raw_bundle(&[b"junk"]),                               // a bad element inside a bundle
        raw_bundle(&[STATUS, b"/a\0\0,[\0\0"]),               // a good element does not save it
    ];
    for (k, bytes) in malformed.iter().enumerate() {
        c.send_raw(bytes);
        let m = c.recv();
        let text = assert_error(&m, "", 1);
        assert!(text.contains("malformed") || text.contains("decode"), "case {k}: {text}");
    }

    // 2: truncated bundles.
    let mut truncated = raw_bundle(&[STATUS]);
    truncated.truncate(truncated.len() - 4);
    let mut oversized = raw_bundle(&[STATUS]);
    oversized[16..20].copy_from_slice(&1000u32.to_be_bytes());
    let mut huge = raw_bundle(&[STATUS]);
    huge[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut size_only = raw_bundle(&[]);
    size_only.extend_from_slice(&4u32.to_be_bytes());
    let header_only = b"#bundle\0\0\0\0\0".to_vec();
    for (k, bytes) in [truncated, oversized, huge, size_only, header_only].iter().enumerate() {
        c.send_raw(bytes);
        let m = c.recv();
        let text = assert_error(&m, "", 2);
        assert!(text.contains("truncated"), "case {k}: {text}");
    }

    // 3: bundles nested more than 8 deep; 8 is fine.
    let mut p = STATUS.to_vec();
    for _ in 0..8 {
        p = raw_bundle(&[&p]);
    }
    c.send_raw(&p);
    assert_eq!(c.recv().addr, "/status/reply");
    let nine = raw_bundle(&[&p]);
    c.send_raw(&nine);
    let text = assert_error(&c.recv(), "", 3);
    mentions(&text, "8");

    // ~64 KB of nested bundle headers (what would overflow a recursive decoder).
    let depth = 3200;
    let mut deep = Vec::new();
    for level in 0..depth {
        deep.extend_from_slice(b"#bundle\0");
        deep.extend_from_slice(&[0; 8]);
        if level + 1 < depth {
            let remaining = (depth - level - 1) * 20 - 4;
            deep.extend_from_slice(&(remaining as u32).to_be_bytes());
        }
    }
    assert!(deep.len() > 60_000 && deep.len() <= 65_507, "{}", deep.len());
    c.send_raw(&deep);
    assert_error(&c.recv(), "", 3);
    // Empty bundles, alone or nested, are fine and need no reply.
    let empty = raw_bundle(&[]);
    c.send_raw(&raw_bundle(&[&empty, &empty, &raw_bundle(&[&empty])]));
    c.send_raw(STATUS);
    assert_eq!(c.recv().addr, "/status/reply");
    server.assert_alive();
    let st = c.status();
    assert_eq!((st.synths, st.groups, st.failed), (0, 0, 0));

    // A bundle's messages each get their own reply: parse errors at once, engine
    // replies in order.
    let good_then_bad = support::server::bundle(vec![
        rosc::OscPacket::Message(support::server::msg("/group/new", vec![i(1), i(0), i(0)])),
        rosc::OscPacket::Message(support::server::msg("/nope", vec![])),
        rosc::OscPacket::Message(support::server::msg("/group/new", vec![i(1), i(0), i(0)])),
    ]);
    c.send_packet(&good_then_bad);
    let got = [c.recv(), c.recv(), c.recv()];
    let unknown = got.iter().position(|m| m.args.first() == Some(&s("/nope"))).expect("an /error for /nope");
    assert_error(&got[unknown], "/nope", 10);
    let engine: Vec<_> = got.iter().enumerate().filter(|(k, _)| *k != unknown).map(|(_, m)| m).collect();
    assert_eq!((engine[0].addr.as_str(), &engine[0].args[..]), ("/ack", &[s("/group/new"), i(1)][..]));
    assert_error(engine[1], "/group/new", 20);

    c.sync_quiet();
    bystander.sync_quiet();
    server.assert_alive();
}

#[test]
fn errors_reach_each_sender_only() {
    let server = Server::start();
    let mut a = server.client();
    let mut b = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    a.send("/nope", vec![]);
    b.send("/node/free", vec![i(77)]);
    a.send_raw(b"junk");
    assert_error(&a.recv(), "/nope", 10);
    assert_error(&a.recv(), "", 1);
    assert_error(&b.recv(), "/node/free", 21);
    // Even notified clients do not hear other clients' errors.
    watcher.sync_quiet();
    a.sync_quiet();
    b.sync_quiet();
    a.sync_quiet();
}

/// docs/osc-api.md: the mapping verbs refuse "flags outside `0x7`" with 13, also when
/// unmapping (a negative bus id), where the flags are otherwise unused.
#[test]
fn bus_flags_outside_0x7_are_refused_when_unmapping_too() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/synth/new", vec![s("amplifier"), i(1), i(0), i(1)], "/synth/new", 1);
    c.fails("/synth/map/input", vec![i(1), i(0), i(0), i(99)], "/synth/map/input", 13);
    c.fails("/synth/map/input", vec![i(1), i(0), i(-1), i(99)], "/synth/map/input", 13);
    c.fails("/synth/map/output", vec![i(1), i(0), i(-1), i(8)], "/synth/map/output", 13);
    c.sync_quiet();
}

/// Every failed command gets an `/error` (docs/osc-api.md), however long the strings it
/// would echo: an unknown verb's address appears in its `/error` twice, so without
/// clipping a 40 KB address would make a reply larger than a UDP datagram.
#[test]
fn errors_about_huge_names_still_reach_the_sender() {
    let server = Server::start();
    let mut c = server.client();
    c.send(&format!("/{}", "a".repeat(40_000)), vec![]);
    let m = c.recv();
    assert_eq!((m.addr.as_str(), m.args.get(1)), ("/error", Some(&i(10))), "{:?}", m.args.get(1));
    c.send("/synth/new", vec![s(&"x".repeat(40_000)), i(1), i(0), i(0)]);
    assert_error(&c.recv(), "/synth/new", 14);
}

/// A bundle whose second element cannot be decoded is refused whole: its first element
/// does not run either (rosc returns the decodable prefix and leaves the rest unread).
#[test]
fn a_bundle_with_an_undecodable_element_runs_none_of_it() {
    let server = Server::start();
    let mut c = server.client();
    let good = encode(&OscPacket::Message(msg("/group/new", vec![i(1), i(0), i(0)])));
    // An element with an unknown type tag 'x'.
    let bad = b"/a\0\0,x\0\0".to_vec();
    let mut packet = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
    for element in [&good, &bad] {
        packet.extend_from_slice(&(element.len() as u32).to_be_bytes());
        packet.extend_from_slice(element);
    }
    c.send_raw(&packet);
    assert_error(&c.recv(), "", 1);
    assert_eq!(c.tree(0).ids(), vec![0]);
}

/// Feedback only means something when reading a bus and replace only when writing one;
/// each in the other direction is refused rather than ignored.
#[test]
fn bus_flags_for_the_wrong_direction_are_code_13() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/synth/new", vec![s("amplifier"), i(1), i(0), i(1)], "/synth/new", 1);
    let m = c.fails("/synth/map/input", vec![i(1), i(0), i(0), i(4)], "/synth/map/input", 13);
    assert!(m.contains("replace"), "{m}");
    let m = c.fails("/synth/map/output", vec![i(1), i(0), i(0), i(2)], "/synth/map/output", 13);
    assert!(m.contains("feedback"), "{m}");
    c.ok("/synth/map/input", vec![i(1), i(0), i(0), i(2)], "/synth/map/input", 1);
    c.ok("/synth/map/output", vec![i(1), i(0), i(0), i(4)], "/synth/map/output", 1);
}
