//! The `gen` operation of `audio-buffer`: fills a buffer with a sum of sines, as
//! scsynth's `/b_gen` commands `sine1`, `sine2` and `sine3` do.
//!
//! `gen command flags args...`, where `flags` adds up:
//! - 1 (normalize): scales the result so that its peak is 1;
//! - 2 (wavetable): writes the table in wavetable form, the form `Osc`, `COsc` and the other
//!   wavetable readers read: for consecutive values `a`, `b` of an `n`-point table, the
//!   pair `2a − b`, `b − a`, so a buffer of `2n` samples holds `n` points;
//! - 4 (clear): starts from silence; otherwise the partials add to what the buffer holds.
//!
//! A table spans the whole buffer, which must have one channel (scsynth leaves a buffer of
//! more channels as it was). Partial frequencies are in cycles per table.
//!
//! The arithmetic is scsynth's, as its output shows, so the tables match its to the bit:
//! each partial's phase is a running `f64` sum of its step and its values are computed in
//! `f64` and added to the buffer's `f32` samples one partial at a time (each sum in `f64`,
//! rounded to `f32`); normalizing finds the peak in `f32` (in wavetable form, of each
//! pair's `f32` sum) and multiplies every sample by the `f32` reciprocal of it.
//!
//! Context: NRT (a worker).

use std::f64::consts::TAU;

use oscine_plugin_api::{PluginError, ResourceArg};

use crate::AudioBuffer;

const NORMALIZE: i64 = 1;
const WAVETABLE: i64 = 2;
const CLEAR: i64 = 4;

/// One sine partial: cycles per table, amplitude, phase in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Partial {
    cycles: f64,
    amplitude: f64,
    phase: f64,
}

/// Runs `gen` on `buffer`.
pub(crate) fn gen(buffer: &AudioBuffer, args: &[ResourceArg]) -> Result<(), PluginError> {
    let [command, flags, rest @ ..] = args else {
        return Err(PluginError::new(
            "gen takes a command (sine1, sine2, sine3, cheby), flags and the command's values",
        ));
    };
    let command = command.as_str().ok_or_else(|| PluginError::new("gen: the command is a name"))?;
    let flags = flags
        .as_int()
        .filter(|f| (0..8).contains(f))
        .ok_or_else(|| PluginError::new("gen: flags are a whole number in 0..8 (1 normalize, 2 wavetable, 4 clear)"))?;
    let numbers = rest
        .iter()
        .map(|a| a.as_float().ok_or_else(|| PluginError::new(format!("gen {command}: its values are numbers"))))
        .collect::<Result<Vec<f64>, _>>()?;
    let cheby = command == "cheby";
    let partials = if cheby { Vec::new() } else { partials(command, &numbers)? };
    if buffer.channels() != 1 {
        return Err(PluginError::new(format!(
            "gen {command} fills one-channel buffers, and this one has {} channels",
            buffer.channels()
        )));
    }
    let wavetable = flags & WAVETABLE != 0;
    if wavetable && !buffer.len().is_multiple_of(2) {
        return Err(PluginError::new(format!(
            "gen {command}: a wavetable needs an even number of samples, the buffer has {}",
            buffer.len()
        )));
    }
    let mut table: Vec<f32> = if flags & CLEAR != 0 {
        vec![0.0; buffer.len()]
    } else {
        (0..buffer.len()).map(|i| buffer.sample(i)).collect()
    };
    if cheby {
        add_chebyshev(&mut table, &numbers, wavetable);
    } else if wavetable {
        add_wavetable_partials(&mut table, &partials);
    } else {
        add_partials(&mut table, &partials);
    }
    if flags & NORMALIZE != 0 {
        normalize(&mut table, wavetable);
    }
    for (i, v) in table.into_iter().enumerate() {
        buffer.set_sample(i, v);
    }
    Ok(())
}

/// The partials a command's values describe.
fn partials(command: &str, numbers: &[f64]) -> Result<Vec<Partial>, PluginError> {
    let grouped = |size: usize, make: fn(&[f64]) -> Partial| {
        if numbers.len().is_multiple_of(size) {
            Ok(numbers.chunks(size).map(make).collect())
        } else {
            Err(PluginError::new(format!("gen {command} takes groups of {size} values, got {}", numbers.len())))
        }
    };
    match command {
        "sine1" => Ok(numbers
            .iter()
            .enumerate()
            .map(|(k, &amplitude)| Partial { cycles: (k + 1) as f64, amplitude, phase: 0.0 })
            .collect()),
        "sine2" => grouped(2, |g| Partial { cycles: g[0], amplitude: g[1], phase: 0.0 }),
        "sine3" => grouped(3, |g| Partial { cycles: g[0], amplitude: g[1], phase: g[2] }),
        other => Err(PluginError::new(format!("gen: no command '{other}' (there are sine1, sine2, sine3 and cheby)"))),
    }
}

