//! `oscine-example-fm`: an example Oscine plugin, built as a dynamic library the server
//! loads at run time (see README.md). It registers one SynthDef, `fm`.
//!
//! `fm` is a two-operator FM voice: a sine modulator at `freq * ratio` Hz shifts the phase
//! of a sine carrier at `freq` Hz by `index * sin(modulator phase)` radians. Its output is
//! `amp * LEVEL * sin(carrier phase + index * sin(modulator phase))`.

use std::f64::consts::TAU;

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginDescriptor, PluginError, ProcessContext, ProcessStatus, Registrar, Synth, SynthDef,
    SynthDefInfo, SynthDefTable, World,
};

/// The output level of every `fm` Synth, on top of its `amp` control. Change it, rebuild,
/// and the server plays the new version (README.md, "Change it while it runs").
pub const LEVEL: f32 = 1.0;

/// What the server reads when it loads the library: the plugin's name and version, and
/// the function that registers its definitions.
pub const PLUGIN: PluginDescriptor =
    PluginDescriptor { name: "oscine-example-fm", version: env!("CARGO_PKG_VERSION"), register };

oscine_plugin_api::export_plugin!(PLUGIN);

/// Registers this plugin's one SynthDef, `fm`.
///
/// Context: NRT, once, when the library is loaded.
pub fn register(registrar: &mut dyn Registrar) {
    registrar.register_synthdef(SynthDefTable::new(Fm));
}

/// `fm`: a two-operator FM voice.
///
/// Controls: `freq` (carrier frequency in Hz, default 440, 0..=20000), `ratio` (modulator
/// frequency over carrier frequency, default 2, 0..=16), `index` (modulation index: the
/// modulator's peak phase shift in radians, default 1, 0..=32), `amp` (default 0.1,
/// 0..=1). Output: `out`, `amp * LEVEL * sin(carrier phase + index * sin(modulator
/// phase))`, both phases starting at 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fm;

const CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("freq", 440.0, 0.0, 20_000.0),
    ControlSpec::new("ratio", 2.0, 0.0, 16.0),
    ControlSpec::new("index", 1.0, 0.0, 32.0),
    ControlSpec::new("amp", 0.1, 0.0, 1.0),
];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for Fm {
    type Synth = FmSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("fm").outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<FmSynth, PluginError> {
        Ok(FmSynth { carrier: 0.0, modulator: 0.0 })
    }
}

/// A running [`Fm`].
#[derive(Debug)]
pub struct FmSynth {
    /// The carrier's phase in cycles, in `[0, 1)`.
    carrier: f64,
    /// The modulator's phase in cycles, in `[0, 1)`.
    modulator: f64,
}

impl Synth for FmSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        // The controls in CONTROLS order, already clamped by the engine.
        let &[freq, ratio, index, amp, ..] = ctx.controls else {
            // Fewer controls than declared would be an engine bug: silence, not a panic.
            return ProcessStatus::OutputsUntouched;
        };
        let carrier_step = step(f64::from(freq), ctx.sample_rate);
        let modulator_step = step(f64::from(freq) * f64::from(ratio), ctx.sample_rate);
        let index = f64::from(index);
        let gain = amp * LEVEL;
        let (mut carrier, mut modulator) = (self.carrier, self.modulator);
        for o in ctx.outputs.channel(0) {
            *o = gain * (TAU * carrier + index * (TAU * modulator).sin()).sin() as f32;
            carrier = advance(carrier, carrier_step);
            modulator = advance(modulator, modulator_step);
        }
        self.carrier = carrier;
        self.modulator = modulator;
        ProcessStatus::Continue
    }
}

/// The per-sample phase step of a `freq` Hz oscillator, in cycles, reduced to `[0, 1)`: a
/// modulator above the sample rate (up to 16 times 20 kHz) aliases as its samples do.
///
/// Context: RT (once per call, never per sample).
fn step(freq: f64, sample_rate: f64) -> f64 {
    let cycles = freq / sample_rate;
    // Exact, and in [0, 1), for the non-negative frequencies the clamped controls give.
    let reduced = cycles - cycles.floor();
    // A sample rate of 0 would give NaN: a silent oscillator rather than NaN samples.
    if reduced.is_finite() {
        reduced
    } else {
        0.0
    }
}

