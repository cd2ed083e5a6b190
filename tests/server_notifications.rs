//! Notifications (`/node/done`, `/node/ended`) reach exactly the clients that asked for
//! them, and `/synced` comes after the reply to every earlier command of its client.
mod support;

use rosc::{OscMessage, OscType};
use support::server::{assert_error, f, i, msg, s, wait_tree, Client, Server};

/// Asserts the next message is `addr i:id`.
#[track_caller]
fn expect_note(c: &mut Client, addr: &str, id: i32) {
    let m = c.recv();
    assert_eq!((m.addr.as_str(), &m.args[..]), (addr, &[i(id)][..]), "expected {addr} {id}, got {m:?}");
}

/// Creates a `done-after` synth that is done after `seconds`, with these done flags.
/// Built inactive so the flags are set before it can finish.
#[track_caller]
fn done_after(c: &mut Client, id: i32, target: i32, seconds: f32, flags: i32) {
    c.send_bundle(vec![
        msg("/synth/construct", vec![s("done-after"), i(id), i(target), i(1), s("seconds"), f(seconds)]),
        msg("/synth/property/doneFlags/set", vec![i(id), i(flags)]),
        msg("/synth/activate", vec![i(id)]),
    ]);
    c.expect_ack("/synth/new", id);
    c.expect_ack("/synth/property/doneFlags/set", id);
    c.expect_ack("/synth/activate", id);
}

#[track_caller]
fn wait_gone(c: &mut Client, id: i32) {
    wait_tree(c, 0, &format!("node {id} freed"), |t| t.node(id).is_none());
}

#[test]
fn done_and_ended_reach_notified_clients_only() {
    let server = Server::start();
    let mut a = server.client();
    let mut b = server.client();
    let mut c = server.client();
    a.ok("/notify", vec![i(1)], "/notify", 1);
    b.ok("/notify", vec![i(1)], "/notify", 1);
    assert_eq!(c.status().notified_clients, 2);

    // Done after 50 ms; free self (0x01) and notify (0x20).
    done_after(&mut c, 50, 0, 0.05, 0x21);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/done", 50);
        expect_note(n, "/node/ended", 50);
    }
    wait_gone(&mut c, 50);
    // Nothing else came, to anyone: the third client never asked.
    a.sync_quiet();
    b.sync_quiet();
    c.sync_quiet();

    // A client's /node/free is announced as /node/ended (no /node/done).
    c.ok("/synth/new", vec![s("sine"), i(51), i(0), i(1)], "/synth/new", 51);
    c.ok("/node/free", vec![i(51)], "/node/free", 51);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/ended", 51);
        n.sync_quiet();
    }

    // The default done flags only notify: the synth stays.
    c.ok("/synth/new", vec![s("done-after"), i(52), i(0), i(1), s("seconds"), f(0.02)], "/synth/new", 52);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/done", 52);
    }
    assert!(c.tree(0).node(52).is_some());
    a.sync_quiet();
    b.sync_quiet();

    // Flags apply once: set after the synth is done, they do nothing.
    c.ok("/synth/property/doneFlags/set", vec![i(52), i(0x21)], "/synth/property/doneFlags/set", 52);
    // Each /sync is answered in a block after the one that set the flags (and after the
    // previous /sync's): had the flags freed the synth, /node/ended would come first.
    a.sync_quiet();
    b.sync_quiet();
    assert!(c.tree(0).node(52).is_some());

    // Free the preceding and following nodes (0x02 | 0x04), or every sibling (0x08).
    c.ok("/group/new", vec![i(80), i(0), i(1)], "/group/new", 80);
    for id in [81, 83, 84] {
        c.ok("/synth/new", vec![s("sine"), i(id), i(80), i(1)], "/synth/new", id);
    }
    c.ok("/synth/construct", vec![s("done-after"), i(82), i(83), i(2), s("seconds"), f(0.01)], "/synth/new", 82);
    c.ok("/synth/property/doneFlags/set", vec![i(82), i(0x26)], "/synth/property/doneFlags/set", 82);
    c.ok("/synth/activate", vec![i(82)], "/synth/activate", 82);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/done", 82);
        expect_note(n, "/node/ended", 81);
        expect_note(n, "/node/ended", 83);
    }
    wait_tree(&mut c, 80, "81 and 83 freed", |t| t.ids() == [80, 82, 84]);
    done_after(&mut c, 85, 80, 0.01, 0x28);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/done", 85);
        expect_note(n, "/node/ended", 82);
        expect_note(n, "/node/ended", 84);
    }
    wait_tree(&mut c, 80, "all but 85 freed", |t| t.ids() == [80, 85]);
    c.ok("/node/free", vec![i(80)], "/node/free", 80);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/ended", 85);
        expect_note(n, "/node/ended", 80);
        n.sync_quiet();
    }

    // Free the group (0x10): the group's nodes, then the group, end after the done.
    c.ok("/group/new", vec![i(60), i(0), i(1)], "/group/new", 60);
    c.ok("/synth/new", vec![s("sine"), i(61), i(60), i(1)], "/synth/new", 61);
    c.ok("/synth/new", vec![s("sine"), i(63), i(60), i(1)], "/synth/new", 63);
    done_after(&mut c, 62, 60, 0.02, 0x30);
    for n in [&mut a, &mut b] {
        expect_note(n, "/node/done", 62);
        for id in [61, 63, 62, 60] {
            expect_note(n, "/node/ended", id);
        }
    }
    wait_gone(&mut c, 60);

    // A notified sender hears each node end before the /ack of the command that freed it.
    c.ok("/group/new", vec![i(70), i(0), i(1)], "/group/new", 70);
    c.ok("/synth/new", vec![s("sine"), i(71), i(70), i(1)], "/synth/new", 71);
    c.ok("/synth/new", vec![s("sine"), i(72), i(70), i(1)], "/synth/new", 72);
    a.send("/group/freeAll", vec![i(70)]);
    expect_note(&mut a, "/node/ended", 71);
    expect_note(&mut a, "/node/ended", 72);
    a.expect_ack("/group/freeAll", 70);
    a.send("/node/free", vec![i(70)]);
    expect_note(&mut a, "/node/ended", 70);
    a.expect_ack("/node/free", 70);
    for id in [71, 72, 70] {
        expect_note(&mut b, "/node/ended", id);
    }

    // /notify 0 stops them, client by client.
    a.ok("/notify", vec![i(0)], "/notify", 0);
    assert_eq!(c.status().notified_clients, 1);
    done_after(&mut c, 53, 0, 0.02, 0x21);
    expect_note(&mut b, "/node/done", 53);
    expect_note(&mut b, "/node/ended", 53);
    wait_gone(&mut c, 53);
    a.sync_quiet();
    b.ok("/notify", vec![i(0)], "/notify", 0);
    assert_eq!(c.status().notified_clients, 0);
    done_after(&mut c, 54, 0, 0.02, 0x21);
    c.ok("/node/free", vec![i(52)], "/node/free", 52);
    wait_gone(&mut c, 54);
    a.sync_quiet();
    b.sync_quiet();
    c.sync_quiet();
}

