//! Offline rendering: a score played through the engine faster than realtime, to a sound
//! file (Oscine's `scsynth -N`).
//!
//! The [`Renderer`] builds an engine in [`ClockMode::Score`](crate::engine::ClockMode)
//! (timetags count seconds from the score's start; frame = round(seconds × rate)) and plays
//! the audio thread's part itself through the [`ManualDriver`](crate::drivers::ManualDriver):
//!
//! The whole score is read and checked first (framing, nesting, timetag order, every
//! message decodable), one bundle at a time, so a malformed score fails before anything
//! renders. Then it is read again as the render goes, so memory stays small however long
//! the score:
//!
//! 1. Just before the block holding a message's frame, the message goes through the
//!    server's own [`parse`](crate::osc::parse) (as client 0) and its commands are
//!    queued with their timetag, then applied at once with
//!    [`Engine::service`](crate::engine::Engine::service): a Synth starts, stops and (if its
//!    SynthDef asks for sample-accurate controls) sees a control change at its exact frame
//!    in that block; other commands take effect at the block's start.
//! 2. Resource work is awaited: before and after every `/resource/new`, `/resource/free`
//!    and `/resource/perform`, and before any message while a construct, destroy or
//!    operation is still running, the renderer keeps servicing the engine (without
//!    rendering) until the workers are done. So a `/resource/new` at time t is Live for a
//!    `/synth/new` at t, even in the same bundle, and worker timing never changes the
//!    output: rendering a score twice gives bit-identical files.
//! 3. Then the block is rendered, with the hardware inputs taken from a
//!    [`FrameSource`] (an input WAV file) and the hardware outputs handed to a
//!    [`FrameSink`] (an output WAV file, or memory).
//!
//! The output is `round(T × rate)` frames long, where `T` is the latest bundle time in the
//! score (normally the last bundle's). Messages at `T` are still parsed and applied, so
//! errors in them are caught, but can add nothing audible.
//!
//! **Errors stop the render.** Any failure a client would get an `/error` (or
//! `/resource/error`) for — a message the server cannot parse, a command the engine refuses,
//! a construct or operation that fails — and a Synth whose process panics, stop the render
//! with the byte offset of the message in the score, its time and the server's reason. A
//! render that carried on would produce a file that silently differs from the score.
//!
//! Messages that only ask for replies (`/status`, `/version`, `/synthdef/list`,
//! `/resource/list`, `/notify`) and `/quit` have no effect in a score.
//!
//! Context: NRT. The calling thread plays both the control side and the audio thread.

mod io;
mod options;
mod renderer;

pub use io::{FrameSink, FrameSource, MemorySink, MemorySource, WavInput, WavOutput};
pub use options::RenderOptions;
pub use oscine_plugins::wav::WavFormat;
pub use renderer::{CommandFailure, RenderError, RenderReport, Renderer};
