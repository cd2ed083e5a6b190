//! Bus input and output: `Out`, `ReplaceOut`, `OffsetOut`, `In`, `InFeedback`, and the
//! Synth's own buses, `LocalIn` and `LocalOut`.
//!
//! Buses are numbered as scsynth numbers them (hardware outputs, hardware inputs, then
//! internal buses); at audio rate they are audio buses, at control rate control buses.

use oscine_plugin_api::{bus_number, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Out", Out { replace: false }));
    registrar.register_ugen(UGenTable::new("ReplaceOut", Out { replace: true }));
    // Oscine starts a Synth at its exact frame, so `Out` is already sample-exact.
    registrar.register_ugen(UGenTable::new("OffsetOut", Out { replace: false }));
    registrar.register_ugen(UGenTable::new("In", In { feedback: false }));
    registrar.register_ugen(UGenTable::new("InFeedback", In { feedback: true }));
    registrar.register_ugen(UGenTable::new("XOut", XOut));
    registrar.register_ugen(UGenTable::new("LocalIn", LocalIn));
    registrar.register_ugen(UGenTable::new("LocalOut", LocalOut));
}

/// Reads the Synth's local buses: what `LocalOut` wrote in the previous block (its
/// inputs' values, the defaults, before the first). Its outputs are the channels.
struct LocalIn;

struct LocalInUnit;

impl UGen for LocalIn {
    type Unit = LocalInUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<LocalInUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        Ok(LocalInUnit)
    }
}

impl Unit for LocalInUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.num_outputs();
        let len = io.ctx.local.len() / n.max(1);
        for k in 0..n {
            let default = if k < io.num_inputs() { io.in0(k) } else { 0.0 };
            let (out, ctx) = io.output_with_context(k);
            out.fill(default);
            if let Some(channel) = ctx.local.get_mut(k * len..(k + 1) * len) {
                channel.fill(default);
            }
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.num_outputs();
        let len = io.ctx.local.len() / n.max(1);
        for k in 0..n {
            let (out, ctx) = io.output_with_context(k);
            let frames = out.len();
            match ctx.local.get(k * len..k * len + frames) {
                Some(channel) => out.copy_from_slice(channel),
                None => out.fill(0.0),
            }
        }
    }
}

/// Writes its inputs to the Synth's local buses, for `LocalIn` to read in the next block.
struct LocalOut;

struct LocalOutUnit;

impl UGen for LocalOut {
    type Unit = LocalOutUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<LocalOutUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 1, usize::MAX)?;
        Ok(LocalOutUnit)
    }
}

impl Unit for LocalOutUnit {
    fn init(&mut self, _io: &mut UnitIo<'_, '_>) {}

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.num_inputs();
        let block = io.ctx.block_size;
        let len = if io.input_rate(0) == Rate::Audio { block } else { 1 };
        for k in 0..n {
            let input = io.input(k);
            let frames = input.len().min(len);
            if let Some(channel) = io.ctx.local.get_mut(k * len..k * len + frames) {
                channel.copy_from_slice(&input[..frames]);
            }
        }
    }
}

/// Writes inputs `1..` to buses `bus..`, where input 0 is `bus`: added to what the block
/// holds, or replacing it.
struct Out {
    replace: bool,
}

struct OutUnit {
    replace: bool,
    audio: bool,
}

impl UGen for Out {
    type Unit = OutUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<OutUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, usize::MAX)?;
        let audio = spec.rate == Rate::Audio;
        if audio {
            if let Some(i) = (1..spec.inputs.len()).find(|&i| spec.input_rate(i) != Rate::Audio) {
                return Err(PluginError::new(format!("{}.ar: input {i} is not audio rate", spec.name)));
            }
        }
        Ok(OutUnit { replace: self.replace, audio })
    }
}

impl Unit for OutUnit {
    fn init(&mut self, _io: &mut UnitIo<'_, '_>) {}

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        // A negative or NaN bus number writes nothing.
        let Some(bus) = bus_number(io.in0(0)) else { return };
        for k in 1..io.num_inputs() {
            let input = io.input(k);
            if self.audio {
                let offset = io.ctx.offset;
                io.ctx.buses.write_audio(bus + k - 1, offset, input, self.replace);
            } else {
                io.ctx.buses.write_control(bus + k - 1, input[0], self.replace);
            }
        }
    }
}

/// Reads buses `bus..bus + outputs` (input 0 is `bus`).
struct In {
    feedback: bool,
}

struct InUnit {
    feedback: bool,
    audio: bool,
}

impl UGen for In {
    type Unit = InUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<InUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 1, 1)?;
        Ok(InUnit { feedback: self.feedback, audio: spec.rate == Rate::Audio })
    }
}

impl InUnit {
    fn read(&self, io: &mut UnitIo<'_, '_>) {
        let bus = bus_number(io.in0(0));
        for k in 0..io.num_outputs() {
            let (dst, ctx) = io.output_with_context(k);
            match bus {
                None => dst.fill(0.0),
                Some(bus) if self.audio => ctx.buses.read_audio(bus + k, ctx.offset, dst, self.feedback),
                Some(bus) => dst.fill(ctx.buses.read_control(bus + k)),
            }
        }
    }
}

impl Unit for InUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.read(io);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        self.read(io);
    }
}

/// `XOut(bus, xfade, channels...)`: crossfades what buses `bus..` hold with the channels:
/// `old + xfade · (new − old)`.
struct XOut;

struct XOutUnit {
    audio: bool,
}

/// The most channels one `XOut` writes.
const MAX_XOUT_CHANNELS: usize = 64;

impl UGen for XOut {
    type Unit = XOutUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<XOutUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 3, 2 + MAX_XOUT_CHANNELS)?;
        let audio = spec.rate == Rate::Audio;
        if audio {
            if let Some(i) = (2..spec.inputs.len()).find(|&i| spec.input_rate(i) != Rate::Audio) {
                return Err(PluginError::new(format!("XOut.ar: input {i} is not audio rate")));
            }
        }
        Ok(XOutUnit { audio })
    }
}

impl Unit for XOutUnit {
    fn init(&mut self, _io: &mut UnitIo<'_, '_>) {}

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let Some(bus) = bus_number(io.in0(0)) else { return };
        let xfade = io.in0(1);
        let offset = io.ctx.offset;
        let mut old = [0.0f32; crate::ugens::io::BLOCK_LIMIT];
        for k in 2..io.num_inputs() {
            let input = io.input(k);
            if self.audio {
                let old = &mut old[..input.len().min(BLOCK_LIMIT)];
                io.ctx.buses.read_audio(bus + k - 2, offset, old, false);
                for (o, x) in old.iter_mut().zip(input) {
                    *o += xfade * (x - *o);
                }
                io.ctx.buses.write_audio(bus + k - 2, offset, old, true);
            } else {
                let o = io.ctx.buses.read_control(bus + k - 2);
                io.ctx.buses.write_control(bus + k - 2, o + xfade * (input[0] - o), true);
            }
        }
    }
}

/// The largest block `XOut` mixes on the stack.
pub(crate) const BLOCK_LIMIT: usize = 8192;
