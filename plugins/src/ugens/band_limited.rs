//! The band-limited oscillators: `Blip`, `Saw` and `Pulse`.
//!
//! All three are built on a band-limited impulse train: `N` cosine harmonics of the
//! fundamental summed in closed form, `(sin((2N + 1)·θ/2) / sin(θ/2) − 1) / 2N`, which is
//! 1 at each peak. `N` is the harmonics that fit below Nyquist (and, for `Blip`, at most
//! `numharm`). `Saw` integrates the train with a leak of 0.999 per sample; `Pulse`
//! integrates the difference of two trains, the second shifted by `width` of a cycle.
//!
//! Matching scsynth means computing the train as it does, which its output shows:
//! - The half angle is a fixed-point phase: 2²⁹ units a turn of a table of 8192 points,
//!   16 bits of them the fraction between two points; its step is `freq · 2²⁸ / rate`,
//!   truncated.
//! - `sin` is read from a sine table and `1 / sin` from a cosecant table, each linearly
//!   interpolated in `f32`; within 8 points of a zero of the sine the cosecant is not
//!   used, and the sine divides instead (and a divisor below 0.0005 gives the peak, 1).
//! - `freq`, `numharm` and `width` are read once per block. When `N` changes, the block
//!   crossfades linearly from the train with the old `N` to the one with the new; when
//!   `N` grows, that block also keeps the last block's frequency (the new one is taken a
//!   block later). When the width changes, `Pulse`'s shift moves across the block from
//!   the old one (0 when the Synth starts) to the new.
//! - Not matched yet: `Blip` whose harmonics are capped by Nyquist (`numharm` above
//!   `rate / 2·freq`) while its frequency falls; scsynth then takes the new frequency
//!   later than the rule above says, and the phase drifts from Oscine's.
//! - `Saw`'s integrator starts at -0.46, `Pulse`'s at 0. The first value, computed when
//!   the Synth starts, is also the first frame played: nothing steps past it.
//!
//! Renders agree with scsynth's within a few `f32` roundings (`Blip` 1e-7, `Saw` and
//! `Pulse` 3e-6 after 0.1 s, their integrators carrying the roundings along).
//!
//! Context: `build` NRT (it makes the tables once); `init` and `next` RT.

use std::sync::OnceLock;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{scale_by, Held};
use super::{expect_inputs, expect_outputs, expect_rate};
use crate::memo::Memo;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Blip", Train(Kind::Blip)).with_output_scale());
    registrar.register_ugen(UGenTable::new("Saw", Train(Kind::Saw)).with_output_scale());
    registrar.register_ugen(UGenTable::new("Pulse", Train(Kind::Pulse)).with_output_scale());
}

/// Points in a turn of the tables.
const TABLE: usize = 8192;
/// Phase units in a turn of the tables: 13 bits of point, 16 of fraction.
const TURN: u32 = 1 << 29;
/// Points on either side of a zero of the sine where the cosecant is not used.
const NEAR_ZERO: usize = 8;

/// The sine and cosecant tables, one point more than a turn so that interpolation never
/// wraps.
pub(crate) struct Tables {
    /// `sin(2π i / 8192)` for `i` in `0..=8192`, in `f32` (`SinOsc`'s points).
    pub(crate) sine: &'static [f32; TABLE + 1],
    cosecant: Box<[f32; TABLE + 1]>,
}

pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let sine = super::sine::sine_points();
        // The reciprocal of the `f32` sine, in `f32`, as scsynth's renders show.
        let cosecant = Box::new(sine.map(|s| 1.0 / s));
        Tables { sine, cosecant }
    })
}

/// `table` at `phase`, linearly interpolated in `f32`.
#[inline(always)]
fn lookup(table: &[f32], phase: u32) -> f32 {
    let phase = phase & (TURN - 1);
    let i = (phase >> 16) as usize;
    let frac = (phase & 0xffff) as f32 * (1.0 / 65536.0);
    let (a, b) = (table[i], table[i + 1]);
    a + (b - a) * frac
}

/// The harmonics of a train: their count `n`, `2n + 1` (the numerator's multiple of the
/// half angle) and the scale `1 / 2n`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Harmonics {
    n: u32,
    multiple: u32,
    scale: f32,
}

impl Harmonics {
    fn new(n: u32) -> Harmonics {
        let n = n.max(1);
        Harmonics { n, multiple: 2 * n + 1, scale: (0.5 / f64::from(n)) as f32 }
    }

