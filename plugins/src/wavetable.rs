//! Band-limited sawtooth tables, one per octave of playback frequency, shared by the `saw`
//! and `pulse` oscillators.
//!
//! Table `j` holds the first `2^j` harmonics of a sawtooth, so played at up to `2^-(j+1)`
//! cycles per sample its highest harmonic stays at or below Nyquist: an oscillator picks the
//! table with the most harmonics that cannot alias at its current frequency. Tables are
//! 8192 points long so that even the richest table (1024 harmonics) is eight times
//! oversampled, which keeps linear interpolation's images of the top harmonics more than
//! 80 dB below the fundamental.

use std::f64::consts::{PI, TAU};
use std::sync::{Arc, OnceLock};

const TABLE_BITS: u32 = 13;
const TABLE_LEN: usize = 1 << TABLE_BITS;
/// Phase bits below the table index: the interpolation fraction.
const FRACTION_BITS: u32 = 32 - TABLE_BITS;
/// Table `j` has `2^j` harmonics; 1024 harmonics reach Nyquist from about 12 Hz at 48 kHz,
/// so lower notes only lose inaudible top partials.
const OCTAVES: usize = 11;

/// One cycle, plus a copy of the first point so interpolation never wraps its index.
pub(crate) type Table = [f32; TABLE_LEN + 1];

/// The sawtooth tables: value 0 at phase 0, rising to +1 at half a cycle, jumping to -1 and
/// rising back to 0 (the band-limited form of `2x` for `x` in `[-1/2, 1/2)`).
pub(crate) struct SawTables {
    tables: Box<[Table; OCTAVES]>,
}

impl SawTables {
    /// The process-wide tables, built on first use. They depend on nothing (not even the
    /// sample rate, as they are chosen by cycles per sample), so every Synth of every
    /// SynthDef that reads them shares one copy.
    ///
    /// Context: NRT (the first call builds the tables; later calls may wait for it).
    pub(crate) fn shared() -> Arc<SawTables> {
        static SHARED: OnceLock<Arc<SawTables>> = OnceLock::new();
        SHARED.get_or_init(|| Arc::new(SawTables::build())).clone()
    }

    /// Additive synthesis of the partial Fourier sums `2/pi * sum (-1)^(h+1) sin(h x) / h`.
    /// Each table extends the previous one's sum, and harmonics read a sine table at
    /// `h * n mod N`, so building all of them costs one pass of 1024 harmonics with no
    /// trigonometry in the loop. Summed in f64 so rounding stays far below the f32 output.
    ///
    /// Context: NRT.
    fn build() -> SawTables {
        let sine: Vec<f64> = (0..TABLE_LEN).map(|n| (TAU * n as f64 / TABLE_LEN as f64).sin()).collect();
        let mut sum = vec![0.0_f64; TABLE_LEN];
        let mut tables: Box<[Table; OCTAVES]> = vec![[0.0; TABLE_LEN + 1]; OCTAVES]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("the vector has OCTAVES tables"));
        let mut harmonic = 0;
        for (octave, table) in tables.iter_mut().enumerate() {
            while harmonic < 1 << octave {
                harmonic += 1;
                let sign = if harmonic % 2 == 1 { 1.0 } else { -1.0 };
                let gain = sign * 2.0 / (PI * harmonic as f64);
                for (n, s) in sum.iter_mut().enumerate() {
                    *s += gain * sine[(harmonic * n) & (TABLE_LEN - 1)];
                }
            }
            for (t, s) in table.iter_mut().zip(&sum) {
                *t = *s as f32;
            }
            table[TABLE_LEN] = table[0];
        }
        SawTables { tables }
    }

    /// The richest table that does not alias at `increment` (a 32-bit phase step).
    ///
    /// Context: RT (once per call).
    pub(crate) fn for_increment(&self, increment: u32) -> &Table {
        &self.tables[octave_for_increment(increment)]
    }
}

/// The largest `j` (capped at the richest table) with `2^j * increment <= 2^31`, i.e. whose
/// top harmonic is at most Nyquist. A stopped oscillator gets the richest table, so gliding
/// down to 0 Hz does not switch to a sine at the end.
///
/// Context: RT.
fn octave_for_increment(increment: u32) -> usize {
    if increment == 0 {
        return OCTAVES - 1;
    }
    // For increment in (2^k, 2^(k+1)] the answer is 30 - k, and increment - 1, in
    // [2^k, 2^(k+1)), has 31 - k leading zeros. Above Nyquist it saturates to the sine.
    let octave = increment.wrapping_sub(1).leading_zeros().saturating_sub(1) as usize;
    octave.min(OCTAVES - 1)
}

