//! Helpers for the built-in plugins' tests: spectral probes for checking oscillators, test
//! signals and temporary directories. Running Synths the way the engine does is the
//! plugin API's harness ([`oscine_plugin_api::harness`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use oscine_plugin_api::harness::WORLD;

/// Frame count of `seconds` at the test sample rate.
pub fn frames(seconds: f64) -> usize {
    (seconds * WORLD.sample_rate).round() as usize
}

/// A Blackman-Harris (4-term) windowed copy of `signal`, and the window's sum. Its side
/// lobes sit 92 dB down, so spectral probes can see spurs 60 dB below a strong tone.
pub fn windowed(signal: &[f32]) -> (Vec<f64>, f64) {
    let n = signal.len() as f64;
    let mut sum = 0.0;
    let data = signal
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let t = 2.0 * std::f64::consts::PI * i as f64 / n;
            let w = 0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos();
            sum += w;
            w * f64::from(x)
        })
        .collect();
    (data, sum)
}

/// The amplitude of the sinusoid at `freq` Hz in a windowed signal (Goertzel), scaled so a
/// pure tone of amplitude `a` reads `a`.
pub fn amplitude_at(windowed: &(Vec<f64>, f64), freq: f64) -> f64 {
    let (data, window_sum) = windowed;
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / WORLD.sample_rate).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in data {
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power.max(0.0).sqrt() / window_sum
}

/// The strongest component of `signal` that is not a harmonic of `fundamental` (nor DC),
/// in dB relative to the fundamental's amplitude. Aliases of a periodic signal's harmonics
/// land off the harmonic grid, so this is the aliasing of an oscillator.
pub fn worst_off_grid_db(signal: &[f32], fundamental: f64) -> f64 {
    let w = windowed(signal);
    let bin = WORLD.sample_rate / signal.len() as f64;
    // Blackman-Harris's main lobe is 4 bins wide on each side; stay well clear of it.
    let guard = 6.0 * bin;
    let reference = amplitude_at(&w, fundamental);
    let nyquist = WORLD.sample_rate / 2.0;
    let mut worst: f64 = 0.0;
    let mut freq = bin / 2.0;
    while freq <= nyquist {
        let harmonic = (freq / fundamental).round() * fundamental;
        if (freq - harmonic).abs() > guard {
            worst = worst.max(amplitude_at(&w, freq));
        }
        freq += bin / 2.0;
    }
    20.0 * (worst / reference).log10()
}

/// A constant input signal.
pub fn ones(frames: usize) -> Vec<f32> {
    vec![1.0; frames]
}

/// A directory of its own under the system temp dir, removed with everything in it when
/// dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name includes `label`, the process id and a counter, so
    /// tests running at once never share one.
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("oscine-plugins-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir(path)
    }

    /// A path inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
