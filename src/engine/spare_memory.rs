//! Synth allocations kept for reuse. A Synth's one allocation is made on the network
//! thread and freed on a worker; for a SynthDef whose Synths come and go by the thousand,
//! the allocator's work on those blocks (and what a freed block of that size makes it do
//! to its small ones) is a large part of what a `/synth/new` costs. A freed Synth's block
//! goes back through its SynthDef's FIFO instead, for the next Synth of the same def.
//!
//! Context: [`SpareMemory::give`] on whichever thread drops a Synth (a worker), and
//! [`SpareMemory::take`] on the network thread; the FIFO between them is crossbeam's
//! bounded channel, which neither locks nor allocates once made.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::OnceLock;

use crossbeam_channel::{Receiver, Sender};

/// How many bytes of spare Synth blocks one SynthDef keeps at most.
pub const SPARE_BYTES_PER_SYNTHDEF: usize = 4 * 1024 * 1024;

/// How many spare blocks one SynthDef keeps at most, however small they are: as many as
/// the Synths one full command queue can make (the default queue holds 4096 commands), so
/// that a flood of `/synth/new`s and frees keeps reusing the same blocks. The FIFO takes
/// 16 bytes a block it can hold, made when the SynthDef's first Synth is freed.
pub const MAX_SPARE_BLOCKS: usize = 4096;

/// A spare block, of the layout its FIFO keeps.
struct SpareBlock(NonNull<u8>);

// SAFETY: a block is plain memory no one else points into while it waits in the FIFO.
unsafe impl Send for SpareBlock {}

/// One SynthDef's spare Synth blocks, all of one layout (the first block given back
/// decides it and how many are kept: [`SPARE_BYTES_PER_SYNTHDEF`] worth, at most
/// [`MAX_SPARE_BLOCKS`]; blocks of another layout, or larger than that, are freed).
#[derive(Default)]
pub struct SpareMemory {
    /// The layout of the blocks kept, and the FIFO they wait in.
    fifo: OnceLock<(Layout, Sender<SpareBlock>, Receiver<SpareBlock>)>,
}

impl SpareMemory {
    /// A spare block of `layout`, if one waits; uninitialized memory, as from the
    /// allocator. Context: NRT (network thread).
    pub fn take(&self, layout: Layout) -> Option<NonNull<u8>> {
        let (kept, _, rx) = self.fifo.get()?;
        if *kept != layout {
            return None;
        }
        rx.try_recv().ok().map(|block| block.0)
    }

    /// Keeps `ptr`'s block for a later [`take`](Self::take), or frees it if enough are
    /// kept already. Context: NRT (a worker, or whoever drops the Synth).
    ///
    /// # Safety
    /// `ptr` must have been allocated by the global allocator with `layout`, and nothing
    /// may use it afterwards.
    pub unsafe fn give(&self, ptr: NonNull<u8>, layout: Layout) {
        if layout.size() <= SPARE_BYTES_PER_SYNTHDEF {
            let (kept, tx, _) = self.fifo.get_or_init(|| {
                let blocks = (SPARE_BYTES_PER_SYNTHDEF / layout.size().max(1)).min(MAX_SPARE_BLOCKS);
                let (tx, rx) = crossbeam_channel::bounded(blocks);
                (layout, tx, rx)
            });
            if *kept == layout && tx.try_send(SpareBlock(ptr)).is_ok() {
                return;
            }
        }
        // Not kept: of another layout, too large, or enough are kept.
        // SAFETY: allocated by the global allocator with `layout` (the caller's promise).
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
    }
}

impl Drop for SpareMemory {
    fn drop(&mut self) {
        if let Some((layout, _, rx)) = self.fifo.get() {
            for block in rx.try_iter() {
                // SAFETY: every block in the FIFO was allocated with the layout it keeps.
                unsafe { std::alloc::dealloc(block.0.as_ptr(), *layout) }
            }
        }
    }
}

impl std::fmt::Debug for SpareMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.fifo.get().map_or(0, |(_, _, rx)| rx.len());
        f.debug_struct("SpareMemory").field("kept", &kept).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocate(layout: Layout) -> NonNull<u8> {
        // SAFETY: a non-zero size.
        NonNull::new(unsafe { std::alloc::alloc(layout) }).unwrap()
    }

    #[test]
    fn a_given_block_is_taken_again_and_one_of_another_layout_is_not() {
        let spare = SpareMemory::default();
        let layout = Layout::from_size_align(1024, 16).unwrap();
        assert_eq!(spare.take(layout), None);
        let block = allocate(layout);
        // SAFETY: allocated with `layout`, not used again here.
        unsafe { spare.give(block, layout) };
        assert_eq!(spare.take(layout), Some(block));
        assert_eq!(spare.take(layout), None);
        // SAFETY: as above.
        unsafe { spare.give(block, layout) };
        assert_eq!(spare.take(Layout::from_size_align(2048, 16).unwrap()), None, "not handed out for another layout");
        let other = Layout::from_size_align(2048, 16).unwrap();
        // SAFETY: allocated with `other`, not used again here.
        unsafe { spare.give(allocate(other), other) };
        assert_eq!(spare.take(other), None, "a block of another layout is freed");
        assert_eq!(spare.take(layout), Some(block));
        // SAFETY: allocated with `layout` above.
        unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
    }

    #[test]
    fn at_most_the_bound_is_kept_and_the_rest_is_freed() {
        let spare = SpareMemory::default();
        let layout = Layout::from_size_align(SPARE_BYTES_PER_SYNTHDEF / 4, 8).unwrap();
        for _ in 0..10 {
            // SAFETY: allocated with `layout`, not used again here.
            unsafe { spare.give(allocate(layout), layout) };
        }
        let taken: Vec<NonNull<u8>> = std::iter::from_fn(|| spare.take(layout)).collect();
        assert_eq!(taken.len(), 4);
        for ptr in taken {
            // SAFETY: allocated with `layout` above.
            unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
        }
        let huge = Layout::from_size_align(SPARE_BYTES_PER_SYNTHDEF * 2, 8).unwrap();
        // SAFETY: as above.
        unsafe { spare.give(allocate(huge), huge) };
        assert_eq!(spare.take(huge), None, "a block over the bound is never kept");
    }

    #[test]
    fn blocks_given_on_other_threads_come_back_on_this_one() {
        let spare = std::sync::Arc::new(SpareMemory::default());
        let layout = Layout::from_size_align(512, 16).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (spare, address) = (spare.clone(), allocate(layout).as_ptr() as usize);
                std::thread::spawn(move || {
                    // SAFETY: allocated with `layout` on the spawning thread, used by no one.
                    unsafe { spare.give(NonNull::new(address as *mut u8).unwrap(), layout) }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let taken: Vec<NonNull<u8>> = std::iter::from_fn(|| spare.take(layout)).collect();
        assert_eq!(taken.len(), 4);
        for ptr in taken {
            // SAFETY: allocated with `layout` above.
            unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
        }
    }
}
