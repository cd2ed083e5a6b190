//! MIDI input through the real server: bytes handed to a device input the way midir's
//! callback hands them (`MidiFeed::receive`), parsed on the network thread, forwarded to
//! clients that asked for MIDI and played by the server's mappings. No MIDI device is
//! needed; tests/midi_jack.rs drives a real JACK MIDI port.
//!
//! MIDI events take effect 10 ms after they arrive, through the scheduler: a test that
//! wants to see an event's effect sends a later one whose effect it can see, and waits
//! for that (timed commands apply in time order).

mod support;

use oscine::engine::Timetag;
use oscine::midi::{note_frequency, MidiFeed, DEFAULT_LATENCY, FIRST_VOICE_ID};
use oscine_plugins::AudioBuffer;
use rosc::{OscBundle, OscPacket, OscTime, OscType};
use support::in_process::InProcessServer;
use support::server::{f, i, msg, s, wait_tree, Client, NodeKind, Tree};

/// The Synths in the tree, as (SynthDef, freq) in tree order.
fn synths(tree: &Tree) -> Vec<(String, f32)> {
    tree.nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Synth { def, controls, .. } => {
                Some((def.clone(), controls.iter().find(|(c, _)| c == "freq").map_or(f32::NAN, |(_, v)| *v)))
            }
            NodeKind::Group { .. } => None,
        })
        .collect()
}

fn freqs(tree: &Tree) -> Vec<f32> {
    synths(tree).into_iter().map(|(_, f)| f).collect()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-3 * b.abs().max(1.0)
}

/// Waits until the root's Synths play exactly these notes, in this order.
#[track_caller]
fn wait_notes(c: &mut Client, notes: &[u8]) -> Tree {
    let want: Vec<f32> = notes.iter().map(|&n| note_frequency(n)).collect();
    wait_tree(c, 0, &format!("Synths playing notes {notes:?}"), |t| {
        let got = freqs(t);
        got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| close(*a, *b))
    })
}

fn sine_mapping(c: &mut Client, id: i32, extra: Vec<OscType>) {
    let mut args = vec![i(id), i(-1), i(-1), s("sine"), i(0)];
    args.extend(extra);
    c.ok("/midi/map/note", args, "/midi/map/note", id);
}

#[test]
fn a_note_on_and_off_in_running_status_start_a_synth_and_leave_none_behind() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    c.ok("/midi/notify", vec![], "/midi/notify", 1);
    sine_mapping(&mut c, 1, vec![]);
    // Note-on 60 and 64 in running status, a clock byte in the middle of the second.
    feeds[0].receive(&[0x90, 60, 100]);
    feeds[0].receive(&[64, 0xf8, 127]);
    let on = c.expect("/midi/note_on");
    assert_eq!(on.args[..4], [i(0), i(0), i(60), i(100)], "{on:?}");
    assert!(matches!(on.args[4], OscType::Time(_)), "stamped with its arrival: {on:?}");
    assert_eq!(c.expect("/midi/clock").args.len(), 2);
    assert_eq!(c.expect("/midi/note_on").args[..4], [i(0), i(0), i(64), i(127)]);
    let tree = wait_notes(&mut c, &[60, 64]);
    let first = tree.nodes.iter().find(|n| matches!(n.kind, NodeKind::Synth { .. })).unwrap();
    assert!(first.id >= FIRST_VOICE_ID, "voices take ids from {FIRST_VOICE_ID}: {tree:?}");
    let amp = tree.control(first.id, "amp").unwrap();
    assert!(close(amp, 100.0 / 127.0), "velocity 100 is amp {amp}");
    // Their note-offs, as note-ons of velocity 0 in running status.
    feeds[0].receive(&[60, 0, 64, 0]);
    assert_eq!(c.expect("/midi/note_off").args[..4], [i(0), i(0), i(60), i(0)]);
    assert_eq!(c.expect("/midi/note_off").args[..4], [i(0), i(0), i(64), i(0)]);
    wait_notes(&mut c, &[]);
    assert_eq!(c.status().synths, 0);
    assert_eq!(c.status().midi_bytes_not_understood, 0);
}

