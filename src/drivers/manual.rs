//! The manual driver: the calling thread renders block by block.
//!
//! Context: NRT: the calling thread (a test, a benchmark, the renderer) plays the audio
//! thread's part; `render` allocates the channels it returns.

use super::driver::check_rate;
use super::{Driver, DriverConfig, DriverError};
use crate::engine::Engine;

/// A driver that renders only when told to, one block at a time: for tests and for
/// rendering faster than realtime. The calling thread plays the audio thread's part.
pub struct ManualDriver {
    config: DriverConfig,
    engine: Option<Engine>,
}

impl ManualDriver {
    /// A driver for an engine built with `config`'s rate and channels.
    pub fn new(config: DriverConfig) -> Self {
        ManualDriver { config, engine: None }
    }

    /// A started driver around `engine`, its config taken from the engine.
    pub fn with_engine(mut engine: Engine) -> Self {
        let world = engine.world();
        let config = DriverConfig {
            sample_rate: world.sample_rate,
            inputs: engine.external_inputs_mut().len() / world.block_size,
            outputs: engine.external_outputs().len() / world.block_size,
            buffer_size: Some(world.block_size),
        };
        ManualDriver { config, engine: Some(engine) }
    }

    /// The running engine.
    ///
    /// # Panics
    /// If the driver has not been started.
    pub fn engine(&mut self) -> &mut Engine {
        self.engine.as_mut().expect("manual driver not started")
    }

    /// Sets the hardware inputs for the next block (planar, `inputs × block_size`).
    pub fn set_inputs(&mut self, planar: &[f32]) {
        self.engine().external_inputs_mut().copy_from_slice(planar);
    }

    /// Renders one block and returns the hardware outputs (planar, `outputs × block_size`).
    pub fn render_block(&mut self) -> &[f32] {
        let engine = self.engine();
        engine.process_block();
        engine.external_outputs()
    }

    /// Renders `blocks` blocks and returns each hardware output channel's samples.
    pub fn render(&mut self, blocks: usize) -> Vec<Vec<f32>> {
        let outputs = self.config.outputs;
        let b = self.engine().world().block_size;
        let mut channels = vec![Vec::with_capacity(blocks * b); outputs];
        for _ in 0..blocks {
            let out = self.render_block();
            for (ch, samples) in channels.iter_mut().enumerate() {
                samples.extend_from_slice(&out[ch * b..(ch + 1) * b]);
            }
        }
        channels
    }
}

impl Driver for ManualDriver {
    fn name(&self) -> &'static str {
        "manual"
    }

    fn config(&self) -> DriverConfig {
        self.config
    }

    fn start(&mut self, engine: Engine) -> Result<(), DriverError> {
        if self.engine.is_some() {
            return Err(DriverError::AlreadyRunning);
        }
        check_rate(&engine, &self.config)?;
        self.engine = Some(engine);
        Ok(())
    }

    fn stop(&mut self) {
        self.engine = None;
    }
}
