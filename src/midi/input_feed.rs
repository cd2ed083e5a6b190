//! The FIFO from a MIDI thread to the network thread: the bytes one device input
//! received, in chunks stamped with their arrival time.
//!
//! The writing end, [`MidiFeed`], is what midir's input callback owns and calls, on
//! midir's own thread (ALSA's input thread, or JACK's process thread with the `jack`
//! feature); tests and programs embedding the server call it the same way. It never
//! allocates, locks or blocks: a push into a preallocated `rtrb` ring of
//! [`FEED_CAPACITY`] chunks, a clock read, and at most one eventfd write while the network
//! thread has not taken the last one. When the ring is full the rest of the message is
//! dropped and its bytes are counted ([`MidiFeed::dropped`] shares the count), for
//! `/status` and the log.
//!
//! Context: [`MidiFeed::receive`] runs on a MIDI thread; [`FeedEnd`] on the network
//! thread; both are made there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::engine::{EventSignal, Timetag};

/// Chunks one device input's ring holds: at 3 bytes a message, several seconds of a dense
/// controller stream that the network thread has not read.
pub const FEED_CAPACITY: usize = 4096;

/// The bytes one chunk carries; a longer message (system exclusive) takes several.
const CHUNK_BYTES: usize = 20;

/// Up to [`CHUNK_BYTES`] bytes received together.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk {
    pub(super) arrival: Timetag,
    pub(super) len: u8,
    pub(super) bytes: [u8; CHUNK_BYTES],
}

/// A device input's counters, shared by its two ends (relaxed atomics, one writer each).
#[derive(Debug, Default)]
pub struct FeedCounters {
    /// Bytes that found the ring full.
    dropped: AtomicU64,
}

impl FeedCounters {
    /// Bytes dropped because the ring was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The MIDI thread's end of a device input: hand it every byte the device sends.
pub struct MidiFeed {
    ring: rtrb::Producer<Chunk>,
    signal: Arc<EventSignal>,
    counters: Arc<FeedCounters>,
}

impl std::fmt::Debug for MidiFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiFeed").field("counters", &self.counters).finish_non_exhaustive()
    }
}

/// The network thread's end of a device input.
pub(super) struct FeedEnd {
    pub(super) ring: rtrb::Consumer<Chunk>,
    pub(super) counters: Arc<FeedCounters>,
}

/// A ring of [`FEED_CAPACITY`] chunks, whose writes wake the network thread through
/// `signal`. Context: NRT (allocates the ring).
pub(super) fn feed(signal: Arc<EventSignal>) -> (MidiFeed, FeedEnd) {
    let (ring, consumer) = rtrb::RingBuffer::new(FEED_CAPACITY);
    let counters = Arc::new(FeedCounters::default());
    (MidiFeed { ring, signal, counters: Arc::clone(&counters) }, FeedEnd { ring: consumer, counters })
}

impl MidiFeed {
    /// Takes bytes the device sent, arriving now: one message, several, or part of one
    /// (the network thread reads them as one stream). Context: a MIDI thread; wait-free,
    /// never allocates.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.receive_at(Timetag::now(), bytes);
    }

    /// [`receive`](Self::receive), with the arrival time given.
    pub fn receive_at(&mut self, arrival: Timetag, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = rest.len().min(CHUNK_BYTES);
            let mut chunk = Chunk { arrival, len: n as u8, bytes: [0; CHUNK_BYTES] };
            chunk.bytes[..n].copy_from_slice(&rest[..n]);
            if self.ring.push(chunk).is_err() {
                self.counters.dropped.fetch_add(rest.len() as u64, Ordering::Relaxed);
                break;
            }
            rest = &rest[n..];
        }
        self.signal.notify();
    }

    /// The counters this input shares with the network thread.
    pub fn counters(&self) -> &Arc<FeedCounters> {
        &self.counters
    }
}

impl FeedEnd {
    /// Hands `read` every byte waiting, each with its arrival time. Context: NRT.
    pub(super) fn drain(&mut self, mut read: impl FnMut(Timetag, u8)) {
        while let Ok(chunk) = self.ring.pop() {
            for &byte in &chunk.bytes[..usize::from(chunk.len)] {
                read(chunk.arrival, byte);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_ring_drops_and_counts_the_rest_and_long_messages_take_several_chunks() {
        let signal = Arc::new(EventSignal::new().unwrap());
        let (mut feed, mut end) = super::feed(Arc::clone(&signal));
        let sysex: Vec<u8> = (0..50).collect();
        feed.receive_at(Timetag::from_seconds(2.0), &sysex);
        assert!(signal.take(), "the network thread is woken");
        let mut read = Vec::new();
        end.drain(|time, byte| read.push((time, byte)));
        assert_eq!(read.len(), 50);
        assert!(read.iter().enumerate().all(|(k, &(t, b))| b == k as u8 && t == Timetag::from_seconds(2.0)));
        for _ in 0..FEED_CAPACITY {
            feed.receive(&[0xf8]);
        }
        feed.receive(&[0x90, 60, 100]);
        assert_eq!(feed.counters().dropped(), 3);
        let mut read = 0;
        end.drain(|_, _| read += 1);
        assert_eq!(read, FEED_CAPACITY);
    }
}
