//! The scheduler: timed commands waiting for their block.
//!
//! Context: RT: every function here runs on the audio thread, except `Scheduler::new`
//! (NRT, when the engine is built).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::sync_spans::SpanId;
use super::Command;

/// A command waiting for its frame.
#[derive(Debug)]
pub struct Scheduled {
    /// The frame it applies at.
    pub frame: u64,
    /// Arrival order, so commands for the same frame apply in the order they came.
    pub seq: u64,
    /// The bundle it came in (for late reports).
    pub bundle: u32,
    /// The span of its client's work it counts in while it waits (none for a command no
    /// client sent).
    pub span: Option<SpanId>,
    /// The command.
    pub command: Command,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.frame, self.seq) == (other.frame, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed: the heap's top is the earliest frame, then the earliest arrival.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.frame, other.seq).cmp(&(self.frame, self.seq))
    }
}

/// Timed commands waiting for their block: a binary heap with a fixed capacity.
///
/// Context: allocated NRT with room for `capacity` commands; used on the audio thread,
/// where pushing within the capacity never allocates. A full scheduler refuses the
/// command (the engine reports it to the sender), it never grows.
pub struct Scheduler {
    heap: BinaryHeap<Scheduled>,
    capacity: usize,
}

impl Scheduler {
    /// A scheduler for `capacity` commands. Context: NRT.
    pub fn new(capacity: usize) -> Self {
        Scheduler { heap: BinaryHeap::with_capacity(capacity), capacity }
    }

    /// Queues a command; gives it back when full. Context: RT.
    // The refused command comes back by value so the audio thread can hand what it
    // carries to a worker instead of dropping it.
    #[allow(clippy::result_large_err)]
    pub fn push(&mut self, item: Scheduled) -> Result<(), Scheduled> {
        if self.heap.len() >= self.capacity {
            return Err(item);
        }
        self.heap.push(item);
        Ok(())
    }

    /// The earliest command if it is due before `frame`. Context: RT.
    pub fn pop_before(&mut self, frame: u64) -> Option<Scheduled> {
        if self.heap.peek().is_some_and(|s| s.frame < frame) {
            self.heap.pop()
        } else {
            None
        }
    }

    /// The earliest waiting command's frame.
    pub fn next_frame(&self) -> Option<u64> {
        self.heap.peek().map(|s| s.frame)
    }

    /// Takes every command, earliest first (for shutdown). Context: RT.
    pub fn pop(&mut self) -> Option<Scheduled> {
        self.heap.pop()
    }

    /// Commands waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ClientId;

    fn sync(seq: u64, frame: u64) -> Scheduled {
        Scheduled {
            frame,
            seq,
            bundle: 0,
            span: None,
            command: Command::Sync { client: ClientId(0), token: seq as i32 },
        }
    }

    #[test]
    fn pops_by_frame_then_arrival_and_refuses_past_capacity() {
        let mut s = Scheduler::new(3);
        s.push(sync(1, 100)).unwrap();
        s.push(sync(2, 50)).unwrap();
        s.push(sync(3, 50)).unwrap();
        assert!(s.push(sync(4, 10)).is_err());
        assert!(s.pop_before(50).is_none());
        assert_eq!(s.pop_before(51).map(|x| x.seq), Some(2));
        assert_eq!(s.pop_before(51).map(|x| x.seq), Some(3));
        assert_eq!(s.pop_before(1000).map(|x| x.seq), Some(1));
        assert!(s.is_empty());
    }
}