/// What an engine command's reply looks like, minus the error text.
fn key(m: &OscMessage) -> (String, Vec<OscType>) {
    (m.addr.clone(), m.args.iter().take(2).cloned().collect())
}

#[test]
fn synced_follows_every_earlier_reply_of_its_client() {
    let server = Server::start();
    let mut a = server.client();
    let mut b = server.client();
    let mut engine_replies = Vec::new();
    let mut parse_errors = Vec::new();
    // 100 datagrams from `a`, 40 from `b`: a burst, yet within what the sockets buffer.
    for k in 0..20 {
        let id = 100 + k;
        a.send("/group/new", vec![i(id), i(0), i(1)]);
        engine_replies.push(("/ack".to_owned(), vec![s("/group/new"), i(id)]));
        a.send("/synth/activate", vec![i(id)]);
        engine_replies.push(("/error".to_owned(), vec![s("/synth/activate"), i(23)]));
        a.send("/nope", vec![i(k)]);
        parse_errors.push(("/error".to_owned(), vec![s("/nope"), i(10)]));
        a.send("/node/free", vec![i(id + 1000)]);
        engine_replies.push(("/error".to_owned(), vec![s("/node/free"), i(21)]));
        a.send("/synth/new", vec![s("sine"), i(id + 2000), i(id), i(0), s("freq"), i(k)]);
        engine_replies.push(("/ack".to_owned(), vec![s("/synth/new"), i(id + 2000)]));
        // Another client's traffic in between changes nothing for `a`.
        b.send("/group/new", vec![i(5000 + k), i(0), i(1)]);
        b.send("/sync", vec![i(k)]);
        if k % 5 == 4 {
            a.poll_pending();
            b.poll_pending();
        }
    }
    a.send("/sync", vec![i(4242)]);
    let (synced, before) = a.expect_with_skipped("/synced");
    assert_eq!(synced.args, vec![i(4242)]);
    for m in before.iter().filter(|m| m.addr == "/error") {
        let (OscType::String(addr), OscType::Int(code)) = (&m.args[0], &m.args[1]) else { panic!("{m:?}") };
        assert_error(m, addr, *code);
    }
    // Engine replies keep the order of the commands; parse errors come as they are read.
    let (parsed, engine): (Vec<_>, Vec<_>) = before.iter().map(key).partition(|k| k.1[0] == s("/nope"));
    assert_eq!(engine, engine_replies);
    assert_eq!(parsed, parse_errors);
    // And nothing is left over.
    a.sync_quiet();

    // The other client got its own replies, in order.
    for k in 0..20 {
        b.expect_ack("/group/new", 5000 + k);
        let m = b.recv();
        assert_eq!((m.addr.as_str(), m.args), ("/synced", vec![i(k)]));
    }
    b.sync_quiet();

    // The same inside one bundle, /sync last.
    let mut bundle = Vec::new();
    for k in 0..10 {
        bundle.push(msg("/node/free", vec![i(2100 + k)]));
        bundle.push(msg("/node/free", vec![i(2100 + k)]));
    }
    bundle.push(msg("/sync", vec![i(7)]));
    a.send_bundle(bundle);
    for k in 0..10 {
        a.expect_ack("/node/free", 2100 + k);
        a.expect_error("/node/free", 21);
    }
    let m = a.recv();
    assert_eq!((m.addr.as_str(), m.args), ("/synced", vec![i(7)]));
    let t = a.tree(0);
    // The root, a's 20 groups and 10 remaining synths, b's 20 groups.
    assert_eq!(t.nodes.len(), 1 + 20 + 10 + 20, "{t:?}");
}
