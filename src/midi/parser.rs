//! Turning a device input's bytes into [`MidiMessage`]s, as a MIDI receiver reads a serial
//! line: running status (data bytes after a channel message reuse its status byte),
//! realtime bytes (`F8`-`FF`) anywhere, even inside another message, system exclusive
//! messages gathered up to a size.
//!
//! Context: NRT (the network thread; a system exclusive message allocates).

use super::message::MidiMessage;

/// The longest system exclusive message kept, in bytes; a longer one is dropped and counted
/// as bytes not understood.
pub const MAX_SYSEX: usize = 65_536;

/// What one byte completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A whole message.
    Message(MidiMessage),
    /// Bytes that make no message, and how many: data bytes with no status before them,
    /// an unused status (`F4`, `F5`, `F9`, `FD`), a message cut short by the next status,
    /// or a system exclusive message longer than [`MAX_SYSEX`].
    NotUnderstood(usize),
}

/// A MIDI byte-stream reader for one device input.
///
/// ```
/// use oscine::midi::{MidiMessage, MidiParser, Parsed};
/// let mut parser = MidiParser::new();
/// // A note-on, then a second one in running status, then its note-off as velocity 0.
/// let mut parsed = Vec::new();
/// for byte in [0x90, 60, 100, 64, 90, 60, 0] {
///     parser.push(byte, |p| parsed.push(p));
/// }
/// assert_eq!(parsed[1], Parsed::Message(MidiMessage::NoteOn { channel: 0, note: 64, velocity: 90 }));
/// assert_eq!(parsed[2], Parsed::Message(MidiMessage::NoteOff { channel: 0, note: 60, velocity: 0 }));
/// ```
#[derive(Debug, Default)]
pub struct MidiParser {
    /// The status of the message being read, or of the last channel message (running status).
    status: Option<u8>,
    /// The data bytes read for it.
    data: [u8; 2],
    /// How many.
    have: usize,
    /// A system exclusive message being gathered; `None` once it has grown too long.
    sysex: Option<Vec<u8>>,
    /// Whether a system exclusive message is being read (gathered or dropped).
    in_sysex: bool,
    /// Bytes of a system exclusive message too long to keep.
    sysex_dropped: usize,
}

impl MidiParser {
    /// A reader waiting for a status byte.
    pub fn new() -> MidiParser {
        MidiParser::default()
    }

    /// Reads one byte and hands `emit` what it completed: nothing, one message or count, or
    /// (a status byte that ends a system exclusive message) two.
    pub fn push(&mut self, byte: u8, mut emit: impl FnMut(Parsed)) {
        if let Some(parsed) = self.read(byte, &mut emit) {
            emit(parsed);
        }
    }

    fn read(&mut self, byte: u8, emit: &mut impl FnMut(Parsed)) -> Option<Parsed> {
        if byte >= 0xf8 {
            return realtime(byte);
        }
        if self.in_sysex {
            if byte < 0x80 {
                match &mut self.sysex {
                    Some(bytes) if bytes.len() < MAX_SYSEX => bytes.push(byte),
                    Some(bytes) => {
                        self.sysex_dropped = bytes.len() + 1;
                        self.sysex = None;
                    }
                    None => self.sysex_dropped += 1,
                }
                return None;
            }
            // F7 ends it; any other status ends it too, and is read after.
            self.in_sysex = false;
            // The F0, and the F7 when there is one.
            let framing = if byte == 0xf7 { 2 } else { 1 };
            let ended = match self.sysex.take() {
                Some(bytes) => Parsed::Message(MidiMessage::SysEx(bytes)),
                None => Parsed::NotUnderstood(std::mem::take(&mut self.sysex_dropped) + framing),
            };
            if byte == 0xf7 {
                return Some(ended);
            }
            emit(ended);
            return self.status_byte(byte);
        }
        if byte >= 0x80 {
            return self.status_byte(byte);
        }
        let Some(status) = self.status else { return Some(Parsed::NotUnderstood(1)) };
        self.data[self.have] = byte;
        self.have += 1;
        if self.have < data_length(status) {
            return None;
        }
        self.have = 0;
        let message = message(status, self.data);
        if status >= 0xf0 {
            // System common messages have no running status.
            self.status = None;
        }
        Some(Parsed::Message(message))
    }

