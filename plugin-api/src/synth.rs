use crate::ProcessContext;

/// One running instance of a [`SynthDef`](crate::SynthDef).
///
/// Built on a non-realtime thread by [`SynthDef::construct`](crate::SynthDef::construct),
/// moved to the audio thread, processed there, and moved back to a non-realtime thread to
/// be dropped: `Drop` never runs on the audio thread.
pub trait Synth: Send + 'static {
    /// Renders `ctx.frames` frames: reads `ctx.controls` and `ctx.inputs`, writes every
    /// channel of `ctx.outputs` (an output left unwritten holds stale data).
    ///
    /// Context: RT. Must not allocate, free, lock, block, do I/O or panic.
    fn process(&mut self, ctx: &mut ProcessContext<'_>);
}