/// The table's value at `phase` (one cycle = 2^32), linearly interpolated.
///
/// Context: RT.
#[inline]
pub(crate) fn read(table: &Table, phase: u32) -> f32 {
    const SCALE: f32 = 1.0 / (1u32 << FRACTION_BITS) as f32;
    // The index is below 2^TABLE_BITS, so both reads are in range of the guard-extended
    // table and the bounds checks compile away.
    let index = (phase >> FRACTION_BITS) as usize;
    let fraction = (phase & ((1 << FRACTION_BITS) - 1)) as f32 * SCALE;
    let a = table[index];
    let b = table[index + 1];
    a + fraction * (b - a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The amplitude of harmonic `h` in a table, by direct DFT over one cycle.
    fn harmonic_amplitude(table: &Table, h: usize) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &x) in table[..TABLE_LEN].iter().enumerate() {
            let angle = TAU * (h * n) as f64 / TABLE_LEN as f64;
            re += f64::from(x) * angle.cos();
            im += f64::from(x) * angle.sin();
        }
        2.0 * (re * re + im * im).sqrt() / TABLE_LEN as f64
    }

    #[test]
    fn each_table_has_exactly_its_harmonics() {
        let tables = SawTables::shared();
        for (octave, table) in tables.tables.iter().enumerate().step_by(2) {
            let top = 1 << octave;
            let expected = 2.0 / (PI * top as f64);
            let got = harmonic_amplitude(table, top);
            assert!((got - expected).abs() < 1e-6, "octave {octave}: {got}");
            let above = harmonic_amplitude(table, top + 1);
            assert!(above < 1e-6, "octave {octave} has harmonic {}: {above}", top + 1);
            assert_eq!(table[TABLE_LEN], table[0]);
        }
    }

    #[test]
    fn tables_are_sawtooth_shaped() {
        let tables = SawTables::shared();
        let rich = &tables.tables[OCTAVES - 1];
        // A quarter cycle in, the ideal saw is at 1/2; the band-limited one is within its
        // ripple.
        assert!((rich[TABLE_LEN / 4] - 0.5).abs() < 1e-3, "{}", rich[TABLE_LEN / 4]);
        assert!(rich[0].abs() < 1e-6);
        // Just before the jump the richest table overshoots 1 by the Gibbs 9% of the jump
        // of 2: the price of exact harmonic amplitudes.
        let peak = rich.iter().fold(0.0_f32, |m, &x| m.max(x));
        assert!(peak > 1.17 && peak < 1.19, "{peak}");
    }

    #[test]
    fn octave_selection_keeps_harmonics_below_nyquist() {
        assert_eq!(octave_for_increment(1 << 31), 0);
        assert_eq!(octave_for_increment((1 << 31) + 1), 0);
        assert_eq!(octave_for_increment(u32::MAX), 0);
        assert_eq!(octave_for_increment(1 << 30), 1);
        assert_eq!(octave_for_increment((1 << 30) + 1), 0);
        assert_eq!(octave_for_increment((1 << 30) - 1), 1);
        assert_eq!(octave_for_increment(0), OCTAVES - 1);
        assert_eq!(octave_for_increment(1), OCTAVES - 1);
        for increment in [1u32, 1000, 1 << 20, 123_456_789, 1 << 29, 3 << 29, 1 << 31] {
            let octave = octave_for_increment(increment);
            let top_harmonic = (1u64 << octave) * u64::from(increment);
            assert!(top_harmonic <= 1 << 31, "{increment}: octave {octave}");
            if octave < OCTAVES - 1 {
                // And the next richer table would alias.
                assert!(top_harmonic * 2 > 1 << 31, "{increment}: octave {octave}");
            }
        }
    }

    #[test]
    fn read_interpolates_between_points() {
        let tables = SawTables::shared();
        let table = &tables.tables[3];
        assert_eq!(read(table, 5 << FRACTION_BITS), table[5]);
        let mid = read(table, (5 << FRACTION_BITS) + (1 << (FRACTION_BITS - 1)));
        assert!((mid - (table[5] + table[6]) / 2.0).abs() < 1e-7);
        // The last point interpolates towards the guard copy of the first.
        let last = read(table, u32::MAX);
        assert!((last - table[0]).abs() < 1e-3, "{last}");
    }
}
