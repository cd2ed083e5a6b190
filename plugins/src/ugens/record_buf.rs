//! `RecordBuf`: records its inputs into a buffer frame after frame, mixed with what the
//! buffer held, as scsynth's does.
//!
//! Inputs: buffer number, offset (the frame recording starts at, and returns to on a
//! trigger), record level, pre level (each frame written is `input · record + old ·
//! pre`), run (above 0 records forwards, below 0 backwards, 0 pauses), loop, trigger (a
//! rise from 0 or below to above 0 jumps back to the offset), done action, then the
//! inputs, one a channel. Past an end it wraps round when looping; otherwise it stops
//! there and is done (finished, for `Done`; its done action runs). It outputs its first input. With no buffer
//! at the number, or one whose channel count is not the inputs', it writes nothing.

use oscine_plugin_api::{DoneAction, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::signal::frame;
use super::{expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("RecordBuf", RecordBuf));
}

const BUFFER: usize = 0;
const OFFSET: usize = 1;
const RECORD_LEVEL: usize = 2;
const PRE_LEVEL: usize = 3;
const RUN: usize = 4;
const LOOP: usize = 5;
const TRIGGER: usize = 6;
const DONE_ACTION: usize = 7;
const FIRST_INPUT: usize = 8;

struct RecordBuf;

struct RecordBufUnit {
    /// The next frame to write.
    position: i64,
    last_trigger: f32,
    done: bool,
}

impl UGen for RecordBuf {
    type Unit = RecordBufUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<RecordBufUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_outputs(spec, 1)?;
        if spec.inputs.len() <= FIRST_INPUT {
            return Err(PluginError::new("RecordBuf needs at least one input to record"));
        }
        Ok(RecordBufUnit { position: 0, last_trigger: 0.0, done: false })
    }
}

impl Unit for RecordBufUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.position = io.in0(OFFSET) as i64;
        // As scsynth's: the first trigger above 0 counts as a rise.
        self.last_trigger = 0.0;
        io.output(0)[0] = io.in0(FIRST_INPUT);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.frames();
        let channels = io.num_inputs() - FIRST_INPUT;
        let looping = io.in0(LOOP) as i32 != 0;
        let (record, pre) = (io.in0(RECORD_LEVEL), io.in0(PRE_LEVEL));
        let mut finished = false;
        if let Some(b) = buffer(io.ctx.access, io.in0(BUFFER)).filter(|b| b.channels() == channels) {
            let frames = b.frames() as i64;
            for i in 0..n {
                let trigger = frame(io.input(TRIGGER), i);
                if trigger > 0.0 && self.last_trigger <= 0.0 {
                    self.position = io.in0(OFFSET) as i64;
                    self.done = false;
                }
                self.last_trigger = trigger;
                let run = frame(io.input(RUN), i);
                if run == 0.0 || self.done {
                    continue;
                }
                if (0..frames).contains(&self.position) {
                    let at = self.position as usize;
                    for c in 0..channels {
                        let input = frame(io.input(FIRST_INPUT + c), i);
                        b.set(c, at, input * record + b.get(c, at) * pre);
                    }
                }
                self.position += if run > 0.0 { 1 } else { -1 };
                if !(0..frames).contains(&self.position) {
                    if looping {
                        self.position = self.position.rem_euclid(frames);
                    } else {
                        self.done = true;
                        finished = true;
                    }
                }
            }
        }
        let input = io.input(FIRST_INPUT);
        let out = io.output(0);
        for (i, o) in out.iter_mut().enumerate() {
            *o = frame(input, i);
        }
        if finished {
            io.finish();
            if let Some(action) = DoneAction::from_code(io.in0(DONE_ACTION)) {
                io.ctx.done(action);
            }
        }
    }
}
