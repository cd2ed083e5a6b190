//! The success path of every verb, against the real binary over loopback UDP.
//!
//! Replies to commands the engine applies are named by the native verb (e.g. `/s_new`
//! and `/synth/construct` are acknowledged as `/synth/new`); these tests pin that down.
mod support;

use std::time::Duration;

use rosc::{OscArray, OscMessage, OscType};
use support::server::{f, i, msg, s, NodeKind, Server, Tree, TreeNode};

fn group(id: i32, parent: i32, children: i32) -> TreeNode {
    TreeNode { id, parent, kind: NodeKind::Group { children } }
}

fn synth(id: i32, parent: i32, def: &str, active: bool, controls: &[(&str, f32)]) -> TreeNode {
    let controls = controls.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    TreeNode { id, parent, kind: NodeKind::Synth { def: def.into(), active, controls } }
}

fn array(values: Vec<OscType>) -> OscType {
    OscType::Array(OscArray { content: values })
}

#[test]
fn groups_are_placed_by_every_add_action_and_emptied() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.tree(0), Tree { group: 0, more: 0, nodes: vec![group(0, 0, 0)] });

    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1); // head of root
    c.ok("/group/new", vec![i(2), i(1), i(1)], "/group/new", 2); // tail of 1
    c.ok("/group/new", vec![i(3), i(2), i(2)], "/group/new", 3); // before 2
    c.ok("/group/new", vec![i(4), i(2), i(3)], "/group/new", 4); // after 2
    c.ok("/group/new", vec![i(5), i(1), i(0)], "/group/new", 5); // head of 1
    c.ok("/group/new", vec![i(6), i(1), i(3)], "/group/new", 6); // after 1, in root
    c.ok("/group/new", vec![i(7), i(3), i(1)], "/group/new", 7); // tail of 3
                                                                 // An int64 that fits is accepted wherever an int32 is.
    let h = OscType::Long;
    c.ok("/group/new", vec![h(8), h(0), h(1)], "/group/new", 8);
    c.ok("/node/free", vec![h(8)], "/node/free", 8);
    assert_eq!(
        c.tree(0),
        Tree {
            group: 0,
            more: 0,
            nodes: vec![
                group(0, 0, 2),
                group(1, 0, 4),
                group(5, 1, 0),
                group(3, 1, 1),
                group(7, 3, 0),
                group(2, 1, 0),
                group(4, 1, 0),
                group(6, 0, 0),
            ],
        }
    );
    // A subtree: the queried group first, with its real parent.
    assert_eq!(c.tree(3), Tree { group: 3, more: 0, nodes: vec![group(3, 1, 1), group(7, 3, 0)] });

    // /group/freeAll empties groups (several ids in one message) but keeps them.
    c.send("/group/freeAll", vec![i(3), i(6)]);
    c.expect_ack("/group/freeAll", 3);
    c.expect_ack("/group/freeAll", 6);
    assert_eq!(c.tree(3).nodes, vec![group(3, 1, 0)]);
    c.ok("/group/freeAll", vec![i(1)], "/group/freeAll", 1);
    assert_eq!(c.tree(0).nodes, vec![group(0, 0, 2), group(1, 0, 0), group(6, 0, 0)]);
    c.ok("/group/freeAll", vec![i(0)], "/group/freeAll", 0);
    assert_eq!(c.tree(0).nodes, vec![group(0, 0, 0)]);
    // /node/tree with no argument means the root.
    let m = c.request("/node/tree", vec![]);
    assert_eq!(m.args, vec![i(0), i(1), i(0), i(0), i(0), s("group"), i(0)]);
    c.sync_quiet();
}

