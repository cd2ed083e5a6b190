//! Offline rendering through the library: exact timing, ordering, control changes,
//! awaited resources, determinism and bad scores.
mod support;

use std::path::PathBuf;

use oscine::control::Registry;
use oscine::render::{RenderError, RenderOptions, Renderer, WavFormat, WavOutput};
use oscine::score::{message, read_score, Score, ScoreErrorKind};
use rosc::{OscMessage, OscType};

const RATE: f64 = 48_000.0;

fn registry() -> Registry {
    let mut registry = Registry::with_builtins();
    support::test_defs::register(&mut registry);
    registry
}

fn options(outputs: usize, block_size: usize) -> RenderOptions {
    RenderOptions { outputs, block_size, ..RenderOptions::default() }
}

fn render_with(score: &Score, options: RenderOptions) -> Result<Vec<Vec<f32>>, RenderError> {
    Renderer::with_registry(options, registry()).render_to_memory(&score.to_bytes().expect("score encodes"))
}

fn render(score: &Score, outputs: usize) -> Vec<Vec<f32>> {
    render_with(score, options(outputs, 64)).expect("render succeeds")
}

fn i(v: i32) -> OscType {
    OscType::Int(v)
}
fn f(v: f32) -> OscType {
    OscType::Float(v)
}
fn s(v: &str) -> OscType {
    OscType::String(v.into())
}

/// `/synth/new def id` at the head of the root group, with control pairs.
fn synth(def: &str, id: i32, controls: &[(&str, f32)]) -> OscMessage {
    let mut args = vec![s(def), i(id), i(0), i(0)];
    for (name, value) in controls {
        args.push(s(name));
        args.push(f(*value));
    }
    message("/synth/new", args)
}

fn frame(seconds: f64) -> usize {
    (seconds * RATE).round() as usize
}

fn command_failure(result: Result<Vec<Vec<f32>>, RenderError>) -> oscine::render::CommandFailure {
    match result {
        Err(RenderError::Command(failure)) => failure,
        other => panic!("expected a command failure, got {other:?}"),
    }
}

/// Where each message of the score sits, by address, in file order.
fn offsets(score: &Score) -> Vec<(String, usize)> {
    let bytes = score.to_bytes().unwrap();
    read_score(&bytes)
        .unwrap()
        .iter()
        .flat_map(|b| b.messages.iter().map(|m| (m.message.addr.clone(), m.offset)).collect::<Vec<_>>())
        .collect()
}

#[test]
fn clicks_land_on_exactly_their_frames_whatever_the_block_size() {
    let mut score = Score::new();
    let mut expected = Vec::new();
    for k in 1..=40 {
        let t = k as f64 * 0.0123;
        score.at(t, [synth("test-click", 1000 + k, &[])]);
        expected.push(frame(t));
    }
    // Eight clicks 7 frames apart: several offsets inside the same block.
    for k in 0..8 {
        let t = (30_000 + 7 * k) as f64 / RATE;
        score.at(t, [synth("test-click", 2000 + k as i32, &[])]);
        expected.push(30_000 + 7 * k);
    }
    score.end(0.7);
    for block_size in [64, 37, 1, 512] {
        let out = render_with(&score, options(1, block_size)).unwrap();
        assert_eq!(out[0].len(), frame(0.7));
        let clicks: Vec<usize> = out[0].iter().enumerate().filter(|(_, x)| **x != 0.0).map(|(n, _)| n).collect();
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(clicks, sorted, "block size {block_size}");
        assert!(clicks.iter().all(|&n| out[0][n] == 1.0));
    }
}

#[test]
fn a_timed_free_stops_a_synth_on_its_frame() {
    let mut score = Score::new();
    score.at(0.0, [synth("test-dc", 1000, &[("level", 0.5)])]);
    score.at(0.0123, [message("/node/free", vec![i(1000)])]);
    score.end(0.02);
    let out = render(&score, 1);
    let stop = frame(0.0123);
    assert!(out[0][..stop].iter().all(|x| *x == 0.5));
    assert!(out[0][stop..].iter().all(|x| *x == 0.0));
}

