//! The non-band-limited oscillators: `LFSaw`, `LFTri`, `LFCub`, `LFPar`, `LFPulse`,
//! `VarSaw` and `Impulse`.
//!
//! Each keeps its phase in an `f64` and steps it by `freq · k / rate` computed in `f32`
//! (`k` is 2 for the saw and cubic, 4 for the triangle and parabola, 1 for the others;
//! `rate` is the sample rate, or the block rate at control rate), as scsynth does: the
//! renders match scsynth's to the last bit. An audio-rate `freq` is read sample by sample,
//! a control-rate one once per block. Like scsynth's, these oscillators compute their
//! first value when the Synth starts (`init`) and, except `VarSaw` and `Impulse`, step
//! past it, so the first frame a Synth plays is one step into the waveform (`LFSaw.ar(440)`
//! starts at 2·440/48000, not 0).
//!
//! What scsynth does that may surprise (docs/ugens.md lists these too):
//! - `LFTri`, `LFCub` and `LFPar` only wrap their phase upwards: a negative frequency
//!   makes them run off without bound.
//! - `LFPulse` and `VarSaw` read `width` once per block (the first sample of an
//!   audio-rate one) and take a new width only when a cycle starts. On the frame a cycle
//!   starts, `LFPulse` outputs 1 if the width is at most 0.5 and 0 otherwise, so even a
//!   width of 0 or 1 gives a one-sample pulse or gap.
//! - `Impulse` reads its phase offset as a control-rate input ramped across each block,
//!   even at audio rate.
//!
//! Context: `build` NRT; `init` and `next` RT.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("LFSaw", Phasor(Shape::Saw)));
    registrar.register_ugen(UGenTable::new("LFTri", Phasor(Shape::Tri)));
    registrar.register_ugen(UGenTable::new("LFCub", Phasor(Shape::Cub)));
    registrar.register_ugen(UGenTable::new("LFPar", Phasor(Shape::Par)));
    registrar.register_ugen(UGenTable::new("LFPulse", LfPulse));
    registrar.register_ugen(UGenTable::new("VarSaw", VarSaw));
    registrar.register_ugen(UGenTable::new("Impulse", Impulse));
}

/// Value `i` of an input: sample `i` at audio rate, its one value otherwise.
#[inline(always)]
pub(crate) fn at(input: &[f32], i: usize) -> f32 {
    if input.len() > 1 {
        input[i]
    } else {
        input[0]
    }
}

/// `k / rate` as scsynth keeps it, in `f32`: the phase step per Hz of frequency for a
/// unit at `spec`'s rate (per sample at audio rate, per block at control rate).
pub(crate) fn freq_mul(spec: &UnitSpec<'_>, k: f64) -> f32 {
    let frames_per_step = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
    (k * frames_per_step / spec.sample_rate) as f32
}

