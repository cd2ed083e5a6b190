//! `amplifier`: scales its input by a gain.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{silence, MAX_GAIN};

/// `out = in * gain`.
///
/// Controls: `gain` (linear, default 1, 0..=16).
#[derive(Debug, Clone, Copy, Default)]
pub struct Amplifier;

const CONTROLS: &[ControlSpec] = &[ControlSpec::new("gain", 1.0, 0.0, MAX_GAIN)];
const INPUTS: &[AudioPort] = &[AudioPort::new("in")];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for Amplifier {
    type Synth = AmplifierSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("amplifier").inputs(INPUTS).outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<AmplifierSynth, PluginError> {
        Ok(AmplifierSynth)
    }
}

/// A running [`Amplifier`].
pub struct AmplifierSynth;

impl Synth for AmplifierSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[gain, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let input = ctx.inputs.channel(0);
        for (o, &x) in ctx.outputs.channel(0).iter_mut().zip(input) {
            *o = x * gain;
        }
        ProcessStatus::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::harness::{Harness, RAGGED};

    fn ramp(frames: usize) -> Vec<f32> {
        (0..frames).map(|i| i as f32 / 100.0 - 3.0).collect()
    }

    #[test]
    fn output_is_input_times_gain() {
        let input = ramp(700);
        let mut h = Harness::new(Amplifier, &[("gain", 2.5)]);
        let out = h.run(&[&input], 700, RAGGED).outputs.remove(0);
        for (o, x) in out.iter().zip(&input) {
            assert_eq!(*o, x * 2.5);
        }
    }

    #[test]
    fn default_gain_is_unity_and_changes_apply_at_the_next_call() {
        let input = ramp(200);
        let mut h = Harness::new(Amplifier, &[]);
        let first = h.run(&[&input[..100]], 100, RAGGED).outputs.remove(0);
        assert_eq!(first, input[..100]);
        h.set("gain", 0.0);
        let second = h.run(&[&input[100..]], 100, RAGGED).outputs.remove(0);
        assert!(second.iter().all(|&x| x == 0.0));
        // Gain beyond the spec is clamped to 16 by the engine.
        h.set("gain", 100.0);
        let third = h.run(&[&input[..10]], 10, RAGGED).outputs.remove(0);
        assert_eq!(third[0], input[0] * 16.0);
    }
}
