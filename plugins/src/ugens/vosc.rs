//! `VOsc` (bufpos, freq, phase): `Osc` crossfading between the two wavetables around a
//! fractional buffer number, as scsynth's does.
//!
//! A position `p` plays the audio-buffers numbered `k = max(floor(p), 0)` and `k + 1`,
//! `a + f · (b − a)` for their values `a`, `b` at the phase and `f = p − floor(p)` (so
//! -0.3 plays 0.7 of the way from buffer 0 to 1), with the phase of `Osc` for buffer
//! `k`'s size ([`super::wavetable`]); but the frequency is read once a call even at audio
//! rate, and an audio-rate phase's steps are computed in `f64`. A frame whose buffers are
//! not both wavetables is 0; with none at the first frame the phase stands still.
//!
//! At audio rate the position moves across the call from the last call's value to the new
//! one ([`Sweep`]): a running `f32` sum of the fraction, from `p − floor(p)`, over buffer
//! `floor(p)`'s pair. A sweep that crosses a whole number is split there: the first part
//! reaches it exactly in `round(distance / slope)` frames, and the rest starts from it
//! with the pair whose first buffer it numbers; so a downward sweep reads that pair with a
//! fraction below 0 (extrapolating) until the next call.

use oscine_plugin_api::{Lease, PluginError, Rate, Registrar, ResourceAccess, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::wavetable::{BufferTable, PhaseReader, Wavetable};
use super::{expect_inputs, expect_outputs, expect_rate};
use crate::AudioBuffer;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("VOsc", VOsc));
}

/// `VOsc.ar(bufpos, freq, phase)`, `VOsc.kr(...)`.
pub(super) struct VOsc;

pub(super) struct VOscUnit {
    phase: PhaseReader,
    /// `bufpos` in the last call.
    position: f32,
    audio: bool,
}

impl UGen for VOsc {
    type Unit = VOscUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<VOscUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 3, 3)?;
        expect_outputs(spec, 1)?;
        Ok(VOscUnit { phase: PhaseReader::vosc(spec, 1, 2), position: 0.0, audio: spec.rate == Rate::Audio })
    }
}

/// The two buffers a `VOsc` crossfades, held for one call: looked up again only when the
/// pair changes.
struct Pair<'c> {
    access: &'c dyn ResourceAccess,
    /// The number of the pair's first buffer.
    first: f32,
    buffers: [Option<Lease<'c, AudioBuffer>>; 2],
}

impl<'c> Pair<'c> {
    fn new(access: &'c dyn ResourceAccess) -> Pair<'c> {
        Pair { access, first: f32::NAN, buffers: [None, None] }
    }

    /// Holds the pair from buffer `base` (a whole number; below 0, buffer 0), if it is
    /// not held already.
    #[inline]
    fn hold(&mut self, base: f32) {
        let first = base.max(0.0);
        if first != self.first {
            self.first = first;
            self.buffers = [buffer(self.access, first), buffer(self.access, first + 1.0)];
        }
    }

    /// The crossfade by `frac` of the pair from buffer `base` at `phase`; 0 unless both are
    /// wavetables.
    #[inline]
    fn value(&mut self, (base, frac): (f32, f32), phase: i32) -> f32 {
        self.hold(base);
        let [Some(a), Some(b)] = &self.buffers else { return 0.0 };
        match (BufferTable::new(a), BufferTable::new(b)) {
            (Some(a), Some(b)) => {
                let (a, b) = (a.lookup(phase), b.lookup(phase));
                a + frac * (b - a)
            }
            _ => 0.0,
        }
    }

    /// The cycle of the table of the pair's first buffer from `base`, if it is a
    /// wavetable.
    fn cycle(&mut self, base: f32) -> Option<f64> {
        self.hold(base);
        self.buffers[0].as_deref().and_then(BufferTable::new).map(|t| t.cycle())
    }
}

/// The position at rest: its pair's base and its fraction.
#[inline]
fn at_rest(position: f32) -> (f32, f32) {
    let base = position.floor();
    (base, position - base)
}

/// The position over one audio-rate call, frame by frame: the pair's base and the
/// fraction.
struct Sweep {
    target: f32,
    /// Frames left in the call.
    left: usize,
    /// Frames left in this part of the sweep.
    part: usize,
    /// Where the next part starts.
    boundary: f32,
    base: f32,
    frac: f32,
    slope: f32,
    /// More than a whole number a frame: each frame's position at rest.
    fast: Option<(f32, f32)>,
}

impl Sweep {
    fn new(start: f32, target: f32, frames: usize) -> Sweep {
        let mut sweep =
            Sweep { target, left: frames, part: 0, boundary: 0.0, base: 0.0, frac: 0.0, slope: 0.0, fast: None };
        if (target - start).abs() > frames as f32 {
            sweep.fast = Some((start, (target - start) / frames as f32));
        } else {
            sweep.begin(start);
        }
        sweep
    }

