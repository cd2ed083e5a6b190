//! A note mapping: each note-on starts a Synth of a SynthDef in a Group, with the note's
//! frequency and velocity in named controls; its note-off closes the Synth's gate (or frees
//! it); the sustain pedal (controller 64) holds released keys; pitch bend and aftertouch
//! set controls of the Synths the mapping started. At most a voice limit of Synths play
//! at once; the next note steals one ([`Voices`] gives the order).
//!
//! Context: NRT (the network thread: builds Synths).

use super::curve::ValueMap;
use super::filter::EventFilter;
use super::message::MidiMessage;
use super::voices::{Voice, VoiceState, Voices};
use super::MIDI_CLIENT;
use crate::control::{ControlKey, EngineHandle};
use crate::engine::{AddAction, Command, ControlChanges, ControlRef, NodeId};

/// The sustain pedal's controller number.
pub const SUSTAIN_PEDAL: u8 = 64;

/// The most voices one note mapping may have.
pub const MAX_VOICES: usize = 256;

/// A control of the Synths, by name, resolved for `/node/set`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedControl {
    /// The name.
    pub name: String,
    /// The interned name.
    pub control: ControlRef,
}

/// What a note mapping does, as `/midi/map/note` sets it up.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteMappingSpec {
    /// The events it takes.
    pub filter: EventFilter,
    /// The SynthDef each note plays.
    pub synthdef: String,
    /// The Group the Synths go in (at its tail).
    pub group: NodeId,
    /// The control that gets the note's frequency in Hz (equal temperament, A4 = 440 Hz).
    pub freq: Option<String>,
    /// The control that gets the velocity, and how.
    pub velocity: Option<(String, ValueMap)>,
    /// The control a note-off sets to 0; `None`: a note-off frees the Synth.
    pub gate: Option<NamedControl>,
    /// The most Synths at once.
    pub voices: usize,
    /// Whether the sustain pedal holds released keys.
    pub sustain: bool,
    /// The control pitch bend sets, in semitones; when it is the frequency control, the
    /// frequency bends instead.
    pub bend: Option<NamedControl>,
    /// The semitones a full bend reaches, either way.
    pub bend_range: f32,
    /// The control aftertouch (channel or polyphonic) sets, 0 to 1.
    pub pressure: Option<NamedControl>,
}

/// A note mapping and the voices it started.
#[derive(Debug, Clone)]
pub struct NoteMapping {
    spec: NoteMappingSpec,
    voices: Voices,
    /// Whether each channel's sustain pedal is down.
    pedal: [bool; 16],
    /// Each channel's pitch bend, in semitones.
    bend: [f32; 16],
}

/// Where the mapping's new Synths get their node ids: the next one, and the range they
/// come from.
#[derive(Debug)]
pub struct VoiceIds {
    next: u32,
}

/// The first node id of the voices note mappings start; clients keep below it.
pub const FIRST_VOICE_ID: NodeId = 1_500_000_000;

/// How many ids voices go through before they come round again.
const VOICE_IDS: u32 = 1 << 28;

impl VoiceIds {
    /// From [`FIRST_VOICE_ID`] on.
    pub fn new() -> VoiceIds {
        VoiceIds { next: 0 }
    }

    fn take(&mut self) -> NodeId {
        let id = FIRST_VOICE_ID + self.next as NodeId;
        self.next = (self.next + 1) % VOICE_IDS;
        id
    }
}

impl Default for VoiceIds {
    fn default() -> Self {
        VoiceIds::new()
    }
}

/// A note's frequency in Hz.
pub fn note_frequency(note: u8) -> f32 {
    440.0 * 2f32.powf((f32::from(note) - 69.0) / 12.0)
}

impl NoteMapping {
    /// A mapping with no voices.
    pub fn new(spec: NoteMappingSpec) -> NoteMapping {
        let voices = Voices::new(spec.voices);
        NoteMapping { spec, voices, pedal: [false; 16], bend: [0.0; 16] }
    }

    /// What it does.
    pub fn spec(&self) -> &NoteMappingSpec {
        &self.spec
    }

    /// Its voices.
    pub fn voices(&self) -> &Voices {
        &self.voices
    }

