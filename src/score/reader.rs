use rosc::{OscBundle, OscMessage, OscPacket, OscTime};

use crate::engine::Timetag;
use crate::osc::{check_structure, expand_command_numbers, PacketError};

/// The bytes an OSC bundle starts with.
const BUNDLE_TAG: &[u8; 8] = b"#bundle\0";

/// One message of a score, with the time it takes effect and where it is in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreMessage {
    /// Byte offset of the message in the score.
    pub offset: usize,
    /// When it takes effect, in seconds from the score's start: its own bundle's timetag,
    /// or for an "immediately" `(0, 1)` timetag the enclosing bundle's (0 at the top level).
    pub time: Timetag,
    /// The message.
    pub message: OscMessage,
}

/// One top-level bundle of a score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreBundle {
    /// Its position among the score's bundles, from 0.
    pub index: usize,
    /// Byte offset of its length prefix in the score.
    pub offset: usize,
    /// Its length in bytes, without the prefix.
    pub len: usize,
    /// Its time, in seconds from the score's start (an "immediately" timetag counts as 0).
    pub time: Timetag,
    /// The latest time of this bundle and every bundle nested in it.
    pub latest: Timetag,
    /// The bundle as decoded.
    pub bundle: OscBundle,
    /// Every message in it, nested bundles flattened, in the order they appear.
    pub messages: Vec<ScoreMessage>,
}

impl ScoreBundle {
    /// The bundle's time in seconds.
    pub fn seconds(&self) -> f64 {
        self.time.seconds()
    }
}

/// What is wrong with a score, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("byte {offset}: {kind}")]
pub struct ScoreError {
    /// Byte offset of the problem in the score: a bundle's length prefix for problems with
    /// the bundle as a whole, or the start of the element inside it that is wrong.
    pub offset: usize,
    /// What is wrong.
    pub kind: ScoreErrorKind,
}

/// The reasons a score cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreErrorKind {
    /// The score holds no bundle at all.
    #[error("the score is empty: it holds no bundles")]
    Empty,
    /// Fewer than 4 bytes are left where a length prefix should be.
    #[error("truncated: {0} byte(s) left where a 4-byte bundle length should be")]
    TruncatedLength(usize),
    /// A length prefix is 0 or not a multiple of 4.
    #[error("bundle length {0} is not a positive multiple of 4")]
    Length(u32),
    /// A length prefix runs past the end of the score.
    #[error("truncated: the bundle length is {length} but only {available} bytes follow")]
    PastEnd {
        /// The length the prefix gives.
        length: u32,
        /// The bytes left after the prefix.
        available: usize,
    },
    /// A top-level element is not a bundle (a score's top level holds only bundles).
    #[error("not a bundle: a score holds only bundles at its top level, found {0}")]
    NotABundle(&'static str),
    /// The bundle's framing is wrong (sizes, alignment, nesting depth, type tags).
    #[error("{0}")]
    Packet(PacketError),
    /// An element could not be decoded.
    #[error("cannot decode the message: {0}")]
    Decode(String),
    /// A bundle's time is earlier than the previous bundle's.
    #[error("timetag {time:.9} s is earlier than the previous bundle's {previous:.9} s; timetags must not decrease")]
    TimeOrder {
        /// This bundle's time in seconds.
        time: f64,
        /// The previous bundle's time in seconds.
        previous: f64,
    },
    /// An enclosed bundle's time is earlier than its enclosing bundle's.
    #[error("an enclosed bundle's timetag ({inner:.9} s) is earlier than its enclosing bundle's ({outer:.9} s)")]
    NestedTimeOrder {
        /// The enclosed bundle's time in seconds.
        inner: f64,
        /// The enclosing bundle's time in seconds.
        outer: f64,
    },
}