#[test]
fn bundles_with_the_same_time_apply_in_order() {
    let t = 0.1003; // frame 4814, inside a block
    let mut score = Score::new();
    score.at(t, [synth("test-dc", 1000, &[("level", 0.5)])]);
    score.at(t, [message("/node/set", vec![i(1000), s("level"), f(0.25)])]);
    score.end(0.11);
    let out = render(&score, 1);
    let start = frame(t);
    assert!(out[0][..start].iter().all(|x| *x == 0.0));
    assert!(out[0][start..].iter().all(|x| *x == 0.25), "the set applied after the synth was created");

    // The other way round, the set finds no synth: the render stops at the set.
    let mut reversed = Score::new();
    reversed.at(t, [message("/node/set", vec![i(1000), s("level"), f(0.25)])]);
    reversed.at(t, [synth("test-dc", 1000, &[("level", 0.5)])]);
    reversed.end(0.11);
    let failure = command_failure(render_with(&reversed, options(1, 64)));
    assert_eq!(failure.offset, offsets(&reversed)[0].1);
    assert_eq!((failure.address.as_str(), failure.code), ("/node/set", Some(21)));
    assert!((failure.seconds - t).abs() < 1e-9);

    // A group, then a synth into it, at the same time: fine; reversed, the target is
    // missing.
    let group = message("/group/new", vec![i(100), i(0), i(0)]);
    let into = message("/synth/new", vec![s("test-dc"), i(1000), i(100), i(0)]);
    let mut ordered = Score::new();
    ordered.at(t, [group.clone()]).at(t, [into.clone()]).end(0.11);
    assert!(render(&ordered, 1)[0][frame(t)..].iter().all(|x| *x == 1.0));
    let mut wrong = Score::new();
    wrong.at(t, [into]).at(t, [group]).end(0.11);
    let failure = command_failure(render_with(&wrong, options(1, 64)));
    assert_eq!((failure.address.as_str(), failure.code, failure.offset), ("/synth/new", Some(21), 24));
}

#[test]
fn a_midi_message_in_a_score_stops_the_render() {
    let mut score = Score::new();
    score.at(0.0, [message("/midi/map/note", vec![i(1), i(-1), i(-1), s("test-dc"), i(0)])]);
    score.end(0.01);
    let failure = command_failure(render_with(&score, options(1, 64)));
    assert_eq!((failure.address.as_str(), failure.code), ("/midi/map/note", Some(100)));
}

#[test]
fn control_changes_land_on_their_frame_or_their_block_start() {
    // 0.0101 s is frame 485: block 7 (448..512), offset 37.
    let t = 0.0101;
    let mut score = Score::new();
    score.at(
        0.0,
        [
            synth("test-step", 1000, &[("level", 0.0)]),
            synth("test-dc", 1001, &[("level", 0.0)]),
            message("/synth/map/output", vec![i(1001), i(0), i(1), i(1)]),
        ],
    );
    score.at(
        t,
        [
            message("/node/set", vec![i(1000), s("level"), f(1.0)]),
            message("/node/set", vec![i(1001), s("level"), f(1.0)]),
        ],
    );
    score.end(0.02);
    let out = render(&score, 2);
    assert_eq!(frame(t), 485);
    // Sample-accurate: from exactly frame 485.
    let first = out[0].iter().position(|x| *x == 1.0);
    assert_eq!(first, Some(485));
    assert!(out[0][485..].iter().all(|x| *x == 1.0));
    // Not sample-accurate: from the start of the block holding frame 485.
    let first = out[1].iter().position(|x| *x == 1.0);
    assert_eq!(first, Some(448));
    assert!(out[1][..448].iter().all(|x| *x == 0.0) && out[1][448..].iter().all(|x| *x == 1.0));
}

struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str) -> TempFile {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TempFile(std::env::temp_dir().join(format!("oscine-render-{}-{n}-{tag}", std::process::id())))
    }
    fn string(&self) -> String {
        self.0.to_str().unwrap().to_owned()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write_wav(path: &TempFile, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&path.0, spec).unwrap();
    for x in samples {
        w.write_sample(*x).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn a_buffer_loaded_at_t_plays_from_a_sampler_created_at_t_in_the_same_bundle() {
    let wav = TempFile::new("ramp.wav");
    // Long enough that loading it takes a while on a worker.
    let samples: Vec<f32> = (0..96_000).map(|n| ((n % 1000) as f32 + 1.0) / 1000.0).collect();
    write_wav(&wav, &samples);
    for t in [0.0, 0.2503] {
        let mut score = Score::new();
        score.at(
            t,
            [
                message("/resource/new", vec![s("audio-buffer"), i(0), s(&wav.string())]),
                synth("sampler", 1000, &[("buffer", 0.0)]),
            ],
        );
        score.end(t + 0.5);
        let out = render(&score, 2);
        let start = frame(t);
        assert!(out[0][..start].iter().all(|x| *x == 0.0));
        assert_eq!(&out[0][start..], &samples[..out[0].len() - start], "t = {t}");
        assert_eq!(out[1], out[0], "a mono buffer plays on both outputs");
    }
}

#[test]
fn resource_failures_stop_the_render_at_their_message() {
    let mut score = Score::new();
    score.end(0.5);
    score.at(0.25, [message("/resource/new", vec![s("audio-buffer"), i(3), s("/nonexistent/oscine.wav")])]);
    let failure = command_failure(render_with(&score, options(1, 64)));
    assert_eq!(failure.address, "/resource/new");
    assert_eq!(failure.offset, offsets(&score)[0].1);
    assert!(failure.message.starts_with("resource 3 failed to construct"), "{}", failure.message);
    assert!(failure.to_string().contains("/nonexistent/oscine.wav"), "{failure}");

    // A resource operation that fails, after a buffer that was freed and made again.
    let mut score = Score::new();
    score.at(0.0, [message("/resource/new", vec![s("audio-buffer"), i(0), i(1), i(100)])]);
    score.at(0.1, [message("/resource/free", vec![i(0)])]);
    score.at(0.1, [message("/resource/new", vec![s("audio-buffer"), i(0), i(1), i(100)])]);
    score.at(0.2, [message("/resource/perform", vec![i(0), s("read"), s("/nonexistent/oscine.wav")])]);
    score.end(0.3);
    let failure = command_failure(render_with(&score, options(1, 64)));
    assert_eq!((failure.address.as_str(), failure.code), ("/resource/perform", Some(68)));
}

fn determinism_score(wav: &TempFile) -> Score {
    let mut score = Score::new();
    score.at(
        0.0,
        [
            message("/resource/new", vec![s("audio-buffer"), i(0), s(&wav.string())]),
            synth("sampler", 999, &[("buffer", 0.0), ("rate", 0.75), ("loop", 1.0)]),
            synth("noise", 1000, &[("seed", 1234.0), ("amp", 0.3)]),
            message("/synth/map/output", vec![i(1000), i(0), i(1), i(1)]),
        ],
    );
    for k in 0..20 {
        let t = 0.01 + k as f64 * 0.0371;
        let id = 2000 + k;
        score.at(t, [synth("sine", id, &[("freq", 200.0 + 37.0 * k as f32), ("amp", 0.05)])]);
        score.at(t + 0.013, [message("/node/set", vec![i(id), s("freq"), f(300.0 + 11.0 * k as f32)])]);
        score.at(t + 0.2, [message("/node/free", vec![i(id)])]);
        score.at(t + 0.05, [message("/resource/perform", vec![i(0), s("query")])]);
    }
    score.end(1.2);
    score
}

#[test]
fn rendering_the_same_score_twice_gives_bit_identical_files() {
    let wav = TempFile::new("noise.wav");
    let samples: Vec<f32> =
        (0..200_000u32).map(|n| ((n.wrapping_mul(2_654_435_761) >> 8) as f32 / 16_777_216.0) - 0.5).collect();
    write_wav(&wav, &samples);
    let bytes = determinism_score(&wav).to_bytes().unwrap();
    let mut files = Vec::new();
    for (workers, block_size, format) in
        [(1, 64, WavFormat::Float), (4, 64, WavFormat::Float), (2, 64, WavFormat::Float), (2, 64, WavFormat::Int24)]
    {
        let out = TempFile::new("out.wav");
        let options = RenderOptions { workers, block_size, ..RenderOptions::default() };
        let mut sink = WavOutput::create(&out.0, 2, 48_000, format).unwrap();
        let report = Renderer::with_registry(options, registry()).render(&bytes, &mut sink).unwrap();
        sink.finish().unwrap();
        assert_eq!(report.frames, 57_600);
        files.push((std::fs::read(&out.0).unwrap(), format));
    }
    assert_eq!(files[0].0, files[1].0, "worker count changes nothing");
    assert_eq!(files[0].0, files[2].0);
    assert_ne!(files[0].0, files[3].0);
    // The float file holds noise and sines, not silence.
    let reader = hound::WavReader::new(std::io::Cursor::new(&files[0].0)).unwrap();
    assert_eq!(reader.spec().channels, 2);
    let samples: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(samples.len(), 2 * 57_600);
    assert!(samples.iter().step_by(2).any(|x| *x != 0.0) && samples.iter().skip(1).step_by(2).any(|x| *x != 0.0));
    // A second int24 render matches the first.
    let out = TempFile::new("again.wav");
    let mut sink = WavOutput::create(&out.0, 2, 48_000, WavFormat::Int24).unwrap();
    Renderer::with_registry(RenderOptions::default(), registry()).render(&bytes, &mut sink).unwrap();
    sink.finish().unwrap();
    assert_eq!(std::fs::read(&out.0).unwrap(), files[3].0);
}

#[test]
fn bad_scores_stop_with_the_byte_offset_and_reason() {
    let mut score = Score::new();
    score.at(0.0, [synth("test-dc", 1000, &[])]);
    score.at(0.5, [message("/node/free", vec![i(1000)])]);
    let good = score.to_bytes().unwrap();
    let second = read_score(&good).unwrap()[1].offset;
    let render_bytes =
        |bytes: &[u8]| Renderer::with_registry(options(1, 64), registry()).render_to_memory(bytes).map(|_| ());

    // Truncated: the second bundle's length runs past the end.
    let e = render_bytes(&good[..good.len() - 3]).unwrap_err();
    let RenderError::Score(e) = e else { panic!("{e:?}") };
    assert_eq!(e.offset, second);
    assert!(matches!(e.kind, ScoreErrorKind::PastEnd { .. }));
    assert!(e.to_string().starts_with(&format!("byte {second}: truncated")), "{e}");

    // Truncated inside a length prefix.
    let mut cut = good.clone();
    cut.extend_from_slice(&[0, 0]);
    let e = render_bytes(&cut).unwrap_err();
    assert!(e.to_string().contains(&format!("byte {}: truncated", good.len())), "{e}");

    // Decreasing time: swap the two bundles' bytes.
    let mut swapped = good[second..].to_vec();
    swapped.extend_from_slice(&good[..second]);
    let e = render_bytes(&swapped).unwrap_err();
    let RenderError::Score(e) = e else { panic!("{e:?}") };
    assert_eq!(e.offset, good.len() - second);
    assert!(matches!(e.kind, ScoreErrorKind::TimeOrder { time: 0.0, previous: 0.5 }));

    // A bare message at the top level.
    let msg = rosc::encoder::encode(&rosc::OscPacket::Message(message("/status", vec![]))).unwrap();
    let mut bare = (msg.len() as u32).to_be_bytes().to_vec();
    bare.extend_from_slice(&msg);
    let e = render_bytes(&bare).unwrap_err();
    assert!(e.to_string().contains("byte 0: not a bundle"), "{e}");

    // An unknown verb: stopped at its message, with the server's code and reason.
    let mut score = Score::new();
    score.at(0.0, [synth("test-dc", 1000, &[])]);
    score.at(0.25, [message("/synth/frobnicate", vec![i(1)])]);
    score.end(0.5);
    let failure = command_failure(render_with(&score, options(1, 64)));
    assert_eq!(failure.offset, offsets(&score)[1].1);
    assert_eq!(failure.code, Some(10));
    assert_eq!(
        failure.to_string(),
        format!(
            "byte {} (at 0.250000 s): /synth/frobnicate: unknown command '/synth/frobnicate' (error 10)",
            failure.offset
        )
    );

    // Empty.
    let e = render_bytes(&[]).unwrap_err();
    assert_eq!(e.to_string(), "bad score: byte 0: the score is empty: it holds no bundles");
}

#[test]
fn the_render_ends_at_the_latest_time_and_applies_what_is_there() {
    // A nested bundle later than its enclosing one extends the render, and a bad message
    // at the very end is still caught.
    let mut score = Score::new();
    score.bundle(
        0.1,
        vec![rosc::OscPacket::Bundle(rosc::OscBundle {
            timetag: oscine::engine::Timetag::from_seconds(0.3).parts().into(),
            content: vec![rosc::OscPacket::Message(synth("test-click", 1000, &[]))],
        })],
    );
    score.end(0.2);
    let out = render(&score, 1);
    assert_eq!(out[0].len(), frame(0.3));
    assert!(out[0].iter().all(|x| *x == 0.0), "the click at the end is not heard");

    score.at(0.3, [message("/node/free", vec![i(4242)])]);
    let failure = command_failure(render_with(&score, options(1, 64)));
    assert_eq!((failure.address.as_str(), failure.code), ("/node/free", Some(21)));
}

#[test]
fn a_nested_bundle_timed_later_applies_at_its_time_in_score_order() {
    let nested = |seconds: f64, message: OscMessage| {
        rosc::OscPacket::Bundle(rosc::OscBundle {
            timetag: oscine::engine::Timetag::from_seconds(seconds).parts().into(),
            content: vec![rosc::OscPacket::Message(message)],
        })
    };
    let mut score = Score::new();
    score.bundle(0.1, vec![nested(0.2003, synth("test-dc", 1000, &[("level", 0.5)]))]);
    score.at(0.2003, [message("/node/set", vec![i(1000), s("level"), f(0.25)])]);
    score.end(0.25);
    let out = render(&score, 1);
    let start = frame(0.2003);
    assert!(out[0][..start].iter().all(|x| *x == 0.0));
    assert!(out[0][start..].iter().all(|x| *x == 0.25));

    // Before its time the synth does not exist yet.
    score.at(0.15, [message("/node/set", vec![i(1000), s("level"), f(0.75)])]);
    let failure = command_failure(render_with(&score, options(1, 64)));
    assert_eq!((failure.address.as_str(), failure.code), ("/node/set", Some(21)));
    assert!((failure.seconds - 0.15).abs() < 1e-9);
}

#[test]
fn a_synth_is_activated_at_its_exact_frame_and_sees_the_frame_of_every_sample() {
    let mut score = Score::new();
    // 0.0123 s is 590.4 frames: inside a block, and not on a block boundary.
    let start = 0.0123;
    score.at(start, [synth("test-frame", 1, &[])]);
    score.end(0.03);
    for block_size in [1, 7, 64, 256] {
        let out = render_with(&score, options(2, block_size)).expect("render succeeds");
        let first = frame(start);
        assert!(out[0][..first].iter().all(|&x| x == 0.0), "block {block_size}: silent before its start");
        for (n, &x) in out[0].iter().enumerate().skip(first) {
            assert_eq!(x, n as f32, "block {block_size}: the frame of sample {n}");
        }
        assert!(out[1][first..].iter().all(|&x| x == first as f32), "block {block_size}: activated at {first}");
    }
}

#[test]
fn outputs_a_synth_leaves_untouched_are_cleared_not_stale() {
    let mut score = Score::new();
    // `replace` (0x4) on hardware output 0, after a dc that writes 1 there.
    score.at(
        0.0,
        [
            synth("test-dc", 1, &[("level", 1.0)]),
            message("/synth/new", vec![s("test-untouched"), i(2), i(1), i(3), s("level"), f(0.5)]),
            message("/synth/map/output", vec![i(2), i(0), i(0), i(0x1 | 0x4)]),
        ],
    );
    score.at(0.01, [message("/node/set", vec![i(2), s("write"), f(0.0)])]);
    score.end(0.02);
    let out = render(&score, 1);
    let changed = frame(0.01) / 64 * 64;
    assert!(out[0][..changed].iter().all(|&x| x == 0.5), "it writes while asked to");
    assert!(out[0][changed..].iter().all(|&x| x == 0.0), "then its output is silence, replacing the dc");
}

#[test]
fn a_completion_message_plays_after_its_command_and_one_nested_too_deep_is_refused() {
    let sine = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scgf/sine.scsyndef")).unwrap();
    let encode = |p: rosc::OscPacket| rosc::encoder::encode(&p).unwrap();
    let nested = |depth: usize| {
        let mut packet = rosc::OscPacket::Message(synth("sine", 1, &[("amp", 0.5)]));
        for _ in 0..depth {
            let timetag = rosc::OscTime { seconds: 0, fractional: 1 };
            packet = rosc::OscPacket::Bundle(rosc::OscBundle { timetag, content: vec![packet] });
        }
        encode(packet)
    };
    let score = |completion: Vec<u8>| {
        let mut score = Score::new();
        score.at(0.0, [message("/d_recv", vec![OscType::Blob(sine.clone()), OscType::Blob(completion)])]);
        score.at(0.01, [message("/node/free", vec![i(1)])]);
        score
    };
    let out = render(&score(nested(2)), 1);
    assert!(out[0][..64].iter().any(|s| *s != 0.0), "the Synth of the completion message plays from frame 0");
    // Nine bundles deep is past the nesting any packet may have: refused, not walked.
    let failure = command_failure(render_with(&score(nested(9)), options(1, 64)));
    assert_eq!((failure.address.as_str(), failure.code), ("/d_recv", Some(1)), "{failure:?}");
    assert!(failure.message.contains("completion message"), "{failure:?}");
}