/// Checks the common shape of an oscillator: audio or control rate, `min..=max` inputs,
/// one output.
fn expect_oscillator(spec: &UnitSpec<'_>, min: usize, max: usize) -> Result<(), PluginError> {
    expect_rate(spec, &[Rate::Control, Rate::Audio])?;
    expect_inputs(spec, min, max)?;
    expect_outputs(spec, 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Saw,
    Tri,
    Cub,
    Par,
}

/// `LFSaw`, `LFTri`, `LFCub`, `LFPar` `(freq, iphase)`.
///
/// - `LFSaw`: the phase, from `iphase` in `[-1, 1)`, rising by `2·freq/rate`.
/// - `LFTri`: the phase runs `[-1, 3)` by `4·freq/rate`, folded down above 1; `iphase` 0
///   starts at 0 going up.
/// - `LFCub`: a cubic sine-like wave: `z²(6 − 4z) − 1` of the phase `z` folded into
///   `[0, 1]`, the phase starting at `iphase + 0.5` and running `[0, 2)` by `2·freq/rate`.
/// - `LFPar`: parabolas, `1 − z²` and `z² − 1` in turn, the phase running `[-1, 3)` by
///   `4·freq/rate`.
struct Phasor(Shape);

struct PhasorUnit {
    shape: Shape,
    phase: f64,
    mul: f32,
}

impl UGen for Phasor {
    type Unit = PhasorUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<PhasorUnit, PluginError> {
        expect_oscillator(spec, 2, 2)?;
        let k = match self.0 {
            Shape::Saw | Shape::Cub => 2.0,
            Shape::Tri | Shape::Par => 4.0,
        };
        Ok(PhasorUnit { shape: self.0, phase: 0.0, mul: freq_mul(spec, k) })
    }
}

impl PhasorUnit {
    /// The value at the current phase, then a step of `freq`.
    #[inline(always)]
    fn tick(&mut self, freq: f32) -> f32 {
        shape_tick(self.shape, &mut self.phase, f64::from(freq * self.mul))
    }

    /// A call's frames, frame `i` stepping by `step(i)`, with the shape chosen once for
    /// the call and the phase kept in a register: `tick`'s arithmetic, frame by frame.
    #[inline(always)]
    fn sweep(&mut self, out: &mut [f32], step: impl Fn(usize) -> f64) {
        let mut phase = self.phase;
        let mut run = |shape: Shape| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = shape_tick(shape, &mut phase, step(i));
            }
        };
        match self.shape {
            Shape::Saw => run(Shape::Saw),
            Shape::Tri => run(Shape::Tri),
            Shape::Cub => run(Shape::Cub),
            Shape::Par => run(Shape::Par),
        }
        self.phase = phase;
    }
}

/// The value of `shape` at `phase`, then a step of `step`.
#[inline(always)]
fn shape_tick(shape: Shape, phase: &mut f64, step: f64) -> f32 {
    match shape {
        Shape::Saw => {
            let z = *phase as f32;
            *phase += step;
            // The wraps come once a cycle: branches (see `Tri`).
            if *phase >= 1.0 {
                std::hint::cold_path();
                *phase -= 2.0;
            } else if *phase <= -1.0 {
                std::hint::cold_path();
                *phase += 2.0;
            }
            z
        }
        Shape::Tri => {
            let z = if *phase > 1.0 { 2.0 - *phase } else { *phase };
            *phase += step;
            if *phase >= 3.0 {
                // Once a cycle: a branch, so that the phase's chain from frame to frame is
                // the add alone rather than the add and a select after it.
                std::hint::cold_path();
                *phase -= 4.0;
            }
            z as f32
        }
        Shape::Cub => {
            let z = if *phase < 1.0 {
                *phase
            } else if *phase < 2.0 {
                2.0 - *phase
            } else {
                std::hint::cold_path();
                *phase -= 2.0;
                *phase
            } as f32;
            *phase += step;
            z * z * (6.0 - 4.0 * z) - 1.0
        }
        Shape::Par => {
            let out = if *phase < 1.0 {
                let z = *phase as f32;
                1.0 - z * z
            } else if *phase < 3.0 {
                let z = (*phase - 2.0) as f32;
                z * z - 1.0
            } else {
                std::hint::cold_path();
                *phase -= 4.0;
                let z = *phase as f32;
                1.0 - z * z
            };
            *phase += step;
            out
        }
    }
}

impl Unit for PhasorUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.phase = f64::from(io.in0(1));
        if self.shape == Shape::Cub {
            self.phase += 0.5;
        }
        let freq = io.in0(0);
        io.output(0)[0] = self.tick(freq);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let freq = io.input(0);
        let mul = self.mul;
        let out = io.output(0);
        if let [f] = *freq {
            let step = f64::from(f * mul);
            self.sweep(out, |_| step);
        } else {
            self.sweep(out, |i| f64::from(freq[i] * mul));
        }
    }
}

/// `LFPulse.ar(freq, iphase, width)`: 1 while the phase (from `iphase`, rising by
/// `freq/rate` in `[0, 1)`) is below the width, 0 after it. The width is read once per
/// block and taken when a cycle starts.
struct LfPulse;

