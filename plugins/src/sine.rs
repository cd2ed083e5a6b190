//! `sine`: a sine oscillator, the engine's benchmark Synth.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{phase_increment, silence, MAX_FREQ};
use crate::memo::Memo;
use crate::polynomial_sine::SineSweep;

/// A sine oscillator.
///
/// Controls: `freq` (Hz, default 440, 0..=20000), `amp` (default 0.1, 0..=1).
/// Output: `out`, `amp * sin(2 pi freq t)`, starting at phase 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sine;

const CONTROLS: &[ControlSpec] =
    &[ControlSpec::new("freq", 440.0, 0.0, MAX_FREQ), ControlSpec::new("amp", 0.1, 0.0, 1.0)];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for Sine {
    type Synth = SineSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("sine").outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<SineSynth, PluginError> {
        Ok(SineSynth { phase: 0, sweep: SineSweep::detect(), increment: Memo::new() })
    }
}

/// A running [`Sine`].
pub struct SineSynth {
    /// Fixed point, one cycle = 2^32, so it wraps without a branch.
    phase: u32,
    sweep: SineSweep,
    /// The last phase increment, kept with the frequency's bits.
    increment: Memo<u32, u32>,
}

impl Synth for SineSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[freq, amp, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let sample_rate = ctx.sample_rate;
        let increment = self.increment.get(freq.to_bits(), |freq| phase_increment(f32::from_bits(freq), sample_rate));
        self.phase = self.sweep.fill(ctx.outputs.channel(0), self.phase, increment, amp);
        ProcessStatus::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{amplitude_at, windowed};
    use oscine_plugin_api::harness::{Harness, RAGGED, WORLD};
    use std::f64::consts::TAU;

    #[test]
    fn output_follows_the_ideal_sine() {
        let mut h = Harness::new(Sine, &[("freq", 1234.5), ("amp", 0.5)]);
        let render = h.generate(48_000, RAGGED);
        let out = &render.outputs[0];
        // The ideal sine at the fixed-point phase, so this isolates the sine approximation
        // and phase bookkeeping across ragged calls from the step's rounding (checked by
        // the 440 Hz test).
        let step = u64::from(phase_increment(1234.5, WORLD.sample_rate));
        let mut worst: f64 = 0.0;
        for (n, &y) in out.iter().enumerate() {
            let phase = (step * n as u64) % (1 << 32);
            let ideal = 0.5 * (TAU * phase as f64 / 4_294_967_296.0).sin();
            worst = worst.max((f64::from(y) - ideal).abs());
        }
        assert!(worst < 0.5 * 2.5e-7, "max deviation {worst:e}");
    }

    #[test]
    fn frequency_and_amplitude_are_right_at_an_inexact_step() {
        let mut h = Harness::new(Sine, &[("freq", 440.0), ("amp", 0.25)]);
        let out = h.generate(48_000, RAGGED).outputs.remove(0);
        // One second holds 440 cycles; the first starts at sample 0 (no crossing before
        // it) and the 441st at sample 48000, past the end.
        let crossings = out.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert_eq!(crossings, 439);
        let peak = out.iter().fold(0.0_f32, |m, &x| m.max(x.abs()));
        assert!((peak - 0.25).abs() < 1e-4, "peak {peak}");
        let w = windowed(&out[..8192]);
        assert!((amplitude_at(&w, 440.0) - 0.25).abs() < 1e-3);
        assert!(amplitude_at(&w, 880.0) < 1e-6);
        // After a second the phase is still where the ideal sine's is.
        let n = out.len() - 1;
        let ideal = 0.25 * (TAU * 440.0 * n as f64 / WORLD.sample_rate).sin();
        assert!((f64::from(out[n]) - ideal).abs() < 1e-5, "{} vs {ideal}", out[n]);
    }

    #[test]
    fn frequency_change_keeps_the_phase_continuous() {
        let mut h = Harness::new(Sine, &[("freq", 100.0), ("amp", 1.0)]);
        let mut out = h.generate(1000, RAGGED).outputs.remove(0);
        h.set("freq", 3000.0);
        out.extend(h.generate(1000, RAGGED).outputs.remove(0));
        // The largest step a 3 kHz unit sine can take in one sample.
        let max_step = (TAU * 3000.0 / WORLD.sample_rate) as f32 + 1e-6;
        for w in out.windows(2) {
            assert!((w[1] - w[0]).abs() <= max_step, "jump {} -> {}", w[0], w[1]);
        }
        // And the second half really is at 3 kHz.
        let crossings = out[1000..].windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert!((62..=63).contains(&crossings), "{crossings}");
    }

    #[test]
    fn zero_amplitude_and_zero_frequency_are_silent() {
        let mut h = Harness::new(Sine, &[("amp", 0.0)]);
        assert!(h.generate(200, RAGGED).outputs[0].iter().all(|&x| x == 0.0));
        let mut h = Harness::new(Sine, &[("freq", 0.0), ("amp", 1.0)]);
        assert!(h.generate(200, RAGGED).outputs[0].iter().all(|&x| x == 0.0));
    }
}
