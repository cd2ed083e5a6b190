//! Unit generators: the building blocks of SynthDefs made from graphs (SuperCollider's
//! SCgf). A plugin registers UGens by class name; the host builds a graph Synth from
//! their units, in the graph's order, inside the Synth's one allocation.

mod rate;

pub use rate::Rate;
