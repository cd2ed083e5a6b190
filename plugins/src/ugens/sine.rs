//! `SinOsc`: a sine oscillator with frequency and phase inputs, computed as scsynth
//! computes it: an 8192-point sine table in wavetable form read by an integer phase, a
//! cycle `2^29` steps ([`super::wavetable`] gives the lookup and how the inputs move the
//! phase). Rendered this way, `SinOsc` matches scsynth's output sample for sample,
//! including the slow drift that truncating the increment gives (0.4 mrad a second at 440
//! Hz).

use std::f64::consts::TAU;
use std::sync::OnceLock;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::wavetable::{interpolate, point, truncate, PhaseReader, Wavetable};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("SinOsc", SinOsc));
    registrar.register_ugen(UGenTable::new("SinOscFB", SinOscFB));
}

/// Entries in a cycle of the sine table.
const TABLE_SIZE: usize = 8192;
/// Phase steps in a cycle: the table's entries times 2^16 steps between two of them.
const CYCLE: f64 = (TABLE_SIZE as f64) * 65536.0;

/// The sine table as scsynth lays out wavetables: `(2a − b, b − a)` for consecutive
/// entries `a`, `b` of `sin(2π i / 8192)`.
#[derive(Clone, Copy)]
pub(crate) struct SineTable(&'static [[f32; 2]; TABLE_SIZE]);

/// The sine table, computed once.
pub(crate) fn sine_table() -> SineTable {
    static TABLE: OnceLock<Box<[[f32; 2]; TABLE_SIZE]>> = OnceLock::new();
    SineTable(TABLE.get_or_init(|| {
        let entry = |i: usize| (TAU * i as f64 / TABLE_SIZE as f64).sin() as f32;
        let mut table = Box::new([[0.0; 2]; TABLE_SIZE]);
        for (i, pair) in table.iter_mut().enumerate() {
            let (a, b) = (entry(i), entry(i + 1));
            *pair = [2.0 * a - b, b - a];
        }
        table
    }))
}

impl Wavetable for SineTable {
    #[inline(always)]
    fn cycle(&self) -> f64 {
        CYCLE
    }

    #[inline(always)]
    fn lookup(&self, phase: i32) -> f32 {
        let [v1, v2] = self.0[point(phase, TABLE_SIZE - 1)];
        interpolate(v1, v2, phase)
    }
}

/// `SinOsc.ar(freq, phase)`, `SinOsc.kr(freq, phase)`.
struct SinOsc;

struct SinOscUnit {
    table: SineTable,
    phase: PhaseReader,
}

impl UGen for SinOsc {
    type Unit = SinOscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SinOscUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        Ok(SinOscUnit { table: sine_table(), phase: PhaseReader::new(spec, 0, 1) })
    }
}

impl Unit for SinOscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = self.phase.start(&self.table, io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        self.phase.read(&self.table, io, 0);
    }
}

/// `SinOscFB.ar(freq, feedback)`: `SinOsc` whose phase is offset by its last output times
/// `feedback` (radians per unit of output). As scsynth's: the offset is
/// `trunc(last · scale)` in `f32`, where `scale` is `feedback · 2^29 / 2π` (in `f64`,
/// rounded to `f32`) ramped across the block as a running `f32` sum kept from block to
/// block; the frequency is read once per block (an audio-rate one too) and its increment is
/// as `SinOsc`'s.
struct SinOscFB;

struct SinOscFBUnit {
    table: SineTable,
    phase: i32,
    last: f32,
    /// The feedback in phase steps per unit of output, as ramped so far.
    scale: f32,
    steps_per_hz: f64,
}

/// The phase steps per unit of output for `feedback`.
fn feedback_scale(feedback: f32) -> f32 {
    (f64::from(feedback) * (CYCLE / TAU)) as f32
}

impl UGen for SinOscFB {
    type Unit = SinOscFBUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SinOscFBUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let frames_per_step = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        Ok(SinOscFBUnit {
            table: sine_table(),
            phase: 0,
            last: 0.0,
            scale: 0.0,
            steps_per_hz: CYCLE * frames_per_step / spec.sample_rate,
        })
    }
}

