use std::path::Path;

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use crate::engine::Timetag;
use crate::osc::{check_structure, PacketError};

/// An OSC message from an address and its arguments.
///
/// ```
/// use oscine::score::message;
/// let m = message("/node/set", vec![1000.into(), "freq".into(), 220.0f32.into()]);
/// assert_eq!(m.addr, "/node/set");
/// assert_eq!(m.args.len(), 3);
/// ```
pub fn message(addr: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage { addr: addr.to_owned(), args }
}

/// Why a score cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreWriteError {
    /// A time is negative, not finite, or too large for a timetag (2^32 s and more).
    #[error("bundle {index}: {seconds} is not a time in seconds from 0 to 2^32")]
    Time {
        /// The bundle's position in the order it was added.
        index: usize,
        /// The time given.
        seconds: f64,
    },
    /// The bundle could not be encoded, or is not one the server would accept (too large,
    /// nested too deeply).
    #[error("bundle {index} at {seconds} s: {reason}")]
    Bundle {
        /// The bundle's position in the order it was added.
        index: usize,
        /// Its time.
        seconds: f64,
        /// Why.
        reason: String,
    },
    /// The file could not be written.
    #[error("cannot write the score: {0}")]
    Io(#[from] std::io::Error),
}

/// A score being built: bundles of messages at times in seconds from the start.
///
/// Bundles may be added in any order; [`to_bytes`](Self::to_bytes) sorts them by time,
/// keeping the order they were added in among bundles with the same time (which is the
/// order the renderer applies them in). The render ends at the latest time, so add an
/// empty bundle with [`end`](Self::end) to let the last sounds ring on.
///
/// ```
/// use oscine::score::{message, Score};
/// let mut score = Score::new();
/// score.at(1.0, [message("/node/free", vec![1000.into()])]);
/// score.at(0.0, [message("/synth/new", vec!["sine".into(), 1000.into(), 0.into(), 0.into()])]);
/// score.end(3.0);
/// assert_eq!(score.duration(), 3.0);
/// let path = std::env::temp_dir().join(format!("oscine-doc-{}.osc", std::process::id()));
/// score.write(&path).unwrap();
/// let bytes = std::fs::read(&path).unwrap();
/// std::fs::remove_file(&path).unwrap();
/// assert_eq!(bytes, score.to_bytes().unwrap());
/// ```
///
/// Context: NRT.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    bundles: Vec<(f64, Vec<OscPacket>)>,
}

impl Score {
    /// An empty score.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a bundle of `messages` at `seconds` from the start.
    pub fn at(&mut self, seconds: f64, messages: impl IntoIterator<Item = OscMessage>) -> &mut Self {
        self.bundle(seconds, messages.into_iter().map(OscPacket::Message).collect())
    }

    /// Adds a bundle at `seconds` holding any packets, nested bundles included (an
    /// enclosed bundle's timetag must not be earlier than `seconds`).
    pub fn bundle(&mut self, seconds: f64, content: Vec<OscPacket>) -> &mut Self {
        self.bundles.push((seconds, content));
        self
    }

    /// Adds an empty bundle at `seconds`: the render lasts at least until then.
    pub fn end(&mut self, seconds: f64) -> &mut Self {
        self.bundle(seconds, Vec::new())
    }

    /// Bundles added.
    pub fn len(&self) -> usize {
        self.bundles.len()
    }

    /// Whether no bundle was added.
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }

    /// The latest bundle time (0 for an empty score): how long a render of it lasts.
    pub fn duration(&self) -> f64 {
        self.bundles.iter().map(|(t, _)| *t).fold(0.0, f64::max)
    }

    /// The score in scsynth's NRT format: for each bundle in time order, its length as a
    /// big-endian int32, then the bundle.
    ///
    /// # Errors
    /// If a time is not in `0..2^32` seconds, or a bundle cannot be encoded or would not
    /// be read back (nested too deeply). Bundles may be of any size.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ScoreWriteError> {
        let mut order: Vec<usize> = (0..self.bundles.len()).collect();
        for &index in &order {
            let seconds = self.bundles[index].0;
            if !(seconds.is_finite() && (0.0..4_294_967_296.0).contains(&seconds)) {
                return Err(ScoreWriteError::Time { index, seconds });
            }
        }
        // Stable: bundles with the same time keep the order they were added in.
        order.sort_by(|a, b| self.bundles[*a].0.total_cmp(&self.bundles[*b].0));
        let mut out = Vec::new();
        for index in order {
            let (seconds, content) = &self.bundles[index];
            let fail = |reason: String| ScoreWriteError::Bundle { index, seconds: *seconds, reason };
            let (s, f) = Timetag::from_seconds(*seconds).parts();
            let packet = OscPacket::Bundle(OscBundle {
                timetag: OscTime { seconds: s, fractional: f },
                content: content.clone(),
            });
            let bytes = rosc::encoder::encode(&packet).map_err(|e| fail(format!("cannot encode: {e:?}")))?;
            check_structure(&bytes).map_err(|e: PacketError| fail(e.to_string()))?;
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// Writes the score to a file (see [`to_bytes`](Self::to_bytes)).
    ///
    /// # Errors
    /// As [`to_bytes`](Self::to_bytes), or when the file cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), ScoreWriteError> {
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::read_score;

    #[test]
    fn sorts_stably_by_time_and_round_trips() {
        let mut score = Score::new();
        score.at(2.0, [message("/b", vec![])]);
        score.at(1.0, [message("/a1", vec![1.into()])]);
        score.at(1.0, [message("/a2", vec!["x".into()])]);
        score.end(2.5);
        let bundles = read_score(&score.to_bytes().unwrap()).unwrap();
        let addrs: Vec<_> =
            bundles.iter().map(|b| b.messages.first().map_or("", |m| m.message.addr.as_str())).collect();
        assert_eq!(addrs, ["/a1", "/a2", "/b", ""]);
        assert_eq!(bundles.iter().map(|b| b.seconds()).collect::<Vec<_>>(), [1.0, 1.0, 2.0, 2.5]);
        assert_eq!(bundles[1].messages[0].message.args, vec![OscType::String("x".into())]);
    }

    #[test]
    fn refuses_bad_times_and_writes_bundles_of_any_size() {
        for t in [-1.0, f64::NAN, f64::INFINITY, 5e9] {
            let mut score = Score::new();
            score.end(t);
            assert!(matches!(score.to_bytes(), Err(ScoreWriteError::Time { index: 0, .. })), "{t}");
        }
        let mut score = Score::new();
        score.at(0.0, [message("/d_recv", vec![OscType::Blob(vec![0; 70_000])])]);
        let bundles = read_score(&score.to_bytes().unwrap()).unwrap();
        assert_eq!(bundles[0].messages[0].message.args, [OscType::Blob(vec![0; 70_000])]);
    }
}
