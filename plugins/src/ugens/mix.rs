//! `MulAdd`, `Sum3` and `Sum4`: `in * mul + add` and the sums of three and four signals,
//! which sclang makes of `*` followed by `+` and of `Mix` (`a + b + c`).
//!
//! At audio rate an audio-rate input is read sample by sample and a control- or
//! scalar-rate one is ramped across the block from its last value ([`signal`](super::signal));
//! the terms are combined as scsynth combines them, `(in * mul) + add`, `(a + b) + c` and
//! `(a + b) + (c + d)` (`((a + b) + c) + d` at control rate), each step rounded to `f32`.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{Held, ReadAudio, ReadLanes, Reader, Signal};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("MulAdd", Mix { kind: Kind::MulAdd }));
    registrar.register_ugen(UGenTable::new("Sum3", Mix { kind: Kind::Sum(3) }));
    registrar.register_ugen(UGenTable::new("Sum4", Mix { kind: Kind::Sum(4) }));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `in * mul + add`.
    MulAdd,
    /// The sum of this many inputs.
    Sum(usize),
}

impl Kind {
    fn inputs(self) -> usize {
        match self {
            Kind::MulAdd => 3,
            Kind::Sum(n) => n,
        }
    }

    /// How term `k` combines with what came before it.
    fn step(self, k: usize) -> Step {
        match k {
            0 => Step::Set,
            1 if self == Kind::MulAdd => Step::Mul,
            _ => Step::Add,
        }
    }

    /// The value of the terms `x`.
    fn value(self, x: &[f32]) -> f32 {
        match self {
            Kind::MulAdd => x[0] * x[1] + x[2],
            Kind::Sum(_) => x.iter().skip(1).fold(x[0], |sum, &v| sum + v),
        }
    }
}

/// How a term combines with what came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Set,
    Mul,
    Add,
}

struct Mix {
    kind: Kind,
}

struct MixUnit {
    kind: Kind,
    audio: bool,
    /// Which inputs are audio rate.
    audio_inputs: [bool; 4],
    held: [Held; 4],
}

impl UGen for Mix {
    type Unit = MixUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<MixUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        let n = self.kind.inputs();
        expect_inputs(spec, n, n)?;
        expect_outputs(spec, 1)?;
        let mut audio_inputs = [false; 4];
        for (k, audio) in audio_inputs.iter_mut().enumerate().take(n) {
            *audio = spec.input_rate(k) == Rate::Audio;
        }
        Ok(MixUnit { kind: self.kind, audio: spec.rate == Rate::Audio, audio_inputs, held: [Held::default(); 4] })
    }
}

impl MixUnit {
    /// Writes the value of the inputs' current values (at control and scalar rate, and in
    /// `init`).
    fn value(&self, io: &mut UnitIo<'_, '_>) {
        let mut x = [0.0; 4];
        let n = self.kind.inputs();
        for (k, v) in x.iter_mut().enumerate().take(n) {
            *v = io.in0(k);
        }
        io.output(0)[0] = self.kind.value(&x[..n]);
    }

    /// Combines input `k` into the output.
    fn term(&mut self, io: &mut UnitIo<'_, '_>, k: usize, step: Step) {
        if self.audio_inputs[k] {
            term::<ReadAudio>(io, &mut self.held[k], k, step);
        } else {
            term::<ReadLanes>(io, &mut self.held[k], k, step);
        }
    }
}

impl Unit for MixUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        for k in 0..self.kind.inputs() {
            self.held[k] = Held::start(io, k);
        }
        self.value(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        if !self.audio {
            return self.value(io);
        }
        if self.kind == Kind::Sum(4) {
            // (c + d) first, then (a + b) + it.
            self.term(io, 2, Step::Set);
            self.term(io, 3, Step::Add);
            let [a, b, _, _] = &mut self.held;
            match (self.audio_inputs[0], self.audio_inputs[1]) {
                (true, true) => add_pair::<ReadAudio, ReadAudio>(io, a, b),
                (true, false) => add_pair::<ReadAudio, ReadLanes>(io, a, b),
                (false, true) => add_pair::<ReadLanes, ReadAudio>(io, a, b),
                (false, false) => add_pair::<ReadLanes, ReadLanes>(io, a, b),
            }
            return;
        }
        for k in 0..self.kind.inputs() {
            self.term(io, k, self.kind.step(k));
        }
    }
}

