//! The asynchronous work in flight on the workers, as the audio thread tracks it.
//!
//! Context: RT: every function here runs on the audio thread, except
//! `PendingWork::default` (NRT, when the engine is built: it allocates the fixed tables).

use super::{ClientId, EngineError, ResourceDefId, ResourceIds};

/// The most resource operations running at once.
pub const MAX_PERFORMS: usize = 256;

/// The most `/sync` requests waiting for asynchronous work at once.
pub const MAX_PENDING_SYNCS: usize = 1024;

/// A resource operation a worker is running.
#[derive(Debug, Clone, Copy)]
pub struct RunningPerform {
    /// Who asked.
    pub client: ClientId,
    /// The Resources it holds.
    pub ids: ResourceIds,
    /// The ResourceDef and operation index.
    pub operation: (ResourceDefId, u16),
    /// The step's sequence number.
    pub seq: u64,
}

#[derive(Debug, Clone, Copy)]
struct PendingSync {
    client: ClientId,
    token: i32,
    barrier: u64,
}

/// Asynchronous work in flight on the workers, as the audio thread tracks it: running
/// operations (by slot) and `/sync` requests waiting for earlier work, with the sequence
/// numbers that order them.
///
/// Context: allocated NRT with fixed capacities; used on the audio thread only.
pub struct PendingWork {
    performs: Box<[Option<RunningPerform>]>,
    running: usize,
    syncs: Vec<PendingSync>,
    next_seq: u64,
}

impl Default for PendingWork {
    // Context: NRT (allocates the fixed tables, when the engine is built).
    fn default() -> Self {
        PendingWork {
            performs: vec![None; MAX_PERFORMS].into_boxed_slice(),
            running: 0,
            syncs: Vec::with_capacity(MAX_PENDING_SYNCS),
            next_seq: 1,
        }
    }
}

impl PendingWork {
    /// A new sequence number for an asynchronous step. Context: RT.
    pub fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Records a running operation; returns its slot. Context: RT.
    pub fn start_perform(&mut self, perform: RunningPerform) -> Result<u32, EngineError> {
        let (slot, free) = self
            .performs
            .iter_mut()
            .enumerate()
            .find(|(_, p)| p.is_none())
            .ok_or(EngineError::PerformCapacity(MAX_PERFORMS))?;
        *free = Some(perform);
        self.running += 1;
        // Fewer than `MAX_PERFORMS` slots: the index fits.
        Ok(slot as u32)
    }

    /// Takes the operation that ran in `slot`. Context: RT.
    pub fn finish_perform(&mut self, slot: u32) -> Option<RunningPerform> {
        let p = self.performs.get_mut(slot as usize)?.take();
        if p.is_some() {
            self.running = self.running.saturating_sub(1);
        }
        p
    }

    /// Operations running.
    pub fn running(&self) -> usize {
        self.running
    }

    /// Whether an operation asked for by `client` at or before `barrier` is running.
    pub fn perform_busy_for(&self, client: ClientId, barrier: u64) -> bool {
        self.running > 0 && performs_busy_for(&self.performs, client, barrier)
    }

    /// Queues a `/sync` that must wait for work up to `barrier`. Context: RT.
    pub fn defer_sync(&mut self, client: ClientId, token: i32, barrier: u64) -> Result<(), EngineError> {
        if self.syncs.len() == self.syncs.capacity() {
            return Err(EngineError::SyncCapacity(MAX_PENDING_SYNCS));
        }
        self.syncs.push(PendingSync { client, token, barrier });
        Ok(())
    }

    /// Removes and reports, in arrival order, every waiting `/sync` whose work is done:
    /// no running operation of its client up to its barrier, and no other step
    /// `resource_busy` reports. `ready` answers one and says whether it could (false: no
    /// room for the reply); the first that cannot be answered stops the releases, so
    /// the rest keep their order for a later block. Context: RT.
    pub fn release_syncs(
        &mut self,
        resource_busy: impl Fn(ClientId, u64) -> bool,
        mut ready: impl FnMut(ClientId, i32) -> bool,
    ) {
        let (performs, running) = (&self.performs, self.running);
        let mut out_of_room = false;
        // `retain` keeps order and never allocates.
        self.syncs.retain(|s| {
            if out_of_room {
                return true;
            }
            let busy =
                resource_busy(s.client, s.barrier) || (running > 0 && performs_busy_for(performs, s.client, s.barrier));
            if busy {
                return true;
            }
            out_of_room = !ready(s.client, s.token);
            out_of_room
        });
    }

    /// Whether any `/sync` is waiting.
    pub fn has_waiting_syncs(&self) -> bool {
        !self.syncs.is_empty()
    }
}

fn performs_busy_for(performs: &[Option<RunningPerform>], client: ClientId, barrier: u64) -> bool {
    performs.iter().flatten().any(|p| p.client == client && p.seq <= barrier)
}
