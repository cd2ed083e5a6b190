//! Envelopes and filters against scsynth's renders: every score in
//! tests/fixtures/ugen-reference is rendered through the library and compared, frame for
//! frame, with what scsynth 3.13 rendered from it (the `.f32` beside it, made by
//! `make_references.py`, which says how). `UGEN_REFERENCE=lag,moog` runs the cases whose
//! names contain one of the words.

use std::path::{Path, PathBuf};

use oscine::control::Registry;
use oscine::render::{RenderOptions, Renderer};
use serde::Deserialize;

#[derive(Deserialize)]
struct Cases {
    sample_rate: u32,
    block_size: usize,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    /// The UGens under test: Oscine must have them.
    ugens: Vec<String>,
    /// UGens the case needs from elsewhere: without one, the case is skipped.
    borrowed: Vec<String>,
    channels: usize,
    frames: usize,
    /// The largest difference allowed, for a channel whose peak is at most 1; scaled by
    /// the peak above that (resonant filters ring louder, and their inputs' rounding
    /// grows with them).
    tolerance: f32,
    /// Frames by which Oscine's render is later than scsynth's (a Synth started inside a
    /// block, which scsynth starts at the block's start).
    #[serde(default)]
    delay: usize,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ugen-reference")
}

/// scsynth's render: `channels` interleaved little-endian floats a frame.
fn reference(case: &Case) -> Vec<f32> {
    let bytes = std::fs::read(fixtures().join(format!("{}.f32", case.name))).expect("reference render");
    assert_eq!(bytes.len(), case.frames * case.channels * 4, "{}: reference size", case.name);
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// The largest difference relative to the allowed one, or what is wrong with Oscine's
/// render of `case`.
fn check(case: &Case, cases: &Cases) -> Result<f32, String> {
    let score = std::fs::read(fixtures().join(format!("{}.osc", case.name))).expect("score");
    let options = RenderOptions {
        sample_rate: cases.sample_rate,
        block_size: cases.block_size,
        outputs: case.channels,
        inputs: 0,
        ..RenderOptions::default()
    };
    let rendered = Renderer::new(options).render_to_memory(&score).map_err(|e| format!("render failed: {e}"))?;
    let expected = reference(case);
    let mut problems = Vec::new();
    let mut closest = 0.0f32;
    for (ch, oscine) in rendered.iter().enumerate() {
        if oscine.len() < case.frames {
            return Err(format!("channel {ch}: {} frames, not {}", oscine.len(), case.frames));
        }
        let scsynth: Vec<f32> = expected.iter().skip(ch).step_by(case.channels).copied().collect();
        let peak = scsynth.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let limit = case.tolerance * peak.max(1.0);
        let mut worst = (0.0f32, 0usize);
        let mut first = None;
        for (n, &want) in scsynth.iter().enumerate().take(case.frames - case.delay) {
            let got = oscine[n + case.delay];
            let diff = (got - want).abs();
            let diff = if diff.is_nan() { f32::INFINITY } else { diff };
            if diff > worst.0 {
                worst = (diff, n);
            }
            if diff > limit && first.is_none() {
                first = Some((n, want, got));
            }
        }
        closest = closest.max(worst.0 / limit);
        if let Some((n, want, got)) = first {
            problems.push(format!(
                "channel {ch}: frame {n}: scsynth {want}, oscine {got} (largest difference {} at frame {}, allowed {limit})",
                worst.0, worst.1
            ));
        }
    }
    if problems.is_empty() {
        Ok(closest)
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn envelopes_and_filters_render_as_scsynth_does() {
    let text = std::fs::read_to_string(fixtures().join("cases.json")).expect("cases.json");
    let cases: Cases = serde_json::from_str(&text).expect("cases.json parses");
    let only: Vec<String> =
        std::env::var("UGEN_REFERENCE").map(|v| v.split(',').map(str::to_owned).collect()).unwrap_or_default();
    let registry = Registry::with_builtins();
    let (mut passed, mut skipped, mut failed) = (0, Vec::new(), Vec::new());
    for case in &cases.cases {
        if !only.is_empty() && !only.iter().any(|w| case.name.contains(w.as_str())) {
            continue;
        }
        if let Some(missing) = case.ugens.iter().find(|u| registry.ugen(u).is_none()) {
            failed.push(format!("{}: Oscine has no {missing}", case.name));
            continue;
        }
        let lacking: Vec<&str> =
            case.borrowed.iter().filter(|u| registry.ugen(u).is_none()).map(String::as_str).collect();
        if !lacking.is_empty() {
            skipped.push(format!("{} (needs {})", case.name, lacking.join(", ")));
            continue;
        }
        match check(case, &cases) {
            Ok(margin) => {
                passed += 1;
                println!("{}: largest difference {:.0}% of the tolerance", case.name, margin * 100.0);
            }
            Err(problem) => failed.push(format!("{}: {problem}", case.name)),
        }
    }
    println!("{passed} cases match scsynth");
    for s in &skipped {
        println!("skipped: {s}");
    }
    assert!(failed.is_empty(), "{} cases differ from scsynth:\n{}", failed.len(), failed.join("\n"));
    assert!(passed > 0 || !only.is_empty(), "no case ran");
}
