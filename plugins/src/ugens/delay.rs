//! Delay lines: `DelayN`, `DelayL`, `DelayC`, and the feedback ones, `CombN/L/C` and
//! `AllpassN/L/C`. Inputs: the signal, the maximum delay time (fixed when the unit is
//! built), the delay time, and (comb and allpass) the decay time.
//!
//! The line is allocated when the unit is built (off the audio thread) and freed with it.
//! `N` reads the sample `floor(delay · rate)` frames back, `L` interpolates linearly
//! between the two nearest, `C` with a 4-point cubic (Catmull-Rom) through the four
//! nearest. A comb feeds its output back, `line[n] = in[n] + g · line[n − D]`, and outputs
//! `line[n − D]`; an allpass outputs `line[n − D] − g · line[n]`. The feedback gain
//! `g = 0.001^(delay / |decay|)`, negative for a negative decay time, makes the echoes
//! fall by 60 dB in the decay time. As in scsynth, a cubic reader outputs silence until
//! its furthest point lies inside what has been written (audible only for `AllpassC`, whose
//! direct term would otherwise sound at once).

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::Held;
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    for (kind, kname) in [(Kind::Delay, "Delay"), (Kind::Comb, "Comb"), (Kind::Allpass, "Allpass")] {
        for (read, rname) in [(Read::None, "N"), (Read::Linear, "L"), (Read::Cubic, "C")] {
            registrar.register_ugen(UGenTable::new(format!("{kname}{rname}"), DelayLine { kind, read }));
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

struct DelayLine {
    kind: Kind,
    read: Read,
}

struct DelayUnit {
    kind: Kind,
    read: Read,
    line: Box<[f32]>,
    mask: usize,
    write: usize,
    /// Frames computed so far (for the cubic reader's start).
    computed: u64,
    rate: f32,
    max_delay: f32,
    audio: bool,
    delay: Held,
    decay: Held,
}

impl UGen for DelayLine {
    type Unit = DelayUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<DelayUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        let inputs = if self.kind == Kind::Delay { 3 } else { 4 };
        expect_inputs(spec, inputs, inputs)?;
        expect_outputs(spec, 1)?;
        let rate = if spec.rate == Rate::Audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        let max_delay = spec
            .constant(1)
            .ok_or_else(|| PluginError::new(format!("{}: the maximum delay time must be a constant", spec.name)))?;
        if !(0.0..=3600.0).contains(&max_delay) {
            return Err(PluginError::new(format!("{}: maximum delay time {max_delay} s is not in 0..3600", spec.name)));
        }
        // Room for the longest delay and the cubic reader's two extra points.
        let frames = ((f64::from(max_delay) * rate).ceil() as usize + 4).next_power_of_two();
        Ok(DelayUnit {
            kind: self.kind,
            read: self.read,
            line: vec![0.0; frames].into_boxed_slice(),
            mask: frames - 1,
            write: 0,
            computed: 0,
            rate: rate as f32,
            max_delay,
            audio: spec.rate == Rate::Audio,
            delay: Held::default(),
            decay: Held::default(),
        })
    }
}

impl DelayUnit {
    /// The delay in frames for a delay time in seconds, within the line.
    #[inline]
    fn frames(&self, seconds: f32) -> f32 {
        let lowest = if self.read == Read::Cubic { 2.0 } else { 1.0 };
        (seconds.clamp(0.0, self.max_delay) * self.rate).max(lowest)
    }

    /// The line `delay` frames before the write position.
    #[inline]
    fn tap(&self, delay: f32) -> f32 {
        let whole = delay.floor();
        let at = |k: usize| self.line[self.write.wrapping_sub(k) & self.mask];
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

    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize, ramped: bool) {
        let input = io.input(0);
        let delay_in = io.input(2);
        let decay_in = if self.kind == Kind::Delay { None } else { Some(io.input(3)) };
        let (mut delay_held, mut decay_held) = (self.delay, self.decay);
        let mut delay_ramp = delay_held.running(io, 2);
        let mut decay_ramp = if self.kind == Kind::Delay { None } else { Some(decay_held.running(io, 3)) };
        let out = io.output(0);
        for i in 0..frames {
            let seconds = if delay_in.len() > 1 {
                delay_in[i]
            } else if ramped {
                super::signal::Signal::at(&mut delay_ramp, i)
            } else {
                delay_in[0]
            };
            let decay = match (decay_in, &mut decay_ramp) {
                (Some(d), _) if d.len() > 1 => d[i],
                (Some(_), Some(r)) if ramped => super::signal::Signal::at(r, i),
                (Some(d), _) => d[0],
                _ => 0.0,
            };
            let x = super::signal::frame(input, i);
            self.write = (self.write + 1) & self.mask;
            let delay = self.frames(seconds);
            // The tap is read before this frame is written, so a delay of D frames reads
            // what was written D frames ago.
            self.line[self.write] = 0.0;
            let delayed = self.tap(delay);
            let y = match self.kind {
                Kind::Delay => {
                    self.line[self.write] = x;
                    delayed
                }
                Kind::Comb => {
                    let g = Self::feedback(delay / self.rate, decay);
                    self.line[self.write] = x + g * delayed;
                    delayed
                }
                Kind::Allpass => {
                    let g = Self::feedback(delay / self.rate, decay);
                    let w = x + g * delayed;
                    self.line[self.write] = w;
                    delayed - g * w
                }
            };
            // Like scsynth's, a cubic reader outputs nothing until its furthest point
            // is inside what has been written.
            let starting = self.read == Read::Cubic && (self.computed as f32) < delay.floor() - 1.0;
            out[i] = if starting { 0.0 } else { y };
            self.computed += 1;
        }
        (self.delay, self.decay) = (delay_held, decay_held);
    }
}

impl Unit for DelayUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.delay = Held::start(io, 2);
        if self.kind != Kind::Delay {
            self.decay = Held::start(io, 3);
        }
        io.output(0)[0] = 0.0;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames, self.audio);
    }
}
