//! The control side's view of the engine: the registry of definitions, building Synths off
//! the audio thread, sending commands, receiving events. Context: NRT (the network thread).

mod engine_handle;
mod registry;
mod synth_builder;

pub use engine_handle::{EngineHandle, QueueFull};
pub use registry::Registry;
pub use synth_builder::{ControlKey, SynthBuildError};
