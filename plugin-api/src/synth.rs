use crate::ProcessContext;

/// One running instance of a [`SynthDef`](crate::SynthDef).
///
/// Built on a non-realtime thread by [`SynthDef::construct`](crate::SynthDef::construct)
/// and placed in the Synth's one allocation, moved to the audio thread, processed there,
/// and moved back to a non-realtime thread to be dropped: `Drop` never runs on the audio
/// thread.
pub trait Synth: Send + 'static {
    /// Called once, when the Synth starts sounding, before its first `process`: at the
    /// exact frame its command named (`ctx.frame`), with its controls as they are then.
    ///
    /// Context: RT. Must not allocate, free, lock, block, do I/O or panic.
    fn activate(&mut self, ctx: &ActivateContext<'_>) {
        let _ = ctx;
    }

    /// Renders `ctx.frames` frames: reads `ctx.controls` and `ctx.inputs`, writes the
    /// channels of `ctx.outputs`, and says how it went. A Synth that wrote nothing returns
    /// [`ProcessStatus::OutputsUntouched`] and the engine writes silence for it.
    ///
    /// Context: RT. Must not allocate, free, lock, block, do I/O or panic.
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus;
}

/// What one `process` call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessStatus {
    /// Every output channel was written; the Synth goes on.
    Continue,
    /// Every output channel was written, and the Synth has finished its work (an envelope
    /// ended, a duration passed): the engine applies its done flags after this block.
    Done,
    /// No output channel was written: the engine clears them (a gate that is closed, a
    /// sampler with nothing bound).
    OutputsUntouched,
    /// Every output channel was written, and the Synth asks for a done action (a graph
    /// Synth's `EnvGen` that ended with `doneAction: 2`): the engine applies it after this
    /// block, instead of the Synth's done flags.
    DoneAction(crate::DoneAction),
    /// The Synth cannot go on (one of a graph Synth's units panicked): the engine
    /// silences it and reports the fault, as for a panic.
    Faulted,
}

/// What a Synth sees when it starts sounding.
///
/// Context: RT.
#[derive(Debug)]
#[non_exhaustive]
pub struct ActivateContext<'a> {
    /// Frames per second.
    pub sample_rate: f64,
    /// The engine's frame at which the Synth starts: its first `process` call begins here.
    pub frame: u64,
    /// The Synth's control values, in the SynthDef's control order.
    pub controls: &'a [f32],
}

impl<'a> ActivateContext<'a> {
    pub(crate) fn new(sample_rate: f64, frame: u64, controls: &'a [f32]) -> Self {
        ActivateContext { sample_rate, frame, controls }
    }
}
