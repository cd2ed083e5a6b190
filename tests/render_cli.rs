//! `oscine render` end to end: the built binary, a score file in, a WAV file out.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use oscine::score::{message, read_score, Score};
use rosc::OscType;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("oscine-render-cli-{}-{n}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn oscine(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oscine"));
    command.arg("render");
    for a in args {
        command.arg(a);
    }
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn i(v: i32) -> OscType {
    OscType::Int(v)
}

fn s(v: &str) -> OscType {
    OscType::String(v.into())
}

fn write_input(path: &Path, channels: u16, rate: u32, frames: usize) -> Vec<f32> {
    let spec =
        hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let samples: Vec<f32> =
        (0..frames * channels as usize).map(|n| ((n * 7919) % 2001) as f32 / 1000.0 - 1.0).collect();
    for x in &samples {
        w.write_sample(*x).unwrap();
    }
    w.finalize().unwrap();
    samples
}

/// A patch cable from hardware input 0 to hardware output 1, and a sine on output 0 from
/// 0.1 s, for 0.25 s.
fn through_score() -> Score {
    let mut score = Score::new();
    score.at(
        0.0,
        [
            message("/synth/new", vec![s("patch-cable"), i(1000), i(0), i(0)]),
            message("/synth/map/input", vec![i(1000), i(0), i(0), i(1)]),
            message("/synth/map/output", vec![i(1000), i(0), i(1), i(1)]),
        ],
    );
    score.at(0.1, [message("/synth/new", vec![s("sine"), i(1001), i(0), i(0), s("amp"), OscType::Float(0.5)])]);
    score.end(0.25);
    score
}

#[test]
fn renders_a_score_with_an_input_file_to_a_wav_file() {
    let dir = TempDir::new("through");
    let (score_path, input, out) = (dir.path("score.osc"), dir.path("in.wav"), dir.path("out.wav"));
    through_score().write(&score_path).unwrap();
    let samples = write_input(&input, 1, 48_000, 48_000);
    let output = oscine(&[&score_path, &out, &"--inputs", &input]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Not a terminal: nothing at all on stderr (no progress bar, no summary).
    assert!(output.stderr.is_empty(), "{:?}", stderr(&output));
    assert!(output.stdout.is_empty());

    let reader = hound::WavReader::open(&out).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (2, 48_000, 32));
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    assert_eq!(reader.duration(), 12_000);
    let data: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    let (left, right): (Vec<f32>, Vec<f32>) = data.chunks_exact(2).map(|f| (f[0], f[1])).unzip();
    assert_eq!(right, samples[..12_000], "the input comes through exactly");
    assert!(left[..4800].iter().all(|x| *x == 0.0));
    assert_eq!(left[4800], 0.0, "a sine starts at phase 0");
    assert!(left[4801] > 0.0);
    assert!(left[4800..].iter().all(|x| x.abs() <= 0.5) && left.iter().any(|x| x.abs() > 0.49));
    // No temporary file is left next to the output.
    let names: Vec<_> = std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn writes_integer_formats_and_other_rates_and_channel_counts() {
    let dir = TempDir::new("formats");
    let (score_path, input, out) = (dir.path("score.osc"), dir.path("in.wav"), dir.path("out.wav"));
    through_score().write(&score_path).unwrap();
    let samples = write_input(&input, 2, 44_100, 44_100);
    for (format, bits) in [("int16", 16u16), ("int24", 24)] {
        let output = oscine(&[
            &score_path,
            &out,
            &"--inputs",
            &input,
            &"--input-channels",
            &"1",
            &"--sample-rate",
            &"44100",
            &"--outputs",
            &"3",
            &"--block-size",
            &"100",
            &"--format",
            &format,
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let reader = hound::WavReader::open(&out).unwrap();
        let spec = reader.spec();
        assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (3, 44_100, bits));
        assert_eq!(reader.duration(), 11_025);
        let data: Vec<i32> = reader.into_samples::<i32>().map(Result::unwrap).collect();
        let scale = (1i64 << (bits - 1)) as f64;
        for (n, frame) in data.chunks_exact(3).enumerate() {
            // File channel 0 feeds input 0; its channel 1 is ignored.
            let x = samples[2 * n] as f64;
            let expected = (x * scale).round().clamp(-scale, scale - 1.0) as i32;
            assert_eq!(frame[1], expected, "frame {n}");
            assert_eq!(frame[2], 0);
        }
    }
}

#[test]
fn a_bad_score_fails_with_the_byte_offset_and_writes_nothing() {
    let dir = TempDir::new("bad");
    let (score_path, out) = (dir.path("score.osc"), dir.path("out.wav"));
    let mut score = Score::new();
    score.at(0.0, [message("/synth/new", vec![s("sine"), i(1000), i(0), i(0)])]);
    score.at(0.5, [message("/synth/new", vec![s("no-such-def"), i(1001), i(0), i(0)])]);
    score.end(1.0);
    score.write(&score_path).unwrap();
    let offset = read_score(&std::fs::read(&score_path).unwrap()).unwrap()[1].messages[0].offset;
    std::fs::write(&out, b"keep me").unwrap();
    let output = oscine(&[&score_path, &out]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "byte {offset} (at 0.500000 s): /synth/new: no synthdef named 'no-such-def' (error 14)"
        )),
        "{text}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me", "an existing output is left alone");
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 2, "no temporary file is left");

    // Truncated.
    let bytes = std::fs::read(&score_path).unwrap();
    std::fs::write(&score_path, &bytes[..bytes.len() - 2]).unwrap();
    let output = oscine(&[&score_path, &dir.path("other.wav")]);
    assert_eq!(output.status.code(), Some(1));
    let last = read_score(&bytes).unwrap()[2].offset;
    assert!(stderr(&output).contains(&format!("bad score: byte {last}: truncated")), "{}", stderr(&output));
    assert!(!dir.path("other.wav").exists());
}

