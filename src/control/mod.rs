//! The control side's view of the engine: building Synths off the audio thread, sending
//! commands, receiving events. Context: NRT (the network thread).

mod engine_handle;
mod registry;

pub use engine_handle::{ControlKey, EngineHandle, QueueFull, SynthBuildError};
pub use registry::Registry;
