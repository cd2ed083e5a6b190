//! Envelopes: `EnvGen`, which plays an `Env` given as inputs, and `Linen`, a gated
//! attack–sustain–release ramp.
//!
//! Both count time in steps of their rate: samples at audio rate, blocks at control rate.
//! A segment of `dur` seconds lasts `max(1, ⌊dur · steps per second⌋)` steps (the
//! duration as the graph's 32-bit float, the product taken in double precision). Each
//! step outputs the level and then moves it on, so a segment's first step outputs the
//! level it starts from and its last step the level just before its end; the unit's
//! `init` is one such step, as in scsynth, so a Synth's first block starts one step in.

use oscine_plugin_api::{DoneAction, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("EnvGen", EnvGen));
    registrar.register_ugen(UGenTable::new("Linen", Linen));
}

/// Steps per second at `rate`: the sample rate, or blocks per second.
fn steps_per_second(spec: &UnitSpec<'_>) -> f64 {
    if spec.rate == Rate::Audio {
        spec.sample_rate
    } else {
        spec.sample_rate / spec.block_size as f64
    }
}

/// A duration in seconds as a whole number of steps, at least one.
fn steps(seconds: f32, steps_per_second: f64) -> i32 {
    // `as` saturates: a huge or infinite duration is i32::MAX steps, NaN is 0, then 1.
    ((f64::from(seconds) * steps_per_second) as i32).max(1)
}

/// The done action an input asks for, if it names one.
fn done_action(code: f32) -> Option<DoneAction> {
    DoneAction::from_code(code).filter(|&a| a != DoneAction::None)
}

// EnvGen's inputs: the controls, then the envelope as sclang's `Env.asArray` lays it out.
const GATE: usize = 0;
const LEVEL_SCALE: usize = 1;
const LEVEL_BIAS: usize = 2;
const TIME_SCALE: usize = 3;
const DONE_ACTION: usize = 4;
const INIT_LEVEL: usize = 5;
const NUM_STAGES: usize = 6;
const RELEASE_NODE: usize = 7;
const LOOP_NODE: usize = 8;
/// The first segment's (target level, duration, shape, curvature).
const FIRST_SEGMENT: usize = 9;

/// `EnvGen.ar/kr(envelope, gate, levelScale, levelBias, timeScale, doneAction)`.
///
/// Inputs: gate, levelScale, levelBias, timeScale, doneAction, then the envelope: initial
/// level, number of segments, release node, loop node (-99 for none), and per segment its
/// target level, duration, shape number and curvature. Segment shapes: 0 step, 1 linear,
/// 2 exponential, 3 sine, 4 welch, 5 curve (by the curvature), 6 squared, 7 cubed, 8 hold.
///
/// The gate starts the envelope when it rises above 0 (from the level it is at, so a
/// re-trigger does not jump); when it falls to 0 or below, an envelope with a release
/// node moves on to the release node's segment from wherever it is. Reaching the release
/// node's start without a release sustains there, or, with a loop node, goes back to the
/// loop node's segment. A gate of -1 − t or below releases to the last level in t seconds,
/// along a curve of curvature -4, whatever the release node. Levels and durations are read when their segment starts.
/// After the last segment the level holds at its target and the done action is asked for.
///
/// An audio-rate gate is read every sample; any other once per step.
pub(crate) struct EnvGen;

/// What the envelope is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    /// The gate has not yet risen: the level holds at the initial level.
    NotStarted,
    /// In segment `n` (-1 before the first, the number of segments in a forced release).
    At(i32),
}

/// The running segment's shape, with its recurrence state.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Segment {
    /// The level holds (step segments, sustain, the end, unknown shapes).
    Constant,
    /// The level holds, and jumps to the target when the segment ends.
    Hold,
    /// The level grows by `grow` a step.
    Linear { grow: f64 },
    /// The level is multiplied by `grow` a step.
    Exponential { grow: f64 },
    /// Half a cosine from the start to the target: `level = a2 - y`, `y` a cosine
    /// oscillator (`y' = b1 · y - y_prev`).
    Sine { a2: f64, b1: f64, y1: f64, y2: f64 },
    /// A quarter sine: `level = a2 + y`.
    Welch { a2: f64, b1: f64, y1: f64, y2: f64 },
    /// `level = a2 - b1`, `b1` multiplied by `grow` a step.
    Curve { a2: f64, b1: f64, grow: f64 },
    /// `level = y²`, `y` linear.
    Squared { y: f64, grow: f64 },
    /// `level = y³`, `y` linear.
    Cubed { y: f64, grow: f64 },
}

