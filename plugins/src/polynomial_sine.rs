//! The sine of a fixed-point phase by a polynomial, and a block of sines at a fixed phase
//! step, compiled for x86-64's baseline (SSE2), for AVX2 with FMA and for AVX-512, the
//! widest the CPU has chosen at run time. The arithmetic is the same on every path: the
//! polynomial's steps are fused multiply-adds (`f32::mul_add`, one rounding each), so the
//! values are the same to the bit whichever runs. Code that computes single sines on a
//! CPU with FMA is compiled with it where it matters ([`SineSweep::fused`]); on the x86-64 baseline
//! each step is a call of the C library's `fmaf`, which is correct and slower (CPUs older
//! than Haswell and Piledriver, 2013, have no FMA).
//!
//! Context: RT, except [`SineSweep::detect`] (any).

/// How a block of sines is computed: sixteen frames at a time with AVX-512 where the CPU
/// has it, eight with AVX2 and FMA, four in SSE2 (found once, when the Synth or unit that
/// sweeps is built).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SineSweep {
    width: VectorWidth,
}

/// The instruction set a sweep is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VectorWidth {
    Baseline,
    Avx2,
    Avx512,
}

impl SineSweep {
    /// The widest sweep this CPU runs. Context: any.
    pub(crate) fn detect() -> SineSweep {
        #[cfg(target_arch = "x86_64")]
        let width = if std::arch::is_x86_feature_detected!("avx512f") {
            VectorWidth::Avx512
        } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            VectorWidth::Avx2
        } else {
            VectorWidth::Baseline
        };
        #[cfg(not(target_arch = "x86_64"))]
        let width = VectorWidth::Baseline;
        SineSweep { width }
    }

    /// Every sweep this CPU runs, the baseline first.
    #[cfg(test)]
    pub(crate) fn all() -> Vec<SineSweep> {
        let widest = SineSweep::detect().width;
        [VectorWidth::Baseline, VectorWidth::Avx2, VectorWidth::Avx512]
            .into_iter()
            .filter(|&w| w as u8 <= widest as u8)
            .map(|width| SineSweep { width })
            .collect()
    }

    /// Whether this CPU computes a fused multiply-add in one instruction: code that
    /// computes single sines ([`sin_phase`], inlined into it) runs compiled with FMA where
    /// it does, and otherwise calls the C library's `fmaf` for each step.
    #[inline(always)]
    pub(crate) fn fused(self) -> bool {
        self.width != VectorWidth::Baseline
    }

    /// Fills `out` with `scale * sin_phase(phase + n · step)` for its frames `n`, and returns
    /// the phase after the last.
    #[inline]
    pub(crate) fn fill(self, out: &mut [f32], phase: u32, step: u32, scale: f32) -> u32 {
        self.sweep::<false>(out, phase, step, scale)
    }

    /// Adds `scale * sin_phase(phase + n · step)` into `out` for its frames `n` (each
    /// frame's product rounded, then the sum), and returns the phase after the last.
    #[inline]
    pub(crate) fn add(self, out: &mut [f32], phase: u32, step: u32, scale: f32) -> u32 {
        self.sweep::<true>(out, phase, step, scale)
    }

    #[inline(always)]
    fn sweep<const ADD: bool>(self, out: &mut [f32], phase: u32, step: u32, scale: f32) -> u32 {
        match self.width {
            // SAFETY: `detect` found AVX-512 on this CPU.
            #[cfg(target_arch = "x86_64")]
            VectorWidth::Avx512 => unsafe { sweep_avx512::<ADD>(out, phase, step, scale) },
            // SAFETY: `detect` found AVX2 on this CPU.
            #[cfg(target_arch = "x86_64")]
            VectorWidth::Avx2 => unsafe { sweep_avx2::<ADD>(out, phase, step, scale) },
            _ => sweep_each::<ADD>(out, phase, step, scale),
        }
    }
}

/// [`SineSweep::fill`] (or, with `ADD`, [`SineSweep::add`]) as plain code: the phase is an
/// integer induction variable and the sine has no branches, so the compiler vectorizes the
/// loop for whatever the function is compiled for.
#[inline(always)]
fn sweep_each<const ADD: bool>(out: &mut [f32], mut phase: u32, step: u32, scale: f32) -> u32 {
    for o in out.iter_mut() {
        let value = scale * sin_phase(phase);
        *o = if ADD { *o + value } else { value };
        phase = phase.wrapping_add(step);
    }
    phase
}

/// [`sweep_each`] compiled for AVX2 and FMA: eight frames at a time.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sweep_avx2<const ADD: bool>(out: &mut [f32], phase: u32, step: u32, scale: f32) -> u32 {
    sweep_each::<ADD>(out, phase, step, scale)
}

/// [`sweep_each`] compiled for AVX-512: sixteen frames at a time.
///
/// # Safety
/// The CPU must have AVX-512 (its foundation, `avx512f`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn sweep_avx512<const ADD: bool>(out: &mut [f32], phase: u32, step: u32, scale: f32) -> u32 {
    sweep_each::<ADD>(out, phase, step, scale)
}