/// Adds a waveshaping transfer function to the table: the sum of Chebyshev polynomials
/// `amplitudes[k] · T(k+1)(x)` (`T(n)(x) = cos(n · acos x)` on [−1, 1]), over `x` from −1 (point 0)
/// by steps of `2 / points`, offset so that its centre (`x` = 0) is 0, as scsynth's
/// `cheby` fills it. In wavetable form the last pair ends at `x` = 1.
fn add_chebyshev(table: &mut [f32], amplitudes: &[f64], wavetable: bool) {
    let points = if wavetable { table.len() / 2 } else { table.len() };
    if points == 0 {
        return;
    }
    // By the recurrence T(n+1) = 2x·T(n) − T(n−1), exact where x is a short binary
    // fraction, as scsynth's tables are.
    let shape = |x: f64| -> f64 {
        let (mut previous, mut current, mut sum) = (1.0, x, 0.0);
        for a in amplitudes {
            sum += a * current;
            (previous, current) = (current, 2.0 * x * current - previous);
        }
        sum
    };
    let centre = shape(0.0);
    let value = |i: usize| shape(2.0 * i as f64 / points as f64 - 1.0) - centre;
    if wavetable {
        for i in 0..points {
            // The last pair reaches x = 1: a transfer function does not wrap round.
            let (a, b) = (value(i), value(i + 1));
            add(&mut table[2 * i], 2.0 * a - b);
            add(&mut table[2 * i + 1], b - a);
        }
    } else {
        for (i, sample) in table.iter_mut().enumerate() {
            add(sample, value(i));
        }
    }
}

/// `value` added to `sample`, the sum rounded to `f32`.
fn add(sample: &mut f32, value: f64) {
    *sample = (f64::from(*sample) + value) as f32;
}

/// Adds each partial to a plain table.
fn add_partials(table: &mut [f32], partials: &[Partial]) {
    let size = table.len() as f64;
    for p in partials.iter().filter(|p| p.amplitude != 0.0) {
        let step = TAU * p.cycles / size;
        let mut x = p.phase;
        for v in table.iter_mut() {
            add(v, p.amplitude * x.sin());
            x += step;
        }
    }
}

/// Adds each partial to a table in wavetable form.
fn add_wavetable_partials(table: &mut [f32], partials: &[Partial]) {
    let points = table.len() / 2;
    let step_size = TAU / points as f64;
    for p in partials.iter().filter(|p| p.amplitude != 0.0) {
        let step = step_size * p.cycles;
        let mut x = p.phase;
        for pair in table.chunks_exact_mut(2) {
            let a = p.amplitude * x.sin();
            x += step;
            let b = p.amplitude * x.sin();
            add(&mut pair[0], 2.0 * a - b);
            add(&mut pair[1], b - a);
        }
    }
}

