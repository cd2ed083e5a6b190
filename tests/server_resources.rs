//! The resource system over loopback UDP against the real binary: every `/resource/*`
//! verb, the lifecycle notifications and their order, each failure mode of the resource
//! specification (seeds/002, "Failure modes"), and shutdown with Resources alive.
//!
//! `audio-buffer` is the Resource class used throughout; `sampler` holds one through its
//! `buffer` resource port.
mod support;
#[path = "support/wav.rs"]
mod wav;

use std::sync::Arc;
use std::time::{Duration, Instant};

use oscine_plugin_api::Registrar;
use rosc::{OscArray, OscMessage, OscType};
use support::in_process::InProcessServer;
use support::server::{assert_error, f, i, msg, s, Client, Server};
use support::test_defs::gated;
use wav::{Samples, TempPath};

/// Long enough for the largest construct (2 × 2,880,000 frames, unoptimized) on a busy
/// machine.
const SLOW: Duration = Duration::from_secs(20);

/// 60 s of stereo at 48 kHz: 23 MB to allocate and zero, so the construct takes a while.
const BIG_FRAMES: i32 = 48_000 * 60;

fn array(values: Vec<OscType>) -> OscType {
    OscType::Array(OscArray { content: values })
}

/// A message as (address, arguments), for comparing lists of messages.
fn m(addr: &str, args: Vec<OscType>) -> (String, Vec<OscType>) {
    (addr.to_owned(), args)
}

fn pairs(messages: Vec<OscMessage>) -> Vec<(String, Vec<OscType>)> {
    messages.into_iter().map(|x| (x.addr, x.args)).collect()
}

/// Asserts the next message is exactly `addr args`.
#[track_caller]
fn expect_msg(c: &mut Client, addr: &str, args: Vec<OscType>) {
    let got = c.recv();
    assert_eq!((got.addr.as_str(), &got.args[..]), (addr, &args[..]), "expected {addr} {args:?}, got {got:?}");
}

/// Every message up to and including `addr args`, waiting at most `timeout` in all.
#[track_caller]
fn collect_until(c: &mut Client, addr: &str, args: Vec<OscType>, timeout: Duration) -> Vec<(String, Vec<OscType>)> {
    let deadline = Instant::now() + timeout;
    let mut got = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match c.recv_timeout(left) {
            Some(x) => {
                let done = x.addr == addr && x.args == args;
                got.push((x.addr, x.args));
                if done {
                    return got;
                }
            }
            None => panic!("no {addr} {args:?} within {timeout:?}; received: {got:?}"),
        }
    }
}

/// `/resource/new audio-buffer id args...`, then waits for `/resource/ready id` as the next
/// message.
#[track_caller]
fn new_buffer(c: &mut Client, id: i32, args: Vec<OscType>) {
    let mut all = vec![s("audio-buffer"), i(id)];
    all.extend(args);
    c.send("/resource/new", all);
    match c.recv_timeout(SLOW) {
        Some(got) => assert_eq!(m(&got.addr, got.args), m("/resource/ready", vec![i(id)])),
        None => panic!("no /resource/ready {id} within {SLOW:?}"),
    }
}

/// `/resource/free id`: `/ack`, then `/resource/destroyed id`.
#[track_caller]
fn free_buffer(c: &mut Client, id: i32) {
    c.ok("/resource/free", vec![i(id)], "/resource/free", id);
    expect_msg(c, "/resource/destroyed", vec![i(id)]);
}

/// `/resource/perform id op args...`; asserts the reply is `/resource/performed id op ...`
/// and returns the values after the operation's name.
#[track_caller]
fn perform(c: &mut Client, id: i32, op: &str, args: Vec<OscType>) -> Vec<OscType> {
    let mut all = vec![i(id), s(op)];
    all.extend(args);
    c.send("/resource/perform", all);
    let got = c.recv_timeout(SLOW).unwrap_or_else(|| panic!("no reply to /resource/perform {id} {op}"));
    assert_eq!(got.addr, "/resource/performed", "{got:?}");
    assert_eq!(&got.args[..2], &[i(id), s(op)], "{got:?}");
    got.args[2..].to_vec()
}

/// A looping `sampler` holding `buffer`, at the tail of the root.
#[track_caller]
fn sampler(c: &mut Client, id: i32, buffer: i32) {
    c.ok(
        "/synth/new",
        vec![s("sampler"), i(id), i(0), i(1), s("buffer"), i(buffer), s("loop"), i(1)],
        "/synth/new",
        id,
    );
}

/// Stereo samples, interleaved: a sine plus a ramp, the channels apart.
fn known_stereo(frames: usize) -> Vec<f32> {
    (0..frames)
        .flat_map(|n| {
            let t = n as f32 / frames as f32;
            let x = (n as f32 * 0.0575).sin();
            [0.5 * x + 0.25 * t + 0.01, -0.4 * x - 0.25 * t - 0.02]
        })
        .collect()
}

