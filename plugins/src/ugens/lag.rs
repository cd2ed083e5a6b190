//! Exponential smoothing: `Lag`, `Lag2`, `Lag3` (one, two and three one-pole stages in
//! series) and `LagUD` (different times up and down).
//!
//! A lag time `t` is the time to reach within 60 dB of a step: each stage is
//! `y = x + b·(y1 - x)` with `b = exp(ln 0.001 / (t · rate))` (0 for `t = 0`). Every stage
//! starts at the first input frame, so a Synth's lag starts where its input does. When
//! the time changes, `b` moves to its new value across the call, reaching it at the last
//! frame (as measured from scsynth; a control-rate lag takes it at once).

use oscine_plugin_api::{Registrar, UGenTable};

use super::filter::{Filter, Glide, Recurrence};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Lag", Filter::<Lag<1>>::default()));
    registrar.register_ugen(UGenTable::new("Lag2", Filter::<Lag<2>>::default()));
    registrar.register_ugen(UGenTable::new("Lag3", Filter::<Lag<3>>::default()));
    registrar.register_ugen(UGenTable::new("LagUD", Filter::<LagUd>::default()));
}

/// The pole of a 60 dB decay in `seconds` at `steps` frames per second: 0 for no time.
pub(crate) fn decay_pole(seconds: f32, steps: f64) -> f64 {
    if seconds == 0.0 {
        0.0
    } else {
        (0.001f64.ln() / (f64::from(seconds) * steps)).exp()
    }
}

/// `Lag(in, lagTime)` with `S` stages in series (`Lag2`, `Lag3`).
pub(crate) struct Lag<const S: usize>;
impl<const S: usize> Recurrence for Lag<S> {
    const CONTROLS: usize = 1;
    type State = [f64; S];
    fn glide(_: bool) -> Glide {
        Glide::ToNew
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        [decay_pole(c[0], steps), 0.0, 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> ([f64; S], f64) {
        ([x0; S], x0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y: &mut [f64; S]) -> f64 {
        let mut v = x;
        for stage in y.iter_mut() {
            v += c[0] * (*stage - v);
            *stage = v;
        }
        v
    }
}

/// `LagUD(in, lagTimeU, lagTimeD)`: the up time while the input is above the output, the
/// down time otherwise.
pub(crate) struct LagUd;
impl Recurrence for LagUd {
    const CONTROLS: usize = 2;
    type State = f64;
    fn glide(_: bool) -> Glide {
        Glide::ToNew
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        [decay_pole(c[0], steps), decay_pole(c[1], steps), 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> (f64, f64) {
        (x0, x0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y1: &mut f64) -> f64 {
        let b = if x > *y1 { c[0] } else { c[1] };
        *y1 = x + b * (*y1 - x);
        *y1
    }
}
