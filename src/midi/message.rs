//! What a MIDI input received, parsed: one message, with the device input it came from and
//! when it arrived.
//!
//! Context: any (plain data).

use crate::engine::Timetag;

/// One MIDI message. Channels are 0 to 15, data values 0 to 127.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidiMessage {
    /// A key released; a note-on with velocity 0 is read as this, with velocity 0.
    NoteOff {
        /// The channel.
        channel: u8,
        /// The key.
        note: u8,
        /// The release velocity.
        velocity: u8,
    },
    /// A key pressed, with a velocity of 1 or more.
    NoteOn {
        /// The channel.
        channel: u8,
        /// The key.
        note: u8,
        /// The velocity.
        velocity: u8,
    },
    /// Polyphonic aftertouch: the pressure on one held key.
    PolyAftertouch {
        /// The channel.
        channel: u8,
        /// The key.
        note: u8,
        /// The pressure.
        pressure: u8,
    },
    /// A control change.
    ControlChange {
        /// The channel.
        channel: u8,
        /// The controller number.
        controller: u8,
        /// Its value.
        value: u8,
    },
    /// A program change.
    ProgramChange {
        /// The channel.
        channel: u8,
        /// The program.
        program: u8,
    },
    /// Channel aftertouch: the pressure on every held key of the channel.
    Aftertouch {
        /// The channel.
        channel: u8,
        /// The pressure.
        pressure: u8,
    },
    /// Pitch bend, -8192 (down) to 8191 (up); 0 is the centre.
    PitchBend {
        /// The channel.
        channel: u8,
        /// The bend.
        value: i16,
    },
    /// A system exclusive message: the bytes between `F0` and `F7`.
    SysEx(Vec<u8>),
    /// A MIDI time code quarter frame (`F1`).
    TimeCode(u8),
    /// Song position pointer (`F2`), in sixteenth notes.
    SongPosition(u16),
    /// Song select (`F3`).
    SongSelect(u8),
    /// Tune request (`F6`).
    TuneRequest,
    /// Timing clock (`F8`), 24 a quarter note.
    Clock,
    /// Start (`FA`).
    Start,
    /// Continue (`FB`).
    Continue,
    /// Stop (`FC`).
    Stop,
    /// Active sensing (`FE`).
    ActiveSensing,
    /// System reset (`FF`).
    Reset,
}

impl MidiMessage {
    /// The channel of a channel message; `None` for system messages.
    pub fn channel(&self) -> Option<u8> {
        match *self {
            MidiMessage::NoteOff { channel, .. }
            | MidiMessage::NoteOn { channel, .. }
            | MidiMessage::PolyAftertouch { channel, .. }
            | MidiMessage::ControlChange { channel, .. }
            | MidiMessage::ProgramChange { channel, .. }
            | MidiMessage::Aftertouch { channel, .. }
            | MidiMessage::PitchBend { channel, .. } => Some(channel),
            _ => None,
        }
    }
}

/// A message a device input received: from which input, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MidiEvent {
    /// The device number of the input (as `/midi/list` and `/midi/open` give it).
    pub device: u32,
    /// When its first byte reached the server, as the MIDI thread read the clock.
    pub arrival: Timetag,
    /// The message.
    pub message: MidiMessage,
}
