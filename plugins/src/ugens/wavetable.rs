//! Wavetables read by an integer phase, as scsynth reads its sine table and the buffers
//! `Osc` and `COsc` play: the reader shared by `SinOsc` and the buffer oscillators.
//!
//! A table of `N` points (`N` a power of two) is stored as scsynth stores wavetables: for
//! consecutive points `a` and `b`, the pair `(2a − b, b − a)`, `2N` values in all. The
//! phase is a wrapping `i32` in which a cycle is `N · 2^16` steps: its bits above the low
//! 16 pick the pair, and the low 16 are the fraction, read as
//! `(2a − b) + (b − a) · (1 + frac)`, each step rounded to `f32`.
//!
//! [`PhaseReader`] drives the phase from a frequency and a phase input as scsynth's
//! `SinOsc` and `Osc` do. Each frame the phase grows by the frequency's steps,
//! `trunc(freq · cycle / rate)`: the product in `f64` for a control- or scalar-rate
//! frequency, read once per call (not ramped), and in `f32` for an audio-rate one. An
//! audio-rate phase input (radians) adds `trunc(phase · cycle / 2π)` (in `f32`) to each
//! frame's lookup, and so does a control-rate phase with an audio-rate frequency, ramped
//! across the call (a running sum). With a control- or scalar-rate frequency, a control-
//! or scalar-rate phase starts the phase at its steps (in `f64`), and a change of it is
//! spread over the call by adding `trunc(slope · cycle / 2π)` to each frame's increment,
//! where `slope` is the change over the call's frames. Conversions out of `i32`'s range
//! give `i32::MIN`, as x86's do. At control rate the phase grows by a block's worth each
//! block.
//!
//! Context: RT.

use std::f64::consts::TAU;

use oscine_plugin_api::{Rate, UnitIo, UnitSpec};

use super::signal::{scale_by, LaneRamp};
use crate::memo::Memo;
use crate::AudioBuffer;

/// A table in wavetable form, read at a phase.
pub(crate) trait Wavetable {
    /// Phase steps in a cycle: the table's points times 2^16.
    fn cycle(&self) -> f64;

    /// The table's value at `phase`.
    fn lookup(&self, phase: i32) -> f32;

    /// Fills `out` with the table's values at `phase`, `phase + inc`, `phase + 2 inc` …
    /// (wrapping) and returns the phase after the last: each value what
    /// [`lookup`](Self::lookup) gives.
    #[inline(always)]
    fn sweep(&self, out: &mut [f32], phase: i32, inc: i32) -> i32 {
        sweep_each(out, phase, inc, |p| self.lookup(p))
    }

    /// [`sweep`](Self::sweep), each value then multiplied by `ramp`'s at its frame
    /// ([`scale_by`]).
    #[inline(always)]
    fn sweep_scaled(&self, out: &mut [f32], phase: i32, inc: i32, ramp: &mut LaneRamp) -> i32 {
        let phase = self.sweep(out, phase, inc);
        scale_by(out, ramp);
        phase
    }
}

/// [`Wavetable::sweep`] a frame at a time, with `lookup` for each frame's phase.
#[inline(always)]
pub(crate) fn sweep_each(out: &mut [f32], mut phase: i32, inc: i32, mut lookup: impl FnMut(i32) -> f32) -> i32 {
    for o in out.iter_mut() {
        *o = lookup(phase);
        phase = phase.wrapping_add(inc);
    }
    phase
}

/// The value of the pair `[v1, v2]` at the low 16 bits of `phase`.
#[inline(always)]
pub(crate) fn interpolate(v1: f32, v2: f32, phase: i32) -> f32 {
    // 1 + frac, exactly: the 16 fraction bits as the top of a mantissa.
    let frac = f32::from_bits(0x3f80_0000 | (((phase as u32) & 0xffff) << 7));
    v1 + v2 * frac
}

/// The pair index of `phase` in a table of `mask + 1` points.
#[inline(always)]
pub(crate) fn point(phase: i32, mask: usize) -> usize {
    ((phase as u32) >> 16) as usize & mask
}

/// A buffer holding a wavetable: `2N` samples (counted across channels) for `N` points,
/// `N` a power of two.
pub(crate) struct BufferTable<'b> {
    buffer: &'b AudioBuffer,
    mask: usize,
}