#[test]
fn the_voice_limit_steals_the_oldest_held_voice() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    sine_mapping(&mut c, 1, vec![s("voices"), i(2)]);
    feed_notes(&mut feeds[0], &[(0x90, 60), (0x90, 62)]);
    wait_notes(&mut c, &[60, 62]);
    feed_notes(&mut feeds[0], &[(0x90, 64)]);
    // 60 was held longest.
    wait_notes(&mut c, &[62, 64]);
    assert_eq!(c.status().synths, 2);
}

/// The keys of the root's asr-envelope voices, in tree order, where each key was played with
/// its own number as velocity and the velocity went to `sustain` as a tenth of it.
fn tagged_keys(tree: &Tree) -> Vec<u8> {
    tree.nodes.iter().filter_map(|n| tree.control(n.id, "sustain")).map(|level| (level * 10.0).round() as u8).collect()
}

/// The root's voice that plays `key`, tagged as [`tagged_keys`] reads it.
fn tagged_voice(tree: &Tree, key: u8) -> i32 {
    let ids = tree.nodes.iter().filter(|n| tree.control(n.id, "sustain").is_some()).map(|n| n.id);
    let found = ids.zip(tagged_keys(tree)).find(|&(_, k)| k == key);
    found.unwrap_or_else(|| panic!("no voice plays key {key}: {tree:?}")).0
}

#[test]
fn a_full_gated_mapping_steals_a_released_voice_first_then_a_sustained_one_then_the_oldest_held() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    // asr-envelope's gate closes on a note-off and its release plays on; each key is played
    // with its number as velocity, which sets the sustain level to a tenth of it, so the
    // tree tells the voices apart.
    let args = vec![
        i(1),
        i(-1),
        i(-1),
        s("asr-envelope"),
        i(0),
        s("voices"),
        i(2),
        s("velocity"),
        s("sustain"),
        s("velocity_max"),
        f(12.7),
    ];
    c.ok("/midi/map/note", args, "/midi/map/note", 1);
    let playing = |keys: &'static [u8]| move |t: &Tree| tagged_keys(t) == keys;
    feeds[0].receive(&[0x90, 60, 60, 62, 62]);
    let tree = wait_tree(&mut c, 0, "keys 60 and 62 playing", playing(&[60, 62]));
    // An hour's release, so that key 62's voice still sounds when the next note comes.
    let released = tagged_voice(&tree, 62);
    c.ok("/node/set", vec![i(released), s("release"), f(3600.0)], "/node/set", released);
    feeds[0].receive(&[0x80, 62, 0]);
    wait_tree(&mut c, 0, "key 62 released and still sounding", |t| t.control(released, "gate") == Some(0.0));
    // Full: the released voice gives way, not key 60's, which was started longer ago.
    feeds[0].receive(&[0x90, 64, 64]);
    let tree = wait_tree(&mut c, 0, "keys 60 and 64 playing", playing(&[60, 64]));
    assert!(tree.node(released).is_none(), "the released voice is freed: {tree:?}");
    assert_eq!(tree.control(tagged_voice(&tree, 60), "gate"), Some(1.0));
    // The pedal holds key 64 as it goes up; the next note takes that sustained voice
    // before the older held one.
    feeds[0].receive(&[0xb0, 64, 127, 0x80, 64, 0, 0x90, 65, 65]);
    wait_tree(&mut c, 0, "keys 60 and 65 playing", playing(&[60, 65]));
    // Two held voices: the one started longest ago gives way.
    feeds[0].receive(&[0x90, 67, 67]);
    wait_tree(&mut c, 0, "keys 65 and 67 playing", playing(&[65, 67]));
    assert_eq!(c.status().synths, 2);
}

