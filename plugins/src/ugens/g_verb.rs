//! `GVerb.ar(in, roomsize, revtime, damping, inputbw, spread, drylevel, earlyreflevel,
//! taillevel, maxroomsize)`: a stereo room reverb with two outputs. Not scsynth's
//! algorithm (whose output Oscine does not match, see docs/ugens.md), but one with the same
//! inputs and their meanings, written from the textbook feedback delay network:
//!
//! - The input goes through a one-pole lowpass whose coefficient is `inputbw` (1 passes
//!   it all, 0 nothing); the dry level scales that filtered input, as in scsynth.
//! - Early reflections: taps of the filtered input at fixed fractions of the room's
//!   longest delay, `roomsize / 340 m/s`, different for each side.
//! - The tail: four delay lines of that longest delay times 1, 0.816, 0.707 and 0.632,
//!   each line's output damped by a one-pole lowpass (`damping`, 0 bright to 1 dark),
//!   scaled so that it falls 60 dB in `revtime` seconds, and fed back through a
//!   Householder matrix; each side mixes the lines with its own signs through an allpass
//!   `spread` frames long (the sides' decorrelation grows with it).
//!
//! `maxroomsize` sizes the delay lines when the unit is built, so it must be a constant of
//! the graph (as it is in every SynthDef sclang writes); `roomsize` is read once per
//! block and held within 1 m and `maxroomsize`. The other inputs are read once per block.
//! The lines are allocated when the unit is built (off the audio thread).

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::frame;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("GVerb", GVerb));
}

/// The speed of sound, metres a second.
const SOUND: f64 = 340.0;
/// Each tail line's length, as a fraction of the room's longest delay.
const LINES: [f64; 4] = [1.0, 0.816_496_6, std::f64::consts::FRAC_1_SQRT_2, 0.632_455_5];
/// Each side's early taps: (fraction of the longest delay, gain).
const EARLY: [[(f64, f32); 4]; 2] =
    [[(0.0, 1.0), (0.1, 0.7), (0.21, -0.5), (0.37, 0.35)], [(0.0, 1.0), (0.13, -0.65), (0.26, 0.5), (0.41, -0.3)]];
/// Each side's signs for the four lines.
const SIGNS: [[f32; 4]; 2] = [[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]];
/// The tail's gain: its level at `taillevel` 1 comes near scsynth's for the same room.
const TAIL_GAIN: f32 = 1.5;
/// The largest `spread`, in frames.
const MAX_SPREAD: usize = 1 << 12;

pub(super) struct GVerb;

/// A delay line read at any delay up to its length.
struct Line {
    data: Box<[f32]>,
    at: usize,
}

impl Line {
    fn new(frames: usize) -> Line {
        Line { data: vec![0.0; frames.max(1) + 1].into_boxed_slice(), at: 0 }
    }

    /// The value written `delay` frames ago (at least 1, at most the line's length).
    #[inline(always)]
    fn read(&self, delay: usize) -> f32 {
        let n = self.data.len();
        let delay = delay.clamp(1, n - 1);
        self.data[(self.at + n - delay) % n]
    }

    #[inline(always)]
    fn write(&mut self, x: f32) {
        self.data[self.at] = x;
        self.at = (self.at + 1) % self.data.len();
    }
}

pub(super) struct GVerbUnit {
    rate: f64,
    max_room: f32,
    input: f32,
    early: Line,
    tail: [Line; 4],
    damped: [f32; 4],
    diffusers: [Line; 2],
}

impl UGen for GVerb {
    type Unit = GVerbUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<GVerbUnit, PluginError> {
        expect_rate(spec, &[Rate::Audio])?;
        expect_inputs(spec, 10, 10)?;
        expect_outputs(spec, 2)?;
        let max_room = spec.constant(9).ok_or_else(|| {
            PluginError::new("GVerb: maxroomsize sizes the delay lines when the unit is built: it must be a constant")
        })?;
        if !(1.0..=1000.0).contains(&max_room) {
            return Err(PluginError::new(format!("GVerb: maxroomsize {max_room} m is not in 1..1000")));
        }
        let longest = (f64::from(max_room) / SOUND * spec.sample_rate).ceil() as usize;
        Ok(GVerbUnit {
            rate: spec.sample_rate,
            max_room,
            input: 0.0,
            early: Line::new(longest),
            tail: LINES.map(|f| Line::new((longest as f64 * f).ceil() as usize)),
            damped: [0.0; 4],
            diffusers: [Line::new(MAX_SPREAD), Line::new(MAX_SPREAD)],
        })
    }
}

/// `x` where it is a number, or `fallback`, within `lo..=hi`.
fn held(x: f32, lo: f32, hi: f32, fallback: f32) -> f32 {
    if x.is_nan() {
        fallback
    } else {
        x.clamp(lo, hi)
    }
}

