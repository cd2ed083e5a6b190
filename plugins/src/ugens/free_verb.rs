//! `FreeVerb.ar(in, mix, room, damp)`: Jezar's Freeverb, mono, with the delay lengths
//! scsynth uses at every sample rate: eight parallel combs (1116, 1188, 1277, 1356, 1422,
//! 1491, 1557 and 1617 frames) into four allpasses in series (556, 441, 341 and 225).
//!
//! As scsynth's output shows it: the input, times 0.015, reaches each comb's output `L`
//! frames later, and the comb's damped output comes back `L + 1` frames after it left,
//! times `room · 0.28 + 0.7`; the damping is a one-pole lowpass, `y = (1 − d) · x + d · y'`
//! with `d = damp · 0.4`. Each allpass outputs `b[t − D] − x` and keeps
//! `x + 0.5 · b[t − D − 1]`. The output is `(1 − mix) · in + mix · wet`. `mix`, `room` and
//! `damp` are read once per block and held within 0..1. The first frame goes through the
//! lines twice (once when the unit starts, once in the first block), as in scsynth.
//!
//! The delay lines are allocated when the unit is built (off the audio thread).

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::frame;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("FreeVerb", FreeVerb));
}

const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
const GAIN: f32 = 0.015;

pub(super) struct FreeVerb;

/// A comb: the line holds `in[t] + feedback · damped[t − 1]`, read `L` frames later.
struct Comb {
    line: Box<[f32]>,
    at: usize,
    /// The damped output one frame ago.
    damped: f32,
}

impl Comb {
    fn new(length: usize) -> Comb {
        Comb { line: vec![0.0; length].into_boxed_slice(), at: 0, damped: 0.0 }
    }

    #[inline(always)]
    fn tick(&mut self, input: f32, feedback: f32, damp: f32) -> f32 {
        let out = self.line[self.at];
        self.line[self.at] = input + feedback * self.damped;
        self.at = if self.at + 1 == self.line.len() { 0 } else { self.at + 1 };
        self.damped = out * (1.0 - damp) + self.damped * damp;
        out
    }
}

/// An allpass: outputs `b[t − D] − x` and keeps `x + 0.5 · b[t − D − 1]`.
struct Allpass {
    line: Box<[f32]>,
    at: usize,
    /// The line's output one frame ago.
    last: f32,
}

impl Allpass {
    fn new(length: usize) -> Allpass {
        Allpass { line: vec![0.0; length].into_boxed_slice(), at: 0, last: 0.0 }
    }

    #[inline(always)]
    fn tick(&mut self, input: f32) -> f32 {
        let delayed = self.line[self.at];
        self.line[self.at] = input + 0.5 * self.last;
        self.last = delayed;
        self.at = if self.at + 1 == self.line.len() { 0 } else { self.at + 1 };
        delayed - input
    }
}

pub(super) struct FreeVerbUnit {
    combs: [Comb; 8],
    allpasses: [Allpass; 4],
}

impl UGen for FreeVerb {
    type Unit = FreeVerbUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<FreeVerbUnit, PluginError> {
        expect_rate(spec, &[Rate::Audio])?;
        expect_inputs(spec, 4, 4)?;
        expect_outputs(spec, 1)?;
        Ok(FreeVerbUnit { combs: COMBS.map(Comb::new), allpasses: ALLPASSES.map(Allpass::new) })
    }
}

impl FreeVerbUnit {
    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let input = io.input(0);
        let held = |i: usize| {
            let x = io.in0(i);
            if x.is_nan() {
                0.0
            } else {
                x.clamp(0.0, 1.0)
            }
        };
        let (mix, feedback, damp) = (held(1), held(2) * 0.28 + 0.7, held(3) * 0.4);
        let out = io.output(0);
        for (f, o) in out[..frames].iter_mut().enumerate() {
            let x = frame(input, f);
            let scaled = x * GAIN;
            let mut wet = 0.0;
            for comb in &mut self.combs {
                wet += comb.tick(scaled, feedback, damp);
            }
            for allpass in &mut self.allpasses {
                wet = allpass.tick(wet);
            }
            *o = (1.0 - mix) * x + mix * wet;
        }
    }
}

impl Unit for FreeVerbUnit {
    /// Runs the first frame through the lines, as scsynth does when it builds the unit: the
    /// first block then runs it again, so the first frame enters the lines twice.
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.compute(io, 1);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = io.frames();
        self.compute(io, frames);
    }
}
