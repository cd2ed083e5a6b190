//! `UnaryOpUGen`: sclang's unary operators on signals (`x.abs`, `x.midicps`, ...), the
//! operator named by the unit's special index (0 to 53, as sclang numbers them).
//!
//! At audio rate the input is read sample by sample; at control rate the operator runs
//! once per block, at scalar rate once when the Synth starts. Each value is computed as
//! scsynth computes it (found by rendering every operator at every rate with scsynth and
//! comparing; docs/ugens.md lists the differences that remain).
//!
//! sclang makes a `UnaryOpUGen` at its input's rate. scsynth reads an audio-rate unit's
//! input as a block of samples whatever its rate (past the end of a control-rate value);
//! Oscine ramps a control-rate input across the block and holds a scalar-rate one.

use std::f32::consts::PI;

use oscine_plugin_api::{PluginError, Rate, Registrar, Rgen, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::math;
use super::signal::{Held, ReadAudio, ReadRunning, Reader, Signal};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("UnaryOpUGen", UnaryOpUGen));
}

/// The code path a value is computed on, as a const parameter of [`apply`]: scsynth's
/// paths differ for a few operators.
type Path = u8;
/// A control- or scalar-rate unit.
const CONTROL: Path = 0;
/// An audio-rate unit.
const AUDIO: Path = 1;

/// Declares the operators: their special index, their sclang name (for the reader),
/// values on particular paths, and their value otherwise.
macro_rules! operators {
    (|$x:ident, $r:ident| $($index:literal $name:literal $([$($path:pat => $special:expr),+])? => $value:expr;)*) => {
        /// The value of operator `OP` (a special index) on `x`, on path `PATH`.
        #[inline(always)]
        #[allow(unused_variables)]
        fn apply<const OP: i16, const PATH: Path>($x: f32, $r: &mut Rgen) -> f32 {
            match OP {
                $($($($index if matches!(PATH, $path) => $special,)+)? $index => $value,)*
                _ => 0.0,
            }
        }

        /// The operator with this special index, if there is one.
        fn operator(index: i16) -> Option<Operator> {
            match index {
                $($index => Some(Operator::of::<$index>()),)*
                _ => None,
            }
        }
    };
}

operators! { |x, r|
    0 "neg" => -x;
    1 "not" => if x > 0.0 { 0.0 } else { 1.0 };
    2 "isNil" => x;
    3 "notNil" => x;
    4 "bitNot" => !math::int(x) as f32;
    5 "abs" => x.abs();
    6 "asFloat" => x;
    7 "asInt" => x;
    8 "ceil" => x.ceil();
    9 "floor" => x.floor();
    10 "frac" => x - x.floor();
    11 "sign" => if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { 0.0 };
    12 "squared" => x * x;
    13 "cubed" => x * x * x;
    14 "sqrt" => if x < 0.0 { -(-x).sqrt() } else { x.sqrt() };
    15 "exp" => x.exp();
    16 "reciprocal" => math::reciprocal(x);
    17 "midicps" => 440.0 * math::exp2((x - 69.0) * (1.0 / 12.0));
    18 "cpsmidi" [AUDIO => math::log2_audio(x.abs() * (1.0 / 440.0)) * 12.0 + 69.0]
        => math::log2(x * (1.0 / 440.0)) * 12.0 + 69.0;
    19 "midiratio" => math::exp2(x * (1.0 / 12.0));
    20 "ratiomidi" [AUDIO => 12.0 * math::log2_audio(x)] => 12.0 * math::log2(x);
    21 "dbamp" => 10f32.powf(x * 0.05);
    22 "ampdb" [AUDIO => math::log2_audio(x.abs()) * (20.0 * std::f32::consts::LOG10_2)] => x.log10() * 20.0;
    23 "octcps" => 440.0 * (x - 4.75).exp2();
    24 "cpsoct" [AUDIO => math::log2_audio(x.abs() * (1.0 / 440.0)) + 4.75] => math::log2(x * (1.0 / 440.0)) + 4.75;
    25 "log" [AUDIO => math::log2_audio(x) * std::f32::consts::LN_2] => x.ln();
    26 "log2" [AUDIO => math::log2_audio(x)] => math::log2(x);
    27 "log10" [AUDIO => math::log2_audio(x.abs()) * std::f32::consts::LOG10_2] => x.abs().log10();
    28 "sin" => x.sin();
    29 "cos" => x.cos();
    30 "tan" => x.tan();
    31 "asin" [AUDIO => if x.abs() <= 1.0 { x.asin() } else { 0.0 }] => x.asin();
    32 "acos" [AUDIO => if x.abs() <= 1.0 { x.acos() } else { 0.0 }] => x.acos();
    33 "atan" => x.atan();
    34 "sinh" => x.sinh();
    35 "cosh" => x.cosh();
    36 "tanh" => x.tanh();
    37 "rand" => x * r.uniform();
    38 "rand2" => x * r.bipolar();
    39 "linrand" => x * r.uniform().min(r.uniform());
    40 "bilinrand" => x * (r.uniform() - r.uniform());
    41 "sum3rand" => x * ((r.uniform() + r.uniform() + r.uniform()) * (2.0 / 3.0) - 1.0);
    42 "distort" => x / (1.0 + x.abs());
    43 "softclip" => if x.abs() <= 0.5 { x } else { (x.abs() - 0.25) / x };
    44 "coin" => if r.uniform() < x { 1.0 } else { 0.0 };
    45 "digitValue" => x;
    46 "silence" => 0.0;
    47 "thru" => x;
    48 "rectWindow" => if (0.0..=1.0).contains(&x) { 1.0 } else { 0.0 };
    49 "hanWindow" => if (0.0..=1.0).contains(&x) { 0.5 - 0.5 * (2.0 * PI * x).cos() } else { 0.0 };
    50 "welWindow" => if (0.0..=1.0).contains(&x) { (std::f64::consts::PI * f64::from(x)).sin() as f32 } else { 0.0 };
    51 "triWindow" => if !(0.0..=1.0).contains(&x) { 0.0 } else if x < 0.5 { 2.0 * x } else { -2.0 * x + 2.0 };
    52 "ramp" => x.clamp(0.0, 1.0);
    53 "scurve" => if x <= 0.0 { 0.0 } else if x >= 1.0 { 1.0 } else { x * x * (3.0 - 2.0 * x) };
}

