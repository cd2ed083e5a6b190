//! Triggers and what they drive: `Trig`, `Trig1`, `Latch`, `Gate`, `ToggleFF`,
//! `SetResetFF`, `PulseCount`, `Stepper`, `Timer`, `Phasor`, `Sweep`, `FreeSelf`,
//! `PauseSelf`, `DetectSilence`.
//!
//! A trigger is an input that goes from zero or below to above zero. An audio-rate unit
//! reads an audio-rate input frame by frame and a control-rate one once per block.

use oscine_plugin_api::{DoneAction, PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    for (name, kind, inputs) in [
        ("Trig", Kind::Trig, 2),
        ("Trig1", Kind::Trig1, 2),
        ("Latch", Kind::Latch, 2),
        ("Gate", Kind::Gate, 2),
        ("ToggleFF", Kind::ToggleFF, 1),
        ("SetResetFF", Kind::SetResetFF, 2),
        ("PulseCount", Kind::PulseCount, 2),
        ("Stepper", Kind::Stepper, 6),
        ("Timer", Kind::Timer, 1),
        ("Phasor", Kind::Phasor, 5),
        ("Sweep", Kind::Sweep, 2),
        ("FreeSelf", Kind::FreeSelf, 1),
        ("PauseSelf", Kind::PauseSelf, 1),
        ("DetectSilence", Kind::DetectSilence, 4),
    ] {
        registrar.register_ugen(UGenTable::new(name, Trigger { kind, inputs }));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trig,
    Trig1,
    Latch,
    Gate,
    ToggleFF,
    SetResetFF,
    PulseCount,
    Stepper,
    Timer,
    Phasor,
    Sweep,
    FreeSelf,
    PauseSelf,
    DetectSilence,
}

struct Trigger {
    kind: Kind,
    inputs: usize,
}

struct TriggerUnit {
    kind: Kind,
    /// Frames per second at the unit's rate.
    rate: f64,
    audio: bool,
    /// Each trigger input's last value.
    prev: [f32; 2],
    level: f64,
    counter: u64,
    /// Frames since the last trigger (`Timer`) or of silence (`DetectSilence`).
    elapsed: u64,
    done: bool,
}

impl UGen for Trigger {
    type Unit = TriggerUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<TriggerUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, self.inputs, self.inputs)?;
        let outputs = if matches!(self.kind, Kind::FreeSelf | Kind::PauseSelf) { spec.outputs.len() } else { 1 };
        expect_outputs(spec, outputs)?;
        let audio = spec.rate == Rate::Audio;
        let rate = if audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 };
        Ok(TriggerUnit {
            kind: self.kind,
            rate,
            audio,
            prev: [0.0; 2],
            level: 0.0,
            counter: 0,
            elapsed: 0,
            done: false,
        })
    }
}

/// Input `i`'s value at frame `f` (its only value at control or scalar rate).
#[inline]
fn at(io: &UnitIo<'_, '_>, i: usize, f: usize) -> f32 {
    super::signal::frame(io.input(i), f)
}

impl TriggerUnit {
    /// Whether trigger input `slot` (input `i`) fires at frame `f`.
    #[inline]
    fn fires(&mut self, io: &UnitIo<'_, '_>, slot: usize, i: usize, f: usize) -> bool {
        let x = at(io, i, f);
        let fired = self.prev[slot] <= 0.0 && x > 0.0;
        self.prev[slot] = x;
        fired
    }