struct LfPulseUnit {
    phase: f64,
    duty: f32,
    mul: f32,
}

impl UGen for LfPulse {
    type Unit = LfPulseUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<LfPulseUnit, PluginError> {
        expect_oscillator(spec, 3, 3)?;
        Ok(LfPulseUnit { phase: 0.0, duty: 0.0, mul: freq_mul(spec, 1.0) })
    }
}

impl LfPulseUnit {
    #[inline(always)]
    fn tick(&mut self, freq: f32, width: f32) -> f32 {
        let z = if self.phase >= 1.0 {
            // Once a cycle: a branch, so that the phase's chain is the add (see `Tri`).
            std::hint::cold_path();
            self.phase -= 1.0;
            self.duty = width;
            // scsynth's first frame of a cycle: high unless the pulse is wider than half.
            if width <= 0.5 {
                1.0
            } else {
                0.0
            }
        } else if self.phase < f64::from(self.duty) {
            1.0
        } else {
            0.0
        };
        self.phase += f64::from(freq * self.mul);
        z
    }
}

impl Unit for LfPulseUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.phase = f64::from(io.in0(1));
        self.duty = io.in0(2);
        let (freq, width) = (io.in0(0), io.in0(2));
        io.output(0)[0] = self.tick(freq, width);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (freq, width) = (io.input(0), io.in0(2));
        for (i, out) in io.output(0).iter_mut().enumerate() {
            *out = self.tick(at(freq, i), width);
        }
    }
}

/// `VarSaw.ar(freq, iphase, width)`: a triangle whose rising part takes `width` of the
/// cycle (clipped to `[0.001, 0.999]`): from -1 up to 1 and back down. The width is read
/// once per block and taken when a cycle starts. Unlike the other oscillators, its first
/// frame is at `iphase` itself; its value when the Synth starts is 0.
struct VarSaw;

struct VarSawUnit {
    phase: f64,
    duty: f64,
    rise: f64,
    fall: f64,
    mul: f32,
}

impl UGen for VarSaw {
    type Unit = VarSawUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<VarSawUnit, PluginError> {
        expect_oscillator(spec, 3, 3)?;
        Ok(VarSawUnit { phase: 0.0, duty: 0.5, rise: 4.0, fall: 4.0, mul: freq_mul(spec, 1.0) })
    }
}

impl VarSawUnit {
    fn take_width(&mut self, width: f32) {
        let duty = width.clamp(0.001, 0.999);
        self.duty = f64::from(duty);
        self.rise = f64::from(2.0 / duty);
        self.fall = f64::from(2.0 / (1.0 - duty));
    }
}

impl Unit for VarSawUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.phase = f64::from(io.in0(1));
        self.take_width(io.in0(2));
        io.output(0)[0] = 0.0;
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (freq, width) = (io.input(0), io.in0(2));
        for (i, out) in io.output(0).iter_mut().enumerate() {
            if self.phase >= 1.0 {
                self.phase -= 1.0;
                self.take_width(width);
            }
            let z = if self.phase < self.duty { self.phase * self.rise } else { (1.0 - self.phase) * self.fall };
            *out = z as f32 - 1.0;
            self.phase += f64::from(at(freq, i) * self.mul);
        }
    }
}

/// `Impulse.ar(freq, phase)`: 1 on each frame in which a phasor rising by `freq/rate`
/// wraps, else 0; 1 on the first frame when the phase offset is 0 (and so a single
/// impulse for a frequency of 0). A negative frequency runs the phasor down.
///
/// The offset (in cycles, wrapped into `[0, 1)` in `f32`) shifts the phasor by its change
/// from frame to frame; a shift that wraps it fires nothing, only the frequency's step
/// does. scsynth reads the offset as a control-rate input ramped across each block, even
/// an audio-rate one, and steps the phasor into frame `n` by the frequency of frame `n − 1`;
/// a control-rate frequency's step ramps across the block from the last block's.
struct Impulse;

