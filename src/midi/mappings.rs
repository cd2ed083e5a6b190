//! The server's mappings: what MIDI events do inside the server, with no client in the
//! path. Set up, listed and removed over OSC (`/midi/map/cc`, `/midi/map/note`,
//! `/midi/map/list`, `/midi/unmap`), at most [`MAX_MAPPINGS`].
//!
//! Every command a mapping makes names [`MIDI_CLIENT`] as its sender, so the engine's
//! answers to it come back here ([`Mappings::observe`]): the acknowledgement of a voice's
//! Synth, a refusal, a node's end.
//!
//! Context: NRT (the network thread).

use super::cc_mapping::CcMapping;
use super::message::MidiEvent;
use super::note_mapping::{NoteMapping, VoiceIds};
use super::MIDI_CLIENT;
use crate::control::EngineHandle;
use crate::engine::{ClientId, Command, CommandKind, Event, NodeId, Timetag};

/// The most mappings the server holds.
pub const MAX_MAPPINGS: usize = 64;

/// What a mapping is.
#[derive(Debug, Clone)]
pub enum MappingKind {
    /// A controller to a control.
    Cc(CcMapping),
    /// Notes to Synths (boxed: it holds its voices and per-channel state).
    Note(Box<NoteMapping>),
}

/// A mapping, with the id its client chose and that client.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The id.
    pub id: i32,
    /// The client that set it up.
    pub creator: ClientId,
    /// What it does.
    pub kind: MappingKind,
}

/// A mapping's failure to act on an event, for its creator and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFailure {
    /// The mapping.
    pub id: i32,
    /// Its creator.
    pub creator: ClientId,
    /// What went wrong.
    pub reason: String,
}

/// Every mapping.
#[derive(Debug, Default)]
pub struct Mappings {
    mappings: Vec<Mapping>,
    ids: VoiceIds,
}

impl Mappings {
    /// None yet.
    pub fn new() -> Mappings {
        Mappings::default()
    }

    /// Every mapping, in the order they were set up.
    pub fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter()
    }

    /// Sets up a mapping, replacing the one with the same id (whose voices are released
    /// into `out`); false, and nothing set up, when [`MAX_MAPPINGS`] are set up already.
    pub fn set(&mut self, mapping: Mapping, out: &mut Vec<Command>) -> bool {
        if let Some(at) = self.mappings.iter().position(|m| m.id == mapping.id) {
            release(&mut self.mappings[at], out);
            self.mappings[at] = mapping;
            return true;
        }
        if self.mappings.len() >= MAX_MAPPINGS {
            return false;
        }
        self.mappings.push(mapping);
        true
    }

    /// Removes a mapping, releasing its voices into `out`; false if there is none.
    pub fn remove(&mut self, id: i32, out: &mut Vec<Command>) -> bool {
        let Some(at) = self.mappings.iter().position(|m| m.id == id) else { return false };
        let mut mapping = self.mappings.remove(at);
        release(&mut mapping, out);
        true
    }

    /// What `event` makes every mapping it passes do, at `at`, into `out`; each failure
    /// (a Synth that cannot be built) into `failures`.
    pub fn apply(
        &mut self,
        event: &MidiEvent,
        at: Timetag,
        handle: &EngineHandle,
        out: &mut Vec<Command>,
        failures: &mut Vec<MappingFailure>,
    ) {
        for mapping in &mut self.mappings {
            match &mut mapping.kind {
                MappingKind::Cc(cc) if cc.spec().filter.passes(event) => cc.apply(&event.message, at, out),
                MappingKind::Note(note) if note.spec().filter.passes(event) => {
                    if let Err(reason) = note.apply(&event.message, handle, &mut self.ids, out) {
                        failures.push(MappingFailure { id: mapping.id, creator: mapping.creator, reason });
                    }
                }
                _ => {}
            }
        }
    }

    /// The next step of every glide under way, at `at`.
    pub fn step(&mut self, at: Timetag, out: &mut Vec<Command>) {
        for mapping in &mut self.mappings {
            if let MappingKind::Cc(cc) = &mut mapping.kind {
                cc.step(at, out);
            }
        }
    }

    /// Whether a CC mapping is gliding, so that steps are due.
    pub fn gliding(&self) -> bool {
        self.mappings.iter().any(|m| matches!(&m.kind, MappingKind::Cc(cc) if cc.gliding()))
    }

    /// Follows what the engine says about the mappings' nodes: a voice's Synth made or
    /// refused, a node's end. A CC mapping whose node ended is removed: its id and creator
    /// are returned.
    pub fn observe(&mut self, event: &Event) -> Option<(i32, ClientId)> {
        match *event {
            Event::NodeEnded { id, .. } => {
                for mapping in &mut self.mappings {
                    if let MappingKind::Note(note) = &mut mapping.kind {
                        if note.ended(id).is_some() {
                            return None;
                        }
                    }
                }
                let at = self
                    .mappings
                    .iter()
                    .position(|m| matches!(&m.kind, MappingKind::Cc(cc) if cc.spec().node == id))?;
                let mapping = self.mappings.remove(at);
                Some((mapping.id, mapping.creator))
            }
            Event::Ack { client: MIDI_CLIENT, command: CommandKind::SynthNew, id } => {
                for mapping in &mut self.mappings {
                    if let MappingKind::Note(note) = &mut mapping.kind {
                        if note.confirmed(id) {
                            break;
                        }
                    }
                }
                None
            }
            Event::Error { client: MIDI_CLIENT, command: CommandKind::SynthNew, .. } => {
                // The engine answers in the order it applies, and voices are numbered in the
                // order they start: the refused Synth is the oldest not yet confirmed.
                let oldest = self.unconfirmed().min();
                if let Some(id) = oldest {
                    self.forget_voice(id);
                }
                None
            }
            _ => None,
        }
    }

    /// Forgets the voices with these node ids, whose Synths never reached the engine.
    pub fn forget_voices(&mut self, ids: &[NodeId]) {
        for &id in ids {
            self.forget_voice(id);
        }
    }

    fn unconfirmed(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.mappings.iter().flat_map(|m| match &m.kind {
            MappingKind::Note(note) => note.voices().iter().filter(|v| !v.confirmed).map(|v| v.id).collect(),
            MappingKind::Cc(_) => Vec::new(),
        })
    }

    fn forget_voice(&mut self, id: NodeId) {
        for mapping in &mut self.mappings {
            if let MappingKind::Note(note) = &mut mapping.kind {
                note.unsent(id);
            }
        }
    }
}

/// Releases a mapping's voices before it goes.
fn release(mapping: &mut Mapping, out: &mut Vec<Command>) {
    if let MappingKind::Note(note) = &mut mapping.kind {
        note.release_all(out);
    }
}
