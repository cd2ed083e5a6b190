//! Scores: timed OSC for offline rendering, in scsynth's non-realtime (`-N`) format.
//!
//! A score is a sequence of bundles, each written as a big-endian int32 length followed by
//! an OSC bundle of that length. Each bundle's timetag counts seconds from the start of the
//! score (NTP layout: the upper 32 bits are whole seconds, the lower 32 bits the fraction),
//! and timetags never decrease from one bundle to the next. Inside the bundles are the
//! server's own verbs (`/synth/new`, `/node/set`, `/resource/new`, ...), exactly as a
//! client would send them over UDP; `oscine render` plays them through the same engine.
//!
//! - [`ScoreReader`] / [`read_score`] check the framing and decode the bundles, keeping the
//!   byte offset of every bundle and message so errors can point at them.
//! - [`Score`] builds a score in Rust without hand-encoding bytes:
//!
//! ```
//! use oscine::score::{message, read_score, Score};
//! use rosc::OscType;
//!
//! let mut score = Score::new();
//! // A sine on hardware output 0 from 0.5 s to 1.5 s; the render ends at 2 s.
//! score.at(0.5, [message("/synth/new", vec!["sine".into(), 1000.into(), 0.into(), 0.into(),
//!                                           "freq".into(), 440.0f32.into()])]);
//! score.at(1.5, [message("/node/free", vec![OscType::Int(1000)])]);
//! score.end(2.0);
//! let bytes = score.to_bytes().unwrap();
//!
//! let bundles = read_score(&bytes).unwrap();
//! assert_eq!(bundles.len(), 3);
//! assert_eq!(bundles[1].seconds(), 1.5);
//! assert_eq!(bundles[1].messages[0].message.addr, "/node/free");
//! ```
//!
//! Context: NRT (reading and writing allocate).

mod reader;
mod writer;

pub use reader::{read_score, ScoreBundle, ScoreError, ScoreErrorKind, ScoreMessage, ScoreReader};
pub use writer::{message, Score, ScoreWriteError};
