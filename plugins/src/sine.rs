//! `sine`: a sine oscillator, the engine's benchmark Synth.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{phase_increment, silence, MAX_FREQ};

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
        Ok(SineSynth { phase: 0 })
    }
}

/// A running [`Sine`].
pub struct SineSynth {
    /// Fixed point, one cycle = 2^32, so it wraps without a branch.
    phase: u32,
}

impl Synth for SineSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[freq, amp, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let increment = phase_increment(freq, ctx.sample_rate);
        let mut phase = self.phase;
        // The phase is a plain integer induction variable, so the loop vectorizes.
        for o in ctx.outputs.channel(0) {
            *o = amp * sin_phase(phase);
            phase = phase.wrapping_add(increment);
        }
        self.phase = phase;
        ProcessStatus::Continue
    }
}

/// `sin(2 pi phase / 2^32)` without branches, tables or libm calls: within 2.1e-7 of the
/// true value over the whole cycle (f32 rounding near the peaks is most of that).
///
/// The fold onto a quarter wave happens on the integer phase, where it is exact and costs
/// an add, a shift and an xor per sample: shifted by a quarter cycle, the phase's top bit
/// says which half of the wave it is in, and xor with that bit smeared across the word
/// (`!q`, i.e. one cycle minus `q`, less 2^-32) mirrors the falling half onto the rising
/// one (`sin(pi - a) = sin(a)`). Only the folded value, in `[-1/4, 1/4)` of a cycle, goes to
/// float, so it is exact near zero where the sine is steepest.
///
/// Context: RT.
#[inline]
fn sin_phase(phase: u32) -> f32 {
    const QUARTER: u32 = 1 << 30;
    const SCALE: f32 = 1.0 / 4_294_967_296.0;
    let shifted = phase.wrapping_add(QUARTER);
    let second_half = ((shifted as i32) >> 31) as u32;
    // In [0, 2^31) after the mirror, so the subtraction cannot overflow.
    let folded = ((shifted ^ second_half) as i32) - QUARTER as i32;
    sin_quarter(folded as f32 * SCALE)
}

/// `sin(2 pi x)` for `x` in `[-1/4, 1/4]`: a degree-9 odd polynomial whose coefficients
/// are the minimax fit on that range (3.3e-9 absolute error in exact arithmetic), so f32
/// rounding dominates what is left.
///
/// Context: RT.
#[inline]
fn sin_quarter(x: f32) -> f32 {
    // The f64 minimax coefficients rounded to f32 (the shortest literals that round-trip).
    #[expect(
        clippy::approx_constant,
        reason = "the minimax slope sits one ulp below 2 pi, trading a little at the origin for the whole range"
    )]
    const C1: f32 = 6.283_185;
    const C3: f32 = -41.341_656;
    const C5: f32 = 81.601_006;
    const C7: f32 = -76.549_78;
    const C9: f32 = 39.536_705;
    let x2 = x * x;
    x * (C1 + x2 * (C3 + x2 * (C5 + x2 * (C7 + x2 * C9))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{amplitude_at, windowed};
    use oscine_plugin_api::harness::{Harness, RAGGED, WORLD};
    use std::f64::consts::TAU;

    #[test]
    fn sin_phase_is_accurate_over_every_phase() {
        let mut worst: f64 = 0.0;
        // Every 1024th phase of the 2^32 cycle (with varying low bits), plus the quarter
        // points and the ends of each quarter.
        let phases = (0..1u64 << 22)
            .map(|i| (i << 10) as u32 | (i as u32 & 0x3ff))
            .chain([0, 1, 1 << 30, 1 << 31, 3 << 30, u32::MAX])
            .chain([(1 << 30) - 1, (1 << 31) - 1, (1 << 31) + 1, (3 << 30) + 1]);
        for phase in phases {
            let exact = (TAU * f64::from(phase) / 4_294_967_296.0).sin();
            let approx = f64::from(sin_phase(phase));
            worst = worst.max((approx - exact).abs());
        }
        println!("sin_phase max abs error: {worst:e}");
        assert!(worst < 2.5e-7, "max error {worst:e}");
    }

    #[test]
    fn sin_phase_hits_the_cardinal_points() {
        assert_eq!(sin_phase(0), 0.0);
        assert!((sin_phase(1 << 30) - 1.0).abs() < 1e-7);
        assert!((sin_phase(3 << 30) + 1.0).abs() < 1e-7);
        assert!(sin_phase(1 << 31).abs() < 1e-8);
        assert!(sin_phase(u32::MAX) < 0.0 && sin_phase(u32::MAX) > -1e-8);
        assert!(sin_phase(1) > 0.0);
    }

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
