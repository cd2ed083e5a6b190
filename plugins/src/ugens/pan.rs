//! Panning and crossfading: `Pan2`, `LinPan2`, `Balance2`, `XFade2`, `LinXFade2`, `Pan4`,
//! `PanAz`.
//!
//! Equal-power laws put a position `p` in `[-1, 1]` on a quarter circle: the left gain is
//! `cos((p + 1) · π/4)` and the right `sin((p + 1) · π/4)`; linear laws use `(1 − p)/2`
//! and `(1 + p)/2`. Control- and scalar-rate positions and levels ramp across a block.

use std::f32::consts::FRAC_PI_4;

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{frame, Audio, Held, Signal};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Pan2", Pan { law: Law::EqualPower, kind: Kind::Pan }));
    registrar.register_ugen(UGenTable::new("LinPan2", Pan { law: Law::Linear, kind: Kind::Pan }));
    registrar.register_ugen(UGenTable::new("Balance2", Pan { law: Law::EqualPower, kind: Kind::Balance }));
    registrar.register_ugen(UGenTable::new("XFade2", Pan { law: Law::EqualPower, kind: Kind::Fade }));
    registrar.register_ugen(UGenTable::new("LinXFade2", Pan { law: Law::Linear, kind: Kind::Fade }));
    registrar.register_ugen(UGenTable::new("Pan4", Pan4));
    registrar.register_ugen(UGenTable::new("PanAz", PanAz));
}

/// `PanAz(channels, in, pos, level, width, orientation)` (the channel count is the output
/// count): the source sits at channel `pos · channels / 2 + orientation` on a circle of
/// `channels` speakers, and each speaker within `width / 2` channels of it gets
/// `cos(π · distance / width)` (so a width of 2 pans between neighbours, equal power).
/// Inputs are read once per block at control and scalar rate.
struct PanAz;

struct PanAzUnit {
    audio: bool,
}

/// The most channels one `PanAz` feeds.
const MAX_AZ_CHANNELS: usize = 256;

impl UGen for PanAz {
    type Unit = PanAzUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<PanAzUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 5, 5)?;
        if spec.outputs.is_empty() || spec.outputs.len() > MAX_AZ_CHANNELS {
            return Err(PluginError::new(format!("PanAz feeds 1 to {MAX_AZ_CHANNELS} channels")));
        }
        Ok(PanAzUnit { audio: spec.rate == Rate::Audio })
    }
}

impl PanAzUnit {
    fn compute(&self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let n = io.num_outputs();
        let channels = n as f32;
        let (input, positions, levels) = (io.input(0), io.input(1), io.input(2));
        let (width, orientation) = (io.in0(3).max(1.0), io.in0(4));
        for i in 0..frames {
            let at = (frame(positions, i) * 0.5 * channels + orientation).rem_euclid(channels);
            let x = frame(input, i) * frame(levels, i);
            for (k, out) in io.outputs().enumerate() {
                let d = (at - k as f32).abs();
                let d = d.min(channels - d);
                out[i] = if d < width * 0.5 { x * (std::f32::consts::PI * d / width).cos() } else { 0.0 };
            }
        }
    }
}

impl Unit for PanAzUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.compute(io, 1);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}

/// scsynth's equal-power gains for a position in `[-1, 1]`, from its 8192-point sine table:
/// the angle is a whole number of table steps, 1024 per unit of position.
#[inline]
fn equal_power(pos: f32) -> (f32, f32) {
    let step = ((pos.clamp(-1.0, 1.0) + 1.0) * 1024.0).round();
    let angle = step * (FRAC_PI_4 / 1024.0);
    (angle.cos(), angle.sin())
}

/// `Pan4(in, x, y, level)`: four outputs, left-front, right-front, left-back, right-back,
/// with equal-power gains across (`x`) and front to back (`y`, 1 at the front).
/// Control- and scalar-rate positions and level are read once per block.
struct Pan4;

struct Pan4Unit {
    audio: bool,
}

impl UGen for Pan4 {
    type Unit = Pan4Unit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<Pan4Unit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 4, 4)?;
        expect_outputs(spec, 4)?;
        Ok(Pan4Unit { audio: spec.rate == Rate::Audio })
    }
}

