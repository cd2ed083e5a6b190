//! Delay lines: `DelayN`, `DelayL`, `DelayC`, and the feedback ones, `CombN/L/C` and
//! `AllpassN/L/C`, with their line inside the unit; and `BufDelayN/L/C`, `BufCombN/L/C`
//! and `BufAllpassN/L/C`, whose line is the `audio-buffer` numbered by their first input.
//! Inputs: the signal, the maximum delay time (fixed when the unit is built), the delay
//! time, and (comb and allpass) the decay time; the buffer kinds take the buffer number
//! in place of the maximum delay time, before the signal.
//!
//! A unit's own line is allocated when the unit is built (off the audio thread) and freed
//! with it. A buffer line is looked up every call and held only for it: it uses the
//! largest power of two of the buffer's samples (counted across channels; the buffer is
//! meant to have one), and a delay of at most that less one frame, as scsynth's do; with
//! no buffer at the number the output is 0 and the write position stands still.
//!
//! `N` reads the sample `floor(delay · rate)` frames back, `L` interpolates linearly
//! between the two nearest, `C` with a 4-point cubic (Catmull-Rom) through the four
//! nearest. A comb feeds its output back, `line[n] = in[n] + g · line[n − D]`, and outputs
//! `line[n − D]`; an allpass outputs `line[n − D] − g · line[n]`. The feedback gain
//! `g = 0.001^(delay / |decay|)`, negative for a negative decay time, makes the echoes
//! fall by 60 dB in the decay time. As in scsynth, a cubic reader outputs silence until
//! its furthest point lies inside what has been written (audible only for `AllpassC`, whose
//! direct term would otherwise sound at once).

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::buffer_info::buffer;
use super::signal::frame;
use super::{expect_inputs, expect_outputs, expect_rate};
use crate::AudioBuffer;