impl Unit for SinOscFBUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.scale = feedback_scale(io.in0(1));
        io.output(0)[0] = self.table.lookup(self.phase);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let inc = truncate(f64::from(io.in0(0)) * self.steps_per_hz);
        let slope = (feedback_scale(io.in0(1)) - self.scale) * (1.0 / io.frames() as f32);
        let (table, mut phase, mut last, mut scale) = (self.table, self.phase, self.last, self.scale);
        for o in io.output(0) {
            last = table.lookup(phase.wrapping_add(truncate(f64::from(last * scale))));
            *o = last;
            phase = phase.wrapping_add(inc);
            scale += slope;
        }
        (self.phase, self.last, self.scale) = (phase, last, scale);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire, Input, BLOCK, SAMPLE_RATE};
    use super::super::wavetable::{phase_steps, truncate, Wavetable};
    use super::{sine_table, SinOsc, CYCLE};

    #[test]
    fn the_table_interpolates_to_the_sine_within_float_rounding() {
        let table = sine_table();
        for k in 0..10_000 {
            let phase = (k as i64 * 214_749) as i32;
            let exact = (std::f64::consts::TAU * f64::from(phase as u32) / CYCLE).sin();
            assert!((f64::from(table.lookup(phase)) - exact).abs() < 2e-7, "{k}");
        }
    }

    #[test]
    fn the_increment_is_truncated_so_440_hz_runs_slightly_flat() {
        let (first, out) = run(&SinOsc, Rate::Audio, 0, &[Input::Constant(440.0), Input::Constant(0.0)], 2).unwrap();
        assert_eq!(first, 0.0);
        // trunc(440 · 2^29 / 48000) = 4921316 steps a frame, not 4921316.69.
        let expected = |n: usize| sine_table().lookup((n as i64 * 4_921_316) as i32);
        assert!(out.iter().enumerate().all(|(n, &x)| x == expected(n)));
        assert_eq!((440.0 * CYCLE / SAMPLE_RATE) as i32, 4_921_316);
    }

    #[test]
    fn a_control_rate_phase_change_is_spread_over_the_block() {
        // Frequency 0: the output is the sine of the phase input, ramped from 0 to 0.5.
        let inputs = [Input::Constant(0.0), wire(Rate::Control, |k| if k == 0 { 0.0 } else { 0.5 })];
        let (_, out) = run(&SinOsc, Rate::Audio, 0, &inputs, 3).unwrap();
        let phase = |x: f32| f64::from(x).asin();
        assert!((phase(out[BLOCK + 32]) - 0.25).abs() < 1e-6);
        assert!((phase(out[2 * BLOCK]) - 0.5).abs() < 1e-6);
        assert_eq!(out[2 * BLOCK], sine_table().lookup(64 * phase_steps(CYCLE, 0.5 / 64.0)));
    }

    #[test]
    fn sin_osc_fb_without_feedback_is_sin_osc_and_with_it_bends_the_wave() {
        use super::SinOscFB;
        let plain = run(&SinOsc, Rate::Audio, 0, &[Input::Constant(440.0), Input::Constant(0.0)], 2).unwrap().1;
        let fb = |amount: f32| {
            run(&SinOscFB, Rate::Audio, 0, &[Input::Constant(440.0), Input::Constant(amount)], 2).unwrap().1
        };
        assert_eq!(fb(0.0), plain);
        let bent = fb(0.7);
        assert_eq!(bent[0], 0.0);
        assert!(bent[2] > plain[2] && bent.iter().all(|x| x.abs() <= 1.0));
    }

    #[test]
    fn conversions_out_of_range_give_the_lowest_integer() {
        assert_eq!((truncate(3e9), truncate(-3e9), truncate(f64::NAN)), (i32::MIN, i32::MIN, i32::MIN));
        assert_eq!((truncate(-2.9), truncate(2147483647.5)), (-2, i32::MAX));
    }
}
