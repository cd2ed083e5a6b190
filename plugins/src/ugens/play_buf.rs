//! `PlayBuf`: plays a buffer from a start frame at a rate, with cubic interpolation,
//! looping or stopping at the ends, as scsynth's does.
//!
//! Inputs: buffer number, rate (frames per frame, at control rate frames per block),
//! trigger (a rise from 0 or below to above 0 jumps to the start frame; a first value
//! above 0 counts as one), start frame,
//! loop, done action. The position starts at the start frame and grows by the rate after
//! each frame. Looping, it wraps round the buffer's ends (and so do the interpolation's
//! neighbours); otherwise it holds at the end frames, and once it passes an end the unit is
//! done (finished, for `Done`): its done action runs, and it keeps playing the end frame. A buffer whose channel
//! count is not the unit's output count, or no buffer, plays silence.

use oscine_plugin_api::{DoneAction, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::buffer_read::{read_sample, Edge, Interpolation};
use super::signal::frame;
use super::{expect_inputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("PlayBuf", PlayBuf));
}

const BUFFER: usize = 0;
const RATE: usize = 1;
const TRIGGER: usize = 2;
const START: usize = 3;
const LOOP: usize = 4;
const DONE_ACTION: usize = 5;

struct PlayBuf;

/// Where the unit is: what a call starts from.
#[derive(Debug, Clone, Copy)]
struct Playhead {
    position: f64,
    last_trigger: f32,
    done: bool,
}

struct PlayBufUnit {
    channels: usize,
    head: Playhead,
}

impl UGen for PlayBuf {
    type Unit = PlayBufUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<PlayBufUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 6, 6)?;
        if spec.outputs.is_empty() {
            return Err(PluginError::new("PlayBuf needs at least one output channel"));
        }
        Ok(PlayBufUnit {
            channels: spec.outputs.len(),
            head: Playhead { position: 0.0, last_trigger: 0.0, done: false },
        })
    }
}

impl Playhead {
    /// Moves past frame `i` of the call (a trigger at `i` first jumps to the start) and
    /// returns the position to read there; `finished` is set when the position passes an
    /// end of a buffer of `frames` frames without looping.
    #[inline]
    fn step(&mut self, io: &UnitIo<'_, '_>, i: usize, frames: usize, edge: Edge) -> (f64, bool) {
        let trigger = frame(io.input(TRIGGER), i);
        if trigger > 0.0 && self.last_trigger <= 0.0 {
            self.position = f64::from(io.in0(START));
        }
        self.last_trigger = trigger;
        let read = edge.place(self.position, frames);
        if edge == Edge::Wrap {
            self.position = read;
        }
        self.position += f64::from(frame(io.input(RATE), i));
        let finished = edge == Edge::Hold && (self.position >= frames as f64 || self.position < 0.0);
        (read, finished)
    }
}

impl Unit for PlayBufUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        // As scsynth's: the first trigger above 0 counts as a rise, and nothing plays
        // before the first block.
        self.head.position = f64::from(io.in0(START));
        self.head.last_trigger = 0.0;
        for out in io.outputs() {
            out[0] = 0.0;
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.frames();
        let edge = Edge::of_loop(io.in0(LOOP));
        let access = io.ctx.access;
        let Some(b) = buffer(access, io.in0(BUFFER)).filter(|b| b.channels() == self.channels) else {
            for out in io.outputs() {
                out.fill(0.0);
            }
            return;
        };
        let start = self.head;
        let mut finished = false;
        // Channel by channel, each replaying the call's positions from the same start.
        for c in 0..self.channels {
            let mut head = start;
            for i in 0..n {
                let (read, done) = head.step(io, i, b.frames(), edge);
                finished |= done;
                io.output(c)[i] = read_sample(&b, c, read, edge, Interpolation::Cubic);
            }
            self.head = head;
        }
        if finished && !self.head.done {
            self.head.done = true;
            io.finish();
            if let Some(action) = DoneAction::from_code(io.in0(DONE_ACTION)) {
                io.ctx.done(action);
            }
        }
    }
}
