//! Ranges: `Clip`, `Wrap`, `Fold`, `InRange` (`in, lo, hi`), `LinExp` (`in, srclo, srchi,
//! dstlo, dsthi`) and `Select` (`which, in0, in1, ...`).
//!
//! Inputs at control or scalar rate are held over the block.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::frame;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    for (name, op, inputs) in [
        ("Clip", Op::Clip, 3),
        ("Wrap", Op::Wrap, 3),
        ("Fold", Op::Fold, 3),
        ("InRange", Op::InRange, 3),
        ("LinExp", Op::LinExp, 5),
    ] {
        registrar.register_ugen(UGenTable::new(name, RangeUGen { op, inputs }));
    }
    registrar.register_ugen(UGenTable::new("Select", Select));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Clip,
    Wrap,
    Fold,
    InRange,
    LinExp,
}

struct RangeUGen {
    op: Op,
    inputs: usize,
}

struct RangeUnit {
    op: Op,
    audio: bool,
}

impl UGen for RangeUGen {
    type Unit = RangeUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<RangeUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, self.inputs, self.inputs)?;
        expect_outputs(spec, 1)?;
        Ok(RangeUnit { op: self.op, audio: spec.rate == Rate::Audio })
    }
}

/// `x` wrapped into `[lo, hi)`.
#[inline]
fn wrap(x: f32, lo: f32, hi: f32) -> f32 {
    let span = hi - lo;
    if span <= 0.0 {
        return lo;
    }
    if x >= lo && x < hi {
        return x;
    }
    lo + (x - lo).rem_euclid(span)
}

/// `x` folded back and forth into `[lo, hi]`.
#[inline]
fn fold(x: f32, lo: f32, hi: f32) -> f32 {
    let span = hi - lo;
    if span <= 0.0 {
        return lo;
    }
    if x >= lo && x <= hi {
        return x;
    }
    let t = (x - lo).rem_euclid(2.0 * span);
    lo + if t > span { 2.0 * span - t } else { t }
}

impl RangeUnit {
    #[inline]
    fn apply(&self, x: f32, io: &UnitIo<'_, '_>, f: usize) -> f32 {
        let (a, b) = (frame(io.input(1), f), frame(io.input(2), f));
        match self.op {
            Op::Clip => x.max(a).min(b),
            Op::Wrap => wrap(x, a, b),
            Op::Fold => fold(x, a, b),
            Op::InRange => {
                if x >= a && x <= b {
                    1.0
                } else {
                    0.0
                }
            }
            Op::LinExp => {
                let (lo, hi) = (frame(io.input(3), f), frame(io.input(4), f));
                let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
                lo * (hi / lo).powf(t)
            }
        }
    }

    fn compute(&self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let input = io.input(0);
        for f in 0..frames {
            let y = self.apply(frame(input, f), io, f);
            io.output(0)[f] = y;
        }
    }
}

impl Unit for RangeUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.compute(io, 1);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}

/// Outputs input `1 + which` (`which` truncated and clipped to the inputs there are).
struct Select;

struct SelectUnit {
    audio: bool,
}

impl UGen for Select {
    type Unit = SelectUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SelectUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, usize::MAX)?;
        expect_outputs(spec, 1)?;
        Ok(SelectUnit { audio: spec.rate == Rate::Audio })
    }
}

impl SelectUnit {
    fn compute(&self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let which = io.input(0);
        let choices = io.num_inputs() - 1;
        for f in 0..frames {
            let k = (frame(which, f).max(0.0) as usize).min(choices - 1);
            let y = frame(io.input(1 + k), f);
            io.output(0)[f] = y;
        }
    }
}

impl Unit for SelectUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.compute(io, 1);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}
