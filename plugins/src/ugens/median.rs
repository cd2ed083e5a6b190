//! `Median(length, in)`: the median of the last `length` input frames (1 to 31), a filter
//! for removing spikes. Every earlier frame counts as the first input frame.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::filter::at;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Median", Median));
}

/// The longest window.
const MAX_LENGTH: usize = 31;

pub(crate) struct Median;

pub(crate) struct MedianUnit {
    /// The window's length, read when the Synth starts.
    length: usize,
    /// The last `length` frames, oldest at `oldest`.
    window: [f32; MAX_LENGTH],
    oldest: usize,
}

impl UGen for Median {
    type Unit = MedianUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<MedianUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        Ok(MedianUnit { length: 1, window: [0.0; MAX_LENGTH], oldest: 0 })
    }
}

impl MedianUnit {
    fn push(&mut self, x: f32) -> f32 {
        self.window[self.oldest] = x;
        self.oldest = (self.oldest + 1) % self.length;
        let mut sorted = [0.0f32; MAX_LENGTH];
        let sorted = &mut sorted[..self.length];
        sorted.copy_from_slice(&self.window[..self.length]);
        sorted.sort_unstable_by(f32::total_cmp);
        sorted[self.length / 2]
    }
}

impl Unit for MedianUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        // `as` saturates: NaN is 0, then 1.
        self.length = (io.in0(0) as usize).clamp(1, MAX_LENGTH);
        let x0 = io.in0(1);
        self.window = [x0; MAX_LENGTH];
        io.output(0)[0] = x0;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let input = io.input(1);
        let frames = io.output(0).len();
        for i in 0..frames {
            let v = self.push(at(input, i));
            io.output(0)[i] = v;
        }
    }
}
