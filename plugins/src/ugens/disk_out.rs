//! `DiskOut`: records its inputs to a sound file through a buffer: `DiskOut.ar(bufnum,
//! channels)`. The unit writes each frame into the buffer, used as a ring, and counts it;
//! the disk thread appends the counted frames to the file the buffer was opened on
//! (`/b_write` with `leaveOpen`), until `/b_close` (see [`crate::disk_stream`]). With no
//! buffer at the number, or one whose channel count is not the inputs', it records
//! nothing. Its output is the number of frames the buffer has taken for its stream.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::signal::frame;
use super::{expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("DiskOut", DiskOut));
}

/// The input before the channels.
const FIRST_INPUT: usize = 1;

/// The most channels one `DiskOut` records: a buffer's most.
const MAX_CHANNELS: usize = crate::audio_buffer::MAX_CHANNELS;

struct DiskOut;

struct DiskOutUnit;

impl UGen for DiskOut {
    type Unit = DiskOutUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<DiskOutUnit, PluginError> {
        expect_rate(spec, &[Rate::Audio])?;
        expect_outputs(spec, 1)?;
        let channels = spec.inputs.len().saturating_sub(FIRST_INPUT);
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(PluginError::new(format!("DiskOut records 1 to {MAX_CHANNELS} channels, not {channels}")));
        }
        Ok(DiskOutUnit)
    }
}

impl Unit for DiskOutUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = 0.0;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let n = io.frames();
        let channels = io.num_inputs() - FIRST_INPUT;
        let Some(b) = buffer(io.ctx.access, io.in0(0)).filter(|b| b.channels() == channels) else {
            io.output(0).fill(0.0);
            return;
        };
        let before = b.streamed_frames();
        let ring = b.frames() as u64;
        for c in 0..channels {
            let input = io.input(FIRST_INPUT + c);
            for f in 0..n {
                b.set(c, ((before + f as u64) % ring) as usize, frame(input, f));
            }
        }
        b.advance_stream(n as u64);
        for (f, o) in io.output(0).iter_mut().enumerate() {
            *o = (before + f as u64 + 1) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{held, Input, Runner};
    use super::DiskOut;

    #[test]
    fn takes_one_to_1024_channels_at_audio_rate() {
        let inputs = |channels: usize| {
            let mut all = vec![Input::Constant(0.0)];
            all.extend((0..channels).map(|_| held(Rate::Audio, 0.0)));
            all
        };
        assert!(Runner::new(&DiskOut, Rate::Audio, 0, &inputs(2)).is_ok());
        assert!(Runner::new(&DiskOut, Rate::Audio, 0, &inputs(1024)).is_ok());
        assert!(Runner::new(&DiskOut, Rate::Audio, 0, &inputs(0)).is_err());
        assert!(Runner::new(&DiskOut, Rate::Audio, 0, &inputs(1025)).is_err());
        assert!(Runner::new(&DiskOut, Rate::Control, 0, &inputs(1)).is_err());
    }
}