#[test]
fn synths_take_controls_as_names_indices_or_an_array() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/group/new", vec![i(1), i(0), i(1)], "/group/new", 1);
    // Flat name/value pairs, values of every numeric type.
    c.ok(
        "/synth/new",
        vec![s("sine"), i(100), i(1), i(1), s("freq"), f(220.0), s("amp"), OscType::Double(0.5)],
        "/synth/new",
        100,
    );
    // Index/value pairs, in any order; unset controls keep their defaults.
    c.ok("/synth/new", vec![s("pulse"), i(101), i(1), i(1), i(2), f(0.25), i(0), i(330)], "/synth/new", 101);
    // Methcla's array of values for controls 0, 1, ...
    c.ok("/synth/new", vec![s("saw"), i(102), i(1), i(1), array(vec![f(550.0), OscType::Long(1)])], "/synth/new", 102);
    // Forms may be mixed: an array, then pairs (later values win).
    c.ok(
        "/synth/construct",
        vec![s("pulse"), i(106), i(0), i(1), array(vec![f(110.0), f(0.2)]), s("width"), f(0.75), i(1), f(0.3)],
        "/synth/new",
        106,
    );
    assert_eq!(
        c.tree(0).node(106),
        Some(&synth(106, 0, "pulse", false, &[("freq", 110.0), ("amp", 0.3), ("width", 0.75)]))
    );
    c.ok("/node/free", vec![i(106)], "/node/free", 106);
    // No controls: all defaults. Placed at the head, before 100.
    c.ok("/synth/new", vec![s("noise"), i(103), i(1), i(0)], "/synth/new", 103);
    // Values are clamped to the control's range; before/after a synth target.
    c.ok("/synth/new", vec![s("sine"), i(104), i(100), i(2), s("freq"), f(30_000.0)], "/synth/new", 104);
    c.ok("/synth/new", vec![s("amplifier"), i(105), i(102), i(3), s("gain"), f(-3.0)], "/synth/new", 105);
    assert_eq!(
        c.tree(0),
        Tree {
            group: 0,
            more: 0,
            nodes: vec![
                group(0, 0, 1),
                group(1, 0, 6),
                synth(103, 1, "noise", true, &[("amp", 0.1), ("seed", 1.0)]),
                synth(104, 1, "sine", true, &[("freq", 20_000.0), ("amp", 0.1)]),
                synth(100, 1, "sine", true, &[("freq", 220.0), ("amp", 0.5)]),
                synth(101, 1, "pulse", true, &[("freq", 330.0), ("amp", 0.1), ("width", 0.25)]),
                synth(102, 1, "saw", true, &[("freq", 550.0), ("amp", 1.0)]),
                synth(105, 1, "amplifier", true, &[("gain", 0.0)]),
            ],
        }
    );
    c.sync_quiet();
}

#[test]
fn construct_activate_map_and_done_flags_are_acknowledged() {
    let server = Server::start();
    let mut c = server.client();
    // /synth/construct builds an inactive synth; it is acknowledged as /synth/new.
    c.ok("/synth/construct", vec![s("amplifier"), i(10), i(0), i(1), s("gain"), f(2.0)], "/synth/new", 10);
    c.ok("/synth/construct", vec![s("sine"), i(11), i(0), i(1)], "/synth/new", 11);
    let t = c.tree(0);
    assert_eq!(t.nodes[1], synth(10, 0, "amplifier", false, &[("gain", 2.0)]));
    assert_eq!(t.nodes[2], synth(11, 0, "sine", false, &[("freq", 440.0), ("amp", 0.1)]));
    // Several ids in one /synth/activate.
    c.send("/synth/activate", vec![i(10), i(11)]);
    c.expect_ack("/synth/activate", 10);
    c.expect_ack("/synth/activate", 11);
    let t = c.tree(0);
    assert!(matches!(t.nodes[1].kind, NodeKind::Synth { active: true, .. }), "{t:?}");
    assert!(matches!(t.nodes[2].kind, NodeKind::Synth { active: true, .. }), "{t:?}");
    // Activating an active synth does nothing and succeeds.
    c.ok("/synth/activate", vec![i(10)], "/synth/activate", 10);
    assert_eq!(c.tree(0).nodes[1], synth(10, 0, "amplifier", true, &[("gain", 2.0)]));

    // Input: an internal bus, with and without flags, then disconnected (-1).
    c.ok("/synth/map/input", vec![i(10), i(0), i(5)], "/synth/map/input", 10);
    c.ok("/synth/map/input", vec![i(10), i(0), i(6), i(2)], "/synth/map/input", 10);
    c.ok("/synth/map/input", vec![i(10), i(0), i(-1)], "/synth/map/input", 10);
    // Output: replace, an external channel with the replace flag, append (acknowledged
    // as /synth/map/output), disconnect.
    c.ok("/synth/map/output", vec![i(11), i(0), i(7)], "/synth/map/output", 11);
    c.ok("/synth/map/output", vec![i(11), i(0), i(1), i(5)], "/synth/map/output", 11);
    c.ok("/synth/map/output/add", vec![i(11), i(0), i(8)], "/synth/map/output", 11);
    c.ok("/synth/map/output/add", vec![i(11), i(0), i(9), i(4)], "/synth/map/output", 11);
    c.ok("/synth/map/output", vec![i(11), i(0), i(-1)], "/synth/map/output", 11);
    c.ok("/synth/map/output", vec![i(10), i(0), i(0), i(1)], "/synth/map/output", 10);

    for flags in [0, 0x01, 0x21, 0x3f] {
        c.ok("/synth/property/doneFlags/set", vec![i(11), i(flags)], "/synth/property/doneFlags/set", 11);
    }
    c.sync_quiet();
}

