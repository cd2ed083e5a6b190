//! `SinOsc`: a sine oscillator with frequency and phase inputs, computed as scsynth
//! computes it: an 8192-point sine table in wavetable form read by an integer phase, a
//! cycle `2^29` steps ([`super::wavetable`] gives the lookup and how the inputs move the
//! phase). Rendered this way, `SinOsc` matches scsynth's output sample for sample,
//! including the slow drift that truncating the increment gives (0.4 mrad a second at 440
//! Hz). A `SinOsc` whose readers are smooth ([`UnitSpec::smooth_readers`]) computes the
//! same phase's sine by the built-in `sine`'s polynomial instead ([`SinePolynomial`]):
//! within 4e-7 of the table, in a third of the instructions.

use std::f64::consts::TAU;
use std::sync::OnceLock;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{scale_by, Held, LaneRamp, Signal};
use super::wavetable::{interpolate, point, sweep_each, truncate, PhaseReader, Wavetable};
use super::{expect_inputs, expect_outputs, expect_rate};
use crate::polynomial_sine::{sin_phase, SineSweep};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("SinOsc", SinOsc).with_output_scale());
    registrar.register_ugen(UGenTable::new("SinOscFB", SinOscFB));
}

/// Entries in a cycle of the sine table.
const TABLE_SIZE: usize = 8192;
/// Phase steps in a cycle: the table's entries times 2^16 steps between two of them.
const CYCLE: f64 = (TABLE_SIZE as f64) * 65536.0;

/// The sine table, read as scsynth lays out wavetables: the pair `(2a − b, b − a)` for
/// consecutive points `a`, `b` of `sin(2π i / 8192)`. Only the points are kept (8193 of
/// them, the last closing the cycle) and each pair is computed from them as it is read, in
/// `f32` as scsynth computes its table, so that the table takes half the cache.
#[derive(Clone, Copy)]
pub(crate) struct SineTable(&'static [f32; TABLE_SIZE + 1]);

/// `sin(2π i / 8192)` in `f32` for `i` in `0..=8192`, computed once (in `f64`, rounded).
pub(crate) fn sine_points() -> &'static [f32; TABLE_SIZE + 1] {
    static POINTS: OnceLock<Box<[f32; TABLE_SIZE + 1]>> = OnceLock::new();
    POINTS.get_or_init(|| {
        let mut points = Box::new([0.0; TABLE_SIZE + 1]);
        for (i, p) in points.iter_mut().enumerate() {
            *p = (TAU * i as f64 / TABLE_SIZE as f64).sin() as f32;
        }
        points
    })
}

/// The sine table, computed once.
pub(crate) fn sine_table() -> SineTable {
    SineTable(sine_points())
}

impl SineTable {
    /// The wavetable pair at point `i`.
    #[inline(always)]
    fn pair(&self, i: usize) -> (f32, f32) {
        let (a, b) = (self.0[i], self.0[i + 1]);
        (2.0 * a - b, b - a)
    }
}

impl Wavetable for SineTable {
    #[inline(always)]
    fn cycle(&self) -> f64 {
        CYCLE
    }

    #[inline(always)]
    fn lookup(&self, phase: i32) -> f32 {
        let (v1, v2) = self.pair(point(phase, TABLE_SIZE - 1));
        interpolate(v1, v2, phase)
    }

    #[inline(always)]
    fn sweep(&self, out: &mut [f32], phase: i32, inc: i32) -> i32 {
        #[cfg(target_arch = "x86_64")]
        let (out, phase) = self.sweep_fours::<false>(out, phase, inc, &mut [1.0; 4], 0.0);
        sweep_each(out, phase, inc, |p| self.lookup(p))
    }

    #[inline(always)]
    fn sweep_scaled(&self, out: &mut [f32], phase: i32, inc: i32, ramp: &mut LaneRamp) -> i32 {
        #[cfg(target_arch = "x86_64")]
        let (out, phase) = {
            let (lanes, step) = ramp.lanes();
            self.sweep_fours::<true>(out, phase, inc, lanes, step)
        };
        // The frames left start a four, at the ramp's lane 0.
        let phase = sweep_each(out, phase, inc, |p| self.lookup(p));
        scale_by(out, ramp);
        phase
    }
}

