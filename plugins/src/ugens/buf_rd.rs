//! `BufRd` and `BufWr`: a buffer read and written at positions an input gives, frame by
//! frame, as scsynth's are.
//!
//! `BufRd(bufnum, phase, loop, interpolation)` reads each of its output channels at the
//! phase input's frame position: looping, the position wraps into the buffer and so do the
//! interpolation's neighbours; otherwise it is clamped to the buffer and the end frames
//! repeat. Interpolation is 1 (none), 2 (linear) or 4 (cubic).
//!
//! `BufWr(bufnum, phase, loop, inputs...)` writes its inputs to the frame at the phase
//! input's whole part (wrapped or clamped alike) and outputs the phase input.
//!
//! With no buffer at the number, or one whose channel count differs from the unit's, a
//! `BufRd` plays silence and a `BufWr` writes nothing.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::buffer_read::{read_sample, Edge, Interpolation};
use super::signal::frame;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("BufRd", BufRd));
    registrar.register_ugen(UGenTable::new("BufWr", BufWr));
}

const BUFFER: usize = 0;
const PHASE: usize = 1;
const LOOP: usize = 2;
const INTERPOLATION: usize = 3;
/// `BufWr`'s first input to write.
const FIRST_INPUT: usize = 3;

struct BufRd;

struct BufRdUnit {
    channels: usize,
}

impl UGen for BufRd {
    type Unit = BufRdUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<BufRdUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 4, 4)?;
        if spec.outputs.is_empty() {
            return Err(PluginError::new("BufRd needs at least one output channel"));
        }
        Ok(BufRdUnit { channels: spec.outputs.len() })
    }
}

impl BufRdUnit {
    fn read(&self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let edge = Edge::of_loop(io.in0(LOOP));
        let interpolation = Interpolation::of_input(io.in0(INTERPOLATION));
        let access = io.ctx.access;
        let Some(b) = buffer(access, io.in0(BUFFER)).filter(|b| b.channels() == self.channels) else {
            for out in io.outputs() {
                out.fill(0.0);
            }
            return;
        };
        for c in 0..self.channels {
            for i in 0..frames {
                let position = edge.place(f64::from(frame(io.input(PHASE), i)), b.frames());
                io.output(c)[i] = read_sample(&b, c, position, edge, interpolation);
            }
        }
    }
}

impl Unit for BufRdUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.read(io, 1);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.frames();
        self.read(io, n);
    }
}

struct BufWr;

struct BufWrUnit;

impl UGen for BufWr {
    type Unit = BufWrUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<BufWrUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_outputs(spec, 1)?;
        if spec.inputs.len() <= FIRST_INPUT {
            return Err(PluginError::new("BufWr needs at least one input to write"));
        }
        Ok(BufWrUnit)
    }
}

impl Unit for BufWrUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = io.in0(PHASE);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.frames();
        let channels = io.num_inputs() - FIRST_INPUT;
        let edge = Edge::of_loop(io.in0(LOOP));
        if let Some(b) = buffer(io.ctx.access, io.in0(BUFFER)).filter(|b| b.channels() == channels) {
            for i in 0..n {
                let at = edge.place(f64::from(frame(io.input(PHASE), i)), b.frames()) as usize;
                for c in 0..channels {
                    b.set(c, at, frame(io.input(FIRST_INPUT + c), i));
                }
            }
        }
        let phase = io.input(PHASE);
        let out = io.output(0);
        for (i, o) in out.iter_mut().enumerate() {
            *o = frame(phase, i);
        }
    }
}
