//! UGen conformance with scsynth: every case in tests/fixtures/ugens/cases.json is a score
//! (tests/fixtures/ugens/cases/NAME.osc) rendered by `scsynth -N` and by `oscine render`,
//! and the two WAV files are compared per the case's kind and tolerance.
//!
//! - Every case's scsynth render must succeed, be as long as the case, hold no NaN, and be
//!   non-silent unless the case says `"silent": true`. A missing `scsynth` fails the test
//!   (`scripts/install-deps` installs it; `SCSYNTH` names another binary).
//! - `"oscine": "checked"` cases must match: a difference fails the test.
//! - `"oscine": "pending"` cases are rendered too, and one that now matches fails the test
//!   until it is flipped to "checked", so the field stays honest.
//!
//! `UGEN_CASES=sinosc,lpf_ar` limits the run to the cases whose names contain one of the
//! comma-separated words. docs/ugens.md describes the cases and how scsynth renders them.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Deserialize;

#[derive(Deserialize)]
struct Cases {
    block_size: u32,
    input_channels: u32,
    cases: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Case {
    name: String,
    ugens: Vec<String>,
    channels: u16,
    sample_rate: u32,
    frames: usize,
    kind: Kind,
    tolerance: f64,
    #[serde(default)]
    statistics: Vec<Statistic>,
    #[serde(default)]
    bounds: Option<[f32; 2]>,
    #[serde(default)]
    silent: bool,
    /// Frames by which Oscine's render is later than scsynth's: a Synth started inside a
    /// block, which scsynth starts at the block's start.
    #[serde(default)]
    delay: usize,
    /// The tolerance is for a channel whose peak is at most 1, and scales with the peak
    /// above that (resonant filters ring louder, and their inputs' rounding with them).
    #[serde(default)]
    peak_scaled: bool,
    oscine: Status,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Exact,
    Statistical,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
enum Statistic {
    Mean,
    Rms,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pending,
    Checked,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ugens")
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("oscine-ugen-conformance-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A render: one `Vec` of samples per channel.
type Channels = Vec<Vec<f32>>;

fn read_wav(path: &Path) -> Result<(u32, Channels), String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Float || spec.bits_per_sample != 32 {
        return Err(format!("{}: not 32-bit float: {spec:?}", path.display()));
    }
    let samples: Vec<f32> =
        reader.samples::<f32>().collect::<Result<_, _>>().map_err(|e| format!("{}: {e}", path.display()))?;
    let n = spec.channels as usize;
    let channels = (0..n).map(|c| samples.iter().skip(c).step_by(n).copied().collect()).collect();
    Ok((spec.sample_rate, channels))
}

fn scsynth_binary() -> String {
    std::env::var("SCSYNTH").unwrap_or_else(|_| "scsynth".into())
}

/// Renders `case` with `scsynth -N` and checks the render on its own.
fn render_scsynth(case: &Case, score: &Path, out: &Path, cases: &Cases) -> Result<Channels, String> {
    let output = Command::new(scsynth_binary())
        .args(["-D", "0", "-o", &case.channels.to_string(), "-i", &cases.input_channels.to_string()])
        .args(["-z", &cases.block_size.to_string(), "-N"])
        .arg(score)
        .arg("_")
        .arg(out)
        .args([&case.sample_rate.to_string(), "WAV", "float"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", scsynth_binary()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // scsynth exits 0 after a failed command and reports it on standard output only.
    if !output.status.success() || stdout.contains("FAILURE") || stdout.contains("ERROR") {
        return Err(format!("scsynth -N: {}\n{stdout}{stderr}", output.status));
    }
    let (rate, mut channels) = read_wav(out)?;
    if rate != case.sample_rate || channels.len() != case.channels as usize {
        return Err(format!("scsynth wrote {} channels at {rate} Hz", channels.len()));
    }
    // scsynth renders whole blocks up to and including the one it applies the final
    // bundle in, which can be one block past the end (docs/ugens.md): keep `frames`.
    if channels[0].len() < case.frames {
        return Err(format!("scsynth rendered {} frames, fewer than {}", channels[0].len(), case.frames));
    }
    for c in &mut channels {
        c.truncate(case.frames);
    }
    if channels.iter().flatten().any(|x| x.is_nan()) {
        return Err("scsynth's render holds NaN".into());
    }
    let silent = channels.iter().flatten().all(|x| *x == 0.0);
    if silent != case.silent {
        return Err(format!("scsynth's render is {}silent", if silent { "" } else { "not " }));
    }
    check_bounds(case, &channels).map_err(|e| format!("scsynth: {e}"))?;
    Ok(channels)
}

fn check_bounds(case: &Case, channels: &Channels) -> Result<(), String> {
    if let Some([lo, hi]) = case.bounds {
        for (c, samples) in channels.iter().enumerate() {
            if let Some((n, x)) = samples.iter().enumerate().find(|(_, x)| !(lo..=hi).contains(*x)) {
                return Err(format!("channel {c} frame {n}: {x} outside [{lo}, {hi}]"));
            }
        }
    }
    Ok(())
}

/// Renders `case` with `oscine render` from the same score.
fn render_oscine(case: &Case, score: &Path, out: &Path, cases: &Cases) -> Result<Channels, String> {
    let output = Command::new(env!("CARGO_BIN_EXE_oscine"))
        .arg("render")
        .arg(score)
        .arg(out)
        .args(["--outputs", &case.channels.to_string(), "--sample-rate", &case.sample_rate.to_string()])
        .args(["--input-channels", &cases.input_channels.to_string()])
        .args(["--block-size", &cases.block_size.to_string()])
        .output()
        .map_err(|e| format!("cannot run oscine: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("oscine render: {}: {}", output.status, stderr.lines().next().unwrap_or("")));
    }
    let (rate, channels) = read_wav(out)?;
    if rate != case.sample_rate || channels.len() != case.channels as usize || channels[0].len() != case.frames {
        return Err(format!(
            "oscine wrote {} channels of {} frames at {rate} Hz, not {} of {} at {}",
            channels.len(),
            channels.first().map_or(0, Vec::len),
            case.channels,
            case.frames,
            case.sample_rate
        ));
    }
    Ok(channels)
}

fn statistic(s: Statistic, xs: &[f32]) -> f64 {
    let n = xs.len().max(1) as f64;
    match s {
        Statistic::Mean => xs.iter().map(|x| *x as f64).sum::<f64>() / n,
        Statistic::Rms => (xs.iter().map(|x| (*x as f64) * (*x as f64)).sum::<f64>() / n).sqrt(),
    }
}

/// Compares Oscine's render with scsynth's: `Err` describes the first difference.
fn compare(case: &Case, reference: &Channels, oscine: &Channels) -> Result<(), String> {
    match case.kind {
        Kind::Exact => {
            let tolerances: Vec<f64> = reference
                .iter()
                .map(|channel| {
                    let peak = channel.iter().fold(0.0f32, |m, x| m.max(x.abs()));
                    if case.peak_scaled {
                        case.tolerance * f64::from(peak.max(1.0))
                    } else {
                        case.tolerance
                    }
                })
                .collect();
            let mut worst = 0.0f64;
            let mut first = None;
            for frame in 0..case.frames - case.delay {
                for c in 0..case.channels as usize {
                    let (a, b) = (reference[c][frame], oscine[c][frame + case.delay]);
                    let diff = if a.is_nan() && b.is_nan() { 0.0 } else { (a as f64 - b as f64).abs() };
                    let diff = if diff.is_nan() { f64::INFINITY } else { diff };
                    if diff > tolerances[c] && first.is_none() {
                        first = Some((frame, c, a, b));
                    }
                    worst = worst.max(diff);
                }
            }
            match first {
                None => Ok(()),
                Some((frame, c, a, b)) => Err(format!(
                    "first difference at frame {frame} channel {c}: scsynth {a:e}, oscine {b:e} \
                     (max |a-b| {worst:e}, tolerance {:e})",
                    tolerances[c]
                )),
            }
        }
        Kind::Statistical => {
            check_bounds(case, oscine).map_err(|e| format!("oscine: {e}"))?;
            for c in 0..case.channels as usize {
                for &s in &case.statistics {
                    let (a, b) = (statistic(s, &reference[c]), statistic(s, &oscine[c]));
                    if (a - b).abs() > case.tolerance || b.is_nan() {
                        return Err(format!(
                            "channel {c} {s:?}: scsynth {a:.5}, oscine {b:.5} (tolerance {})",
                            case.tolerance
                        ));
                    }
                }
            }
            Ok(())
        }
    }
}

enum Outcome {
    /// scsynth's render failed its own checks.
    Reference(String),
    /// Oscine matches.
    Matches,
    /// Oscine fails or differs.
    Differs(String),
}

fn run_case(case: &Case, cases: &Cases, dir: &Path) -> Outcome {
    let score = fixtures().join("cases").join(format!("{}.osc", case.name));
    let reference = match render_scsynth(case, &score, &dir.join(format!("{}-scsynth.wav", case.name)), cases) {
        Ok(r) => r,
        Err(e) => return Outcome::Reference(e),
    };
    match render_oscine(case, &score, &dir.join(format!("{}-oscine.wav", case.name)), cases)
        .and_then(|o| compare(case, &reference, &o))
    {
        Ok(()) => Outcome::Matches,
        Err(e) => Outcome::Differs(e),
    }
}

#[test]
fn ugens_render_like_scsynth() {
    let text = std::fs::read_to_string(fixtures().join("cases.json")).expect("cases.json");
    let mut cases: Cases = serde_json::from_str(&text).expect("cases.json parses");
    if let Ok(filter) = std::env::var("UGEN_CASES") {
        let words: Vec<&str> = filter.split(',').filter(|w| !w.is_empty()).collect();
        cases.cases.retain(|c| words.iter().any(|w| c.name.contains(w)));
    }
    assert!(!cases.cases.is_empty(), "no cases");
    let version = Command::new(scsynth_binary()).arg("-v").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "`{} -v` does not run ({:?}): the conformance test needs scsynth (Debian's supercollider-server; \
         scripts/install-deps installs it)",
        scsynth_binary(),
        version.err()
    );

    let dir = TempDir::new();
    // Two renders at a time: each is short, and most of the time is process start-up.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.cases.get(i) else { break };
                let outcome = run_case(case, &cases, &dir.0);
                results.lock().unwrap().push((i, outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);

    let mut reference_failures = Vec::new();
    let mut checked_failures = Vec::new();
    let mut pending_matches = Vec::new();
    let (mut checked, mut pending) = (0, 0);
    for (i, outcome) in &results {
        let case = &cases.cases[*i];
        let label = format!("{} [{}]", case.name, case.ugens.join(", "));
        match (outcome, case.oscine) {
            (Outcome::Reference(e), _) => reference_failures.push(format!("{label}: {e}")),
            (Outcome::Matches, Status::Checked) => checked += 1,
            (Outcome::Differs(e), Status::Checked) => checked_failures.push(format!("{label}: {e}")),
            (Outcome::Matches, Status::Pending) => pending_matches.push(case.name.clone()),
            (Outcome::Differs(_), Status::Pending) => pending += 1,
        }
    }
    eprintln!("ugen conformance: {} cases; {checked} checked and matching, {pending} pending", results.len());
    let mut report = String::new();
    if !reference_failures.is_empty() {
        report += &format!("scsynth's reference render failed for:\n  {}\n", reference_failures.join("\n  "));
    }
    if !checked_failures.is_empty() {
        report += &format!("\"checked\" cases that differ from scsynth:\n  {}\n", checked_failures.join("\n  "));
    }
    if !pending_matches.is_empty() {
        report += &format!(
            "\"pending\" cases that now match scsynth: set \"oscine\": \"checked\" in \
             tests/fixtures/ugens/cases.json (and in docs/ugens.md) for:\n  {}\n",
            pending_matches.join("\n  ")
        );
    }
    assert!(report.is_empty(), "{report}");
}