    /// The train's value at half angle `phase`.
    #[inline(always)]
    fn at(&self, tables: &Tables, phase: u32) -> f32 {
        let numerator = lookup(tables.sine, phase.wrapping_mul(self.multiple));
        if near_zero(phase) {
            let denominator = lookup(tables.sine, phase);
            if denominator.abs() < 0.0005 {
                1.0
            } else {
                (numerator / denominator - 1.0) * self.scale
            }
        } else {
            (numerator * lookup(&*tables.cosecant, phase) - 1.0) * self.scale
        }
    }

    /// [`at`](Self::at) for the four half angles `phase`, `phase + step`, `phase + 2 step`
    /// and `phase + 3 step` (SSE2, in x86-64's baseline), or `None` if one of them is near
    /// a zero of the sine. Each value is `at`'s to the bit: the same integer steps and the
    /// same `f32` operations in the same order.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn at_four(&self, tables: &Tables, phase: u32, step: u32) -> Option<[f32; 4]> {
        use std::arch::x86_64::*;
        let lanes = four_phases(phase, step);
        let m = self.multiple;
        let multiples = [lanes[0].wrapping_mul(m), lanes[1].wrapping_mul(m), lanes[2].wrapping_mul(m), {
            lanes[3].wrapping_mul(m)
        }];
        let (sine, cosecant) = (tables.sine, &*tables.cosecant);
        // The points `a` and `b` around `phase` in `table`, side by side.
        let points = |table: &[f32; TABLE + 1], phase: u32| {
            let i = ((phase & (TURN - 1)) >> 16) as usize;
            table[i..][..2].as_ptr() as *const f64
        };
        // SAFETY: SSE2 is always there on x86-64; each load reads two `f32`s of a table
        // (8 bytes, unaligned).
        unsafe {
            let phases = _mm_loadu_si128(lanes.as_ptr() as *const __m128i);
            // `near_zero` for each lane: the point within a half turn is within
            // `NEAR_ZERO` of either end, i.e. `(point + NEAR_ZERO + 1) mod TABLE / 2` is
            // below `2 NEAR_ZERO + 2`.
            let half = _mm_set1_epi32(TABLE as i32 / 2 - 1);
            let point = _mm_and_si128(_mm_srli_epi32::<16>(phases), half);
            let shifted = _mm_and_si128(_mm_add_epi32(point, _mm_set1_epi32(NEAR_ZERO as i32 + 1)), half);
            let near = _mm_cmplt_epi32(shifted, _mm_set1_epi32(2 * NEAR_ZERO as i32 + 2));
            if _mm_movemask_epi8(near) != 0 {
                return None;
            }
            let interpolate = |table: &[f32; TABLE + 1], p: &[u32; 4], v: __m128i| {
                let x = _mm_castpd_ps(_mm_loadh_pd(_mm_load_sd(points(table, p[0])), points(table, p[1])));
                let y = _mm_castpd_ps(_mm_loadh_pd(_mm_load_sd(points(table, p[2])), points(table, p[3])));
                let (a, b) = (_mm_shuffle_ps::<0b10_00_10_00>(x, y), _mm_shuffle_ps::<0b11_01_11_01>(x, y));
                let fraction = _mm_cvtepi32_ps(_mm_and_si128(v, _mm_set1_epi32(0xffff)));
                let frac = _mm_mul_ps(fraction, _mm_set1_ps(1.0 / 65536.0));
                _mm_add_ps(a, _mm_mul_ps(_mm_sub_ps(b, a), frac))
            };
            let numerator = interpolate(sine, &multiples, _mm_loadu_si128(multiples.as_ptr() as *const __m128i));
            let cosecant = interpolate(cosecant, &lanes, phases);
            let z = _mm_mul_ps(_mm_sub_ps(_mm_mul_ps(numerator, cosecant), _mm_set1_ps(1.0)), _mm_set1_ps(self.scale));
            let mut values = [0.0; 4];
            _mm_storeu_ps(values.as_mut_ptr(), z);
            Some(values)
        }
    }
}

/// `phase`, `phase + step`, `phase + 2 step` and `phase + 3 step`, wrapping.
#[inline(always)]
fn four_phases(phase: u32, step: u32) -> [u32; 4] {
    [
        phase,
        phase.wrapping_add(step),
        phase.wrapping_add(step.wrapping_mul(2)),
        phase.wrapping_add(step.wrapping_mul(3)),
    ]
}

