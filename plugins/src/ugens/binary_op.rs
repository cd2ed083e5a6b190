//! `BinaryOpUGen`: sclang's binary operators on signals (`a * b`, `a.min(b)`, ...), the
//! operator named by the unit's special index (0 to 48, as sclang numbers them).
//!
//! At audio rate an audio-rate input is read sample by sample and a control- or
//! scalar-rate one is ramped across the block from its last value, as scsynth ramps it for
//! every operator ([`signal`](super::signal)); at control rate the operator runs once per
//! block, at scalar rate once when the Synth starts.
//!
//! Each value is computed as scsynth computes it, rounding included, which for a few
//! operators depends on how the inputs are read (found by rendering every operator at
//! every rate with scsynth and comparing; docs/ugens.md lists the differences that
//! remain):
//! - `unsignedRightShift` and `fill` add, as scsynth does (it has no code for them), and
//!   so does `firstArg` when its first input is not audio rate and its second is.
//! - `/` with a control-rate divisor that did not change this block multiplies by the
//!   reciprocal, and gives 0 for a divisor of 0.
//! - `pow` at audio rate gives 0 for a base of 0.
//! - `clip2` at audio rate is `min(a, b).max(-b)`, which differs from control rate's
//!   `a > b ? b : a < -b ? -b : a` only for a negative `b`.
//! - `rrand` at audio rate draws from `[lo − (hi − lo), hi)` rather than `[lo, hi)`, as
//!   scsynth does.

use oscine_plugin_api::{PluginError, Rate, Registrar, Rgen, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::math;
use super::signal::{Held, ReadAudio, ReadLanes, ReadRunning, Reader, Signal};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("BinaryOpUGen", BinaryOpUGen));
}

/// The code path a value is computed on, as a const parameter of [`apply`]: scsynth's
/// paths differ for a few operators.
type Path = u8;
/// A control- or scalar-rate unit.
const CONTROL: Path = 0;
/// An audio-rate unit with two audio-rate inputs.
const AUDIO_AUDIO: Path = 1;
/// An audio-rate unit whose second input is ramped.
const AUDIO_RAMPED: Path = 2;
/// An audio-rate unit whose first input is ramped.
const RAMPED_AUDIO: Path = 3;
/// An audio-rate unit whose two inputs are ramped.
const RAMPED_RAMPED: Path = 4;
/// [`AUDIO_RAMPED`] with a control-rate second input that did not change this block.
const AUDIO_STEADY: Path = 5;

