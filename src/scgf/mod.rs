//! SynthDef files (SCgf, `.scsyndef`): reading the definitions sclang and supriya write.
//!
//! A file holds one or more defs, each a graph of ugens (unit generators) with constants,
//! named parameters and their defaults, and named variants of those defaults. The format is
//! SuperCollider's, big-endian and packed, in version 1 (16-bit counts and indices) or 2
//! (32-bit); [`read_synthdefs`] reads both into a [`SynthDefFile`].
//!
//! The reader trusts nothing: every count is checked against the bytes left before
//! anything is allocated for it, every input must read an earlier ugen's existing output or
//! an existing constant, and a bad file is refused with an [`ScgfError`] naming the def,
//! the problem and the byte offset, never a panic.
//!
//! Decisions where the format leaves room:
//! - Names (of defs, parameters, ugen classes and variants) must be UTF-8: sclang writes
//!   ASCII, and a name that is not UTF-8 is refused ([`Problem::NotUtf8`]) rather than
//!   altered, since an altered name would not match the one clients send.
//! - A file of zero defs is valid and reads as an empty list, as scsynth loads it (an
//!   empty buffer is not: it has no header).
//! - Two defs of one name in a file are both kept, in file order; installing them in order
//!   leaves the later, as scsynth does.
//! - Bytes after the last def are refused ([`Problem::TrailingBytes`]).
//!
//! A leaf layer: it imports only `oscine_plugin_api::Rate`.

mod error;
mod model;
mod reader;
#[cfg(test)]
mod tests;

pub use error::{DefId, Problem, ScgfError};
pub use model::{GraphDef, Input, ParameterName, SynthDefFile, UGenSpec, Variant};
pub use reader::read_synthdefs;