#[test]
fn node_set_and_free_take_several_pairs_and_ids() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/synth/new", vec![s("pulse"), i(20), i(0), i(1)], "/synth/new", 20);
    c.ok("/synth/new", vec![s("sine"), i(21), i(0), i(1)], "/synth/new", 21);
    c.ok("/group/new", vec![i(22), i(0), i(1)], "/group/new", 22);
    c.ok("/synth/new", vec![s("saw"), i(23), i(22), i(0)], "/synth/new", 23);

    // By name and by index in one message, ints and doubles as values.
    c.ok(
        "/node/set",
        vec![i(20), s("freq"), f(660.0), i(1), f(0.7), s("width"), OscType::Double(0.3)],
        "/node/set",
        20,
    );
    c.ok("/node/set", vec![i(21), i(0), i(880), s("amp"), f(0.25)], "/node/set", 21);
    // The last change to a control wins; values are clamped.
    c.ok("/node/set", vec![i(23), s("amp"), f(0.2), s("amp"), f(5.0)], "/node/set", 23);
    let t = c.tree(0);
    assert_eq!(
        t.nodes,
        vec![
            group(0, 0, 3),
            synth(20, 0, "pulse", true, &[("freq", 660.0), ("amp", 0.7), ("width", 0.3)]),
            synth(21, 0, "sine", true, &[("freq", 880.0), ("amp", 0.25)]),
            group(22, 0, 1),
            synth(23, 22, "saw", true, &[("freq", 440.0), ("amp", 1.0)]),
        ]
    );

    // Out-of-range values are clamped; values that are not finite are refused, and
    // nothing of their message is applied.
    c.ok("/node/set", vec![i(20), s("width"), f(-3.0)], "/node/set", 20);
    c.fails("/node/set", vec![i(20), s("freq"), f(f32::NAN), s("amp"), f(0.5)], "/node/set", 13);
    c.fails("/node/set", vec![i(20), s("amp"), f(f32::INFINITY)], "/node/set", 13);
    assert_eq!(
        c.tree(0).node(20),
        Some(&synth(20, 0, "pulse", true, &[("freq", 660.0), ("amp", 0.7), ("width", 0.01)]))
    );

    // Several ids; a group is freed with what it holds.
    c.send("/node/free", vec![i(20), i(22)]);
    c.expect_ack("/node/free", 20);
    c.expect_ack("/node/free", 22);
    assert_eq!(c.tree(0).nodes, vec![group(0, 0, 1), synth(21, 0, "sine", true, &[("freq", 880.0), ("amp", 0.25)])]);
    c.ok("/node/free", vec![i(21)], "/node/free", 21);
    assert_eq!(c.tree(0).nodes, vec![group(0, 0, 0)]);
    c.sync_quiet();
}

