//! One- and two-pole and -zero filters: `OnePole`, `OneZero`, `TwoPole`, `TwoZero`, and
//! the fixed `LPZ1`, `LPZ2`, `HPZ1`, `HPZ2`.
//!
//! How each starts and how its coefficients move was measured against scsynth's output:
//! `OnePole`, `TwoPole` and `TwoZero` run their first frame once when the Synth starts (so
//! the first block starts one frame in); `OneZero` and the `LPZ`/`HPZ` filters take the
//! first frame as every earlier input.

use std::f64::consts::TAU;

use oscine_plugin_api::{Registrar, UGenTable};

use super::filter::{Filter, Glide, Recurrence};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("OnePole", Filter::<OnePole>::default()));
    registrar.register_ugen(UGenTable::new("OneZero", Filter::<OneZero>::default()));
    registrar.register_ugen(UGenTable::new("TwoPole", Filter::<TwoPole>::default()));
    registrar.register_ugen(UGenTable::new("TwoZero", Filter::<TwoZero>::default()));
    registrar.register_ugen(UGenTable::new("LPZ1", Filter::<Lpz1>::default()));
    registrar.register_ugen(UGenTable::new("HPZ1", Filter::<Hpz1>::default()));
    registrar.register_ugen(UGenTable::new("LPZ2", Filter::<Lpz2>::default()));
    registrar.register_ugen(UGenTable::new("HPZ2", Filter::<Hpz2>::default()));
}

/// Runs the first frame from a zero state: the started state and the first output.
fn first_frame<R: Recurrence<State: Default>>(x0: f64, coefs: &[f64; 4]) -> (R::State, f64) {
    let mut state = R::State::default();
    let out = R::tick(coefs, x0, &mut state);
    (state, out)
}

/// `OnePole(in, coef)`: `y = (1 - |coef|)·x + coef·y1`. An audio-rate `coef` is read
/// every frame, and then (as scsynth does) without the absolute value: `y = (1 - coef)·x
/// + coef·y1`.
pub(crate) struct OnePole;
impl Recurrence for OnePole {
    const CONTROLS: usize = 1;
    const AUDIO_CONTROLS: bool = true;
    type State = f64;
    fn glide(_: bool) -> Glide {
        Glide::FromOld
    }
    /// `[coef, 0]`: the input's weight is `1 - |coef|`.
    fn coefs(c: [f32; 4], _: f64) -> [f64; 4] {
        [f64::from(c[0]), 0.0, 0.0, 0.0]
    }
    /// `[coef, 1]`: the input's weight is `1 - coef`.
    fn frame_coefs(c: [f32; 4], _: f64) -> [f64; 4] {
        [f64::from(c[0]), 1.0, 0.0, 0.0]
    }
    fn start(x0: f64, coefs: &[f64; 4]) -> (f64, f64) {
        first_frame::<Self>(x0, coefs)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y1: &mut f64) -> f64 {
        let weight = if c[1] == 0.0 { 1.0 - c[0].abs() } else { 1.0 - c[0] };
        *y1 = weight * x + c[0] * *y1;
        *y1
    }
}

/// `OneZero(in, coef)`: `y = (1 - |coef|)·x + coef·x1`.
pub(crate) struct OneZero;
impl Recurrence for OneZero {
    const CONTROLS: usize = 1;
    type State = f64;
    fn glide(_: bool) -> Glide {
        Glide::FromOld
    }
    fn coefs(c: [f32; 4], _: f64) -> [f64; 4] {
        [f64::from(c[0]), 0.0, 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> (f64, f64) {
        // The first frame is taken as the one before it; scsynth's first output is the
        // input itself.
        (x0, x0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, x1: &mut f64) -> f64 {
        let y = (1.0 - c[0].abs()) * x + c[0] * *x1;
        *x1 = x;
        y
    }
}

/// The two-pole and two-zero filters' coefficients: `2·r·cos(2π·freq / rate)`, `r²`.
fn pole_pair(c: [f32; 4], steps: f64) -> [f64; 4] {
    let (freq, radius) = (f64::from(c[0]), f64::from(c[1]));
    [2.0 * radius * (TAU * freq / steps).cos(), radius * radius, 0.0, 0.0]
}

/// The two-pole and two-zero filters ramp in thirds at audio rate and take new
/// coefficients one block late at control rate.
fn pole_pair_glide(audio: bool) -> Glide {
    if audio {
        Glide::Thirds
    } else {
        Glide::FromOld
    }
}

/// `TwoPole(in, freq, radius)`: `y = x + 2·r·cos(w)·y1 - r²·y2`.
pub(crate) struct TwoPole;
impl Recurrence for TwoPole {
    const CONTROLS: usize = 2;
    type State = [f64; 2];
    fn glide(audio: bool) -> Glide {
        pole_pair_glide(audio)
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        pole_pair(c, steps)
    }
    fn start(x0: f64, coefs: &[f64; 4]) -> ([f64; 2], f64) {
        first_frame::<Self>(x0, coefs)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y: &mut [f64; 2]) -> f64 {
        let y0 = x + c[0] * y[0] - c[1] * y[1];
        *y = [y0, y[0]];
        y0
    }
}

/// `TwoZero(in, freq, radius)`: `y = x - 2·r·cos(w)·x1 + r²·x2`.
pub(crate) struct TwoZero;
impl Recurrence for TwoZero {
    const CONTROLS: usize = 2;
    type State = [f64; 2];
    fn glide(audio: bool) -> Glide {
        pole_pair_glide(audio)
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        pole_pair(c, steps)
    }
    fn start(x0: f64, coefs: &[f64; 4]) -> ([f64; 2], f64) {
        first_frame::<Self>(x0, coefs)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, xs: &mut [f64; 2]) -> f64 {
        let y = x - c[0] * xs[0] + c[1] * xs[1];
        *xs = [x, xs[0]];
        y
    }
}

/// A fixed FIR filter of the last three inputs, `y = f(x, x1, x2)`, started with every
/// earlier input at the first one.
macro_rules! fir {
    ($name:ident, $doc:literal, |$x:ident, $x1:ident, $x2:ident| $y:expr) => {
        #[doc = $doc]
        pub(crate) struct $name;
        impl Recurrence for $name {
            const CONTROLS: usize = 0;
            type State = [f64; 2];
            fn glide(_: bool) -> Glide {
                Glide::ToNew
            }
            fn coefs(_: [f32; 4], _: f64) -> [f64; 4] {
                [0.0; 4]
            }
            fn start(x0: f64, coefs: &[f64; 4]) -> ([f64; 2], f64) {
                let mut state = [x0, x0];
                let out = Self::tick(coefs, x0, &mut state);
                ([x0, x0], out)
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn tick(_: &[f64; 4], $x: f64, xs: &mut [f64; 2]) -> f64 {
                let [$x1, $x2] = *xs;
                *xs = [$x, $x1];
                $y
            }
        }
    };
}

fir!(Lpz1, "`LPZ1(in)`: `0.5·(x + x1)`.", |x, x1, x2| 0.5 * (x + x1));
fir!(Hpz1, "`HPZ1(in)`: `0.5·(x - x1)`.", |x, x1, x2| 0.5 * (x - x1));
fir!(Lpz2, "`LPZ2(in)`: `0.25·(x + 2·x1 + x2)`.", |x, x1, x2| 0.25 * (x + 2.0 * x1 + x2));
fir!(Hpz2, "`HPZ2(in)`: `0.25·(x - 2·x1 + x2)`.", |x, x1, x2| 0.25 * (x - 2.0 * x1 + x2));