impl SineTable {
    /// [`Wavetable::sweep`] four frames at a time for as many whole fours as `out` holds
    /// (SSE2, in x86-64's baseline); returns the frames left and the phase they start at.
    /// Each frame's arithmetic is [`lookup`](Wavetable::lookup)'s: the same integer steps,
    /// one `f32` multiply and one add, so the values are the same to the bit. With
    /// `SCALED`, each value is then multiplied by its frame's lane of a ramp
    /// ([`scale_by`]'s products), `lanes` holding the ramp's next values (updated) and
    /// growing by `lane_step` every four frames.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn sweep_fours<'o, const SCALED: bool>(
        &self,
        out: &'o mut [f32],
        phase: i32,
        inc: i32,
        lanes: &mut [f32; 4],
        lane_step: f32,
    ) -> (&'o mut [f32], i32) {
        use std::arch::x86_64::*;
        // The points `a` and `b` of a phase's pair, side by side, from the pair's byte offset
        // in the table (a point's index times 4, below 8192 · 4, so `b` is in the table too).
        let base = self.0.as_ptr() as *const u8;
        // SAFETY: (for the closure) the offset is at most 0x7ffc, so 8 bytes from it are
        // inside the 8193 points.
        let points = |offset: u64| unsafe { base.add(offset as u32 as usize) as *const f64 };
        // SAFETY: SSE2 is always there on x86-64; the loads and the store are in bounds (see
        // below).
        unsafe {
            // A phase's pair index is its bits 16 to 28; as a byte offset, bits 14 to 28.
            let offset_mask = _mm_set1_epi32(((TABLE_SIZE - 1) << 2) as i32);
            let mut phases = _mm_setr_epi32(phase, phase.wrapping_add(inc), phase.wrapping_add(inc.wrapping_mul(2)), {
                phase.wrapping_add(inc.wrapping_mul(3))
            });
            let step = _mm_set1_epi32(inc.wrapping_mul(4));
            let (fraction, one) = (_mm_set1_epi32(0xffff), _mm_set1_epi32(0x3f80_0000));
            let mut scale = _mm_loadu_ps(lanes.as_ptr());
            let scale_step = _mm_set1_ps(lane_step);
            let mut fours = out.chunks_exact_mut(4);
            for four in &mut fours {
                // The pairs' byte offsets of frames 0 and 1 in `low`, 2 and 3 in `high`, as
                // 32-bit halves.
                let offsets = _mm_and_si128(_mm_srli_epi32::<14>(phases), offset_mask);
                let low = _mm_cvtsi128_si64(offsets) as u64;
                let high = _mm_cvtsi128_si64(_mm_unpackhi_epi64(offsets, offsets)) as u64;
                // Each pointer is to two `f32`s in the table (8 bytes), read unaligned.
                let x = _mm_castpd_ps(_mm_loadh_pd(_mm_load_sd(points(low)), points(low >> 32)));
                let y = _mm_castpd_ps(_mm_loadh_pd(_mm_load_sd(points(high)), points(high >> 32)));
                let a = _mm_shuffle_ps::<0b10_00_10_00>(x, y);
                let b = _mm_shuffle_ps::<0b11_01_11_01>(x, y);
                // 2a − b (a + a is 2a exactly) and b − a, as `pair` computes them.
                let v1 = _mm_sub_ps(_mm_add_ps(a, a), b);
                let v2 = _mm_sub_ps(b, a);
                let frac = _mm_castsi128_ps(_mm_or_si128(_mm_slli_epi32::<7>(_mm_and_si128(phases, fraction)), one));
                let mut values = _mm_add_ps(v1, _mm_mul_ps(v2, frac));
                if SCALED {
                    values = _mm_mul_ps(values, scale);
                    scale = _mm_add_ps(scale, scale_step);
                }
                // `four` holds four `f32`s, written unaligned.
                _mm_storeu_ps(four.as_mut_ptr(), values);
                phases = _mm_add_epi32(phases, step);
            }
            if SCALED {
                _mm_storeu_ps(lanes.as_mut_ptr(), scale);
            }
            (fours.into_remainder(), _mm_cvtsi128_si32(phases))
        }
    }
}

