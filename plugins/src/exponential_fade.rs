//! `exponential-fade`: an exponential gain ramp applied to its input.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{frames_for, silence, MAX_GAIN, MAX_SEGMENT_SECONDS};

/// `out = in * gain`, where over `D = round(duration * rate)` frames, frame `n` has
/// `gain = start * (end / start)^(n / D)`; from frame `D` on the gain holds `end` and the
/// Synth says done, in the call holding frame `D` and every later one. Exponential steps
/// are equal in dB, which is how a fade should sound. With `duration = 0` the gain is `end`
/// from the first frame.
///
/// Controls are read every call: changing them mid-fade continues from the current frame
/// on the new curve.
///
/// Controls: `duration` (s, default 1, 0..=3600), `start` (level, default 1, 1e-6..=16),
/// `end` (level, default 0.001, 1e-6..=16). The minimum keeps both levels positive, as the
/// curve needs. Input: `in`. Output: `out`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExponentialFade;

const MIN_LEVEL: f32 = 1e-6;
const CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("duration", 1.0, 0.0, MAX_SEGMENT_SECONDS),
    ControlSpec::new("start", 1.0, MIN_LEVEL, MAX_GAIN),
    ControlSpec::new("end", 0.001, MIN_LEVEL, MAX_GAIN),
];
const INPUTS: &[AudioPort] = &[AudioPort::new("in")];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("out")];

impl SynthDef for ExponentialFade {
    type Synth = ExponentialFadeSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("exponential-fade").inputs(INPUTS).outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<ExponentialFadeSynth, PluginError> {
        Ok(ExponentialFadeSynth { position: 0 })
    }
}

/// A running [`ExponentialFade`].
pub struct ExponentialFadeSynth {
    /// Frames since the start, saturating: only whether it passed the duration matters
    /// after that.
    position: u64,
}

impl Synth for ExponentialFadeSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[duration, start, end, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let total = frames_for(duration, ctx.sample_rate);
        let input = ctx.inputs.channel(0);
        let output = ctx.outputs.channel(0);

        let fading = total.saturating_sub(self.position).min(output.len() as u64) as usize;
        if fading > 0 {
            // Two pows per call re-anchor the curve, so the per-sample product never
            // accumulates more than a block's worth of rounding; f64 makes that negligible.
            let (start, end) = (f64::from(start), f64::from(end));
            let ratio = end / start;
            let mut gain = start * ratio.powf(self.position as f64 / total as f64);
            let multiplier = ratio.powf(1.0 / total as f64);
            for (o, &x) in output[..fading].iter_mut().zip(input) {
                *o = x * gain as f32;
                gain *= multiplier;
            }
        }
        for (o, &x) in output[fading..].iter_mut().zip(&input[fading..]) {
            *o = x * end;
        }
        self.position = self.position.saturating_add(output.len() as u64);
        // Some frame of this call was at or past the duration.
        if self.position > total {
            ProcessStatus::Done
        } else {
            ProcessStatus::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::ones;
    use oscine_plugin_api::harness::{Harness, RAGGED};

    fn ideal(start: f64, end: f64, total: f64, n: f64) -> f64 {
        start * (end / start).powf(n / total)
    }

    #[test]
    fn curve_is_exponential_at_exact_frames() {
        let input = ones(60_000);
        let mut h = Harness::new(ExponentialFade, &[("duration", 1.0), ("start", 2.0), ("end", 0.002)]);
        let render = h.run(&[&input], 50_000, RAGGED);
        let out = &render.outputs[0];
        assert_eq!(out[0], 2.0);
        let mut worst: f64 = 0.0;
        for n in (0..48_000).step_by(7).chain([1, 24_000, 47_999]) {
            let expected = ideal(2.0, 0.002, 48_000.0, n as f64);
            let error = (f64::from(out[n]) / expected - 1.0).abs();
            worst = worst.max(error);
        }
        assert!(worst < 1e-6, "relative error {worst:e}");
        // Half-way in time is half-way in dB: sqrt(2 * 0.002).
        assert!((out[24_000] - 0.063_245_55).abs() < 1e-7, "{}", out[24_000]);
        // Then it holds the end level exactly.
        assert!(out[48_000..].iter().all(|&x| x == 0.002));
        // Strictly falling until then.
        assert!(out[..48_001].windows(2).all(|w| w[1] < w[0]));

        // Done from the call holding frame 48000: with ragged calls that is the one
        // covering it, not the one before.
        let first = render.first_done().expect("done");
        assert!(first.start <= 48_000 && 48_000 < first.start + first.frames, "{first:?}");
        render.assert_done_from(first);
    }

    #[test]
    fn done_timing_at_block_boundaries() {
        // 640 frames in 64-frame blocks: the fade fills exactly ten calls, and the
        // eleventh (starting at frame 640, the first at the end level) says done.
        let mut h = Harness::new(ExponentialFade, &[("duration", 640.0 / 48_000.0)]);
        let render = h.run(&[&ones(1000)], 1000, &[64]);
        assert_eq!(render.first_done().map(|c| c.start), Some(640));
        render.assert_done_from(render.first_done().unwrap());
        assert!((render.outputs[0][639] - 0.001_f32.powf(639.0 / 640.0)).abs() < 1e-8);
        assert_eq!(render.outputs[0][640], 0.001);
    }

    #[test]
    fn rising_fade_and_input_multiplication() {
        let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.1).cos()).collect();
        let mut h = Harness::new(ExponentialFade, &[("duration", 0.01), ("start", 0.01), ("end", 1.0)]);
        let out = h.run(&[&input], 1000, RAGGED).outputs.remove(0);
        for (n, (o, x)) in out.iter().zip(&input).enumerate() {
            let gain = if n < 480 { ideal(0.01, 1.0, 480.0, n as f64) } else { 1.0 };
            let expected = f64::from(*x) * gain;
            assert!((f64::from(*o) - expected).abs() < 1e-6, "frame {n}");
        }
    }

    #[test]
    fn zero_duration_is_the_end_level_and_done_at_once() {
        let mut h = Harness::new(ExponentialFade, &[("duration", 0.0), ("end", 0.5)]);
        let render = h.run(&[&ones(100)], 100, RAGGED);
        assert!(render.outputs[0].iter().all(|&x| x == 0.5));
        assert!(render.calls.iter().all(|c| c.done()));
    }

    #[test]
    fn equal_levels_are_a_constant_gain() {
        let mut h = Harness::new(ExponentialFade, &[("duration", 0.001), ("start", 0.7), ("end", 0.7)]);
        let render = h.run(&[&ones(100)], 100, RAGGED);
        assert!(render.outputs[0].iter().all(|&x| (x - 0.7).abs() < 1e-7));
        assert_eq!(render.first_done().map(|c| c.start), Some(0));
    }
}
