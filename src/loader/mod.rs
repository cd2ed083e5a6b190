//! Plugin libraries: loading them at start and while the server runs, reloading a rebuilt
//! one, and closing each once nothing built from it is alive.
//!
//! A library goes through six steps ([`LoadStep`]): it is found, copied to a private path
//! (so that a build can overwrite the original), probed in a child process under a
//! timeout (`oscine plugin probe`: a library that hangs or crashes while loading takes
//! the child down, not the server), checked for its ABI and plugin-API versions, opened,
//! and asked to register its definitions, which the registry then installs. None of it
//! runs on the audio thread or the network thread: the loader thread (or the main thread,
//! before the server starts) runs the steps, and a thread of its own closes libraries.
//!
//! Context: NRT.

mod library;
mod load_error;
mod loader_thread;
mod open;
mod plugin_loader;
mod probe;
mod start_up;

pub use library::PluginLibrary;
pub use load_error::{LoadError, LoadStep};
pub use loader_thread::{start_loader_thread, LoaderHandle, LoaderReport, LoaderRequest};
pub use plugin_loader::{is_library_name, libraries_in, PluginLoader};
pub use probe::{
    probe_here, ControlSummary, OperationSummary, ProbeCommand, ProbeOutput, ProbeReport, ResourceDefSummary,
    ResourcePortSummary, SynthDefSummary,
};
pub use start_up::{load_plugin_path, PluginPathReport};
