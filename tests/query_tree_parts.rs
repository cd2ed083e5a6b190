//! `/g_queryTree` of trees too large for one datagram, over loopback UDP against the real
//! binary: a notice, then the tree in parts, each a valid `/g_queryTree.reply` of its own;
//! merged by node id (a Group that leads a part continues where an earlier part left it),
//! the parts give every node, in order, with its controls.
mod support;

use std::collections::BTreeMap;

use rosc::{OscMessage, OscPacket, OscType};
use support::server::{encode, f, i, msg, s, Client, Server};

/// What the parts say about one node.
#[derive(Debug, Default)]
struct Merged {
    /// Each Group's children, in order, appended part after part.
    children: BTreeMap<i32, Vec<i32>>,
    /// Each Synth's SynthDef and controls; a Synth is listed once in all.
    synths: BTreeMap<i32, (String, Vec<(String, f32)>)>,
}

impl Merged {
    /// Reads one `/g_queryTree.reply` as scsynth's format has it (every Group followed by
    /// as many nodes as it counts, each Synth's controls counted) and adds it in. Every
    /// argument must be used.
    fn add(&mut self, reply: &OscMessage) -> i32 {
        let mut args = reply.args.iter();
        let mut int = |args: &mut std::slice::Iter<'_, OscType>| match args.next() {
            Some(OscType::Int(v)) => *v,
            other => panic!("expected an int32, got {other:?} in {}", reply.addr),
        };
        let flag = int(&mut args);
        let root = int(&mut args);
        let count = int(&mut args);
        self.children.entry(root).or_default();
        self.read_children(root, count, flag != 0, &mut args, &mut int);
        assert!(args.next().is_none(), "arguments left over after the tree");
        root
    }

    fn read_children<'a>(
        &mut self,
        group: i32,
        count: i32,
        controls: bool,
        args: &mut std::slice::Iter<'a, OscType>,
        int: &mut impl FnMut(&mut std::slice::Iter<'a, OscType>) -> i32,
    ) {
        for _ in 0..count {
            let id = int(args);
            let n = int(args);
            if n >= 0 && self.children.contains_key(&id) {
                // A Group seen in an earlier part, leading this one: its children continue.
                let siblings = self.children.get(&group).expect("an open group");
                assert_eq!(siblings.last(), Some(&id), "group {id} continues, but not where it left off");
                self.read_children(id, n, controls, args, int);
                continue;
            }
            self.children.get_mut(&group).expect("an open group").push(id);
            if n >= 0 {
                self.children.entry(id).or_default();
                self.read_children(id, n, controls, args, int);
                continue;
            }
            let Some(OscType::String(def)) = args.next() else { panic!("a synth without its synthdef") };
            let mut values = Vec::new();
            if controls {
                for _ in 0..int(args) {
                    match (args.next(), args.next()) {
                        (Some(OscType::String(name)), Some(OscType::Float(v))) => values.push((name.clone(), *v)),
                        other => panic!("a control pair expected, got {other:?}"),
                    }
                }
            }
            assert!(self.synths.insert(id, (def.clone(), values)).is_none(), "synth {id} listed twice");
        }
    }
}