impl Pan4Unit {
    fn compute(&self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let (input, xs, ys, levels) = (io.input(0), io.input(1), io.input(2), io.input(3));
        for i in 0..frames {
            let (left, right) = equal_power(frame(xs, i));
            let (back, front) = equal_power(frame(ys, i));
            let x = frame(input, i) * frame(levels, i);
            let gains = [left * front, right * front, left * back, right * back];
            for (k, out) in io.outputs().enumerate() {
                out[i] = x * gains[k];
            }
        }
    }
}

impl Unit for Pan4Unit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.compute(io, 1);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Law {
    EqualPower,
    Linear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Pan2(in, pos, level)`: one input to two outputs.
    Pan,
    /// `Balance2(left, right, pos, level)`: two inputs to two outputs.
    Balance,
    /// `XFade2(a, b, pan, level)`: two inputs to one output.
    Fade,
}

impl Kind {
    /// How many signal inputs come before the position.
    fn signals(self) -> usize {
        match self {
            Kind::Pan => 1,
            Kind::Balance | Kind::Fade => 2,
        }
    }

    fn outputs(self) -> usize {
        match self {
            Kind::Pan | Kind::Balance => 2,
            Kind::Fade => 1,
        }
    }
}

struct Pan {
    law: Law,
    kind: Kind,
}

struct PanUnit {
    law: Law,
    kind: Kind,
    audio: bool,
    /// Whether the position and level inputs (if any) are audio rate.
    audio_pos: bool,
    audio_level: bool,
    has_level: bool,
    pos: Held,
    level: Held,
    /// The last steady position and level (as bits) and their gains: a position that
    /// stays where it is costs no `sin` and `cos` call after call.
    steady: Option<([u32; 2], (f32, f32))>,
}

impl UGen for Pan {
    type Unit = PanUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<PanUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        let signals = self.kind.signals();
        // LinXFade2 has no level input.
        let max = if self.law == Law::Linear && self.kind == Kind::Fade { signals + 1 } else { signals + 2 };
        expect_inputs(spec, signals + 1, max)?;
        expect_outputs(spec, self.kind.outputs())?;
        let audio = spec.rate == Rate::Audio;
        if audio {
            if let Some(i) = (0..signals).find(|&i| spec.input_rate(i) != Rate::Audio) {
                return Err(PluginError::new(format!("{}.ar: input {i} is not audio rate", spec.name)));
            }
        }
        let has_level = spec.inputs.len() > signals + 1;
        Ok(PanUnit {
            law: self.law,
            kind: self.kind,
            audio,
            audio_pos: spec.input_rate(signals) == Rate::Audio,
            audio_level: has_level && spec.input_rate(signals + 1) == Rate::Audio,
            has_level,
            pos: Held::default(),
            level: Held::default(),
            steady: None,
        })
    }
}

impl PanUnit {
    #[inline]
    fn gains(&self, pos: f32, level: f32) -> (f32, f32) {
        match self.law {
            Law::EqualPower => {
                let (l, r) = equal_power(pos);
                (l * level, r * level)
            }
            Law::Linear => {
                let p = pos.clamp(-1.0, 1.0);
                ((1.0 - p) * 0.5 * level, (1.0 + p) * 0.5 * level)
            }
        }
    }

    /// [`gains`](Self::gains) of a position and level that held still over a call.
    #[inline]
    fn steady_gains(&mut self, pos: f32, level: f32) -> (f32, f32) {
        let key = [pos.to_bits(), level.to_bits()];
        match self.steady {
            Some((held, gains)) if held == key => gains,
            _ => {
                let gains = self.gains(pos, level);
                self.steady = Some((key, gains));
                gains
            }
        }
    }

    fn compute(&mut self, io: &mut UnitIo<'_, '_>, frames: usize) {
        let signals = self.kind.signals();
        let a = io.input(0);
        let b = if signals > 1 { io.input(1) } else { a };
        let mut pos_audio = Audio(io.input(signals));
        let (mut pos_held, mut level_held) = (self.pos, self.level);
        let mut pos_ramp = pos_held.running(io, signals);
        let level_input = if self.has_level { Some(signals + 1) } else { None };
        let mut level_audio = level_input.map(|i| Audio(io.input(i)));
        let mut level_ramp = level_input.map(|i| level_held.running(io, i));
        let kind = self.kind;
        let (audio_pos, audio_level) = (self.audio_pos && self.audio, self.audio_level && self.audio);
        // At control rate there is one frame: the inputs' current values, not a ramp.
        let ramped = self.audio;
        // A position and level that hold still over the call: the same gains every frame,
        // worked out once.
        let steady_pos = if audio_pos { None } else { pos_ramp.steady() };
        let steady_level = match (&level_ramp, level_input) {
            (_, None) => Some(1.0),
            (Some(lr), Some(_)) if !audio_level => lr.steady(),
            _ => None,
        };
        if let (true, Some(pos), Some(level)) = (ramped, steady_pos, steady_level) {
            let (gl, gr) = self.steady_gains(pos, level);
            match kind {
                Kind::Pan => {
                    let (l, r) = io.output_pair(0, 1);
                    for ((l, r), &x) in l[..frames].iter_mut().zip(&mut r[..frames]).zip(&a[..frames]) {
                        *l = x * gl;
                        *r = x * gr;
                    }
                }
                Kind::Balance => {
                    let (l, r) = io.output_pair(0, 1);
                    for (l, &x) in l[..frames].iter_mut().zip(&a[..frames]) {
                        *l = x * gl;
                    }
                    for (r, &y) in r[..frames].iter_mut().zip(&b[..frames]) {
                        *r = y * gr;
                    }
                }
                Kind::Fade => {
                    for ((o, &x), &y) in io.output(0)[..frames].iter_mut().zip(&a[..frames]).zip(&b[..frames]) {
                        *o = x * gl + y * gr;
                    }
                }
            }
            (self.pos, self.level) = (pos_held, level_held);
            return;
        }
        for i in 0..frames {
            let pos = if audio_pos {
                pos_audio.at(i)
            } else if ramped {
                pos_ramp.at(i)
            } else {
                io.in0(signals)
            };
            let level = match (&mut level_audio, &mut level_ramp, level_input) {
                (Some(la), _, _) if audio_level => la.at(i),
                (_, Some(lr), _) if ramped => lr.at(i),
                (_, _, Some(li)) => io.in0(li),
                _ => 1.0,
            };
            let (gl, gr) = self.gains(pos, level);
            let (x, y) = (frame(a, i), frame(b, i));
            match kind {
                Kind::Pan => {
                    let (l, r) = io.output_pair(0, 1);
                    l[i] = x * gl;
                    r[i] = x * gr;
                }
                Kind::Balance => {
                    let (l, r) = io.output_pair(0, 1);
                    l[i] = x * gl;
                    r[i] = y * gr;
                }
                Kind::Fade => io.output(0)[i] = x * gl + y * gr,
            }
        }
        if ramped {
            (self.pos, self.level) = (pos_held, level_held);
        }
    }
}

impl Unit for PanUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let signals = self.kind.signals();
        self.pos = Held::start(io, signals);
        if self.has_level {
            self.level = Held::start(io, signals + 1);
        }
        self.compute(io, 1);
        // `compute` ramped from the start value to itself: nothing moved.
        self.pos = Held::start(io, signals);
        if self.has_level {
            self.level = Held::start(io, signals + 1);
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let frames = if self.audio { io.frames() } else { 1 };
        self.compute(io, frames);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{held_inputs, Runner};
    use super::*;

    /// `Pan2.ar(1, pos, 1)`'s two outputs over a call, after `pos` moved to `to`.
    fn pan_after(pan: &mut Runner, to: f32) -> [f32; 2] {
        pan.set(1, to);
        // The call that ramps to the new position, then one that holds it.
        pan.next(64);
        pan.next(64);
        let (l, r) = (pan.output(0, 64), pan.output(1, 64));
        assert!(l.iter().all(|&x| x == l[0]) && r.iter().all(|&x| x == r[0]), "{l:?} {r:?}");
        [l[0], r[0]]
    }

    #[test]
    fn a_position_that_holds_still_keeps_its_gains_and_a_new_one_gets_its_own() {
        let ugen = Pan { law: Law::EqualPower, kind: Kind::Pan };
        let inputs = held_inputs(&[Rate::Audio, Rate::Control, Rate::Control], &[1.0, 0.0, 1.0]);
        let mut pan = Runner::with_outputs(&ugen, Rate::Audio, 0, &inputs, 2).unwrap();
        pan.init();
        let gains = |pos: f32| {
            let (l, r) = equal_power(pos);
            [l, r]
        };
        for pos in [0.0, 0.5, 0.5, -1.0, 0.0] {
            assert_eq!(pan_after(&mut pan, pos), gains(pos), "at {pos}");
        }
    }
}
