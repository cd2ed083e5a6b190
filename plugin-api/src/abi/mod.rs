//! The C ABI between a host and a plugin library (a `cdylib` built against this crate,
//! possibly by another `rustc`): a `#[repr(C)]` table of plain data and `extern "C"`
//! functions, so that no Rust layout (`Vec`, `String`, trait objects) crosses the library
//! boundary.
//!
//! A plugin library exports it with [`export_plugin!`](crate::export_plugin). A host opens
//! the library, reads the symbol [`ABI_VERSION_SYMBOL`] (an [`AbiVersionFn`]) and checks
//! it against [`ABI_VERSION`](crate::ABI_VERSION), then calls [`ENTRY_SYMBOL`] (an
//! [`EntryFn`]) for the library's [`PluginEntry`], reads its [`header`] and hands it to
//! [`register`], which registers the plugin's definitions as ordinary
//! [`SynthDefTable`](crate::SynthDefTable)s and `Arc<dyn ResourceDef>`s that keep the
//! library loaded while they, or anything built from them, live. The layout and the rules
//! are in docs/plugins.md ("Plugins as dynamic libraries").
//!
//! ```
//! use std::sync::Arc;
//! use oscine_plugin_api::abi::{self, PluginEntry};
//! use oscine_plugin_api::{PluginDescriptor, Registrar, ResourceDef, SynthDefTable, UGenTable};
//!
//! fn register(_: &mut dyn Registrar) {}
//! const PLUGIN: PluginDescriptor = PluginDescriptor { name: "empty", version: "0.1.0", register };
//! // What a library's `oscine_plugin_entry` returns a pointer to.
//! static ENTRY: PluginEntry = PluginEntry::new(&PLUGIN);
//!
//! struct Names(Vec<String>);
//! impl Registrar for Names {
//!     fn register_synthdef(&mut self, def: SynthDefTable) {
//!         self.0.push(def.info().name.to_string());
//!     }
//!     fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
//!         self.0.push(def.info().name.to_string());
//!     }
//!     fn register_ugen(&mut self, ugen: UGenTable) {
//!         self.0.push(ugen.name().to_string());
//!     }
//! }
//!
//! // The host's handle on the open library; here, nothing to close.
//! let library: Arc<dyn std::any::Any + Send + Sync> = Arc::new(());
//! let mut names = Names(Vec::new());
//! // SAFETY: a valid entry, whose code stays loaded.
//! unsafe { abi::register(&ENTRY, library, &mut names) }.unwrap();
//! assert!(names.0.is_empty());
//! ```

mod entry;
mod export;
mod import;
mod quiet_panics;
mod types;
mod version;

#[cfg(test)]
mod tests;

pub use entry::PluginEntry;
pub use import::{header, register, PluginHeader};
pub use version::api_compatible;

pub(crate) use import::ForeignSynthDef;

/// The symbol of a plugin library's [`AbiVersionFn`], NUL-terminated for `dlsym`.
pub const ABI_VERSION_SYMBOL: &[u8] = b"oscine_plugin_abi_version\0";

/// The symbol of a plugin library's [`EntryFn`], NUL-terminated for `dlsym`.
pub const ENTRY_SYMBOL: &[u8] = b"oscine_plugin_entry\0";

/// The type of [`ABI_VERSION_SYMBOL`]: returns the library's ABI version. Context: NRT.
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;

/// The type of [`ENTRY_SYMBOL`]: returns the library's entry, `'static` while the library
/// is loaded. Context: NRT.
pub type EntryFn = unsafe extern "C" fn() -> *const PluginEntry;
