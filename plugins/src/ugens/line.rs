//! `Line` and `XLine`: a linear or exponential segment from `start` to `end` over `dur`
//! seconds, then held at `end`, with a done action when it arrives.
//!
//! As in scsynth, the inputs are read when the Synth starts, the segment takes
//! `max(1, round(dur · rate))` steps (frames at audio rate, blocks at control rate), and
//! the first value is already one step in (`start + slope`, `start · growth`); the level
//! is kept in `f64`. An audio-rate block with at least a block of steps to go is written
//! as scsynth's vector code writes it, in four lanes from the block's first value (each
//! `+ slope` or `· growth` rounded to `f32`), the level then moving a block on; the block
//! in which the segment ends (a block of steps or fewer to go) runs one frame at a time in
//! `f64` and holds `end` after the last step. An `XLine` whose `dur` rounds to no steps
//! starts at `end` and is never done; a `Line` takes one step. The done action (input 3, read then) is asked for in the call in which the
//! last step is taken.

use oscine_plugin_api::{DoneAction, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{fill_lanes, LaneRamp};
use super::{expect_inputs, expect_outputs, expect_rate};
use crate::memo::Memo;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Line", Line { shape: Shape::Linear }));
    registrar.register_ugen(UGenTable::new("XLine", Line { shape: Shape::Exponential }));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `Line`: the level grows by a slope each step.
    Linear,
    /// `XLine`: the level is multiplied by a growth each step.
    Exponential,
}

impl Shape {
    /// The level one step on.
    #[inline(always)]
    fn step(self, level: f64, step: f64) -> f64 {
        match self {
            Shape::Linear => level + step,
            Shape::Exponential => level * step,
        }
    }
}

/// `Line.ar(start, end, dur, doneAction)`, `XLine.kr(...)`.
struct Line {
    shape: Shape,
}

struct LineUnit {
    shape: Shape,
    audio: bool,
    /// Steps per second: the sample rate, or blocks per second at control rate.
    steps_per_second: f64,
    level: f64,
    /// The slope (linear) or growth (exponential) of one step.
    step: f64,
    /// Steps still to take.
    remaining: u64,
    end: f32,
    /// An `XLine`'s growth over a call's frames, kept with their count.
    growth: Memo<usize, f64>,
}

impl UGen for Line {
    type Unit = LineUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<LineUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 4, 4)?;
        expect_outputs(spec, 1)?;
        let audio = spec.rate == Rate::Audio;
        let steps_per_second = if audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        Ok(LineUnit {
            shape: self.shape,
            audio,
            steps_per_second,
            level: 0.0,
            step: 0.0,
            remaining: 0,
            end: 0.0,
            growth: Memo::new(),
        })
    }
}

impl LineUnit {
    /// Takes `steps` steps; finishes, and asks for the done action, if that ends the segment.
    fn took(&mut self, steps: u64, io: &mut UnitIo<'_, '_>) {
        self.remaining -= steps;
        if self.remaining == 0 {
            io.finish();
            if let Some(action) = DoneAction::from_code(io.in0(3)) {
                io.ctx.done(action);
            }
        }
    }
}

