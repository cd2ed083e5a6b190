//! `saw`: a band-limited sawtooth oscillator.

use std::sync::Arc;

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{phase_increment, silence, MAX_FREQ};
use crate::memo::Memo;
use crate::wavetable::{read, SawTables};

/// A band-limited rising sawtooth: 0 at the start of a cycle, rising to `amp` at half a
/// cycle, jumping to `-amp` and rising back to 0. Its harmonics stop below Nyquist, so it
/// does not alias; their exact amplitudes make it ring next to the jump, peaking about 18%
/// beyond `amp` (the Gibbs overshoot).
///
/// Controls: `freq` (Hz, default 440, 0..=20000), `amp` (default 0.1, 0..=1).
/// Output: `out`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Saw;

const CONTROLS: &[ControlSpec] =
    &[ControlSpec::new("freq", 440.0, 0.0, MAX_FREQ), ControlSpec::new("amp", 0.1, 0.0, 1.0)];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for Saw {
    type Synth = SawSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("saw").outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<SawSynth, PluginError> {
        Ok(SawSynth { tables: SawTables::shared(), phase: 0, increment: Memo::new() })
    }
}

/// A running [`Saw`].
pub struct SawSynth {
    tables: Arc<SawTables>,
    /// Fixed point, one cycle = 2^32.
    phase: u32,
    /// The last phase increment, kept with the frequency's bits.
    increment: Memo<u32, u32>,
}

impl Synth for SawSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[freq, amp, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let sample_rate = ctx.sample_rate;
        let increment = self.increment.get(freq.to_bits(), |freq| phase_increment(f32::from_bits(freq), sample_rate));
        let table = self.tables.for_increment(increment);
        let mut phase = self.phase;
        for o in ctx.outputs.channel(0) {
            *o = amp * read(table, phase);
            phase = phase.wrapping_add(increment);
        }
        self.phase = phase;
        ProcessStatus::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{amplitude_at, windowed, worst_off_grid_db};
    use oscine_plugin_api::harness::{Harness, RAGGED};
    use std::f64::consts::PI;

    fn render(freq: f32, amp: f32, frames: usize) -> Vec<f32> {
        let mut h = Harness::new(Saw, &[("freq", freq), ("amp", amp)]);
        h.generate(frames, RAGGED).outputs.remove(0)
    }

    #[test]
    fn five_khz_does_not_alias() {
        let out = render(5000.0, 0.5, 6000);
        let db = worst_off_grid_db(&out[1000..1000 + 4096], 5000.0);
        println!("saw 5 kHz: worst off-grid component {db:.1} dB");
        assert!(db < -60.0, "aliasing at {db:.1} dB");
    }

    #[test]
    fn frequencies_at_the_top_of_an_octave_do_not_alias() {
        // 2999 Hz keeps 8 harmonics, the top one 8 Hz below Nyquist; 1234.5 Hz keeps 16.
        for freq in [2999.0, 1234.5] {
            let out = render(freq, 0.5, 6000);
            let db = worst_off_grid_db(&out[1000..1000 + 4096], f64::from(freq));
            println!("saw {freq} Hz: worst off-grid component {db:.1} dB");
            assert!(db < -60.0, "{freq} Hz: aliasing at {db:.1} dB");
        }
    }

    #[test]
    fn the_alias_probe_catches_a_naive_saw() {
        // The same measurement on a trivially sampled saw, which aliases badly, so a
        // passing oscillator test means something.
        let naive: Vec<f32> = (0..4096)
            .map(|n| {
                let x = (n as f64 * 5000.0 / 48_000.0 + 0.5).fract();
                (2.0 * x - 1.0) as f32
            })
            .collect();
        let db = worst_off_grid_db(&naive, 5000.0);
        assert!(db > -40.0, "naive saw measured {db:.1} dB");
    }

    #[test]
    fn harmonic_amplitudes_match_the_ideal_saw() {
        let amp = 0.5;
        let out = render(5000.0, amp, 6000);
        let w = windowed(&out[1000..1000 + 4096]);
        for h in 1..=4 {
            let expected = 2.0 / PI * f64::from(amp) / h as f64;
            let got = amplitude_at(&w, 5000.0 * h as f64);
            assert!((got / expected - 1.0).abs() < 0.02, "harmonic {h}: {got} vs {expected}");
        }
    }

    #[test]
    fn low_frequency_shape_is_a_rising_ramp() {
        let amp = 0.8;
        let out = render(100.0, amp, 4800);
        // Wraps (the falling jumps) come every 480 frames, half a cycle in.
        // The band-limited jump passes through 0 on the sample at the wrap.
        let jumps: Vec<usize> =
            (1..out.len() - 1).filter(|&i| out[i - 1] > 0.5 * amp && out[i + 1] < -0.5 * amp).collect();
        assert_eq!(jumps.len(), 10, "{jumps:?}");
        assert!(jumps.windows(2).all(|j| j[1] - j[0] == 480), "{jumps:?}");
        assert_eq!(jumps[0], 240);
        // Away from the jumps (over 48 frames) the wave is the ideal ramp to within the
        // band limit's ripple.
        let mut worst: f32 = 0.0;
        for (n, &y) in out.iter().enumerate() {
            let turns = ((n as f64 / 480.0) + 0.5).fract() - 0.5;
            if turns.abs() < 0.4 {
                let ideal = 2.0 * turns as f32 * amp;
                worst = worst.max((y - ideal).abs());
            }
        }
        println!("saw 100 Hz: worst ramp deviation {worst}");
        assert!(worst < 0.01 * amp, "ramp deviates by {worst}");
    }

    #[test]
    fn amplitude_scales_and_zero_is_silent() {
        let out = render(440.0, 0.0, 500);
        assert!(out.iter().all(|&x| x == 0.0));
        let loud = render(440.0, 1.0, 500);
        let quiet = render(440.0, 0.25, 500);
        for (l, q) in loud.iter().zip(&quiet) {
            assert!((l * 0.25 - q).abs() < 1e-7);
        }
    }
}