/// The sine of a `SinOsc` phase (`2^29` steps a cycle) by the built-in `sine`'s
/// polynomial, from all 29 bits of the phase where the table interpolates between 8192
/// points on its top 16: within 4e-7 of the table's values, a block swept eight frames at a
/// time with AVX2 where the CPU has it.
#[derive(Clone, Copy)]
pub(crate) struct SinePolynomial(SineSweep);

impl SinePolynomial {
    /// The polynomial, swept as widely as this CPU allows. Context: NRT.
    pub(crate) fn new() -> SinePolynomial {
        SinePolynomial(SineSweep::detect())
    }
}

/// The polynomial's phase (`2^32` steps a cycle) for a `SinOsc` phase: the same fraction
/// of a cycle, exactly.
#[inline(always)]
fn widened(phase: i32) -> u32 {
    (phase as u32) << 3
}

impl SinePolynomial {
    /// Adds what [`Wavetable::sweep`] writes, each value times `scale`, into `out` (the
    /// products of [`Wavetable::sweep_scaled`] with a flat ramp at `scale`), and returns the
    /// phase after the last frame.
    #[inline(always)]
    fn sweep_add(&self, out: &mut [f32], phase: i32, inc: i32, scale: f32) -> i32 {
        self.0.add(out, widened(phase), widened(inc), scale);
        phase.wrapping_add(inc.wrapping_mul(out.len() as i32))
    }
}

impl Wavetable for SinePolynomial {
    #[inline(always)]
    fn cycle(&self) -> f64 {
        CYCLE
    }

    #[inline(always)]
    fn lookup(&self, phase: i32) -> f32 {
        sin_phase(widened(phase))
    }

    #[inline(always)]
    fn sweep(&self, out: &mut [f32], phase: i32, inc: i32) -> i32 {
        self.0.fill(out, widened(phase), widened(inc), 1.0);
        phase.wrapping_add(inc.wrapping_mul(out.len() as i32))
    }

    #[inline(always)]
    fn sweep_scaled(&self, out: &mut [f32], phase: i32, inc: i32, ramp: &mut LaneRamp) -> i32 {
        // A flat ramp scales inside the sweep: the same products, one pass fewer.
        if let Some(scale) = ramp.steady() {
            self.0.fill(out, widened(phase), widened(inc), scale);
            return phase.wrapping_add(inc.wrapping_mul(out.len() as i32));
        }
        let phase = self.sweep(out, phase, inc);
        scale_by(out, ramp);
        phase
    }
}

/// `SinOsc.ar(freq, phase)`, `SinOsc.kr(freq, phase)`.
struct SinOsc;

struct SinOscUnit {
    table: SinOscTable,
    phase: PhaseReader,
    /// Where the ramp of the output's scale starts, if a `*` was folded into the unit.
    scale: Option<Held>,
}

impl UGen for SinOsc {
    type Unit = SinOscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SinOscUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let scale = spec.scale.map(|_| Held::default());
        let table = if spec.smooth_readers {
            SinOscTable::Polynomial(SinePolynomial::new())
        } else {
            SinOscTable::Exact(sine_table())
        };
        Ok(SinOscUnit { table, phase: PhaseReader::new(spec, 0, 1), scale })
    }
}

/// How a `SinOsc` computes its sine: from scsynth's table, to the bit, or by the
/// polynomial where its readers are smooth ([`UnitSpec::smooth_readers`]).
enum SinOscTable {
    Exact(SineTable),
    Polynomial(SinePolynomial),
}

impl SinOscUnit {
    fn start(&mut self, table: &impl Wavetable, io: &mut UnitIo<'_, '_>) {
        let value = self.phase.start(table, io);
        io.output(0)[0] = match (&mut self.scale, io.scale()) {
            (Some(held), Some(scale)) => {
                *held = Held::of(scale);
                value * scale
            }
            _ => value,
        };
    }

