use crate::{FileAccess, MemoryBudget};

/// The engine's fixed audio parameters, and the files it may open, as a plugin sees them.
///
/// Context: any. Plain data, copied freely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct World {
    /// Frames per second of every bus and port.
    pub sample_rate: f64,
    /// The engine's internal block size: the most frames one `process` call covers.
    pub block_size: usize,
    /// The files a client's path may lead to: open every such path through this.
    pub files: FileAccess,
    /// The memory Resources may take together: reserve a Resource's bytes here before
    /// allocating them.
    pub memory: MemoryBudget,
}

impl World {
    /// A world of this rate and block size, opening any file the process may
    /// ([`FileAccess::UNCONFINED`]), with no memory budget ([`MemoryBudget::UNLIMITED`]).
    pub const fn new(sample_rate: f64, block_size: usize) -> World {
        World { sample_rate, block_size, files: FileAccess::UNCONFINED, memory: MemoryBudget::UNLIMITED }
    }

    /// The duration of one frame in seconds.
    ///
    /// ```
    /// let w = oscine_plugin_api::World::new(48_000.0, 64);
    /// assert_eq!(w.sample_duration(), 1.0 / 48_000.0);
    /// ```
    pub fn sample_duration(&self) -> f64 {
        1.0 / self.sample_rate
    }
}
