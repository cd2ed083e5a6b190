//! Buffers by number for the buffer UGens, and the UGens that describe a buffer:
//! `BufFrames`, `BufSamples`, `BufDur`, `BufSampleRate`, `BufRateScale`, `BufChannels`.
//!
//! A buffer number is the id of an `audio-buffer` Resource. A unit holds the buffer for
//! one call (a [`Lease`] on the engine's pool), so a buffer freed while a Synth plays is
//! destroyed after the call, and the next call finds no buffer. With no buffer at the
//! number, the describing UGens output 0, as scsynth's do for an unallocated buffer.

use oscine_plugin_api::{Lease, PluginError, Rate, Registrar, ResourceAccess, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};
use crate::AudioBuffer;

pub(super) fn register(registrar: &mut dyn Registrar) {
    for (name, what) in [
        ("BufFrames", What::Frames),
        ("BufSamples", What::Samples),
        ("BufDur", What::Duration),
        ("BufSampleRate", What::SampleRate),
        ("BufRateScale", What::RateScale),
        ("BufChannels", What::Channels),
    ] {
        registrar.register_ugen(UGenTable::new(name, BufInfo(what)));
    }
}

/// The buffer numbered `number` (an input's value, truncated toward zero as scsynth
/// truncates it), held until the lease drops; `None` when no `audio-buffer` is Live
/// there.
///
/// Context: RT.
#[inline]
pub(super) fn buffer(access: &dyn ResourceAccess, number: f32) -> Option<Lease<'_, AudioBuffer>> {
    if !(0.0..2_147_483_648.0).contains(&number) {
        return None;
    }
    Lease::try_acquire(access, number as i32)
}

#[derive(Debug, Clone, Copy)]
enum What {
    Frames,
    Samples,
    Duration,
    SampleRate,
    RateScale,
    Channels,
}

/// `BufFrames.kr(bufnum)` and the others, at scalar or control rate.
struct BufInfo(What);

struct BufInfoUnit(What);

impl UGen for BufInfo {
    type Unit = BufInfoUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<BufInfoUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control])?;
        expect_inputs(spec, 1, 1)?;
        expect_outputs(spec, 1)?;
        Ok(BufInfoUnit(self.0))
    }
}

impl BufInfoUnit {
    fn value(&self, io: &UnitIo<'_, '_>) -> f32 {
        let Some(b) = buffer(io.ctx.access, io.in0(0)) else { return 0.0 };
        (match self.0 {
            What::Frames => b.frames() as f64,
            What::Samples => b.len() as f64,
            What::Duration => b.frames() as f64 / b.sample_rate(),
            What::SampleRate => b.sample_rate(),
            What::RateScale => b.sample_rate() / io.ctx.sample_rate,
            What::Channels => b.channels() as f64,
        }) as f32
    }
}

impl Unit for BufInfoUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = self.value(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = self.value(io);
    }
}
