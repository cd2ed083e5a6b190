//! Oscine: a realtime audio engine server controlled over OSC.
//!
//! Layers, one folder each, named for the thread their code runs on. A layer imports only
//! the layers listed before it (docs/architecture.md draws the picture):
//! - [`error_code`]: the table of stable `/error` codes; a leaf that imports nothing of the
//!   crate, so the engine, the OSC protocol and the renderer share it.
//! - [`scgf`]: reading SynthDef files (SCgf, `.scsyndef`) into defs of ugens; a leaf that
//!   imports only the plugin API's `Rate`.
//! - [`engine`]: the audio thread's state and per-block process, and its protocol with the
//!   other threads (RT).
//! - [`workers`]: the worker pool for non-realtime jobs from the audio thread (NRT); knows
//!   only the engine's worker protocol.
//! - [`control`]: the non-realtime end of the engine: the registry of definitions, building
//!   Synths, sending commands and receiving events (NRT, the network thread).
//! - [`drivers`]: what calls the engine's process: a sound device, a wall-clock-paced
//!   dummy, or a test stepping block by block.
//! - [`build`] (this crate's root): wires engine, workers, registry and handle together.
//! - [`midi`]: MIDI input: device inputs, parsing, and the mappings that turn MIDI events
//!   into engine commands (NRT: the network thread, and midir's threads for the FIFO's
//!   writing end).
//! - [`osc`]: the OSC protocol: packet checks, argument reading, verb parsing, replies and
//!   error codes, shared by the server, the score reader and the renderer (NRT).
//! - [`network`]: the UDP server: sockets and clients (NRT, the network thread).
//! - [`score`]: scores, timed OSC bundles in scsynth's NRT format: reading and building them
//!   (NRT).
//! - [`render`]: offline rendering of a score to a sound file through the same engine (NRT;
//!   the rendering thread plays the audio thread too).
#![deny(missing_docs)]

mod assembly;
pub mod control;
pub mod drivers;
pub mod engine;
pub mod error_code;
pub mod graph;
pub mod loader;
pub mod midi;
pub mod network;
pub mod osc;
pub mod render;
pub mod scgf;
pub mod score;
pub mod workers;

pub use assembly::{build, BuildError, EngineParts};
