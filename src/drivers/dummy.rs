//! The dummy driver: a thread paced by the wall clock, for machines with no sound card.
//!
//! Context: NRT: every function here runs on the control side, except the body of the
//! `oscine-audio` thread that `start` spawns, whose loop is the audio thread (RT, marked).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::driver::check_rate;
use super::{BlockAdapter, Driver, DriverConfig, DriverError};
use crate::engine::Engine;

/// A driver for machines without a sound card: a thread that renders one buffer per
/// buffer duration, paced by the wall clock, and discards the output.
///
/// A wake-up later than one whole buffer counts as an xrun; the clock then restarts from
/// now instead of rendering a burst to catch up, as a device would after an underrun.
pub struct DummyDriver {
    config: DriverConfig,
    buffer_size: usize,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Engine>>,
}

impl DummyDriver {
    /// A paced driver at `sample_rate` with `buffer_size` frames per period.
    pub fn new(sample_rate: f64, inputs: usize, outputs: usize, buffer_size: usize) -> Self {
        DummyDriver {
            config: DriverConfig { sample_rate, inputs, outputs, buffer_size: Some(buffer_size) },
            buffer_size: buffer_size.max(1),
            stop: Arc::new(AtomicBool::new(false)),
            thread: None,
        }
    }
}

impl Driver for DummyDriver {
    fn name(&self) -> &'static str {
        "dummy"
    }

    fn config(&self) -> DriverConfig {
        self.config
    }

    fn start(&mut self, mut engine: Engine) -> Result<(), DriverError> {
        if self.thread.is_some() {
            return Err(DriverError::AlreadyRunning);
        }
        check_rate(&engine, &self.config)?;
        let mut adapter = BlockAdapter::new(&mut engine, self.config.inputs, self.config.outputs);
        let frames = self.buffer_size;
        let channels = self.config.outputs.max(1);
        let period = Duration::from_secs_f64(frames as f64 / self.config.sample_rate);
        let stop = Arc::clone(&self.stop);
        stop.store(false, Ordering::Relaxed);
        let thread = std::thread::Builder::new().name("oscine-audio".into()).spawn(move || {
            let input = vec![0.0f32; frames * engine_inputs(&mut engine)];
            let mut output = vec![0.0f32; frames * channels];
            let mut deadline = Instant::now();
            // Context: RT from here until the stop flag is seen.
            while !stop.load(Ordering::Relaxed) {
                adapter.process(&mut engine, &input, &mut output);
                deadline += period;
                let now = Instant::now();
                if now > deadline + period {
                    engine.status().add_xrun();
                    deadline = now;
                } else if deadline > now {
                    std::thread::sleep(deadline - now);
                }
            }
            engine
        })?;
        self.thread = Some(thread);
        Ok(())
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(engine) => drop(engine),
                Err(_) => tracing::error!("the dummy audio thread panicked"),
            }
        }
    }
}

impl Drop for DummyDriver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn engine_inputs(engine: &mut Engine) -> usize {
    engine.external_inputs_mut().len() / engine.world().block_size
}
