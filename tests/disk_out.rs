//! `DiskOut` records through a buffer opened on a sound file (`/b_write` with
//! `leaveOpen`, then `/b_close`): the file `oscine render` writes for a score holds every
//! frame the score played on the recorded bus, as `scsynth -N` renders that bus for the
//! same score. (scsynth's own `DiskOut` file is no reference: in `-N` its disk thread may
//! not have written the file when the process exits.)
//!
//! Needs scsynth (Debian's supercollider-server); `SCSYNTH` names another binary.
mod support;

use std::path::Path;
use std::process::Command;

use oscine::score::{message, Score};
use rosc::OscType;
use support::scgf::{file, sine};
use support::temp_dir::TempDir;

fn i(x: i32) -> OscType {
    OscType::Int(x)
}

fn s(x: &str) -> OscType {
    OscType::String(x.into())
}

/// sclang's `system_diskout_1`: `DiskOut.ar(i_bufNum, In.ar(i_in, 1))`.
fn diskout_def() -> Vec<u8> {
    let path = format!("{}/tests/fixtures/scgf/sclang/system_diskout_1.scsyndef", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

/// A score recording a 441 Hz sine on bus 0 into `take` for `seconds`, through a buffer of
/// `frames` frames.
fn score(take: &Path, frames: i32, seconds: f64) -> Score {
    let mut score = Score::new();
    let path = take.display().to_string();
    score.at(
        0.0,
        [
            message("/d_recv", vec![OscType::Blob(file(&[sine("tone", 441.0)]))]),
            message("/d_recv", vec![OscType::Blob(diskout_def())]),
            message("/b_alloc", vec![i(0), i(frames), i(1)]),
            // path, header, sample format, frames, start frame, leave open.
            message("/b_write", vec![i(0), s(&path), s("wav"), s("float"), i(0), i(0), i(1)]),
        ],
    );
    score.at(
        0.0,
        [
            message("/s_new", vec![s("tone"), i(1000), i(0), i(0)]),
            message(
                "/s_new",
                vec![s("system_diskout_1"), i(1001), i(3), i(1000), s("i_bufNum"), i(0), s("i_in"), i(0)],
            ),
        ],
    );
    score.at(seconds, [message("/n_free", vec![i(1001)]), message("/b_close", vec![i(0)])]);
    score.end(seconds + 0.01);
    score
}

fn samples(path: &Path) -> Vec<f32> {
    let reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(reader.spec().channels, 1);
    reader.into_samples::<f32>().map(Result::unwrap).collect()
}

#[test]
fn a_score_records_every_frame_with_diskout_as_scsynth_records_them() {
    let dir = TempDir::new("diskout-score");
    // A small ring, many times round: the render waits for the disk, so nothing is lost
    // however fast it runs.
    let seconds = 0.5;
    for renderer in ["oscine", "scsynth"] {
        let score_path = dir.path().join(format!("{renderer}.osc"));
        score(&dir.path().join(format!("{renderer}-take.wav")), 1024, seconds).write(&score_path).unwrap();
        let out = dir.path().join(format!("{renderer}-out.wav"));
        if renderer == "oscine" {
            let output =
                Command::new(env!("CARGO_BIN_EXE_oscine")).arg("render").arg(&score_path).arg(&out).output().unwrap();
            assert!(output.status.success(), "oscine render: {}", String::from_utf8_lossy(&output.stderr));
        } else {
            support::scsynth_nrt::render(&score_path, &out, 1);
        }
    }
    // scsynth's render of the bus, and Oscine's: the same samples as the recording.
    let reference = samples(&dir.path().join("scsynth-out.wav"));
    let played = hound::WavReader::open(dir.path().join("oscine-out.wav")).unwrap();
    let channels = usize::from(played.spec().channels);
    let played: Vec<f32> = played.into_samples::<f32>().map(Result::unwrap).step_by(channels).collect();
    let ours = samples(&dir.path().join("oscine-take.wav"));
    // Every frame from the first block to the one the recorder was freed in.
    assert_eq!(ours.len(), (seconds * 48_000.0) as usize, "the file holds every frame recorded");
    assert_eq!(ours[..], played[..ours.len()], "the file holds what Oscine played");
    for (k, (a, b)) in ours.iter().zip(&reference).enumerate() {
        assert!((a - b).abs() <= 1e-6, "frame {k}: oscine {a}, scsynth {b}");
    }
    assert!(ours.iter().any(|&x| x > 0.99), "a full-scale sine");
}
