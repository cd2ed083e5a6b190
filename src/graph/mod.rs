//! Graph SynthDefs: a SynthDef made from an SCgf graph ([`crate::scgf`]) and the UGens
//! plugins register. Building the plan runs NRT (when a def arrives); a graph Synth runs
//! its units on the audio thread, each block, their states and scalar- and control-rate
//! wires in the Synth's one allocation, their audio-rate wires in the wire buffers the
//! engine lends the call.
//!
//! Context: `GraphSynthDef::new` and `construct` NRT; `process` RT.

mod plan;
mod synthdef;

pub use plan::GraphError;
pub use synthdef::GraphSynthDef;
pub(crate) use synthdef::{GraphCall, SharedGraphDef};
