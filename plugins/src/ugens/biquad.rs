//! Second-order filters with frequency inputs: `LPF`, `HPF` (Butterworth, by the bilinear
//! transform), `BPF`, `BRF` (bandwidth `rq · freq`), `RLPF`, `RHPF` (resonant, `rq` the
//! reciprocal of Q).
//!
//! Each is `Name.ar/kr(in, freq[, rq])`. The coefficients come from `freq` and `rq` at the
//! call's first frame and move across the call in thirds when they change (see
//! [`super::filter`]); the state is kept in double precision.

use std::f64::consts::{SQRT_2, TAU};
use std::marker::PhantomData;

use oscine_plugin_api::{Registrar, UGenTable};

use super::filter::{run_two_poles, Filter, Glide, Recurrence};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("LPF", Filter::<Biquad<Lpf>>::default()));
    registrar.register_ugen(UGenTable::new("HPF", Filter::<Biquad<Hpf>>::default()));
    registrar.register_ugen(UGenTable::new("BPF", Filter::<Biquad<Bpf>>::default()));
    registrar.register_ugen(UGenTable::new("BRF", Filter::<Biquad<Brf>>::default()));
    registrar.register_ugen(UGenTable::new("RLPF", Filter::<Biquad<Rlpf>>::default()));
    registrar.register_ugen(UGenTable::new("RHPF", Filter::<Biquad<Rhpf>>::default()));
}

/// One filter of the family: its coefficients from `freq` (in radians per sample) and
/// `rq`, and one step of its recurrence.
pub(crate) trait Kind: Send + Sync + 'static {
    /// Control inputs after the signal: 1 (`freq`) or 2 (`freq`, `rq`).
    const CONTROLS: usize;
    /// The coefficients for a frequency of `w` radians per sample and `rq`.
    fn coefs(w: f64, rq: f64) -> [f64; 3];
    /// One frame: the output for input `x`, and the new `y0` that becomes `y1`.
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64);
    /// `(g, p, q)` of the recurrence `tick` computes, `y0 = g·x + p·y1 + q·y2`.
    fn poles(c: &[f64; 3]) -> (f64, f64, f64);
    /// The output of a frame whose recurrence gave `y0`, after `y1` and `y2`: as `tick`'s.
    fn output(c: &[f64; 3], y0: f64, y1: f64, y2: f64) -> f64;
}

/// Butterworth low-pass: `y0 = x + b1·y1 + b2·y2`, out `a0·(y0 + 2·y1 + y2)`.
pub(crate) struct Lpf;
impl Kind for Lpf {
    const CONTROLS: usize = 1;
    fn coefs(w: f64, _: f64) -> [f64; 3] {
        let c = 1.0 / (w * 0.5).tan();
        let (c2, s) = (c * c, SQRT_2 * c);
        let a0 = 1.0 / (1.0 + s + c2);
        [a0, -2.0 * (1.0 - c2) * a0, -(1.0 - s + c2) * a0]
    }
    #[inline(always)]
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64) {
        let y0 = x + c[1] * y1 + c[2] * y2;
        (c[0] * (y0 + 2.0 * y1 + y2), y0)
    }
    fn poles(c: &[f64; 3]) -> (f64, f64, f64) {
        (1.0, c[1], c[2])
    }
    #[inline(always)]
    fn output(c: &[f64; 3], y0: f64, y1: f64, y2: f64) -> f64 {
        c[0] * (y0 + 2.0 * y1 + y2)
    }
}

/// Butterworth high-pass: out `a0·(y0 - 2·y1 + y2)`.
pub(crate) struct Hpf;
impl Kind for Hpf {
    const CONTROLS: usize = 1;
    fn coefs(w: f64, _: f64) -> [f64; 3] {
        let c = (w * 0.5).tan();
        let (c2, s) = (c * c, SQRT_2 * c);
        let a0 = 1.0 / (1.0 + s + c2);
        [a0, 2.0 * (1.0 - c2) * a0, -(1.0 - s + c2) * a0]
    }
    #[inline(always)]
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64) {
        let y0 = x + c[1] * y1 + c[2] * y2;
        (c[0] * (y0 - 2.0 * y1 + y2), y0)
    }
    fn poles(c: &[f64; 3]) -> (f64, f64, f64) {
        (1.0, c[1], c[2])
    }
    #[inline(always)]
    fn output(c: &[f64; 3], y0: f64, y1: f64, y2: f64) -> f64 {
        c[0] * (y0 - 2.0 * y1 + y2)
    }
}

/// Band-pass, unity gain at the centre: out `a0·(y0 - y2)`.
pub(crate) struct Bpf;
impl Kind for Bpf {
    const CONTROLS: usize = 2;
    fn coefs(w: f64, rq: f64) -> [f64; 3] {
        let c = 1.0 / (rq * w * 0.5).tan();
        let d = 2.0 * w.cos();
        let a0 = 1.0 / (1.0 + c);
        [a0, c * d * a0, (1.0 - c) * a0]
    }
    #[inline(always)]
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64) {
        let y0 = x + c[1] * y1 + c[2] * y2;
        (c[0] * (y0 - y2), y0)
    }
    fn poles(c: &[f64; 3]) -> (f64, f64, f64) {
        (1.0, c[1], c[2])
    }
    #[inline(always)]
    fn output(c: &[f64; 3], y0: f64, _y1: f64, y2: f64) -> f64 {
        c[0] * (y0 - y2)
    }
}