impl Segment {
    /// A curve from `level` to `end` over `steps` steps, bending by `curve` (0 would be a
    /// line; negative values move fast first, positive ones slowly).
    fn curve(level: f64, end: f64, curve: f64, steps: i32) -> Segment {
        let a1 = (end - level) / (1.0 - curve.exp());
        Segment::Curve { a2: level + a1, b1: a1, grow: (curve / f64::from(steps)).exp() }
    }
}

pub(crate) struct EnvGenUnit {
    audio_gate: bool,
    steps_per_second: f64,
    segment: Segment,
    stage: Stage,
    level: f64,
    end_level: f64,
    /// Steps left in the segment; 0 means the next step starts the next one.
    counter: i32,
    prev_gate: f32,
    released: bool,
    /// The release node when the Synth started (the gate's release reads this one).
    release_node: i32,
    /// Whether the envelope is past its end (so the done action is asked for once).
    done: bool,
}

impl UGen for EnvGen {
    type Unit = EnvGenUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<EnvGenUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, FIRST_SEGMENT, usize::MAX)?;
        expect_outputs(spec, 1)?;
        if !(spec.inputs.len() - FIRST_SEGMENT).is_multiple_of(4) {
            return Err(PluginError::new(format!(
                "EnvGen's envelope has {} values after its 4-value header, not 4 a segment",
                spec.inputs.len() - FIRST_SEGMENT
            )));
        }
        Ok(EnvGenUnit {
            audio_gate: spec.rate == Rate::Audio && spec.input_rate(GATE) == Rate::Audio,
            steps_per_second: steps_per_second(spec),
            segment: Segment::Constant,
            stage: Stage::NotStarted,
            level: 0.0,
            end_level: 0.0,
            counter: i32::MAX,
            prev_gate: 0.0,
            released: false,
            release_node: -99,
            done: false,
        })
    }
}

impl EnvGenUnit {
    /// A level input scaled and biased, in single precision as the graph's values are.
    fn scaled(io: &UnitIo<'_, '_>, level: f32) -> f64 {
        f64::from(level * io.in0(LEVEL_SCALE) + io.in0(LEVEL_BIAS))
    }

    /// Reacts to the gate's change from the last value it saw.
    fn gate(&mut self, io: &UnitIo<'_, '_>, gate: f32) {
        let prev = self.prev_gate;
        self.prev_gate = gate;
        if prev <= 0.0 && gate > 0.0 {
            self.stage = Stage::At(-1);
            self.released = false;
            self.done = false;
            self.counter = 0;
        } else if gate <= -1.0 && prev > -1.0 {
            // A forced release: to the last segment's level in -1 - gate seconds.
            let segments = io.in0(NUM_STAGES) as i32;
            self.counter = steps(-gate - 1.0, self.steps_per_second);
            self.stage = Stage::At(segments);
            let last = io.num_inputs() - 4;
            self.end_level = Self::scaled(io, io.in0(last));
            self.segment = Segment::curve(self.level, self.end_level, -4.0, self.counter);
        } else if prev > 0.0 && gate <= 0.0 && self.release_node >= 0 && !self.released {
            self.counter = 0;
            self.stage = Stage::At(self.release_node - 1);
            self.released = true;
        }
    }

    /// Moves on from a segment that has run its course.
    fn next_segment(&mut self, io: &mut UnitIo<'_, '_>) {
        if self.segment == Segment::Hold {
            self.level = self.end_level;
        }
        let Stage::At(stage) = self.stage else {
            self.counter = i32::MAX;
            return;
        };
        // In 64 bits: the stage and the counts come from inputs, and may be anything.
        let next = i64::from(stage) + 1;
        let segments = i64::from(io.in0(NUM_STAGES) as i32);
        if next >= segments {
            self.counter = i32::MAX;
            self.segment = Segment::Constant;
            if !self.done {
                self.level = self.end_level;
                self.done = true;
                io.finish();
                if let Some(action) = done_action(io.in0(DONE_ACTION)) {
                    io.ctx.done(action);
                }
            }
        } else if next == i64::from(io.in0(RELEASE_NODE) as i32) && !self.released {
            let loop_node = io.in0(LOOP_NODE) as i32;
            if (0..segments).contains(&i64::from(loop_node)) {
                self.start_segment(io, loop_node);
            } else {
                self.counter = i32::MAX;
                self.segment = Segment::Constant;
                self.level = self.end_level;
            }
        } else {
            // `next` is below `segments`, an i32.
            self.start_segment(io, next as i32);
        }
    }

