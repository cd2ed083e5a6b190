//! Second-order filters with frequency inputs: `LPF`, `HPF` (Butterworth, by the bilinear
//! transform), `BPF`, `BRF` (bandwidth `rq · freq`), `RLPF`, `RHPF` (resonant, `rq` the
//! reciprocal of Q).
//!
//! Each is `Name.ar/kr(in, freq[, rq])`. The coefficients come from `freq` and `rq` at the
//! call's first frame and move across the call when they change (see [`super::filter`]);
//! the state is kept in double precision.

use std::f64::consts::{SQRT_2, TAU};
use std::marker::PhantomData;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::filter::{at, ramp, Controls};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("LPF", Biquad::<Lpf>::default()));
    registrar.register_ugen(UGenTable::new("HPF", Biquad::<Hpf>::default()));
    registrar.register_ugen(UGenTable::new("BPF", Biquad::<Bpf>::default()));
    registrar.register_ugen(UGenTable::new("BRF", Biquad::<Brf>::default()));
    registrar.register_ugen(UGenTable::new("RLPF", Biquad::<Rlpf>::default()));
    registrar.register_ugen(UGenTable::new("RHPF", Biquad::<Rhpf>::default()));
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
}

/// The UGen of one [`Kind`].
pub(crate) struct Biquad<K>(PhantomData<fn() -> K>);

impl<K> Default for Biquad<K> {
    fn default() -> Self {
        Biquad(PhantomData)
    }
}

pub(crate) struct BiquadUnit<K> {
    /// Radians per sample for 1 Hz at the unit's rate.
    radians: f64,
    controls: Controls<2>,
    coefs: [f64; 3],
    y1: f64,
    y2: f64,
    kind: PhantomData<fn() -> K>,
}

impl<K: Kind> UGen for Biquad<K> {
    type Unit = BiquadUnit<K>;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<BiquadUnit<K>, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 1 + K::CONTROLS, 1 + K::CONTROLS)?;
        expect_outputs(spec, 1)?;
        let steps = if spec.rate == Rate::Audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        Ok(BiquadUnit {
            radians: TAU / steps,
            controls: Controls([0.0; 2]),
            coefs: [0.0; 3],
            y1: 0.0,
            y2: 0.0,
            kind: PhantomData,
        })
    }
}

impl<K: Kind> BiquadUnit<K> {
    fn controls(io: &UnitIo<'_, '_>) -> Controls<2> {
        let rq = if K::CONTROLS > 1 { io.in0(2) } else { 0.0 };
        Controls([io.in0(1), rq])
    }

    fn coefs(&self, controls: Controls<2>) -> [f64; 3] {
        K::coefs(f64::from(controls.0[0]) * self.radians, f64::from(controls.0[1]))
    }
}

impl<K: Kind> Unit for BiquadUnit<K> {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.controls = Self::controls(io);
        self.coefs = self.coefs(self.controls);
        // As in scsynth, the first frame runs through the filter here and again in the
        // first block: the state starts one frame in.
        let (out, y0) = K::tick(&self.coefs, f64::from(io.in0(0)), 0.0, 0.0);
        self.y1 = y0;
        io.output(0)[0] = out as f32;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let input = io.input(0);
        let controls = Self::controls(io);
        let (mut y1, mut y2) = (self.y1, self.y2);
        let out = io.output(0);
        let frames = out.len();
        let mut tick = |i: usize, c: &[f64; 3]| {
            let (o, y0) = K::tick(c, f64::from(at(input, i)), y1, y2);
            out[i] = o as f32;
            y2 = y1;
            y1 = y0;
        };
        if controls != self.controls {
            self.controls = controls;
            let new = self.coefs(controls);
            ramp(&mut self.coefs, new, frames, tick);
        } else {
            let c = self.coefs;
            for i in 0..frames {
                tick(i, &c);
            }
        }
        self.y1 = y1;
        self.y2 = y2;
    }
}
