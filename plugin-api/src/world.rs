/// The engine's fixed audio parameters, as a plugin sees them.
///
/// Context: any. Plain data, copied freely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct World {
    /// Frames per second of every bus and port.
    pub sample_rate: f64,
    /// The engine's internal block size: the most frames one `process` call covers.
    pub block_size: usize,
}

impl World {
    /// The duration of one frame in seconds.
    ///
    /// ```
    /// let w = oscine_plugin_api::World { sample_rate: 48_000.0, block_size: 64 };
    /// assert_eq!(w.sample_duration(), 1.0 / 48_000.0);
    /// ```
    pub fn sample_duration(&self) -> f64 {
        1.0 / self.sample_rate
    }
}
