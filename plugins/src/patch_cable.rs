//! `patch-cable`: copies its input to its output.

use oscine_plugin_api::{AudioPort, ConstructError, ControlSpec, ProcessContext, Synth, SynthDef, World};

/// Copies `in` to `out` unchanged, for routing a signal from one bus to another.
///
/// No controls.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatchCable;

const INPUTS: &[AudioPort] = &[AudioPort::new("in")];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for PatchCable {
    // Context: any. The descriptive methods return constants.
    fn name(&self) -> &str {
        "patch-cable"
    }

    fn audio_inputs(&self) -> &[AudioPort] {
        INPUTS
    }

    fn audio_outputs(&self) -> &[AudioPort] {
        OUTPUTS
    }

    fn controls(&self) -> &[ControlSpec] {
        &[]
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<Box<dyn Synth>, ConstructError> {
        Ok(Box::new(PatchCableSynth))
    }
}

struct PatchCableSynth;

impl Synth for PatchCableSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        // Both ports are `ctx.frames` long, so the lengths match.
        ctx.outputs.channel(0).copy_from_slice(ctx.inputs.channel(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Harness, RAGGED};

    #[test]
    fn output_is_the_input() {
        let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 1.5).collect();
        let mut h = Harness::new(&PatchCable, &[]);
        let render = h.run(&[&input], input.len(), RAGGED);
        assert_eq!(render.outputs[0], input);
        assert!(render.calls.iter().all(|c| !c.done));
    }
}