/// `sin(2 pi phase / 2^32)` without branches, tables or libm calls: within 2.1e-7 of the
/// true value over the whole cycle (f32 rounding near the peaks is most of that).
///
/// The fold onto a quarter wave happens on the integer phase, where it is exact and costs
/// an add, a shift and an xor per sample: shifted by a quarter cycle, the phase's top bit
/// says which half of the wave it is in, and xor with that bit smeared across the word
/// (`!q`, i.e. one cycle minus `q`, less 2^-32) mirrors the falling half onto the rising
/// one (`sin(pi - a) = sin(a)`). Only the folded value, in `[-1/4, 1/4)` of a cycle, goes to
/// float, so it is exact near zero where the sine is steepest.
///
/// Context: RT.
#[inline(always)]
pub(crate) fn sin_phase(phase: u32) -> f32 {
    const QUARTER: u32 = 1 << 30;
    const SCALE: f32 = 1.0 / 4_294_967_296.0;
    let shifted = phase.wrapping_add(QUARTER);
    let second_half = ((shifted as i32) >> 31) as u32;
    // In [0, 2^31) after the mirror, so the subtraction cannot overflow.
    let folded = ((shifted ^ second_half) as i32) - QUARTER as i32;
    sin_quarter(folded as f32 * SCALE)
}

/// `sin(2 pi x)` for `x` in `[-1/4, 1/4]`: a degree-9 odd polynomial whose coefficients
/// are the minimax fit on that range (3.3e-9 absolute error in exact arithmetic), so f32
/// rounding dominates what is left.
///
/// Horner's scheme in fused multiply-adds: under AVX-512, 15 vector operations for
/// sixteen frames of a sweep where separate products and sums took 19.
///
/// Context: RT.
#[inline(always)]
fn sin_quarter(x: f32) -> f32 {
    // The f64 minimax coefficients rounded to f32 (the shortest literals that round-trip).
    #[expect(
        clippy::approx_constant,
        reason = "the minimax slope sits one ulp below 2 pi, trading a little at the origin for the whole range"
    )]
    const C1: f32 = 6.283_185;
    const C3: f32 = -41.341_656;
    const C5: f32 = 81.601_006;
    const C7: f32 = -76.549_78;
    const C9: f32 = 39.536_705;
    let x2 = x * x;
    x * x2.mul_add(x2.mul_add(x2.mul_add(x2.mul_add(C9, C7), C5), C3), C1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    #[test]
    fn sin_phase_is_accurate_over_every_phase() {
        let mut worst: f64 = 0.0;
        // Every 1024th phase of the 2^32 cycle (with varying low bits), plus the quarter
        // points and the ends of each quarter.
        let phases = (0..1u64 << 22)
            .map(|i| (i << 10) as u32 | (i as u32 & 0x3ff))
            .chain([0, 1, 1 << 30, 1 << 31, 3 << 30, u32::MAX])
            .chain([(1 << 30) - 1, (1 << 31) - 1, (1 << 31) + 1, (3 << 30) + 1]);
        for phase in phases {
            let exact = (TAU * f64::from(phase) / 4_294_967_296.0).sin();
            let approx = f64::from(sin_phase(phase));
            worst = worst.max((approx - exact).abs());
        }
        println!("sin_phase max abs error: {worst:e}");
        assert!(worst < 2.5e-7, "max error {worst:e}");
    }

    #[test]
    fn sin_phase_hits_the_cardinal_points() {
        assert_eq!(sin_phase(0), 0.0);
        assert!((sin_phase(1 << 30) - 1.0).abs() < 1e-7);
        assert!((sin_phase(3 << 30) + 1.0).abs() < 1e-7);
        assert!(sin_phase(1 << 31).abs() < 1e-8);
        assert!(sin_phase(u32::MAX) < 0.0 && sin_phase(u32::MAX) > -1e-8);
        assert!(sin_phase(1) > 0.0);
    }

    #[test]
    fn every_sweep_gives_the_same_values_to_the_bit() {
        // Lengths with and without a whole vector, phases that wrap inside the block.
        for (len, phase, step) in [(64, 0, 39_370_534), (61, u32::MAX - 5, 1 << 29), (7, 3 << 30, 12_345), (1, 17, 1)] {
            let scale = 0.3;
            let mut each = vec![0.0; len];
            let end = sweep_each::<false>(&mut each, phase, step, scale);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            // What a sum adds to: a bus other Synths wrote.
            let bus: Vec<f32> = (0..len).map(|i| 0.25 - 0.01 * i as f32).collect();
            let summed: Vec<f32> = bus.iter().zip(&each).map(|(b, x)| b + x).collect();
            for sweep in SineSweep::all() {
                let mut out = vec![1.0; len];
                assert_eq!(sweep.fill(&mut out, phase, step, scale), end, "{sweep:?}");
                assert_eq!(bits(&out), bits(&each), "{sweep:?} len {len}");
                let mut sum = bus.clone();
                assert_eq!(sweep.add(&mut sum, phase, step, scale), end, "{sweep:?}");
                assert_eq!(bits(&sum), bits(&summed), "{sweep:?} len {len}, added");
            }
            assert_eq!(end, phase.wrapping_add(step.wrapping_mul(len as u32)));
            assert_eq!(each[len - 1].to_bits(), (scale * sin_phase(end.wrapping_sub(step))).to_bits());
        }
    }
}
