//! Leaky integrators: `LeakDC` (a DC blocker), `Integrator`, `Decay` and `Decay2`
//! (exponential decays of their input, as for turning impulses into envelopes).
//!
//! How each starts and how its coefficient moves was measured against scsynth's output:
//! when the coefficient (or time) changes, it moves linearly across the call from the old
//! value at the first frame (`LeakDC` at control rate takes the new one at once, the
//! others the next block).

use oscine_plugin_api::{Registrar, UGenTable};

use super::filter::{Filter, Glide, Recurrence};
use super::lag::decay_pole;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("LeakDC", Filter::<LeakDc>::default()));
    registrar.register_ugen(UGenTable::new("Integrator", Filter::<Integrator>::default()));
    registrar.register_ugen(UGenTable::new("Decay", Filter::<Decay>::default()));
    registrar.register_ugen(UGenTable::new("Decay2", Filter::<Decay2>::default()));
}

/// `LeakDC(in, coef)`: `y = x - x1 + coef·y1`, started with the first input as the one
/// before it (so a constant input gives 0 from the start).
pub(crate) struct LeakDc;
impl Recurrence for LeakDc {
    const CONTROLS: usize = 1;
    type State = [f64; 2];
    fn glide(audio: bool) -> Glide {
        if audio {
            Glide::FromOld
        } else {
            Glide::ToNew
        }
    }
    fn coefs(c: [f32; 4], _: f64) -> [f64; 4] {
        [f64::from(c[0]), 0.0, 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> ([f64; 2], f64) {
        ([x0, 0.0], 0.0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, s: &mut [f64; 2]) -> f64 {
        let y = x - s[0] + c[0] * s[1];
        *s = [x, y];
        y
    }
}

/// `Integrator(in, coef)`: `y = x + coef·y1`, from 0.
pub(crate) struct Integrator;
impl Recurrence for Integrator {
    const CONTROLS: usize = 1;
    type State = f64;
    fn glide(_: bool) -> Glide {
        Glide::FromOld
    }
    fn coefs(c: [f32; 4], _: f64) -> [f64; 4] {
        [f64::from(c[0]), 0.0, 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> (f64, f64) {
        (0.0, x0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y1: &mut f64) -> f64 {
        *y1 = x + c[0] * *y1;
        *y1
    }
}

/// `Decay(in, decayTime)`: `y = x + b·y1`, `b` a 60 dB decay in `decayTime`. The first
/// frame runs once when the Synth starts.
pub(crate) struct Decay;
impl Recurrence for Decay {
    const CONTROLS: usize = 1;
    type State = f64;
    fn glide(_: bool) -> Glide {
        Glide::FromOld
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        [decay_pole(c[0], steps), 0.0, 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> (f64, f64) {
        (x0, x0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y1: &mut f64) -> f64 {
        *y1 = x + c[0] * *y1;
        *y1
    }
}

/// `Decay2(in, attackTime, decayTime)`: a decay of `decayTime` minus one of `attackTime`,
/// so each impulse rises in about the attack time and falls in the decay time.
pub(crate) struct Decay2;
impl Recurrence for Decay2 {
    const CONTROLS: usize = 2;
    /// The attack's decay and the decay's.
    type State = [f64; 2];
    fn glide(_: bool) -> Glide {
        Glide::FromOld
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        [decay_pole(c[0], steps), decay_pole(c[1], steps), 0.0, 0.0]
    }
    fn start(x0: f64, _: &[f64; 4]) -> ([f64; 2], f64) {
        ([x0, x0], 0.0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, s: &mut [f64; 2]) -> f64 {
        s[0] = x + c[0] * s[0];
        s[1] = x + c[1] * s[1];
        s[1] - s[0]
    }
}