    /// Starts segment `n` from the current level.
    fn start_segment(&mut self, io: &mut UnitIo<'_, '_>, n: i32) {
        self.stage = Stage::At(n);
        let at = FIRST_SEGMENT + 4 * n as usize;
        if at + 4 > io.num_inputs() {
            // More segments than the envelope holds: end there.
            self.counter = i32::MAX;
            self.segment = Segment::Constant;
            self.done = true;
            io.finish();
            return;
        }
        let end = Self::scaled(io, io.in0(at));
        let counter = steps(io.in0(at + 1) * io.in0(TIME_SCALE), self.steps_per_second);
        let curve = f64::from(io.in0(at + 3));
        self.end_level = end;
        self.counter = counter;
        let level = self.level;
        let n = f64::from(counter);
        let shape = if counter == 1 { 1 } else { io.in0(at + 2) as i32 };
        self.segment = match shape {
            0 => {
                self.level = end;
                Segment::Constant
            }
            1 => Segment::Linear { grow: (end - level) / n },
            2 => Segment::Exponential { grow: (end / level).powf(1.0 / n) },
            3 => {
                let w = std::f64::consts::PI / n;
                let y1 = (end - level) * 0.5;
                Segment::Sine {
                    a2: (end + level) * 0.5,
                    b1: 2.0 * w.cos(),
                    y1,
                    y2: y1 * (std::f64::consts::FRAC_PI_2 - w).sin(),
                }
            }
            4 => {
                let w = std::f64::consts::FRAC_PI_2 / n;
                let b1 = 2.0 * w.cos();
                if end >= level {
                    Segment::Welch { a2: level, b1, y1: 0.0, y2: -w.sin() * (end - level) }
                } else {
                    Segment::Welch { a2: end, b1, y1: level - end, y2: w.cos() * (level - end) }
                }
            }
            5 if curve.abs() < 0.001 => Segment::Linear { grow: (end - level) / n },
            5 => Segment::curve(level, end, curve, counter),
            6 => {
                let y = level.sqrt();
                Segment::Squared { y, grow: (end.sqrt() - y) / n }
            }
            7 => {
                let y = level.powf(1.0 / 3.0);
                Segment::Cubed { y, grow: (end.powf(1.0 / 3.0) - y) / n }
            }
            8 => Segment::Hold,
            _ => Segment::Constant,
        };
    }

    /// One step: the level now, then the level moved on.
    #[inline]
    fn step(&mut self, io: &mut UnitIo<'_, '_>) -> f32 {
        if self.counter <= 0 {
            self.next_segment(io);
        }
        let out = self.level as f32;
        match &mut self.segment {
            Segment::Constant | Segment::Hold => {}
            Segment::Linear { grow } => self.level += *grow,
            Segment::Exponential { grow } => self.level *= *grow,
            Segment::Sine { a2, b1, y1, y2 } => {
                let y0 = *b1 * *y1 - *y2;
                self.level = *a2 - y0;
                *y2 = *y1;
                *y1 = y0;
            }
            Segment::Welch { a2, b1, y1, y2 } => {
                let y0 = *b1 * *y1 - *y2;
                self.level = *a2 + y0;
                *y2 = *y1;
                *y1 = y0;
            }
            Segment::Curve { a2, b1, grow } => {
                *b1 *= *grow;
                self.level = *a2 - *b1;
            }
            Segment::Squared { y, grow } => {
                *y += *grow;
                self.level = *y * *y;
            }
            Segment::Cubed { y, grow } => {
                *y += *grow;
                self.level = *y * *y * *y;
            }
        }
        self.counter = self.counter.saturating_sub(1);
        out
    }

    fn run(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = io.output(0).len();
        if self.audio_gate {
            let gates = io.input(GATE);
            for (i, &g) in gates.iter().enumerate().take(frames) {
                self.gate(io, g);
                let v = self.step(io);
                io.output(0)[i] = v;
            }
        } else {
            let g = io.in0(GATE);
            self.gate(io, g);
            self.fill(io, frames);
        }
    }