/// Reads a score's bundles one by one, checking each before decoding it.
///
/// Each bundle's framing, nesting depth and type tags go through
/// [`check_packet`](crate::osc::check_packet) before rosc sees any of it (rosc
/// decodes nested bundles recursively with no depth limit), so a score is held to exactly
/// what the server accepts in one datagram; then every message is decoded on its own, so a
/// bad one is reported with its offset instead of being skipped. Iteration ends after the
/// first error.
///
/// ```
/// use oscine::score::{ScoreErrorKind, ScoreReader};
/// // A length prefix with nothing after it.
/// let mut reader = ScoreReader::new(&[0, 0, 0, 16]);
/// let error = reader.next().unwrap().unwrap_err();
/// assert_eq!(error.offset, 0);
/// assert!(matches!(error.kind, ScoreErrorKind::PastEnd { length: 16, available: 0 }));
/// assert!(reader.next().is_none());
/// ```
///
/// Context: NRT.
#[derive(Debug, Clone)]
pub struct ScoreReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    index: usize,
    previous: Option<Timetag>,
    failed: bool,
}

impl<'a> ScoreReader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        ScoreReader { bytes, pos: 0, index: 0, previous: None, failed: false }
    }

    /// Byte offset of the next bundle.
    pub fn offset(&self) -> usize {
        self.pos
    }

    fn read_bundle(&mut self) -> Result<ScoreBundle, ScoreError> {
        let offset = self.pos;
        let at = |kind| ScoreError { offset, kind };
        let rest = &self.bytes[offset..];
        let Some(prefix) = rest.get(..4) else { return Err(at(ScoreErrorKind::TruncatedLength(rest.len()))) };
        let length = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        if length == 0 || !length.is_multiple_of(4) {
            return Err(at(ScoreErrorKind::Length(length)));
        }
        let available = rest.len() - 4;
        let Some(bytes) = rest.get(4..4 + length as usize) else {
            return Err(at(ScoreErrorKind::PastEnd { length, available }));
        };
        if !bytes.starts_with(BUNDLE_TAG) {
            let found = if bytes[0] == b'/' { "a bare message" } else { "neither a message nor a bundle" };
            return Err(at(ScoreErrorKind::NotABundle(found)));
        }
        // A bundle of a score may be of any size: the 64 KB limit is one of UDP's.
        check_structure(bytes).map_err(|e| at(ScoreErrorKind::Packet(e)))?;
        let mut messages = Vec::new();
        let (bundle, time, latest) = walk_bundle(bytes, offset + 4, None, &mut messages)?;
        if let Some(previous) = self.previous {
            if time < previous {
                return Err(at(ScoreErrorKind::TimeOrder { time: time.seconds(), previous: previous.seconds() }));
            }
        }
        self.previous = Some(time);
        self.pos = offset + 4 + bytes.len();
        let index = self.index;
        self.index += 1;
        Ok(ScoreBundle { index, offset, len: bytes.len(), time, latest, bundle, messages })
    }
}

impl Iterator for ScoreReader<'_> {
    type Item = Result<ScoreBundle, ScoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.bytes.len() {
            return None;
        }
        let result = self.read_bundle();
        self.failed = result.is_err();
        Some(result)
    }
}

/// Reads every bundle of a score, or the first error. An empty score gives no bundles.
///
/// Context: NRT.
pub fn read_score(bytes: &[u8]) -> Result<Vec<ScoreBundle>, ScoreError> {
    ScoreReader::new(bytes).collect()
}

