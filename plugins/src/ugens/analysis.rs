//! Followers of a signal's level: `Amplitude`, `Peak`, `PeakFollower`, `RunningSum`.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::frame;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Amplitude", Follower { kind: Kind::Amplitude }));
    registrar.register_ugen(UGenTable::new("Peak", Follower { kind: Kind::Peak }));
    registrar.register_ugen(UGenTable::new("PeakFollower", Follower { kind: Kind::PeakFollower }));
    registrar.register_ugen(UGenTable::new("RunningSum", RunningSum));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Amplitude(in, attack, release)`: `|in|` followed, coming within 20 dB of a step in
    /// the attack (or release) time, as scsynth's output shows.
    Amplitude,
    /// `Peak(in, trig)`: the largest `|in|` since the last trigger; on a trigger it outputs
    /// the peak once more and starts again from the frame's `|in|`.
    Peak,
    /// `PeakFollower(in, decay)`: `|in|` where it is larger, else decaying by `decay` a
    /// frame.
    PeakFollower,
}

struct Follower {
    kind: Kind,
}

struct FollowerUnit {
    kind: Kind,
    audio: bool,
    rate: f64,
    level: f32,
    prev_trig: f32,
}

impl UGen for Follower {
    type Unit = FollowerUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<FollowerUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        let inputs = if self.kind == Kind::Amplitude { 3 } else { 2 };
        expect_inputs(spec, inputs, inputs)?;
        expect_outputs(spec, 1)?;
        let audio = spec.rate == Rate::Audio;
        let rate = if audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        Ok(FollowerUnit { kind: self.kind, audio, rate, level: 0.0, prev_trig: 0.0 })
    }
}

impl FollowerUnit {
    /// The per-frame factor of a 20 dB fall in `seconds`.
    fn coefficient(&self, seconds: f32) -> f32 {
        if seconds > 0.0 {
            (0.1f64.ln() / (f64::from(seconds) * self.rate)).exp() as f32
        } else {
            0.0
        }
    }

    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let input = io.input(0);
        let second = io.input(1);
        match self.kind {
            Kind::Amplitude => {
                let attack = self.coefficient(io.in0(1));
                let release = self.coefficient(io.in0(2));
                let mut y = self.level;
                for (f, o) in io.output(0)[..frames].iter_mut().enumerate() {
                    let x = frame(input, f).abs();
                    let c = if x < y { release } else { attack };
                    y = x + c * (y - x);
                    *o = y;
                }
                self.level = y;
            }
            Kind::Peak => {
                let mut y = self.level;
                let mut prev = self.prev_trig;
                for (f, o) in io.output(0)[..frames].iter_mut().enumerate() {
                    let x = frame(input, f).abs();
                    let t = frame(second, f);
                    if prev <= 0.0 && t > 0.0 {
                        *o = y.max(x);
                        y = x;
                    } else {
                        y = y.max(x);
                        *o = y;
                    }
                    prev = t;
                }
                self.level = y;
                self.prev_trig = prev;
            }
            Kind::PeakFollower => {
                let mut y = self.level;
                for (f, o) in io.output(0)[..frames].iter_mut().enumerate() {
                    let x = frame(input, f).abs();
                    let decay = frame(second, f);
                    y = if x >= y { x } else { x + decay * (y - x) };
                    *o = y;
                }
                self.level = y;
            }
        }
    }
}

impl Unit for FollowerUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.level = io.in0(0).abs();
        self.prev_trig = io.in0(1);
        io.output(0)[0] = self.level;
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}

/// `RunningSum(in, n)`: the sum of the last `n` frames of `in` (`n` fixed when the unit is
/// built).
struct RunningSum;

struct RunningSumUnit {
    window: Box<[f32]>,
    at: usize,
    sum: f64,
    audio: bool,
}

/// The longest window, in frames.
const MAX_WINDOW: usize = 1 << 20;

impl UGen for RunningSum {
    type Unit = RunningSumUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<RunningSumUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let n = spec.constant(1).ok_or_else(|| PluginError::new("RunningSum: the window length must be a constant"))?;
        let n = (n.max(1.0) as usize).min(MAX_WINDOW);
        Ok(RunningSumUnit { window: vec![0.0; n].into_boxed_slice(), at: 0, sum: 0.0, audio: spec.rate == Rate::Audio })
    }
}

impl RunningSumUnit {
    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let input = io.input(0);
        for (f, o) in io.output(0)[..frames].iter_mut().enumerate() {
            let x = frame(input, f);
            self.sum += f64::from(x) - f64::from(self.window[self.at]);
            self.window[self.at] = x;
            self.at = (self.at + 1) % self.window.len();
            *o = self.sum as f32;
        }
    }
}

impl Unit for RunningSumUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = io.in0(0);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}
