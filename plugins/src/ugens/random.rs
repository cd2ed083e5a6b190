//! Random values: `Rand`, `IRand`, `ExpRand`, `NRand` (once, when the Synth starts),
//! `TRand`, `TIRand`, `TExpRand` (again at each trigger), and `RandSeed`, which reseeds
//! the Synth's generator.
//!
//! Each draws from the Synth's generator (`io.ctx.rgen`) as scsynth's units draw (see
//! `noise.rs`): one value per draw, `NRand` `n`. A trigger is an input rising from 0 or
//! below to above 0.
//!
//! Context: `build` NRT; `init` and `next` RT.

use oscine_plugin_api::{PluginError, Rate, Registrar, Rgen, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::lf_osc::at;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Rand", Once(Draw::Uniform)));
    registrar.register_ugen(UGenTable::new("IRand", Once(Draw::Integer)));
    registrar.register_ugen(UGenTable::new("ExpRand", Once(Draw::Exponential)));
    registrar.register_ugen(UGenTable::new("NRand", Once(Draw::Sum)));
    registrar.register_ugen(UGenTable::new("TRand", Triggered(Draw::Uniform)));
    registrar.register_ugen(UGenTable::new("TIRand", Triggered(Draw::Integer)));
    registrar.register_ugen(UGenTable::new("TExpRand", Triggered(Draw::Exponential)));
    registrar.register_ugen(UGenTable::new("RandSeed", RandSeed));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Draw {
    /// Uniform in `[lo, hi)`.
    Uniform,
    /// An integer in `lo..=hi` (both truncated).
    Integer,
    /// Exponentially distributed between `lo` and `hi` (in either order; both of one
    /// sign).
    Exponential,
    /// The mean of `n` uniform draws, scaled to `[lo, hi)`: a distribution the more
    /// bell-shaped the larger `n`.
    Sum,
}

impl Draw {
    /// A value for `lo`, `hi` (and `n` for `Sum`).
    fn value(self, rgen: &mut Rgen, lo: f32, hi: f32, n: f32) -> f32 {
        match self {
            Draw::Uniform => lo + rgen.uniform() * (hi - lo),
            Draw::Integer => {
                let (lo, hi) = (lo as i32, hi as i32);
                let range = hi.wrapping_sub(lo).wrapping_add(1) as u32;
                lo.wrapping_add(rgen.below(range) as i32) as f32
            }
            Draw::Exponential => {
                let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
                a * (f64::from(b) / f64::from(a)).powf(f64::from(rgen.uniform())) as f32
            }
            Draw::Sum => {
                let n = n.max(0.0) as u32;
                let mut sum = 0.0f32;
                for _ in 0..n {
                    sum += rgen.uniform();
                }
                // n = 0 gives NaN, as in scsynth.
                lo + (hi - lo) * (sum / n as f32)
            }
        }
    }
}

/// `Rand.ir(lo, hi)`, `IRand.ir(lo, hi)`, `ExpRand.ir(lo, hi)`, `NRand.ir(lo, hi, n)`: one
/// value, drawn when the Synth starts.
struct Once(Draw);

struct OnceUnit {
    draw: Draw,
    value: f32,
}

impl UGen for Once {
    type Unit = OnceUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<OnceUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar])?;
        let inputs = if self.0 == Draw::Sum { 3 } else { 2 };
        expect_inputs(spec, inputs, inputs)?;
        expect_outputs(spec, 1)?;
        Ok(OnceUnit { draw: self.0, value: 0.0 })
    }
}

impl Unit for OnceUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = if self.draw == Draw::Sum { io.in0(2) } else { 1.0 };
        self.value = self.draw.value(io.ctx.rgen, io.in0(0), io.in0(1), n);
        io.output(0)[0] = self.value;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0).fill(self.value);
    }
}

/// `TRand`, `TIRand`, `TExpRand` `(lo, hi, trig)`: a value drawn when the Synth starts
/// and again at each trigger, held in between. An audio-rate trigger is read sample by
/// sample; scsynth's `TIRand` and `TExpRand` read it only once in their first block, so
/// that a trigger inside it is missed, and so does Oscine.
struct Triggered(Draw);

struct TriggeredUnit {
    draw: Draw,
    value: f32,
    last_trigger: f32,
    first: bool,
}

impl UGen for Triggered {
    type Unit = TriggeredUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<TriggeredUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 3, 3)?;
        expect_outputs(spec, 1)?;
        Ok(TriggeredUnit { draw: self.0, value: 0.0, last_trigger: 0.0, first: true })
    }
}

