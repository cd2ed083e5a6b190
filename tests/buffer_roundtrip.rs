//! End to end through the real binary: a WAV file is loaded into an `audio-buffer`, played
//! by a `sampler` onto internal buses, recorded from them by a `recorder` into a second
//! buffer, and written back out; the file written must equal the source sample for sample.
mod support;
#[path = "support/wav.rs"]
mod wav;

use std::time::{Duration, Instant};

use rosc::{OscMessage, OscType};
use support::server::{i, msg, s, Client, Server};
use wav::{Samples, TempPath};

/// 0.3 s at 48 kHz.
const FRAMES: usize = 14_400;

/// How long the recording may take to finish (0.3 s of audio, on a busy machine).
const RECORD_TIMEOUT: Duration = Duration::from_secs(10);

/// A sine plus a ramp, so any offset between source and recording shows, starting away
/// from zero so the first sample says something. Channel `c` differs from the others.
fn signal(channels: usize) -> Vec<f32> {
    (0..FRAMES)
        .flat_map(|n| {
            (0..channels).map(move |c| {
                let phase = std::f32::consts::TAU * 441.0 * n as f32 / 48_000.0 + c as f32;
                let ramp = n as f32 / FRAMES as f32;
                0.5 * phase.sin() + 0.4 * ramp - 0.2 + 0.013 * c as f32
            })
        })
        .collect()
}

/// The next message with this address, waiting at most `timeout` (others are kept in
/// `skipped`).
#[track_caller]
fn wait_for(c: &mut Client, addr: &str, timeout: Duration, skipped: &mut Vec<OscMessage>) -> OscMessage {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match c.recv_timeout(left) {
            Some(m) if m.addr == addr => return m,
            Some(m) => skipped.push(m),
            None => panic!("no {addr} within {timeout:?}; received: {skipped:?}"),
        }
    }
}

/// Loads `source` (a WAV file of `channels` channels and [`FRAMES`] frames) as buffer 1,
/// plays it into a recording in buffer 2, and returns the recording written as a float
/// WAV file.
fn play_and_record(source: &TempPath, channels: i32) -> wav::Wav {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    let frames = FRAMES as i32;

    c.send("/resource/new", vec![s("audio-buffer"), i(1), s(&source.string())]);
    assert_eq!(c.recv().args, vec![i(1)], "buffer 1 ready");
    c.send("/resource/new", vec![s("audio-buffer"), i(2), i(channels), i(frames)]);
    assert_eq!(c.recv().args, vec![i(2)], "buffer 2 ready");
    c.send("/resource/perform", vec![i(1), s("query")]);
    let m = c.recv();
    assert_eq!(m.args, vec![i(1), s("query"), i(channels), i(frames), OscType::Double(48_000.0)], "{m:?}");
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);

    // One bundle: the sampler at the head of group 1 onto internal buses 0 and 1 (flags 0),
    // the recorder after it from those buses, done flags notify + free self.
    c.send_bundle(vec![
        msg("/synth/new", vec![s("sampler"), i(10), i(1), i(0), s("buffer"), i(1)]),
        msg("/synth/map/output", vec![i(10), i(0), i(0), i(0)]),
        msg("/synth/map/output", vec![i(10), i(1), i(1), i(0)]),
        msg("/synth/new", vec![s("recorder"), i(11), i(10), i(3), s("buffer"), i(2)]),
        msg("/synth/map/input", vec![i(11), i(0), i(0), i(0)]),
        msg("/synth/map/input", vec![i(11), i(1), i(1), i(0)]),
        msg("/synth/property/doneFlags/set", vec![i(11), i(0x21)]),
    ]);
    c.expect_ack("/synth/new", 10);
    c.expect_ack("/synth/map/output", 10);
    c.expect_ack("/synth/map/output", 10);
    c.expect_ack("/synth/new", 11);
    c.expect_ack("/synth/map/input", 11);
    c.expect_ack("/synth/map/input", 11);
    c.expect_ack("/synth/property/doneFlags/set", 11);

    // The recorder is done once it has written its last frame, and frees itself.
    // The sampler, as long as the recording, says done in the same block (it stays: its
    // done flags are the default, notify only).
    let mut skipped = Vec::new();
    let deadline = Instant::now() + RECORD_TIMEOUT;
    while !skipped.iter().any(|m: &OscMessage| m.addr == "/node/ended") {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = c.recv_timeout(left).unwrap_or_else(|| panic!("recording not finished; received: {skipped:?}"));
        skipped.push(m);
    }
    let notes: Vec<_> = skipped.drain(..).map(|m| (m.addr, m.args)).collect();
    let note = |addr: &str, id: i32| (addr.to_owned(), vec![i(id)]);
    assert!(
        notes == [note("/node/done", 11), note("/node/ended", 11)]
            || notes == [note("/node/done", 10), note("/node/done", 11), note("/node/ended", 11)],
        "{notes:?}"
    );

    let out = TempPath::new("roundtrip-out.wav");
    c.send("/resource/perform", vec![i(2), s("write"), s(&out.string()), s("float")]);
    let m = wait_for(&mut c, "/resource/performed", Duration::from_secs(5), &mut skipped);
    assert_eq!(m.args, vec![i(2), s("write"), s(&out.string()), i(frames)], "{m:?}");
    let recorded = wav::read(out.path());
    assert_eq!(
        (recorded.format, recorded.channels as i32, recorded.sample_rate, recorded.bits, recorded.frames()),
        (3, channels, 48_000, 32, FRAMES)
    );

    // Tidy up: the group goes with the sampler, then both buffers are destroyed.
    c.send("/node/free", vec![i(1)]);
    c.send("/resource/free", vec![i(1), i(2)]);
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.iter().filter(|m: &&OscMessage| m.addr == "/resource/destroyed").count() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        got.push(c.recv_timeout(left).unwrap_or_else(|| panic!("buffers not destroyed; received: {got:?}")));
    }
    let mut got: Vec<_> = got.into_iter().map(|m| format!("{} {:?}", m.addr, m.args)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "/ack [String(\"/node/free\"), Int(1)]",
            "/ack [String(\"/resource/free\"), Int(1)]",
            "/ack [String(\"/resource/free\"), Int(2)]",
            "/node/ended [Int(1)]",
            "/node/ended [Int(10)]",
            "/resource/destroyed [Int(1)]",
            "/resource/destroyed [Int(2)]",
        ]
    );
    recorded
}

