//! How an audio-rate unit reads an input over one call, the way scsynth's operators and
//! mixers read theirs: an audio-rate input sample by sample, a control-rate one ramped
//! linearly across the call from the value it had in the last call to its new one (its
//! first frame holds the old value, its new value is reached at the next call's first
//! frame), and a scalar-rate one held (a flat ramp). scsynth rounds its ramps in one of
//! two ways, depending on the UGen and operator, and so does Oscine: [`LaneRamp`] and
//! [`RunningRamp`].
//!
//! Context: RT.

use oscine_plugin_api::UnitIo;

/// Frame `f` of an input read as it comes: an audio-rate input's own frame, a control- or
/// scalar-rate input's one value (held, not ramped).
#[inline(always)]
pub(crate) fn frame(input: &[f32], f: usize) -> f32 {
    input[if input.len() > 1 { f } else { 0 }]
}

/// One input's values over a call, frame by frame.
pub(crate) trait Signal {
    /// The value at frame `i` of the call; called for `i = 0, 1, ...` in order.
    fn at(&mut self, i: usize) -> f32;

    /// Whether the values stay the same over the call: a ramped input that did not change.
    fn is_flat(&self) -> bool {
        false
    }

    /// The one value every frame of the call has, exactly, when there is one: a flat ramp
    /// (except from −0, which the ramp's first sum turns into +0).
    fn steady(&self) -> Option<f32> {
        None
    }
}

/// `value`, if a flat ramp from it keeps it exactly.
#[inline(always)]
fn kept(value: f32) -> Option<f32> {
    (value != 0.0 || value.is_sign_positive()).then_some(value)
}

/// An audio-rate input.
pub(crate) struct Audio<'a>(pub &'a [f32]);

impl Signal for Audio<'_> {
    #[inline(always)]
    fn at(&mut self, i: usize) -> f32 {
        self.0[i]
    }
}

/// A control- or scalar-rate input ramped the way scsynth's four-wide vector code ramps
/// it: frames `4g + j` form lane `j`, which starts at `old`, `old + s`, `old + 2s` and
/// `(old + 2s) + s` and grows by `4s` every four frames, each sum rounded to `f32`; the
/// next call starts from the new value exactly.
pub(crate) struct LaneRamp {
    lanes: [f32; 4],
    step: f32,
}

impl LaneRamp {
    /// The ramp from `first` by `slope` a frame.
    #[inline(always)]
    pub(crate) fn new(first: f32, slope: f32) -> LaneRamp {
        let two = first + (slope + slope);
        LaneRamp { lanes: [first, first + slope, two, two + slope], step: slope * 4.0 }
    }
}

impl LaneRamp {
    /// Writes the ramp's value at each frame of `out` ([`Signal::at`] of frame after
    /// frame), four frames at a time ([`fill_lanes`]): the same sums.
    #[inline]
    pub(crate) fn fill(&mut self, out: &mut [f32]) {
        fill_lanes::<false>(out, &mut self.lanes, self.step);
    }

    /// The four lanes' next values and what each grows by every four frames.
    #[inline(always)]
    pub(crate) fn lanes(&mut self) -> (&mut [f32; 4], f32) {
        (&mut self.lanes, self.step)
    }
}

/// Writes four lanes into `out`, frame `i` taking lane `i % 4`, each lane moved on by
/// `step` every four frames: added, or multiplied with `MUL`; `lanes` is left at the next
/// frame's lane values. Four frames at a time with the lanes one vector (SSE2, in x86-64's
/// baseline): the same sums or products as lane by lane.
#[inline]
pub(crate) fn fill_lanes<const MUL: bool>(out: &mut [f32], lanes: &mut [f32; 4], step: f32) {
    #[cfg(target_arch = "x86_64")]
    let out = {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is always there on x86-64; each load and store is of four `f32`s
        // inside `out` or `lanes`.
        unsafe {
            let mut l = _mm_loadu_ps(lanes.as_ptr());
            let step = _mm_set1_ps(step);
            let mut fours = out.chunks_exact_mut(4);
            for four in &mut fours {
                _mm_storeu_ps(four.as_mut_ptr(), l);
                l = if MUL { _mm_mul_ps(l, step) } else { _mm_add_ps(l, step) };
            }
            _mm_storeu_ps(lanes.as_mut_ptr(), l);
            fours.into_remainder()
        }
    };
    // The frames left start a four, lane 0.
    for (i, o) in out.iter_mut().enumerate() {
        let lane = &mut lanes[i & 3];
        *o = *lane;
        if MUL {
            *lane *= step;
        } else {
            *lane += step;
        }
    }
}