    /// [`step`](Self::step) for each of the call's `frames` frames, a segment at a time:
    /// each run of a segment's frames in one plain loop over its level and recurrence.
    fn fill(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let mut i = 0;
        while i < frames {
            if self.counter <= 0 {
                self.next_segment(io);
            }
            // The segment's frames left this call (a segment still at 0 steps takes one).
            let n = usize::try_from(self.counter).unwrap_or(0).clamp(1, frames - i);
            let level = self.level;
            let out = &mut io.output(0)[i..i + n];
            match self.segment {
                Segment::Constant | Segment::Hold => out.fill(level as f32),
                Segment::Linear { grow } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        level += grow;
                    }
                    self.level = level;
                }
                Segment::Exponential { grow } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        level *= grow;
                    }
                    self.level = level;
                }
                Segment::Sine { a2, b1, mut y1, mut y2 } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        let y0 = b1 * y1 - y2;
                        level = a2 - y0;
                        (y2, y1) = (y1, y0);
                    }
                    (self.level, self.segment) = (level, Segment::Sine { a2, b1, y1, y2 });
                }
                Segment::Welch { a2, b1, mut y1, mut y2 } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        let y0 = b1 * y1 - y2;
                        level = a2 + y0;
                        (y2, y1) = (y1, y0);
                    }
                    (self.level, self.segment) = (level, Segment::Welch { a2, b1, y1, y2 });
                }
                Segment::Curve { a2, mut b1, grow } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        b1 *= grow;
                        level = a2 - b1;
                    }
                    (self.level, self.segment) = (level, Segment::Curve { a2, b1, grow });
                }
                Segment::Squared { mut y, grow } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        y += grow;
                        level = y * y;
                    }
                    (self.level, self.segment) = (level, Segment::Squared { y, grow });
                }
                Segment::Cubed { mut y, grow } => {
                    let mut level = level;
                    for o in out {
                        *o = level as f32;
                        y += grow;
                        level = y * y * y;
                    }
                    (self.level, self.segment) = (level, Segment::Cubed { y, grow });
                }
            }
            self.counter = self.counter.saturating_sub(n as i32);
            i += n;
        }
    }
}

impl Unit for EnvGenUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.level = Self::scaled(io, io.in0(INIT_LEVEL));
        self.end_level = self.level;
        self.release_node = io.in0(RELEASE_NODE) as i32;
        self.run(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        self.run(io);
    }
}

/// `Linen.kr(gate, attackTime, susLevel, releaseTime, doneAction)`: when the gate rises
/// above 0, a line from the current level to `susLevel` in `attackTime`; it then holds
/// until the gate falls to 0 or below, and falls to 0 in `releaseTime` (a gate of -1 − t
/// or below: in t seconds). One step after reaching 0 it asks for the done action.
/// The gate is not read during the attack.
pub(crate) struct Linen;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinenStage {
    Attack,
    Sustain,
    Release,
    /// At 0: the done action is asked for at the next step.
    Ended,
    /// Done, or never started.
    Idle,
}

pub(crate) struct LinenUnit {
    steps_per_second: f64,
    stage: LinenStage,
    level: f32,
    slope: f32,
    counter: i32,
    prev_gate: f32,
}

impl UGen for Linen {
    type Unit = LinenUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<LinenUnit, PluginError> {
        expect_rate(spec, &[Rate::Control])?;
        expect_inputs(spec, 5, 5)?;
        expect_outputs(spec, 1)?;
        Ok(LinenUnit {
            steps_per_second: steps_per_second(spec),
            stage: LinenStage::Idle,
            level: 0.0,
            slope: 0.0,
            counter: 0,
            prev_gate: 0.0,
        })
    }
}

impl LinenUnit {
    fn ramp_to(&mut self, target: f32, seconds: f32) {
        self.counter = steps(seconds, self.steps_per_second);
        self.slope = (target - self.level) / self.counter as f32;
    }

    fn step(&mut self, io: &mut UnitIo<'_, '_>) -> f32 {
        let gate = io.in0(0);
        if self.prev_gate <= 0.0 && gate > 0.0 {
            self.stage = LinenStage::Attack;
            self.ramp_to(io.in0(2), io.in0(1));
        }
        self.prev_gate = gate;
        match self.stage {
            LinenStage::Attack | LinenStage::Release => {
                let out = self.level;
                self.level += self.slope;
                self.counter -= 1;
                if self.counter == 0 {
                    self.stage = if self.stage == LinenStage::Attack { LinenStage::Sustain } else { LinenStage::Ended };
                }
                out
            }
            LinenStage::Sustain => {
                let out = self.level;
                if gate <= -1.0 {
                    self.stage = LinenStage::Release;
                    self.ramp_to(0.0, -gate - 1.0);
                } else if gate <= 0.0 {
                    self.stage = LinenStage::Release;
                    self.ramp_to(0.0, io.in0(3));
                }
                out
            }
            LinenStage::Ended => {
                self.stage = LinenStage::Idle;
                io.finish();
                if let Some(action) = done_action(io.in0(4)) {
                    io.ctx.done(action);
                }
                0.0
            }
            LinenStage::Idle => 0.0,
        }
    }
}