    /// A call that does not add into the bus: the table read into the output, scaled by
    /// the ramp of a folded `*`.
    #[inline(always)]
    fn next_with(&mut self, table: &impl Wavetable, io: &mut UnitIo<'_, '_>) {
        let mut ramp = match (&mut self.scale, io.scale()) {
            (Some(held), Some(scale)) => Some(held.lanes_to(scale, io.frames())),
            _ => None,
        };
        self.read(table, io, ramp.as_mut());
    }

    #[inline(always)]
    fn read(&mut self, table: &impl Wavetable, io: &mut UnitIo<'_, '_>, ramp: Option<&mut LaneRamp>) {
        match ramp {
            Some(ramp) => self.phase.read_scaled(table, io, 0, ramp),
            None => self.phase.read(table, io, 0),
        }
    }

    /// Adds the call's frames straight into the bus the `Out` reading the unit sums them
    /// into, when the host folded one in and the phase and scale are steady: the sweep a
    /// steady `read` makes, each product added to the bus; false (and nothing done) if not.
    #[inline(always)]
    fn sum_into_bus(&mut self, table: SinePolynomial, io: &mut UnitIo<'_, '_>) -> bool {
        let scale = match (self.scale, io.scale()) {
            (Some(held), Some(new)) => match held.steady_to(new) {
                Some(scale) => Some((scale, new)),
                None => return false,
            },
            _ => None,
        };
        let Some(inc) = self.phase.steady_increment(CYCLE, io) else { return false };
        let Some(sum) = io.take_bus_sum(0) else { return false };
        let scale = match scale {
            Some((scale, new)) => {
                self.scale = Some(Held::of(new));
                scale
            }
            None => 1.0,
        };
        self.phase.sweep_with(|phase| table.sweep_add(sum, phase, inc, scale));
        true
    }
}

impl Unit for SinOscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        match self.table {
            SinOscTable::Exact(table) => self.start(&table, io),
            SinOscTable::Polynomial(table) => self.start(&table, io),
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        match self.table {
            SinOscTable::Exact(table) => self.next_with(&table, io),
            SinOscTable::Polynomial(table) => {
                // A steady call sweeps, compiled for the CPU; the others compute a sine a
                // frame, compiled with FMA where the CPU has it.
                if self.sum_into_bus(table, io) {
                    return;
                }
                #[cfg(target_arch = "x86_64")]
                if table.0.fused() {
                    // SAFETY: `fused` found AVX2 and FMA on this CPU.
                    return unsafe { next_with_fused(self, table, io) };
                }
                self.next_with(&table, io)
            }
        }
    }
}

/// [`SinOscUnit::next_with`] for the polynomial, compiled with AVX2 and FMA, so that the
/// sines it computes one at a time (an audio-rate frequency or phase) take one
/// instruction a step.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn next_with_fused(unit: &mut SinOscUnit, table: SinePolynomial, io: &mut UnitIo<'_, '_>) {
    unit.next_with(&table, io)
}

/// `SinOscFB.ar(freq, feedback)`: `SinOsc` whose phase is offset by its last output times
/// `feedback` (radians per unit of output). As scsynth's: the offset is
/// `trunc(last · scale)` in `f32`, where `scale` is `feedback · 2^29 / 2π` (in `f64`,
/// rounded to `f32`) ramped across the block as a running `f32` sum kept from block to
/// block; the frequency is read once per block (an audio-rate one too) and its increment is
/// as `SinOsc`'s.
struct SinOscFB;

struct SinOscFBUnit {
    table: SineTable,
    phase: i32,
    last: f32,
    /// The feedback in phase steps per unit of output, as ramped so far.
    scale: f32,
    steps_per_hz: f64,
}

/// The phase steps per unit of output for `feedback`.
fn feedback_scale(feedback: f32) -> f32 {
    (f64::from(feedback) * (CYCLE / TAU)) as f32
}