    /// A status byte below `F8` outside a system exclusive message.
    fn status_byte(&mut self, byte: u8) -> Option<Parsed> {
        let cut = (self.have > 0).then_some(self.have + 1);
        self.have = 0;
        self.status = None;
        let parsed = match byte {
            0xf0 => {
                self.in_sysex = true;
                self.sysex = Some(Vec::new());
                None
            }
            0xf6 => Some(Parsed::Message(MidiMessage::TuneRequest)),
            // An F7 with no F0 before it, or a status MIDI does not use.
            0xf4 | 0xf5 | 0xf7 => Some(Parsed::NotUnderstood(1)),
            _ => {
                self.status = Some(byte);
                None
            }
        };
        match (cut, parsed) {
            (Some(n), Some(Parsed::NotUnderstood(m))) => Some(Parsed::NotUnderstood(n + m)),
            (Some(n), _) => Some(Parsed::NotUnderstood(n)),
            (None, parsed) => parsed,
        }
    }
}

/// The data bytes a message with this status has.
fn data_length(status: u8) -> usize {
    match status {
        0xc0..=0xdf | 0xf1 | 0xf3 => 1,
        0x80..=0xbf | 0xe0..=0xef | 0xf2 => 2,
        _ => 0,
    }
}

/// The message a status and its data bytes make.
fn message(status: u8, data: [u8; 2]) -> MidiMessage {
    let channel = status & 0x0f;
    let [a, b] = data;
    match status {
        0x80..=0x8f => MidiMessage::NoteOff { channel, note: a, velocity: b },
        0x90..=0x9f if b == 0 => MidiMessage::NoteOff { channel, note: a, velocity: 0 },
        0x90..=0x9f => MidiMessage::NoteOn { channel, note: a, velocity: b },
        0xa0..=0xaf => MidiMessage::PolyAftertouch { channel, note: a, pressure: b },
        0xb0..=0xbf => MidiMessage::ControlChange { channel, controller: a, value: b },
        0xc0..=0xcf => MidiMessage::ProgramChange { channel, program: a },
        0xd0..=0xdf => MidiMessage::Aftertouch { channel, pressure: a },
        0xe0..=0xef => MidiMessage::PitchBend { channel, value: ((i16::from(b) << 7) | i16::from(a)) - 8192 },
        0xf1 => MidiMessage::TimeCode(a),
        0xf2 => MidiMessage::SongPosition((u16::from(b) << 7) | u16::from(a)),
        _ => MidiMessage::SongSelect(a),
    }
}