#[test]
fn every_resource_verb_succeeds_and_notifies_the_right_clients() {
    let server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    let mut bystander = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    c.make_known();

    // The ResourceDefs, each followed by its operations.
    let got = c.request("/resource/list", vec![]);
    assert_eq!(
        m(&got.addr, got.args),
        m("/resource/list", vec![s("audio-buffer"), s("query,write,zero,read,set,setn,fill,gen,get,getn,copy,close")])
    );

    // /resource/ready goes to the sender and to the notified client, once each.
    new_buffer(&mut c, 1, vec![i(2), i(4800)]);
    assert_eq!(pairs(watcher.sync()), vec![m("/resource/ready", vec![i(1)])]);
    bystander.sync_quiet();
    c.sync_quiet();

    let values = perform(&mut c, 1, "query", vec![]);
    assert_eq!(values, vec![i(2), i(4800), OscType::Double(48_000.0)]);

    // read: a known file replaces the (silent) contents; it is exclusive, nothing holds it.
    let source = TempPath::new("verbs-source.wav");
    let samples = known_stereo(4800);
    wav::write_float(source.path(), 2, 48_000, &samples);
    assert_eq!(perform(&mut c, 1, "read", vec![s(&source.string())]), vec![i(4800)]);

    // write: float by default, then int16 and int24; reply `path frames`.
    let out = TempPath::new("verbs-out.wav");
    assert_eq!(perform(&mut c, 1, "write", vec![s(&out.string())]), vec![s(&out.string()), i(4800)]);
    let w = wav::read(out.path());
    assert_eq!((w.format, w.channels, w.sample_rate, w.bits, w.frames()), (3, 2, 48_000, 32, 4800));
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&w.as_f32()), bits(&samples), "the buffer wrote back what it read");
    assert_eq!(perform(&mut c, 1, "write", vec![s(&out.string()), s("int16")]), vec![s(&out.string()), i(4800)]);
    let w = wav::read(out.path());
    assert_eq!((w.format, w.channels, w.sample_rate, w.bits, w.frames()), (1, 2, 48_000, 16, 4800));
    let quantized: Vec<i16> =
        samples.iter().map(|x| (x * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16).collect();
    assert_eq!(w.samples, Samples::Int16(quantized));
    assert_eq!(perform(&mut c, 1, "write", vec![s(&out.string()), s("int24")]), vec![s(&out.string()), i(4800)]);
    let w = wav::read(out.path());
    assert_eq!((w.format, w.bits, w.frames()), (1, 24, 4800));
    assert!(w.as_f32().iter().zip(&samples).all(|(a, b)| (a - b).abs() <= 0.5 / 8_388_608.0));

    // zero: no values; the buffer is silent afterwards.
    assert_eq!(perform(&mut c, 1, "zero", vec![]), vec![]);
    perform(&mut c, 1, "write", vec![s(&out.string())]);
    let w = wav::read(out.path());
    assert_eq!(w.frames(), 4800);
    assert!(w.as_f32().iter().all(|x| x.to_bits() == 0), "zero left samples behind");

    // Operation replies go to the sender only.
    watcher.sync_quiet();
    bystander.sync_quiet();

    // /resource/free: acknowledged, then /resource/destroyed to the sender and the watcher.
    free_buffer(&mut c, 1);
    assert_eq!(pairs(watcher.sync()), vec![m("/resource/destroyed", vec![i(1)])]);
    bystander.sync_quiet();

    // The id is Free again: reused, with the arguments as one array and a sample rate.
    new_buffer(&mut c, 1, vec![array(vec![i(1), i(10), f(44_100.0)])]);
    assert_eq!(perform(&mut c, 1, "query", vec![]), vec![i(1), i(10), OscType::Double(44_100.0)]);
    // Loaded from a file: the file's shape and rate.
    wav::write_int16(source.path(), 1, 22_050, &[1, -2, 3]);
    new_buffer(&mut c, 2, vec![s(&source.string())]);
    assert_eq!(perform(&mut c, 2, "query", vec![]), vec![i(1), i(3), OscType::Double(22_050.0)]);
    assert_eq!(pairs(watcher.sync()), vec![m("/resource/ready", vec![i(1)]), m("/resource/ready", vec![i(2)])]);

    // Several ids in one /resource/free: one ack each, then one destroyed each.
    c.send("/resource/free", vec![i(1), i(2)]);
    c.expect_ack("/resource/free", 1);
    c.expect_ack("/resource/free", 2);
    let mut destroyed = vec![c.recv(), c.recv()];
    destroyed.sort_by_key(|x| format!("{:?}", x.args));
    assert_eq!(pairs(destroyed), vec![m("/resource/destroyed", vec![i(1)]), m("/resource/destroyed", vec![i(2)])]);

    // A sender that is also notified hears each notification once.
    c.ok("/notify", vec![i(1)], "/notify", 1);
    new_buffer(&mut c, 3, vec![i(1), i(1)]);
    free_buffer(&mut c, 3);
    c.sync_quiet();
    let mut seen = pairs(watcher.sync());
    seen.sort_by_key(|x| format!("{x:?}"));
    assert_eq!(
        seen,
        vec![
            m("/resource/destroyed", vec![i(1)]),
            m("/resource/destroyed", vec![i(2)]),
            m("/resource/destroyed", vec![i(3)]),
            m("/resource/ready", vec![i(3)]),
        ]
    );
    bystander.sync_quiet();
}

