//! `pan`: places a mono input in a stereo pair.

use std::f64::consts::FRAC_PI_4;

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
};

use crate::common::{silence, MAX_GAIN};

/// An equal-power panner: `left = in * amp * cos(t)`, `right = in * amp * sin(t)` with
/// `t = (pos + 1) * pi / 4`, so the summed power is the same at every position and the
/// centre is 3 dB down in each channel.
///
/// Controls: `pos` (-1 all left ..= 1 all right, default 0), `amp` (default 1, 0..=16).
/// Input: `in`. Outputs: `left`, `right`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pan;

const CONTROLS: &[ControlSpec] =
    &[ControlSpec::new("pos", 0.0, -1.0, 1.0), ControlSpec::new("amp", 1.0, 0.0, MAX_GAIN)];
const INPUTS: &[AudioPort] = &[AudioPort::new("in")];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("left"), AudioPort::new("right")];

impl SynthDef for Pan {
    type Synth = PanSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("pan").inputs(INPUTS).outputs(OUTPUTS).controls(CONTROLS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<PanSynth, PluginError> {
        Ok(PanSynth)
    }
}

/// A running [`Pan`].
pub struct PanSynth;

impl Synth for PanSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let &[pos, amp, ..] = ctx.controls else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let (left_gain, right_gain) = gains(pos, amp);
        let input = ctx.inputs.channel(0);
        let (left, right) = ctx.outputs.pair(0, 1);
        for ((l, r), &x) in left.iter_mut().zip(right.iter_mut()).zip(input) {
            *l = x * left_gain;
            *r = x * right_gain;
        }
        ProcessStatus::Continue
    }
}

/// The channel gains for a position; trigonometry once per call, not per sample.
///
/// Context: RT.
fn gains(pos: f32, amp: f32) -> (f32, f32) {
    let (sin, cos) = ((f64::from(pos) + 1.0) * FRAC_PI_4).sin_cos();
    let amp = f64::from(amp);
    // cos(pi/2) is 6e-17, not 0: a hard-panned signal should leave nothing behind.
    let clean = |g: f64| if g < 1e-9 { 0.0 } else { (g * amp) as f32 };
    (clean(cos), clean(sin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::ones;
    use oscine_plugin_api::harness::{Harness, RAGGED};
    use std::f32::consts::FRAC_1_SQRT_2;

    fn pan(pos: f32, amp: f32, input: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut h = Harness::new(Pan, &[("pos", pos), ("amp", amp)]);
        let mut outputs = h.run(&[input], input.len(), RAGGED).outputs;
        let right = outputs.pop().unwrap();
        let left = outputs.pop().unwrap();
        (left, right)
    }

    #[test]
    fn centre_is_cos_quarter_pi_in_both() {
        let (left, right) = pan(0.0, 1.0, &ones(300));
        for (l, r) in left.iter().zip(&right) {
            assert!((l - FRAC_1_SQRT_2).abs() < 1e-7, "{l}");
            assert!((r - FRAC_1_SQRT_2).abs() < 1e-7, "{r}");
        }
    }

    #[test]
    fn extremes_are_hard_left_and_right() {
        let input: Vec<f32> = (0..300).map(|i| (i as f32 * 0.1).sin()).collect();
        let (left, right) = pan(-1.0, 0.5, &input);
        for ((l, r), x) in left.iter().zip(&right).zip(&input) {
            assert_eq!(*l, x * 0.5);
            assert_eq!(*r, 0.0);
        }
        let (left, right) = pan(1.0, 0.5, &input);
        for ((l, r), x) in left.iter().zip(&right).zip(&input) {
            assert_eq!(*l, 0.0);
            assert_eq!(*r, x * 0.5);
        }
    }

    #[test]
    fn power_is_constant_across_positions() {
        for pos in [-0.9, -0.5, -0.1, 0.3, 0.77] {
            let (left, right) = pan(pos, 2.0, &ones(70));
            let power = left[0] * left[0] + right[0] * right[0];
            assert!((power - 4.0).abs() < 1e-5, "pos {pos}: power {power}");
            // Further right means louder right.
            assert_eq!(right[0] > left[0], pos > 0.0);
        }
        // Half-way left: t = pi/8.
        let (left, right) = pan(-0.5, 1.0, &ones(10));
        assert!((left[9] - 0.923_879_5).abs() < 1e-6);
        assert!((right[9] - 0.382_683_43).abs() < 1e-6);
    }
}
