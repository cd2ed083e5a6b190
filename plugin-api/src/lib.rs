//! The plugin surface of Oscine: everything a plugin may see.
//!
//! A plugin registers [`SynthDef`]s with a [`Registrar`]. The engine calls a SynthDef on a
//! non-realtime thread to build a [`Synth`] (its memory allocated there, never on the audio
//! thread), links the Synth into its node tree, and from then on calls [`Synth::process`]
//! on the audio thread once per block with a [`ProcessContext`] holding the Synth's controls
//! and audio ports.
//!
//! A plugin may also register [`ResourceDef`]s: kinds of shared [`Resource`] (sample
//! buffers, tables) that clients create by id, Synths bind through resource ports, and
//! non-realtime operations read or write on workers.
//!
//! Thread contexts are marked on every item:
//! - **NRT** (non-realtime): may allocate, block and fail with a reason.
//! - **RT** (the audio thread): must not allocate, free, lock, block, do I/O or panic.
//!
//! ```
//! use oscine_plugin_api::{
//!     AudioPort, ConstructError, ControlSpec, ProcessContext, Synth, SynthDef, World,
//! };
//!
//! /// Outputs a constant level.
//! struct Dc;
//! struct DcSynth;
//!
//! impl SynthDef for Dc {
//!     fn name(&self) -> &str { "dc" }
//!     fn audio_inputs(&self) -> &[AudioPort] { &[] }
//!     fn audio_outputs(&self) -> &[AudioPort] {
//!         const OUT: &[AudioPort] = &[AudioPort::new("out")];
//!         OUT
//!     }
//!     fn controls(&self) -> &[ControlSpec] {
//!         const C: &[ControlSpec] = &[ControlSpec::new("level", 0.0, -1.0, 1.0)];
//!         C
//!     }
//!     fn construct(&self, _: &World, _: &[f32]) -> Result<Box<dyn Synth>, ConstructError> {
//!         Ok(Box::new(DcSynth))
//!     }
//! }
//!
//! impl Synth for DcSynth {
//!     fn process(&mut self, ctx: &mut ProcessContext<'_>) {
//!         let level = ctx.controls[0];
//!         ctx.outputs.channel(0).fill(level);
//!     }
//! }
//! ```
#![deny(missing_docs)]

mod audio;
mod process;
mod registrar;
mod resource;
mod synth;
mod synthdef;
mod world;

pub use audio::{AudioInputs, AudioOutputs};
pub use process::ProcessContext;
pub use registrar::Registrar;
pub use resource::{
    downcast, AcquireError, Lease, Mutability, NoResources, OperationSpec, PluginError, PortDirection, Resource,
    ResourceAccess, ResourceArg, ResourceBinding, ResourceDef, ResourceId, ResourcePort, ResourcePorts,
};
pub use synth::Synth;
pub use synthdef::{AudioPort, ConstructError, ControlSpec, SynthDef};
pub use world::World;