/// Declares the operators: their special index, their sclang name (for the reader),
/// values on particular paths, and their value otherwise.
macro_rules! operators {
    (|$a:ident, $b:ident, $r:ident|
     $($index:literal $name:literal $([$($path:pat => $special:expr),+])? => $value:expr;)*) => {
        /// The value of operator `OP` (a special index) on `a` and `b`, on path `PATH`.
        #[inline(always)]
        #[allow(unused_variables)]
        fn apply<const OP: i16, const PATH: Path>($a: f32, $b: f32, $r: &mut Rgen) -> f32 {
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

operators! { |a, b, r|
    0 "+" => a + b;
    1 "-" => a - b;
    2 "*" => a * b;
    3 "div" => (a / b).floor();
    4 "/" [AUDIO_STEADY => if b == 0.0 { 0.0 } else { a * (1.0 / b) }] => a / b;
    5 "mod" => math::modulo(a, b);
    6 "==" => bool_value(a == b);
    7 "!=" => bool_value(a != b);
    8 "<" => bool_value(a < b);
    9 ">" => bool_value(a > b);
    10 "<=" => bool_value(a <= b);
    11 ">=" => bool_value(a >= b);
    12 "min" => a.min(b);
    13 "max" => a.max(b);
    14 "bitAnd" => (math::int(a) & math::int(b)) as f32;
    15 "bitOr" => (math::int(a) | math::int(b)) as f32;
    16 "bitXor" => (math::int(a) ^ math::int(b)) as f32;
    17 "lcm" => math::lcm(a, b);
    18 "gcd" => math::gcd(a, b);
    19 "round" => if b == 0.0 { a } else { (a / b + 0.5).floor() * b };
    20 "roundUp" => if b == 0.0 { a } else { (a / b).ceil() * b };
    21 "trunc" => if b == 0.0 { a } else { (a / b).floor() * b };
    22 "atan2" => a.atan2(b);
    23 "hypot" => a.hypot(b);
    24 "hypotApx" => math::hypot_approx(a, b);
    25 "pow" [AUDIO_AUDIO | AUDIO_RAMPED | RAMPED_AUDIO | RAMPED_RAMPED | AUDIO_STEADY
              => if a == 0.0 { 0.0 } else { math::signed_pow(a, b) }] => math::signed_pow(a, b);
    26 "leftShift" => math::int(a).wrapping_shl(math::int(b) as u32) as f32;
    27 "rightShift" => math::int(a).wrapping_shr(math::int(b) as u32) as f32;
    28 "unsignedRightShift" => a + b;
    29 "fill" => a + b;
    30 "ring1" => a * b + a;
    31 "ring2" => a * b + a + b;
    32 "ring3" => a * a * b;
    33 "ring4" => a * a * b - a * b * b;
    34 "difsqr" => a * a - b * b;
    35 "sumsqr" => a * a + b * b;
    36 "sqrsum" => (a + b) * (a + b);
    37 "sqrdif" => (a - b) * (a - b);
    38 "absdif" => (a - b).abs();
    39 "thresh" => if a < b { 0.0 } else { a };
    40 "amclip" => if b <= 0.0 { 0.0 } else { a * b };
    41 "scaleneg" => if a < 0.0 { a * b } else { a };
    42 "clip2" [AUDIO_AUDIO | AUDIO_RAMPED | RAMPED_AUDIO | RAMPED_RAMPED | AUDIO_STEADY
                => a.min(b).max(-b)] => math::clip2(a, b);
    43 "excess" => a - math::clip2(a, b);
    44 "fold2" => math::fold(a, -b, b);
    45 "wrap2" => math::wrap(a, -b, b);
    46 "firstArg" [RAMPED_AUDIO => a + b] => a;
    47 "rrand" [AUDIO_AUDIO | AUDIO_RAMPED | RAMPED_AUDIO | RAMPED_RAMPED | AUDIO_STEADY
                => a.min(b) + (a - b).abs() * r.bipolar()] => a + (b - a) * r.uniform();
    48 "exprand" => a * (b / a).powf(r.uniform());
}

/// A comparison's value: 1 for true, 0 for false.
#[inline(always)]
fn bool_value(x: bool) -> f32 {
    if x {
        1.0
    } else {
        0.0
    }
}

/// The operators whose ramped inputs scsynth ramps with vector code
/// ([`LaneRamp`](super::signal::LaneRamp)); it ramps the others' one frame at a time
/// ([`RunningRamp`](super::signal::RunningRamp)).
const LANE_RAMPED: &[i16] = &[0, 1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 25, 34, 35, 36, 37, 42];

/// The operators with an [`AUDIO_STEADY`] path.
const STEADY: &[i16] = &[4];

/// Computes one call of an audio-rate unit.
type Block = fn(&mut BinaryOpUnit, &mut UnitIo<'_, '_>);

/// One operator's functions: on one pair of values at control rate, and the block
/// function for the rates of an audio-rate unit's inputs.
#[derive(Clone, Copy)]
struct Operator {
    value: fn(f32, f32, &mut Rgen) -> f32,
    block: fn(Rate, Rate) -> Block,
}

impl Operator {
    fn of<const OP: i16>() -> Operator {
        let block = if LANE_RAMPED.contains(&OP) { blocks::<OP, ReadLanes> } else { blocks::<OP, ReadRunning> };
        Operator { value: apply::<OP, CONTROL>, block }
    }
}

/// Operator `OP`'s block function for inputs at rates `a` and `b`, ramping with `R`.
fn blocks<const OP: i16, R: Reader>(a: Rate, b: Rate) -> Block {
    match (a == Rate::Audio, b == Rate::Audio) {
        (true, true) => block::<OP, AUDIO_AUDIO, ReadAudio, ReadAudio>,
        (true, false) if b == Rate::Control && STEADY.contains(&OP) => steady_block::<OP, R>,
        (true, false) => audio_ramped_block::<OP, R>,
        (false, true) => ramped_audio_block::<OP, R>,
        (false, false) => block::<OP, RAMPED_RAMPED, R, R>,
    }
}

/// Writes operator `OP` on path `PATH` on the inputs, read by `A` and `B`, frame by frame.
fn block<const OP: i16, const PATH: Path, A: Reader, B: Reader>(unit: &mut BinaryOpUnit, io: &mut UnitIo<'_, '_>) {
    let a = A::read(io, &mut unit.a, 0);
    let b = B::read(io, &mut unit.b, 1);
    fill::<OP, PATH>(io, a, b);
}

/// [`block`] for an audio-rate first input and a control-rate second one, on the
/// [`AUDIO_STEADY`] path when the second did not change.
fn steady_block<const OP: i16, R: Reader>(unit: &mut BinaryOpUnit, io: &mut UnitIo<'_, '_>) {
    let a = ReadAudio::read(io, &mut unit.a, 0);
    let b = R::read(io, &mut unit.b, 1);
    match (b.is_flat(), b.steady()) {
        (true, Some(k)) => fill_with_b::<OP, AUDIO_STEADY>(io, a.0, k),
        (true, None) => fill::<OP, AUDIO_STEADY>(io, a, b),
        (false, _) => fill::<OP, AUDIO_RAMPED>(io, a, b),
    }
}

/// [`block`] for an audio-rate first input and a ramped second one. A ramp that did not
/// change holds its value exactly, so the loop over a constant computes the same values.
fn audio_ramped_block<const OP: i16, R: Reader>(unit: &mut BinaryOpUnit, io: &mut UnitIo<'_, '_>) {
    let a = ReadAudio::read(io, &mut unit.a, 0);
    let b = R::read(io, &mut unit.b, 1);
    match b.steady() {
        Some(k) => fill_with_b::<OP, AUDIO_RAMPED>(io, a.0, k),
        None => fill::<OP, AUDIO_RAMPED>(io, a, b),
    }
}

/// [`audio_ramped_block`] with the inputs the other way round.
fn ramped_audio_block<const OP: i16, R: Reader>(unit: &mut BinaryOpUnit, io: &mut UnitIo<'_, '_>) {
    let a = R::read(io, &mut unit.a, 0);
    let b = ReadAudio::read(io, &mut unit.b, 1);
    match a.steady() {
        Some(k) => fill_with_a::<OP, RAMPED_AUDIO>(io, k, b.0),
        None => fill::<OP, RAMPED_AUDIO>(io, a, b),
    }
}

#[inline(always)]
fn fill<const OP: i16, const PATH: Path>(io: &mut UnitIo<'_, '_>, mut a: impl Signal, mut b: impl Signal) {
    let (out, ctx) = io.output_with_context(0);
    for (i, o) in out.iter_mut().enumerate() {
        *o = apply::<OP, PATH>(a.at(i), b.at(i), ctx.rgen);
    }
}

/// [`fill`] with a constant second input: a loop the compiler can vectorize.
#[inline(always)]
fn fill_with_b<const OP: i16, const PATH: Path>(io: &mut UnitIo<'_, '_>, a: &[f32], b: f32) {
    let (out, ctx) = io.output_with_context(0);
    for (o, &x) in out.iter_mut().zip(a) {
        *o = apply::<OP, PATH>(x, b, ctx.rgen);
    }
}

/// [`fill`] with a constant first input.
#[inline(always)]
fn fill_with_a<const OP: i16, const PATH: Path>(io: &mut UnitIo<'_, '_>, a: f32, b: &[f32]) {
    let (out, ctx) = io.output_with_context(0);
    for (o, &y) in out.iter_mut().zip(b) {
        *o = apply::<OP, PATH>(a, y, ctx.rgen);
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
        let op = operator(spec.special_index)
            .ok_or_else(|| PluginError::new(format!("BinaryOpUGen has no operator {}", spec.special_index)))?;
        let block = (spec.rate == Rate::Audio).then(|| (op.block)(spec.input_rate(0), spec.input_rate(1)));
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

    /// Operator `op` at control rate on constants.
    fn value(op: i16, a: f32, b: f32) -> f32 {
        run(&BinaryOpUGen, Rate::Scalar, op, &[Input::Constant(a), Input::Constant(b)], 0).unwrap().0
    }

    /// Operator `op` at audio rate on an audio-rate `a` and a constant `b`: its first frame.
    fn audio_value(op: i16, a: f32, b: f32) -> f32 {
        run(&BinaryOpUGen, Rate::Audio, op, &[wire(Rate::Audio, move |_| a), Input::Constant(b)], 1).unwrap().1[0]
    }

    #[test]
    fn operators_follow_scsynths_definitions() {
        assert_eq!(value(3, -7.0, 2.0), -4.0, "div rounds down");
        assert_eq!((value(5, -1.0, 3.0), value(5, 1.0, -3.0), value(5, 4.0, 0.0)), (2.0, -2.0, 0.0), "mod");
        assert_eq!((value(18, -6.0, 10.0), value(18, -6.0, -4.0), value(18, 0.5, -6.0)), (2.0, -2.0, -6.0), "gcd");
        assert_eq!((value(17, -6.0, -4.0), value(17, 3.0, 10.0)), (-12.0, 30.0), "lcm");
        assert_eq!((value(25, -2.0, 2.0), value(25, 0.0, 0.0)), (-4.0, 1.0), "pow keeps the sign");
        assert_eq!(audio_value(25, 0.0, 0.0), 0.0, "pow of 0 at audio rate");
        assert_eq!((value(28, 8.0, 1.0), value(29, 8.0, 1.0)), (9.0, 9.0), "unsignedRightShift and fill add");
        assert_eq!((value(42, -7.0, -2.5), value(42, 7.0, 2.5)), (2.5, 2.5), "clip2");
        assert_eq!(audio_value(42, 2.5, -1.5), 1.5, "clip2 at audio rate");
        assert_eq!((value(44, 3.0, 2.0), value(45, 3.0, 2.0)), (1.0, -1.0), "fold2, wrap2");
        assert_eq!((value(24, 1.5, 0.5), value(39, 1.0, 2.0)), (2.0 - 0.5 * (std::f32::consts::SQRT_2 - 1.0), 0.0));
    }

    #[test]
    fn first_arg_adds_when_only_its_second_input_is_audio_rate() {
        let inputs = [Input::Constant(2.0), wire(Rate::Audio, |_| 3.0)];
        assert_eq!(run(&BinaryOpUGen, Rate::Audio, 46, &inputs, 1).unwrap().1[0], 5.0);
        let inputs = [wire(Rate::Audio, |_| 3.0), Input::Constant(2.0)];
        assert_eq!(run(&BinaryOpUGen, Rate::Audio, 46, &inputs, 1).unwrap().1[0], 3.0);
    }

    #[test]
    fn division_by_an_unchanged_control_rate_input_multiplies_by_its_reciprocal() {
        let inputs = [wire(Rate::Audio, |_| 3.0), wire(Rate::Control, |_| 0.0)];
        let (_, out) = run(&BinaryOpUGen, Rate::Audio, 4, &inputs, 1).unwrap();
        assert_eq!(out[0], 0.0);
        let inputs = [wire(Rate::Audio, |_| -5.859567), wire(Rate::Control, |_| -2.5)];
        let (_, out) = run(&BinaryOpUGen, Rate::Audio, 4, &inputs, 1).unwrap();
        assert_eq!(out[0], -5.859567 * (1.0 / -2.5));
        assert_ne!(out[0], -5.859567f32 / -2.5);
    }

    #[test]
    fn ramps_round_as_scsynths_vector_or_one_frame_code_does() {
        // From 8.1 to 9.2 across a block, as scsynth's `+` (four lanes) and `absdif`
        // (one running sum) ramp it: the last frames differ.
        let inputs = [wire(Rate::Audio, |_| 0.0), wire(Rate::Control, |k| if k == 0 { 8.1 } else { 9.2 })];
        let (_, add) = run(&BinaryOpUGen, Rate::Audio, 0, &inputs, 2).unwrap();
        let (_, absdif) = run(&BinaryOpUGen, Rate::Audio, 38, &inputs, 2).unwrap();
        assert_eq!((add[2 * BLOCK - 1], absdif[2 * BLOCK - 1]), (9.182818, 9.182789));
    }

    #[test]
    fn an_unknown_operator_or_input_count_is_refused() {
        let two = [Input::Constant(2.0), Input::Constant(3.0)];
        assert!(run(&BinaryOpUGen, Rate::Control, 999, &two, 1).is_err());
        assert!(run(&BinaryOpUGen, Rate::Control, MUL, &two[..1], 1).is_err());
    }
}
