//! Timed bundles on the real server with the wall-clock-paced dummy driver: commands start
//! at the frame their timetag names, late bundles are reported, the scheduler's capacity
//! is an error, and /sync waits for scheduled commands.
mod support;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use oscine_plugins::AudioBuffer;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use support::server::{i, msg, s, Server};

/// The NTP time `offset` seconds from now.
fn ntp_in(offset: f64) -> OscTime {
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    let t = unix + 2_208_988_800.0 + offset;
    OscTime { seconds: t.floor() as u32, fractional: ((t - t.floor()) * 4_294_967_296.0) as u32 }
}

fn timed(timetag: OscTime, messages: Vec<OscMessage>) -> OscPacket {
    OscPacket::Bundle(OscBundle { timetag, content: messages.into_iter().map(OscPacket::Message).collect() })
}

fn pair(outer: OscTime, inner: Vec<OscPacket>) -> OscPacket {
    OscPacket::Bundle(OscBundle { timetag: outer, content: inner })
}

fn temp_wav(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("oscine-timing-{}-{name}.wav", std::process::id()))
}

/// `seconds` after `t`.
fn after(t: OscTime, seconds: f64) -> OscTime {
    let s = t.seconds as f64 + t.fractional as f64 / 4_294_967_296.0 + seconds;
    OscTime { seconds: s.floor() as u32, fractional: (s.fract() * 4_294_967_296.0) as u32 }
}

#[test]
fn bundles_timed_50_and_100_ms_after_another_start_50_and_100_ms_of_frames_later() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(2), i(9600)]);
    c.expect("/resource/ready");

    // One datagram, three bundles: a recorder of internal buses 0 and 1 starting 1 s from
    // now (time enough for the datagram to reach the audio thread on a busy machine, and
    // more than the clock's largest error), noise on bus 0 50 ms after it and noise on
    // bus 1 100 ms after it. The three timetags are mapped to frames in the same block,
    // with one position and one rate r of the clock: the noises must begin round(0.05 r)
    // and round(0.1 r) frames into the recording, within a frame of rounding.
    let t0 = ntp_in(1.0);
    let noise = |id: i32, bus: i32| {
        vec![
            msg("/synth/new", vec![s("noise"), i(id), i(0), i(0), s("amp"), OscType::Float(1.0)]),
            msg("/synth/map/output", vec![i(id), i(0), i(bus), i(0)]),
        ]
    };
    let packet = pair(
        OscTime { seconds: 0, fractional: 1 },
        vec![
            timed(
                t0,
                vec![
                    msg("/synth/new", vec![s("recorder"), i(20), i(0), i(1), s("buffer"), i(1)]),
                    msg("/synth/map/input", vec![i(20), i(0), i(0), i(0)]),
                    msg("/synth/map/input", vec![i(20), i(1), i(1), i(0)]),
                    msg("/synth/property/doneFlags/set", vec![i(20), i(0x21)]),
                ],
            ),
            timed(after(t0, 0.05), noise(10, 0)),
            timed(after(t0, 0.1), noise(11, 1)),
        ],
    );
    let blocks_before = c.status().blocks;
    c.send_packet(&packet);
    // The recorder fills its 200 ms buffer, says it is done and frees itself.
    let (done, before) = c.expect_with_skipped("/node/done");
    assert_eq!(done.args, vec![i(20)]);
    assert!(before.iter().all(|m| m.addr != "/late"), "the bundles came too late to be timed: {before:?}");
    // The recording cannot end before its 9600 frames (150 blocks of 64) were rendered,
    // all after the datagram was sent. (Status is published at the end of a block: one
    // more round trip and it counts the block that said done.)
    let after: Vec<_> = c.sync().into_iter().map(|m| (m.addr, m.args)).collect();
    assert_eq!(after, [("/node/ended".to_owned(), vec![i(20)])]);
    let blocks = c.status().blocks - blocks_before;
    assert!(blocks >= 9600 / 64, "the recorder said done {blocks} blocks after the datagram was sent");

    let path = temp_wav("noise-onset");
    c.send("/resource/perform", vec![i(1), s("write"), s(path.to_str().unwrap())]);
    c.expect("/resource/performed");
    let recorded = AudioBuffer::from_wav(&path).expect("the written buffer reads back");
    let _ = std::fs::remove_file(&path);
    let onset = |channel: usize| {
        let onset = (0..recorded.frames())
            .find(|&f| recorded.get(channel, f) != 0.0)
            .unwrap_or_else(|| panic!("no noise recorded on channel {channel}"));
        assert!((onset..onset + 64).all(|f| recorded.get(channel, f) != 0.0), "noise plays on from its first frame");
        onset as i64
    };
    let (first, second) = (onset(0), onset(1));
    // With x the recorder's unrounded frame, first = round(x + 0.05 r) - round(x) and
    // second = round(x + 0.1 r) - round(x): second - 2 first is within ±2.
    let rate = c.status().rate_estimate;
    assert!(
        (second - 2 * first).abs() <= 2,
        "noise began {first} and {second} frames into the recording: not 50 and 100 ms at one rate \
         (the clock's rate estimate is now {rate:.3} Hz)"
    );
    // And the rate is a sane one: the dummy driver runs at 48 kHz, and the clock's estimate
    // follows it within a few percent even when its callbacks come late.
    assert!(
        (2160..=2640).contains(&first),
        "noise began {first} frames into the recording: 50 ms at {} Hz (estimate now {rate:.3} Hz)",
        first * 20
    );
}

