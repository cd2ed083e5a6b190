//! A CC mapping: a controller's value sets a control of one node, through a range and a
//! curve, at once or gliding there over a smoothing time.
//!
//! Context: NRT (the network thread).

use super::curve::ValueMap;
use super::filter::EventFilter;
use super::glide::Glide;
use super::message::MidiMessage;
use super::note_mapping::NamedControl;
use super::MIDI_CLIENT;
use crate::engine::{Command, ControlChanges, NodeId, Timetag};

/// What a CC mapping does, as `/midi/map/cc` sets it up.
#[derive(Debug, Clone, PartialEq)]
pub struct CcMappingSpec {
    /// The events it takes.
    pub filter: EventFilter,
    /// The controller number (0 to 127).
    pub controller: u8,
    /// The node whose control it sets (a Group sets it in every Synth inside).
    pub node: NodeId,
    /// The control.
    pub control: NamedControl,
    /// From MIDI value to control value.
    pub map: ValueMap,
    /// Seconds each change glides over; 0 sets it at once.
    pub smoothing: f64,
}

/// A CC mapping, with its glide under way.
#[derive(Debug, Clone)]
pub struct CcMapping {
    spec: CcMappingSpec,
    /// The last value set, or being glided to.
    value: Option<f32>,
    glide: Option<Glide>,
}

impl CcMapping {
    /// A mapping that has set nothing yet.
    pub fn new(spec: CcMappingSpec) -> CcMapping {
        CcMapping { spec, value: None, glide: None }
    }

    /// What it does.
    pub fn spec(&self) -> &CcMappingSpec {
        &self.spec
    }

    /// The command `message` makes at `at`, if it is this mapping's controller: the new
    /// value, or (smoothed) nothing yet: the glide's steps follow from [`step`](Self::step).
    pub fn apply(&mut self, message: &MidiMessage, at: Timetag, out: &mut Vec<Command>) {
        let MidiMessage::ControlChange { controller, value, .. } = *message else { return };
        if controller != self.spec.controller {
            return;
        }
        let target = self.spec.map.value(value);
        match self.value {
            Some(from) if self.spec.smoothing > 0.0 => {
                let from = self.glide.as_ref().map_or(from, |g| g.value(at));
                self.glide = Some(Glide::new(from, target, at, self.spec.smoothing));
            }
            // The first value has nothing to glide from.
            _ => out.push(self.set(target)),
        }
        self.value = Some(target);
    }

    /// The glide's step at `at`, if one is under way; the last step ends it.
    pub fn step(&mut self, at: Timetag, out: &mut Vec<Command>) {
        let Some(glide) = &self.glide else { return };
        let (value, done) = (glide.value(at), glide.done(at));
        if done {
            self.glide = None;
        }
        out.push(self.set(value));
    }

    /// Whether a glide is under way.
    pub fn gliding(&self) -> bool {
        self.glide.is_some()
    }

    fn set(&self, value: f32) -> Command {
        let mut changes = ControlChanges::new();
        // One change always fits.
        let _ = changes.push((self.spec.control.control, value));
        Command::NodeSet { client: MIDI_CLIENT, id: self.spec.node, changes }
    }
}
