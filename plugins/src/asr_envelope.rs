//! `asr-envelope`: a gated attack-sustain-release envelope applied to its input.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{frames_for, silence, MAX_GAIN, MAX_SEGMENT_SECONDS};

/// `out = in * level`, where `level` rises linearly from 0 to `sustain` over `attack`
/// seconds, holds `sustain` while `gate > 0`, and once `gate <= 0` falls linearly from
/// wherever it is to 0 over `release` seconds. Then it outputs zeros and says done in that
/// call and every later one.
///
/// Sample positions: with `A = round(attack * rate)`, frame `n < A` has level
/// `sustain * n / A`, frames from `A` on have `sustain`. When the gate closes at frame `g`
/// with level `l` and `R = round(release * rate)`, frame `g + k` has `l * (1 - k / R)` for
/// `k < R`, and frame `g + R` is the first zero (the call holding it is the first to say
/// done). Release is final: reopening the gate does not restart the envelope. A gate that
/// is closed from the start (or closes at level 0) ends the envelope at once.
///
/// The gate takes effect at the start of a call; the SynthDef asks for sample-accurate
/// controls so the engine starts a call exactly where a gate change is scheduled.
///
/// Controls: `attack` (s, default 0.01, 0..=3600), `sustain` (level, default 1, 0..=16),
/// `release` (s, default 0.1, 0..=3600), `gate` (default 1, 0..=1).
/// Input: `in`. Output: `out`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsrEnvelope;

const CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("attack", 0.01, 0.0, MAX_SEGMENT_SECONDS),
    ControlSpec::new("sustain", 1.0, 0.0, MAX_GAIN),
    ControlSpec::new("release", 0.1, 0.0, MAX_SEGMENT_SECONDS),
    ControlSpec::new("gate", 1.0, 0.0, 1.0),
];
const INPUTS: &[AudioPort] = &[AudioPort::new("in")];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for AsrEnvelope {
    type Synth = AsrEnvelopeSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("asr-envelope")
            .inputs(INPUTS)
            .outputs(OUTPUTS)
            .controls(CONTROLS)
            .with_sample_accurate_controls()
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<AsrEnvelopeSynth, PluginError> {
        Ok(AsrEnvelopeSynth { stage: Stage::Attack, position: 0 })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Attack,
    Sustain,
    /// Falling to 0 from `from` over `frames` frames.
    Release {
        from: f32,
        frames: u64,
    },
    Finished,
}

/// A running [`AsrEnvelope`].
pub struct AsrEnvelopeSynth {
    stage: Stage,
    /// Frames into the current stage.
    position: u64,
}

impl AsrEnvelopeSynth {
    /// The level the envelope has reached at the current position.
    ///
    /// Context: RT.
    fn level(&self, attack_frames: u64, sustain: f32) -> f32 {
        match self.stage {
            Stage::Attack if self.position < attack_frames => self.position as f32 * (sustain / attack_frames as f32),
            Stage::Attack | Stage::Sustain => sustain,
            Stage::Release { from, frames } => from * (frames.saturating_sub(self.position) as f32 / frames as f32),
            Stage::Finished => 0.0,
        }
    }

    /// Context: RT.
    fn enter(&mut self, stage: Stage) {
        self.stage = match stage {
            Stage::Release { from, frames } if from <= 0.0 || frames == 0 => Stage::Finished,
            other => other,
        };
        self.position = 0;
    }
}

impl Synth for AsrEnvelopeSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[attack, sustain, release, gate, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let attack_frames = frames_for(attack, ctx.sample_rate);
        if gate <= 0.0 && matches!(self.stage, Stage::Attack | Stage::Sustain) {
            let from = self.level(attack_frames, sustain);
            let frames = frames_for(release, ctx.sample_rate);
            self.enter(Stage::Release { from, frames });
        }

        let input = ctx.inputs.channel(0);
        let output = ctx.outputs.channel(0);
        let mut finished = false;
        let mut start = 0;
        // Each pass renders as much of the current stage as fits, so the per-sample loops
        // have no stage test in them; a stage that has run out just moves on (0 frames).
        while start < output.len() {
            let input = &input[start..];
            let output = &mut output[start..];
            let remaining = output.len() as u64;
            let position = self.position;
            start += match self.stage {
                Stage::Attack if position >= attack_frames => {
                    self.enter(Stage::Sustain);
                    0
                }
                Stage::Attack => {
                    let n = (attack_frames - position).min(remaining) as usize;
                    let step = sustain / attack_frames as f32;
                    for (i, (o, &x)) in output[..n].iter_mut().zip(input).enumerate() {
                        *o = x * ((position + i as u64) as f32 * step);
                    }
                    self.position += n as u64;
                    n
                }
                Stage::Sustain => {
                    for (o, &x) in output.iter_mut().zip(input) {
                        *o = x * sustain;
                    }
                    output.len()
                }
                Stage::Release { frames, .. } if position >= frames => {
                    self.enter(Stage::Finished);
                    0
                }
                Stage::Release { from, frames } => {
                    let n = (frames - position).min(remaining) as usize;
                    // Counting frames left (never 0 here) keeps the level at or above 0
                    // whatever the rounding.
                    let step = from / frames as f32;
                    for (i, (o, &x)) in output[..n].iter_mut().zip(input).enumerate() {
                        *o = x * ((frames - position - i as u64) as f32 * step);
                    }
                    self.position += n as u64;
                    n
                }
                Stage::Finished => {
                    output.fill(0.0);
                    finished = true;
                    output.len()
                }
            };
        }
        if finished || self.stage == Stage::Finished {
            ProcessStatus::Done
        } else {
            ProcessStatus::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{frames, ones};
    use oscine_plugin_api::harness::{Harness, RAGGED};

    fn assert_close(actual: f32, expected: f32, what: &str) {
        assert!((actual - expected).abs() <= 1e-6 * expected.abs().max(1.0), "{what}: {actual} vs {expected}");
    }

    fn envelope(settings: &[(&str, f32)]) -> Harness {
        Harness::new(AsrEnvelope, settings)
    }

    #[test]
    fn attack_sustain_release_at_exact_frames() {
        let input = ones(10_000);
        let mut h = envelope(&[("attack", 0.01), ("sustain", 0.5), ("release", 0.1)]);
        let on = h.run(&[&input], 1000, RAGGED);
        let out = &on.outputs[0];
        assert_eq!(frames(0.01), 480);
        assert_eq!(out[0], 0.0);
        assert_close(out[1], 0.5 / 480.0, "frame 1");
        assert_close(out[240], 0.25, "frame 240");
        assert_close(out[479], 0.5 * 479.0 / 480.0, "frame 479");
        assert!(out[480..].iter().all(|&x| x == 0.5), "sustain");
        // Strictly rising through the attack.
        assert!(out[..481].windows(2).all(|w| w[1] > w[0]));
        assert!(on.first_done().is_none());

        h.set("gate", 0.0);
        let off = h.run(&[&input], 6000, RAGGED);
        let out = &off.outputs[0];
        assert_close(out[0], 0.5, "release start");
        assert_close(out[1], 0.5 * 4799.0 / 4800.0, "release frame 1");
        assert_close(out[2400], 0.25, "release middle");
        assert_close(out[4799], 0.5 / 4800.0, "last release frame");
        assert!(out[..4800].iter().all(|&x| x > 0.0));
        assert!(out[4800..].iter().all(|&x| x == 0.0), "silent after release");
        // Done from the call that holds the first silent frame (release frame 4800, which
        // is frame 5800 of the Synth).
        let first = off.first_done().expect("done after release");
        assert!(first.start <= 5800 && 5800 < first.start + first.frames, "{first:?}");
        off.assert_done_from(first);
    }

    #[test]
    fn release_during_attack_starts_from_the_level_reached() {
        let input = ones(3000);
        let mut h = envelope(&[("attack", 0.1), ("sustain", 1.0), ("release", 0.01)]);
        let on = h.run(&[&input], 1200, &[64, 16]);
        assert_close(on.outputs[0][1199], 1199.0 / 4800.0, "attack");
        h.set("gate", 0.0);
        let off = h.run(&[&input], 1000, &[64, 16]);
        let out = &off.outputs[0];
        // The level at frame 1200 is 1200 / 4800 = 0.25, so no jump.
        assert_close(out[0], 0.25, "release start");
        assert_close(out[240], 0.125, "release middle");
        assert!(out[480..].iter().all(|&x| x == 0.0));
        let first = off.first_done().unwrap();
        assert!(first.start <= 1680 && 1680 < first.start + first.frames);
    }

    #[test]
    fn envelope_multiplies_the_input() {
        let input: Vec<f32> = (0..2000).map(|i| (i as f32 * 0.05).sin()).collect();
        let mut h = envelope(&[("attack", 0.0), ("sustain", 0.8), ("release", 0.01)]);
        let out = h.run(&[&input], 1000, RAGGED).outputs.remove(0);
        // No attack: full level from frame 0.
        for (o, x) in out.iter().zip(&input) {
            assert_eq!(*o, x * 0.8);
        }
        h.set("gate", 0.0);
        let out = h.run(&[&input[1000..]], 1000, RAGGED).outputs.remove(0);
        for (k, (o, x)) in out.iter().zip(&input[1000..]).enumerate().take(480) {
            let level = 0.8 * (480 - k) as f32 / 480.0;
            assert!((o - x * level).abs() < 1e-6, "release frame {k}");
        }
    }

    #[test]
    fn sustain_follows_its_control() {
        let input = ones(2000);
        let mut h = envelope(&[("attack", 0.0), ("sustain", 0.3)]);
        assert!(h.run(&[&input], 100, RAGGED).outputs[0].iter().all(|&x| x == 0.3));
        h.set("sustain", 0.9);
        assert!(h.run(&[&input], 100, RAGGED).outputs[0].iter().all(|&x| x == 0.9));
    }

    #[test]
    fn closed_gate_from_the_start_is_done_at_once() {
        let mut h = envelope(&[("gate", 0.0)]);
        let render = h.run(&[&ones(200)], 200, RAGGED);
        assert!(render.outputs[0].iter().all(|&x| x == 0.0));
        assert!(render.calls.iter().all(|c| c.done()));
    }

    #[test]
    fn zero_release_cuts_at_once_and_reopening_does_not_restart() {
        let input = ones(1000);
        let mut h = envelope(&[("attack", 0.0), ("release", 0.0)]);
        assert!(h.run(&[&input], 100, RAGGED).outputs[0].iter().all(|&x| x == 1.0));
        h.set("gate", 0.0);
        let off = h.run(&[&input], 100, RAGGED);
        assert!(off.outputs[0].iter().all(|&x| x == 0.0));
        assert!(off.calls.iter().all(|c| c.done()));
        h.set("gate", 1.0);
        let again = h.run(&[&input], 100, RAGGED);
        assert!(again.outputs[0].iter().all(|&x| x == 0.0));
        assert!(again.calls.iter().all(|c| c.done()));
    }

    #[test]
    fn asks_for_sample_accurate_gates() {
        assert!(AsrEnvelope.info().sample_accurate_controls);
    }
}
