//! The wire buffers: scratch memory the engine lends each Synth for its process call, where
//! a graph Synth keeps its audio-rate wires, as scsynth shares its wire buffers among all
//! its Synths. Every Synth's audio-rate wires live in the same few kilobytes, which stay
//! in the first-level cache however many Synths run, instead of a block per wire in each
//! Synth's own allocation.
//!
//! Context: `WireBuffers::new` NRT (when the engine is built); the rest RT.

/// How many blocks of wire buffers the engine lends: scsynth's default (its `-w`). A graph
/// SynthDef whose audio-rate wires need more at once keeps them in its Synths' own
/// allocations, which renders the same, only slower.
pub const WIRE_BUFFERS: usize = 64;

/// The engine's wire buffers: [`WIRE_BUFFERS`] blocks of floats, allocated once. What a
/// Synth leaves in them means nothing to the next.
pub(crate) struct WireBuffers(Box<[f32]>);

impl WireBuffers {
    /// Wire buffers for blocks of `block_size` frames. Context: NRT.
    pub(crate) fn new(block_size: usize) -> Self {
        WireBuffers(vec![0.0; WIRE_BUFFERS * block_size].into_boxed_slice())
    }

    /// The buffers, lent for one Synth's call.
    #[inline]
    pub(crate) fn lend(&mut self) -> &mut [f32] {
        &mut self.0
    }
}
