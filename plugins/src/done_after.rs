//! `done-after`: says it is done once a given time has passed.

use oscine_plugin_api::{
    ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::frames_for;

/// Does nothing but count frames, and says done (so the engine applies its done flags, for
/// example freeing its group) in the call during which the frames it has processed reach
/// `round(seconds * sample_rate)`, and in every call after that. With `seconds = 0` that is
/// the first call. The duration is read every call, so changing it while running moves the
/// deadline; once done, it stays done.
///
/// Controls: `seconds` (default 1, 0..=1e6). No audio ports.
#[derive(Debug, Clone, Copy, Default)]
pub struct DoneAfter;

const CONTROLS: &[ControlSpec] = &[ControlSpec::new("seconds", 1.0, 0.0, 1.0e6)];

impl SynthDef for DoneAfter {
    type Synth = DoneAfterSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("done-after").controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<DoneAfterSynth, PluginError> {
        Ok(DoneAfterSynth { elapsed: 0, done: false })
    }
}

/// A running [`DoneAfter`].
pub struct DoneAfterSynth {
    /// Frames processed so far, including the current call's once counted.
    elapsed: u64,
    done: bool,
}

impl Synth for DoneAfterSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        self.elapsed += ctx.frames as u64;
        if let &[seconds, ..] = ctx.controls {
            self.done |= self.elapsed >= frames_for(seconds, ctx.sample_rate);
        }
        if self.done {
            ProcessStatus::Done
        } else {
            ProcessStatus::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::harness::{Harness, RAGGED};

    /// Frame index just past the call that first said done.
    fn done_at(seconds: f32, frames: usize, chunks: &[usize]) -> Option<usize> {
        let mut h = Harness::new(DoneAfter, &[("seconds", seconds)]);
        let render = h.generate(frames, chunks);
        let first = render.first_done()?;
        render.assert_done_from(first);
        Some(first.start + first.frames)
    }

    #[test]
    fn done_in_the_call_that_reaches_the_duration() {
        // One second at 48 kHz in 64-frame blocks: the 750th call ends exactly at 48000.
        assert_eq!(done_at(1.0, 60_000, &[64]), Some(48_000));
        // 100 frames: the call covering frames 64..128.
        assert_eq!(done_at(100.0 / 48_000.0, 1000, &[64]), Some(128));
        // 64 frames: the very first block.
        assert_eq!(done_at(64.0 / 48_000.0, 1000, &[64]), Some(64));
        // 65 frames: the second block.
        assert_eq!(done_at(65.0 / 48_000.0, 1000, &[64]), Some(128));
        // Ragged calls end at frames 64, 77, 78, 128, ...
        assert_eq!(done_at(70.0 / 48_000.0, 1000, RAGGED), Some(77));
        assert_eq!(done_at(77.0 / 48_000.0, 1000, RAGGED), Some(77));
        assert_eq!(done_at(78.0 / 48_000.0, 1000, RAGGED), Some(78));
        assert_eq!(done_at(79.0 / 48_000.0, 1000, RAGGED), Some(128));
        // Single frames: done on exactly the 480th.
        assert_eq!(done_at(0.01, 1000, &[1]), Some(480));
    }

    #[test]
    fn zero_seconds_is_done_at_once() {
        assert_eq!(done_at(0.0, 200, RAGGED), Some(64));
        assert_eq!(done_at(0.0, 200, &[0, 5]), Some(0));
    }

    #[test]
    fn not_done_before_the_duration() {
        assert_eq!(done_at(0.5, 23_999, RAGGED), None);
        assert_eq!(done_at(0.5, 24_000, RAGGED).map(|end| end >= 24_000), Some(true));
    }

    #[test]
    fn changing_the_duration_moves_the_deadline() {
        let mut h = Harness::new(DoneAfter, &[("seconds", 1.0)]);
        assert!(h.generate(640, &[64]).first_done().is_none());
        h.set("seconds", 0.02); // 960 frames
        let render = h.generate(640, &[64]);
        assert_eq!(render.first_done().map(|c| c.start), Some(896));
        // Lengthening it afterwards does not undo done.
        h.set("seconds", 100.0);
        assert!(h.generate(128, &[64]).calls.iter().all(|c| c.done()));
    }
}