struct ImpulseUnit {
    /// The phasor, offset included.
    phase: f64,
    /// The wrapped offset last applied.
    offset: f32,
    /// The offset input's value in the last block, which this block's ramp starts from.
    held: f32,
    /// The step of the last frame's frequency, taken before this frame's check.
    step: f64,
    /// The step of a control- or scalar-rate frequency in the last block, which this
    /// block's steps ramp from.
    held_step: f64,
    /// The first frame is still to play: it repeats the value `init` computed.
    first: bool,
    fires_first: bool,
    mul: f32,
}

impl UGen for Impulse {
    type Unit = ImpulseUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<ImpulseUnit, PluginError> {
        expect_oscillator(spec, 1, 2)?;
        Ok(ImpulseUnit {
            phase: 0.0,
            offset: 0.0,
            held: 0.0,
            step: 0.0,
            held_step: 0.0,
            first: true,
            fires_first: false,
            mul: freq_mul(spec, 1.0),
        })
    }
}

/// `x` wrapped into `[0, 1)` in `f32`.
#[inline(always)]
fn wrap01(x: f32) -> f32 {
    if (0.0..1.0).contains(&x) {
        x
    } else {
        let w = x - x.floor();
        // A tiny negative `x` rounds up to 1.
        if w >= 1.0 {
            0.0
        } else {
            w
        }
    }
}

impl ImpulseUnit {
    /// One frame after the first: the offset's change, the last frame's step, the check;
    /// `next_step` is this frame's, taken in the next.
    #[inline(always)]
    fn tick(&mut self, offset: f32, next_step: f64) -> f32 {
        let offset = wrap01(offset);
        let step = self.step;
        self.step = next_step;
        if offset != self.offset {
            self.phase += f64::from(offset) - f64::from(self.offset);
            self.offset = offset;
            // Shifting the phase never fires: wrap it away from the side the step crosses.
            if step >= 0.0 {
                if self.phase >= 1.0 {
                    self.phase -= self.phase.floor();
                }
            } else if self.phase <= 0.0 {
                self.phase -= self.phase.floor();
                if self.phase == 0.0 {
                    self.phase = 1.0;
                }
            }
        }
        self.phase += step;
        if step >= 0.0 {
            if self.phase >= 1.0 {
                self.phase -= 1.0;
                return 1.0;
            }
            if self.phase < 0.0 {
                self.phase -= self.phase.floor();
            }
        } else {
            if self.phase <= 0.0 {
                self.phase += 1.0;
                return 1.0;
            }
            if self.phase >= 1.0 {
                self.phase -= self.phase.floor();
            }
        }
        0.0
    }
}

impl ImpulseUnit {
    /// [`tick`](Self::tick) for every frame of `out` with the same `step` each frame and
    /// an offset that stays where it is: the same sums and checks, in the same order.
    #[inline(always)]
    fn run_steady(&mut self, out: &mut [f32], step: f64) {
        let mut phase = self.phase;
        if step >= 0.0 {
            for o in out {
                phase += step;
                // Firing is once a cycle: a branch, so that the phase's chain is the add.
                *o = if phase >= 1.0 {
                    std::hint::cold_path();
                    phase -= 1.0;
                    1.0
                } else {
                    if phase < 0.0 {
                        phase -= phase.floor();
                    }
                    0.0
                };
            }
        } else {
            for o in out {
                phase += step;
                *o = if phase <= 0.0 {
                    std::hint::cold_path();
                    phase += 1.0;
                    1.0
                } else {
                    if phase >= 1.0 {
                        phase -= phase.floor();
                    }
                    0.0
                };
            }
        }
        self.phase = phase;
    }
}

