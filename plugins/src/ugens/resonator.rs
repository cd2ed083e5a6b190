//! Resonators: `Resonz` (a band-pass of constant gain at its centre, its bandwidth a
//! ratio of the frequency), `Ringz` (ringing for a 60 dB decay time) and `Formlet` (a
//! `Ringz` of the decay time minus one of the attack time, for formant-like grains).
//!
//! Each is a two-pole resonator with zeros at 0 and Nyquist, `y0 = x + b1·y1 + b2·y2`,
//! out `a0·(y0 - y2)`, its poles at radius `R` and angle `freq`: `b1 = 2R·cos θ'` with
//! `cos θ' = 2R·cos(w) / (1 + R²)`, `b2 = -R²`. All run their first frame once when the
//! Synth starts. At audio rate their coefficients ramp in thirds across a block when a
//! control changes; at control rate `Resonz` and `Ringz` take new ones a block late,
//! `Formlet` at once (all as measured from scsynth).

use std::f64::consts::TAU;

use oscine_plugin_api::{Registrar, UGenTable};

use super::filter::{run_two_poles, Filter, Glide, Recurrence};
use super::lag::decay_pole;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Resonz", Filter::<Resonz>::default()));
    registrar.register_ugen(UGenTable::new("Ringz", Filter::<Ringz>::default()));
    registrar.register_ugen(UGenTable::new("Formlet", Filter::<Formlet>::default()));
}

/// `b1` and `b2` of poles at radius `r` for a frequency of `w` radians per sample.
fn poles(w: f64, r: f64) -> (f64, f64) {
    let two_r = 2.0 * r;
    let r2 = r * r;
    (two_r * (two_r * w.cos()) / (1.0 + r2), -r2)
}

/// One resonator step over `y = [y1, y2]`: the output before scaling, `y0 - y2`.
#[inline(always)]
fn resonate(x: f64, b1: f64, b2: f64, y: &mut [f64; 2]) -> f64 {
    let y0 = x + b1 * y[0] + b2 * y[1];
    let out = y0 - y[1];
    *y = [y0, y[0]];
    out
}

fn resonator_glide(audio: bool) -> Glide {
    if audio {
        Glide::Thirds
    } else {
        Glide::FromOld
    }
}

/// `Resonz(in, freq, bwr)`: `R = 1 - w·bwr / 2`, `a0 = (1 - R²) / 2`.
pub(crate) struct Resonz;
impl Recurrence for Resonz {
    const CONTROLS: usize = 2;
    type State = [f64; 2];
    fn glide(audio: bool) -> Glide {
        resonator_glide(audio)
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        let w = f64::from(c[0]) * TAU / steps;
        let r = 1.0 - w * f64::from(c[1]) * 0.5;
        let (b1, b2) = poles(w, r);
        [(1.0 - r * r) * 0.5, b1, b2, 0.0]
    }
    fn start(x0: f64, c: &[f64; 4]) -> ([f64; 2], f64) {
        let mut y = [0.0; 2];
        Self::tick(c, x0, &mut y);
        // scsynth's Resonz writes 0 when it starts.
        (y, 0.0)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y: &mut [f64; 2]) -> f64 {
        c[0] * resonate(x, c[1], c[2], y)
    }
    #[inline(always)]
    fn run(c: &[f64; 4], input: &[f32], out: &mut [f32], y: &mut [f64; 2]) {
        let a0 = c[0];
        run_two_poles::<Self>(c, (1.0, c[1], c[2]), input, out, y, move |y0, _, y2| a0 * (y0 - y2));
    }
}

/// `Ringz(in, freq, decayTime)`: `R` a 60 dB decay in `decayTime`, `a0 = 1/2`.
pub(crate) struct Ringz;
impl Recurrence for Ringz {
    const CONTROLS: usize = 2;
    type State = [f64; 2];
    fn glide(audio: bool) -> Glide {
        resonator_glide(audio)
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        let (b1, b2) = poles(f64::from(c[0]) * TAU / steps, decay_pole(c[1], steps));
        [b1, b2, 0.0, 0.0]
    }
    fn start(x0: f64, c: &[f64; 4]) -> ([f64; 2], f64) {
        let mut y = [0.0; 2];
        let out = Self::tick(c, x0, &mut y);
        (y, out)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y: &mut [f64; 2]) -> f64 {
        0.5 * resonate(x, c[0], c[1], y)
    }
    #[inline(always)]
    fn run(c: &[f64; 4], input: &[f32], out: &mut [f32], y: &mut [f64; 2]) {
        run_two_poles::<Self>(c, (1.0, c[0], c[1]), input, out, y, |y0, _, y2| 0.5 * (y0 - y2));
    }
}

/// `Formlet(in, freq, attackTime, decayTime)`: `(ring(decay) - ring(attack)) / 4`.
pub(crate) struct Formlet;
impl Recurrence for Formlet {
    const CONTROLS: usize = 3;
    /// The decay's resonator, then the attack's.
    type State = [[f64; 2]; 2];
    fn glide(audio: bool) -> Glide {
        if audio {
            Glide::Thirds
        } else {
            Glide::ToNew
        }
    }
    fn coefs(c: [f32; 4], steps: f64) -> [f64; 4] {
        let w = f64::from(c[0]) * TAU / steps;
        let (b1d, b2d) = poles(w, decay_pole(c[2], steps));
        let (b1a, b2a) = poles(w, decay_pole(c[1], steps));
        [b1d, b2d, b1a, b2a]
    }
    fn start(x0: f64, c: &[f64; 4]) -> ([[f64; 2]; 2], f64) {
        let mut y = [[0.0; 2]; 2];
        let out = Self::tick(c, x0, &mut y);
        (y, out)
    }
    #[inline(always)]
    fn tick(c: &[f64; 4], x: f64, y: &mut [[f64; 2]; 2]) -> f64 {
        let decay = resonate(x, c[0], c[1], &mut y[0]);
        let attack = resonate(x, c[2], c[3], &mut y[1]);
        0.25 * (decay - attack)
    }
}