impl<'b> BufferTable<'b> {
    /// `buffer` as a wavetable, or `None` when its sample count is not twice a power of
    /// two.
    #[inline]
    pub(crate) fn new(buffer: &'b AudioBuffer) -> Option<BufferTable<'b>> {
        let points = buffer.len() / 2;
        (buffer.len().is_multiple_of(2) && points.is_power_of_two()).then(|| BufferTable { buffer, mask: points - 1 })
    }
}

impl Wavetable for BufferTable<'_> {
    #[inline(always)]
    fn cycle(&self) -> f64 {
        (self.mask + 1) as f64 * 65536.0
    }

    #[inline(always)]
    fn lookup(&self, phase: i32) -> f32 {
        let i = 2 * point(phase, self.mask);
        interpolate(self.buffer.sample(i), self.buffer.sample(i + 1), phase)
    }
}

/// A buffer holding a table of `N` points as they are (not in wavetable form), `N` a
/// power of two, read without interpolation.
pub(crate) struct PlainTable<'b> {
    buffer: &'b AudioBuffer,
    mask: usize,
}

impl<'b> PlainTable<'b> {
    /// `buffer` as a plain table, or `None` when its sample count is not a power of two.
    #[inline]
    pub(crate) fn new(buffer: &'b AudioBuffer) -> Option<PlainTable<'b>> {
        buffer.len().is_power_of_two().then(|| PlainTable { buffer, mask: buffer.len() - 1 })
    }
}

impl Wavetable for PlainTable<'_> {
    #[inline(always)]
    fn cycle(&self) -> f64 {
        (self.mask + 1) as f64 * 65536.0
    }

    #[inline(always)]
    fn lookup(&self, phase: i32) -> f32 {
        self.buffer.sample(point(phase, self.mask))
    }
}

/// `x` truncated to an `i32` as x86's conversion truncates it (scsynth's C casts): a value
/// out of range, or NaN, gives `i32::MIN`.
#[inline(always)]
pub(crate) fn truncate(x: f64) -> i32 {
    if x > -2147483649.0 && x < 2147483648.0 {
        x as i32
    } else {
        i32::MIN
    }
}

/// The phase steps of `radians` in a table of `cycle` steps, truncated, the product in
/// `f64`.
#[inline(always)]
pub(crate) fn phase_steps(cycle: f64, radians: f32) -> i32 {
    truncate(f64::from(radians) * (cycle / TAU))
}

/// The phase steps of `radians`, truncated, the product in `f32` (for audio-rate inputs).
#[inline(always)]
pub(crate) fn phase_steps_f32(cycle: f64, radians: f32) -> i32 {
    truncate(f64::from(radians * (cycle / TAU) as f32))
}

/// The seconds one step of a phase stands for in a unit built from `spec`: a frame at
/// audio rate, a block at control rate. Times a cycle (a power of two), it gives the same
/// phase steps per hertz as `cycle · frames / rate`.
pub(crate) fn step_seconds(spec: &UnitSpec<'_>) -> f64 {
    let frames = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
    frames / spec.sample_rate
}

/// A phase driven by a frequency input and a phase input (radians), read through a
/// [`Wavetable`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhaseReader {
    /// The running phase (wrapping).
    phase: i32,
    /// The phase input's value in the last call (when it is not audio rate).
    last_phase_in: f32,
    /// Seconds a step of the phase stands for.
    step: f64,
    /// Where the frequency and phase inputs are.
    freq: usize,
    phase_in: usize,
    /// Whether an audio-rate frequency is read frame by frame (or, like a control-rate
    /// one, once a call).
    freq_frames: bool,
    /// The phase steps of an audio-rate phase input's radians.
    audio_phase_steps: fn(f64, f32) -> i32,
    /// Whether the frequency is not audio rate and the phase input is a finite constant,
    /// so that the phase never gets a change of the phase input to spread over a call.
    steady: bool,
    /// The last steady increment, kept with the frequency's bits.
    steady_inc: Memo<u32, i32>,
}

impl PhaseReader {
    /// A phase at 0 for a unit built from `spec`, reading its frequency from input `freq`
    /// and its phase from input `phase_in`.
    pub(crate) fn new(spec: &UnitSpec<'_>, freq: usize, phase_in: usize) -> PhaseReader {
        PhaseReader {
            phase: 0,
            last_phase_in: 0.0,
            step: step_seconds(spec),
            freq,
            phase_in,
            freq_frames: true,
            audio_phase_steps: phase_steps_f32,
            steady: spec.input_rate(freq) != Rate::Audio && spec.constant(phase_in).is_some_and(f32::is_finite),
            steady_inc: Memo::new(),
        }
    }