impl Signal for LaneRamp {
    #[inline(always)]
    fn at(&mut self, i: usize) -> f32 {
        let lane = &mut self.lanes[i & 3];
        let v = *lane;
        *lane += self.step;
        v
    }

    fn is_flat(&self) -> bool {
        self.step == 0.0
    }

    fn steady(&self) -> Option<f32> {
        if self.is_flat() {
            kept(self.lanes[0])
        } else {
            None
        }
    }
}

/// A control- or scalar-rate input ramped the way scsynth's one-frame-at-a-time code ramps
/// it: a running `f32` sum of the slope, whose last value (not quite the new value, after
/// rounding) is where the next call starts.
pub(crate) struct RunningRamp<'h> {
    value: &'h mut f32,
    slope: f32,
}

impl Signal for RunningRamp<'_> {
    #[inline(always)]
    fn at(&mut self, _: usize) -> f32 {
        let v = *self.value;
        *self.value += self.slope;
        v
    }

    fn is_flat(&self) -> bool {
        self.slope == 0.0
    }

    fn steady(&self) -> Option<f32> {
        if self.is_flat() {
            kept(*self.value)
        } else {
            None
        }
    }
}

/// Where a control-rate input's ramp starts in the next call: its value in the last call.
/// A scalar-rate input never changes, so its ramps are flat.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Held(f32);

impl Held {
    /// Starts from input `i`'s first value (in `Unit::init`).
    pub(crate) fn start(io: &UnitIo<'_, '_>, i: usize) -> Held {
        Held(io.in0(i))
    }

    /// Starts from `value`.
    pub(crate) fn of(value: f32) -> Held {
        Held(value)
    }

    /// The slope from the held value to input `i`'s current one: scsynth's
    /// `(new − old) · (1 / block)`.
    #[inline(always)]
    fn slope(&self, io: &UnitIo<'_, '_>, i: usize) -> (f32, f32) {
        let new = io.in0(i);
        (new, self.slope_to(new, io.frames()))
    }

    /// The slope from the held value to `new` over `frames` frames.
    #[inline(always)]
    fn slope_to(&self, new: f32, frames: usize) -> f32 {
        (new - self.0) * (1.0 / frames as f32)
    }

    /// The ramp across this call as vector code rounds it ([`LaneRamp`]).
    #[inline(always)]
    pub(crate) fn lanes(&mut self, io: &UnitIo<'_, '_>, i: usize) -> LaneRamp {
        let new = io.in0(i);
        self.lanes_to(new, io.frames())
    }

    /// The value every frame of a ramp to `new` has, if that ramp is flat and keeps it
    /// exactly (what [`LaneRamp::steady`] of [`lanes_to`](Self::lanes_to) would say),
    /// without working out the ramp; the held value stays as it is.
    #[inline(always)]
    pub(crate) fn steady_to(&self, new: f32) -> Option<f32> {
        if new - self.0 == 0.0 {
            kept(self.0)
        } else {
            None
        }
    }

    /// The ramp to `new` across a call of `frames` frames as vector code rounds it.
    #[inline(always)]
    pub(crate) fn lanes_to(&mut self, new: f32, frames: usize) -> LaneRamp {
        let slope = self.slope_to(new, frames);
        LaneRamp::new(std::mem::replace(&mut self.0, new), slope)
    }

