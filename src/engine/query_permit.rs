//! The queries a client has in flight, counted by the storage their replies travel in.
//!
//! Context: NRT (the network thread takes permits); a permit is given back wherever its
//! storage is dropped: on the network thread after the reply, or on a worker for storage
//! the audio thread let go of. The audio thread moves storage on and never drops it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// One client's count of queries in flight: those whose reply storage (a tree snapshot,
/// a control query, bus values) has been allocated and not yet dropped. The network
/// thread keeps one per client.
#[derive(Debug, Default)]
pub struct QueryCount(Arc<AtomicU32>);

impl QueryCount {
    /// A count of none.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queries in flight.
    pub fn in_flight(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }

    /// `n` permits, if the client would have at most `limit` queries in flight with them;
    /// none otherwise.
    pub fn take(&self, n: usize, limit: u32) -> Option<Vec<QueryPermit>> {
        let n32 = u32::try_from(n).ok()?;
        // Only the network thread takes permits: the count can only fall meanwhile.
        if self.in_flight().checked_add(n32)? > limit {
            return None;
        }
        self.0.fetch_add(n32, Ordering::AcqRel);
        Some((0..n).map(|_| QueryPermit(Arc::clone(&self.0))).collect())
    }
}

/// One query in flight, held by its reply storage; dropping it gives it back to its
/// client's [`QueryCount`].
#[derive(Debug)]
pub struct QueryPermit(Arc<AtomicU32>);

impl Drop for QueryPermit {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_count_until_dropped_wherever_that_is() {
        let count = QueryCount::new();
        let mut held = count.take(3, 4).unwrap();
        assert_eq!(count.in_flight(), 3);
        assert!(count.take(2, 4).is_none(), "5 would pass the limit of 4");
        let one = held.pop().unwrap();
        std::thread::spawn(move || drop(one)).join().unwrap();
        assert_eq!(count.in_flight(), 2);
        assert_eq!(count.take(2, 4).map(|p| p.len()), Some(2));
        drop(held);
        assert_eq!(count.in_flight(), 0, "the two taken last were dropped at once");
    }
}