impl Unit for ImpulseUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let offset = if io.num_inputs() > 1 { io.in0(1) } else { 0.0 };
        self.held = offset;
        self.offset = wrap01(offset);
        self.phase = f64::from(self.offset);
        self.fires_first = self.offset == 0.0;
        self.held_step = f64::from(io.in0(0) * self.mul);
        // Running down, a phasor that fired at 0 next fires at -1.
        if self.fires_first && io.in0(0) < 0.0 {
            self.phase = 1.0;
        }
        io.output(0)[0] = if self.fires_first { 1.0 } else { 0.0 };
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let freq = io.input(0);
        let frames = io.frames();
        let (mut offset, slope) = if io.num_inputs() > 1 {
            let new = io.in0(1);
            let slope = (new - self.held) * (1.0 / frames as f32);
            (std::mem::replace(&mut self.held, new), slope)
        } else {
            (0.0, 0.0)
        };
        // A control-rate frequency's step ramps across the block from the last block's,
        // each frame's one slope further on (scsynth's, found by comparing renders).
        let audio_freq = freq.len() > 1;
        let target = f64::from(freq[0] * self.mul);
        let step_slope = (target - self.held_step) / frames as f64;
        let mut ramped = std::mem::replace(&mut self.held_step, target);
        // A frequency and offset that hold still, as they mostly do: every frame's step is
        // the same and the offset never moves the phase, so each frame is `tick`'s add and
        // check alone.
        if !self.first && !audio_freq && step_slope == 0.0 && self.step == target && slope == 0.0 {
            let held_offset = io.num_inputs() <= 1 || wrap01(offset) == self.offset;
            if held_offset {
                self.run_steady(io.output(0), target);
                return;
            }
        }
        for (i, out) in io.output(0).iter_mut().enumerate() {
            let next_step = if audio_freq {
                f64::from(freq[i] * self.mul)
            } else {
                ramped += step_slope;
                ramped
            };
            *out = if self.first {
                self.first = false;
                self.step = next_step;
                if self.fires_first {
                    1.0
                } else {
                    0.0
                }
            } else {
                self.tick(offset, next_step)
            };
            offset += slope;
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run as run_unit, wire, Input, Runner, BLOCK};
    use super::Impulse;

    /// Frames of scsynth's renders checked below.
    const FRAMES: [usize; 12] = [0, 1, 2, 63, 64, 65, 108, 109, 110, 1000, 2047, 4799];
    /// (UGen, constant inputs, tolerance, scsynth's samples at `FRAMES` as `f32` bits).
    const VECTORS: &[(&str, &[f32], f32, [u32; 12])] = &[
        (
            "LFSaw",
            &[440.0, 0.0],
            0.0,
            [
                0x3c962fc9, 0x3d162fc9, 0x3d6147ae, 0xbf53a06e, 0xbf4eeef0, 0xbf4a3d71, 0xbada76b0, 0x3c88885e,
                0x3d0f5c14, 0x3eb40d8f, 0xbee81b80, 0xb6680000,
            ],
        ),
        (
            "LFSaw",
            &[-1234.5, 0.7],
            0.0,
            [
                0x3f260831, 0x3f18dd2f, 0x3f0bb22d, 0xbf178d51, 0xbf24b853, 0xbf31e355, 0xbf681cae, 0xbf7547b0,
                0x3f7d8d4e, 0xbf49f7de, 0xbf24dd4d, 0xbe4ccde4,
            ],
        ),
        (
            "LFTri",
            &[440.0, 0.3],
            0.0,
            [
                0x3eac5f93, 0x3ebf258c, 0x3ed1eb85, 0xbf258bf1, 0xbf2eeeee, 0xbf3851ea, 0x3e97e4ad, 0x3eaaaaa6,
                0x3ebd709f, 0x3f7f25a4, 0xbf1b4eb3, 0x3e9998b2,
            ],
        ),
        (
            "LFCub",
            &[440.0, 0.3],
            0.0,
            [
                0x3f537278, 0x3f5b7c24, 0x3f62d3d0, 0xbf7eed5a, 0xbf7fe4d8, 0xbf7fd8f1, 0x3f49ee22, 0x3f52aee8,
                0x3f5ac844, 0x3f603d90, 0xbee42390, 0x3f4ac014,
            ],
        ),
        (
            "LFPar",
            &[440.0, 0.3],
            0.0,
            [
                0x3f62fbdc, 0x3f5c51bd, 0x3f54f766, 0xbf14f24f, 0xbf087656, 0xbef6944a, 0x3f69781c, 0x3f638e3a,
                0x3f5cf421, 0xbbd9ff00, 0x3f21c79b, 0x3f68f608,
            ],
        ),
        (
            "LFPulse",
            &[1234.5, 0.3, 0.7],
            0.0,
            [
                0x3f800000, 0x3f800000, 0x3f800000, 0x00000000, 0x00000000, 0x00000000, 0x3f800000, 0x3f800000,
                0x3f800000, 0x3f800000, 0x00000000, 0x00000000,
            ],
        ),
        (
            "LFPulse",
            &[777.0, 0.0, 0.5],
            0.0,
            [
                0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x00000000, 0x00000000,
                0x00000000, 0x3f800000, 0x3f800000, 0x00000000,
            ],
        ),
        (
            "VarSaw",
            &[1234.5, 0.3, 0.7],
            0.0,
            [
                0xbe124920, 0xbd8e1470, 0x3b869600, 0xbeefe4ba, 0xbf23d70f, 0xbf4fbbc0, 0xbf47390a, 0xbf346950,
                0xbf219996, 0xbf72490f, 0xbf245250, 0x3f568e72,
            ],
        ),
        (
            "Impulse",
            &[441.0, 0.0],
            0.0,
            [
                0x3f800000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x3f800000,
                0x00000000, 0x00000000, 0x00000000, 0x00000000,
            ],
        ),
        (
            "Impulse",
            &[333.0, -0.2],
            0.0,
            [
                0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
                0x00000000, 0x00000000, 0x3f800000, 0x00000000,
            ],
        ),
        (
            "Impulse",
            &[-441.0, 0.0],
            0.0,
            [
                0x3f800000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x3f800000,
                0x00000000, 0x00000000, 0x00000000, 0x00000000,
            ],
        ),
    ];

    #[test]
    fn renders_scsynths_samples() {
        for (name, inputs, tolerance, bits) in VECTORS {
            let (_, frames, _) = Runner::named(name, Rate::Audio, inputs).run(4800 / BLOCK);
            for (&frame, &want) in FRAMES.iter().zip(bits) {
                let (got, want) = (frames[frame], f32::from_bits(want));
                assert!((got - want).abs() <= *tolerance, "{name}{inputs:?} frame {frame}: {got}, scsynth {want}");
            }
        }
    }

    fn impulses(freq: Input, phase: f32, blocks: usize) -> Vec<usize> {
        let (_, out) = run_unit(&Impulse, Rate::Audio, 0, &[freq, Input::Constant(phase)], blocks).unwrap();
        out.iter().enumerate().filter(|(_, &x)| x == 1.0).map(|(n, _)| n).collect()
    }

    #[test]
    fn impulses_fall_on_the_frames_that_pass_a_cycle() {
        assert_eq!(impulses(Input::Constant(440.0), 0.0, 6)[..4], [0, 110, 219, 328]);
        assert_eq!(impulses(Input::Constant(1000.0), 0.5, 2)[..2], [24, 72]);
        assert_eq!(impulses(Input::Constant(-1000.0), 0.0, 2)[..3], [0, 48, 96]);
        assert_eq!(impulses(Input::Constant(0.0), 0.0, 3), [0]);
    }

    #[test]
    fn a_control_rate_frequency_ramps_its_step_across_the_block() {
        // 375 Hz for a block, then 3000 Hz: scsynth's impulses (rendered with -N) fall at
        // 0, 90, 115, 132; held at 3000 Hz from frame 64 the second would come at 72.
        let freq = wire(Rate::Control, |k| if k == 0 { 375.0 } else { 3000.0 });
        assert_eq!(impulses(freq, 0.0, 3)[..4], [0, 90, 115, 132]);
    }
}
