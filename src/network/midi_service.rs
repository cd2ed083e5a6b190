//! The server's MIDI: the open device inputs, the mappings, and what the network thread
//! tells of them (bytes lost, late events).
//!
//! Context: NRT (the network thread).

use std::time::{Duration, Instant};

use crate::midi::{Mappings, MidiEvent, MidiInputs, DEFAULT_LATENCY};

/// The MIDI inputs and mappings a server serves.
#[derive(Debug)]
pub struct MidiService {
    /// The open device inputs.
    pub inputs: MidiInputs,
    pub(super) mappings: Mappings,
    pub(super) latency: Duration,
    /// Bytes dropped when last told, and when that was.
    pub(super) dropped_reported: (u64, Option<Instant>),
    /// MIDI events whose commands came late.
    pub(super) late: u64,
}

impl MidiService {
    /// Serves these inputs; each event takes effect `latency` after it arrived.
    pub fn new(inputs: MidiInputs, latency: Duration) -> MidiService {
        MidiService { inputs, mappings: Mappings::new(), latency, dropped_reported: (0, None), late: 0 }
    }

    /// With the default latency, [`DEFAULT_LATENCY`].
    pub fn with_default_latency(inputs: MidiInputs) -> MidiService {
        MidiService::new(inputs, DEFAULT_LATENCY)
    }

    /// Every event the inputs received since the last call.
    pub(super) fn take_events(&mut self) -> Vec<MidiEvent> {
        self.inputs.signal().take();
        let mut events = Vec::new();
        self.inputs.drain(|e| events.push(e));
        events
    }

    /// The bytes dropped since the last notice, when one is due (at most once a second).
    pub(super) fn newly_dropped(&mut self) -> Option<u64> {
        let dropped = self.inputs.dropped();
        let (told, at) = self.dropped_reported;
        if dropped <= told || at.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return None;
        }
        self.dropped_reported = (dropped, Some(Instant::now()));
        Some(dropped - told)
    }
}