/// Adds `(in0 + in1)`, read by `A` and `B`, to the output.
fn add_pair<A: Reader, B: Reader>(io: &mut UnitIo<'_, '_>, a: &mut Held, b: &mut Held) {
    let (mut x, mut y) = (A::read(io, a, 0), B::read(io, b, 1));
    for (i, o) in io.output(0).iter_mut().enumerate() {
        *o += x.at(i) + y.at(i);
    }
}

/// Combines input `k`, read by `R`, into the output.
fn term<R: Reader>(io: &mut UnitIo<'_, '_>, held: &mut Held, k: usize, step: Step) {
    let mut x = R::read(io, held, k);
    let out = io.output(0);
    match step {
        Step::Set => out.iter_mut().enumerate().for_each(|(i, o)| *o = x.at(i)),
        Step::Mul => out.iter_mut().enumerate().for_each(|(i, o)| *o *= x.at(i)),
        Step::Add => out.iter_mut().enumerate().for_each(|(i, o)| *o += x.at(i)),
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::{Rate, Registrar};

    use super::super::testing::{run, wire, Input, BLOCK};
    use super::{Kind, Mix};

    #[test]
    fn mul_add_multiplies_then_adds() {
        let inputs = [wire(Rate::Audio, |n| n as f32), Input::Constant(2.0), wire(Rate::Control, |_| 1.0)];
        let (_, out) = run(&Mix { kind: Kind::MulAdd }, Rate::Audio, 0, &inputs, 1).unwrap();
        assert!(out.iter().enumerate().all(|(n, &x)| x == 2.0 * n as f32 + 1.0));
    }

    #[test]
    fn sum4_adds_pairs_at_audio_rate_and_in_order_at_control_rate() {
        // Values whose sums round differently in the two orders.
        let (a, b, c, d) = (2.506162f32, 3.3020446f32, 0.85308623f32, 1.8359724f32);
        assert_ne!((a + b) + (c + d), ((a + b) + c) + d);
        let inputs = [a, b, c, d].map(|v| wire(Rate::Audio, move |_| v));
        let (_, out) = run(&Mix { kind: Kind::Sum(4) }, Rate::Audio, 0, &inputs, 1).unwrap();
        assert_eq!(out[BLOCK - 1], (a + b) + (c + d));
        let inputs = [a, b, c, d].map(Input::Constant);
        assert_eq!(run(&Mix { kind: Kind::Sum(4) }, Rate::Scalar, 0, &inputs, 0).unwrap().0, ((a + b) + c) + d);
    }

    #[test]
    fn sum3_ramps_a_control_rate_input() {
        let inputs = [wire(Rate::Audio, |_| 0.0), wire(Rate::Control, |k| k as f32 * 64.0), Input::Constant(1.0)];
        let (_, out) = run(&Mix { kind: Kind::Sum(3) }, Rate::Audio, 0, &inputs, 2).unwrap();
        assert_eq!((out[BLOCK - 1], out[BLOCK], out[2 * BLOCK - 1]), (1.0, 1.0, 64.0));
    }

    #[test]
    fn each_mixer_is_registered_under_its_class_name() {
        struct Names(Vec<String>);
        impl Registrar for Names {
            fn register_synthdef(&mut self, _: oscine_plugin_api::SynthDefTable) {}
            fn register_resource_def(&mut self, _: std::sync::Arc<dyn oscine_plugin_api::ResourceDef>) {}
            fn register_ugen(&mut self, table: oscine_plugin_api::UGenTable) {
                self.0.push(table.name().to_owned());
            }
        }
        let mut names = Names(Vec::new());
        super::register(&mut names);
        assert_eq!(names.0, ["MulAdd", "Sum3", "Sum4"]);
    }
}
