//! `Done` and `FreeSelfWhenDone`: what a unit does once the unit feeding its input has
//! finished (a `Line` at its end, an `EnvGen` past its last segment), whatever that
//! unit's own done action: `Done` outputs 1 from then on (0 before), `FreeSelfWhenDone`
//! frees its Synth. Both read their source's flag once per block, after it ran, so they
//! see it in the block in which it finishes. The input must be another unit's output; a
//! constant is never finished.

use oscine_plugin_api::{DoneAction, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Done", WhenDone { frees: false }));
    registrar.register_ugen(UGenTable::new("FreeSelfWhenDone", WhenDone { frees: true }));
}

/// `Done.kr(src)` (`frees: false`), `FreeSelfWhenDone.kr(src)` (`frees: true`).
struct WhenDone {
    frees: bool,
}

struct WhenDoneUnit {
    frees: bool,
    freed: bool,
}

impl UGen for WhenDone {
    type Unit = WhenDoneUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<WhenDoneUnit, PluginError> {
        expect_rate(spec, &[Rate::Control])?;
        expect_inputs(spec, 1, 1)?;
        expect_outputs(spec, 1)?;
        Ok(WhenDoneUnit { frees: self.frees, freed: false })
    }
}

impl WhenDoneUnit {
    fn step(&mut self, io: &mut UnitIo<'_, '_>) {
        let done = io.input_finished(0);
        if self.frees {
            if done && !self.freed {
                self.freed = true;
                io.ctx.done(DoneAction::FreeSelf);
            }
            io.output(0)[0] = io.in0(0);
        } else {
            io.output(0)[0] = if done { 1.0 } else { 0.0 };
        }
    }
}

impl Unit for WhenDoneUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        if self.frees {
            io.output(0)[0] = io.in0(0);
        } else {
            io.output(0)[0] = if io.input_finished(0) { 1.0 } else { 0.0 };
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        self.step(io);
    }
}
