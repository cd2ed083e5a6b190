//! The buffer oscillators: `Osc` and `OscN` (bufnum, freq, phase) and `COsc` (bufnum,
//! freq, beats), each playing the `audio-buffer` numbered by its first input as a table
//! (`VOsc`, which crossfades two, is in `vosc.rs`).
//!
//! `Osc` reads a wavetable (a buffer of `2N` samples for `N` points, `N` a power of two,
//! as `/b_gen`'s wavetable flag writes it) exactly as `SinOsc` reads its sine table
//! ([`super::wavetable`]), with a cycle of `N · 2^16` phase steps. `OscN` reads a table of
//! `N` samples as they are, without interpolation, by the same phase. `COsc` sums two
//! `Osc` phases moving at `freq ± beats / 2`, whose increments are the frequency's
//! `trunc(freq · steps)` plus and minus the half beat's `trunc(beats / 2 · steps)`
//! (`steps` the phase steps per hertz), both inputs read once per call; the sum is not
//! scaled, so its peak can be twice the table's.
//!
//! The buffer is looked up every call and held only for it. With no buffer at the number,
//! or one whose size does not make a table, the output is 0 and the phase stands still.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::wavetable::{step_seconds, truncate, BufferTable, PhaseReader, PlainTable, Wavetable};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Osc", Osc(Form::Wavetable)));
    registrar.register_ugen(UGenTable::new("OscN", Osc(Form::Plain)));
    registrar.register_ugen(UGenTable::new("COsc", COsc));
}

/// How a buffer holds its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// In wavetable form, read with interpolation (`Osc`).
    Wavetable,
    /// As the samples are, read without interpolation (`OscN`).
    Plain,
}

/// `Osc.ar(bufnum, freq, phase)`, `Osc.kr(...)`, and `OscN` likewise.
struct Osc(Form);

struct OscUnit {
    form: Form,
    phase: PhaseReader,
}

impl UGen for Osc {
    type Unit = OscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<OscUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 3, 3)?;
        expect_outputs(spec, 1)?;
        Ok(OscUnit { form: self.0, phase: PhaseReader::new(spec, 1, 2) })
    }
}

impl Unit for OscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let lease = buffer(io.ctx.access, io.in0(0));
        let first = match (self.form, lease.as_deref()) {
            (Form::Wavetable, Some(b)) => BufferTable::new(b).map(|t| self.phase.start(&t, io)),
            (Form::Plain, Some(b)) => PlainTable::new(b).map(|t| self.phase.start(&t, io)),
            (_, None) => None,
        };
        io.output(0)[0] = first.unwrap_or(0.0);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let lease = buffer(io.ctx.access, io.in0(0));
        let played = match (self.form, lease.as_deref()) {
            (Form::Wavetable, Some(b)) => BufferTable::new(b).map(|t| self.phase.read(&t, io, 0)),
            (Form::Plain, Some(b)) => PlainTable::new(b).map(|t| self.phase.read(&t, io, 0)),
            (_, None) => None,
        };
        if played.is_none() {
            io.output(0).fill(0.0);
        }
    }
}

/// `COsc.ar(bufnum, freq, beats)`, `COsc.kr(...)`.
struct COsc;

struct COscUnit {
    /// The phases at `freq + beats / 2` and `freq − beats / 2`.
    phases: [i32; 2],
    /// Seconds a step of the phases stands for.
    step: f64,
}

impl UGen for COsc {
    type Unit = COscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<COscUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 3, 3)?;
        expect_outputs(spec, 1)?;
        Ok(COscUnit { phases: [0, 0], step: step_seconds(spec) })
    }
}

impl COscUnit {
    /// Reads `table` into the output for one call and advances the phases.
    fn read(&mut self, table: &impl Wavetable, io: &mut UnitIo<'_, '_>) {
        let steps_per_hz = table.cycle() * self.step;
        let inc = truncate(f64::from(io.in0(1)) * steps_per_hz);
        let beat = truncate(f64::from(io.in0(2) * 0.5) * steps_per_hz);
        let (inc1, inc2) = (inc.wrapping_add(beat), inc.wrapping_sub(beat));
        let [mut p1, mut p2] = self.phases;
        for o in io.output(0) {
            *o = table.lookup(p1) + table.lookup(p2);
            p1 = p1.wrapping_add(inc1);
            p2 = p2.wrapping_add(inc2);
        }
        self.phases = [p1, p2];
    }
}

impl Unit for COscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let lease = buffer(io.ctx.access, io.in0(0));
        let table = lease.as_deref().and_then(BufferTable::new);
        io.output(0)[0] = table.map_or(0.0, |t| t.lookup(0) + t.lookup(0));
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let lease = buffer(io.ctx.access, io.in0(0));
        match lease.as_deref().and_then(BufferTable::new) {
            Some(table) => self.read(&table, io),
            None => io.output(0).fill(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, Input};
    use super::super::vosc::VOsc;
    use super::{COsc, Form, Osc};

    #[test]
    fn with_no_buffer_at_the_number_the_output_is_silent() {
        let inputs = [Input::Constant(3.0), Input::Constant(440.0), Input::Constant(0.5)];
        for rate in [Rate::Audio, Rate::Control] {
            for form in [Form::Wavetable, Form::Plain] {
                let (first, out) = run(&Osc(form), rate, 0, &inputs, 3).unwrap();
                assert!(first == 0.0 && out.iter().all(|&x| x == 0.0));
            }
            let (first, out) = run(&COsc, rate, 0, &inputs, 3).unwrap();
            assert!(first == 0.0 && out.iter().all(|&x| x == 0.0));
            let (first, out) = run(&VOsc, rate, 0, &inputs, 3).unwrap();
            assert!(first == 0.0 && out.iter().all(|&x| x == 0.0));
        }
        assert!(run(&Osc(Form::Wavetable), Rate::Scalar, 0, &inputs, 1).is_err());
    }
}
