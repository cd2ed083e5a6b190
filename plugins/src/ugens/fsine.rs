//! `FSinOsc`: a sine from a two-pole resonator, `y[n] = b1 · y[n−1] − y[n−2]` with
//! `b1 = 2 cos(ω)`.
//!
//! As scsynth's: `ω = (freq · 2π) · (1 / rate)`, each step in `f32`, and `b1` is rounded
//! to `f32`, the two past values
//! are kept in `f64`, and they start at `sin(phase − ω)` and `sin(phase − 2ω)` rounded to
//! `f32` (`phase`, the initial phase in radians, is read once). The frequency is read once
//! per block; a change recomputes `b1` in `f64` (`2 cos(freq · 2π / rate)`, unrounded, as
//! scsynth's per-block code does), leaving the past values alone. Rendered this way it
//! matches scsynth sample for sample, including the slow drift that rounding `b1` gives.

use std::f32::consts::TAU;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("FSinOsc", FSinOsc));
}

/// `FSinOsc.ar(freq, iphase)`, `FSinOsc.kr(freq, iphase)`.
struct FSinOsc;

struct FSinOscUnit {
    /// Seconds per frame, as `f32` (a block at control rate).
    frame_duration: f32,
    /// Radians per frame per hertz (a block's worth at control rate).
    radians_per_hz: f64,
    freq: f32,
    b1: f64,
    y1: f64,
    y2: f64,
}

impl UGen for FSinOsc {
    type Unit = FSinOscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<FSinOscUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let frames = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        Ok(FSinOscUnit {
            frame_duration: (frames / spec.sample_rate) as f32,
            radians_per_hz: std::f64::consts::TAU * frames / spec.sample_rate,
            freq: 0.0,
            b1: 0.0,
            y1: 0.0,
            y2: 0.0,
        })
    }
}

impl FSinOscUnit {
    /// `ω` for `freq`.
    fn omega(&self, freq: f32) -> f64 {
        f64::from((freq * TAU) * self.frame_duration)
    }
}

impl Unit for FSinOscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let (freq, phase) = (io.in0(0), f64::from(io.in0(1)));
        let w = self.omega(freq);
        self.freq = freq;
        self.b1 = f64::from((2.0 * w.cos()) as f32);
        self.y1 = f64::from((phase - w).sin() as f32);
        self.y2 = f64::from((phase - 2.0 * w).sin() as f32);
        io.output(0)[0] = (self.b1 * self.y1 - self.y2) as f32;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let freq = io.in0(0);
        if freq != self.freq {
            self.freq = freq;
            self.b1 = 2.0 * (f64::from(freq) * self.radians_per_hz).cos();
        }
        let (b1, mut y1, mut y2) = (self.b1, self.y1, self.y2);
        for o in io.output(0) {
            let y0 = b1 * y1 - y2;
            *o = y0 as f32;
            y2 = y1;
            y1 = y0;
        }
        (self.y1, self.y2) = (y1, y2);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire, Input};
    use super::FSinOsc;

    #[test]
    fn it_rings_at_its_frequency_from_its_initial_phase() {
        let (_, out) = run(&FSinOsc, Rate::Audio, 0, &[Input::Constant(1000.0), Input::Constant(0.5)], 2).unwrap();
        for (n, &x) in out.iter().enumerate() {
            let exact = (std::f64::consts::TAU * 1000.0 * n as f64 / 48000.0 + 0.5).sin();
            // Rounding b1 to f32 detunes it slightly, as scsynth's is.
            assert!((f64::from(x) - exact).abs() < 1e-4, "{n}: {x} {exact}");
        }
    }

    #[test]
    fn a_frequency_change_keeps_the_past_values() {
        let freq = wire(Rate::Control, |k| if k == 0 { 440.0 } else { 880.0 });
        let (_, out) = run(&FSinOsc, Rate::Audio, 0, &[freq, Input::Constant(0.0)], 3).unwrap();
        // No jump at the change: the next value follows on from the last two.
        assert!((out[64] - out[63]).abs() < 0.2 && out.iter().all(|x| x.abs() < 1.5));
    }
}
