//! Smoothing for a CC mapping: a control glides in a straight line to each new value over
//! a fixed time, in steps the network thread sends as timed `/node/set`s.
//!
//! Context: NRT (the network thread; arithmetic on timetags).

use crate::engine::Timetag;

/// How far apart the steps of a glide are, in seconds: about a block at 48 kHz with the
/// dummy driver's periods, and the network thread's timer's resolution twice over.
pub const GLIDE_STEP: f64 = 0.002;

/// A control on its way from one value to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Glide {
    from: f32,
    to: f32,
    start: f64,
    seconds: f64,
}

impl Glide {
    /// A glide from `from` to `to` starting at `start` and taking `seconds`.
    pub fn new(from: f32, to: f32, start: Timetag, seconds: f64) -> Glide {
        Glide { from, to, start: start.seconds(), seconds }
    }

    /// The value at `at` (the start value before the start, the end value after the end).
    pub fn value(&self, at: Timetag) -> f32 {
        let x = ((at.seconds() - self.start) / self.seconds).clamp(0.0, 1.0);
        self.from + (self.to - self.from) * x as f32
    }

    /// Whether the glide has reached its end value at `at`.
    pub fn done(&self, at: Timetag) -> bool {
        at.seconds() >= self.start + self.seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glide_moves_in_a_straight_line_and_holds_its_ends() {
        let glide = Glide::new(0.0, 1.0, Timetag::from_seconds(10.0), 0.5);
        assert_eq!(glide.value(Timetag::from_seconds(9.0)), 0.0);
        assert!((glide.value(Timetag::from_seconds(10.25)) - 0.5).abs() < 1e-6);
        assert!(!glide.done(Timetag::from_seconds(10.4)));
        assert!(glide.done(Timetag::from_seconds(10.5)));
        assert_eq!(glide.value(Timetag::from_seconds(11.0)), 1.0);
    }
}