/// Creates a tree of 4 000 `sine` Synths and 13 Groups: Group 100 holding 2 500 Synths,
/// then Group 200 holding a chain of Groups 201 to 210, one inside the other, each holding
/// 150 Synths (and Group 201 a last Group, 211, empty). Returns each Group's children, in
/// order, and each Synth's frequency.
fn build(c: &mut Client) -> (BTreeMap<i32, Vec<i32>>, BTreeMap<i32, f32>) {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    let mut freqs = BTreeMap::new();
    let mut messages = Vec::new();
    let group = |id: i32, parent: i32, messages: &mut Vec<OscMessage>, children: &mut BTreeMap<_, Vec<_>>| {
        messages.push(msg("/g_new", vec![i(id), i(1), i(parent)]));
        children.entry(parent).or_default().push(id);
        children.entry(id).or_default();
    };
    group(100, 0, &mut messages, &mut children);
    group(200, 0, &mut messages, &mut children);
    for g in 201..=210 {
        group(g, g - 1, &mut messages, &mut children);
    }
    let mut next = 1000;
    let mut synths = |group: i32, n: i32, messages: &mut Vec<OscMessage>, children: &mut BTreeMap<_, Vec<_>>| {
        for _ in 0..n {
            let freq = 100.0 + (next - 1000) as f32;
            messages.push(msg("/s_new", vec![s("sine"), i(next), i(1), i(group), s("freq"), f(freq)]));
            children.get_mut(&group).unwrap().push(next);
            freqs.insert(next, freq);
            next += 1;
        }
    };
    synths(100, 2500, &mut messages, &mut children);
    for g in 201..=210 {
        synths(g, 150, &mut messages, &mut children);
    }
    group(211, 201, &mut messages, &mut children);
    // A hundred commands a datagram, a `/sync` after every five datagrams: the command
    // queue never fills.
    for (k, chunk) in messages.chunks(100).enumerate() {
        c.send_packet(&OscPacket::Bundle(rosc::OscBundle {
            timetag: rosc::OscTime { seconds: 0, fractional: 1 },
            content: chunk.iter().cloned().map(OscPacket::Message).collect(),
        }));
        if k % 5 == 4 {
            assert!(c.sync().iter().all(|m| m.addr != "/fail"), "a command of the tree failed");
        }
    }
    assert!(c.sync().iter().all(|m| m.addr != "/fail"), "a command of the tree failed");
    (children, freqs)
}

/// Sends `/g_queryTree group flag`, then reads the notice and the parts it announces.
fn query_in_parts(c: &mut Client, group: i32, flag: i32) -> (Vec<OscMessage>, OscMessage) {
    c.send("/g_queryTree", vec![i(group), i(flag)]);
    let notice = c.expect("/fail");
    assert_eq!(notice.args[0], s("/g_queryTree"));
    assert_eq!(notice.args[2], i(group));
    let OscType::Int(parts) = notice.args[3] else { panic!("{notice:?}") };
    let replies: Vec<OscMessage> = (0..parts).map(|_| c.expect("/g_queryTree.reply")).collect();
    (replies, notice)
}