/// Whether half angle `phase` is within `NEAR_ZERO` points of a zero of the sine, where
/// the train divides by the sine rather than multiplying by the cosecant.
#[inline(always)]
fn near_zero(phase: u32) -> bool {
    let point = ((phase & (TURN - 1)) >> 16) as usize % (TABLE / 2);
    point <= NEAR_ZERO || point >= TABLE / 2 - NEAR_ZERO - 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Blip.ar(freq, numharm)`.
    Blip,
    /// `Saw.ar(freq)`.
    Saw,
    /// `Pulse.ar(freq, width)`.
    Pulse,
}

struct Train(Kind);

struct TrainUnit {
    kind: Kind,
    tables: &'static Tables,
    /// The half angle.
    phase: u32,
    /// The phase step of the last block.
    last_step: u32,
    harmonics: Harmonics,
    /// Pulse's shift of the second train, in phase units.
    shift: i32,
    /// The integrator (Saw and Pulse).
    y: f32,
    /// Phase units per Hz per frame.
    units_per_hz: f64,
    /// Half the rate of the unit: Nyquist for its frames.
    nyquist: f64,
    /// Where the ramp of the output's scale starts, if a `*` was folded into the unit.
    scale: Option<Held>,
    /// The last harmonics, kept with the bits of the frequency and Blip's count; the last
    /// step, with the frequency's.
    harmonics_of: Memo<(u32, u32), Harmonics>,
    step_of: Memo<u32, u32>,
}

impl UGen for Train {
    type Unit = TrainUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<TrainUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        match self.0 {
            Kind::Saw => expect_inputs(spec, 1, 1)?,
            Kind::Blip | Kind::Pulse => expect_inputs(spec, 2, 2)?,
        }
        expect_outputs(spec, 1)?;
        let frames_per_step = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        let rate = spec.sample_rate / frames_per_step;
        Ok(TrainUnit {
            kind: self.0,
            tables: tables(),
            phase: 0,
            last_step: 0,
            harmonics: Harmonics::new(1),
            shift: 0,
            y: if self.0 == Kind::Saw { -0.46 } else { 0.0 },
            units_per_hz: f64::from(TURN) * 0.5 / rate,
            nyquist: rate * 0.5,
            scale: spec.scale.map(|_| Held::default()),
            harmonics_of: Memo::new(),
            step_of: Memo::new(),
        })
    }
}

impl TrainUnit {
    /// The harmonics for this block's inputs.
    #[inline]
    fn harmonics(&mut self, io: &UnitIo<'_, '_>) -> Harmonics {
        let count = match self.kind {
            Kind::Blip => io.in0(1).to_bits(),
            Kind::Saw | Kind::Pulse => 0,
        };
        let (kind, nyquist) = (self.kind, self.nyquist);
        self.harmonics_of.get((io.in0(0).to_bits(), count), |(freq, count)| {
            // Saturating: a frequency of 0 has room for any count.
            let room = (nyquist / f64::from(f32::from_bits(freq))) as i64;
            let n = match kind {
                Kind::Blip => room.min(f32::from_bits(count) as i64),
                Kind::Saw | Kind::Pulse => room,
            };
            Harmonics::new(n.clamp(1, i64::from(u32::MAX / 4)) as u32)
        })
    }

    /// Phase units per frame for this block's frequency (truncated, wrapping).
    #[inline]
    fn step(&mut self, io: &UnitIo<'_, '_>) -> u32 {
        let units_per_hz = self.units_per_hz;
        self.step_of.get(io.in0(0).to_bits(), |freq| (f64::from(f32::from_bits(freq)) * units_per_hz) as i64 as u32)
    }

    /// The shift for this block's width.
    fn width_shift(io: &UnitIo<'_, '_>) -> i32 {
        (f64::from(io.in0(1)) * f64::from(TURN / 2)) as i64 as i32
    }
}

impl Unit for TrainUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.harmonics = self.harmonics(io);
        self.last_step = self.step(io);
        // The first frame, computed again by the first block: the shift still 0, so
        // Pulse's two trains cancel.
        let z = if self.kind == Kind::Pulse { 0.0 } else { self.harmonics.at(self.tables, self.phase) };
        let value = if self.kind == Kind::Blip { z } else { z + 0.999 * self.y };
        io.output(0)[0] = match (&mut self.scale, io.scale()) {
            (Some(held), Some(scale)) => {
                *held = Held::of(scale);
                value * scale
            }
            _ => value,
        };
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let harmonics = self.harmonics(io);
        let old = std::mem::replace(&mut self.harmonics, harmonics);
        // scsynth's renders show a block whose harmonics grow keeping the last block's
        // step: the new frequency is taken in the block after.
        if harmonics.n <= old.n {
            self.last_step = self.step(io);
        }
        let step = self.last_step;
        let frames = io.frames();
        let (shift, shift_slope) = if self.kind == Kind::Pulse {
            let new = Self::width_shift(io);
            let slope = (i64::from(new) - i64::from(self.shift)) / frames as i64;
            (std::mem::replace(&mut self.shift, new), slope as i32)
        } else {
            (0, 0)
        };
        let train = Block { step, shift, shift_slope, old, new: harmonics };
        let ramp = match (&mut self.scale, io.scale()) {
            (Some(held), Some(scale)) => Some(held.lanes_to(scale, frames)),
            _ => None,
        };
        let out = io.output(0);
        // One loop for each kind and for fading or not, so that no frame tests either.
        match (self.kind, old != harmonics) {
            (Kind::Blip, false) => self.run::<BLIP, false>(&train, out),
            (Kind::Blip, true) => self.run::<BLIP, true>(&train, out),
            (Kind::Saw, false) => self.run::<SAW, false>(&train, out),
            (Kind::Saw, true) => self.run::<SAW, true>(&train, out),
            (Kind::Pulse, false) => self.run::<PULSE, false>(&train, out),
            (Kind::Pulse, true) => self.run::<PULSE, true>(&train, out),
        }
        if let Some(mut ramp) = ramp {
            scale_by(out, &mut ramp);
        }
    }
}

/// [`Kind`] as a const parameter of [`TrainUnit::run`].
const BLIP: u8 = 0;
const SAW: u8 = 1;
const PULSE: u8 = 2;

/// What one block of a train needs: the phase step, Pulse's shift and its slope across
/// the block, and the harmonics of the last block and of this one (faded across the block
/// when they differ).
struct Block {
    step: u32,
    shift: i32,
    shift_slope: i32,
    old: Harmonics,
    new: Harmonics,
}

impl TrainUnit {
    /// Renders `out` for a train of kind `KIND`, fading from the old harmonics if `FADE`.
    #[inline(always)]
    fn run<const KIND: u8, const FADE: bool>(&mut self, b: &Block, out: &mut [f32]) {
        let tables = self.tables;
        let value = |harmonics: &Harmonics, phase: u32, shift: i32| {
            let z = harmonics.at(tables, phase);
            if KIND == PULSE {
                z - harmonics.at(tables, phase.wrapping_add(shift as u32))
            } else {
                z
            }
        };
        let fade_step = 1.0 / out.len() as f32;
        let (mut phase, mut y) = (self.phase, self.y);
        // Four frames at a time where there is no fade (a four near a zero of the sine a
        // frame at a time), the frames left over one by one. Pulse's second train over
        // four frames is a train too: its half angles `phase + shift` step by
        // `step + shift_slope`.
        let mut start = 0;
        #[cfg(target_arch = "x86_64")]
        if !FADE {
            let four = |phase: u32, step: u32| {
                b.new.at_four(tables, phase, step).unwrap_or_else(|| {
                    let [p0, p1, p2, p3] = four_phases(phase, step);
                    let at = |p| b.new.at(tables, p);
                    [at(p0), at(p1), at(p2), at(p3)]
                })
            };
            for frames in out.chunks_exact_mut(4) {
                let mut z = four(phase, b.step);
                if KIND == PULSE {
                    let shift = b.shift.wrapping_add(b.shift_slope.wrapping_mul(start as i32));
                    let second = four(phase.wrapping_add(shift as u32), b.step.wrapping_add(b.shift_slope as u32));
                    for (z, s) in z.iter_mut().zip(second) {
                        *z -= s;
                    }
                }
                for (o, z) in frames.iter_mut().zip(z) {
                    *o = if KIND == BLIP {
                        z
                    } else {
                        y = z + 0.999 * y;
                        y
                    };
                }
                phase = phase.wrapping_add(b.step.wrapping_mul(4));
                start += 4;
            }
        }
        for (i, o) in out.iter_mut().enumerate().skip(start) {
            let shift = if KIND == PULSE { b.shift.wrapping_add(b.shift_slope.wrapping_mul(i as i32)) } else { 0 };
            let mut z = value(&b.new, phase, shift);
            if FADE {
                let before = value(&b.old, phase, shift);
                z = before + (z - before) * (i as f32 * fade_step);
            }
            *o = if KIND == BLIP {
                z
            } else {
                y = z + 0.999 * y;
                y
            };
            phase = phase.wrapping_add(b.step);
        }
        self.phase = phase;
        self.y = y;
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{Runner, BLOCK};

    /// Frames of scsynth's renders checked below.
    const FRAMES: [usize; 12] = [0, 1, 2, 63, 64, 65, 108, 109, 110, 1000, 2047, 4799];
    /// (UGen, constant inputs, tolerance, scsynth's samples at `FRAMES` as `f32` bits).
    const VECTORS: &[(&str, &[f32], f32, [u32; 12])] = &[
        (
            "Blip",
            &[440.0, 10.0],
            0.0,
            [
                0x3f800000, 0x3f6ffde5, 0x3f43359f, 0xbcf508b7, 0xbbca267a, 0x3b17b000, 0x3f6cf797, 0x3f7fdd68,
                0x3f72b768, 0xbe1999cb, 0xbd1fbda9, 0x3f6ff84f,
            ],
        ),
        (
            "Blip",
            &[10.0, 1.0],
            0.0,
            [
                0x3f800000, 0x3f7ffff0, 0x3f7fffca, 0x3f7f2786, 0x3f7f21f8, 0x3f7f1ad4, 0x3f7d73b6, 0x3f7d6632,
                0x3f7d5b16, 0x3e84841c, 0xbf652719, 0x3f7ffff0,
            ],
        ),
        (
            "Saw",
            &[7000.0],
            0.0,
            [
                0x3f0a5b96, 0x3eb27ca3, 0x3e56076a, 0x3e60b248, 0x3e6078b9, 0xbdc7a0d8, 0xbedf115a, 0xbe592bf0,
                0x3f226e0d, 0xbf0de62d, 0xbe33d47e, 0xbefeda8b,
            ],
        ),
        (
            "Pulse",
            &[440.0, 0.3],
            2e-06,
            [
                0x00000000, 0x3e5aadb1, 0x3e608430, 0x3e362230, 0x3e1bf1ea, 0x3e37ed0c, 0xbf5f426a, 0x3de89c70,
                0x3e65ef78, 0x3e86753f, 0xbf3ca050, 0xbf3157f5,
            ],
        ),
    ];

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn four_frames_at_once_are_four_frames_one_by_one_to_the_bit() {
        use super::{near_zero, tables, Harmonics};
        let tables = tables();
        let mut checked = 0;
        for n in [1, 2, 10, 54, 1000] {
            let harmonics = Harmonics::new(n);
            for (start, step) in [(0u32, 2_460_658u32), (123_456_789, 19_876_543), (u32::MAX - 5, 1 << 27), (7, 0)] {
                let mut phase = start;
                for _ in 0..500 {
                    let lanes = [0, 1, 2, 3].map(|k: u32| phase.wrapping_add(step.wrapping_mul(k)));
                    match harmonics.at_four(tables, phase, step) {
                        Some(four) => {
                            let one_by_one = lanes.map(|p| harmonics.at(tables, p).to_bits());
                            assert_eq!(four.map(f32::to_bits), one_by_one, "n {n}, phase {phase}, step {step}");
                            checked += 1;
                        }
                        None => assert!(lanes.into_iter().any(near_zero), "n {n}, phase {phase}, step {step}"),
                    }
                    phase = phase.wrapping_add(step.wrapping_mul(4));
                }
            }
        }
        assert!(checked > 4000, "{checked}");
    }

    #[test]
    fn renders_scsynths_samples() {
        for (name, inputs, tolerance, bits) in VECTORS {
            let (_, frames, _) = Runner::named(name, Rate::Audio, inputs).run(4800 / BLOCK);
            for (&frame, &want) in FRAMES.iter().zip(bits) {
                let (got, want) = (frames[frame], f32::from_bits(want));
                assert!((got - want).abs() <= *tolerance, "{name}{inputs:?} frame {frame}: {got}, scsynth {want}");
            }
        }
    }
}