    /// Starts the part of the sweep from `start`: to the whole number it crosses first on
    /// the way to the target, or to the target.
    fn begin(&mut self, start: f32) {
        let (base, frac) = at_rest(start);
        (self.base, self.frac) = (base, frac);
        let slope = (self.target - start) / self.left as f32;
        let (boundary, crosses) = if self.target > start {
            (base + 1.0, base + 1.0 <= self.target)
        } else {
            let boundary = if frac == 0.0 { base - 1.0 } else { base };
            (boundary, self.target < boundary)
        };
        if crosses && slope != 0.0 && boundary != start {
            let part = ((boundary - start) / slope).round().clamp(0.0, self.left as f32) as usize;
            self.part = part;
            self.boundary = boundary;
            self.slope = if part > 0 { (boundary - start) / part as f32 } else { 0.0 };
        } else {
            (self.part, self.slope) = (self.left, slope);
        }
    }

    /// The next frame's base and fraction.
    #[inline]
    fn next(&mut self) -> (f32, f32) {
        if let Some((position, slope)) = &mut self.fast {
            let now = *position;
            *position += *slope;
            return at_rest(now);
        }
        while self.part == 0 && self.left > 0 {
            self.begin(self.boundary);
        }
        let now = (self.base, self.frac);
        self.frac += self.slope;
        self.part = self.part.saturating_sub(1);
        self.left = self.left.saturating_sub(1);
        now
    }
}

impl Unit for VOscUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let position = io.in0(0);
        self.position = position;
        let mut pair = Pair::new(io.ctx.access);
        let rest = at_rest(position);
        let first = match pair.cycle(rest.0) {
            Some(cycle) => self.phase.start_with(cycle, io, |phase| pair.value(rest, phase)),
            None => 0.0,
        };
        io.output(0)[0] = first;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let new = io.in0(0);
        let old = std::mem::replace(&mut self.position, new);
        let start = if self.audio { old } else { new };
        let mut sweep = Sweep::new(start, new, if self.audio { io.frames() } else { 1 });
        let mut pair = Pair::new(io.ctx.access);
        match pair.cycle(at_rest(start).0) {
            Some(cycle) => self.phase.read_with(cycle, io, 0, |phase| pair.value(sweep.next(), phase)),
            None => io.output(0).fill(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Sweep;

    fn sweep(start: f32, target: f32) -> Vec<(f32, f32)> {
        let mut s = Sweep::new(start, target, 64);
        (0..64).map(|_| s.next()).collect()
    }

    #[test]
    fn a_sweep_within_a_pair_is_a_running_sum() {
        let s = sweep(0.25, 0.75);
        assert!(s.iter().all(|&(base, _)| base == 0.0));
        assert_eq!(s[0].1, 0.25);
        assert!((s[63].1 - (0.75 - 0.5 / 64.0)).abs() < 1e-6);
    }

    #[test]
    fn a_sweep_across_a_whole_number_reaches_it_exactly_then_moves_on() {
        // 0.998 to 1.022: 1 is 5.33 steps away, so frames 0 to 4 climb to it in 5 and frame 5
        // is 1 exactly, the first of pair 1.
        let up = sweep(0.998, 1.022);
        assert_eq!(up[4].0, 0.0);
        assert_eq!(up[5], (1.0, 0.0));
        assert!((up[6].1 - 0.022 / 59.0).abs() < 1e-7);
        // Downward, pair 1 is kept below 1: its fraction goes negative.
        let down = sweep(1.022, 0.998);
        assert_eq!(down[59], (1.0, 0.0));
        assert!(down[63].0 == 1.0 && down[63].1 < 0.0);
    }

    #[test]
    fn a_sweep_of_many_whole_numbers_a_frame_takes_each_frame_at_rest() {
        let s = sweep(0.0, 640.5);
        assert_eq!(s[1].0, 10.0);
        assert!(s.iter().all(|&(_, f)| (0.0..1.0).contains(&f)));
    }
}