#[test]
fn sync_waits_for_constructs_operations_and_destroys() {
    let server = Server::start();
    let mut c = server.client();
    // /synced comes after /resource/ready, however long the construct takes.
    for (id, frames) in [(1, 10), (2, 480_000), (3, BIG_FRAMES)] {
        c.send("/resource/new", vec![s("audio-buffer"), i(id), i(2), i(frames)]);
        c.send("/sync", vec![i(id)]);
        let got = collect_until(&mut c, "/synced", vec![i(id)], SLOW);
        assert_eq!(got, vec![m("/resource/ready", vec![i(id)]), m("/synced", vec![i(id)])]);
    }
    // After an operation's reply: write the big one (slow), then sync.
    let out = TempPath::new("sync-big.wav");
    c.send_bundle(vec![
        msg("/resource/perform", vec![i(3), s("write"), s(&out.string()), s("int16")]),
        msg("/sync", vec![i(10)]),
    ]);
    let got = collect_until(&mut c, "/synced", vec![i(10)], SLOW);
    assert_eq!(
        got,
        vec![
            m("/resource/performed", vec![i(3), s("write"), s(&out.string()), i(BIG_FRAMES)]),
            m("/synced", vec![i(10)])
        ]
    );
    assert_eq!(wav::read(out.path()).frames(), BIG_FRAMES as usize);
    // After a destroy.
    c.send_bundle(vec![msg("/resource/free", vec![i(1), i(2), i(3)]), msg("/sync", vec![i(11)])]);
    let mut got = collect_until(&mut c, "/synced", vec![i(11)], SLOW);
    assert_eq!(got.pop(), Some(m("/synced", vec![i(11)])));
    assert_eq!(&got[..3], &[1, 2, 3].map(|id| m("/ack", vec![s("/resource/free"), i(id)]))[..]);
    got[3..].sort_by_key(|x| format!("{x:?}"));
    assert_eq!(&got[3..], &[1, 2, 3].map(|id| m("/resource/destroyed", vec![i(id)]))[..]);
}

#[test]
fn a_synth_sent_right_after_ready_always_binds() {
    let server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    for round in 0..20 {
        let id = 1 + round % 3;
        // Sizes vary so constructs take different times.
        c.send("/resource/new", vec![s("audio-buffer"), i(id), i(1), i(1 + round * 7919)]);
        // The sender binds it the moment it hears it is ready...
        expect_msg(&mut c, "/resource/ready", vec![i(id)]);
        c.ok(
            "/synth/new",
            vec![s("sampler"), i(100), i(0), i(0), s("buffer"), i(id), s("loop"), i(1)],
            "/synth/new",
            100,
        );
        // ...and so does a notified client, from its own notification.
        expect_msg(&mut watcher, "/resource/ready", vec![i(id)]);
        watcher.ok(
            "/synth/new",
            vec![s("sampler"), i(101), i(0), i(0), s("buffer"), i(id), s("loop"), i(1)],
            "/synth/new",
            101,
        );
        c.send("/node/free", vec![i(100), i(101)]);
        c.expect_ack("/node/free", 100);
        c.expect_ack("/node/free", 101);
        free_buffer(&mut c, id);
        let mut seen = pairs(watcher.sync());
        seen.retain(|x| x.0 != "/node/ended");
        assert_eq!(seen, vec![m("/resource/destroyed", vec![i(id)])], "round {round}");
    }
    c.sync_quiet();
}