/// Computes one call of an audio-rate unit.
type Block = fn(&mut UnaryOpUnit, &mut UnitIo<'_, '_>);

/// One operator's functions: on one value at control rate, and on a block for an
/// audio-rate unit with an audio-rate or a ramped input.
#[derive(Clone, Copy)]
struct Operator {
    value: fn(f32, &mut Rgen) -> f32,
    audio: Block,
    ramped: Block,
}

impl Operator {
    fn of<const OP: i16>() -> Operator {
        Operator { value: apply::<OP, CONTROL>, audio: block::<OP, ReadAudio>, ramped: block::<OP, ReadRunning> }
    }
}

/// Writes operator `OP` on the input, read by `X`, frame by frame.
fn block<const OP: i16, X: Reader>(unit: &mut UnaryOpUnit, io: &mut UnitIo<'_, '_>) {
    let mut x = X::read(io, &mut unit.x, 0);
    let (out, ctx) = io.output_with_context(0);
    for (i, o) in out.iter_mut().enumerate() {
        *o = apply::<OP, AUDIO>(x.at(i), ctx.rgen);
    }
}

/// `UnaryOpUGen` with one input and one output, at any rate but demand.
struct UnaryOpUGen;

struct UnaryOpUnit {
    value: fn(f32, &mut Rgen) -> f32,
    /// How an audio-rate unit computes a block; `None` at control and scalar rate.
    block: Option<Block>,
    x: Held,
}

impl UGen for UnaryOpUGen {
    type Unit = UnaryOpUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<UnaryOpUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 1, 1)?;
        expect_outputs(spec, 1)?;
        let op = operator(spec.special_index)
            .ok_or_else(|| PluginError::new(format!("UnaryOpUGen has no operator {}", spec.special_index)))?;
        let block =
            (spec.rate == Rate::Audio).then_some(if spec.input_rate(0) == Rate::Audio { op.audio } else { op.ramped });
        Ok(UnaryOpUnit { value: op.value, block, x: Held::default() })
    }
}

impl Unit for UnaryOpUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.x = Held::start(io, 0);
        let x = io.in0(0);
        let (out, ctx) = io.output_with_context(0);
        out[0] = (self.value)(x, ctx.rgen);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        match self.block {
            Some(block) => block(self, io),
            None => {
                let x = io.in0(0);
                let (out, ctx) = io.output_with_context(0);
                out[0] = (self.value)(x, ctx.rgen);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire, Input, BLOCK};
    use super::UnaryOpUGen;

    fn value(op: i16, x: f32) -> f32 {
        run(&UnaryOpUGen, Rate::Scalar, op, &[Input::Constant(x)], 0).unwrap().0
    }

    fn audio_value(op: i16, x: f32) -> f32 {
        run(&UnaryOpUGen, Rate::Audio, op, &[wire(Rate::Audio, move |_| x)], 1).unwrap().1[0]
    }

    #[test]
    fn operators_follow_scsynths_definitions() {
        assert_eq!((value(14, -4.0), value(11, -0.5), value(1, 0.5)), (-2.0, -1.0, 0.0), "sqrt, sign, not");
        assert_eq!(
            (value(17, 69.0), value(18, 440.0), value(21, 20.0)),
            (440.0, 69.0, 10.0),
            "midicps, cpsmidi, dbamp"
        );
        assert_eq!((value(27, -100.0), value(43, 1.0), value(42, 1.0)), (2.0, 0.75, 0.5), "log10, softclip, distort");
        assert_eq!((value(51, 0.25), value(53, 0.5), value(52, 3.0)), (0.5, 0.5, 1.0), "triWindow, scurve, ramp");
        assert_eq!(value(50, 1.0), (std::f64::consts::PI.sin()) as f32, "welWindow in f64");
        assert!(value(16, 0.0).is_nan(), "reciprocal of 0");
        assert!(value(31, 2.0).is_nan());
    }

    #[test]
    fn audio_rate_logarithms_and_arcsines_treat_edges_as_scsynth_does() {
        assert_eq!(audio_value(26, 0.0), -127.0);
        assert_eq!(audio_value(22, -2.0), value(22, 2.0));
        assert_eq!((audio_value(31, 2.0), audio_value(32, -1.5)), (0.0, 0.0));
    }

    #[test]
    fn a_control_rate_input_at_audio_rate_is_ramped() {
        let (_, out) = run(&UnaryOpUGen, Rate::Audio, 0, &[wire(Rate::Control, |k| k as f32 * 64.0)], 2).unwrap();
        assert_eq!((out[BLOCK], out[BLOCK + 1], out[2 * BLOCK - 1]), (0.0, -1.0, -63.0));
    }
}