    /// As [`new`](Self::new), but reading an audio-rate frequency once a call (its first
    /// frame) and an audio-rate phase's steps with the product in `f64`, as scsynth's
    /// `VOsc` reads them.
    pub(crate) fn vosc(spec: &UnitSpec<'_>, freq: usize, phase_in: usize) -> PhaseReader {
        PhaseReader { freq_frames: false, audio_phase_steps: phase_steps, ..Self::new(spec, freq, phase_in) }
    }

    /// The frequency input over this call: all of an audio-rate one's frames, or its first.
    #[inline(always)]
    fn freq<'a>(&self, io: &UnitIo<'a, '_>) -> &'a [f32] {
        let values = io.input(self.freq);
        if self.freq_frames {
            values
        } else {
            &values[..1]
        }
    }

    /// Starts the phase from the phase input and returns the table's value there (in
    /// `Unit::init`).
    #[inline(always)]
    pub(crate) fn start(&mut self, table: &impl Wavetable, io: &UnitIo<'_, '_>) -> f32 {
        self.start_with(table.cycle(), io, |phase| table.lookup(phase))
    }

    /// Starts the phase from the phase input for a table of `cycle` steps and returns
    /// `lookup` of it.
    #[inline(always)]
    pub(crate) fn start_with(&mut self, cycle: f64, io: &UnitIo<'_, '_>, lookup: impl FnOnce(i32) -> f32) -> f32 {
        let phase_in = io.in0(self.phase_in);
        self.last_phase_in = phase_in;
        let audio = |i: usize| io.input_rate(i) == Rate::Audio;
        let offset = if audio(self.phase_in) || (self.freq_frames && audio(self.freq)) {
            (self.audio_phase_steps)(cycle, phase_in)
        } else {
            self.phase = phase_steps(cycle, phase_in);
            0
        };
        lookup(self.phase.wrapping_add(offset))
    }

    /// The phase's increment this call if the reader is steady (a frequency that is not
    /// audio rate and a constant phase input), when [`read`](Self::read) sweeps every frame
    /// at that one increment from where the phase is; none otherwise.
    ///
    /// A unit calls it with the same `cycle` every time (its table's).
    #[inline(always)]
    pub(crate) fn steady_increment(&mut self, cycle: f64, io: &UnitIo<'_, '_>) -> Option<i32> {
        if !self.steady {
            return None;
        }
        let step = self.step;
        let freq = io.in0(self.freq).to_bits();
        Some(self.steady_inc.get(freq, |freq| truncate(f64::from(f32::from_bits(freq)) * (cycle * step))))
    }

    /// Advances a steady reader's phase by a call's frames with `sweep`, which is given the
    /// phase and returns the phase after the last frame (as [`Wavetable::sweep`] does).
    #[inline(always)]
    pub(crate) fn sweep_with(&mut self, sweep: impl FnOnce(i32) -> i32) {
        self.phase = sweep(self.phase);
    }

    /// Reads `table` into output `output` for one call and advances the phase.
    #[inline(always)]
    pub(crate) fn read(&mut self, table: &impl Wavetable, io: &mut UnitIo<'_, '_>, output: usize) {
        self.read_frames(
            table.cycle(),
            io,
            output,
            |phase| table.lookup(phase),
            |out, phase, inc, _| table.sweep(out, phase, inc),
        );
    }

    /// [`read`](Self::read), each value multiplied by `ramp`'s at its frame: for a unit
    /// that took in a `*` as its output's scale.
    #[inline(always)]
    pub(crate) fn read_scaled(
        &mut self,
        table: &impl Wavetable,
        io: &mut UnitIo<'_, '_>,
        output: usize,
        ramp: &mut LaneRamp,
    ) {
        let mut swept = false;
        self.read_frames(
            table.cycle(),
            io,
            output,
            |phase| table.lookup(phase),
            |out, phase, inc, _| {
                swept = true;
                table.sweep_scaled(out, phase, inc, ramp)
            },
        );
        if !swept {
            scale_by(io.output(output), ramp);
        }
    }

    /// Fills output `output` for one call with `lookup` of each frame's phase (called once
    /// a frame, in order), for a table of `cycle` steps, and advances the phase.
    pub(crate) fn read_with(
        &mut self,
        cycle: f64,
        io: &mut UnitIo<'_, '_>,
        output: usize,
        lookup: impl FnMut(i32) -> f32,
    ) {
        self.read_frames(cycle, io, output, lookup, |out, phase, inc, lookup| sweep_each(out, phase, inc, lookup));
    }

