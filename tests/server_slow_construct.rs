//! A construct that takes as long as the test wants (`test-gated` waits on a gate the test
//! opens) blocks neither the audio thread nor other clients, and its Resource is announced
//! only once it is built. The real server runs in-process, since the binary only has the
//! built-in definitions.
mod support;

use std::sync::Arc;

use oscine_plugin_api::Registrar;
use support::in_process::InProcessServer;
use support::server::{i, s, Client};
use support::test_defs::gated;

/// Asserts the next message is exactly `addr args`.
#[track_caller]
fn expect_msg(c: &mut Client, addr: &str, args: Vec<rosc::OscType>) {
    let got = c.recv();
    assert_eq!((got.addr.as_str(), &got.args[..]), (addr, &args[..]), "expected {addr} {args:?}, got {got:?}");
}

#[test]
fn a_construct_that_does_not_finish_blocks_neither_audio_nor_other_clients() {
    let (def, gate) = gated();
    let server = InProcessServer::start(move |r| r.register_resource_def(Arc::new(def)));
    let mut loader = server.client();
    let mut other = server.client();
    // `other` hears /resource/ready as a notified client, in the same stream as its own
    // replies: everything it asks meanwhile is answered before the construct ends.
    other.ok("/notify", vec![i(1)], "/notify", 1);

    loader.send("/resource/new", vec![s("test-gated"), i(1), i(42)]);
    // The loader's own /sync waits for its construct.
    loader.send("/sync", vec![i(7)]);
    assert_eq!(gate.wait_entered(), 42);
    // The construct runs on a worker now, and cannot finish before the gate opens.

    let blocks_before = other.status().blocks;
    for k in 0..20 {
        other.ok("/group/new", vec![i(100 + k), i(0), i(1)], "/group/new", 100 + k);
        let meanwhile = other.sync();
        assert!(meanwhile.is_empty(), "round {k}: nothing but the replies while the construct waits: {meanwhile:?}");
    }
    // Each /synced is sent from a block after the one that answered the previous /sync,
    // so 20 round trips cannot all come from one block: the block count grew.
    let blocks_during = other.status().blocks;
    assert!(
        blocks_during > blocks_before,
        "the audio thread stopped rendering while the construct waited ({blocks_before} -> {blocks_during} blocks)"
    );
    assert_eq!(other.tree(0).nodes.len(), 21, "the root and the 20 groups");
    // The loader's own commands that do not depend on the construct are answered too,
    // before its /synced and before /resource/ready.
    loader.ok("/group/new", vec![i(200), i(0), i(1)], "/group/new", 200);
    assert_eq!(loader.status().resources, 0, "nothing is Live before the construct ends");

    gate.open();
    expect_msg(&mut loader, "/resource/ready", vec![i(1)]);
    expect_msg(&mut loader, "/synced", vec![i(7)]);
    expect_msg(&mut other, "/resource/ready", vec![i(1)]);
    // Status is published at the end of a block: after one more round trip it shows the
    // Resource.
    loader.sync_quiet();
    assert_eq!(loader.status().resources, 1);

    // The Resource works, and is freed.
    let performed = loader.request("/resource/perform", vec![i(1), s("value")]);
    assert_eq!((performed.addr.as_str(), &performed.args[..]), ("/resource/performed", &[i(1), s("value"), i(42)][..]));
    assert_eq!(gate.destroyed(), 0);
    loader.ok("/resource/free", vec![i(1)], "/resource/free", 1);
    expect_msg(&mut loader, "/resource/destroyed", vec![i(1)]);
    assert_eq!(gate.destroyed(), 1);
    loader.sync_quiet();
    assert_eq!(loader.status().resources, 0);
    let seen = other.sync();
    assert_eq!(
        seen.iter().map(|m| (m.addr.as_str(), &m.args[..])).collect::<Vec<_>>(),
        [("/resource/destroyed", &[i(1)][..])]
    );
}

/// A construct that does not finish holds up no job behind it: once its worker has
/// returned nothing for a few blocks, the audio thread hands new jobs to the others.
#[test]
fn a_construct_that_does_not_finish_holds_up_no_other_construct() {
    let (def, gate) = gated();
    let server = InProcessServer::start(move |r| r.register_resource_def(Arc::new(def)));
    let mut loader = server.client();
    let mut other = server.client();
    loader.send("/resource/new", vec![s("test-gated"), i(1), i(42)]);
    gate.wait_entered();
    // Let the stuck worker go a few blocks without a result, so it counts as busy.
    let start = other.status().blocks;
    while other.status().blocks < start + 4 {
        other.sync();
    }
    // Small buffers, then a /sync that waits for their constructs.
    for id in 2..6 {
        other.send("/resource/new", vec![s("audio-buffer"), i(id), i(1), i(10)]);
    }
    other.send("/sync", vec![i(1)]);
    let mut got = Vec::new();
    while got.last().is_none_or(|m: &rosc::OscMessage| m.addr != "/synced") {
        match other.recv_timeout(support::server::REPLY_TIMEOUT) {
            Some(m) => got.push(m),
            None => break,
        }
    }
    gate.open();
    loader.expect("/resource/ready");
    // The constructs run on different workers, so may finish in any order.
    let mut seen: Vec<_> = got.iter().map(|m| format!("{} {:?}", m.addr, m.args)).collect();
    seen[..got.len().saturating_sub(1)].sort();
    let expected: Vec<_> =
        (2..6).map(|id| format!("/resource/ready {:?}", [i(id)])).chain([format!("/synced {:?}", [i(1)])]).collect();
    assert_eq!(seen, expected, "while another construct waits");
}

#[test]
fn a_clients_waiting_syncs_are_bounded_and_answered_in_order_without_holding_up_others() {
    let (def, gate) = gated();
    let server = InProcessServer::start(move |r| r.register_resource_def(Arc::new(def)));
    let mut loader = server.client();
    let mut other = server.client();

    loader.send("/resource/new", vec![s("test-gated"), i(1), i(5)]);
    assert_eq!(gate.wait_entered(), 5);
    // 256 /syncs wait for the construct; the 257th is refused.
    for token in 1..=256 {
        loader.send("/sync", vec![i(token)]);
    }
    loader.send("/sync", vec![i(257)]);
    let refused = loader.expect_error("/sync", 69);
    assert!(refused.contains("256"), "{refused}");
    // Another client's /syncs and commands are answered meanwhile.
    for k in 0..5 {
        other.ok("/group/new", vec![i(100 + k), i(0), i(1)], "/group/new", 100 + k);
        assert!(other.sync().is_empty());
    }
    gate.open();
    expect_msg(&mut loader, "/resource/ready", vec![i(1)]);
    for token in 1..=256 {
        expect_msg(&mut loader, "/synced", vec![i(token)]);
    }
    // Nothing waits now: the next /sync is answered at once, and a new one can wait.
    assert!(loader.sync().is_empty());
    loader.ok("/resource/free", vec![i(1)], "/resource/free", 1);
    loader.send("/sync", vec![i(300)]);
    expect_msg(&mut loader, "/resource/destroyed", vec![i(1)]);
    expect_msg(&mut loader, "/synced", vec![i(300)]);
}