    /// The ramp across this call as one-frame code rounds it ([`RunningRamp`]).
    #[inline(always)]
    pub(crate) fn running(&mut self, io: &UnitIo<'_, '_>, i: usize) -> RunningRamp<'_> {
        let (_, slope) = self.slope(io, i);
        RunningRamp { value: &mut self.0, slope }
    }
}

/// How a unit reads one input over a call, as a type, so that the unit's loop is compiled
/// for each way of reading its inputs.
pub(crate) trait Reader {
    /// The input's values over the call.
    type Values<'s>: Signal;
    /// Input `i` over this call, ramped from `held` if it is not audio rate.
    fn read<'s, 'a: 's>(io: &UnitIo<'a, '_>, held: &'s mut Held, i: usize) -> Self::Values<'s>;
}

/// Reads an audio-rate input.
pub(crate) struct ReadAudio;

impl Reader for ReadAudio {
    type Values<'s> = Audio<'s>;
    #[inline(always)]
    fn read<'s, 'a: 's>(io: &UnitIo<'a, '_>, _: &'s mut Held, i: usize) -> Audio<'s> {
        Audio(io.input(i))
    }
}

/// Ramps a control- or scalar-rate input as [`LaneRamp`] does.
pub(crate) struct ReadLanes;

impl Reader for ReadLanes {
    type Values<'s> = LaneRamp;
    #[inline(always)]
    fn read<'s, 'a: 's>(io: &UnitIo<'a, '_>, held: &'s mut Held, i: usize) -> LaneRamp {
        held.lanes(io, i)
    }
}

/// Ramps a control- or scalar-rate input as [`RunningRamp`] does.
pub(crate) struct ReadRunning;

impl Reader for ReadRunning {
    type Values<'s> = RunningRamp<'s>;
    #[inline(always)]
    fn read<'s, 'a: 's>(io: &UnitIo<'a, '_>, held: &'s mut Held, i: usize) -> RunningRamp<'s> {
        held.running(io, i)
    }
}

/// Multiplies each frame `i` of `out` by `ramp`'s value there, as a `BinaryOpUGen` `*`
/// by a ramped input computes it (for a unit that took in the `*` as its output's scale,
/// [`UnitIo::scale`]): the same products, four frames at a time (SSE2, in x86-64's
/// baseline), the lanes one vector.
#[inline]
pub(crate) fn scale_by(out: &mut [f32], ramp: &mut LaneRamp) {
    #[cfg(target_arch = "x86_64")]
    let out = {
        use std::arch::x86_64::*;
        let (lanes, step) = ramp.lanes();
        // SAFETY: SSE2 is always there on x86-64; each load and store is of four `f32`s
        // inside `out` or `lanes`.
        unsafe {
            let mut l = _mm_loadu_ps(lanes.as_ptr());
            let step = _mm_set1_ps(step);
            let mut fours = out.chunks_exact_mut(4);
            for four in &mut fours {
                _mm_storeu_ps(four.as_mut_ptr(), _mm_mul_ps(_mm_loadu_ps(four.as_ptr()), l));
                l = _mm_add_ps(l, step);
            }
            _mm_storeu_ps(lanes.as_mut_ptr(), l);
            fours.into_remainder()
        }
    };
    // The frames left start a four, lane 0.
    for (i, o) in out.iter_mut().enumerate() {
        *o *= ramp.at(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_scale_is_what_the_flat_ramp_would_hold() {
        let values = [0.0, -0.0, 0.25, -0.25, 1.0e-30, f32::MIN_POSITIVE, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        for &old in &values {
            for &new in &values {
                let held = Held::of(old);
                let mut ramped = held;
                let expected = ramped.lanes_to(new, 64).steady();
                let got = held.steady_to(new);
                assert_eq!(got.map(f32::to_bits), expected.map(f32::to_bits), "from {old} to {new}");
            }
        }
    }
}
