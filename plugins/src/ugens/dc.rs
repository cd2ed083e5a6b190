//! `DC`: a constant signal.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("DC", Dc));
}

/// `DC.ar(in)`, `DC.kr(in)`: the input's value when the Synth started, held even if the
/// input changes later (as scsynth holds it).
struct Dc;

struct DcUnit {
    value: f32,
}

impl UGen for Dc {
    type Unit = DcUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<DcUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 1, 1)?;
        expect_outputs(spec, 1)?;
        Ok(DcUnit { value: 0.0 })
    }
}

impl Unit for DcUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.value = io.in0(0);
        self.next(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0).fill(self.value);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire};
    use super::Dc;

    #[test]
    fn dc_holds_its_input_from_the_start() {
        let (first, out) = run(&Dc, Rate::Control, 0, &[wire(Rate::Control, |k| k as f32 + 2.0)], 3).unwrap();
        assert_eq!((first, out), (2.0, vec![2.0; 3]));
    }
}