/// Band-reject: `y0 = x - b1·y1 - b2·y2`, out `a0·(y0 + y2) + b1·y1`.
pub(crate) struct Brf;
impl Kind for Brf {
    const CONTROLS: usize = 2;
    fn coefs(w: f64, rq: f64) -> [f64; 3] {
        let c = (rq * w * 0.5).tan();
        let d = 2.0 * w.cos();
        let a0 = 1.0 / (1.0 + c);
        [a0, -d * a0, (1.0 - c) * a0]
    }
    #[inline(always)]
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64) {
        let ay = c[1] * y1;
        let y0 = x - ay - c[2] * y2;
        (c[0] * (y0 + y2) + ay, y0)
    }
    fn poles(c: &[f64; 3]) -> (f64, f64, f64) {
        (1.0, -c[1], -c[2])
    }
    #[inline(always)]
    fn output(c: &[f64; 3], y0: f64, y1: f64, y2: f64) -> f64 {
        c[0] * (y0 + y2) + c[1] * y1
    }
}

/// The resonant filters' poles: `rq` at least 0.001.
fn resonant(w: f64, rq: f64) -> (f64, f64) {
    let d = (w * rq.max(0.001) * 0.5).tan();
    let c = (1.0 - d) / (1.0 + d);
    ((1.0 + c) * w.cos(), c)
}

/// Resonant low-pass: `y0 = a0·x + b1·y1 + b2·y2`, out `y0 + 2·y1 + y2`.
pub(crate) struct Rlpf;
impl Kind for Rlpf {
    const CONTROLS: usize = 2;
    fn coefs(w: f64, rq: f64) -> [f64; 3] {
        let (b1, c) = resonant(w, rq);
        [(1.0 + c - b1) * 0.25, b1, -c]
    }
    #[inline(always)]
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64) {
        let y0 = c[0] * x + c[1] * y1 + c[2] * y2;
        (y0 + 2.0 * y1 + y2, y0)
    }
    fn poles(c: &[f64; 3]) -> (f64, f64, f64) {
        (c[0], c[1], c[2])
    }
    #[inline(always)]
    fn output(_: &[f64; 3], y0: f64, y1: f64, y2: f64) -> f64 {
        y0 + 2.0 * y1 + y2
    }
}

/// Resonant high-pass: out `y0 - 2·y1 + y2`.
pub(crate) struct Rhpf;
impl Kind for Rhpf {
    const CONTROLS: usize = 2;
    fn coefs(w: f64, rq: f64) -> [f64; 3] {
        let (b1, c) = resonant(w, rq);
        [(1.0 + c + b1) * 0.25, b1, -c]
    }
    #[inline(always)]
    fn tick(c: &[f64; 3], x: f64, y1: f64, y2: f64) -> (f64, f64) {
        let y0 = c[0] * x + c[1] * y1 + c[2] * y2;
        (y0 - 2.0 * y1 + y2, y0)
    }
    fn poles(c: &[f64; 3]) -> (f64, f64, f64) {
        (c[0], c[1], c[2])
    }
    #[inline(always)]
    fn output(_: &[f64; 3], y0: f64, y1: f64, y2: f64) -> f64 {
        y0 - 2.0 * y1 + y2
    }
}

/// The [`Recurrence`] of one [`Kind`]: coefficients in thirds across a block at audio
/// rate, new ones at once at control rate, the first frame run once when the Synth starts.
pub(crate) struct Biquad<K>(PhantomData<fn() -> K>);

impl<K: Kind> Recurrence for Biquad<K> {
    const CONTROLS: usize = K::CONTROLS;
    /// `[y1, y2]`.
    type State = [f64; 2];
    fn glide(audio: bool) -> Glide {
        if audio {
            Glide::Thirds
        } else {
            Glide::ToNew
        }
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        let [a0, b1, b2] = K::coefs(f64::from(c[0]) * TAU / steps, f64::from(c[1]));
        [a0, b1, b2, 0.0]
    }
    fn start(x0: f64, c: &[f64; 4]) -> ([f64; 2], f64) {
        let mut y = [0.0; 2];
        let out = Self::tick(c, x0, &mut y);
        (y, out)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y: &mut [f64; 2]) -> f64 {
        let (out, y0) = K::tick(&[c[0], c[1], c[2]], x, y[0], y[1]);
        *y = [y0, y[0]];
        out
    }
    #[inline(always)]
    fn run(c: &[f64; 4], input: &[f32], out: &mut [f32], y: &mut [f64; 2]) {
        let c3 = [c[0], c[1], c[2]];
        run_two_poles::<Self>(c, K::poles(&c3), input, out, y, |y0, y1, y2| K::output(&c3, y0, y1, y2));
    }
}