/// Decodes a bundle already checked by `check_packet` (so its sizes are consistent and
/// its nesting is bounded by `MAX_BUNDLE_DEPTH`), element by element. `base` is its
/// offset in the score; `outer` the enclosing bundle's time. Returns the bundle, its
/// resolved time and the latest time in it.
fn walk_bundle(
    bytes: &[u8],
    base: usize,
    outer: Option<Timetag>,
    messages: &mut Vec<ScoreMessage>,
) -> Result<(OscBundle, Timetag, Timetag), ScoreError> {
    let malformed = |offset| ScoreError { offset, kind: ScoreErrorKind::Packet(PacketError::Truncated) };
    let tag_bytes: [u8; 8] = bytes.get(8..16).and_then(|b| b.try_into().ok()).ok_or(malformed(base))?;
    let tag = Timetag(u64::from_be_bytes(tag_bytes));
    let time = match (tag.is_immediate(), outer) {
        (true, Some(outer)) => outer,
        (true, None) => Timetag(0),
        (false, Some(outer)) if tag < outer => {
            return Err(ScoreError {
                offset: base,
                kind: ScoreErrorKind::NestedTimeOrder { inner: tag.seconds(), outer: outer.seconds() },
            })
        }
        (false, _) => tag,
    };
    let (seconds, fractional) = tag.parts();
    let mut bundle = OscBundle { timetag: OscTime { seconds, fractional }, content: Vec::new() };
    let mut latest = time;
    let mut pos = 16;
    while pos < bytes.len() {
        let size_bytes: [u8; 4] =
            bytes.get(pos..pos + 4).and_then(|b| b.try_into().ok()).ok_or(malformed(base + pos))?;
        let start = pos + 4;
        let end = start + u32::from_be_bytes(size_bytes) as usize;
        let element = bytes.get(start..end).ok_or(malformed(base + pos))?;
        if element.starts_with(BUNDLE_TAG) {
            let (inner, _, inner_latest) = walk_bundle(element, base + start, Some(time), messages)?;
            latest = latest.max(inner_latest);
            bundle.content.push(OscPacket::Bundle(inner));
        } else {
            let decode_error =
                |reason: String| ScoreError { offset: base + start, kind: ScoreErrorKind::Decode(reason) };
            let element = expand_command_numbers(element)
                .map_err(|e| ScoreError { offset: base + start, kind: ScoreErrorKind::Packet(e) })?;
            match crate::osc::decode_packet(&element) {
                Ok(OscPacket::Message(message)) => {
                    messages.push(ScoreMessage { offset: base + start, time, message: message.clone() });
                    bundle.content.push(OscPacket::Message(message));
                }
                Ok(OscPacket::Bundle(_)) => return Err(decode_error("not a message".into())),
                Err(e) => return Err(decode_error(e.to_string())),
            }
        }
        pos = end;
    }
    Ok((bundle, time, latest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_bytes() -> Vec<u8> {
        b"/status\0,\0\0\0".to_vec()
    }

    fn bundle(time: u64, elements: &[Vec<u8>]) -> Vec<u8> {
        let mut b = BUNDLE_TAG.to_vec();
        b.extend_from_slice(&time.to_be_bytes());
        for e in elements {
            b.extend_from_slice(&(e.len() as u32).to_be_bytes());
            b.extend_from_slice(e);
        }
        b
    }

    fn framed(bundles: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for b in bundles {
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
        out
    }

    fn error(bytes: &[u8]) -> ScoreError {
        read_score(bytes).unwrap_err()
    }

    #[test]
    fn reads_bundles_with_offsets_and_times() {
        let one = bundle(1 << 32, &[message_bytes(), message_bytes()]);
        let two = bundle(3 << 31, &[bundle(2 << 32, &[message_bytes()])]);
        let score = framed(&[one.clone(), two]);
        let bundles = read_score(&score).unwrap();
        assert_eq!(bundles.len(), 2);
        assert_eq!((bundles[0].offset, bundles[0].len, bundles[0].seconds()), (0, one.len(), 1.0));
        assert_eq!(bundles[0].messages.iter().map(|m| m.offset).collect::<Vec<_>>(), [4 + 20, 4 + 20 + 16]);
        let second = 4 + one.len();
        assert_eq!(bundles[1].offset, second);
        assert_eq!(bundles[1].seconds(), 1.5);
        assert_eq!(bundles[1].latest.seconds(), 2.0);
        // The nested message: after the outer header (16), its size (4), the inner header
        // (16) and the message's size (4).
        assert_eq!(bundles[1].messages[0].offset, second + 4 + 16 + 4 + 16 + 4);
        assert_eq!(bundles[1].messages[0].time.seconds(), 2.0);
    }

    #[test]
    fn immediately_means_the_enclosing_time_or_the_start() {
        let score = framed(&[bundle(1, &[message_bytes()]), bundle(5 << 32, &[bundle(1, &[message_bytes()])])]);
        let bundles = read_score(&score).unwrap();
        assert_eq!(bundles[0].time, Timetag(0));
        assert_eq!(bundles[1].messages[0].time.seconds(), 5.0);
    }

    #[test]
    fn an_empty_score_has_no_bundles_and_an_empty_bundle_is_fine() {
        assert!(read_score(&[]).unwrap().is_empty());
        let bundles = read_score(&framed(&[bundle(7 << 32, &[])])).unwrap();
        assert!(bundles[0].messages.is_empty());
        assert_eq!(bundles[0].seconds(), 7.0);
    }

    #[test]
    fn framing_errors_carry_the_offset() {
        let good = framed(&[bundle(0, &[message_bytes()])]);
        let mut truncated = good.clone();
        truncated.extend_from_slice(&[0, 0]);
        assert_eq!(error(&truncated), ScoreError { offset: good.len(), kind: ScoreErrorKind::TruncatedLength(2) });
        let mut odd = good.clone();
        odd.extend_from_slice(&6u32.to_be_bytes());
        assert_eq!(error(&odd).kind, ScoreErrorKind::Length(6));
        let mut past = good.clone();
        past.extend_from_slice(&64u32.to_be_bytes());
        past.extend_from_slice(&[0; 8]);
        assert_eq!(
            error(&past),
            ScoreError { offset: good.len(), kind: ScoreErrorKind::PastEnd { length: 64, available: 8 } }
        );
        let bare = framed(&[message_bytes()]);
        assert_eq!(error(&bare).kind, ScoreErrorKind::NotABundle("a bare message"));
        let unbalanced = framed(&[bundle(0, &[b"/a\0\0,[i\0\0\0\0\x01".to_vec()])]);
        assert!(matches!(error(&unbalanced).kind, ScoreErrorKind::Packet(PacketError::Malformed(_))));
    }

    #[test]
    fn deep_nesting_is_refused_before_decoding() {
        let mut inner = message_bytes();
        for _ in 0..crate::osc::MAX_BUNDLE_DEPTH + 1 {
            inner = bundle(0, &[inner]);
        }
        assert_eq!(error(&framed(&[inner])).kind, ScoreErrorKind::Packet(PacketError::TooDeep));
    }

    #[test]
    fn decreasing_and_nested_times_are_refused() {
        let score = framed(&[bundle(2 << 32, &[]), bundle(1 << 32, &[])]);
        let e = error(&score);
        assert_eq!(e.offset, 4 + 16);
        assert_eq!(e.kind, ScoreErrorKind::TimeOrder { time: 1.0, previous: 2.0 });
        let nested = framed(&[bundle(2 << 32, &[bundle(1 << 32, &[])])]);
        let e = error(&nested);
        assert_eq!(e.offset, 4 + 16 + 4);
        assert!(matches!(e.kind, ScoreErrorKind::NestedTimeOrder { .. }));
    }

    #[test]
    fn a_message_rosc_cannot_decode_is_reported_where_it_is() {
        // A float tag with no float after it.
        let broken = b"/a\0\0,f\0\0".to_vec();
        let score = framed(&[bundle(0, &[message_bytes(), broken])]);
        let e = error(&score);
        assert_eq!(e.offset, 4 + 16 + 4 + 12 + 4);
        assert!(matches!(e.kind, ScoreErrorKind::Decode(_)), "{e}");
    }
}