#[test]
fn scsynth_aliases_use_scsynth_argument_order() {
    let server = Server::start();
    let mut c = server.client();
    // /g_new id addAction target.
    c.ok("/g_new", vec![i(300), i(0), i(0)], "/group/new", 300);
    c.ok("/g_new", vec![i(301), i(1), i(300)], "/group/new", 301);
    // /s_new def id addAction target controls...
    c.ok("/s_new", vec![s("sine"), i(302), i(1), i(300), s("freq"), f(123.0)], "/synth/new", 302);
    c.ok("/s_new", vec![s("saw"), i(303), i(3), i(301), i(1), f(0.5)], "/synth/new", 303);
    assert_eq!(
        c.tree(0).nodes,
        vec![
            group(0, 0, 1),
            group(300, 0, 3),
            group(301, 300, 0),
            synth(303, 300, "saw", true, &[("freq", 440.0), ("amp", 0.5)]),
            synth(302, 300, "sine", true, &[("freq", 123.0), ("amp", 0.1)]),
        ]
    );
    c.ok("/n_set", vec![i(302), s("freq"), f(246.0), s("amp"), f(0.3)], "/node/set", 302);
    assert_eq!(c.tree(0).control(302, "freq"), Some(246.0));
    assert_eq!(c.tree(0).control(302, "amp"), Some(0.3));
    c.send("/n_free", vec![i(303), i(301)]);
    c.expect_ack("/node/free", 303);
    c.expect_ack("/node/free", 301);
    assert_eq!(c.tree(300).ids(), vec![300, 302]);
    c.ok("/g_freeAll", vec![i(300)], "/group/freeAll", 300);
    assert_eq!(c.tree(0).nodes, vec![group(0, 0, 1), group(300, 0, 0)]);
    c.sync_quiet();
}

#[test]
fn queries_list_version_notify_sync_and_status() {
    let server = Server::start();
    let mut c = server.client();
    c.make_known();
    let m = c.request("/synthdef/list", vec![]);
    assert_eq!(m.addr, "/synthdef/list");
    let names = [
        "amplifier",
        "asr-envelope",
        "done-after",
        "exponential-fade",
        "noise",
        "pan",
        "patch-cable",
        "pulse",
        "recorder",
        "sampler",
        "saw",
        "sine",
    ];
    assert_eq!(m.args, names.iter().map(|n| s(n)).collect::<Vec<_>>());

    let m = c.request("/version", vec![]);
    assert_eq!((m.addr.as_str(), m.args), ("/version/reply", vec![s("oscine"), s(env!("CARGO_PKG_VERSION"))]));

    let m = c.request("/sync", vec![i(42)]);
    assert_eq!((m.addr.as_str(), m.args), ("/synced", vec![i(42)]));
    let m = c.request("/sync", vec![]);
    assert_eq!((m.addr.as_str(), m.args), ("/synced", vec![i(0)]));
    let m = c.request("/sync", vec![i(-7)]);
    assert_eq!((m.addr.as_str(), m.args), ("/synced", vec![i(-7)]));

    let st = c.wait_counts(0, 0);
    assert_eq!(st.sample_rate, 48_000.0);
    assert_eq!((st.notified_clients, st.failed, st.resources, st.resource_operations), (0, 0, 0, 0));
    assert!(st.load_average >= 0.0 && st.load_peak >= 0.0, "{st:?}");
    assert!(st.blocks > 0, "{st:?}");
    // (xruns depend on how busy the machine is: the dummy driver keeps wall-clock time.)
    assert!(st.xruns >= 0, "{st:?}");
    assert_eq!((st.commands_rejected, st.events_dropped, st.synth_faults), (0, 0, 0), "{st:?}");

    // Notify: no argument means on, any non-zero value too; the ack carries the state.
    c.ok("/notify", vec![], "/notify", 1);
    c.ok("/notify", vec![i(5)], "/notify", 1);
    assert_eq!(c.status().notified_clients, 1);
    let mut other = server.client();
    other.ok("/notify", vec![i(1)], "/notify", 1);
    assert_eq!(c.status().notified_clients, 2);
    c.ok("/notify", vec![i(0)], "/notify", 0);
    assert_eq!(c.status().notified_clients, 1);
    other.ok("/notify", vec![i(0)], "/notify", 0);

    // Counts follow the tree; commands are counted.
    let before = c.status();
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    c.ok("/group/new", vec![i(2), i(1), i(0)], "/group/new", 2);
    c.ok("/synth/new", vec![s("sine"), i(3), i(2), i(0)], "/synth/new", 3);
    c.ok("/synth/new", vec![s("sine"), i(4), i(2), i(0)], "/synth/new", 4);
    c.ok("/synth/new", vec![s("saw"), i(5), i(1), i(1)], "/synth/new", 5);
    let st = c.wait_counts(3, 2);
    assert!(st.commands_processed >= before.commands_processed + 5, "{before:?} then {st:?}");
    assert!(st.blocks > before.blocks, "{st:?}");
    c.ok("/node/free", vec![i(2)], "/node/free", 2);
    c.wait_counts(1, 1);
    c.ok("/group/freeAll", vec![i(0)], "/group/freeAll", 0);
    c.wait_counts(0, 0);
    c.sync_quiet();
}