/// A realtime byte: a message of its own, wherever it comes.
fn realtime(byte: u8) -> Option<Parsed> {
    Some(match byte {
        0xf8 => Parsed::Message(MidiMessage::Clock),
        0xfa => Parsed::Message(MidiMessage::Start),
        0xfb => Parsed::Message(MidiMessage::Continue),
        0xfc => Parsed::Message(MidiMessage::Stop),
        0xfe => Parsed::Message(MidiMessage::ActiveSensing),
        0xff => Parsed::Message(MidiMessage::Reset),
        _ => Parsed::NotUnderstood(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<Parsed> {
        let mut parser = MidiParser::new();
        let mut parsed = Vec::new();
        for &b in bytes {
            parser.push(b, |p| parsed.push(p));
        }
        parsed
    }

    fn messages(bytes: &[u8]) -> Vec<MidiMessage> {
        parse(bytes)
            .into_iter()
            .map(|p| match p {
                Parsed::Message(m) => m,
                other => panic!("{other:?} in {bytes:02x?}"),
            })
            .collect()
    }

    #[test]
    fn running_status_reuses_the_last_channel_status_across_messages() {
        assert_eq!(
            messages(&[0xb3, 7, 100, 10, 64, 0xe1, 0, 0x40, 0x7f, 0x7f]),
            [
                MidiMessage::ControlChange { channel: 3, controller: 7, value: 100 },
                MidiMessage::ControlChange { channel: 3, controller: 10, value: 64 },
                MidiMessage::PitchBend { channel: 1, value: 0 },
                MidiMessage::PitchBend { channel: 1, value: 8191 },
            ]
        );
        assert_eq!(
            messages(&[0xc5, 3, 4]),
            [
                MidiMessage::ProgramChange { channel: 5, program: 3 },
                MidiMessage::ProgramChange { channel: 5, program: 4 }
            ]
        );
    }

    #[test]
    fn realtime_bytes_interleave_without_breaking_a_message_or_running_status() {
        assert_eq!(
            messages(&[0x90, 0xf8, 60, 0xfa, 100, 62, 0xfc, 0]),
            [
                MidiMessage::Clock,
                MidiMessage::Start,
                MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 },
                MidiMessage::Stop,
                MidiMessage::NoteOff { channel: 0, note: 62, velocity: 0 },
            ]
        );
    }

    #[test]
    fn system_exclusive_is_gathered_and_ends_running_status() {
        assert_eq!(
            parse(&[0x90, 60, 100, 0xf0, 0x7e, 0xf8, 0x01, 0xf7, 61]),
            [
                Parsed::Message(MidiMessage::NoteOn { channel: 0, note: 60, velocity: 100 }),
                Parsed::Message(MidiMessage::Clock),
                Parsed::Message(MidiMessage::SysEx(vec![0x7e, 0x01])),
                Parsed::NotUnderstood(1),
            ]
        );
        // A status byte ends a system exclusive message with no F7 and is read after it.
        assert_eq!(
            messages(&[0xf0, 1, 2, 0x80, 60, 64, 0xf0, 3, 0xf6]),
            [
                MidiMessage::SysEx(vec![1, 2]),
                MidiMessage::NoteOff { channel: 0, note: 60, velocity: 64 },
                MidiMessage::SysEx(vec![3]),
                MidiMessage::TuneRequest,
            ]
        );
    }

    #[test]
    fn a_system_exclusive_message_past_the_limit_is_counted_not_kept() {
        let mut bytes = vec![0xf0];
        bytes.extend(std::iter::repeat_n(5, MAX_SYSEX + 10));
        bytes.push(0xf7);
        bytes.extend([0xf0, 9, 0xf7]);
        assert_eq!(
            parse(&bytes),
            [Parsed::NotUnderstood(MAX_SYSEX + 12), Parsed::Message(MidiMessage::SysEx(vec![9]))]
        );
    }

    #[test]
    fn stray_and_cut_short_bytes_are_not_understood() {
        assert_eq!(parse(&[60, 100]), [Parsed::NotUnderstood(1), Parsed::NotUnderstood(1)]);
        assert_eq!(
            parse(&[0x90, 60, 0xb0, 1, 2, 0xf4]),
            [
                Parsed::NotUnderstood(2),
                Parsed::Message(MidiMessage::ControlChange { channel: 0, controller: 1, value: 2 }),
                Parsed::NotUnderstood(1),
            ]
        );
    }

    #[test]
    fn system_common_messages() {
        assert_eq!(
            messages(&[0xf1, 0x23, 0xf2, 0x01, 0x02, 0xf3, 7, 0xf6, 0xfb, 0xfe, 0xff]),
            [
                MidiMessage::TimeCode(0x23),
                MidiMessage::SongPosition(0x101),
                MidiMessage::SongSelect(7),
                MidiMessage::TuneRequest,
                MidiMessage::Continue,
                MidiMessage::ActiveSensing,
                MidiMessage::Reset,
            ]
        );
        // No running status after a system common message.
        assert_eq!(parse(&[0xf3, 1, 2]), [Parsed::Message(MidiMessage::SongSelect(1)), Parsed::NotUnderstood(1)]);
    }
}