impl GVerbUnit {
    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let input = io.input(0);
        let room = held(io.in0(1), 1.0, self.max_room, 10.0);
        let revtime = held(io.in0(2), 1e-3, 1e4, 3.0);
        let damping = held(io.in0(3), 0.0, 1.0, 0.5);
        let bandwidth = held(io.in0(4), 0.0, 1.0, 0.5);
        let spread = held(io.in0(5), 0.0, MAX_SPREAD as f32 - 1.0, 15.0) as usize;
        let (dry, early_level, tail_level) = (io.in0(6), io.in0(7), io.in0(8));
        let longest = f64::from(room) / SOUND * self.rate;
        let lengths = LINES.map(|f| (longest * f).round().max(1.0) as usize);
        let gains = lengths.map(|l| 10f64.powf(-3.0 * l as f64 / (f64::from(revtime) * self.rate)) as f32);
        let taps = EARLY.map(|side| side.map(|(f, g)| ((longest * f).round() as usize + 1, g)));
        let (left, right) = io.output_pair(0, 1);
        for f in 0..frames {
            self.input += bandwidth * (frame(input, f) - self.input);
            let x = self.input;
            self.early.write(x);
            let mut early = [0.0f32; 2];
            for (side, taps) in early.iter_mut().zip(&taps) {
                *side = taps.iter().map(|&(d, g)| g * self.early.read(d)).sum::<f32>() * 0.5;
            }
            let mut outs = [0.0f32; 4];
            for (k, line) in self.tail.iter().enumerate() {
                let y = line.read(lengths[k]);
                self.damped[k] = y + damping * (self.damped[k] - y);
                outs[k] = self.damped[k] * gains[k];
            }
            // Householder feedback: each line gets its output minus half the sum.
            let half = 0.5 * outs.iter().sum::<f32>();
            for (line, o) in self.tail.iter_mut().zip(outs) {
                line.write(x + o - half);
            }
            let mut tails = [0.0f32; 2];
            for ((side, signs), diffuser) in tails.iter_mut().zip(&SIGNS).zip(&mut self.diffusers) {
                let mixed: f32 = outs.iter().zip(signs).map(|(o, s)| o * s).sum::<f32>() * TAIL_GAIN;
                // An allpass of `spread` frames with a gain of 0.5.
                let delayed = diffuser.read(spread.max(1));
                let w = mixed + 0.5 * delayed;
                diffuser.write(w);
                *side = delayed - 0.5 * w;
            }
            left[f] = dry * x + early_level * early[0] + tail_level * tails[0];
            right[f] = dry * x + early_level * early[1] + tail_level * tails[1];
        }
    }
}

impl Unit for GVerbUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        for out in io.outputs() {
            out[0] = 0.0;
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = io.frames();
        self.compute(io, frames);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{held, wire, Input, Runner, AWKWARD, BLOCK};
    use super::GVerb;

    fn inputs(max_room: Input) -> Vec<Input> {
        let mut all = vec![wire(Rate::Audio, |n| if n == 0 { 1.0 } else { 0.0 })];
        all.extend([10.0, 1.0, 0.5, 0.5, 15.0, 0.0, 0.7, 0.5].map(|v| held(Rate::Control, v)));
        all.push(max_room);
        all
    }

    #[test]
    fn maxroomsize_must_be_a_constant_and_the_tail_decays() {
        assert!(Runner::with_outputs(&GVerb, Rate::Audio, 0, &inputs(held(Rate::Control, 20.0)), 2).is_err());
        let mut verb = Runner::with_outputs(&GVerb, Rate::Audio, 0, &inputs(Input::Constant(20.0)), 2).unwrap();
        verb.init();
        let energy = |verb: &mut Runner, blocks: usize| -> f32 {
            (0..blocks).map(|_| verb.next(BLOCK).0.iter().map(|x| x * x).sum::<f32>()).sum()
        };
        let first = energy(&mut verb, 375);
        let second = energy(&mut verb, 375);
        assert!(first > 0.0 && second < first * 0.1, "1 s reverb: {first} then {second}");
        assert!(verb.output(1, BLOCK).iter().all(|x| x.is_finite()));
    }

    #[test]
    fn survives_awkward_inputs() {
        for input in 1..9 {
            for &value in &AWKWARD {
                let mut all = inputs(Input::Constant(20.0));
                all[input] = held(Rate::Control, value);
                let mut verb = Runner::with_outputs(&GVerb, Rate::Audio, 0, &all, 2).unwrap();
                verb.init();
                verb.next(24);
                verb.set(input, 0.5);
                verb.next(BLOCK);
            }
        }
        for max_room in AWKWARD {
            let _ = Runner::with_outputs(&GVerb, Rate::Audio, 0, &inputs(Input::Constant(max_room)), 2);
        }
    }
}
