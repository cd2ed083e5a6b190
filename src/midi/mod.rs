//! MIDI input: device inputs read through midir, their bytes parsed, forwarded to clients
//! that asked for MIDI, and turned by the server's mappings into engine commands, with no
//! client in the path.
//!
//! A device input's bytes cross from the MIDI thread (midir's callback: ALSA's input
//! thread, or JACK's process thread with the `jack` feature) to the network thread
//! through a wait-free ring ([`MidiFeed`]), stamped with their arrival time. The network
//! thread parses them ([`MidiParser`]), and each message's commands take effect at its
//! arrival time plus a fixed latency ([`DEFAULT_LATENCY`], `--midi-latency`), through the
//! scheduler, sample-exact as a timed bundle's, never earlier. The audio thread sees only
//! ordinary commands.
//!
//! Context: NRT: [`MidiFeed::receive`] on a MIDI thread, everything else on the network
//! thread.

mod cc_mapping;
mod curve;
mod device_inputs;
mod filter;
mod glide;
mod input_feed;
mod mappings;
mod message;
mod note_mapping;
mod parser;
mod voices;

pub use cc_mapping::{CcMapping, CcMappingSpec};
pub use curve::{Curve, ValueMap};
pub use device_inputs::{list_ports, InputKind, MidiError, MidiInputs, PortChoice};
pub use filter::EventFilter;
pub use glide::{Glide, GLIDE_STEP};
pub use input_feed::{FeedCounters, MidiFeed, FEED_CAPACITY};
pub use mappings::{Mapping, MappingFailure, MappingKind, Mappings, MAX_MAPPINGS};
pub use message::{MidiEvent, MidiMessage};
pub use note_mapping::{
    note_frequency, NamedControl, NoteMapping, NoteMappingSpec, VoiceIds, FIRST_VOICE_ID, MAX_VOICES, SUSTAIN_PEDAL,
};
pub use parser::{MidiParser, Parsed, MAX_SYSEX};
pub use voices::{Voice, VoiceState, Voices};

use std::time::Duration;

use crate::engine::{ClientId, Timetag};

/// The sender the commands of mappings carry: no client's (the client table's ids never
/// reach a slot this high), so the engine's answers to them come back to the mappings,
/// not to a client. `u64::MAX` is the engine's empty key, so one below it.
pub const MIDI_CLIENT: ClientId = ClientId(u64::MAX - 1);

/// How long after its arrival a MIDI event takes effect, by default: time for the
/// network thread to wake, read it and queue its commands before their frame comes.
pub const DEFAULT_LATENCY: Duration = Duration::from_millis(10);

/// The time a MIDI event that arrived at `arrival` takes effect.
///
/// ```
/// use std::time::Duration;
/// use oscine::engine::Timetag;
/// let at = oscine::midi::effect_time(Timetag::from_seconds(100.0), Duration::from_millis(250));
/// assert_eq!(at, Timetag::from_seconds(100.25));
/// ```
pub fn effect_time(arrival: Timetag, latency: Duration) -> Timetag {
    let ticks = (latency.as_secs() << 32) + ((u64::from(latency.subsec_nanos()) << 32) / 1_000_000_000);
    Timetag(arrival.0.saturating_add(ticks))
}