/// Scales the table so that its peak is 1 (a silent table stays silent). In wavetable
/// form the peak is over the points the pairs encode (`2a − b + b − a = a`).
fn normalize(table: &mut [f32], wavetable: bool) {
    let peak = if wavetable {
        table.chunks_exact(2).map(|pair| (pair[0] + pair[1]).abs()).fold(0.0, f32::max)
    } else {
        table.iter().map(|v| v.abs()).fold(0.0, f32::max)
    };
    if peak > 0.0 {
        let scale = (1.0 / f64::from(peak)) as f32;
        for v in table.iter_mut() {
            *v *= scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceArg::{Float as F, Int as I};

    fn run(samples: usize, args: &[ResourceArg]) -> Result<Vec<f32>, PluginError> {
        let buffer = AudioBuffer::new(1, samples, 48_000.0).unwrap();
        gen(&buffer, args)?;
        Ok((0..samples).map(|i| buffer.sample(i)).collect())
    }

    fn name(s: &str) -> ResourceArg {
        ResourceArg::String(s.into())
    }

    #[test]
    fn sine1_sums_harmonics_and_normalizes() {
        let table = run(8, &[name("sine1"), I(NORMALIZE | CLEAR), F(1.0), F(1.0)]).unwrap();
        let raw: Vec<f64> = (0..8).map(|i| (TAU * i as f64 / 8.0).sin() + (TAU * 2.0 * i as f64 / 8.0).sin()).collect();
        let peak = raw.iter().map(|v| v.abs()).fold(0.0, f64::max);
        for (t, r) in table.iter().zip(&raw) {
            assert!((f64::from(*t) - r / peak).abs() < 1e-7, "{table:?}");
        }
        assert!(table.iter().any(|v| (v.abs() - 1.0).abs() < 1e-7));
    }

    #[test]
    fn wavetable_pairs_decode_to_the_table() {
        let table = run(16, &[name("sine3"), I(WAVETABLE | CLEAR), F(1.0), F(0.5), F(1.0)]).unwrap();
        for i in 0..8 {
            let a = 0.5 * (1.0 + TAU * i as f64 / 8.0).sin();
            let b = 0.5 * (1.0 + TAU * (i + 1) as f64 / 8.0).sin();
            assert!((f64::from(table[2 * i] + table[2 * i + 1]) - a).abs() < 1e-6);
            // 1 + frac at frac = 1 reaches the next point.
            assert!((f64::from(table[2 * i] + 2.0 * table[2 * i + 1]) - b).abs() < 1e-6);
        }
    }

    #[test]
    fn without_clear_partials_add_to_the_buffer() {
        let buffer = AudioBuffer::new(1, 4, 48_000.0).unwrap();
        for i in 0..4 {
            buffer.set_sample(i, 1.0);
        }
        gen(&buffer, &[name("sine2"), I(0), F(1.0), F(1.0)]).unwrap();
        let expected = [1.0, 2.0, 1.0, 0.0];
        for (i, e) in expected.iter().enumerate() {
            assert!((buffer.sample(i) - e).abs() < 1e-6);
        }
    }

    #[test]
    fn cheby_fills_as_scsynth_does() {
        // scsynth's renders of /b_gen cheby on an 8-sample buffer, and on 16 as a wavetable.
        let got = |flags, amps: &[f64], n| {
            let mut args = vec![name("cheby"), I(flags)];
            args.extend(amps.iter().map(|a| F(*a)));
            run(n, &args).unwrap()
        };
        assert_eq!(got(CLEAR, &[1.0], 8), [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75]);
        assert_eq!(got(CLEAR, &[0.0, 1.0], 8), [2.0, 1.125, 0.5, 0.125, 0.0, 0.125, 0.5, 1.125]);
        assert_eq!(got(CLEAR | NORMALIZE, &[0.0, 1.0], 8), [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0625, 0.25, 0.5625]);
        assert_eq!(got(CLEAR, &[1.0, 0.5], 8), [0.0, -0.1875, -0.25, -0.1875, 0.0, 0.3125, 0.75, 1.3125]);
        assert_eq!(
            got(CLEAR | WAVETABLE, &[0.0, 1.0], 16),
            [
                2.875, -0.875, 1.75, -0.625, 0.875, -0.375, 0.25, -0.125, -0.125, 0.125, -0.25, 0.375, -0.125, 0.625,
                0.25, 0.875
            ]
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        for (args, reason) in [
            (vec![name("chebyshev"), I(0), F(1.0)], "no command 'chebyshev'"),
            (vec![name("sine2"), I(0), F(1.0)], "groups of 2 values, got 1"),
            (vec![name("sine1"), I(9), F(1.0)], "flags are a whole number in 0..8"),
            (vec![name("sine1")], "gen takes a command"),
            (vec![name("sine1"), I(0), name("x")], "its values are numbers"),
        ] {
            let e = run(8, &args).unwrap_err();
            assert!(e.reason().contains(reason), "{}", e.reason());
        }
        assert!(run(7, &[name("sine1"), I(WAVETABLE), F(1.0)]).unwrap_err().reason().contains("even number"));
        let stereo = AudioBuffer::new(2, 4, 48_000.0).unwrap();
        let e = gen(&stereo, &[name("sine1"), I(0), F(1.0)]).unwrap_err();
        assert!(e.reason().contains("one-channel buffers, and this one has 2"), "{}", e.reason());
    }
}
