//! `Control`, `AudioControl`, `TrigControl` and `LagControl`: a graph Synth's controls as
//! unit outputs.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::expect_rate;

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Control", Control));
    registrar.register_ugen(UGenTable::new("AudioControl", Control));
    // The engine sets a trigger control back to 0 after each block (the graph SynthDef
    // lists them as its trigger controls), so a value set once is output for one block.
    registrar.register_ugen(UGenTable::new("TrigControl", Control));
    registrar.register_ugen(UGenTable::new("LagControl", LagControl));
}

/// Controls smoothed by a lag each: input `k` is output `k`'s lag time in seconds, the
/// time a step takes to come within 60 dB of its target.
struct LagControl;

struct LagControlUnit {
    first: usize,
    /// Each output's last value.
    values: [f32; MAX_LAGGED],
    /// Seconds per step at this unit's rate.
    period: f64,
}

/// The most controls one `LagControl` smooths.
const MAX_LAGGED: usize = 64;

impl UGen for LagControl {
    type Unit = LagControlUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<LagControlUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        let first = usize::try_from(spec.special_index)
            .map_err(|_| PluginError::new("LagControl has a negative first control"))?;
        if spec.outputs.len() > MAX_LAGGED || spec.inputs.len() != spec.outputs.len() {
            return Err(PluginError::new(format!(
                "LagControl smooths up to {MAX_LAGGED} controls, one lag time input each; got {} outputs and {} inputs",
                spec.outputs.len(),
                spec.inputs.len()
            )));
        }
        let frames = if spec.rate == Rate::Audio { 1.0 } else { spec.block_size as f64 };
        Ok(LagControlUnit { first, values: [0.0; MAX_LAGGED], period: frames / spec.sample_rate })
    }
}

impl Unit for LagControlUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let controls = io.ctx.controls;
        for (k, out) in io.outputs().enumerate() {
            let v = controls.get(self.first + k).copied().unwrap_or(0.0);
            self.values[k] = v;
            out.fill(v);
        }
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let controls = io.ctx.controls;
        for k in 0..io.num_outputs() {
            let target = controls.get(self.first + k).copied().unwrap_or(0.0);
            let lag = f64::from(io.in0(k));
            // 60 dB (a factor of 1000) in `lag` seconds.
            let b1 = if lag > 0.0 { (0.001f64.ln() * self.period / lag).exp() as f32 } else { 0.0 };
            let mut y = self.values[k];
            for o in io.output(k).iter_mut() {
                y = target + b1 * (y - target);
                *o = y;
            }
            self.values[k] = y;
        }
    }
}

/// Outputs controls `special_index..special_index + outputs`: once at scalar rate, each
/// block at control rate, held over the block at audio rate; at audio rate, a control
/// mapped to an audio bus (scsynth's `/n_mapa`) outputs the bus frame by frame.
struct Control;

struct ControlUnit {
    first: usize,
    /// Whether an output is audio rate (and may read a bus); else each output is one value.
    audio: bool,
}

impl UGen for Control {
    type Unit = ControlUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<ControlUnit, PluginError> {
        expect_rate(spec, &[Rate::Scalar, Rate::Control, Rate::Audio])?;
        let first = usize::try_from(spec.special_index)
            .map_err(|_| PluginError::new(format!("{} has a negative first control", spec.name)))?;
        Ok(ControlUnit { first, audio: spec.outputs.contains(&Rate::Audio) })
    }
}

impl ControlUnit {
    fn copy(&self, io: &mut UnitIo<'_, '_>) {
        let controls = io.ctx.controls;
        for k in 0..io.num_outputs() {
            let audio = io.output_rate(k) == Rate::Audio;
            let value = controls.get(self.first + k).copied().unwrap_or(0.0);
            let (out, ctx) = io.output_with_context(k);
            match (ctx.control_maps.audio_bus(self.first + k), out) {
                (Some(bus), out) if audio => ctx.buses.read_audio(bus, ctx.offset, out, false),
                // One value a block (scalar and control rate), or every frame of the call.
                (_, [one]) => *one = value,
                (_, out) => out.fill(value),
            }
        }
    }
}

impl Unit for ControlUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.copy(io);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        if self.audio {
            return self.copy(io);
        }
        // Scalar and control rate: one value an output, read from no bus.
        let controls = io.ctx.controls.get(self.first..).unwrap_or_default();
        for k in 0..io.num_outputs() {
            io.output(k)[0] = controls.get(k).copied().unwrap_or(0.0);
        }
    }
}