#[test]
fn a_tree_too_large_for_one_datagram_comes_in_parts_that_merge_into_the_whole_tree() {
    let server = Server::start_with(&["--dialect", "scsynth", "--max-nodes", "6000"]);
    let mut c = server.client();
    // Several 64 KB datagrams arrive at once: room for all of them.
    c.set_receive_buffer(4 << 20);
    let (children, freqs) = build(&mut c);
    assert_eq!(freqs.len(), 4000);

    for flag in [1, 0] {
        let (replies, notice) = query_in_parts(&mut c, 0, flag);
        let OscType::String(text) = &notice.args[1] else { panic!("{notice:?}") };
        assert!(text.contains(&format!("in {} /g_queryTree.reply parts", replies.len())), "{text}");
        assert!(replies.len() >= 2, "flag {flag}: {} parts", replies.len());
        let mut merged = Merged::default();
        for (k, reply) in replies.iter().enumerate() {
            // Each part is one datagram, and each but the last is nearly full.
            let size = encode(&OscPacket::Message(reply.clone())).len();
            assert!(size <= 65_000, "part {k} takes {size} bytes");
            if k + 1 < replies.len() {
                assert!(size > 60_000, "part {k} takes only {size} bytes");
            }
            assert_eq!(reply.args[0], i(flag));
            assert_eq!(merged.add(reply), 0, "every part is rooted at the queried group");
        }
        // Every node, each Group's children in their order, every Synth with its controls.
        let mut want = children.clone();
        want.entry(0).or_default();
        for (group, kids) in &want {
            assert_eq!(merged.children.get(group), Some(kids), "flag {flag}: group {group}'s children differ");
        }
        assert_eq!(merged.children.len(), want.len(), "flag {flag}: groups that the tree does not have");
        assert_eq!(merged.synths.len(), freqs.len());
        for (id, (def, controls)) in &merged.synths {
            assert_eq!(def, "sine");
            if flag == 1 {
                assert_eq!(controls[..], [("freq".to_owned(), freqs[id]), ("amp".to_owned(), 0.1)], "synth {id}");
            } else {
                assert!(controls.is_empty());
            }
        }
    }

    // A Group whose tree fits is answered in one reply, without a notice.
    c.send("/g_queryTree", vec![i(210), i(1)]);
    let reply = c.expect("/g_queryTree.reply");
    let mut merged = Merged::default();
    assert_eq!(merged.add(&reply), 210);
    assert_eq!(merged.synths.len(), 150);
    assert!(c.sync().iter().all(|m| m.addr != "/fail"), "a reply that fits has no notice");

    // An Oscine client's notice is an `/error` with code 38.
    let mut o = server.client();
    o.set_receive_buffer(4 << 20);
    o.send("/synth/new", vec![s("sine"), i(9000), i(0), i(0)]);
    o.expect_ack("/synth/new", 9000);
    o.send("/g_queryTree", vec![i(100), i(1)]);
    let error = o.expect_error("/g_queryTree", 38);
    assert!(error.contains("(2501 nodes)"), "{error}");
    let first = o.expect("/g_queryTree.reply");
    assert_eq!(first.args[1], i(100));
    o.sync();
}

#[test]
fn a_synth_too_large_for_one_datagram_alone_is_refused_with_37_and_nothing_else() {
    use support::scgf::{file, Graph, In, Ugen};
    // 6 000 controls, named p0, p1, ...: about 72 KB of names and values.
    let names: Vec<&'static str> = (0..6000).map(|k| &*Box::leak(format!("p{k}").into_boxed_str())).collect();
    let wide = Graph {
        name: "wide",
        constants: vec![0.0],
        params: names.iter().map(|&n| (n, 0.0)).collect(),
        ugens: vec![
            Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1; 6000] },
            Ugen { name: "Out", rate: 1, special: 0, inputs: vec![In::Const(0), In::Ugen(0, 0)], outputs: vec![] },
        ],
        variants: vec![],
    };
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = server.client();
    // Too large for `/d_recv`: from a file, as sclang sends a large SynthDef.
    let path = std::env::temp_dir().join(format!("oscine-wide-{}.scsyndef", std::process::id()));
    std::fs::write(&path, file(&[wide])).unwrap();
    c.send("/d_load", vec![s(path.to_str().unwrap())]);
    c.expect("/done");
    let _ = std::fs::remove_file(&path);
    c.send("/s_new", vec![s("wide"), i(1000), i(0), i(0)]);
    // With its controls it cannot be sent: scsynth's `/fail`, naming the node.
    c.send("/g_queryTree", vec![i(0), i(1)]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/g_queryTree"));
    let OscType::String(text) = &fail.args[1] else { panic!("{fail:?}") };
    assert!(text.contains("node 1000") && text.contains("without controls"), "{text}");
    let after = c.sync();
    assert!(after.iter().all(|m| m.addr != "/g_queryTree.reply"), "nothing is sent in its place");
    // Without them it fits.
    c.send("/g_queryTree", vec![i(0), i(0)]);
    assert_eq!(c.expect("/g_queryTree.reply").args, [i(0), i(0), i(1), i(1000), i(-1), s("wide")]);
    // Oscine's /node/tree lists controls always: error 37.
    let mut o = server.client();
    o.make_known();
    o.send("/node/tree", vec![i(0)]);
    let error = o.expect_error("/node/tree", 37);
    assert!(error.contains("node 1000"), "{error}");
}