impl UGen for SinOscFB {
    type Unit = SinOscFBUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SinOscFBUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 2, 2)?;
        expect_outputs(spec, 1)?;
        let frames_per_step = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        Ok(SinOscFBUnit {
            table: sine_table(),
            phase: 0,
            last: 0.0,
            scale: 0.0,
            steps_per_hz: CYCLE * frames_per_step / spec.sample_rate,
        })
    }
}

impl Unit for SinOscFBUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.scale = feedback_scale(io.in0(1));
        io.output(0)[0] = self.table.lookup(self.phase);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let inc = truncate(f64::from(io.in0(0)) * self.steps_per_hz);
        let slope = (feedback_scale(io.in0(1)) - self.scale) * (1.0 / io.frames() as f32);
        let (table, mut phase, mut last, mut scale) = (self.table, self.phase, self.last, self.scale);
        for o in io.output(0) {
            last = table.lookup(phase.wrapping_add(truncate(f64::from(last * scale))));
            *o = last;
            phase = phase.wrapping_add(inc);
            scale += slope;
        }
        (self.phase, self.last, self.scale) = (phase, last, scale);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire, Input, BLOCK, SAMPLE_RATE};
    use super::super::wavetable::{phase_steps, truncate, Wavetable};
    use super::{sine_table, SinOsc, CYCLE};

    #[test]
    fn the_table_interpolates_to_the_sine_within_float_rounding() {
        let table = sine_table();
        for k in 0..10_000 {
            let phase = (k as i64 * 214_749) as i32;
            let exact = (std::f64::consts::TAU * f64::from(phase as u32) / CYCLE).sin();
            assert!((f64::from(table.lookup(phase)) - exact).abs() < 2e-7, "{k}");
        }
    }

    #[test]
    fn pairs_are_the_wavetable_of_the_points_to_the_bit() {
        let table = sine_table();
        let point = |i: usize| (std::f64::consts::TAU * i as f64 / 8192.0).sin() as f32;
        for i in 0..8192 {
            let (a, b) = (point(i), point(i + 1));
            let (v1, v2) = table.pair(i);
            assert_eq!((v1.to_bits(), v2.to_bits()), ((2.0 * a - b).to_bits(), (b - a).to_bits()), "{i}");
        }
    }

    #[test]
    fn a_sweep_is_a_lookup_per_frame_to_the_bit() {
        let table = sine_table();
        for (k, (start, inc)) in
            [(0, 4_921_316), (-7, -123_456_789), (i32::MAX - 3, 1 << 30), (12345, 0)].into_iter().enumerate()
        {
            for frames in [0, 1, 3, 4, 63, 64] {
                let mut out = vec![f32::NAN; frames];
                let end = table.sweep(&mut out, start, inc);
                let mut phase = start;
                for (n, &x) in out.iter().enumerate() {
                    assert_eq!(x.to_bits(), table.lookup(phase).to_bits(), "case {k}, {frames} frames, frame {n}");
                    phase = phase.wrapping_add(inc);
                }
                assert_eq!(end, phase);
            }
        }
    }

    #[test]
    fn a_scaled_sweep_is_a_sweep_times_a_ramp_to_the_bit() {
        use super::super::signal::{LaneRamp, Signal};
        let table = sine_table();
        for (first, slope) in [(0.5, 0.0), (-0.0, 0.0), (0.9, -0.013), (1e-3, 3.7)] {
            for frames in [0, 1, 3, 4, 37, 64] {
                let mut plain = vec![f32::NAN; frames];
                let end = table.sweep(&mut plain, 12345, 4_921_316);
                let mut ramp = LaneRamp::new(first, slope);
                let want: Vec<u32> = plain.iter().enumerate().map(|(i, &x)| (x * ramp.at(i)).to_bits()).collect();
                let mut scaled = vec![f32::NAN; frames];
                let mut ramp = LaneRamp::new(first, slope);
                assert_eq!(table.sweep_scaled(&mut scaled, 12345, 4_921_316, &mut ramp), end);
                assert_eq!(scaled.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want, "{first}, {slope}, {frames}");
            }
        }
    }

    #[test]
    fn the_increment_is_truncated_so_440_hz_runs_slightly_flat() {
        let (first, out) = run(&SinOsc, Rate::Audio, 0, &[Input::Constant(440.0), Input::Constant(0.0)], 2).unwrap();
        assert_eq!(first, 0.0);
        // trunc(440 · 2^29 / 48000) = 4921316 steps a frame, not 4921316.69.
        let expected = |n: usize| sine_table().lookup((n as i64 * 4_921_316) as i32);
        assert!(out.iter().enumerate().all(|(n, &x)| x == expected(n)));
        assert_eq!((440.0 * CYCLE / SAMPLE_RATE) as i32, 4_921_316);
    }

    #[test]
    fn a_control_rate_phase_change_is_spread_over_the_block() {
        // Frequency 0: the output is the sine of the phase input, ramped from 0 to 0.5.
        let inputs = [Input::Constant(0.0), wire(Rate::Control, |k| if k == 0 { 0.0 } else { 0.5 })];
        let (_, out) = run(&SinOsc, Rate::Audio, 0, &inputs, 3).unwrap();
        let phase = |x: f32| f64::from(x).asin();
        assert!((phase(out[BLOCK + 32]) - 0.25).abs() < 1e-6);
        assert!((phase(out[2 * BLOCK]) - 0.5).abs() < 1e-6);
        assert_eq!(out[2 * BLOCK], sine_table().lookup(64 * phase_steps(CYCLE, 0.5 / 64.0)));
    }

    #[test]
    fn with_smooth_readers_the_polynomial_stays_within_4e_7_of_the_table() {
        use super::super::testing::Runner;
        for inputs in [
            [Input::Constant(440.0), Input::Constant(0.0)],
            [Input::Constant(4321.5), Input::Constant(1.25)],
            [Input::Constant(-97.0), wire(Rate::Control, |k| k as f32 * 0.3)],
            [wire(Rate::Audio, |k| 100.0 + (k % 700) as f32), Input::Constant(0.0)],
        ] {
            let exact = run(&SinOsc, Rate::Audio, 0, &inputs, 40).unwrap();
            let smooth = Runner::with_smooth_readers(&SinOsc, Rate::Audio, &inputs).unwrap().run(40);
            assert_eq!(exact.0, smooth.0);
            let worst = exact.1.iter().zip(&smooth.1).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 4e-7, "{worst:e}");
            assert_ne!(exact.1, smooth.1, "the polynomial is not the table");
        }
        // At the cardinal phases both give the sine's value (the table's to the bit at 0).
        let table = sine_table();
        let polynomial = super::SinePolynomial::new();
        assert_eq!(polynomial.lookup(0), table.lookup(0));
        for quarter in 1..4 {
            let phase = quarter << 27;
            assert!((polynomial.lookup(phase) - table.lookup(phase)).abs() < 2e-7, "{quarter}");
        }
    }

    #[test]
    fn sin_osc_fb_without_feedback_is_sin_osc_and_with_it_bends_the_wave() {
        use super::SinOscFB;
        let plain = run(&SinOsc, Rate::Audio, 0, &[Input::Constant(440.0), Input::Constant(0.0)], 2).unwrap().1;
        let fb = |amount: f32| {
            run(&SinOscFB, Rate::Audio, 0, &[Input::Constant(440.0), Input::Constant(amount)], 2).unwrap().1
        };
        assert_eq!(fb(0.0), plain);
        let bent = fb(0.7);
        assert_eq!(bent[0], 0.0);
        assert!(bent[2] > plain[2] && bent.iter().all(|x| x.abs() <= 1.0));
    }

    #[test]
    fn conversions_out_of_range_give_the_lowest_integer() {
        assert_eq!((truncate(3e9), truncate(-3e9), truncate(f64::NAN)), (i32::MIN, i32::MIN, i32::MIN));
        assert_eq!((truncate(-2.9), truncate(2147483647.5)), (-2, i32::MAX));
    }
}
