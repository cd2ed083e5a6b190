//! Oscine: a realtime audio engine server controlled over OSC.
//!
//! Layers, one folder each, named for the thread their code runs on:
//! - [`engine`]: the audio thread's state and per-block process (RT).
//! - [`control`]: the non-realtime end of the engine: SynthDef registry, building Synths,
//!   sending commands and receiving events (NRT, the network thread).
//! - [`workers`]: the worker pool for non-realtime jobs from the audio thread (NRT).
//! - [`network`]: UDP OSC in, commands to the engine, replies and notifications out
//!   (NRT, the network thread).
//! - [`drivers`]: what calls the engine's process: a sound device, a wall-clock-paced
//!   dummy, or a test stepping block by block.
//! - [`score`]: scores, timed OSC bundles in scsynth's NRT format: reading and building them
//!   (NRT).
//! - [`render`]: offline rendering of a score to a sound file through the same engine (NRT;
//!   the rendering thread plays the audio thread too).
#![deny(missing_docs)]

pub mod control;
pub mod drivers;
pub mod engine;
pub mod network;
pub mod render;
pub mod score;
pub mod workers;
