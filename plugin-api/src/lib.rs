//! The plugin surface of Oscine: everything a plugin may see.
//!
//! A plugin describes each [`SynthDef`] once, as data ([`SynthDefInfo`]: name, audio
//! ports, controls with defaults and ranges, resource ports, flags), and registers it with
//! a [`Registrar`] as a [`SynthDefTable`]: the description, the layout of one Synth's
//! state and a table of plain functions over it. The engine builds a Synth on a
//! non-realtime thread (its state placed in the Synth's one allocation, never made on the
//! audio thread), links it into its node tree, calls [`Synth::activate`] at the exact
//! frame it starts sounding and then [`Synth::process`] once per block, which returns a
//! [`ProcessStatus`].
//!
//! A plugin may also register [`ResourceDef`]s: kinds of shared [`Resource`] (sample
//! buffers, tables) that clients create by id, Synths bind through resource ports, and
//! non-realtime operations (dispatched by index) read or write on workers.
//!
//! Thread contexts are marked on every function the engine calls and every type a Synth
//! uses on the audio thread (docs/plugins.md is the contract, thread by thread):
//! - **NRT** (non-realtime): may allocate, block and fail with a [`PluginError`].
//! - **RT** (the audio thread): must not allocate, free, lock, block, do I/O or panic.
//!
//! A plugin is compiled into its host, or built as a dynamic library (a `cdylib`, possibly
//! by another `rustc`) that names itself in a [`PluginDescriptor`] and exports it with
//! [`export_plugin!`]. Host and library then speak only the C ABI of [`abi`]: a
//! `#[repr(C)]` table versioned by [`ABI_VERSION`], through which [`abi::register`] turns
//! the library's definitions into ordinary [`SynthDefTable`]s and `Arc<dyn ResourceDef>`s
//! that keep the library loaded while they, or their Resources, live.
//!
//! With the `harness` feature, the `harness` module runs a SynthDef's Synths the way the engine
//! does, for a plugin's own tests.
//!
//! ```
//! use oscine_plugin_api::{
//!     AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
//! };
//!
//! /// Outputs a constant level.
//! struct Dc;
//! struct DcSynth;
//!
//! impl SynthDef for Dc {
//!     type Synth = DcSynth;
//!     fn info(&self) -> SynthDefInfo {
//!         SynthDefInfo::new("dc")
//!             .outputs(&[AudioPort::new("out")])
//!             .controls(&[ControlSpec::new("level", 0.0, -1.0, 1.0)])
//!     }
//!     fn construct(&self, _: &World, _: &[f32]) -> Result<DcSynth, PluginError> {
//!         Ok(DcSynth)
//!     }
//! }
//!
//! impl Synth for DcSynth {
//!     fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
//!         let level = ctx.controls[0];
//!         ctx.outputs.channel(0).fill(level);
//!         ProcessStatus::Continue
//!     }
//! }
//! ```
#![deny(missing_docs)]

pub mod abi;
mod audio;
mod buses;
mod descriptor;
mod error;
mod files;
#[cfg(feature = "harness")]
pub mod harness;
mod memory;
mod process;
mod registrar;
mod report;
mod resource;
mod synth;
mod synthdef;
mod table;
mod ugen;
mod world;

pub use audio::{AudioInputs, AudioOutputs};
pub use buses::{bus_number, Buses, ControlMap, ControlMaps, NoBuses};
pub use descriptor::PluginDescriptor;
pub use error::PluginError;
pub use files::{CreatedFile, CreatedPath, FileAccess, FileError, RootAccess};
pub use memory::{MemoryBudget, MemoryGrant, OverBudget};
pub use process::ProcessContext;
pub use registrar::Registrar;
pub use report::{NoReports, Report, ReportKind, ReportValues, Reports, MAX_REPORT_VALUES};
pub use resource::{
    downcast, AcquireError, Lease, Mutability, NoResources, OperationSpec, PortBindings, PortDirection, Resource,
    ResourceAccess, ResourceArg, ResourceBinding, ResourceDef, ResourceDefInfo, ResourceId, ResourcePort,
    ResourcePorts,
};
pub use synth::{ActivateContext, ProcessStatus, Synth};
pub use synthdef::{AudioPort, ControlSpec, SynthDef, SynthDefInfo};
pub use table::{DynamicSynthDef, Panicked, ProcessArgs, SynthDefTable};
pub use ugen::{
    DoneAction, Finished, FoldedOut, InputSpec, Rate, Rgen, UGen, UGenTable, Unit, UnitContext, UnitIo, UnitSpec,
    UnitTemplate, Wire, WireMut,
};
pub use world::World;

/// The version of this crate a plugin was built against (its `Cargo.toml` version). A
/// plugin library's entry carries it, and [`abi::register`] refuses a plugin whose API
/// version this crate does not speak ([`abi::api_compatible`]: Cargo's semver rule).
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The layout version of the C table a plugin library exports ([`abi`]): it changes
/// whenever that layout does, whatever [`API_VERSION`] does. A host reads a library's
/// with the `oscine_plugin_abi_version` symbol before anything else, and loads only a
/// library whose ABI version equals its own.
pub const ABI_VERSION: u32 = 2;
