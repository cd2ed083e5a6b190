//! `BinaryOpUGen`: sclang's binary operators on signals (`a * b`, `a.min(b)`, ...), the
//! operator named by the unit's special index.
//!
//! At audio rate an audio-rate input is read sample by sample and a control-rate one is
//! ramped across the block from its last value (as scsynth does, for every operator); at
//! control rate the operator runs once per block, at scalar rate once when the Synth
//! starts.

use oscine_plugin_api::{PluginError, Rate, Registrar, Rgen, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{Audio, Held, Reading, Signal};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("BinaryOpUGen", BinaryOpUGen));
}

/// Declares the operators: their special index, their sclang name (for the reader) and
/// their value.
macro_rules! operators {
    (|$a:ident, $b:ident, $r:ident| $($index:literal $name:literal => $value:expr;)*) => {
        /// The value of operator `OP` (a special index) on `a` and `b`.
        #[inline(always)]
        #[allow(unused_variables)]
        fn apply<const OP: i16>($a: f32, $b: f32, $r: &mut Rgen) -> f32 {
            match OP {
                $($index => $value,)*
                _ => 0.0,
            }
        }

        /// The operator with this special index, if Oscine has it.
        fn operator(index: i16) -> Option<Operator> {
            match index {
                $($index => Some(Operator::of::<$index>()),)*
                _ => None,
            }
        }
    };
}

operators! { |a, b, r|
    2 "*" => a * b;
}

/// Computes one call of an audio-rate unit.
type Block = fn(&mut BinaryOpUnit, &mut UnitIo<'_, '_>);

/// One operator's functions: on one pair of values, and on a block for each way of reading
/// the two inputs.
#[derive(Clone, Copy)]
struct Operator {
    value: fn(f32, f32, &mut Rgen) -> f32,
    audio_audio: Block,
    audio_ramped: Block,
    ramped_audio: Block,
    ramped_ramped: Block,
}

impl Operator {
    fn of<const OP: i16>() -> Operator {
        Operator {
            value: apply::<OP>,
            audio_audio: |_, io| {
                let (a, b) = (io.input(0), io.input(1));
                fill::<OP>(io, Audio(a), Audio(b));
            },
            audio_ramped: |unit, io| {
                let (a, b) = (io.input(0), unit.b.ramp(io, 1));
                fill::<OP>(io, Audio(a), b);
            },
            ramped_audio: |unit, io| {
                let (a, b) = (unit.a.ramp(io, 0), io.input(1));
                fill::<OP>(io, a, Audio(b));
            },
            ramped_ramped: |unit, io| {
                let (a, b) = (unit.a.ramp(io, 0), unit.b.ramp(io, 1));
                fill::<OP>(io, a, b);
            },
        }
    }
}

/// Writes operator `OP` on `a` and `b` into the unit's output, frame by frame.
#[inline(always)]
fn fill<const OP: i16>(io: &mut UnitIo<'_, '_>, mut a: impl Signal, mut b: impl Signal) {
    let (out, ctx) = io.output_with_context(0);
    for (i, o) in out.iter_mut().enumerate() {
        *o = apply::<OP>(a.at(i), b.at(i), ctx.rgen);
    }
}

/// `BinaryOpUGen` with two inputs and one output, at any rate but demand.
struct BinaryOpUGen;

struct BinaryOpUnit {
    value: fn(f32, f32, &mut Rgen) -> f32,
    /// How an audio-rate unit computes a block; `None` at control and scalar rate.
    block: Option<Block>,
    a: Held,
    b: Held,
}

impl UGen for BinaryOpUGen {
    type Unit = BinaryOpUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<BinaryOpUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let op = operator(spec.special_index).ok_or_else(|| {
            PluginError::new(format!("BinaryOpUGen has no operator {} in Oscine", spec.special_index))
        })?;
        let block = (spec.rate == Rate::Audio).then(|| {
            match (Reading::of(spec.input_rate(0)), Reading::of(spec.input_rate(1))) {
                (Reading::Audio, Reading::Audio) => op.audio_audio,
                (Reading::Audio, Reading::Ramped) => op.audio_ramped,
                (Reading::Ramped, Reading::Audio) => op.ramped_audio,
                (Reading::Ramped, Reading::Ramped) => op.ramped_ramped,
            }
        });
        Ok(BinaryOpUnit { value: op.value, block, a: Held::default(), b: Held::default() })
    }
}

impl Unit for BinaryOpUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.a = Held::start(io, 0);
        self.b = Held::start(io, 1);
        let (a, b) = (io.in0(0), io.in0(1));
        let (out, ctx) = io.output_with_context(0);
        out[0] = (self.value)(a, b, ctx.rgen);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        match self.block {
            Some(block) => block(self, io),
            None => {
                let (a, b) = (io.in0(0), io.in0(1));
                let (out, ctx) = io.output_with_context(0);
                out[0] = (self.value)(a, b, ctx.rgen);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire, Input, BLOCK};
    use super::BinaryOpUGen;

    const MUL: i16 = 2;

    #[test]
    fn audio_inputs_are_read_sample_by_sample() {
        let inputs = [wire(Rate::Audio, |n| n as f32), Input::Constant(0.5)];
        let (first, out) = run(&BinaryOpUGen, Rate::Audio, MUL, &inputs, 2).unwrap();
        assert_eq!(first, 0.0);
        assert!(out.iter().enumerate().all(|(n, &x)| x == n as f32 * 0.5));
    }

    #[test]
    fn a_control_rate_input_ramps_across_the_block_from_its_last_value() {
        // 0.5 in the first block, 2.5 from the second: the second block ramps.
        let inputs = [wire(Rate::Control, |k| if k == 0 { 0.5 } else { 2.5 }), wire(Rate::Audio, |_| 1.5)];
        let (_, out) = run(&BinaryOpUGen, Rate::Audio, MUL, &inputs, 3).unwrap();
        assert!(out[..BLOCK].iter().all(|&x| x == 0.75));
        let ramp = &out[BLOCK..2 * BLOCK];
        assert_eq!((ramp[0], ramp[1], ramp[BLOCK - 1]), (0.75, 0.796875, 3.703125));
        assert!(out[2 * BLOCK..].iter().all(|&x| x == 3.75));
    }

    #[test]
    fn control_and_scalar_rate_units_compute_one_value() {
        let inputs = [wire(Rate::Control, |k| k as f32), Input::Constant(3.0)];
        let (first, out) = run(&BinaryOpUGen, Rate::Control, MUL, &inputs, 3).unwrap();
        assert_eq!((first, out), (0.0, vec![0.0, 3.0, 6.0]));
        let inputs = [Input::Constant(2.0), Input::Constant(3.0)];
        assert_eq!(run(&BinaryOpUGen, Rate::Scalar, MUL, &inputs, 3).unwrap(), (6.0, vec![]));
    }

    #[test]
    fn an_unknown_operator_or_input_count_is_refused() {
        let two = [Input::Constant(2.0), Input::Constant(3.0)];
        assert!(run(&BinaryOpUGen, Rate::Control, 999, &two, 1).is_err());
        assert!(run(&BinaryOpUGen, Rate::Control, MUL, &two[..1], 1).is_err());
    }
}
