//! Slope shapers: `Slew`, which limits how fast its output may rise and fall, and `Ramp`,
//! which samples its input every `lagTime` and moves to each sample in a straight line.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::filter::at;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Slew", Slew));
    registrar.register_ugen(UGenTable::new("Ramp", Ramp));
}

/// Frames per second at `spec`'s rate.
fn steps(spec: &UnitSpec<'_>) -> f64 {
    if spec.rate == Rate::Audio {
        spec.sample_rate
    } else {
        spec.sample_rate / spec.block_size as f64
    }
}

fn check(spec: &UnitSpec<'_>, inputs: usize) -> Result<(), PluginError> {
    expect_rate(spec, &[Rate::Control, Rate::Audio])?;
    expect_inputs(spec, inputs, inputs)?;
    expect_outputs(spec, 1)
}

/// `Slew(in, up, down)`: follows the input, rising by at most `up` and falling by at most
/// `down` a second; starts at the first input frame. The limits are read once a call.
pub(crate) struct Slew;

pub(crate) struct SlewUnit {
    period: f64,
    level: f64,
}

impl UGen for Slew {
    type Unit = SlewUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SlewUnit, PluginError> {
        check(spec, 3)?;
        Ok(SlewUnit { period: 1.0 / steps(spec), level: 0.0 })
    }
}

impl Unit for SlewUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.level = f64::from(io.in0(0));
        io.output(0)[0] = self.level as f32;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let input = io.input(0);
        let up = f64::from(io.in0(1)) * self.period;
        let down = -f64::from(io.in0(2)) * self.period;
        let mut level = self.level;
        for (i, out) in io.output(0).iter_mut().enumerate() {
            // Not `clamp`, which panics on inverted limits: with `up` below `down`, the
            // step is `down`, as in scsynth.
            level += (f64::from(at(input, i)) - level).min(up).max(down);
            *out = level as f32;
        }
        self.level = level;
    }
}

/// `Ramp(in, lagTime)`: every `max(1, ⌊lagTime · rate⌋)` frames takes the input and moves
/// to it in a straight line over the next such period, so the output follows the input
/// one period late. It starts at the first input frame; the lag time is read when a
/// sample is taken. At audio rate the first sample is the second frame's input, and each
/// period's sample is the input at the frame after it ends (scsynth reads past the end of
/// its input when a period ends on a block's last frame; Oscine reads the next block's
/// first frame). At control rate each block outputs the level, then moves it on, then
/// takes a sample of the block's input if the period is over (the first in block 0).
pub(crate) struct Ramp;

pub(crate) struct RampUnit {
    audio: bool,
    steps: f64,
    level: f64,
    slope: f64,
    /// Frames until the next sample is taken.
    counter: i64,
}

impl UGen for Ramp {
    type Unit = RampUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<RampUnit, PluginError> {
        check(spec, 2)?;
        Ok(RampUnit { audio: spec.rate == Rate::Audio, steps: steps(spec), level: 0.0, slope: 0.0, counter: 1 })
    }
}

impl RampUnit {
    /// Takes `x` as the next target, a period of `lag` seconds away.
    fn sample(&mut self, x: f32, lag: f32) {
        let period = ((f64::from(lag) * self.steps) as i64).max(1);
        self.counter = period;
        self.slope = (f64::from(x) - self.level) / period as f64;
    }
}

impl Unit for RampUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.level = f64::from(io.in0(0));
        io.output(0)[0] = self.level as f32;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let input = io.input(0);
        let lag = io.in0(1);
        let audio = self.audio;
        for (i, out) in io.output(0).iter_mut().enumerate() {
            if audio && self.counter <= 0 {
                self.sample(at(input, i), lag);
            }
            *out = self.level as f32;
            self.level += self.slope;
            self.counter -= 1;
            if !audio && self.counter <= 0 {
                self.sample(input[0], lag);
            }
        }
    }
}
