//! `MoogFF(in, freq, gain, reset)`: a model of the Moog ladder low-pass filter after
//! Federico Fontana ("Preserving the structure of the Moog VCF in the digital domain",
//! 2007): four one-pole low-passes `b0·(1 + z⁻¹) / (1 + a1·z⁻¹)` in series, their cutoff
//! prewarped by the bilinear transform, with the output fed back to the input times
//! `gain` (0 to 4, self-oscillating near 4), the loop solved without a delay.
//!
//! Measured against scsynth: the cutoff is read once a call and used at once, `gain`
//! moves linearly across the call from its old value, a `reset` above 0 clears the state
//! at the start of every call while it stays there, and the first frame runs once when
//! the Synth starts.

use std::f64::consts::PI;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::filter::{at, Zap};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("MoogFF", MoogFF));
}

pub(crate) struct MoogFF;

pub(crate) struct MoogFFUnit {
    /// Seconds per frame.
    period: f64,
    freq: f32,
    b0: f64,
    a1: f64,
    gain: f64,
    /// Each stage's state.
    s: [f64; 4],
}

impl UGen for MoogFF {
    type Unit = MoogFFUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<MoogFFUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 4, 4)?;
        expect_outputs(spec, 1)?;
        let steps = if spec.rate == Rate::Audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        Ok(MoogFFUnit { period: 1.0 / steps, freq: f32::NAN, b0: 0.0, a1: 0.0, gain: 0.0, s: [0.0; 4] })
    }
}

impl MoogFFUnit {
    fn set_freq(&mut self, freq: f32) {
        if freq == self.freq {
            return;
        }
        self.freq = freq;
        // The bilinear transform of the prewarped cutoff, never negative.
        let wc = (2.0 * (self.period * PI * f64::from(freq)).tan() / self.period).max(0.0);
        let twc = self.period * wc;
        self.b0 = twc / (twc + 2.0);
        self.a1 = (twc - 2.0) / (twc + 2.0);
    }

    #[inline(always)]
    fn tick(&mut self, x: f64, k: f64) -> f64 {
        let (b0, a1, s) = (self.b0, self.a1, &mut self.s);
        let b2 = b0 * b0;
        let b4 = b2 * b2;
        let out = (b4 * x + b2 * b0 * s[0] + b2 * s[1] + b0 * s[2] + s[3]) / (1.0 + k * b4);
        let mut v = x - k * out;
        for stage in s.iter_mut() {
            let o = b0 * v + *stage;
            *stage = b0 * v - a1 * o;
            v = o;
        }
        out
    }
}

impl Unit for MoogFFUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.set_freq(io.in0(1));
        self.gain = f64::from(io.in0(2));
        io.output(0)[0] = self.tick(f64::from(io.in0(0)), self.gain) as f32;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let input = io.input(0);
        self.set_freq(io.in0(1));
        if io.in0(3) > 0.0 {
            self.s = [0.0; 4];
        }
        let gain = f64::from(io.in0(2));
        let frames = io.output(0).len();
        let slope = (gain - self.gain) / frames as f64;
        let mut k = self.gain;
        for i in 0..frames {
            let v = self.tick(f64::from(at(input, i)), k);
            io.output(0)[i] = v as f32;
            k += slope;
        }
        self.s.zap();
        self.gain = gain;
    }
}
