//! The Synths a note mapping started, and which one gives way when the mapping has as many
//! as it may.
//!
//! Stealing order: a released voice first (its key is up and it plays its release), then a
//! sustained one (its key is up, the sustain pedal holds it), then a held one; within each,
//! the one started longest ago. A stolen voice is freed at once, in the block the new note
//! starts in.
//!
//! Context: NRT (the network thread).

use crate::engine::NodeId;

/// Where a voice is between its note-on and its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VoiceState {
    /// Its key is up and its gate closed: it plays its release until it ends.
    Released,
    /// Its key is up; the sustain pedal holds it.
    Sustained,
    /// Its key is down.
    Held,
}

/// A Synth a note mapping started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voice {
    /// The Synth's node id.
    pub id: NodeId,
    /// The channel of its note.
    pub channel: u8,
    /// The key.
    pub note: u8,
    /// Where it is.
    pub state: VoiceState,
    /// Whether the engine has said it made the Synth.
    pub confirmed: bool,
    /// When it started, in notes started by the mapping.
    started: u64,
}

/// A note mapping's voices, at most `limit`.
#[derive(Debug, Clone)]
pub struct Voices {
    voices: Vec<Voice>,
    limit: usize,
    started: u64,
}

impl Voices {
    /// No voices yet; room for `limit`.
    pub fn new(limit: usize) -> Voices {
        Voices { voices: Vec::with_capacity(limit), limit, started: 0 }
    }

    /// Every voice.
    pub fn iter(&self) -> impl Iterator<Item = &Voice> {
        self.voices.iter()
    }

    /// Every voice, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Voice> {
        self.voices.iter_mut()
    }

    /// The voice that gives way for a new one when the mapping is full, taken out of the
    /// table: see the module's stealing order.
    pub fn steal(&mut self) -> Option<Voice> {
        if self.voices.len() < self.limit {
            return None;
        }
        let at = (0..self.voices.len()).min_by_key(|&k| (self.voices[k].state, self.voices[k].started))?;
        Some(self.voices.remove(at))
    }

    /// Adds a held voice.
    pub fn start(&mut self, id: NodeId, channel: u8, note: u8) {
        self.started += 1;
        let voice = Voice { id, channel, note, state: VoiceState::Held, confirmed: false, started: self.started };
        self.voices.push(voice);
    }

    /// The held or sustained voice of a key, if it has one.
    pub fn sounding(&mut self, channel: u8, note: u8) -> Option<&mut Voice> {
        self.voices.iter_mut().find(|v| v.channel == channel && v.note == note && v.state != VoiceState::Released)
    }

    /// Takes the voice with this node id out, if it is one.
    pub fn remove(&mut self, id: NodeId) -> Option<Voice> {
        let at = self.voices.iter().position(|v| v.id == id)?;
        Some(self.voices.remove(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_voices_go_first_then_sustained_then_held_oldest_first() {
        let mut voices = Voices::new(4);
        for (k, note) in [60, 62, 64, 65].into_iter().enumerate() {
            voices.start(k as NodeId, 0, note);
        }
        voices.sounding(0, 64).unwrap().state = VoiceState::Sustained;
        voices.sounding(0, 65).unwrap().state = VoiceState::Released;
        assert_eq!(voices.steal().map(|v| v.note), Some(65));
        assert_eq!(voices.steal(), None, "room again");
        voices.start(9, 0, 67);
        assert_eq!(voices.steal().map(|v| v.note), Some(64));
        voices.start(10, 0, 69);
        assert_eq!(voices.steal().map(|v| v.note), Some(60), "the oldest held");
    }
}
