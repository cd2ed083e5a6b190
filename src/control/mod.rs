//! The control side's view of the engine: the registry of definitions, building Synths off
//! the audio thread, sending commands, receiving events. Context: NRT (the network thread).

mod engine_handle;
mod graph_defs;
pub mod name_hash;
mod plugin;
mod registry;
mod synth_builder;

pub use engine_handle::{EngineHandle, QueueFull};
pub use graph_defs::{GraphDefError, GraphDefRequest};
pub use plugin::{InstallError, InstallMode, PluginDefinitions, PluginRecord, PluginSource, UninstallError};
pub use registry::Registry;
pub use synth_builder::{element_name, ControlKey, SynthBuildError};