    /// The commands `message` makes; a Synth that cannot be built is refused with the
    /// reason. Context: NRT (builds Synths).
    pub fn apply(
        &mut self,
        message: &MidiMessage,
        handle: &EngineHandle,
        ids: &mut VoiceIds,
        out: &mut Vec<Command>,
    ) -> Result<(), String> {
        match *message {
            MidiMessage::NoteOn { channel, note, velocity } => {
                if let Some(voice) = self.voices.sounding(channel, note) {
                    // The same key again: the old Synth releases, the new one starts.
                    let id = voice.id;
                    self.release(id, out);
                }
                if let Some(stolen) = self.voices.steal() {
                    out.push(Command::NodeFree { client: MIDI_CLIENT, id: stolen.id });
                }
                let mut controls: Vec<(ControlKey<'_>, f32)> = Vec::new();
                if let Some(freq) = &self.spec.freq {
                    controls.push((ControlKey::Name(freq), self.frequency(channel, note)));
                }
                if let Some((name, map)) = &self.spec.velocity {
                    controls.push((ControlKey::Name(name), map.value(velocity)));
                }
                if let Some(bend) = self.spec.bend.as_ref().filter(|b| Some(&b.name) != self.spec.freq.as_ref()) {
                    controls.push((ControlKey::Name(&bend.name), self.bend[usize::from(channel)]));
                }
                let synth = handle.build_synth(&self.spec.synthdef, &controls).map_err(|e| e.to_string())?;
                let id = ids.take();
                let target = self.spec.group;
                out.push(Command::SynthNew {
                    client: MIDI_CLIENT,
                    id,
                    target,
                    action: AddAction::TailOfGroup,
                    activate: true,
                    synth,
                });
                self.voices.start(id, channel, note);
            }
            MidiMessage::NoteOff { channel, note, .. } => {
                let pedal = self.spec.sustain && self.pedal[usize::from(channel)];
                if let Some(voice) = self.voices.sounding(channel, note).filter(|v| v.state == VoiceState::Held) {
                    if pedal {
                        voice.state = VoiceState::Sustained;
                    } else {
                        let id = voice.id;
                        self.release(id, out);
                    }
                }
            }
            MidiMessage::ControlChange { channel, controller: SUSTAIN_PEDAL, value } if self.spec.sustain => {
                let down = value >= 64;
                self.pedal[usize::from(channel)] = down;
                if !down {
                    let sustained: Vec<NodeId> = self
                        .voices
                        .iter()
                        .filter(|v| v.channel == channel && v.state == VoiceState::Sustained)
                        .map(|v| v.id)
                        .collect();
                    for id in sustained {
                        self.release(id, out);
                    }
                }
            }
            MidiMessage::PitchBend { channel, value } => {
                let semitones = f32::from(value) / if value < 0 { 8192.0 } else { 8191.0 } * self.spec.bend_range;
                self.bend[usize::from(channel)] = semitones;
                let Some(bend) = &self.spec.bend else { return Ok(()) };
                let bends_freq = Some(&bend.name) == self.spec.freq.as_ref();
                for voice in self.voices.iter().filter(|v| v.channel == channel) {
                    let value = if bends_freq { self.frequency(channel, voice.note) } else { semitones };
                    out.push(set(voice.id, bend.control, value));
                }
            }
            MidiMessage::Aftertouch { channel, pressure } => {
                let Some(control) = &self.spec.pressure else { return Ok(()) };
                for voice in self.voices.iter().filter(|v| v.channel == channel && v.state != VoiceState::Released) {
                    out.push(set(voice.id, control.control, f32::from(pressure) / 127.0));
                }
            }
            MidiMessage::PolyAftertouch { channel, note, pressure } => {
                let Some(control) = self.spec.pressure.clone() else { return Ok(()) };
                if let Some(voice) = self.voices.sounding(channel, note) {
                    out.push(set(voice.id, control.control, f32::from(pressure) / 127.0));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The frequency of a key on a channel, bent when the bend goes to the frequency.
    fn frequency(&self, channel: u8, note: u8) -> f32 {
        let bends_freq = self.spec.bend.as_ref().is_some_and(|b| Some(&b.name) == self.spec.freq.as_ref());
        let bend = if bends_freq { self.bend[usize::from(channel)] } else { 0.0 };
        note_frequency(note) * 2f32.powf(bend / 12.0)
    }

    /// Closes a voice's gate, or frees it when the mapping has no gate.
    fn release(&mut self, id: NodeId, out: &mut Vec<Command>) {
        match &self.spec.gate {
            Some(gate) => {
                out.push(set(id, gate.control, 0.0));
                if let Some(voice) = self.voices.iter_mut().find(|v| v.id == id) {
                    voice.state = VoiceState::Released;
                }
            }
            None => {
                out.push(Command::NodeFree { client: MIDI_CLIENT, id });
                self.voices.remove(id);
            }
        }
    }

    /// Releases every voice, as when the mapping is removed.
    pub fn release_all(&mut self, out: &mut Vec<Command>) {
        let ids: Vec<NodeId> = self.voices.iter().filter(|v| v.state != VoiceState::Released).map(|v| v.id).collect();
        for id in ids {
            self.release(id, out);
        }
    }

    /// A node left the tree: if it was a voice, it is one no more.
    pub fn ended(&mut self, id: NodeId) -> Option<Voice> {
        self.voices.remove(id)
    }

    /// The engine made a voice's Synth; whether it was one of this mapping's.
    pub fn confirmed(&mut self, id: NodeId) -> bool {
        match self.voices.iter_mut().find(|v| v.id == id) {
            Some(voice) => {
                voice.confirmed = true;
                true
            }
            None => false,
        }
    }

    /// A voice's Synth never reached the engine (the command queue was full).
    pub fn unsent(&mut self, id: NodeId) {
        self.voices.remove(id);
    }
}

/// A `/node/set` of one control of a voice.
fn set(id: NodeId, control: ControlRef, value: f32) -> Command {
    let mut changes = ControlChanges::new();
    // One change always fits.
    let _ = changes.push((control, value));
    Command::NodeSet { client: MIDI_CLIENT, id, changes }
}
