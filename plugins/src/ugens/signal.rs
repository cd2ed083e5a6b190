//! How an audio-rate unit reads an input over one call, the way scsynth's operators and
//! mixers read theirs: an audio-rate input sample by sample, a control-rate one ramped
//! linearly across the call from the value it had in the last call to its new one (its
//! first frame holds the old value, its new value is reached at the next call's first
//! frame), and a scalar-rate one held.
//!
//! Context: RT.

use oscine_plugin_api::{Rate, UnitIo};

/// One input's values over a call, frame by frame.
pub(crate) trait Signal {
    /// The value at frame `i` of the call; called for `i = 0, 1, ...` in order.
    fn at(&mut self, i: usize) -> f32;
}

/// An audio-rate input.
pub(crate) struct Audio<'a>(pub &'a [f32]);

impl Signal for Audio<'_> {
    #[inline(always)]
    fn at(&mut self, i: usize) -> f32 {
        self.0[i]
    }
}

/// A control- or scalar-rate input: a value that grows by `slope` each frame (a slope of
/// zero holds it).
pub(crate) struct Ramp {
    value: f32,
    slope: f32,
}

impl Signal for Ramp {
    #[inline(always)]
    fn at(&mut self, _: usize) -> f32 {
        let v = self.value;
        self.value += self.slope;
        v
    }
}

/// The value a control-rate input had in the last call, from which the next call ramps.
/// Scalar-rate inputs keep theirs and so hold it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Held(f32);

impl Held {
    /// Starts from input `i`'s first value (in `Unit::init`).
    pub(crate) fn start(io: &UnitIo<'_, '_>, i: usize) -> Held {
        Held(io.in0(i))
    }

    /// The ramp across this call from the last value to input `i`'s current one, which is
    /// kept for the next call. scsynth's slope is the step over a whole block,
    /// `(new − old) · (1 / block)`, added frame after frame in `f32`.
    #[inline]
    pub(crate) fn ramp(&mut self, io: &UnitIo<'_, '_>, i: usize) -> Ramp {
        let new = io.in0(i);
        let slope = (new - self.0) * (1.0 / io.frames() as f32);
        let ramp = Ramp { value: self.0, slope };
        self.0 = new;
        ramp
    }
}

/// How an audio-rate unit reads one input: sample by sample, or ramped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// An audio-rate input.
    Audio,
    /// A control- or scalar-rate input.
    Ramped,
}

impl Reading {
    /// How an input of `rate` is read.
    pub(crate) fn of(rate: Rate) -> Reading {
        if rate == Rate::Audio {
            Reading::Audio
        } else {
            Reading::Ramped
        }
    }
}