#[test]
fn unreadable_files_and_bad_flags_are_refused_clearly() {
    let dir = TempDir::new("flags");
    let out = dir.path("out.wav");
    let output = oscine(&[&dir.path("missing.osc"), &out]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("oscine render: cannot read the score"), "{}", stderr(&output));

    let score_path = dir.path("score.osc");
    through_score().write(&score_path).unwrap();
    let output = oscine(&[&score_path, &out, &"--inputs", &dir.path("missing.wav")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("missing.wav"), "{}", stderr(&output));

    let input = dir.path("in.wav");
    write_input(&input, 1, 44_100, 100);
    let output = oscine(&[&score_path, &out, &"--inputs", &input]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("is at 44100 Hz but the render runs at 48000 Hz"), "{}", stderr(&output));

    for flags in [["--format", "mp3"], ["--block-size", "0"], ["--outputs", "0"], ["--sample-rate", "fast"]] {
        let output = oscine(&[&score_path, &out, &flags[0], &flags[1]]);
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        assert!(stderr(&output).contains(flags[0]), "{}", stderr(&output));
    }
    assert!(!out.exists());
}

/// On a terminal (a pseudo-terminal from util-linux `script`), the bar and a summary
/// show on stderr; the piped runs above show nothing. Skipped where `script` is missing.
#[cfg(target_os = "linux")]
#[test]
fn shows_progress_only_on_a_terminal() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to provide a terminal");
        return;
    }
    let dir = TempDir::new("tty");
    let (score_path, out) = (dir.path("score.osc"), dir.path("out.wav"));
    let mut score = Score::new();
    score.at(0.0, [message("/synth/new", vec![s("sine"), i(1000), i(0), i(0)])]);
    score.end(30.0);
    score.write(&score_path).unwrap();
    let line = format!("'{}' render '{}' '{}'", env!("CARGO_BIN_EXE_oscine"), score_path.display(), out.display());
    let output = Command::new("/usr/bin/script").args(["-qec", &line, "/dev/null"]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("rendering ["), "{text}");
    assert!(text.contains("rendered 30.000 s (2 channels, 48000 Hz)"), "{text}");
    assert_eq!(hound::WavReader::open(&out).unwrap().duration(), 1_440_000);
}