#[test]
fn pitch_bend_to_freq_bends_the_channels_voices_an_octave_either_way_and_new_notes_start_bent() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    // docs/osc-api.md's example: eight voices on channel 0, pitch bend reaching an octave
    // either way.
    let args =
        vec![i(2), i(-1), i(0), s("sine"), i(0), s("voices"), i(8), s("bend"), s("freq"), s("bend_range"), f(12.0)];
    c.ok("/midi/map/note", args, "/midi/map/note", 2);
    let at = |want: Vec<f32>| {
        move |t: &Tree| {
            let got = freqs(t);
            got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| close(*a, *b))
        }
    };
    feeds[0].receive(&[0x90, 69, 100]);
    wait_notes(&mut c, &[69]);
    // The full bend up (8191) is an octave up, the full bend down (-8192) an octave down.
    feeds[0].receive(&[0xe0, 0x7f, 0x7f]);
    wait_tree(&mut c, 0, "A4 bent to 880 Hz", at(vec![880.0]));
    feeds[0].receive(&[0xe0, 0x00, 0x00]);
    wait_tree(&mut c, 0, "A4 bent to 220 Hz", at(vec![220.0]));
    // 4096 up (LSB 0, MSB 0x60) is 4096/8191 of 12 semitones.
    feeds[0].receive(&[0xe0, 0x00, 0x60]);
    let bend = 2f32.powf(4096.0 / 8191.0);
    wait_tree(&mut c, 0, "A4 bent half an octave up", at(vec![440.0 * bend]));
    // A bend on channel 1 leaves channel 0's voices alone; a note started now starts bent.
    feeds[0].receive(&[0xe1, 0x7f, 0x7f, 0x90, 57, 100]);
    wait_tree(&mut c, 0, "A3 started bent", at(vec![440.0 * bend, 220.0 * bend]));
    // The centre (LSB 0, MSB 0x40) gives the notes their own frequencies back.
    feeds[0].receive(&[0xe0, 0x00, 0x40]);
    wait_notes(&mut c, &[69, 57]);
}

#[test]
fn polyphonic_aftertouch_reaches_the_voice_of_its_key_and_channel_only() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    // Pressure to amp, velocity to nothing: every voice starts at sine's amp, 0.1.
    let args = vec![i(1), i(-1), i(-1), s("sine"), i(0), s("velocity"), s(""), s("pressure"), s("amp")];
    c.ok("/midi/map/note", args, "/midi/map/note", 1);
    // Keys 60 and 64 on channel 0, key 60 on channel 1.
    feeds[0].receive(&[0x90, 60, 100, 64, 100, 0x91, 60, 100]);
    wait_notes(&mut c, &[60, 64, 60]);
    let amps = |t: &Tree| -> Vec<f32> { t.nodes.iter().filter_map(|n| t.control(n.id, "amp")).collect() };
    // Full pressure on key 64 of channel 0 and on key 62, which no voice plays; then a
    // note whose Synth shows both have taken effect (timed commands apply in time order).
    feeds[0].receive(&[0xa0, 64, 127, 0xa0, 62, 127, 0x90, 67, 100]);
    let tree = wait_notes(&mut c, &[60, 64, 60, 67]);
    assert_eq!(amps(&tree), [0.1, 1.0, 0.1, 0.1], "{tree:?}");
    // Pressure on key 60 of channel 1 reaches that channel's voice of the key, not channel 0's.
    feeds[0].receive(&[0xa1, 60, 0, 0x90, 69, 100]);
    let tree = wait_notes(&mut c, &[60, 64, 60, 67, 69]);
    assert_eq!(amps(&tree), [0.1, 1.0, 0.0, 0.1, 0.1], "{tree:?}");
}

#[test]
fn the_sustain_pedal_holds_released_keys_until_it_lifts() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    sine_mapping(&mut c, 1, vec![]);
    // Pedal down, key 60 down and up, then 67 down: 60 still sounds.
    feeds[0].receive(&[0xb0, 64, 127, 0x90, 60, 90, 0x80, 60, 0, 0x90, 67, 90]);
    wait_notes(&mut c, &[60, 67]);
    // Pedal up on another channel changes nothing; on channel 0 it releases 60, not the held 67.
    feeds[0].receive(&[0xb1, 64, 0, 0x90, 69, 90]);
    wait_notes(&mut c, &[60, 67, 69]);
    feeds[0].receive(&[0xb0, 64, 0, 0x90, 72, 90]);
    wait_notes(&mut c, &[67, 69, 72]);
}

