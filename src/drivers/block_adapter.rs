//! Device buffers of any size to the engine's fixed blocks.
//!
//! Context: RT: every function here runs on the audio thread, except `BlockAdapter::new`
//! (NRT, when the driver starts). `failed` is a plain read, on either.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::engine::Engine;

/// Turns device buffers of any size into the engine's fixed-size blocks.
///
/// The engine renders a block whenever the device needs frames past the last rendered
/// one; device input collected meanwhile feeds the next block, so input reaches the engine
/// one block late and output has no added latency beyond that block.
///
/// Context: allocated NRT; [`process`](Self::process) runs on the audio thread and never
/// allocates. A panic escaping the engine is caught here: the engine is marked failed in
/// its status and the adapter outputs silence from then on.
pub struct BlockAdapter {
    block_size: usize,
    device_inputs: usize,
    device_outputs: usize,
    position: usize,
    pending_inputs: Box<[f32]>,
    engine_inputs: usize,
    engine_outputs: usize,
    failed: bool,
    /// Whether the thread it runs on is still to ask for realtime scheduling.
    ask_realtime: bool,
}

impl BlockAdapter {
    /// An adapter between `engine` and a device with the given channel counts. Context: NRT.
    pub fn new(engine: &mut Engine, device_inputs: usize, device_outputs: usize) -> Self {
        let block_size = engine.world().block_size;
        let engine_inputs = engine.external_inputs_mut().len() / block_size;
        let engine_outputs = engine.external_outputs().len() / block_size;
        BlockAdapter {
            block_size,
            device_inputs,
            device_outputs,
            position: block_size,
            pending_inputs: vec![0.0; engine_inputs * block_size].into_boxed_slice(),
            engine_inputs,
            engine_outputs,
            failed: false,
            ask_realtime: engine.asks_realtime(),
        }
    }

    /// Whether a panic stopped the engine.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Fills `output` (interleaved, `device_outputs` channels) and consumes `input`
    /// (interleaved, `device_inputs` channels, or empty for none). Context: RT.
    pub fn process(&mut self, engine: &mut Engine, input: &[f32], output: &mut [f32]) {
        if self.ask_realtime {
            // Once, on the thread the driver runs blocks on, before its first block.
            self.ask_realtime = false;
            engine.status().set_realtime(super::request_realtime().is_ok());
        }
        let out_channels = self.device_outputs.max(1);
        let frames = output.len() / out_channels;
        let b = self.block_size;
        let mut done = 0;
        while done < frames {
            if self.position == b {
                self.render(engine);
            }
            let n = (b - self.position).min(frames - done);
            let rendered = engine.external_outputs();
            for f in 0..n {
                let frame = &mut output[(done + f) * out_channels..(done + f + 1) * out_channels];
                for (ch, sample) in frame.iter_mut().enumerate() {
                    *sample = if ch < self.engine_outputs && !self.failed {
                        rendered[ch * b + self.position + f]
                    } else {
                        0.0
                    };
                }
            }
            let in_channels = self.device_inputs;
            for ch in 0..self.engine_inputs {
                let dst = &mut self.pending_inputs[ch * b + self.position..ch * b + self.position + n];
                for (f, d) in dst.iter_mut().enumerate() {
                    *d = if ch < in_channels {
                        input.get((done + f) * in_channels + ch).copied().unwrap_or(0.0)
                    } else {
                        0.0
                    };
                }
            }
            self.position += n;
            done += n;
        }
    }

    fn render(&mut self, engine: &mut Engine) {
        self.position = 0;
        if self.failed {
            return;
        }
        engine.external_inputs_mut().copy_from_slice(&self.pending_inputs);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| engine.process_block())) {
            // Freeing the payload here would free on the audio thread; this path runs at
            // most once per engine.
            std::mem::forget(payload);
            engine.status().set_failed();
            self.failed = true;
        }
    }
}
