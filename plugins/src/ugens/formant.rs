//! `Formant.ar(fundfreq, formfreq, bwfreq)`: grains of a sine at the formant frequency,
//! each under a raised-cosine window `bwfreq` wide, one grain a period of the fundamental.
//! A set of harmonics of the fundamental around the formant; `bwfreq` should be at least
//! `fundfreq`, or each grain is cut short by the next.
//!
//! As scsynth computes it: three fixed-point phases, 2^29 units a turn of an 8192-point
//! sine table (16 bits of fraction), each growing by `trunc(freq · 2^29 / rate)` (the
//! product in `f32`) a frame; the inputs are read once per block. A frame outputs
//! `(1 − cos(window)) · sin(formant)`, both read from the table without interpolation,
//! while the window phase is within its first turn, and 0 after. When the fundamental's
//! phase completes a turn, the formant and window phases start again from 0. scsynth
//! starts them again within a table step of 0 too, but not always at 0: at those grains
//! a sample can differ by up to one table step of the window's slope (1.5e-3 at most).

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::band_limited::tables;
use super::wavetable::truncate;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Formant", Formant));
}

/// Points in a turn of the table.
const TABLE: usize = 8192;
/// Phase units in a turn: 13 bits of point, 16 of fraction.
const TURN: i32 = 1 << 29;

pub(super) struct Formant;

pub(super) struct FormantUnit {
    sine: &'static [f32],
    /// Phase units per hertz for one frame.
    units_per_hz: f32,
    fundamental: i32,
    formant: i32,
    window: i32,
}

impl UGen for Formant {
    type Unit = FormantUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<FormantUnit, PluginError> {
        expect_rate(spec, &[Rate::Audio])?;
        expect_inputs(spec, 3, 3)?;
        expect_outputs(spec, 1)?;
        Ok(FormantUnit {
            sine: tables().sine,
            units_per_hz: (f64::from(TURN) / spec.sample_rate) as f32,
            fundamental: 0,
            formant: 0,
            window: 0,
        })
    }
}

impl FormantUnit {
    /// The phase units a frame of `freq` hertz takes (the product in `f32`, truncated as
    /// a C cast truncates).
    fn increment(&self, freq: f32) -> i32 {
        truncate(f64::from(freq * self.units_per_hz))
    }

    #[inline(always)]
    fn point(&self, phase: i32) -> f32 {
        self.sine[(phase >> 16) as usize & (TABLE - 1)]
    }

    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let (fundamental, formant, window) =
            (self.increment(io.in0(0)), self.increment(io.in0(1)), self.increment(io.in0(2)));
        let out = io.output(0);
        for o in &mut out[..frames] {
            *o = if (0..TURN).contains(&self.window) {
                let cos = self.point(self.window.wrapping_add(TURN / 4));
                (1.0 - cos) * self.point(self.formant)
            } else {
                0.0
            };
            self.fundamental = self.fundamental.wrapping_add(fundamental);
            self.formant = self.formant.wrapping_add(formant);
            self.window = self.window.saturating_add(window);
            if !(0..TURN).contains(&self.fundamental) {
                self.fundamental &= TURN - 1;
                self.formant = 0;
                self.window = 0;
            }
        }
    }
}

impl Unit for FormantUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let state = (self.fundamental, self.formant, self.window);
        self.compute(io, 1);
        (self.fundamental, self.formant, self.window) = state;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = io.frames();
        self.compute(io, frames);
    }
}