#[test]
fn a_gated_synthdef_is_released_by_its_gate_and_pitch_bend_and_pressure_reach_its_voices() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    // asr-envelope has a gate (a mapping uses it by default) and no freq; its sustain level
    // takes the velocity, its release time the channel pressure and its attack the bend.
    let args = vec![
        i(2),
        i(0),
        i(3),
        s("asr-envelope"),
        i(0),
        s("velocity"),
        s("sustain"),
        s("pressure"),
        s("release"),
        s("bend"),
        s("attack"),
        s("bend_range"),
        f(12.0),
    ];
    c.ok("/midi/map/note", args, "/midi/map/note", 2);
    feeds[0].receive(&[0x93, 60, 127, 0xe3, 0x7f, 0x7f, 0xd3, 127]);
    let tree = wait_tree(&mut c, 0, "the voice bent and pressed", |t| {
        t.nodes.iter().any(|n| t.control(n.id, "attack").is_some_and(|a| close(a, 12.0)))
            && t.nodes.iter().any(|n| t.control(n.id, "release").is_some_and(|r| close(r, 1.0)))
    });
    let voice = tree.nodes.iter().find(|n| matches!(n.kind, NodeKind::Synth { .. })).unwrap().id;
    assert_eq!(tree.control(voice, "gate"), Some(1.0));
    assert_eq!(tree.control(voice, "sustain"), Some(1.0));
    // Channel 2 is not the mapping's: this note-on starts nothing.
    feeds[0].receive(&[0x92, 61, 100, 0x83, 60, 0, 0xb3, 64, 0]);
    wait_tree(&mut c, 0, "the gate closed", |t| t.node(voice).is_none() || t.control(voice, "gate") == Some(0.0));
    assert!(c.tree(0).nodes.iter().filter(|n| matches!(n.kind, NodeKind::Synth { .. })).count() <= 1);
}

#[test]
fn cc_mappings_follow_their_channel_and_device_filters_and_curves() {
    let (server, mut feeds) = InProcessServer::start_with_midi(2);
    let mut c = server.client();
    for id in [1000, 1001] {
        c.ok("/synth/new", vec![s("sine"), i(id), i(0), i(1)], "/synth/new", id);
    }
    // Controller 7 on channel 1 of device 0 moves 1000's freq, 100 to 10000 Hz
    // exponentially; controller 8 anywhere moves 1001's through a table.
    let exp = vec![i(1), i(0), i(1), i(7), i(1000), s("freq"), s("min"), f(100.0), s("max"), f(10_000.0)];
    let mut exp = exp;
    exp.extend([s("curve"), s("exponential")]);
    c.ok("/midi/map/cc", exp, "/midi/map/cc", 1);
    let table = vec![
        i(2),
        i(-1),
        i(-1),
        i(8),
        i(1001),
        s("freq"),
        s("min"),
        f(0.0),
        s("max"),
        f(1000.0),
        s("table"),
        f(0.0),
        f(1.0),
        f(0.5),
    ];
    c.ok("/midi/map/cc", table, "/midi/map/cc", 2);
    // Controller 7 on channel 0, and on channel 1 of device 1: neither is mapping 1's.
    feeds[0].receive(&[0xb0, 7, 127]);
    feeds[1].receive(&[0xb1, 7, 127]);
    feeds[1].receive(&[0xb5, 8, 127]);
    let tree =
        wait_tree(&mut c, 0, "1001 at the table's end", |t| t.control(1001, "freq").is_some_and(|v| close(v, 500.0)));
    assert_eq!(tree.control(1000, "freq"), Some(440.0), "the filters kept mapping 1 out");
    feeds[0].receive(&[0xb1, 7, 64]);
    let want = 100.0 * 100f32.powf(64.0 / 127.0);
    wait_tree(&mut c, 0, "1000 on the exponential curve", |t| t.control(1000, "freq").is_some_and(|v| close(v, want)));
    let list = c.request("/midi/map/list", vec![]);
    assert_eq!(
        list.args,
        [i(1), s("cc"), i(0), i(1), i(7), i(1000), s("freq"), i(2), s("cc"), i(-1), i(-1), i(8), i(1001), s("freq")]
    );
    c.ok("/midi/unmap", vec![i(1)], "/midi/unmap", 1);
    // A mapping whose node ends goes with it.
    c.ok("/midi/notify", vec![], "/midi/notify", 1);
    c.send("/node/free", vec![i(1001)]);
    let seen = c.sync();
    assert!(seen.iter().any(|m| m.addr == "/midi/unmapped" && m.args[0] == i(2)), "{seen:?}");
    assert_eq!(c.request("/midi/map/list", vec![]).args, []);
}

