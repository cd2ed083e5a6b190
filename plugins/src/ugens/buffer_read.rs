//! Reading a buffer's frame at a fractional position, as scsynth's `PlayBuf` and `BufRd`
//! read: no interpolation, linear, or the 4-point cubic curve, with the neighbours of the
//! buffer's ends either wrapped round (a looping reader) or held at the end frames.
//!
//! Context: RT.

use super::interpolation::{cubic, linear};
use crate::AudioBuffer;

/// How a reader finds the frames past the buffer's ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    /// Past the last frame comes the first (a looping reader).
    Wrap,
    /// Past either end, the end frame repeats.
    Hold,
}

impl Edge {
    /// A loop input's value as scsynth reads it: any non-zero whole part loops.
    #[inline]
    pub(super) fn of_loop(value: f32) -> Edge {
        if value as i32 != 0 {
            Edge::Wrap
        } else {
            Edge::Hold
        }
    }

    /// `position` brought into the buffer: wrapped into `0..frames`, or clamped to
    /// `0..=frames - 1`.
    #[inline]
    pub(super) fn place(self, position: f64, frames: usize) -> f64 {
        let n = frames as f64;
        match self {
            Edge::Wrap if (0.0..n).contains(&position) => position,
            Edge::Wrap => {
                let wrapped = position - (position / n).floor() * n;
                // Rounding can land exactly on `n`.
                if wrapped >= n || wrapped.is_nan() {
                    0.0
                } else {
                    wrapped
                }
            }
            // `max` first: NaN becomes 0.
            Edge::Hold => position.max(0.0).min(n - 1.0),
        }
    }

    /// The frame `offset` frames from frame `i` (in the buffer), found as this edge says.
    #[inline]
    fn neighbour(self, i: usize, offset: isize, frames: usize) -> usize {
        let j = i as isize + offset;
        match self {
            Edge::Wrap => j.rem_euclid(frames as isize) as usize,
            Edge::Hold => j.clamp(0, frames as isize - 1) as usize,
        }
    }
}

/// How a reader interpolates between frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Interpolation {
    /// The frame at the position's whole part.
    None,
    /// Linear, between the two frames round the position.
    Linear,
    /// Cubic, through the four frames round the position.
    Cubic,
}

impl Interpolation {
    /// `BufRd`'s interpolation input: 1 none, 2 linear, anything else cubic.
    #[inline]
    pub(super) fn of_input(value: f32) -> Interpolation {
        match value as i32 {
            1 => Interpolation::None,
            2 => Interpolation::Linear,
            _ => Interpolation::Cubic,
        }
    }
}

/// Channel `channel` of `buffer` at `position` (already placed by `edge`, so in
/// `0..frames`).
#[inline]
pub(super) fn read_sample(
    buffer: &AudioBuffer,
    channel: usize,
    position: f64,
    edge: Edge,
    interpolation: Interpolation,
) -> f32 {
    let frames = buffer.frames();
    let i = (position as usize).min(frames - 1);
    let x = (position - i as f64) as f32;
    let at = |offset| buffer.get(channel, edge.neighbour(i, offset, frames));
    match interpolation {
        Interpolation::None => buffer.get(channel, i),
        Interpolation::Linear => linear(x, buffer.get(channel, i), at(1)),
        Interpolation::Cubic => cubic(x, at(-1), buffer.get(channel, i), at(1), at(2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> AudioBuffer {
        let b = AudioBuffer::new(1, 8, 48_000.0).unwrap();
        for i in 0..8 {
            b.set(0, i, (i + 1) as f32);
        }
        b
    }

    fn at(b: &AudioBuffer, p: f64, edge: Edge, interpolation: Interpolation) -> f32 {
        read_sample(b, 0, edge.place(p, b.frames()), edge, interpolation)
    }

    #[test]
    fn ends_wrap_or_hold_as_scsynth_reads_them() {
        let b = ramp();
        // Values scsynth's PlayBuf and BufRd gave for this buffer.
        assert_eq!(at(&b, 0.5, Edge::Hold, Interpolation::Cubic), 1.4375);
        assert_eq!(at(&b, 6.5, Edge::Hold, Interpolation::Cubic), 7.5625);
        assert_eq!(at(&b, 7.5, Edge::Hold, Interpolation::Cubic), 8.0);
        assert_eq!(at(&b, -2.0, Edge::Hold, Interpolation::Cubic), 1.0);
        assert_eq!(at(&b, 0.5, Edge::Wrap, Interpolation::Cubic), 1.0);
        assert_eq!(at(&b, 6.5, Edge::Wrap, Interpolation::Cubic), 8.0);
        assert_eq!(at(&b, 7.5, Edge::Wrap, Interpolation::Cubic), 4.5);
        assert_eq!(at(&b, -1.5, Edge::Wrap, Interpolation::Cubic), 8.0);
        assert_eq!(at(&b, 7.5, Edge::Hold, Interpolation::Linear), 8.0);
        assert_eq!(at(&b, 7.5, Edge::Wrap, Interpolation::Linear), 4.5);
        assert_eq!(at(&b, 3.9, Edge::Wrap, Interpolation::None), 4.0);
        assert_eq!(at(&b, 16.0, Edge::Wrap, Interpolation::None), 1.0);
    }

    #[test]
    fn inputs_map_as_scsynth_maps_them() {
        assert_eq!(Edge::of_loop(0.5), Edge::Hold);
        assert_eq!(Edge::of_loop(-1.0), Edge::Wrap);
        assert_eq!(Interpolation::of_input(1.0), Interpolation::None);
        assert_eq!(Interpolation::of_input(2.0), Interpolation::Linear);
        assert_eq!(Interpolation::of_input(4.0), Interpolation::Cubic);
        assert_eq!(Edge::Wrap.place(f64::NAN, 8), 0.0);
        assert_eq!(Edge::Wrap.place(-1e-300, 8), 0.0);
    }
}