#[test]
fn bundles_run_their_messages_in_order() {
    let server = Server::start();
    let mut c = server.client();
    let inner = support::server::bundle(vec![
        rosc::OscPacket::Message(msg("/synth/new", vec![s("sine"), i(2), i(1), i(0)])),
        rosc::OscPacket::Message(msg("/node/set", vec![i(2), s("freq"), f(300.0)])),
    ]);
    let outer = support::server::bundle(vec![
        rosc::OscPacket::Message(msg("/group/new", vec![i(1), i(0), i(0)])),
        inner,
        rosc::OscPacket::Message(msg("/sync", vec![i(5)])),
    ]);
    c.send_packet(&outer);
    c.expect_ack("/group/new", 1);
    c.expect_ack("/synth/new", 2);
    c.expect_ack("/node/set", 2);
    let m = c.recv();
    assert_eq!((m.addr.as_str(), m.args), ("/synced", vec![i(5)]));
    assert_eq!(c.tree(1).nodes, vec![group(1, 0, 1), synth(2, 1, "sine", true, &[("freq", 300.0), ("amp", 0.1)])]);
}

#[test]
fn quit_frees_every_node_acknowledges_and_exits_zero() {
    let mut server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    c.ok("/synth/new", vec![s("sine"), i(2), i(1), i(0)], "/synth/new", 2);
    c.ok("/synth/new", vec![s("sine"), i(3), i(0), i(1)], "/synth/new", 3);

    // Commands after /quit are refused with 34; queries are still answered.
    c.send_bundle(vec![
        msg("/quit", vec![]),
        msg("/group/new", vec![i(9), i(0), i(0)]),
        msg("/status", vec![]),
        msg("/sync", vec![i(1)]),
    ]);
    let text = c.expect_error("/group/new", 34);
    assert!(text.contains("shutting down"), "{text}");
    assert_eq!(c.recv().addr, "/status/reply");
    c.expect_error("/sync", 34);
    let m = c.recv();
    assert_eq!((m.addr.as_str(), &m.args[..]), ("/ack", &[s("/quit"), i(0)][..]), "{m:?}");
    // Notified clients hear every node leave (children before their group).
    let mut ended: Vec<OscMessage> = Vec::new();
    while ended.len() < 3 {
        let m = watcher.recv();
        assert_eq!(m.addr, "/node/ended", "{m:?}");
        ended.push(m);
    }
    let ids: Vec<_> = ended.iter().map(|m| m.args.clone()).collect();
    assert_eq!(ids, vec![vec![i(2)], vec![i(1)], vec![i(3)]]);

    let status = server.wait_exit(Duration::from_secs(5));
    let status = status.unwrap_or_else(|| panic!("oscine still running 5 s after /quit:\n{}", server.log()));
    assert_eq!(status.code(), Some(0), "exit status {status}; stderr:\n{}", server.log());
    // Nobody answers any more (the process is gone: only what it sent before can be in
    // the socket).
    c.send("/status", vec![]);
    let after = c.received_so_far();
    assert!(after.is_empty(), "after the /quit ack: {after:?}");
}