#[test]
fn a_smoothed_cc_mapping_glides_to_its_value() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    c.ok("/synth/new", vec![s("sine"), i(1000), i(0), i(1)], "/synth/new", 1000);
    let args = vec![i(1), i(-1), i(-1), i(1), i(1000), s("amp"), s("smooth"), f(0.05)];
    c.ok("/midi/map/cc", args, "/midi/map/cc", 1);
    // The first value has nothing to glide from; the second glides there.
    feeds[0].receive(&[0xb0, 1, 0]);
    wait_tree(&mut c, 0, "amp at 0", |t| t.control(1000, "amp") == Some(0.0));
    feeds[0].receive(&[0xb0, 1, 127]);
    wait_tree(&mut c, 0, "amp glided to 1", |t| t.control(1000, "amp") == Some(1.0));
}

#[test]
fn midi_verbs_refuse_what_they_cannot_do_and_status_reports_the_inputs_and_latency() {
    let (server, _feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    let status = c.status();
    assert_eq!(status.midi_inputs, 1);
    assert!(close(status.midi_latency, 0.01), "{}", status.midi_latency);
    c.fails("/midi/map/note", vec![i(1), i(-1), i(-1), s("nope"), i(0)], "/midi/map/note", 14);
    c.fails("/midi/map/note", vec![i(1), i(-1), i(-1), s("sine"), i(0), s("gate"), s("gate")], "/midi/map/note", 15);
    c.fails("/midi/map/note", vec![i(1), i(-1), i(16), s("sine"), i(0)], "/midi/map/note", 13);
    c.fails("/midi/map/note", vec![i(1), i(-1), i(0), s("sine"), i(0), s("voices"), i(0)], "/midi/map/note", 13);
    c.fails("/midi/map/cc", vec![i(1), i(-1), i(0), i(128), i(1), s("freq")], "/midi/map/cc", 13);
    c.fails("/midi/map/cc", vec![i(1), i(-1), i(0), i(7), i(1), s("nope")], "/midi/map/cc", 15);
    let zero_exp = vec![i(1), i(-1), i(0), i(7), i(1), s("freq"), s("curve"), s("exponential")];
    c.fails("/midi/map/cc", zero_exp, "/midi/map/cc", 13);
    c.fails("/midi/map/cc", vec![i(1), i(-1), i(0), i(7), i(1), s("freq"), s("table"), f(1.0)], "/midi/map/cc", 13);
    c.fails("/midi/unmap", vec![i(9)], "/midi/unmap", 103);
    c.fails("/midi/close", vec![i(9)], "/midi/close", 101);
    c.fails("/midi/close", vec![i(-1)], "/midi/close", 13);
    // No port of the MIDI system is named so; where there is no MIDI system, that is said.
    c.send("/midi/open", vec![s("no such port anywhere")]);
    let error = c.expect("/error");
    assert!(error.args[1] == i(100) || error.args[1] == i(101), "{error:?}");
    for id in 0..oscine::midi::MAX_MAPPINGS as i32 {
        sine_mapping(&mut c, id, vec![]);
    }
    c.fails("/midi/map/note", vec![i(99), i(-1), i(-1), s("sine"), i(0)], "/midi/map/note", 104);
    // The same id replaces its mapping.
    sine_mapping(&mut c, 0, vec![]);
    let list = c.request("/midi/list", vec![]);
    assert_eq!(list.args[list.args.len() - 3..], [i(-1), s("test input 0"), i(0)], "{list:?}");
    c.ok("/midi/close", vec![i(0)], "/midi/close", 0);
    assert_eq!(c.status().midi_inputs, 0);
}

/// Hands a device input note-ons (status, key) at velocity 100.
fn feed_notes(feed: &mut MidiFeed, notes: &[(u8, u8)]) {
    for &(status, note) in notes {
        feed.receive(&[status, note, 100]);
    }
}

/// The ALSA sequencer is the MIDI system of a build without the `jack` feature.
#[cfg(not(feature = "jack"))]
#[test]
fn without_a_midi_system_the_server_says_so_once_and_runs_on() {
    if std::path::Path::new("/dev/snd/seq").exists() {
        eprintln!("this machine has an ALSA sequencer; nothing to check");
        return;
    }
    let mut server = support::server::Server::start_with(&["--midi-in", "all", "--midi-virtual", "keys"]);
    // Said once, before the server listens.
    let log = server.log();
    assert_eq!(log.matches("no MIDI system").count(), 1, "{log}");
    assert!(log.contains("the server runs on without them"), "{log}");
    let mut c = server.client();
    c.fails("/midi/open", vec![s("all")], "/midi/open", 100);
    c.fails("/midi/virtual", vec![s("keys")], "/midi/virtual", 100);
    assert_eq!(c.request("/midi/list", vec![]).args, []);
    sine_mapping(&mut c, 1, vec![]);
    c.ok("/synth/new", vec![s("sine"), i(1000), i(0), i(1)], "/synth/new", 1000);
    assert_eq!(c.status().midi_inputs, 0);
    server.assert_alive();
}

#[test]
fn a_midi_event_takes_effect_at_the_frame_of_its_arrival_time_plus_the_latency() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    c.ok("/notify", vec![], "/notify", 1);
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(2), i(9600)]);
    c.expect("/resource/ready");
    // Two chains, noise through an open envelope with no release onto internal buses 10
    // and 11; controllers 1 and 2 close the gates (asr-envelope takes its gate at the exact
    // frame, and with no release its output is 0 from that frame on).
    for (k, cc) in [(0, 1), (1, 2)] {
        let (noise, envelope) = (100 + k, 200 + k);
        c.ok("/synth/new", vec![s("noise"), i(noise), i(0), i(1), s("amp"), f(1.0)], "/synth/new", noise);
        c.ok("/synth/map/output", vec![i(noise), i(0), i(2 * k), i(0)], "/synth/map/output", noise);
        let args = vec![s("asr-envelope"), i(envelope), i(0), i(1), s("attack"), f(0.0), s("release"), f(0.0)];
        c.ok("/synth/new", args, "/synth/new", envelope);
        c.ok("/synth/map/input", vec![i(envelope), i(0), i(2 * k), i(0)], "/synth/map/input", envelope);
        c.ok("/synth/map/output", vec![i(envelope), i(0), i(10 + k), i(0)], "/synth/map/output", envelope);
        let map = vec![i(cc), i(0), i(0), i(cc), i(envelope), s("gate"), s("min"), f(1.0), s("max"), f(0.0)];
        c.ok("/midi/map/cc", map, "/midi/map/cc", cc);
    }
    // A recorder of buses 10 and 11 starting 1 s from now (time enough on a busy machine),
    // and the two controllers arriving so that they take effect 50 and 100 ms into it.
    let t0 = Timetag::from_seconds(Timetag::now().seconds() + 1.0);
    let latency = DEFAULT_LATENCY.as_secs_f64();
    let (seconds, fractional) = t0.parts();
    let record = OscPacket::Bundle(OscBundle {
        timetag: OscTime { seconds, fractional },
        content: vec![
            msg("/synth/new", vec![s("recorder"), i(20), i(0), i(1), s("buffer"), i(1)]),
            msg("/synth/map/input", vec![i(20), i(0), i(10), i(0)]),
            msg("/synth/map/input", vec![i(20), i(1), i(11), i(0)]),
            msg("/synth/property/doneFlags/set", vec![i(20), i(0x21)]),
        ]
        .into_iter()
        .map(OscPacket::Message)
        .collect(),
    });
    c.send_packet(&record);
    feeds[0].receive_at(Timetag::from_seconds(t0.seconds() + 0.05 - latency), &[0xb0, 1, 127]);
    feeds[0].receive_at(Timetag::from_seconds(t0.seconds() + 0.1 - latency), &[0xb0, 2, 127]);
    let mut seen = Vec::new();
    loop {
        let (done, before) = c.expect_with_skipped("/node/done");
        seen.extend(before);
        if done.args == [i(20)] {
            break;
        }
        seen.push(done);
    }
    seen.extend(c.sync());
    assert!(seen.iter().all(|m| m.addr != "/late" && m.addr != "/error"), "{seen:?}");
    assert_eq!(c.status().midi_late, 0, "the controllers' commands came late");
    let path = std::env::temp_dir().join(format!("oscine-midi-onset-{}.wav", std::process::id()));
    c.send("/resource/perform", vec![i(1), s("write"), s(path.to_str().unwrap())]);
    c.expect("/resource/performed");
    let recorded = AudioBuffer::from_wav(&path).expect("the written buffer reads back");
    let _ = std::fs::remove_file(&path);
    let silence_from = |channel: usize| {
        assert!(recorded.get(channel, 0) != 0.0, "channel {channel} silent from the start");
        (0..recorded.frames())
            .find(|&f| recorded.get(channel, f) == 0.0)
            .unwrap_or_else(|| panic!("channel {channel}'s gate never closed")) as i64
    };
    let (first, second) = (silence_from(0), silence_from(1));
    // Both at one rate r of the clock: round(x + 0.05 r) and round(x + 0.1 r) frames after
    // the recorder's round(x), so second - 2 first is within ±2, and first is 50 ms at
    // about 48 kHz: never before its time, and not a block late.
    assert!((second - 2 * first).abs() <= 2, "the gates closed {first} and {second} frames into the recording");
    assert!((2160..=2640).contains(&first), "the first gate closed {first} frames into the recording");
}

