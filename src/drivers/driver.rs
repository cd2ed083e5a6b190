//! The `Driver` trait, its configuration and its errors.
//!
//! Context: NRT: a driver is opened, started and stopped on the control side.

use crate::engine::Engine;

/// The audio format a driver runs at; the engine must be built with the same rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriverConfig {
    /// Frames per second.
    pub sample_rate: f64,
    /// Device input channels.
    pub inputs: usize,
    /// Device output channels.
    pub outputs: usize,
    /// Frames per device callback, when fixed.
    pub buffer_size: Option<usize>,
}

/// Why a driver could not open or start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// No device matched.
    #[error("no audio device: {0}")]
    NoDevice(String),
    /// The device refused the configuration.
    #[error("cannot configure the audio device: {0}")]
    Config(String),
    /// The stream could not be built or started.
    #[error("cannot start the audio stream: {0}")]
    Stream(String),
    /// The driver is already running an engine.
    #[error("the driver is already running")]
    AlreadyRunning,
    /// The engine's rate or channels differ from the driver's.
    #[error("engine runs at {engine} Hz but the device at {device} Hz")]
    RateMismatch {
        /// The engine's rate.
        engine: f64,
        /// The device's rate.
        device: f64,
    },
    /// A thread could not be started.
    #[error("cannot start the audio thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Something that runs an [`Engine`]'s process: one trait for every way of driving it.
///
/// Context: the methods run on the control side; the engine, once started, is processed
/// on the driver's own audio thread until [`stop`](Driver::stop).
pub trait Driver {
    /// A short name for logs (`cpal`, `dummy`, `manual`).
    fn name(&self) -> &'static str;
    /// The format the engine must be built for.
    fn config(&self) -> DriverConfig;
    /// Starts processing `engine`.
    fn start(&mut self, engine: Engine) -> Result<(), DriverError>;
    /// Stops processing and drops the engine on the calling thread. Idempotent.
    fn stop(&mut self);
}

pub(crate) fn check_rate(engine: &Engine, config: &DriverConfig) -> Result<(), DriverError> {
    let rate = engine.world().sample_rate;
    if (rate - config.sample_rate).abs() > 1e-6 {
        return Err(DriverError::RateMismatch { engine: rate, device: config.sample_rate });
    }
    Ok(())
}