impl Unit for TriggeredUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.last_trigger = io.in0(2);
        self.value = self.draw.value(io.ctx.rgen, io.in0(0), io.in0(1), 1.0);
        io.output(0)[0] = self.value;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (lo, hi) = (io.in0(0), io.in0(1));
        let trigger = io.input(2);
        let once = std::mem::take(&mut self.first) && self.draw != Draw::Uniform;
        let (out, ctx) = io.output_with_context(0);
        for (i, out) in out.iter_mut().enumerate() {
            let t = if once { trigger[0] } else { at(trigger, i) };
            if t > 0.0 && self.last_trigger <= 0.0 {
                self.value = self.draw.value(ctx.rgen, lo, hi, 1.0);
            }
            self.last_trigger = t;
            *out = self.value;
        }
    }
}

/// `RandSeed.ir(trig, seed)` (or `.kr`, `.ar`): reseeds the Synth's generator with `seed`
/// when the Synth starts if `trig` is above 0, and at each trigger after. Units after it
/// in the graph draw from the new seed. Outputs 0.
struct RandSeed;

struct RandSeedUnit {
    last_trigger: f32,
}

impl UGen for RandSeed {
    type Unit = RandSeedUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<RandSeedUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        Ok(RandSeedUnit { last_trigger: 0.0 })
    }
}

impl Unit for RandSeedUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let trigger = io.in0(0);
        if trigger > 0.0 {
            io.ctx.rgen.seed(io.in0(1) as i32);
        }
        self.last_trigger = trigger;
        io.output(0)[0] = 0.0;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (trigger, seed) = (io.input(0), io.in0(1));
        let (out, ctx) = io.output_with_context(0);
        for (i, out) in out.iter_mut().enumerate() {
            let t = at(trigger, i);
            if t > 0.0 && self.last_trigger <= 0.0 {
                ctx.rgen.seed(seed as i32);
            }
            self.last_trigger = t;
            *out = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::{Rate, Rgen};

    use super::super::testing::{Runner, SEEDED};

    /// Runs UGen `name` on constant `inputs` for `blocks` blocks from `rgen`: its first
    /// value, and the generator as it left it.
    fn run(name: &str, rate: Rate, inputs: &[f32], blocks: usize, rgen: Rgen) -> (f32, Vec<f32>, Rgen) {
        let mut runner = Runner::named(name, rate, inputs).with_rgen(rgen);
        let (first, values, _) = runner.run(blocks);
        (first, values, runner.rgen().clone())
    }

    /// (UGen, inputs, scsynth's value as `f32` bits), each drawn first after `RandSeed.ir(1, 1234)`.
    const VALUES: &[(&str, &[f32], u32)] = &[
        ("Rand", &[-2.0, 5.0], 0x3fc07b1a),
        ("IRand", &[-2.0, 5.0], 0x40000000),
        ("IRand", &[0.0, 1000.0], 0x43fa8000),
        ("ExpRand", &[0.01, 5.0], 0x3e65bd02),
        ("ExpRand", &[3.0, 0.5], 0x3f9ceb0d),
        ("NRand", &[-1.0, 3.0, 3.0], 0x3ffc5710),
        ("NRand", &[-1.0, 3.0, 7.0], 0x3fbef5d6),
    ];

    #[test]
    fn from_scsynths_state_each_draw_is_scsynths() {
        for (name, inputs, want) in VALUES {
            let rgen = Rgen::from_state(SEEDED.0, SEEDED.1, SEEDED.2);
            let got = run(name, Rate::Scalar, inputs, 0, rgen).0;
            assert_eq!(got.to_bits(), *want, "{name}{inputs:?}: {got}, scsynth {}", f32::from_bits(*want));
        }
    }

    #[test]
    fn rand_seed_restarts_the_stream() {
        let (_, _, a) = run("RandSeed", Rate::Scalar, &[1.0, 1234.0], 0, Rgen::new(99));
        let (_, _, b) = run("RandSeed", Rate::Control, &[1.0, 1234.0], 3, Rgen::new(5));
        assert_eq!(a, b);
        let (_, _, c) = run("RandSeed", Rate::Scalar, &[0.0, 1234.0], 0, Rgen::new(5));
        assert_eq!(c, Rgen::new(5), "no trigger, no reseed");
    }

    #[test]
    fn a_triggered_value_holds_without_a_trigger() {
        let (first, frames, _) = run("TRand", Rate::Audio, &[2.0, 3.0, 1.0], 4, Rgen::new(1));
        assert!((2.0..3.0).contains(&first));
        assert!(frames.iter().all(|&x| x == first));
    }
}
