//! The asynchronous work in flight on the workers, as the audio thread tracks it.
//!
//! Context: RT: every function here runs on the audio thread, except
//! `PendingWork::default` (NRT, when the engine is built: it allocates the fixed tables).

use super::sync_spans::SpanId;
use super::{ClientId, EngineError, ResourceDefId, ResourceIds};

/// The most resource operations running at once.
pub const MAX_PERFORMS: usize = 256;

/// The most `/sync` requests waiting for asynchronous work at once.
pub const MAX_PENDING_SYNCS: usize = 1024;

/// The most `/sync` requests of one client waiting at once.
pub const MAX_PENDING_SYNCS_PER_CLIENT: usize = 256;

/// A resource operation a worker is running.
#[derive(Debug, Clone, Copy)]
pub struct RunningPerform {
    /// Who asked.
    pub client: ClientId,
    /// The Resources it holds.
    pub ids: ResourceIds,
    /// The ResourceDef and operation index.
    pub operation: (ResourceDefId, u16),
    /// The span of its client's work it counts in.
    pub span: SpanId,
}

/// Asynchronous work in flight on the workers, as the audio thread tracks it: running
/// operations (by slot), and the sequence numbers that order commands.
///
/// Context: allocated NRT with fixed capacities; used on the audio thread only.
pub struct PendingWork {
    performs: Box<[Option<RunningPerform>]>,
    /// The free slots, so starting an operation takes one without a search.
    free: Vec<u32>,
    next_seq: u64,
}

impl Default for PendingWork {
    // Context: NRT (allocates the fixed tables, when the engine is built).
    fn default() -> Self {
        PendingWork {
            performs: vec![None; MAX_PERFORMS].into_boxed_slice(),
            // Fewer than `MAX_PERFORMS` slots: every index fits.
            free: (0..MAX_PERFORMS as u32).rev().collect(),
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
        let slot = self.free.pop().ok_or(EngineError::PerformCapacity(MAX_PERFORMS))?;
        self.performs[slot as usize] = Some(perform);
        Ok(slot)
    }

    /// Takes the operation that ran in `slot`. Context: RT.
    pub fn finish_perform(&mut self, slot: u32) -> Option<RunningPerform> {
        let p = self.performs.get_mut(slot as usize)?.take();
        if p.is_some() {
            // A slot is taken back at most once: the free list never outgrows its capacity.
            self.free.push(slot);
        }
        p
    }

    /// Operations running.
    pub fn running(&self) -> usize {
        MAX_PERFORMS - self.free.len()
    }
}