#[test]
fn a_tree_too_large_for_one_datagram_comes_in_parts() {
    let server = Server::start_with(&["--max-nodes", "3000"]);
    let mut c = server.client();
    // The parts arrive at once, 64 KB each: room for all of them.
    c.set_receive_buffer(4 << 20);
    // Constructed, never activated: a big tree that costs no DSP. At most 50 requests in
    // flight, so no datagram is dropped at a socket however busy the machine is.
    for first in (1..=3000).step_by(50) {
        for k in first..first + 50 {
            c.send("/synth/construct", vec![s("asr-envelope"), i(k), i(0), i(1)]);
        }
        for k in first..first + 50 {
            c.expect_ack("/synth/new", k);
        }
    }
    let defaults = [("attack", 0.01), ("sustain", 1.0), ("release", 0.1), ("gate", 1.0)];
    // Each part says how many follow; together they hold every node once, in order.
    let parts = c.tree_parts(0);
    assert!(parts.len() > 1, "3000 synths cannot fit one datagram");
    assert!(parts.iter().all(|p| p.group == 0 && p.nodes.len() > 100));
    let nodes: Vec<TreeNode> = parts.into_iter().flat_map(|p| p.nodes).collect();
    assert_eq!(nodes.len(), 3001);
    assert_eq!(nodes[0], group(0, 0, 3000), "the root counts every child");
    for (k, node) in nodes.iter().enumerate().skip(1) {
        assert_eq!(node, &synth(k as i32, 0, "asr-envelope", false, &defaults));
    }
    c.wait_counts(3000, 0);
    // Small again: one part.
    c.ok("/group/freeAll", vec![i(0)], "/group/freeAll", 0);
    c.ok("/synth/construct", vec![s("asr-envelope"), i(1), i(0), i(1)], "/synth/new", 1);
    let parts = c.tree_parts(0);
    assert_eq!(
        parts,
        [Tree { group: 0, more: 0, nodes: vec![group(0, 0, 1), synth(1, 0, "asr-envelope", false, &defaults)] }]
    );
}

#[test]
fn sigterm_frees_every_node_and_exits_zero_without_a_reply() {
    let mut server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    c.ok("/synth/new", vec![s("saw"), i(2), i(1), i(0)], "/synth/new", 2);
    server.terminate();
    for id in [2, 1] {
        let m = watcher.recv();
        assert_eq!((m.addr.as_str(), m.args), ("/node/ended", vec![i(id)]));
    }
    let status = server.wait_exit(Duration::from_secs(5));
    let status = status.unwrap_or_else(|| panic!("oscine still running 5 s after SIGTERM:\n{}", server.log()));
    assert_eq!(status.code(), Some(0), "exit status {status}; stderr:\n{}", server.log());
    // The process is gone: whatever it sent is in the sockets already.
    let (after, watched) = (c.received_so_far(), watcher.received_so_far());
    assert!(after.is_empty() && watched.is_empty(), "after SIGTERM: {after:?}, {watched:?}");
}

#[test]
fn acks_turn_off_and_on_for_their_sender_only_and_errors_still_come() {
    let server = Server::start();
    let mut c = server.client();
    let mut other = server.client();
    c.ok("/acks", vec![i(0)], "/acks", 0);
    c.send("/group/new", vec![i(1), i(0), i(1)]);
    c.send("/node/free", vec![i(77)]);
    c.expect_error("/node/free", 21);
    assert!(c.sync().is_empty(), "no /ack while they are off");
    other.ok("/group/new", vec![i(2), i(0), i(1)], "/group/new", 2);
    c.ok("/acks", vec![], "/acks", 1);
    c.ok("/group/new", vec![i(3), i(0), i(1)], "/group/new", 3);
    assert_eq!(c.tree(0).ids(), vec![0, 1, 2, 3]);
}