impl Unit for LinenUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = self.step(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = self.step(io);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::{DoneAction, Rate};

    use super::super::testing::{held_inputs, Runner};
    use super::{EnvGen, Linen};

    /// EnvGen's inputs for a line from 0 to 1 in `seconds`, with done action 2.
    fn line(seconds: f32) -> Vec<f32> {
        vec![1.0, 1.0, 0.0, 1.0, 2.0, 0.0, 1.0, -99.0, -99.0, 1.0, seconds, 1.0, 0.0]
    }

    fn envgen(rate: Rate, values: &[f32]) -> Runner {
        Runner::new(&EnvGen, rate, 0, &held_inputs(&vec![Rate::Scalar; values.len()], values)).expect("builds")
    }

    #[test]
    fn envgen_asks_for_its_done_action_once_in_the_call_where_it_ends() {
        // 100 frames: the init step and 99 more, so the end is in the second block.
        let mut env = envgen(Rate::Audio, &line(100.0 / 48000.0));
        assert_eq!(env.init(), 0.0);
        let (first, done) = env.next(64);
        assert_eq!(done, None);
        assert!((first[0] - 0.01).abs() < 1e-6, "{}", first[0]);
        let (second, done) = env.next(64);
        assert_eq!(done, Some(DoneAction::FreeSelf));
        assert_eq!(second[35], 1.0);
        assert!(env.next(64).1.is_none(), "asked for again");
    }

    #[test]
    fn envgen_output_does_not_depend_on_how_calls_split_the_frames() {
        let whole: Vec<f32> = {
            let mut env = envgen(Rate::Audio, &line(0.003));
            env.init();
            (0..4).flat_map(|_| env.next(64).0).collect()
        };
        let mut env = envgen(Rate::Audio, &line(0.003));
        env.init();
        // A Synth started 40 frames into a block: a first call of 24 frames.
        let mut split = env.next(24).0;
        split.extend((0..3).flat_map(|_| env.next(64).0));
        split.extend(env.next(40).0);
        assert_eq!(whole, split);
    }

    #[test]
    fn envgen_refuses_an_envelope_of_partial_segments() {
        let mut values = line(1.0);
        values.pop();
        assert!(Runner::new(&EnvGen, Rate::Audio, 0, &held_inputs(&vec![Rate::Scalar; values.len()], &values)).is_err());
    }

    #[test]
    fn linen_ramps_holds_releases_and_then_asks_for_its_done_action() {
        // Attack 2 blocks to 0.5, release 2 blocks (times of 2.5 blocks, truncated),
        // done action 2.
        let block = 64.0 / 48000.0;
        let rates = [Rate::Control; 5];
        let inputs = held_inputs(&rates, &[1.0, 2.5 * block, 0.5, 2.5 * block, 2.0]);
        let mut linen = Runner::new(&Linen, Rate::Control, 0, &inputs).unwrap();
        let mut values = vec![linen.init()];
        for k in 0..8 {
            if k == 3 {
                linen.set(0, 0.0);
            }
            let (v, done) = linen.next(1);
            values.push(v[0]);
            assert_eq!(done.is_some(), k == 6, "block {k}");
        }
        assert_eq!(values, [0.0, 0.25, 0.5, 0.5, 0.5, 0.5, 0.25, 0.0, 0.0]);
    }
}

#[cfg(test)]
mod edge_tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{held_inputs, Runner};
    use super::EnvGen;

    #[test]
    fn envgen_survives_any_envelope_header() {
        for (segments, release, looped) in
            [(i32::MAX as f32, 1e10, 1e10), (-5.0, -1e10, 3.0), (3.0, 1e10, -1e10), (f32::NAN, f32::NAN, f32::NAN)]
        {
            let values = [1.0, 1.0, 0.0, 1.0, 2.0, 0.0, segments, release, looped, 1.0, 0.001, 1.0, 0.0];
            let mut env = Runner::new(&EnvGen, Rate::Audio, 0, &held_inputs(&[Rate::Scalar; 13], &values)).unwrap();
            env.init();
            env.next(64);
            env.set(0, -2.0);
            env.next(64);
            env.set(0, 1.0);
            env.next(64);
        }
    }
}
