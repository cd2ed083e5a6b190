//! What the audio thread sends out (events, jobs and garbage), and the wakes at the end of
//! a block.
//!
//! Context: RT: every function here runs on the audio thread, except `Outbox::new` (NRT,
//! when the engine is built).

use std::sync::Arc;

use rtrb::Producer;

use super::{EngineStatus, Event, EventSignal, Freed, Garbage, ResourcePool};
use super::{Job, WorkerLinks};

/// Everything the audio thread sends out: events to the network side and garbage to the
/// workers. Kept apart from the node tree so the tree can report freed nodes straight
/// into it while it is being changed. What it sends in a block reaches the other threads
/// at once; the threads waiting for it are woken by [`wake`](Self::wake) at the block's
/// end.
///
/// Context: RT.
pub(crate) struct Outbox {
    pub(crate) events: Producer<Event>,
    pub(crate) workers: WorkerLinks,
    pub(crate) status: Arc<EngineStatus>,
    signal: Arc<EventSignal>,
    /// An event was pushed since the last wake.
    emitted: bool,
    pending_drops: u64,
    /// Event queue slots only replies may take.
    reply_reserve: usize,
}

impl Outbox {
    /// Context: NRT (when the engine is built).
    pub(crate) fn new(
        events: Producer<Event>,
        signal: Arc<EventSignal>,
        workers: WorkerLinks,
        status: Arc<EngineStatus>,
    ) -> Self {
        // A quarter of the queue: room for the replies of a block's commands and worker
        // results even when notifications have filled the rest.
        let reply_reserve = events.buffer().capacity() / 4;
        Outbox { events, workers, status, signal, emitted: false, pending_drops: 0, reply_reserve }
    }

    /// Wakes the network thread if events were pushed, and the workers that were handed
    /// jobs (or wait for room for their results), since the last call: one wake per
    /// waiting thread per block, however much was sent. Call at the end of each block.
    pub(crate) fn wake(&mut self) {
        if self.emitted {
            self.emitted = false;
            self.signal.notify();
        }
        self.workers.wake();
    }

    /// Whether the event queue has room for `n` more replies. The audio thread takes a
    /// command, a worker result or a waiting `/sync`'s release only when it does, so a
    /// reply is never lost: what has no room waits for a later block.
    pub(crate) fn has_reply_room(&self, n: usize) -> bool {
        self.events.slots() >= n
    }

    /// Sends an event to the network side. A notification finding only the reserve left
    /// for replies, or any event finding the queue full, is lost and counted (anything it
    /// carried goes to a worker).
    pub(crate) fn emit(&mut self, event: Event) {
        self.emitted = true;
        let pushed = if event.is_reply() || self.events.slots() > self.reply_reserve {
            self.events.push(event)
        } else {
            Err(rtrb::PushError::Full(event))
        };
        if let Err(rtrb::PushError::Full(event)) = pushed {
            self.status.add_event_dropped();
            match event {
                Event::Tree { snapshot, .. } => self.dispose(Garbage::Snapshot(snapshot)),
                Event::ControlBuses { values, .. } => self.dispose(Garbage::BusValues(values)),
                Event::Controls { query, .. } => self.dispose(Garbage::Query(query)),
                Event::ResourceFailed { reason, .. } => self.dispose(Garbage::Text(reason)),
                Event::ResourcePerformed { result: Ok(args), .. } => self.dispose(Garbage::Args(args)),
                Event::ResourcePerformed { result: Err(text), .. } => self.dispose(Garbage::Text(text)),
                Event::Report { report, .. } => self.dispose(Garbage::Report(report)),
                _ => {}
            }
        }
    }

    /// Hands something to a worker to drop.
    pub(crate) fn dispose(&mut self, garbage: Garbage) {
        self.dispatch(Job::Drop(garbage));
    }

    /// Hands a job to a worker.
    pub(crate) fn dispatch(&mut self, job: Job) {
        let is_drop = matches!(job, Job::Drop(_));
        match self.workers.dispatch(job) {
            Ok(()) => {
                if is_drop {
                    self.pending_drops += 1;
                }
            }
            Err(job) => {
                // Unreachable while the engine keeps its reserve of worker slots before
                // taking a command; should it happen, leaking is the only way not to free
                // here, and it is counted.
                std::mem::forget(job);
                self.status.add_garbage_leaked();
            }
        }
    }

    /// A node left the tree: its Resources are released, its Synth goes to a worker,
    /// clients hear `NodeEnded`.
    pub(crate) fn node_freed(&mut self, (id, position, synth): Freed, pool: &ResourcePool) {
        if let Some(synth) = synth {
            self.dispose(synth.release_resources(pool));
        }
        self.emit(Event::NodeEnded { id, position });
    }

    /// A worker dropped something.
    pub(crate) fn dropped(&mut self) {
        self.pending_drops = self.pending_drops.saturating_sub(1);
    }

    /// Publishes how many drops are outstanding.
    pub(crate) fn publish_pending(&self) {
        self.status.set_pending_drops(self.pending_drops);
    }
}