#[test]
fn a_voice_the_engine_refuses_is_told_and_forgotten() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    c.ok("/midi/notify", vec![], "/midi/notify", 1);
    // Group 77 does not exist yet.
    let args = vec![i(1), i(-1), i(-1), s("sine"), i(77), s("voices"), i(1)];
    c.ok("/midi/map/note", args, "/midi/map/note", 1);
    feeds[0].receive(&[0x90, 60, 100]);
    let (error, _) = c.expect_with_skipped("/error");
    assert_eq!(error.args[..2], [s("/midi"), i(21)], "{error:?}");
    c.ok("/group/new", vec![i(77), i(0), i(1)], "/group/new", 77);
    // Were the refused voice still counted, this note would steal it: a free of a node
    // that does not exist.
    feeds[0].receive(&[0x90, 62, 100]);
    let mut watcher = server.client();
    wait_tree(&mut watcher, 77, "key 62 playing in group 77", |t| {
        freqs(t).iter().zip([note_frequency(62)]).all(|(a, b)| close(*a, b)) && freqs(t).len() == 1
    });
    let seen = c.sync();
    assert!(seen.iter().all(|m| m.addr != "/error"), "{seen:?}");
}

#[test]
fn bytes_a_full_midi_queue_drops_are_counted_told_and_logged() {
    let (server, mut feeds) = InProcessServer::start_with_midi(1);
    let mut c = server.client();
    c.ok("/midi/notify", vec![], "/midi/notify", 1);
    // One hand-over larger than the queue: the network thread is woken only after it, so
    // the queue fills (4096 chunks of 20 bytes) and the rest is dropped.
    let mut sysex = vec![0xf0];
    sysex.resize(90_001, 0x11);
    sysex.push(0xf7);
    feeds[0].receive(&sysex);
    let kept = oscine::midi::FEED_CAPACITY * 20;
    let (error, _) = c.expect_with_skipped("/error");
    assert_eq!(error.args[..2], [s("/midi"), i(105)], "{error:?}");
    let text = format!("{} MIDI bytes lost", sysex.len() - kept);
    assert!(matches!(&error.args[2], OscType::String(m) if m.starts_with(&text)), "{error:?}");
    assert_eq!(c.status().midi_bytes_dropped as usize, sysex.len() - kept);
    // The input reads on.
    sine_mapping(&mut c, 1, vec![]);
    feeds[0].receive(&[0x90, 60, 100]);
    let mut watcher = server.client();
    wait_notes(&mut watcher, &[60]);
}