    /// As [`read_with`](Self::read_with), with `sweep` filling the call's frames when the
    /// increment is the same for all of them (as [`Wavetable::sweep`] does).
    #[inline(always)]
    fn read_frames<L: FnMut(i32) -> f32>(
        &mut self,
        cycle: f64,
        io: &mut UnitIo<'_, '_>,
        output: usize,
        mut lookup: L,
        sweep: impl FnOnce(&mut [f32], i32, i32, &mut L) -> i32,
    ) {
        let steps_per_hz = cycle * self.step;
        let increment = |f: f32| truncate(f64::from(f) * steps_per_hz);
        if self.steady {
            // The path below for a control-rate frequency and phase, whose phase input
            // did not change: its slope is 0, which adds no steps.
            let inc = increment(io.in0(self.freq));
            self.phase = sweep(io.output(output), self.phase, inc, &mut lookup);
            return;
        }
        let (freq, phase_in) = (self.freq(io), io.input(self.phase_in));
        let audio_phase_steps = self.audio_phase_steps;
        let increment_f32 = |f: f32| truncate(f64::from(f * steps_per_hz as f32));
        let mut phase = self.phase;
        // A control-rate phase input's change over this call, per frame.
        let slope =
            if phase_in.len() == 1 { (phase_in[0] - self.last_phase_in) * (1.0 / io.frames() as f32) } else { 0.0 };
        let last_phase_in = std::mem::replace(&mut self.last_phase_in, phase_in[0]);
        let out = io.output(output);
        match (freq.len() > 1, phase_in.len() > 1) {
            (false, false) => {
                let inc = increment(freq[0]).wrapping_add(phase_steps(cycle, slope));
                phase = sweep(out, phase, inc, &mut lookup);
            }
            (false, true) => {
                let inc = increment(freq[0]);
                for (o, &p) in out.iter_mut().zip(phase_in) {
                    *o = lookup(phase.wrapping_add(audio_phase_steps(cycle, p)));
                    phase = phase.wrapping_add(inc);
                }
            }
            (true, false) => {
                // The phase input ramps (a running sum), each frame's value an offset.
                let mut p = last_phase_in;
                for (o, &f) in out.iter_mut().zip(freq) {
                    *o = lookup(phase.wrapping_add(phase_steps_f32(cycle, p)));
                    phase = phase.wrapping_add(increment_f32(f));
                    p += slope;
                }
            }
            (true, true) => {
                for ((o, &f), &p) in out.iter_mut().zip(freq).zip(phase_in) {
                    *o = lookup(phase.wrapping_add(audio_phase_steps(cycle, p)));
                    phase = phase.wrapping_add(increment_f32(f));
                }
            }
        }
        self.phase = phase;
    }
}

#[cfg(test)]
mod tests {
    use super::super::sine::sine_table;
    use super::{BufferTable, PlainTable, Wavetable};
    use crate::AudioBuffer;

    fn buffer(samples: usize) -> AudioBuffer {
        AudioBuffer::new(1, samples, 48_000.0).unwrap()
    }

    #[test]
    fn a_buffer_holding_the_sine_table_reads_as_the_sine_table() {
        let sine = sine_table();
        let b = buffer(2 * 8192);
        for i in 0..8192 {
            // The pair a point's phase picks, read back through the sine table itself.
            let phase = (i << 16) as i32;
            let (v1, v2) = (sine.lookup(phase), sine.lookup(phase.wrapping_add(1 << 16)));
            b.set_sample(2 * i, 2.0 * v1 - v2);
            b.set_sample(2 * i + 1, v2 - v1);
        }
        let table = BufferTable::new(&b).unwrap();
        assert_eq!(table.cycle(), sine.cycle());
        for k in 0..10_000i64 {
            let phase = (k * 214_749) as i32;
            assert!((table.lookup(phase) - sine.lookup(phase)).abs() < 1e-6, "{k}");
        }
    }

    #[test]
    fn tables_need_a_power_of_two_of_points() {
        assert!(BufferTable::new(&buffer(512)).is_some());
        assert!(BufferTable::new(&buffer(2)).is_some());
        assert!(BufferTable::new(&buffer(1000)).is_none());
        assert!(BufferTable::new(&buffer(1)).is_none());
        assert!(PlainTable::new(&buffer(1)).is_some());
        assert!(PlainTable::new(&buffer(1000)).is_none());
        let plain = buffer(4);
        (0..4).for_each(|i| plain.set_sample(i, i as f32));
        let table = PlainTable::new(&plain).unwrap();
        // Without interpolation: the point below the phase, wrapping each cycle.
        assert_eq!([0x1_8000, 0x3_ffff, 0x4_0000].map(|p| table.lookup(p)), [1.0, 3.0, 0.0]);
    }
}