#[test]
fn free_while_held_waits_for_the_last_holder() {
    let server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    new_buffer(&mut c, 1, vec![i(2), i(4800)]);
    sampler(&mut c, 10, 1);
    sampler(&mut c, 11, 1);
    expect_msg(&mut watcher, "/resource/ready", vec![i(1)]);

    // Acknowledged, but not destroyed while two samplers hold it.
    c.ok("/resource/free", vec![i(1)], "/resource/free", 1);
    c.sync_quiet();
    // A second free while the first is pending: 64.
    c.fails("/resource/free", vec![i(1)], "/resource/free", 64);
    // Nothing new can take hold of it: operations and binds fail with 65.
    c.fails("/resource/perform", vec![i(1), s("query")], "/resource/perform", 65);
    c.fails("/synth/new", vec![s("sampler"), i(12), i(0), i(1), s("buffer"), i(1)], "/synth/new", 65);
    assert!(c.tree(0).node(12).is_none(), "a synth that could not bind must not be created");
    // The id is still taken.
    c.fails("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(1)], "/resource/new", 61);

    // One holder left: still not destroyed.
    c.ok("/node/free", vec![i(10)], "/node/free", 10);
    c.sync_quiet();
    // The last holder goes: destroyed, without any further command.
    c.ok("/node/free", vec![i(11)], "/node/free", 11);
    expect_msg(&mut c, "/resource/destroyed", vec![i(1)]);
    let seen = pairs(watcher.sync());
    assert_eq!(
        seen,
        vec![m("/node/ended", vec![i(10)]), m("/node/ended", vec![i(11)]), m("/resource/destroyed", vec![i(1)])]
    );
    // Free again, and reusable.
    c.fails("/resource/free", vec![i(1)], "/resource/free", 63);
    new_buffer(&mut c, 1, vec![i(1), i(10)]);

    // An operation in flight holds the buffer too: a free during a slow write is
    // acknowledged, the write completes, then the buffer is destroyed.
    new_buffer(&mut c, 2, vec![i(2), i(BIG_FRAMES)]);
    let out = TempPath::new("held-by-write.wav");
    c.send_bundle(vec![
        msg("/resource/perform", vec![i(2), s("write"), s(&out.string()), s("int16")]),
        msg("/resource/free", vec![i(2)]),
    ]);
    let got = collect_until(&mut c, "/resource/destroyed", vec![i(2)], SLOW);
    assert_eq!(
        got,
        vec![
            m("/ack", vec![s("/resource/free"), i(2)]),
            m("/resource/performed", vec![i(2), s("write"), s(&out.string()), i(BIG_FRAMES)]),
            m("/resource/destroyed", vec![i(2)]),
        ]
    );
    assert_eq!(wav::read(out.path()).frames(), BIG_FRAMES as usize);
    c.sync_quiet();
}

#[test]
fn free_during_construct_destroys_once_built() {
    let server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    // The free is applied while the worker is still building the buffer.
    c.send_bundle(vec![
        msg("/resource/new", vec![s("audio-buffer"), i(1), i(2), i(BIG_FRAMES)]),
        msg("/resource/free", vec![i(1)]),
    ]);
    let got = collect_until(&mut c, "/resource/destroyed", vec![i(1)], SLOW);
    assert_eq!(
        got,
        vec![
            m("/ack", vec![s("/resource/free"), i(1)]),
            m("/resource/ready", vec![i(1)]),
            m("/resource/destroyed", vec![i(1)]),
        ]
    );
    let got = collect_until(&mut watcher, "/resource/destroyed", vec![i(1)], SLOW);
    assert_eq!(got, vec![m("/resource/ready", vec![i(1)]), m("/resource/destroyed", vec![i(1)])]);
    c.sync_quiet();
    watcher.sync_quiet();
    // Nothing binds it meanwhile: a bind during the construct fails, as does a second free.
    c.send_bundle(vec![
        msg("/resource/new", vec![s("audio-buffer"), i(1), i(2), i(BIG_FRAMES)]),
        msg("/synth/new", vec![s("sampler"), i(10), i(0), i(0), s("buffer"), i(1)]),
        msg("/resource/perform", vec![i(1), s("query")]),
        msg("/resource/free", vec![i(1)]),
        msg("/resource/free", vec![i(1)]),
        msg("/sync", vec![i(5)]),
    ]);
    // The network side refuses the operation at once: no /resource/ready yet.
    assert_error(&c.recv(), "/resource/perform", 71);
    assert_error(&c.recv(), "/synth/new", 65);
    c.expect_ack("/resource/free", 1);
    assert_error(&c.recv(), "/resource/free", 64);
    // The /sync waits for the construct and the destroy that follows it.
    let got = collect_until(&mut c, "/synced", vec![i(5)], SLOW);
    assert_eq!(
        got,
        vec![m("/resource/ready", vec![i(1)]), m("/resource/destroyed", vec![i(1)]), m("/synced", vec![i(5)])]
    );
    // The id is Free again.
    new_buffer(&mut c, 1, vec![i(1), i(10)]);
    assert!(c.tree(0).node(10).is_none());
    free_buffer(&mut c, 1);

    // Freed while a construct that fails is running: the error, and nothing to destroy.
    let missing = TempPath::new("freed-missing.wav");
    c.send_bundle(vec![
        msg("/resource/new", vec![s("audio-buffer"), i(1), s(&missing.string())]),
        msg("/resource/free", vec![i(1)]),
        msg("/sync", vec![i(6)]),
    ]);
    c.expect_ack("/resource/free", 1);
    let got = c.recv();
    assert_eq!((got.addr.as_str(), &got.args[..1]), ("/resource/error", &[i(1)][..]), "{got:?}");
    expect_msg(&mut c, "/synced", vec![i(6)]);
    c.sync_quiet();
    new_buffer(&mut c, 1, vec![i(1), i(10)]);
    watcher.sync();
}

#[test]
fn construct_failures_notify_and_free_the_id() {
    let server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    let mut bystander = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    let missing = TempPath::new("missing.wav");
    let not_wav = TempPath::new("not-a-wav.wav");
    std::fs::write(not_wav.path(), "just words").unwrap();
    let cases: Vec<(Vec<OscType>, Vec<&str>)> = vec![
        (vec![s(&missing.string())], vec!["cannot load", "missing.wav"]),
        (vec![s(&not_wav.string())], vec!["not-a-wav.wav", "not a readable WAV file"]),
        (vec![], vec!["channels, frames"]),
        (vec![i(2)], vec!["channels, frames"]),
        (vec![i(0), i(10)], vec!["1 to 1024 channels, not 0"]),
        (vec![i(1), i(0)], vec!["at least one frame"]),
        (vec![i(1), i(-5)], vec!["frames cannot be negative"]),
        (vec![f(1.5), i(10)], vec!["channels is not a whole number"]),
        (vec![i(1), i(10), f(0.0)], vec!["sample rate"]),
        (vec![array(vec![i(1), i(2), i(3), i(4)])], vec!["channels, frames"]),
        (vec![i(1024), OscType::Long(1 << 40)], vec!["exceed the limit"]),
    ];
    for (args, parts) in cases {
        let mut all = vec![s("audio-buffer"), i(7)];
        all.extend(args.clone());
        c.send("/resource/new", all);
        for client in [&mut c, &mut watcher] {
            let got = client.recv();
            assert_eq!(got.addr, "/resource/error", "{args:?}: {got:?}");
            assert_eq!(got.args.len(), 2, "{got:?}");
            assert_eq!(got.args[0], i(7), "{got:?}");
            let OscType::String(reason) = &got.args[1] else { panic!("reason must be a string: {got:?}") };
            for part in &parts {
                assert!(reason.contains(part), "{args:?}: reason {reason:?} lacks {part:?}");
            }
        }
        // The id is Free again: an operation on it is refused as never created (71),
        // freeing it as not live (63).
        c.fails("/resource/perform", vec![i(7), s("query")], "/resource/perform", 71);
        c.fails("/resource/free", vec![i(7)], "/resource/free", 63);
    }
    bystander.sync_quiet();
    // ...and a good construct with the same id succeeds.
    new_buffer(&mut c, 7, vec![i(1), i(10)]);
    assert_eq!(perform(&mut c, 7, "query", vec![]), vec![i(1), i(10), OscType::Double(48_000.0)]);
    // A /sync waits for a failing construct too.
    c.send_bundle(vec![
        msg("/resource/new", vec![s("audio-buffer"), i(8), s(&missing.string())]),
        msg("/sync", vec![i(3)]),
    ]);
    let got = c.recv();
    assert_eq!(got.addr, "/resource/error", "{got:?}");
    expect_msg(&mut c, "/synced", vec![i(3)]);
}

#[test]
fn validation_failures_are_replied_as_errors() {
    let server = Server::start_with(&["--max-resources", "4"]);
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    // 60: ids are 0..4.
    for id in [4, 5000, -1, i32::MAX] {
        let text = c.fails("/resource/new", vec![s("audio-buffer"), i(id), i(1), i(10)], "/resource/new", 60);
        assert!(text.contains("out of range"), "{text}");
        c.fails("/resource/free", vec![i(id)], "/resource/free", 60);
    }
    for id in 0..4 {
        new_buffer(&mut c, id, vec![i(1), i(10)]);
    }
    // 61: taken, while Live and while Constructing.
    c.fails("/resource/new", vec![s("audio-buffer"), i(3), i(1), i(10)], "/resource/new", 61);
    free_buffer(&mut c, 3);
    c.send_bundle(vec![
        msg("/resource/new", vec![s("audio-buffer"), i(3), i(2), i(BIG_FRAMES)]),
        msg("/resource/new", vec![s("audio-buffer"), i(3), i(1), i(10)]),
    ]);
    assert_error(&c.recv(), "/resource/new", 61);
    expect_msg(&mut c, "/resource/ready", vec![i(3)]);
    // 62: no such definition (the id is not even looked at).
    let text = c.fails("/resource/new", vec![s("no-such-def"), i(2), i(1), i(10)], "/resource/new", 62);
    assert!(text.contains("no-such-def"), "{text}");
    // 63: never created, or already destroyed.
    c.ok("/resource/free", vec![i(0)], "/resource/free", 0);
    expect_msg(&mut c, "/resource/destroyed", vec![i(0)]);
    c.fails("/resource/free", vec![i(0)], "/resource/free", 63);
    // 70: unknown operation, 71: operation on an id never created.
    let text = c.fails("/resource/perform", vec![i(1), s("normalize")], "/resource/perform", 70);
    assert!(text.contains("normalize") && text.contains("query"), "{text}");
    c.fails("/resource/perform", vec![i(0), s("query")], "/resource/perform", 71);
    c.fails("/resource/perform", vec![i(3000), s("query")], "/resource/perform", 71);
    // 45: a resource port takes a non-negative integer id (or -1 to unbind).
    sampler(&mut c, 10, 1);
    for bad in [f(1.5), f(-2.0)] {
        c.fails("/node/set", vec![i(10), s("buffer"), bad], "/node/set", 45);
    }
    // NaN is no control value at all (13).
    c.fails("/node/set", vec![i(10), s("buffer"), f(f32::NAN)], "/node/set", 13);
    // The same at /synth/new is refused before it reaches the engine (16).
    c.fails("/synth/new", vec![s("sampler"), i(11), i(0), i(1), s("buffer"), f(1.5)], "/synth/new", 16);
    // Argument types: a resource id is an integer.
    c.fails("/resource/free", vec![s("one")], "/resource/free", 12);
    c.fails("/resource/perform", vec![f(1.0), s("query")], "/resource/perform", 12);
    c.fails("/resource/new", vec![s("audio-buffer")], "/resource/new", 11);
    // Every error went to the sender only; the watcher saw lifecycle notifications only.
    let seen = pairs(watcher.sync());
    assert!(
        seen.iter().all(|x| x.0 == "/resource/ready" || x.0 == "/resource/destroyed"),
        "the watcher got more than notifications: {seen:?}"
    );
    c.sync_quiet();
}

#[test]
fn bind_failures_leave_no_synth_and_keep_old_bindings() {
    let server = Server::start();
    let mut c = server.client();
    // 65 at /synth/new: the buffer is not live; the synth is not created.
    let text = c.fails("/synth/new", vec![s("sampler"), i(10), i(0), i(0), s("buffer"), i(9)], "/synth/new", 65);
    assert!(text.contains('9'), "{text}");
    assert!(c.tree(0).node(10).is_none(), "{:?}", c.tree(0));
    // Also when bound by index: the resource port follows the 4 controls.
    c.fails("/synth/new", vec![s("sampler"), i(10), i(0), i(0), i(4), i(9)], "/synth/new", 65);
    assert!(c.tree(0).node(10).is_none());

    new_buffer(&mut c, 1, vec![i(2), i(4800)]);
    new_buffer(&mut c, 2, vec![i(1), i(4800)]);
    c.ok("/synth/new", vec![s("sampler"), i(10), i(0), i(0), i(4), i(1), s("loop"), i(1)], "/synth/new", 10);

    // 65 at /node/set: re-binding to an id that is not live keeps the old binding, so
    // freeing the old buffer stays pending while the synth lives.
    c.fails("/node/set", vec![i(10), s("buffer"), i(9)], "/node/set", 65);
    c.fails("/node/set", vec![i(10), s("buffer"), i(5000)], "/node/set", 65);
    // The other changes of the message are applied all the same.
    c.fails("/node/set", vec![i(10), s("amp"), f(0.5), s("buffer"), i(9)], "/node/set", 65);
    assert_eq!(c.tree(0).control(10, "amp"), Some(0.5));
    // Exclusive operations find it held (66) and have no effect.
    let marker = TempPath::new("bind-marker.wav");
    wav::write_float(marker.path(), 2, 48_000, &known_stereo(4800));
    c.fails("/resource/perform", vec![i(1), s("read"), s(&marker.string())], "/resource/perform", 66);
    c.fails("/resource/perform", vec![i(1), s("zero")], "/resource/perform", 66);
    c.ok("/resource/free", vec![i(1)], "/resource/free", 1);
    c.sync_quiet();
    // A successful re-bind lets go of the old buffer: destroyed at once.
    c.ok("/node/set", vec![i(10), s("buffer"), i(2)], "/node/set", 10);
    expect_msg(&mut c, "/resource/destroyed", vec![i(1)]);
    // The new one is held now.
    c.fails("/resource/perform", vec![i(2), s("zero")], "/resource/perform", 66);
    // A shared operation still runs.
    assert_eq!(perform(&mut c, 2, "query", vec![]), vec![i(1), i(4800), OscType::Double(48_000.0)]);
    c.ok("/resource/free", vec![i(2)], "/resource/free", 2);
    c.sync_quiet();
    c.ok("/node/free", vec![i(10)], "/node/free", 10);
    expect_msg(&mut c, "/resource/destroyed", vec![i(2)]);
    c.sync_quiet();
}

#[test]
fn exclusive_operations_on_a_held_buffer_are_refused_without_effect() {
    let server = Server::start();
    let mut c = server.client();
    let source = TempPath::new("held-source.wav");
    let samples = known_stereo(2400);
    wav::write_float(source.path(), 2, 48_000, &samples);
    new_buffer(&mut c, 1, vec![s(&source.string())]);
    sampler(&mut c, 10, 1);
    let text = c.fails("/resource/perform", vec![i(1), s("zero")], "/resource/perform", 66);
    assert!(text.contains("exclusive"), "{text}");
    // Nothing changed: the contents written out are still the file's.
    let out = TempPath::new("held-out.wav");
    perform(&mut c, 1, "write", vec![s(&out.string())]);
    assert_eq!(wav::read(out.path()).samples, Samples::Float(samples.clone()));
    // Once the sampler is gone, zero runs.
    c.ok("/node/free", vec![i(10)], "/node/free", 10);
    assert_eq!(perform(&mut c, 1, "zero", vec![]), vec![]);
    perform(&mut c, 1, "write", vec![s(&out.string())]);
    assert!(wav::read(out.path()).as_f32().iter().all(|x| *x == 0.0));

    // An operation in flight holds its buffer too: an exclusive one sent while it runs is
    // refused at once, and the one in flight completes.
    new_buffer(&mut c, 2, vec![i(2), i(BIG_FRAMES)]);
    let big = TempPath::new("held-big.wav");
    c.send_bundle(vec![
        msg("/resource/perform", vec![i(2), s("write"), s(&big.string()), s("int16")]),
        msg("/resource/perform", vec![i(2), s("zero")]),
        msg("/resource/perform", vec![i(2), s("query")]),
    ]);
    assert_error(&c.recv(), "/resource/perform", 66);
    let mut got = vec![c.recv_timeout(SLOW).expect("a reply"), c.recv_timeout(SLOW).expect("a reply")];
    got.sort_by_key(|x| format!("{:?}", x.args));
    assert_eq!(
        pairs(got),
        vec![
            m("/resource/performed", vec![i(2), s("query"), i(2), i(BIG_FRAMES), OscType::Double(48_000.0)]),
            m("/resource/performed", vec![i(2), s("write"), s(&big.string()), i(BIG_FRAMES)]),
        ]
    );
    // Two exclusive operations back to back: the second finds the first holding it.
    c.send_bundle(vec![
        msg("/resource/perform", vec![i(1), s("zero")]),
        msg("/resource/perform", vec![i(1), s("zero")]),
    ]);
    assert_error(&c.recv(), "/resource/perform", 66);
    expect_msg(&mut c, "/resource/performed", vec![i(1), s("zero")]);
    c.sync_quiet();
}

#[test]
fn operation_failures_in_the_plugin_are_error_68() {
    let server = Server::start();
    let mut c = server.client();
    new_buffer(&mut c, 1, vec![i(2), i(100)]);
    let dir = TempPath::new("no-such-dir");
    let nowhere = dir.path().join("out.wav");
    let nowhere = nowhere.to_str().unwrap();
    let text = c.fails("/resource/perform", vec![i(1), s("write"), s(nowhere)], "/resource/perform", 68);
    assert!(text.contains("cannot write") && text.contains("out.wav"), "{text}");
    assert!(!dir.path().exists());
    // Bad arguments and unreadable files are operation failures too.
    let missing = TempPath::new("gone.wav");
    for (args, part) in [
        (vec![s("write"), s(nowhere), s("mp3")], "unknown format 'mp3'"),
        (vec![s("write")], "write takes a path"),
        (vec![s("query"), i(1)], "query takes no arguments"),
        (vec![s("read"), s(&missing.string())], "gone.wav"),
    ] {
        let mut all = vec![i(1)];
        all.extend(args.clone());
        let text = c.fails("/resource/perform", all, "/resource/perform", 68);
        assert!(text.contains(part), "{args:?}: {text}");
    }
    // A mono file into a stereo buffer: the channel counts must match.
    let mono = TempPath::new("mono.wav");
    wav::write_int16(mono.path(), 1, 48_000, &[1, 2, 3]);
    let text = c.fails("/resource/perform", vec![i(1), s("read"), s(&mono.string())], "/resource/perform", 68);
    assert!(text.contains("channels"), "{text}");
    // The buffer is released after each failure: an exclusive operation still runs, and
    // the buffer frees at once.
    assert_eq!(perform(&mut c, 1, "zero", vec![]), vec![]);
    free_buffer(&mut c, 1);
    c.sync_quiet();
}

#[test]
fn quit_destroys_every_resource_before_acknowledging() {
    let mut server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    new_buffer(&mut c, 1, vec![i(2), i(4800)]);
    new_buffer(&mut c, 2, vec![i(1), i(100)]);
    sampler(&mut c, 10, 1);
    // Buffer 3 is still being built when /quit arrives, and buffer 4's construct is
    // about to fail.
    let missing = TempPath::new("quit-missing.wav");
    c.send_bundle(vec![
        msg("/resource/new", vec![s("audio-buffer"), i(3), i(2), i(BIG_FRAMES)]),
        msg("/resource/new", vec![s("audio-buffer"), i(4), s(&missing.string())]),
        msg("/quit", vec![]),
    ]);
    let got = collect_until(&mut c, "/ack", vec![s("/quit"), i(0)], SLOW);
    let check = |who: &str, got: &[(String, Vec<OscType>)]| {
        for id in [1, 2, 3] {
            let destroyed = got.iter().filter(|x| **x == m("/resource/destroyed", vec![i(id)])).count();
            assert_eq!(destroyed, 1, "{who}: /resource/destroyed {id} once before the end: {got:?}");
        }
        assert!(got.contains(&m("/node/ended", vec![i(10)])), "{who}: {got:?}");
        let errors: Vec<_> = got.iter().filter(|x| x.0 == "/resource/error").collect();
        assert!(errors.len() == 1 && errors[0].1[0] == i(4), "{who}: one /resource/error 4: {got:?}");
        // If buffer 3 was announced, it was before its destroy.
        let ready = got.iter().position(|x| *x == m("/resource/ready", vec![i(3)]));
        let destroyed = got.iter().position(|x| *x == m("/resource/destroyed", vec![i(3)]));
        assert!(ready.is_none_or(|r| Some(r) < destroyed), "{who}: {got:?}");
        // Nothing unexpected.
        assert!(
            got.iter().all(|x| matches!(
                x.0.as_str(),
                "/resource/destroyed" | "/resource/ready" | "/resource/error" | "/node/ended" | "/ack"
            )),
            "{who}: {got:?}"
        );
    };
    check("quitting client", &got);
    let status = server.wait_exit(Duration::from_secs(10));
    let status = status.unwrap_or_else(|| panic!("oscine still running 10 s after /quit:\n{}", server.log()));
    assert_eq!(status.code(), Some(0), "exit status {status}; stderr:\n{}", server.log());
    // The watcher heard the same, and nothing after: the server has exited, so what it
    // sent is all in the watcher's socket once the notifications it must get are.
    let mut seen = Vec::new();
    let heard_all = |seen: &[(String, Vec<OscType>)]| {
        [1, 2, 3].iter().all(|id| seen.contains(&m("/resource/destroyed", vec![i(*id)])))
            && seen.contains(&m("/node/ended", vec![i(10)]))
            && seen.iter().any(|x| x.0 == "/resource/error")
    };
    while !heard_all(&seen) {
        let x = watcher.recv_timeout(SLOW).unwrap_or_else(|| panic!("the watcher heard only {seen:?}"));
        seen.push((x.addr, x.args));
    }
    seen.extend(pairs(watcher.received_so_far()));
    seen.push(m("/ack", vec![s("/quit"), i(0)]));
    check("watcher", &seen);
    let after = c.received_so_far();
    assert!(after.is_empty(), "after the /quit ack: {after:?}");
}

#[test]
fn sigterm_destroys_every_resource() {
    let mut server = Server::start();
    let mut c = server.client();
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    new_buffer(&mut c, 1, vec![i(2), i(4800)]);
    sampler(&mut c, 10, 1);
    new_buffer(&mut c, 2, vec![i(1), i(100)]);
    let mut got = pairs(watcher.sync());
    assert_eq!(got, vec![m("/resource/ready", vec![i(1)]), m("/resource/ready", vec![i(2)])]);
    server.terminate();
    got.clear();
    while got.len() < 3 {
        let x = watcher.recv_timeout(SLOW).unwrap_or_else(|| panic!("after SIGTERM only {got:?}"));
        got.push((x.addr, x.args));
    }
    got.sort_by_key(|x| format!("{x:?}"));
    assert_eq!(
        got,
        vec![m("/node/ended", vec![i(10)]), m("/resource/destroyed", vec![i(1)]), m("/resource/destroyed", vec![i(2)])]
    );
    let status = server.wait_exit(Duration::from_secs(10));
    let status = status.unwrap_or_else(|| panic!("oscine still running 10 s after SIGTERM:\n{}", server.log()));
    assert_eq!(status.code(), Some(0), "exit status {status}; stderr:\n{}", server.log());
}

// ---------------------------------------------------------------------------------------
// Bugs found by this suite. Each test states the expected behaviour; they are ignored
// until the code is fixed (run them with `cargo test --test server_resources -- --ignored`).
// ---------------------------------------------------------------------------------------

/// BUG: when client B frees a resource that client A is still constructing, A (the client
/// that asked for the construct) never hears `/resource/ready` — it goes to B — and A's
/// `/sync` no longer waits for the construct it started.
///
/// Cause: `ResourcePool::free` overwrites the entry's `requester` (client and sequence
/// number) with the freeing client's while the entry is Constructing; the engine then
/// addresses `ResourceReady` to `requester(id).client`, and `ResourcePool::busy_for`
/// matches `/sync`s against that single requester. Fix: keep the construct's requester
/// for the ready notification and for `/sync`, and the free's for the destroy.
#[test]
fn a_construct_freed_by_another_client_is_still_announced_to_its_creator() {
    // A construct that cannot finish before the test opens its gate.
    let (def, gate) = gated();
    let server = InProcessServer::start(move |r| r.register_resource_def(Arc::new(def)));
    let mut a = server.client();
    let mut b = server.client();
    a.send("/resource/new", vec![s("test-gated"), i(1), i(5)]);
    gate.wait_entered();
    b.ok("/resource/free", vec![i(1)], "/resource/free", 1);
    // A's /sync comes after its construct. The ack of a later command shows the /sync was
    // taken while the construct still waits, and not answered.
    a.send("/sync", vec![i(1)]);
    a.send("/group/new", vec![i(9), i(0), i(0)]);
    let (ack, before) = a.expect_with_skipped("/ack");
    assert_eq!(ack.args, vec![s("/group/new"), i(9)]);
    assert!(before.is_empty(), "answered before the construct finished: {before:?}");
    gate.open();
    let got = collect_until(&mut a, "/synced", vec![i(1)], SLOW);
    assert_eq!(got, vec![m("/resource/ready", vec![i(1)]), m("/synced", vec![i(1)])], "the creator's view");
    // B, who freed it, hears it destroyed.
    let got = collect_until(&mut b, "/resource/destroyed", vec![i(1)], SLOW);
    assert_eq!(got, vec![m("/resource/destroyed", vec![i(1)])]);
    assert_eq!(gate.destroyed(), 1);
    a.sync_quiet();
    b.sync_quiet();
}

/// BUG: a `/resource/new` the engine rejects (here: id out of range, 60) still makes the
/// network side believe the id was created: a later `/resource/perform` on it gets 65
/// ("cannot use resource 5000: resource id out of range") instead of 71 ("never created").
/// The same bookkeeping grows without bound: every rejected id stays in
/// `Server::resource_defs` for good (a client cycling through ids fills it).
///
/// Cause: `Server::on_message` inserts into `resource_defs` for every `ResourceNew` it
/// forwards, before the engine has validated it; only `ResourceFailed` and
/// `ResourceDestroyed` events remove entries, and a rejected construct produces neither.
#[test]
fn a_rejected_new_does_not_make_its_id_known() {
    let server = Server::start();
    let mut c = server.client();
    c.fails("/resource/new", vec![s("audio-buffer"), i(5000), i(1), i(10)], "/resource/new", 60);
    c.fails("/resource/perform", vec![i(5001), s("query")], "/resource/perform", 71);
    c.fails("/resource/perform", vec![i(5000), s("query")], "/resource/perform", 71);
}

/// BUG: an id re-created right after its previous life ended — after the engine freed it
/// but before the network thread handled that event (a window of up to one driver period
/// plus one event poll, about 5–10 ms on the dummy driver) — is Live in the engine, but
/// every `/resource/perform` on it fails with 71 "never created" until it is freed.
///
/// Cause: `Server::on_message` only inserts into `resource_defs` if the id is absent (the
/// old entry is still there), and the late `ResourceFailed`/`ResourceDestroyed` event then
/// removes the entry the new construct needs. Seen here in more than half of the
/// re-creations that land in the window.
#[test]
fn an_id_recreated_just_after_its_previous_life_is_usable() {
    let server = Server::start();
    let mut c = server.client();
    let missing = TempPath::new("recreate-missing.wav");
    let mut accepted = 0;
    for round in 0.. {
        // A construct that fails, or a buffer that is freed; then, without waiting for the
        // notification, the same id again after a delay swept across the window. Should
        // none of the 120 land after the first life's end (a slow machine), the delay
        // doubles until one does.
        let delay = match round {
            0..120 => Duration::from_micros(250 * (round % 60)),
            _ if accepted > 0 => break,
            120..=130 => Duration::from_millis(15 << (round - 120)),
            _ => panic!("no re-creation was accepted, even 15 s after the first life ended"),
        };
        if round % 2 == 0 {
            c.send("/resource/new", vec![s("audio-buffer"), i(1), s(&missing.string())]);
        } else {
            new_buffer(&mut c, 1, vec![i(1), i(10)]);
            c.send("/resource/free", vec![i(1)]);
        }
        std::thread::sleep(delay);
        c.send("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(10)]);
        // The first life's end and the second /resource/new's answer, in either order.
        let mut got = Vec::new();
        while !got.iter().any(|x: &OscMessage| x.addr == "/resource/ready" || x.addr == "/error") {
            got.push(c.recv());
        }
        if got.iter().any(|x| x.addr == "/resource/ready") {
            accepted += 1;
            while !got.iter().any(|x| x.addr == "/resource/error" || x.addr == "/resource/destroyed") {
                got.push(c.recv());
            }
            c.send("/resource/perform", vec![i(1), s("query")]);
            let reply = c.recv();
            assert_eq!(
                reply.addr, "/resource/performed",
                "round {round} (delay {delay:?}): resource 1 is live (after {got:?}) but: {reply:?}"
            );
            free_buffer(&mut c, 1);
        } else {
            // Too early: refused as in use; wait for the first life to end.
            while !got.iter().any(|x| x.addr == "/resource/error" || x.addr == "/resource/destroyed") {
                got.push(c.recv());
            }
        }
        c.sync_quiet();
    }
}