/// Where the recording first differs from the source, with a hint at an offset.
fn first_difference(source: &[f32], recorded: &[f32], channels: usize) -> Option<String> {
    let k = source.iter().zip(recorded).position(|(a, b)| a.to_bits() != b.to_bits())?;
    let frame = k / channels;
    let offset = (0..4096).find(|d| {
        recorded.len() > (frame + d + 8) * channels
            && (0..8 * channels).all(|j| recorded[(frame + d) * channels + j] == source[frame * channels + j])
    });
    Some(format!(
        "frame {frame} channel {}: source {} recorded {} (the recording matches the source {offset:?} frames later \
         there)",
        k % channels,
        source[k],
        recorded[k]
    ))
}

#[test]
fn a_float_stereo_file_plays_and_records_bit_exactly() {
    let source = TempPath::new("roundtrip-stereo.wav");
    let samples = signal(2);
    wav::write_float(source.path(), 2, 48_000, &samples);
    let recorded = play_and_record(&source, 2);
    let Samples::Float(got) = &recorded.samples else { panic!("float expected") };
    assert_eq!((got[0], got[1]), (samples[0], samples[1]), "the sampler started at the first frame");
    if let Some(diff) = first_difference(&samples, got, 2) {
        panic!("the recording differs from the source: {diff}");
    }
}

#[test]
fn an_int16_mono_file_plays_and_records_bit_exactly() {
    let source = TempPath::new("roundtrip-mono.wav");
    let ints: Vec<i16> = signal(1).iter().map(|x| (x * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16).collect();
    wav::write_int16(source.path(), 1, 48_000, &ints);
    // The engine loads 16-bit samples as x / 32768, exactly.
    let expected: Vec<f32> = ints.iter().map(|&x| f32::from(x) / 32_768.0).collect();
    let recorded = play_and_record(&source, 1);
    let Samples::Float(got) = &recorded.samples else { panic!("float expected") };
    assert_eq!(got[0], expected[0], "the sampler started at the first frame");
    if let Some(diff) = first_difference(&expected, got, 1) {
        panic!("the recording differs from the source: {diff}");
    }
    // Quantized again, the recording is the source file's data.
    let back: Vec<i16> = got.iter().map(|x| (x * 32_768.0).round() as i16).collect();
    assert_eq!(back, ints);
}
