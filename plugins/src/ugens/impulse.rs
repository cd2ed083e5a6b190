//! `Impulse`: a single-sample impulse (1, else 0) each time a phase passes a whole cycle.
//!
//! As scsynth's: the phase (`f64`) starts at the phase input wrapped into `[0, 1)` and
//! grows each frame by the frequency's increment, `freq · (1 / rate)` rounded to `f32`. A
//! frame outputs 1 and wraps the phase when it has reached 1 or fallen below 0, checked
//! before the frame's increment; a phase of 0 at the start gives an impulse on the first
//! frame. A control-rate frequency's increment ramps
//! across the block, each frame taking its next step before adding it; a change of the
//! phase input is spread over the block's frames. (scsynth's handling of a modulated phase
//! differs slightly: docs/ugens.md.)

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Impulse", Impulse));
}

/// `Impulse.ar(freq, phase)`, `Impulse.kr(freq, phase)`.
struct Impulse;

struct ImpulseUnit {
    phase: f64,
    /// The frequency's increment in the last call.
    increment: f64,
    /// The phase input's value in the last call.
    phase_in: f32,
    /// Seconds per frame at this unit's rate, as `f32` (a block at control rate).
    frame_duration: f32,
}

impl UGen for Impulse {
    type Unit = ImpulseUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<ImpulseUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let frames = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        Ok(ImpulseUnit {
            phase: 0.0,
            increment: 0.0,
            phase_in: 0.0,
            frame_duration: (frames / spec.sample_rate) as f32,
        })
    }
}

impl ImpulseUnit {
    #[inline(always)]
    fn increment(&self, freq: f32) -> f64 {
        f64::from(freq * self.frame_duration)
    }

    /// This frame's output; wraps the phase when it passed a cycle.
    #[inline(always)]
    fn frame(&mut self) -> f32 {
        if self.phase >= 1.0 {
            self.phase -= 1.0;
            1.0
        } else if self.phase < 0.0 {
            self.phase += 1.0;
            1.0
        } else {
            0.0
        }
    }
}

impl Unit for ImpulseUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let (freq, phase_in) = (io.in0(0), io.in0(1));
        self.increment = self.increment(freq);
        self.phase_in = phase_in;
        let phase = f64::from(phase_in);
        self.phase = phase - phase.floor();
        if self.phase == 0.0 {
            // An impulse on the first frame: a phase just past the cycle's end in the
            // direction of travel (just below 0 wraps to exactly 1).
            self.phase = if self.increment >= 0.0 { 1.0 } else { -f64::MIN_POSITIVE };
        }
        // The first frame's output, without taking it (the first call takes it).
        io.output(0)[0] = if self.phase >= 1.0 || self.phase < 0.0 { 1.0 } else { 0.0 };
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (freq, frames) = (io.input(0), io.frames());
        let phase_in = io.in0(1);
        let phase_step = (f64::from(phase_in) - f64::from(self.phase_in)) / frames as f64;
        self.phase_in = phase_in;
        let audio_freq = freq.len() > 1;
        let target = self.increment(freq[0]);
        let slope = (target - self.increment) / frames as f64;
        let mut increment = self.increment;
        let out = io.output(0);
        for i in 0..frames {
            if audio_freq {
                increment = self.increment(freq[i]);
            } else {
                increment += slope;
            }
            out[i] = self.frame();
            self.phase += increment + phase_step;
        }
        self.increment = if audio_freq { increment } else { target };
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, Input};
    use super::Impulse;

    fn impulses(freq: f32, phase: f32, blocks: usize) -> Vec<usize> {
        let (_, out) = run(&Impulse, Rate::Audio, 0, &[Input::Constant(freq), Input::Constant(phase)], blocks).unwrap();
        out.iter().enumerate().filter(|(_, &x)| x == 1.0).map(|(n, _)| n).collect()
    }

    #[test]
    fn impulses_fall_on_the_frames_that_pass_a_cycle() {
        assert_eq!(impulses(440.0, 0.0, 6)[..4], [0, 110, 219, 328]);
        assert_eq!(impulses(1000.0, 0.5, 2)[..2], [24, 72]);
        assert_eq!(impulses(1000.0, 1.3, 1)[..1], [34], "the phase wraps into [0, 1)");
    }

    #[test]
    fn a_negative_frequency_counts_down() {
        assert_eq!(impulses(-1000.0, 0.0, 2)[..3], [0, 48, 96]);
        assert_eq!(impulses(-1000.0, 0.001, 1)[..1], [1]);
        assert_eq!(impulses(-440.0, 0.0, 2)[..2], [0, 110]);
    }

    #[test]
    fn zero_hertz_gives_one_impulse() {
        assert_eq!(impulses(0.0, 0.0, 3), [0]);
    }
}
