//! `Control` and `AudioControl`: a graph Synth's controls as unit outputs.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::expect_rate;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Control", Control));
    registrar.register_ugen(UGenTable::new("AudioControl", Control));
}

/// Outputs controls `special_index..special_index + outputs`: once at scalar rate, each
/// block at control rate, held over the block at audio rate.
struct Control;

struct ControlUnit {
    first: usize,
}

impl UGen for Control {
    type Unit = ControlUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<ControlUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        let first = usize::try_from(spec.special_index)
            .map_err(|_| PluginError::new(format!("{} has a negative first control", spec.name)))?;
        Ok(ControlUnit { first })
    }
}

impl ControlUnit {
    fn copy(&self, io: &mut UnitIo<'_, '_>) {
        let controls = io.ctx.controls;
        for (k, out) in io.outputs().enumerate() {
            out.fill(controls.get(self.first + k).copied().unwrap_or(0.0));
        }
    }
}

impl Unit for ControlUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.copy(io);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        self.copy(io);
    }
}