pub(super) fn register(registrar: &mut dyn Registrar) {
    for (kind, kname) in [(Kind::Delay, "Delay"), (Kind::Comb, "Comb"), (Kind::Allpass, "Allpass")] {
        for (read, rname) in [(Read::None, "N"), (Read::Linear, "L"), (Read::Cubic, "C")] {
            registrar.register_ugen(UGenTable::new(format!("{kname}{rname}"), DelayLine { kind, read }));
            registrar.register_ugen(UGenTable::new(format!("Buf{kname}{rname}"), BufDelayLine { kind, read }));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Delay,
    Comb,
    Allpass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    None,
    Linear,
    Cubic,
}

/// The memory a delay line runs in: a power of two of samples, written in a circle.
trait Line {
    /// The samples less one (their count is a power of two).
    fn mask(&self) -> usize;
    fn get(&self, i: usize) -> f32;
    fn set(&mut self, i: usize, value: f32);
    /// The delay in frames for `seconds` at `rate` frames a second, within what the line
    /// holds.
    fn limit(&self, seconds: f32, rate: f32) -> f32;
}

/// A unit's own line, with room for its maximum delay time.
struct OwnLine {
    samples: Box<[f32]>,
    max_delay: f32,
}

impl Line for OwnLine {
    #[inline(always)]
    fn mask(&self) -> usize {
        self.samples.len() - 1
    }
    #[inline(always)]
    fn get(&self, i: usize) -> f32 {
        self.samples[i]
    }
    #[inline(always)]
    fn set(&mut self, i: usize, value: f32) {
        self.samples[i] = value;
    }
    #[inline(always)]
    fn limit(&self, seconds: f32, rate: f32) -> f32 {
        seconds.clamp(0.0, self.max_delay) * rate
    }
}

/// An `audio-buffer` as a line: the largest power of two of its samples.
struct BufferLine<'b> {
    buffer: &'b AudioBuffer,
    mask: usize,
}

impl<'b> BufferLine<'b> {
    fn new(buffer: &'b AudioBuffer) -> BufferLine<'b> {
        // A buffer holds at least one sample.
        let size = 1usize << buffer.len().max(1).ilog2();
        BufferLine { buffer, mask: size - 1 }
    }
}

impl Line for BufferLine<'_> {
    #[inline(always)]
    fn mask(&self) -> usize {
        self.mask
    }
    #[inline(always)]
    fn get(&self, i: usize) -> f32 {
        self.buffer.sample(i)
    }
    #[inline(always)]
    fn set(&mut self, i: usize, value: f32) {
        self.buffer.set_sample(i, value);
    }
    #[inline(always)]
    fn limit(&self, seconds: f32, rate: f32) -> f32 {
        (seconds.max(0.0) * rate).min(self.mask as f32)
    }
}

/// What a delay unit keeps between calls, whichever line it runs in.
struct Tap {
    kind: Kind,
    read: Read,
    /// The input the signal comes in on.
    input: usize,
    write: usize,
    /// Frames computed so far (for the cubic reader's start).
    computed: u64,
    rate: f32,
    audio: bool,
    /// The delay in frames and the feedback gain at the end of the last call.
    delay: f32,
    feedback: f32,
}

impl Tap {
    /// A tap for a unit of `kind` built from `spec`, after checking its inputs, outputs
    /// and rate; the signal comes in on input `input`.
    fn new(spec: &UnitSpec<'_>, kind: Kind, read: Read, input: usize) -> Result<Tap, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        let inputs = if kind == Kind::Delay { 3 } else { 4 };
        expect_inputs(spec, inputs, inputs)?;
        expect_outputs(spec, 1)?;
        let rate = if spec.rate == Rate::Audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        Ok(Tap {
            kind,
            read,
            input,
            write: 0,
            computed: 0,
            rate: rate as f32,
            audio: spec.rate == Rate::Audio,
            delay: 0.0,
            feedback: 0.0,
        })
    }

    /// The delay in frames for a delay time in seconds, within the line (or unlimited,
    /// with no line).
    #[inline]
    fn frames(&self, line: Option<&dyn Line>, seconds: f32) -> f32 {
        let lowest = if self.read == Read::Cubic { 2.0 } else { 1.0 };
        line.map_or(seconds * self.rate, |l| l.limit(seconds, self.rate)).max(lowest)
    }

    /// The delay in frames and the feedback gain for frame `i`'s delay and decay times
    /// (the gain from the delay time as it is, not as the line limits it).
    #[inline]
    fn at(&self, line: Option<&dyn Line>, delay_in: &[f32], decay_in: Option<&[f32]>, i: usize) -> (f32, f32) {
        let seconds = frame(delay_in, i);
        let delay = self.frames(line, seconds);
        let decay = decay_in.map_or(0.0, |d| frame(d, i));
        (delay, Self::feedback(seconds, decay))
    }

    /// The line `delay` frames before the write position.
    #[inline]
    fn tap(&self, line: &impl Line, delay: f32) -> f32 {
        let whole = delay.floor();
        let mask = line.mask();
        let at = |k: usize| line.get(self.write.wrapping_sub(k) & mask);
        let d = whole as usize;
        let frac = delay - whole;
        match self.read {
            Read::None => at(d),
            Read::Linear => {
                let (a, b) = (at(d), at(d + 1));
                a + frac * (b - a)
            }
            Read::Cubic => {
                let (y0, y1, y2, y3) = (at(d - 1), at(d), at(d + 1), at(d + 2));
                let c1 = 0.5 * (y2 - y0);
                let c2 = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
                let c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
                ((c3 * frac + c2) * frac + c1) * frac + y1
            }
        }
    }

    #[inline]
    fn feedback(delay_seconds: f32, decay: f32) -> f32 {
        if decay == 0.0 {
            return 0.0;
        }
        let g = (0.001f32.ln() * delay_seconds / decay.abs()).exp();
        if decay < 0.0 {
            -g
        } else {
            g
        }
    }

    /// Takes the delay and decay times' first values (in `Unit::init`).
    fn start(&mut self, line: Option<&dyn Line>, io: &mut UnitIo<'_, '_>) {
        let decay_in = (self.kind != Kind::Delay).then(|| io.input(3));
        (self.delay, self.feedback) = self.at(line, io.input(2), decay_in, 0);
        io.output(0)[0] = 0.0;
    }

    /// Runs the line for one call.
    ///
    /// At audio rate, control-rate delay and decay times move the delay in frames and
    /// the feedback gain across the call from the last call's values to the new ones,
    /// each frame a step on (running `f32` sums), as scsynth's do; an audio-rate delay or
    /// decay time gives each frame its own, and at control rate the one frame takes the
    /// new values.
    fn next(&mut self, line: &mut impl Line, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        let input = io.input(self.input);
        let delay_in = io.input(2);
        let decay_in = (self.kind != Kind::Delay).then(|| io.input(3));
        let per_frame = !self.audio || delay_in.len() > 1 || decay_in.is_some_and(|d| d.len() > 1);
        let (mut delay, mut g) = (self.delay, self.feedback);
        let (delay_step, g_step) = if per_frame {
            (0.0, 0.0)
        } else {
            let (new_delay, new_g) = self.at(Some(&*line), delay_in, decay_in, 0);
            let k = 1.0 / frames as f32;
            ((new_delay - delay) * k, (new_g - g) * k)
        };
        let mask = line.mask();
        let out = io.output(0);
        if !per_frame && delay_step == 0.0 && g_step == 0.0 && self.read != Read::Cubic {
            // The delay and gain hold still: what every frame below would work out again
            // is the same all call long.
            self.run_steady(line, input, &mut out[..frames], delay, g);
            return;
        }
        for (i, o) in out.iter_mut().enumerate().take(frames) {
            if per_frame {
                (delay, g) = self.at(Some(&*line), delay_in, decay_in, i);
            } else {
                delay += delay_step;
                g += g_step;
            }
            let x = frame(input, i);
            self.write = (self.write + 1) & mask;
            // The tap is read before this frame is written, so a delay of D frames reads
            // what was written D frames ago.
            line.set(self.write, 0.0);
            let delayed = self.tap(line, delay);
            let y = feed(self.kind, line, self.write, x, g, delayed);
            // Like scsynth's, a cubic reader outputs nothing until its furthest point
            // is inside what has been written.
            let starting = self.read == Read::Cubic && (self.computed as f32) < delay.floor() - 1.0;
            *o = if starting { 0.0 } else { y };
            self.computed += 1;
        }
        (self.delay, self.feedback) = (delay, g);
    }
}

impl Tap {
    /// [`next`](Self::next)'s frames for a delay of `delay` frames and a feedback gain of
    /// `g` that hold still over the call, read without interpolation or linearly: the same
    /// values, with the delay's whole and fractional frames found once instead of every
    /// frame.
    #[inline]
    fn run_steady(&mut self, line: &mut impl Line, input: &[f32], out: &mut [f32], delay: f32, g: f32) {
        let mask = line.mask();
        let whole = delay.floor();
        let (d, frac) = (whole as usize, delay - whole);
        let (kind, linear) = (self.kind, self.read == Read::Linear);
        let mut write = self.write;
        for (i, o) in out.iter_mut().enumerate() {
            let x = frame(input, i);
            write = (write + 1) & mask;
            line.set(write, 0.0);
            let a = line.get(write.wrapping_sub(d) & mask);
            let delayed = if linear {
                let b = line.get(write.wrapping_sub(d + 1) & mask);
                a + frac * (b - a)
            } else {
                a
            };
            *o = feed(kind, line, write, x, g, delayed);
        }
        self.write = write;
        self.computed += out.len() as u64;
    }
}

/// Writes frame `x` into the line at `write` as a unit of `kind` does, with feedback gain
/// `g` and the line's value `delayed` read before it, and returns the frame's output.
#[inline(always)]
fn feed(kind: Kind, line: &mut impl Line, write: usize, x: f32, g: f32, delayed: f32) -> f32 {
    match kind {
        Kind::Delay => {
            line.set(write, x);
            delayed
        }
        Kind::Comb => {
            line.set(write, x + g * delayed);
            delayed
        }
        Kind::Allpass => {
            let w = x + g * delayed;
            line.set(write, w);
            delayed - g * w
        }
    }
}

/// `DelayN.ar(in, maxdelaytime, delaytime)` and the others with their own line.
struct DelayLine {
    kind: Kind,
    read: Read,
}

struct DelayUnit {
    tap: Tap,
    line: OwnLine,
}

impl UGen for DelayLine {
    type Unit = DelayUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<DelayUnit, PluginError> {
        let tap = Tap::new(spec, self.kind, self.read, 0)?;
        let max_delay = spec
            .constant(1)
            .ok_or_else(|| PluginError::new(format!("{}: the maximum delay time must be a constant", spec.name)))?;
        if !(0.0..=3600.0).contains(&max_delay) {
            return Err(PluginError::new(format!("{}: maximum delay time {max_delay} s is not in 0..3600", spec.name)));
        }
        // Room for the longest delay and the cubic reader's two extra points.
        let frames = ((f64::from(max_delay) * f64::from(tap.rate)).ceil() as usize + 4).next_power_of_two();
        Ok(DelayUnit { tap, line: OwnLine { samples: vec![0.0; frames].into_boxed_slice(), max_delay } })
    }
}

impl Unit for DelayUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.tap.start(Some(&self.line), io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        self.tap.next(&mut self.line, io);
    }
}

/// `BufDelayN.ar(bufnum, in, delaytime)` and the others whose line is a buffer.
struct BufDelayLine {
    kind: Kind,
    read: Read,
}

struct BufDelayUnit {
    tap: Tap,
}

impl UGen for BufDelayLine {
    type Unit = BufDelayUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<BufDelayUnit, PluginError> {
        Ok(BufDelayUnit { tap: Tap::new(spec, self.kind, self.read, 1)? })
    }
}

impl Unit for BufDelayUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let lease = buffer(io.ctx.access, io.in0(0));
        let line = lease.as_deref().map(BufferLine::new);
        self.tap.start(line.as_ref().map(|l| l as &dyn Line), io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        match buffer(io.ctx.access, io.in0(0)) {
            Some(b) => self.tap.next(&mut BufferLine::new(&b), io),
            None => io.output(0).fill(0.0),
        }
    }
}
