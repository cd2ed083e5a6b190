//! What calls the engine's process: a sound device through cpal, a thread paced by the
//! wall clock, or a test stepping block by block. All of them run the same
//! [`Engine::process_block`](crate::engine::Engine::process_block) through a
//! [`BlockAdapter`], which turns whatever buffer size the device uses into fixed blocks.
//!
//! Context: NRT for opening, starting and stopping a driver (the control side); RT in the
//! audio callbacks and the threads that render, and in `BlockAdapter::process`. Each
//! module says which of its functions run where.

mod block_adapter;
mod cpal_driver;
mod driver;
mod dummy;
mod manual;
mod realtime_scheduling;

pub use block_adapter::BlockAdapter;
pub use cpal_driver::{list_devices, CpalDriver, CpalHost, CpalOptions};
pub use driver::{Driver, DriverConfig, DriverError};
pub use dummy::DummyDriver;
pub use manual::ManualDriver;
pub use realtime_scheduling::{request_realtime, REALTIME_PRIORITY};
