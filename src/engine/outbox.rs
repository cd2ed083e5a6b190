use std::sync::Arc;

use rtrb::Producer;

use super::{EngineStatus, Event, Freed, Garbage};
use crate::workers::{Job, WorkerLinks, WorkerResult};

/// Everything the audio thread sends out: events to the network side and garbage to the
/// workers. Kept apart from the node tree so the tree can report freed nodes straight
/// into it while it is being changed.
///
/// Context: RT.
pub(crate) struct Outbox {
    pub(crate) events: Producer<Event>,
    pub(crate) workers: WorkerLinks,
    pub(crate) status: Arc<EngineStatus>,
    pending_drops: u64,
}

impl Outbox {
    pub(crate) fn new(events: Producer<Event>, workers: WorkerLinks, status: Arc<EngineStatus>) -> Self {
        Outbox { events, workers, status, pending_drops: 0 }
    }

    /// Sends an event to the network side; a full queue loses the event and counts it.
    pub(crate) fn emit(&mut self, event: Event) {
        if let Err(rtrb::PushError::Full(event)) = self.events.push(event) {
            self.status.add_event_dropped();
            if let Event::Tree { snapshot, .. } = event {
                self.dispose(Garbage::Snapshot(snapshot));
            }
        }
    }

    /// Hands something to a worker to drop.
    pub(crate) fn dispose(&mut self, garbage: Garbage) {
        match self.workers.dispatch(Job::Drop(garbage)) {
            Ok(()) => self.pending_drops += 1,
            Err(job) => {
                // Unreachable while the engine keeps its reserve of worker slots before
                // taking a command; should it happen, leaking is the only way not to free
                // here, and it is counted.
                std::mem::forget(job);
                self.status.add_garbage_leaked();
            }
        }
    }

    /// A node left the tree: its Synth goes to a worker, clients hear `NodeEnded`.
    pub(crate) fn node_freed(&mut self, (id, synth): Freed) {
        if let Some(synth) = synth {
            self.dispose(Garbage::Synth(synth));
        }
        self.emit(Event::NodeEnded { id });
    }

    /// Takes the workers' reports and publishes how many drops are outstanding.
    pub(crate) fn collect_worker_results(&mut self) {
        let mut done = 0u64;
        self.workers.drain_results(|r| match r {
            WorkerResult::Dropped => done += 1,
        });
        self.pending_drops = self.pending_drops.saturating_sub(done);
        self.status.set_pending_drops(self.pending_drops);
    }
}
