//! `noise`: seeded white noise.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::silence;

/// White noise, uniform in `[-amp, amp)`, from a xorshift32 generator. The sequence depends
/// only on `seed`, so offline renders are bit-identical; changing `seed` while running
/// restarts the sequence for the new seed.
///
/// Controls: `amp` (default 0.1, 0..=1), `seed` (rounded to an integer, default 1,
/// 0..=16777216, the range where every integer is exact in f32).
/// Output: `out`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Noise;

const CONTROLS: &[ControlSpec] =
    &[ControlSpec::new("amp", 0.1, 0.0, 1.0), ControlSpec::new("seed", 1.0, 0.0, 16_777_216.0)];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];
const SEED: usize = 1;

impl SynthDef for Noise {
    type Synth = NoiseSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("noise").outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, controls: &[f32]) -> Result<NoiseSynth, PluginError> {
        let seed = controls.get(SEED).copied().unwrap_or(CONTROLS[SEED].default);
        Ok(NoiseSynth { seed, state: initial_state(seed) })
    }
}

/// A running [`Noise`].
pub struct NoiseSynth {
    /// The seed control the state came from, to notice a new one.
    seed: f32,
    /// xorshift32 state; never zero, the generator's one fixed point.
    state: u32,
}

impl Synth for NoiseSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[amp, seed, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        if seed != self.seed {
            self.seed = seed;
            self.state = initial_state(seed);
        }
        // The top 24 bits as a signed integer are exact in f32: [-2^23, 2^23) scaled to
        // [-1, 1), so the peak never exceeds amp.
        let scale = amp / 8_388_608.0;
        let mut x = self.state;
        for o in ctx.outputs.channel(0) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *o = ((x as i32) >> 8) as f32 * scale;
        }
        self.state = x;
        ProcessStatus::Continue
    }
}

/// A well-mixed nonzero generator state for a seed control value. Mixing (the murmur3
/// finalizer, a bijection) makes nearby seeds start far apart in the sequence.
///
/// Context: RT (only when the seed changes) and NRT.
fn initial_state(seed: f32) -> u32 {
    // Seeds are clamped to [0, 2^24]; adding a half and truncating rounds them without
    // libm, and the saturating cast makes anything else harmless.
    let mut z = (seed + 0.5) as u32;
    z ^= z >> 16;
    z = z.wrapping_mul(0x85eb_ca6b);
    z ^= z >> 13;
    z = z.wrapping_mul(0xc2b2_ae35);
    z ^= z >> 16;
    if z == 0 {
        0x9e37_79b9
    } else {
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::harness::{Harness, RAGGED};

    fn render(amp: f32, seed: f32, frames: usize, chunks: &[usize]) -> Vec<f32> {
        let mut h = Harness::new(Noise, &[("amp", amp), ("seed", seed)]);
        h.generate(frames, chunks).outputs.remove(0)
    }

    #[test]
    fn statistics_are_those_of_uniform_white_noise() {
        let amp = 0.1;
        let out = render(amp, 1.0, 96_000, RAGGED);
        let n = out.len() as f64;
        let mean = out.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let rms = (out.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / n).sqrt();
        let peak = out.iter().fold(0.0_f32, |m, &x| m.max(x.abs()));
        let expected_rms = f64::from(amp) / 3.0_f64.sqrt();
        // The mean of 96000 samples has a standard deviation of 1.9e-4 here.
        assert!(mean.abs() < 1e-3, "mean {mean}");
        assert!((rms / expected_rms - 1.0).abs() < 0.01, "rms {rms}");
        assert!(peak <= amp, "peak {peak}");
        assert!(peak > 0.999 * amp, "peak {peak}");
        // White: neighbouring samples are uncorrelated.
        let lag1 = out.windows(2).map(|w| f64::from(w[0]) * f64::from(w[1])).sum::<f64>() / n;
        assert!((lag1 / (rms * rms)).abs() < 0.02, "lag-1 correlation {lag1}");
    }

    #[test]
    fn same_seed_gives_identical_output_whatever_the_call_sizes() {
        let a = render(0.5, 42.0, 10_000, RAGGED);
        let b = render(0.5, 42.0, 10_000, &[64]);
        assert_eq!(a, b);
    }

    #[test]
    fn different_seeds_differ() {
        let seeds = [0.0, 1.0, 2.0, 42.0, 16_777_216.0];
        let outputs: Vec<Vec<f32>> = seeds.iter().map(|&s| render(0.5, s, 1000, RAGGED)).collect();
        for i in 0..outputs.len() {
            // Seed 0 is as good a seed as any other.
            assert!(outputs[i].iter().any(|&x| x != 0.0));
            for j in i + 1..outputs.len() {
                let same = outputs[i].iter().zip(&outputs[j]).filter(|(a, b)| a == b).count();
                assert!(same < 5, "seeds {} and {}", seeds[i], seeds[j]);
            }
        }
    }

    #[test]
    fn fractional_seeds_round_to_the_nearest_integer() {
        assert_eq!(render(0.5, 6.8, 100, RAGGED), render(0.5, 7.0, 100, RAGGED));
        assert_eq!(render(0.5, 7.3, 100, RAGGED), render(0.5, 7.0, 100, RAGGED));
    }

    #[test]
    fn changing_the_seed_restarts_its_sequence() {
        let mut h = Harness::new(Noise, &[("amp", 0.5), ("seed", 3.0)]);
        h.generate(777, RAGGED);
        h.set("seed", 9.0);
        let after = h.generate(500, RAGGED).outputs.remove(0);
        assert_eq!(after, render(0.5, 9.0, 500, RAGGED));
    }

    #[test]
    fn amp_scales_the_same_sequence() {
        let loud = render(1.0, 5.0, 500, RAGGED);
        let quiet = render(0.25, 5.0, 500, RAGGED);
        for (l, q) in loud.iter().zip(&quiet) {
            assert_eq!(l * 0.25, *q);
        }
    }
}