    fn frame(&mut self, io: &mut UnitIo<'_, '_>, f: usize) -> f32 {
        match self.kind {
            Kind::Trig | Kind::Trig1 => {
                let x = at(io, 0, f);
                if self.fires(io, 0, 0, f) {
                    self.counter = (f64::from(at(io, 1, f)) * self.rate + 0.5).max(1.0) as u64;
                    self.level = if self.kind == Kind::Trig { f64::from(x) } else { 1.0 };
                }
                if self.counter > 0 {
                    self.counter -= 1;
                    self.level as f32
                } else {
                    0.0
                }
            }
            Kind::Latch => {
                if self.fires(io, 0, 1, f) {
                    self.level = f64::from(at(io, 0, f));
                }
                self.level as f32
            }
            Kind::Gate => {
                if at(io, 1, f) > 0.0 {
                    self.level = f64::from(at(io, 0, f));
                }
                self.level as f32
            }
            Kind::ToggleFF => {
                if self.fires(io, 0, 0, f) {
                    self.level = 1.0 - self.level;
                }
                self.level as f32
            }
            Kind::SetResetFF => {
                let set = self.fires(io, 0, 0, f);
                let reset = self.fires(io, 1, 1, f);
                if reset {
                    self.level = 0.0;
                } else if set {
                    self.level = 1.0;
                }
                self.level as f32
            }
            Kind::PulseCount => {
                let counted = self.fires(io, 0, 0, f);
                if self.fires(io, 1, 1, f) {
                    self.level = 0.0;
                } else if counted {
                    self.level += 1.0;
                }
                self.level as f32
            }
            Kind::Stepper => {
                let step = self.fires(io, 0, 0, f);
                let reset = self.fires(io, 1, 1, f);
                let (lo, hi) = (f64::from(at(io, 2, f)), f64::from(at(io, 3, f)));
                if reset {
                    self.level = f64::from(at(io, 5, f));
                } else if step {
                    self.level += f64::from(at(io, 4, f));
                    let span = hi - lo + 1.0;
                    if span > 0.0 && (self.level > hi || self.level < lo) {
                        self.level = lo + (self.level - lo).rem_euclid(span);
                    }
                }
                self.level as f32
            }
            Kind::Timer => {
                self.elapsed += 1;
                if self.fires(io, 0, 0, f) {
                    self.level = self.elapsed as f64 / self.rate;
                    self.elapsed = 0;
                }
                self.level as f32
            }
            Kind::Phasor => {
                let (start, end) = (f64::from(at(io, 2, f)), f64::from(at(io, 3, f)));
                let rate = f64::from(at(io, 1, f));
                let (prev, x) = (f64::from(self.prev[0]), f64::from(at(io, 0, f)));
                if self.fires(io, 0, 0, f) {
                    // Reset between frames, where the trigger crossed zero: the frames
                    // after the crossing already count.
                    let after = 1.0 - prev / (x - prev);
                    self.level = f64::from(at(io, 4, f)) + after * rate;
                }
                let span = end - start;
                if span > 0.0 && (self.level >= end || self.level < start) {
                    self.level = start + (self.level - start).rem_euclid(span);
                }
                let out = self.level as f32;
                self.level += rate;
                out
            }
            Kind::Sweep => {
                let step = f64::from(at(io, 1, f)) / self.rate;
                let (prev, x) = (f64::from(self.prev[0]), f64::from(at(io, 0, f)));
                if self.fires(io, 0, 0, f) {
                    // Restarts from where, between frames, the trigger crossed zero.
                    self.level = -prev / (x - prev) * step;
                } else {
                    self.level += step;
                }
                self.level as f32
            }
            Kind::FreeSelf | Kind::PauseSelf => {
                if self.fires(io, 0, 0, f) && !self.done {
                    self.done = true;
                    let action = if self.kind == Kind::FreeSelf { DoneAction::FreeSelf } else { DoneAction::PauseSelf };
                    io.ctx.done(action);
                }
                at(io, 0, f)
            }
            Kind::DetectSilence => {
                let (amp, time) = (at(io, 1, f), f64::from(at(io, 2, f)));
                if at(io, 0, f).abs() > amp {
                    self.elapsed = 0;
                    0.0
                } else {
                    self.elapsed += 1;
                    if !self.done && self.elapsed as f64 >= time * self.rate {
                        self.done = true;
                        io.finish();
                        if let Some(action) = DoneAction::from_code(at(io, 3, f)) {
                            io.ctx.done(action);
                        }
                    }
                    if self.done {
                        1.0
                    } else {
                        0.0
                    }
                }
            }
        }
    }
}

impl Unit for TriggerUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let first = match self.kind {
            Kind::Gate => {
                self.level = f64::from(if io.in0(1) > 0.0 { io.in0(0) } else { 0.0 });
                self.level as f32
            }
            Kind::Phasor => {
                self.level = f64::from(io.in0(2));
                self.level as f32
            }
            Kind::Stepper => {
                self.level = f64::from(io.in0(5));
                self.level as f32
            }
            _ => 0.0,
        };
        for out in io.outputs() {
            out.fill(first);
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        for f in 0..frames {
            let y = self.frame(io, f);
            for k in 0..io.num_outputs() {
                io.output(k)[f] = y;
            }
        }
    }
}
