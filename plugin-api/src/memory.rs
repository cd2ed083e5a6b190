//! The memory budget for Resources: what a ResourceDef reserves before it allocates a
//! Resource's memory, and gives back when the Resource is freed.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counter a budget shares among its copies: plain atomics, living as long as the
/// process.
#[repr(C)]
struct Counter {
    limit: u64,
    used: AtomicU64,
}

/// How much memory Resources may take together (`--max-resource-memory`). A ResourceDef
/// reserves a Resource's bytes here ([`reserve`](Self::reserve)) before it allocates
/// them, and keeps the [`MemoryGrant`] in the Resource, which gives them back when it is
/// dropped.
///
/// Plain data, copied freely and passed to plugin libraries as it is.
///
/// ```
/// use oscine_plugin_api::MemoryBudget;
///
/// let budget = MemoryBudget::new(1000);
/// let grant = budget.reserve(600).unwrap();
/// assert!(budget.reserve(600).is_err(), "600 more would pass the limit");
/// drop(grant);
/// assert!(budget.reserve(600).is_ok());
/// ```
#[repr(C)]
#[derive(Clone, Copy)]
pub struct MemoryBudget {
    counter: *const Counter,
}

// SAFETY: the counter is atomics and an immutable limit, leaked: shared reads and atomic
// updates only.
unsafe impl Send for MemoryBudget {}
// SAFETY: as for Send.
unsafe impl Sync for MemoryBudget {}

impl MemoryBudget {
    /// No limit, nothing counted.
    pub const UNLIMITED: MemoryBudget = MemoryBudget { counter: std::ptr::null() };

    /// A budget of `limit` bytes. Context: NRT; its counter is kept for the rest of the
    /// process: make one at start-up.
    pub fn new(limit: u64) -> MemoryBudget {
        let counter: &'static Counter = Box::leak(Box::new(Counter { limit, used: AtomicU64::new(0) }));
        MemoryBudget { counter }
    }

    fn counter(&self) -> Option<&'static Counter> {
        // SAFETY: null, or leaked by `new`.
        unsafe { self.counter.as_ref() }
    }

    /// The limit in bytes; `None` for [`UNLIMITED`](Self::UNLIMITED).
    pub fn limit(&self) -> Option<u64> {
        self.counter().map(|c| c.limit)
    }

    /// The bytes reserved now.
    pub fn used(&self) -> u64 {
        self.counter().map_or(0, |c| c.used.load(Ordering::Relaxed))
    }

    /// Reserves `bytes`, if they fit under the limit with what is reserved already.
    ///
    /// Context: any (one atomic update).
    ///
    /// # Errors
    /// [`OverBudget`] with the sizes, when they do not fit.
    pub fn reserve(&self, bytes: u64) -> Result<MemoryGrant, OverBudget> {
        let Some(counter) = self.counter() else {
            return Ok(MemoryGrant { budget: *self, bytes: 0 });
        };
        counter
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|&total| total <= counter.limit)
            })
            .map(|_| MemoryGrant { budget: *self, bytes })
            .map_err(|used| OverBudget { asked: bytes, used, limit: counter.limit })
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget::UNLIMITED
    }
}

impl PartialEq for MemoryBudget {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.counter, other.counter)
    }
}

impl fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limit() {
            Some(limit) => write!(f, "MemoryBudget({} of {limit} bytes)", self.used()),
            None => f.write_str("MemoryBudget::UNLIMITED"),
        }
    }
}

/// Bytes reserved in a [`MemoryBudget`], given back when this is dropped.
#[derive(Debug)]
pub struct MemoryGrant {
    budget: MemoryBudget,
    bytes: u64,
}

impl MemoryGrant {
    /// The bytes reserved.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for MemoryGrant {
    fn drop(&mut self) {
        if let Some(counter) = self.budget.counter() {
            counter.used.fetch_sub(self.bytes, Ordering::Relaxed);
        }
    }
}

/// Why a reservation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    /// The bytes asked for.
    pub asked: u64,
    /// The bytes reserved already.
    pub used: u64,
    /// The budget.
    pub limit: u64,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes would pass the resource memory budget ({} of {} bytes in use; --max-resource-memory)",
            self.asked, self.used, self.limit
        )
    }
}

impl std::error::Error for OverBudget {}
