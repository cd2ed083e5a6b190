//! scsynth's offline renderer, the reference some tests compare Oscine's output with.

use std::path::Path;
use std::process::Command;

/// Renders the score at `score` with `scsynth -N` into a float WAV file at `out`, with
/// `outputs` output channels at 48 kHz; panics with scsynth's output if it fails.
/// `SCSYNTH` names another binary.
pub fn render(score: &Path, out: &Path, outputs: u32) {
    let output = Command::new(std::env::var("SCSYNTH").unwrap_or_else(|_| "scsynth".into()))
        .args(["-o", &outputs.to_string(), "-N"])
        .arg(score)
        .arg("_")
        .arg(out)
        .args(["48000", "WAV", "float"])
        .output()
        .expect("scsynth (Debian's supercollider-server) renders the reference");
    assert!(
        output.status.success(),
        "scsynth -N: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
