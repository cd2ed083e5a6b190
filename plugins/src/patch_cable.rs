//! `patch-cable`: copies its input to its output.

use oscine_plugin_api::{AudioPort, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World};

/// Copies `in` to `out` unchanged, for routing a signal from one bus to another.
///
/// No controls.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatchCable;

const INPUTS: &[AudioPort] = &[AudioPort::new("in")];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for PatchCable {
    type Synth = PatchCableSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("patch-cable").inputs(INPUTS).outputs(OUTPUTS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<PatchCableSynth, PluginError> {
        Ok(PatchCableSynth)
    }
}

/// A running [`PatchCable`].
pub struct PatchCableSynth;

impl Synth for PatchCableSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        // Both ports are `ctx.frames` long, so the lengths match.
        ctx.outputs.channel(0).copy_from_slice(ctx.inputs.channel(0));
        ProcessStatus::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::harness::{Harness, RAGGED};

    #[test]
    fn output_is_the_input() {
        let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 1.5).collect();
        let mut h = Harness::new(PatchCable, &[]);
        let render = h.run(&[&input], input.len(), RAGGED);
        assert_eq!(render.outputs[0], input);
        assert!(render.calls.iter().all(|c| !c.done()));
    }
}