impl Unit for LineUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let (start, end, dur) = (f64::from(io.in0(0)), io.in0(1), f64::from(io.in0(2)));
        let rounded = (dur * self.steps_per_second + 0.5) as i64;
        let steps = rounded.max(1) as u64;
        self.level = start;
        self.end = end;
        // An `XLine` of no steps is at its end, and never done (as scsynth's).
        self.remaining = if self.shape == Shape::Exponential && rounded < 1 { 0 } else { steps };
        self.step = match self.shape {
            Shape::Linear => (f64::from(end) - start) / steps as f64,
            Shape::Exponential => (f64::from(end) / start).powf(1.0 / steps as f64),
        };
        io.output(0)[0] = match self.shape {
            Shape::Linear => (start + self.step) as f32,
            Shape::Exponential if rounded < 1 => end,
            Shape::Exponential => start as f32,
        };
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (shape, step) = (self.shape, self.step);
        if !self.audio {
            io.output(0)[0] = if self.remaining > 0 {
                self.level = shape.step(self.level, step);
                self.took(1, io);
                self.level as f32
            } else {
                self.end
            };
            return;
        }
        let frames = io.frames();
        let out = io.output(0);
        if self.remaining > frames as u64 {
            // Four lanes from the first value, as scsynth's vector code rounds them.
            let (first, s) = (shape.step(self.level, step) as f32, step as f32);
            match shape {
                Shape::Linear => LaneRamp::new(first, s).fill(out),
                Shape::Exponential => {
                    let (lane1, four) = (first * s, s * s * s * s);
                    let lane2 = lane1 * s;
                    fill_lanes::<true>(out, &mut [first, lane1, lane2, lane2 * s], four);
                }
            }
            self.level = match shape {
                Shape::Linear => self.level + step * frames as f64,
                Shape::Exponential => self.level * self.growth.get(frames, |frames| step.powf(frames as f64)),
            };
            self.took(frames as u64, io);
        } else {
            let steps = self.remaining as usize;
            let (ramp, held) = out.split_at_mut(steps);
            let mut level = self.level;
            for o in ramp {
                level = shape.step(level, step);
                *o = level as f32;
            }
            held.fill(self.end);
            self.level = level;
            if steps > 0 {
                self.took(steps as u64, io);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use oscine_plugin_api::DoneAction;

    use super::super::testing::{run, run_until_done, Input, BLOCK};
    use super::{Line, Shape};

    fn inputs(start: f32, end: f32, dur: f32) -> [Input; 4] {
        [Input::Constant(start), Input::Constant(end), Input::Constant(dur), Input::Constant(2.0)]
    }

    #[test]
    fn a_line_starts_one_step_in_and_holds_its_end() {
        // 100 frames: 0.01 a frame from 0.01.
        let line = Line { shape: Shape::Linear };
        let (first, out) = run(&line, Rate::Audio, 0, &inputs(0.0, 1.0, 100.0 / 48000.0), 3).unwrap();
        assert_eq!((first, out[0], out[1]), (0.01, 0.01, 0.02));
        assert_eq!((out[98], out[99], out[2 * BLOCK]), (0.99, 1.0, 1.0));
    }

    #[test]
    fn the_done_action_is_asked_for_in_the_block_of_the_last_step() {
        let line = Line { shape: Shape::Linear };
        let (_, _, done) = run_until_done(&line, Rate::Audio, 0, &inputs(0.0, 1.0, 0.01), 10).unwrap();
        assert_eq!(done, Some((7, DoneAction::FreeSelf)), "480 frames end in block 7");
        let (_, _, done) = run_until_done(&line, Rate::Audio, 0, &inputs(0.0, 1.0, 64.0 / 48000.0), 3).unwrap();
        assert_eq!(done, Some((0, DoneAction::FreeSelf)));
        let xline = Line { shape: Shape::Exponential };
        let (_, _, done) = run_until_done(&xline, Rate::Audio, 0, &inputs(1.0, 2.0, 0.0), 3).unwrap();
        assert_eq!(done, None, "an XLine of no steps is never done");
    }

    #[test]
    fn a_control_rate_line_takes_rounded_blocks() {
        // 7.5 blocks of 0.01 s as an f32 is just under: 7 steps of 0.2.
        let line = Line { shape: Shape::Linear };
        let (first, out) = run(&line, Rate::Control, 0, &inputs(0.3, 1.7, 0.01), 9).unwrap();
        assert_eq!(first, 0.5);
        assert!((out[6] - 1.7).abs() < 1e-6 && out[7] == 1.7, "{out:?}");
    }

    #[test]
    fn an_xline_multiplies() {
        let line = Line { shape: Shape::Exponential };
        let (first, out) = run(&line, Rate::Control, 0, &inputs(1.0, 16.0, 4.0 * 64.0 / 48000.0), 5).unwrap();
        assert_eq!(first, 1.0);
        assert_eq!(out, [2.0, 4.0, 8.0, 16.0, 16.0]);
        let (first, out) = run(&line, Rate::Control, 0, &inputs(1.0, 16.0, 0.0), 2).unwrap();
        assert_eq!((first, out), (16.0, vec![16.0, 16.0]), "no steps: at the end at once");
    }
}
