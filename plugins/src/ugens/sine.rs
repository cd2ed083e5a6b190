//! `SinOsc`: a sine oscillator with frequency and phase inputs.

use std::f64::consts::TAU;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("SinOsc", SinOsc));
}

/// `SinOsc.ar(freq, phase)`: `sin(2π · Σ freq / sample rate + phase)`, the phase in
/// radians, the running phase starting at 0.
struct SinOsc;

struct SinOscUnit {
    /// The running phase in cycles, in `[0, 1)`.
    cycles: f64,
    /// Seconds per frame at this unit's rate (a block's duration at control rate).
    period: f64,
}

impl UGen for SinOsc {
    type Unit = SinOscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SinOscUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let frames_per_step = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        Ok(SinOscUnit { cycles: 0.0, period: frames_per_step / spec.sample_rate })
    }
}

impl Unit for SinOscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let phase = f64::from(io.in0(1));
        io.output(0)[0] = (TAU * self.cycles + phase).sin() as f32;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (freq, phase) = (io.input(0), io.input(1));
        let audio_freq = freq.len() > 1;
        let audio_phase = phase.len() > 1;
        let mut cycles = self.cycles;
        let period = self.period;
        for (i, out) in io.output(0).iter_mut().enumerate() {
            let p = f64::from(if audio_phase { phase[i] } else { phase[0] });
            *out = (TAU * cycles + p).sin() as f32;
            let f = f64::from(if audio_freq { freq[i] } else { freq[0] });
            cycles += f * period;
            cycles -= cycles.floor();
        }
        self.cycles = cycles;
    }
}
