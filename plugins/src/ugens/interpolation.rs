//! Interpolation between table points, as scsynth's readers interpolate: linear, and the
//! 4-point Hermite (Catmull-Rom) curve through `y1` and `y2` with `y0` and `y3` as the
//! neighbours.
//!
//! Context: RT.

/// 4-point Hermite interpolation between `y1` (at 0) and `y2` (at 1).
#[inline(always)]
pub(super) fn cubic(x: f32, y0: f32, y1: f32, y2: f32, y3: f32) -> f32 {
    let c0 = y1;
    let c1 = 0.5 * (y2 - y0);
    let c2 = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
    let c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
    ((c3 * x + c2) * x + c1) * x + c0
}

/// Linear interpolation from `a` (at 0) to `b` (at 1).
#[inline(always)]
pub(super) fn linear(x: f32, a: f32, b: f32) -> f32 {
    a + x * (b - a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_pass_through_their_points() {
        assert_eq!(cubic(0.0, 9.0, 1.0, 2.0, -9.0), 1.0);
        assert_eq!(cubic(1.0, 0.0, 1.0, 2.0, 3.0), 2.0);
        // A straight line stays straight.
        assert_eq!(cubic(0.5, 1.0, 2.0, 3.0, 4.0), 2.5);
        // scsynth's PlayBuf, half-way from the first frame with the first repeated.
        assert_eq!(cubic(0.5, 1.0, 1.0, 2.0, 3.0), 1.4375);
        assert_eq!(linear(0.25, 1.0, 2.0), 1.25);
    }
}
