//! SynthDefs whose output is exact, for checking the engine rather than DSP.
use std::sync::Arc;

use oscine_plugin_api::{AudioPort, ConstructError, ControlSpec, ProcessContext, Registrar, Synth, SynthDef, World};

const OUT: &[AudioPort] = &[AudioPort::new("out")];
const IN: &[AudioPort] = &[AudioPort::new("in")];

/// `test-dc`: writes `level` to its one output.
pub struct Dc;
/// `test-copy`: copies its input to its output, plus `add`.
pub struct CopyAdd;
/// `test-panic`: panics when `boom` is 1.
pub struct Panicker;
/// `test-done`: says done in its `after`-th call (1-based), outputs the call count.
pub struct DoneAfterCalls;

struct DcSynth;
struct CopySynth;
struct PanicSynth;
struct DoneSynth(u32);

impl SynthDef for Dc {
    fn name(&self) -> &str {
        "test-dc"
    }
    fn audio_inputs(&self) -> &[AudioPort] {
        &[]
    }
    fn audio_outputs(&self) -> &[AudioPort] {
        OUT
    }
    fn controls(&self) -> &[ControlSpec] {
        const C: &[ControlSpec] = &[ControlSpec::new("level", 1.0, -100.0, 100.0)];
        C
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<Box<dyn Synth>, ConstructError> {
        Ok(Box::new(DcSynth))
    }
}

impl Synth for DcSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let level = ctx.controls[0];
        ctx.outputs.channel(0).fill(level);
    }
}

impl SynthDef for CopyAdd {
    fn name(&self) -> &str {
        "test-copy"
    }
    fn audio_inputs(&self) -> &[AudioPort] {
        IN
    }
    fn audio_outputs(&self) -> &[AudioPort] {
        OUT
    }
    fn controls(&self) -> &[ControlSpec] {
        const C: &[ControlSpec] = &[ControlSpec::new("add", 0.0, -100.0, 100.0)];
        C
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<Box<dyn Synth>, ConstructError> {
        Ok(Box::new(CopySynth))
    }
}

impl Synth for CopySynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let add = ctx.controls[0];
        let input = ctx.inputs.channel(0);
        for (o, i) in ctx.outputs.channel(0).iter_mut().zip(input) {
            *o = *i + add;
        }
    }
}

impl SynthDef for Panicker {
    fn name(&self) -> &str {
        "test-panic"
    }
    fn audio_inputs(&self) -> &[AudioPort] {
        &[]
    }
    fn audio_outputs(&self) -> &[AudioPort] {
        OUT
    }
    fn controls(&self) -> &[ControlSpec] {
        const C: &[ControlSpec] = &[ControlSpec::new("boom", 0.0, 0.0, 1.0)];
        C
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<Box<dyn Synth>, ConstructError> {
        Ok(Box::new(PanicSynth))
    }
}

impl Synth for PanicSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        if ctx.controls[0] == 1.0 {
            panic!("test-panic asked to panic");
        }
        ctx.outputs.channel(0).fill(0.25);
    }
}

impl SynthDef for DoneAfterCalls {
    fn name(&self) -> &str {
        "test-done"
    }
    fn audio_inputs(&self) -> &[AudioPort] {
        &[]
    }
    fn audio_outputs(&self) -> &[AudioPort] {
        OUT
    }
    fn controls(&self) -> &[ControlSpec] {
        const C: &[ControlSpec] = &[ControlSpec::new("after", 1.0, 1.0, 1000.0)];
        C
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<Box<dyn Synth>, ConstructError> {
        Ok(Box::new(DoneSynth(0)))
    }
}

impl Synth for DoneSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        self.0 += 1;
        ctx.outputs.channel(0).fill(self.0 as f32);
        if self.0 as f32 >= ctx.controls[0] {
            ctx.set_done();
        }
    }
}

pub fn register(registrar: &mut dyn Registrar) {
    registrar.register_synthdef(Arc::new(Dc));
    registrar.register_synthdef(Arc::new(CopyAdd));
    registrar.register_synthdef(Arc::new(Panicker));
    registrar.register_synthdef(Arc::new(DoneAfterCalls));
}
