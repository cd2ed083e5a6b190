//! `pulse`: a band-limited pulse oscillator with variable width.

use std::sync::Arc;

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{phase_from_turns, phase_increment, silence, MAX_FREQ};
use crate::memo::Memo;
use crate::wavetable::{read, SawTables};

/// A band-limited pulse: `amp` for the first `width` of each cycle, `-amp` for the rest
/// (so its mean is `amp * (2 width - 1)`). Built as the difference of two phase-shifted
/// band-limited saws, so it aliases no more than they do, and like them rings next to its
/// edges, up to about 18% beyond `amp`.
///
/// Controls: `freq` (Hz, default 440, 0..=20000), `amp` (default 0.1, 0..=1), `width`
/// (fraction of the cycle spent high, default 0.5, 0.01..=0.99).
/// Output: `out`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pulse;

const CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("freq", 440.0, 0.0, MAX_FREQ),
    ControlSpec::new("amp", 0.1, 0.0, 1.0),
    ControlSpec::new("width", 0.5, 0.01, 0.99),
];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for Pulse {
    type Synth = PulseSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("pulse").outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<PulseSynth, PluginError> {
        Ok(PulseSynth { tables: SawTables::shared(), phase: 0, increment: Memo::new() })
    }
}

/// A running [`Pulse`].
pub struct PulseSynth {
    tables: Arc<SawTables>,
    /// Fixed point, one cycle = 2^32.
    phase: u32,
    /// The last phase increment, kept with the frequency's bits.
    increment: Memo<u32, u32>,
}

impl Synth for PulseSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[freq, amp, width, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let sample_rate = ctx.sample_rate;
        let increment = self.increment.get(freq.to_bits(), |freq| phase_increment(f32::from_bits(freq), sample_rate));
        let table = self.tables.for_increment(increment);
        // The table's saw s(x) jumps down by 2 at x = 1/2. Subtracting a read half a cycle
        // ahead puts a rising edge at phase 0; adding a read `1/2 - width` ahead puts a
        // falling edge at `width`. Their ramps cancel, leaving levels 2 - 2 width and
        // -2 width, which the offset moves to +1 and -1.
        const HALF: u32 = 1 << 31;
        let lag = phase_from_turns(0.5 - f64::from(width));
        let offset = 2.0 * width - 1.0;
        let mut phase = self.phase;
        for o in ctx.outputs.channel(0) {
            let falling = read(table, phase.wrapping_add(lag));
            let rising = read(table, phase.wrapping_add(HALF));
            *o = amp * (falling - rising + offset);
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

    fn render(freq: f32, amp: f32, width: f32, frames: usize) -> Vec<f32> {
        let mut h = Harness::new(Pulse, &[("freq", freq), ("amp", amp), ("width", width)]);
        h.generate(frames, RAGGED).outputs.remove(0)
    }

    #[test]
    fn five_khz_does_not_alias() {
        for width in [0.5, 0.3, 0.07] {
            let out = render(5000.0, 0.5, width, 6000);
            let db = worst_off_grid_db(&out[1000..1000 + 4096], 5000.0);
            println!("pulse 5 kHz width {width}: worst off-grid component {db:.1} dB");
            assert!(db < -60.0, "width {width}: aliasing at {db:.1} dB");
        }
    }

    #[test]
    fn fundamental_matches_the_ideal_pulse() {
        // A +-1 pulse of duty w has a fundamental of (4 / pi) sin(pi w).
        for width in [0.5_f32, 0.25] {
            let amp = 0.5;
            let out = render(5000.0, amp, width, 6000);
            let w = windowed(&out[1000..1000 + 4096]);
            let expected = 4.0 / PI * f64::from(amp) * (PI * f64::from(width)).sin();
            let got = amplitude_at(&w, 5000.0);
            assert!((got / expected - 1.0).abs() < 0.02, "width {width}: {got} vs {expected}");
        }
        // A square has no even harmonics.
        let out = render(5000.0, 0.5, 0.5, 6000);
        let w = windowed(&out[1000..1000 + 4096]);
        assert!(amplitude_at(&w, 10_000.0) < 1e-4);
    }

    #[test]
    fn low_frequency_shape_has_the_width_and_levels() {
        let amp = 0.5;
        for width in [0.5_f32, 0.2, 0.8] {
            // 100 Hz: 480 frames per cycle, ten cycles.
            let out = render(100.0, amp, width, 4800);
            let high = out.iter().filter(|&&x| x > 0.0).count();
            let expected = 4800.0 * width;
            assert!((high as f32 - expected).abs() <= 10.0, "width {width}: {high} of 4800 frames high");
            // Mid-segment samples sit at the levels, within the ripple of two edges 48 or
            // more frames away.
            let mid_high = (240.0 * width) as usize;
            let mid_low = (480.0 * (1.0 + width) / 2.0) as usize;
            for cycle in 0..10 {
                let hi = out[cycle * 480 + mid_high];
                let lo = out[cycle * 480 + mid_low];
                assert!((hi - amp).abs() < 0.02, "width {width}: high {hi}");
                assert!((lo + amp).abs() < 0.02, "width {width}: low {lo}");
            }
            // The mean over whole cycles is the pulse's DC.
            let mean = out.iter().map(|&x| f64::from(x)).sum::<f64>() / 4800.0;
            let dc = f64::from(amp) * (2.0 * f64::from(width) - 1.0);
            assert!((mean - dc).abs() < 1e-3, "width {width}: mean {mean} vs {dc}");
        }
    }

    #[test]
    fn width_is_clamped_by_its_spec() {
        // The harness clamps like the engine: width 0 becomes 0.01, still a pulse.
        let out = render(100.0, 0.5, 0.0, 4800);
        let high = out.iter().filter(|&&x| x > 0.0).count();
        assert!((30..=70).contains(&high), "{high}");
    }
}