/// A phase in `[0, 1)` advanced by a step in `[0, 1)`, wrapped back into `[0, 1)`.
///
/// Context: RT.
#[inline]
fn advance(phase: f64, step: f64) -> f64 {
    let next = phase + step;
    if next >= 1.0 {
        next - 1.0
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oscine_plugin_api::harness::{Harness, RAGGED, WORLD};
    use oscine_plugin_api::ResourceDef;

    use super::*;

    /// Controls in `CONTROLS` order: freq, ratio, index, amp.
    type Controls = [f32; 4];

    /// The samples the formula gives for `frames` frames at each control setting in turn,
    /// phases carried from one setting to the next: each phase is a sum, in f64, of one
    /// step of `freq / sample_rate` cycles per sample, modulo one cycle.
    fn formula(segments: &[(usize, Controls)]) -> Vec<f32> {
        let (mut carrier, mut modulator) = (0.0_f64, 0.0_f64);
        let mut out = Vec::new();
        for &(frames, [freq, ratio, index, amp]) in segments {
            let carrier_step = (f64::from(freq) / WORLD.sample_rate) % 1.0;
            let modulator_step = (f64::from(freq) * f64::from(ratio) / WORLD.sample_rate) % 1.0;
            for _ in 0..frames {
                let phase = TAU * carrier + f64::from(index) * (TAU * modulator).sin();
                out.push(amp * LEVEL * phase.sin() as f32);
                carrier = (carrier + carrier_step) % 1.0;
                modulator = (modulator + modulator_step) % 1.0;
            }
        }
        out
    }

    fn harness(controls: Controls) -> Harness {
        let [freq, ratio, index, amp] = controls;
        Harness::new(Fm, &[("freq", freq), ("ratio", ratio), ("index", index), ("amp", amp)])
    }

    #[test]
    fn describes_one_output_and_four_controls() {
        let info = Fm.info();
        assert_eq!(info.name, "fm");
        assert_eq!(info.audio_inputs.len(), 0);
        assert_eq!(info.audio_outputs, vec![AudioPort::new("out")]);
        let controls: Vec<_> = info.controls.iter().map(|c| (c.name.as_ref(), c.default, c.min, c.max)).collect();
        assert_eq!(
            controls,
            [
                ("freq", 440.0, 0.0, 20_000.0),
                ("ratio", 2.0, 0.0, 16.0),
                ("index", 1.0, 0.0, 32.0),
                ("amp", 0.1, 0.0, 1.0)
            ]
        );
        assert!(!info.sample_accurate_controls);
        assert!(info.resource_ports.is_empty());
    }

    #[test]
    fn registers_fm_under_the_plugin_name() {
        #[derive(Default)]
        struct Names(Vec<String>);
        impl Registrar for Names {
            fn register_synthdef(&mut self, def: SynthDefTable) {
                self.0.push(def.info().name.to_string());
            }
            fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
                self.0.push(def.info().name.to_string());
            }
            fn register_ugen(&mut self, ugen: oscine_plugin_api::UGenTable) {
                self.0.push(ugen.name().to_string());
            }
        }
        let mut names = Names::default();
        (PLUGIN.register)(&mut names);
        assert_eq!(names.0, ["fm"]);
        assert_eq!(PLUGIN.name, "oscine-example-fm");
        assert_eq!(PLUGIN.version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn samples_are_the_formula_exactly_in_calls_of_any_size() {
        let controls = [523.25, 1.5, 3.0, 0.7];
        let expected = formula(&[(4000, controls)]);
        for chunks in [RAGGED, &[64][..], &[1], &[63, 2]] {
            let out = harness(controls).generate(4000, chunks).outputs.remove(0);
            assert_eq!(out, expected, "in calls of {chunks:?}");
        }
    }

    #[test]
    fn defaults_start_at_phase_zero() {
        let out = Harness::new(Fm, &[]).generate(1000, RAGGED).outputs.remove(0);
        assert_eq!(out[0], 0.0);
        assert_eq!(out, formula(&[(1000, [440.0, 2.0, 1.0, 0.1])]));
    }

    #[test]
    fn a_control_change_carries_both_phases_on() {
        let (first, second) = ([220.0, 2.0, 5.0, 0.5], [330.0, 3.5, 0.5, 0.25]);
        let mut h = harness(first);
        let mut out = h.generate(777, RAGGED).outputs.remove(0);
        let [freq, ratio, index, amp] = second;
        for (name, value) in [("freq", freq), ("ratio", ratio), ("index", index), ("amp", amp)] {
            h.set(name, value);
        }
        out.extend(h.generate(1000, RAGGED).outputs.remove(0));
        assert_eq!(out, formula(&[(777, first), (1000, second)]));
    }

    #[test]
    fn the_extremes_of_every_range_are_the_formula_too() {
        // A modulator at 16 times 20 kHz steps several cycles per sample.
        for controls in [[20_000.0, 16.0, 32.0, 1.0], [0.0, 16.0, 32.0, 1.0], [20_000.0, 0.0, 0.0, 1.0]] {
            let out = harness(controls).generate(3000, RAGGED).outputs.remove(0);
            assert_eq!(out, formula(&[(3000, controls)]), "at {controls:?}");
            assert!(out.iter().all(|x| x.abs() <= LEVEL), "at {controls:?}");
        }
    }

    #[test]
    fn the_output_follows_the_closed_form_over_a_second() {
        // sin(2 pi f t + index sin(2 pi f ratio t)) at t = n / sample_rate, computed from n
        // directly: the accumulated phases drift from it by far less than f32 rounding.
        let (freq, ratio, index, amp) = (440.0_f32, 1.41, 7.0, 0.8);
        let out = harness([freq, ratio, index, amp]).generate(48_000, RAGGED).outputs.remove(0);
        let mut worst: f64 = 0.0;
        for (n, &y) in out.iter().enumerate() {
            let t = n as f64 / WORLD.sample_rate;
            let modulator = (TAU * f64::from(freq) * f64::from(ratio) * t).sin();
            let ideal = f64::from(amp * LEVEL) * (TAU * f64::from(freq) * t + f64::from(index) * modulator).sin();
            worst = worst.max((f64::from(y) - ideal).abs());
        }
        assert!(worst < 1e-6, "max deviation {worst:e}");
    }

    #[test]
    fn index_zero_is_a_sine_at_freq_and_amp_times_level() {
        let out = harness([480.0, 3.0, 0.0, 0.5]).generate(4800, RAGGED).outputs.remove(0);
        // 480 Hz at 48 kHz: 100 samples a cycle, a quarter cycle at sample 25.
        assert!((out[25] - 0.5 * LEVEL).abs() < 1e-6, "{}", out[25]);
        assert!((out[75] + 0.5 * LEVEL).abs() < 1e-6, "{}", out[75]);
        let crossings = out.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count();
        assert_eq!(crossings, 48);
        let peak = out.iter().fold(0.0_f32, |m, &x| m.max(x.abs()));
        assert!((peak - 0.5 * LEVEL).abs() < 1e-6, "peak {peak}");
    }

    #[test]
    fn zero_amp_and_zero_freq_are_silent() {
        let out = harness([440.0, 2.0, 4.0, 0.0]).generate(500, RAGGED).outputs.remove(0);
        assert!(out.iter().all(|&x| x == 0.0));
        // Both phases stay at 0: sin(0 + index * sin(0)).
        let out = harness([0.0, 2.0, 4.0, 1.0]).generate(500, RAGGED).outputs.remove(0);
        assert!(out.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn out_of_range_controls_are_clamped_before_the_synth_sees_them() {
        let out = harness([50_000.0, 100.0, -3.0, 2.0]).generate(1000, RAGGED).outputs.remove(0);
        assert_eq!(out, formula(&[(1000, [20_000.0, 16.0, 0.0, 1.0])]));
    }
}