#[test]
fn a_late_bundle_runs_at_once_and_its_sender_hears_how_late() {
    let server = Server::start();
    let mut c = server.client();
    let before = c.status().late;
    // Late by more than the clock's largest error (0.5 s, past which it restarts from the
    // wall clock), so late whatever the clock did.
    let sent = Instant::now();
    c.send_packet(&timed(
        ntp_in(-1.0),
        vec![msg("/group/new", vec![i(5), i(0), i(0)]), msg("/group/new", vec![i(6), i(0), i(0)])],
    ));
    let late = c.expect("/late");
    assert_eq!(late.args[0], s("/group/new"));
    // 1 s late when it was sent, and at most as much later as it took to come back, give
    // or take the clock's largest error.
    let most = 1.0 + sent.elapsed().as_secs_f64() + 0.5;
    let OscType::Double(seconds) = late.args[1] else { panic!("{late:?}") };
    assert!((0.5..=most).contains(&seconds), "late by {seconds} s, expected 0.5 to {most:.3} s");
    c.expect_ack("/group/new", 5);
    c.expect_ack("/group/new", 6);
    // One /late per bundle, but both commands count.
    c.sync_quiet();
    assert_eq!(c.status().late, before + 2);
}

#[test]
fn a_full_scheduler_refuses_with_code_35_and_sync_waits_for_scheduled_commands() {
    let server = Server::start_with(&["--max-scheduled", "4"]);
    let mut c = server.client();
    let mut other = server.client();
    // Far enough ahead for the datagram to reach the audio thread on a busy machine.
    let at = ntp_in(1.0);
    let groups: Vec<OscMessage> = (1..=6).map(|id| msg("/group/new", vec![i(id), i(0), i(1)])).collect();
    c.send_packet(&timed(at, groups));
    c.send("/sync", vec![i(77)]);
    c.expect_error("/group/new", 35);
    c.expect_error("/group/new", 35);
    // Another client's /sync does not wait for them: once it is answered, the status
    // published at the end of the block that scheduled them counts them.
    other.sync_quiet();
    assert_eq!(other.status().scheduled, 4);
    // c's /sync waits until they ran: their acks come first.
    let (synced, before) = c.expect_with_skipped("/synced");
    assert_eq!(synced.args, vec![i(77)]);
    let acks: Vec<&OscMessage> = before.iter().filter(|m| m.addr == "/ack").collect();
    assert_eq!(acks.len(), 4, "every scheduled command answered before /synced: {before:?}");
    assert_eq!(c.tree(0).ids(), vec![0, 1, 2, 3, 4]);
}

#[test]
fn an_enclosed_bundle_earlier_than_its_enclosure_is_refused() {
    let server = Server::start();
    let mut c = server.client();
    let outer = ntp_in(10.0);
    let inner = ntp_in(5.0);
    c.send_packet(&pair(outer, vec![timed(inner, vec![msg("/group/new", vec![i(1), i(0), i(0)])])]));
    c.expect_error("#bundle", 5);
    assert_eq!(c.status().scheduled, 0);
}

#[test]
fn sync_waits_for_a_timed_resource_construct() {
    let server = Server::start();
    let mut c = server.client();
    c.send_packet(&timed(ntp_in(0.2), vec![msg("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(4800)])]));
    c.send("/sync", vec![i(9)]);
    let (synced, before) = c.expect_with_skipped("/synced");
    assert_eq!(synced.args, vec![i(9)]);
    assert!(
        before.iter().any(|m| m.addr == "/resource/ready" && m.args == vec![i(1)]),
        "/synced came before the timed construct finished: {before:?}"
    );
}

#[test]
fn a_timed_sync_holds_its_senders_later_syncs_until_its_time_and_a_cleared_one_answers_nobody() {
    let server = Server::start();
    let mut c = server.client();
    let mut other = server.client();
    // A /sync timed 0.3 s ahead, then an immediate one: the second waits for the first.
    let sent = Instant::now();
    c.send_packet(&timed(ntp_in(0.3), vec![msg("/sync", vec![i(1)])]));
    c.send("/sync", vec![i(2)]);
    assert_eq!(c.expect("/synced").args, vec![i(1)]);
    assert!(sent.elapsed().as_secs_f64() > 0.2, "the timed /sync is answered at its time");
    assert_eq!(c.expect("/synced").args, vec![i(2)]);

    // A timed /sync an hour ahead, dropped by /clearSched, is never answered; the
    // immediate /sync behind it is, once it is dropped.
    c.send_packet(&timed(ntp_in(3600.0), vec![msg("/sync", vec![i(3)])]));
    c.send("/sync", vec![i(4)]);
    other.sync_quiet();
    assert_eq!(other.status().scheduled, 1);
    assert!(c.recv_timeout(std::time::Duration::from_millis(200)).is_none(), "/sync 4 waits");
    other.send("/clearSched", vec![]);
    other.expect_ack("/clearSched", 0);
    assert_eq!(c.expect("/synced").args, vec![i(4)]);
    let after = c.sync();
    assert!(after.is_empty(), "/synced 3 never comes: {after:?}");
}
