//! `sampler`: plays an `audio-buffer`.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, PortDirection, ProcessContext, ProcessStatus, ResourcePort, Synth, SynthDef,
    SynthDefInfo, World,
};

use crate::audio_buffer::{bound_buffer, AudioBuffer, AudioBufferDef, BindingKey};
use crate::common::{is_on, silence, MAX_BUFFER_SECONDS, MAX_GAIN, MAX_RATE};

/// Plays the buffer bound to its `buffer` port, with linear interpolation, at `rate` times
/// the buffer's own speed: the position moves `rate * buffer_rate / engine_rate` frames per
/// output frame, so a 44.1 kHz file at rate 1 plays at its true pitch in a 48 kHz engine.
/// A mono buffer plays on both outputs; otherwise channel 0 plays on `left` and channel 1
/// on `right` (further channels are not played).
///
/// Playback starts at `start` seconds into the buffer, rounded to the nearest frame and
/// clamped to the last frame (so a large `start` with a negative rate plays the whole buffer
/// backwards). `start` is read when playback starts: at the first call with a buffer bound,
/// and again whenever the port is bound to another buffer (or unbound and bound again);
/// changing it meanwhile does not jump. At position `p`, output is
/// `amp * (x[i] + f * (x[i + 1] - x[i]))` with `i = floor(p)` and `f = p - i`; where `f` is 0
/// it is `amp * x[i]` exactly, so at rate 1 with equal sample rates output frame `n` is
/// buffer frame `start + n` times `amp`, bit for bit.
///
/// Without `loop`, frames past the ends read as silence (the last frame interpolates towards
/// 0), and once the position leaves `[0, frames)` (past the end, or before the start with a
/// negative rate) it outputs zeros and says done, in that call and every later one, until
/// another buffer is bound. The done call is the one whose output holds the last frame
/// played. With `loop`, the position wraps around the buffer (the last frame interpolates
/// towards the first) and it never ends; turning `loop` off lets it run to the end. A rate
/// of 0 holds the position.
///
/// With no buffer bound, or a Resource that is not an audio buffer, it outputs silence and
/// is not done.
///
/// Controls: `rate` (default 1, -16..=16), `loop` (on when positive; default 0, 0..=1),
/// `start` (seconds, default 0, 0..=2^32), `amp` (default 1, 0..=16).
/// Outputs: `left`, `right`. Resource port: `buffer` (an `audio-buffer`, read).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sampler;

const CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("rate", 1.0, -MAX_RATE, MAX_RATE),
    ControlSpec::new("loop", 0.0, 0.0, 1.0),
    ControlSpec::new("start", 0.0, 0.0, MAX_BUFFER_SECONDS),
    ControlSpec::new("amp", 1.0, 0.0, MAX_GAIN),
];
const OUTPUTS: &[AudioPort] = &[AudioPort::new("left"), AudioPort::new("right")];
const RESOURCE_PORTS: &[ResourcePort] = &[ResourcePort::new("buffer", AudioBufferDef::NAME, PortDirection::Input)];

/// The largest step, in frames per output frame, the position takes: far beyond any real
/// buffer, it only keeps the integer arithmetic from overflowing if the engine ever passed
/// an absurd sample rate.
const MAX_STEP: f64 = 1.0e15;

impl SynthDef for Sampler {
    type Synth = SamplerSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("sampler").outputs(OUTPUTS).controls(CONTROLS).resource_ports(RESOURCE_PORTS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<SamplerSynth, PluginError> {
        Ok(SamplerSynth { binding: None, index: 0, fraction: 0.0, done: false })
    }
}

/// A running [`Sampler`].
pub struct SamplerSynth {
    /// The binding playback started from; a different one restarts it.
    binding: Option<BindingKey>,
    /// The position's whole frames, in `0..frames` while playing. Whole frames and a
    /// fraction rather than one f64, so the position never loses precision far into a long
    /// buffer and integer positions stay exact.
    index: i64,
    /// The position's fraction of a frame, in `[0, 1)`.
    fraction: f64,
    /// Ran off an end without looping.
    done: bool,
}

impl Synth for SamplerSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        // Too few controls or outputs is an engine bug; play silence rather than panic.
        let (&[rate, looping, start, amp, ..], 2..) = (ctx.controls, ctx.outputs.len()) else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        let bound = bound_buffer(&ctx.resources, 0);
        let key = bound.map(|(_, key)| key);
        if key != self.binding {
            self.binding = key;
            self.done = false;
            if let Some((buffer, _)) = bound {
                self.index = buffer.frame_at_seconds(f64::from(start)) as i64;
                self.fraction = 0.0;
            }
        }
        let Some((buffer, _)) = bound else {
            silence(&mut ctx.outputs);
            return ProcessStatus::Continue;
        };
        if self.done {
            silence(&mut ctx.outputs);
            return ProcessStatus::Done;
        }

        let looping = is_on(looping);
        let step = f64::from(rate) * (buffer.sample_rate() / ctx.sample_rate);
        // NaN (only from a broken engine sample rate) holds the position.
        let step = if step.is_nan() { 0.0 } else { step.clamp(-MAX_STEP, MAX_STEP) };
        // The step split like the position: floor, so the fraction part is in [0, 1) for
        // either direction (-0.5 is -1 + 0.5). Once per call, so libm's floor is fine.
        let step_whole = step.floor();
        let (step_index, step_fraction) = (step_whole as i64, step - step_whole);
        let len = buffer.frames() as i64;
        // Channel 0 for a mono buffer's right output too.
        let right_channel = usize::from(buffer.channels() > 1);

        let (left, right) = ctx.outputs.pair(0, 1);
        let (mut index, mut fraction) = (self.index, self.fraction);
        let mut played = 0;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            // In 0..len here: checked after every step below and at (re)start.
            let (a_left, a_right) = frame(buffer, index as usize, right_channel);
            let (x_left, x_right) = if fraction == 0.0 {
                // Exact, even where the neighbour would make the difference overflow.
                (a_left, a_right)
            } else {
                // Without looping, frame `len` is past the end and reads as silence.
                let next = if index + 1 < len || !looping { index + 1 } else { 0 };
                let (b_left, b_right) = frame(buffer, next as usize, right_channel);
                let f = fraction as f32;
                (a_left + f * (b_left - a_left), a_right + f * (b_right - a_right))
            };
            *l = x_left * amp;
            *r = x_right * amp;
            played += 1;

            // The sum of two fractions is below 2, and subtracting 1 from it is exact.
            fraction += step_fraction;
            if fraction >= 1.0 {
                fraction -= 1.0;
                index += 1;
            }
            index += step_index;
            if !(0..len).contains(&index) {
                if looping {
                    // A division, but only when wrapping, not per frame.
                    index = index.rem_euclid(len);
                } else {
                    self.done = true;
                    break;
                }
            }
        }
        left[played..].fill(0.0);
        right[played..].fill(0.0);
        (self.index, self.fraction) = (index, fraction);
        if self.done {
            ProcessStatus::Done
        } else {
            ProcessStatus::Continue
        }
    }
}

/// Frame `index` of `buffer` as a (left, right) pair: channel 0 and `right_channel` (0 for
/// a mono buffer). Silence outside the buffer.
///
/// Context: RT.
#[inline]
fn frame(buffer: &AudioBuffer, index: usize, right_channel: usize) -> (f32, f32) {
    let mut samples = [0.0; 2];
    buffer.read_frame_into(index, &mut samples);
    (samples[0], samples[right_channel])
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::harness::{Call, Harness, RAGGED, WORLD};
    use oscine_plugin_api::Resource;
    use std::sync::Arc;

    /// A buffer whose samples are all distinct and not on any coarse grid: channel `c` of
    /// frame `f` is `(c + 1) * sin(f * 0.37 + c) + f * 1e-4`.
    fn buffer(channels: usize, frames: usize, sample_rate: f64) -> Arc<AudioBuffer> {
        let buffer = AudioBuffer::new(channels, frames, sample_rate).unwrap();
        for f in 0..frames {
            for c in 0..channels {
                buffer.set(c, f, (c as f32 + 1.0) * (f as f32 * 0.37 + c as f32).sin() + f as f32 * 1e-4);
            }
        }
        Arc::new(buffer)
    }

    fn sampler(settings: &[(&str, f32)], id: i32, buffer: &Arc<AudioBuffer>) -> Harness {
        let mut h = Harness::new(Sampler, settings);
        h.bind(0, Some((id, Arc::clone(buffer) as Arc<dyn Resource>)));
        h
    }

    /// Buffer channel `c` at a fractional frame, the way the sampler interpolates, in f64.
    fn interpolated(buffer: &AudioBuffer, c: usize, position: f64) -> f64 {
        let i = position.floor() as usize;
        let f = position - i as f64;
        let a = f64::from(buffer.get(c, i));
        let b = f64::from(buffer.get(c, i + 1));
        a + f * (b - a)
    }

    #[test]
    fn rate_one_plays_every_frame_exactly() {
        let b = buffer(2, 1000, WORLD.sample_rate);
        // Start 100 frames in.
        let mut h = sampler(&[("start", 100.0 / 48_000.0), ("amp", 0.75)], 1, &b);
        let render = h.generate(1000, RAGGED);
        for n in 0..900 {
            assert_eq!(render.outputs[0][n], b.get(0, 100 + n) * 0.75, "left {n}");
            assert_eq!(render.outputs[1][n], b.get(1, 100 + n) * 0.75, "right {n}");
        }
        assert!(render.outputs.iter().all(|o| o[900..].iter().all(|&x| x == 0.0)));
        // The call holding output 899 (buffer frame 999) is the done call: frames 895..928.
        let first = render.first_done().expect("done at the end");
        assert_eq!((first.start, first.frames), (895, 33));
        render.assert_done_from(first);
    }

    #[test]
    fn integer_positions_are_exact_even_beside_extreme_neighbours() {
        // Interpolating with a zero fraction would give 0 * (MAX - -MAX) = 0 * inf = NaN.
        let b = AudioBuffer::new(1, 200, WORLD.sample_rate).unwrap();
        for f in 0..200 {
            b.set(0, f, if f % 2 == 0 { f32::MAX } else { -f32::MAX });
        }
        let b = Arc::new(b);
        // The harness fails on any NaN output.
        let render = sampler(&[], 1, &b).generate(200, RAGGED);
        assert!((0..200).all(|n| render.outputs[0][n] == b.get(0, n)));
        let render = sampler(&[("rate", 2.0)], 1, &b).generate(100, RAGGED);
        assert!(render.outputs[0].iter().all(|&x| x == f32::MAX));
    }

    #[test]
    fn mono_plays_on_both_and_extra_channels_are_ignored() {
        let mono = buffer(1, 300, WORLD.sample_rate);
        let render = sampler(&[], 1, &mono).generate(300, RAGGED);
        for n in 0..300 {
            assert_eq!(render.outputs[0][n], mono.get(0, n));
            assert_eq!(render.outputs[1][n], mono.get(0, n));
        }
        let quad = buffer(4, 300, WORLD.sample_rate);
        let render = sampler(&[], 1, &quad).generate(300, RAGGED);
        for n in 0..300 {
            assert_eq!(render.outputs[0][n], quad.get(0, n));
            assert_eq!(render.outputs[1][n], quad.get(1, n));
        }
    }

    #[test]
    fn rate_two_skips_every_other_frame_exactly() {
        let b = buffer(2, 1000, WORLD.sample_rate);
        let render = sampler(&[("rate", 2.0)], 1, &b).generate(600, RAGGED);
        for n in 0..500 {
            assert_eq!(render.outputs[0][n], b.get(0, 2 * n), "{n}");
            assert_eq!(render.outputs[1][n], b.get(1, 2 * n), "{n}");
        }
        assert!(render.outputs[0][500..].iter().all(|&x| x == 0.0));
        // Frame 998 is output 499; the step then leaves the buffer.
        let first = render.first_done().unwrap();
        assert!(first.start <= 499 && 499 < first.start + first.frames, "{first:?}");
        render.assert_done_from(first);
    }

    #[test]
    fn rate_half_interpolates_between_frames() {
        let b = buffer(2, 100, WORLD.sample_rate);
        let render = sampler(&[("rate", 0.5), ("amp", 2.0)], 1, &b).generate(250, RAGGED);
        for n in 0..200 {
            let position = n as f64 * 0.5;
            for c in 0..2 {
                let got = f64::from(render.outputs[c][n]);
                let want = 2.0 * interpolated(&b, c, position);
                assert!((got - want).abs() < 2e-6, "channel {c} output {n}: {got} vs {want}");
            }
            if n % 2 == 0 {
                assert_eq!(render.outputs[0][n], 2.0 * b.get(0, n / 2));
            }
        }
        // The midpoint after the last frame falls halfway to silence.
        assert_eq!(render.outputs[0][199], b.get(0, 99) * 0.5 * 2.0);
        assert!(render.outputs[0][200..].iter().all(|&x| x == 0.0));
        let first = render.first_done().unwrap();
        assert!(first.start <= 199 && 199 < first.start + first.frames);
    }

    #[test]
    fn buffer_sample_rate_sets_the_speed() {
        // A 24 kHz buffer in a 48 kHz engine moves half a frame per output frame at rate 1.
        let b = buffer(1, 100, 24_000.0);
        let render = sampler(&[], 1, &b).generate(100, RAGGED);
        for n in 0..100 {
            let want = interpolated(&b, 0, n as f64 * 0.5);
            assert!((f64::from(render.outputs[0][n]) - want).abs() < 1e-6, "{n}");
        }
        // And the start is in the buffer's seconds: 0.001 s is frame 24.
        let render = sampler(&[("start", 0.001), ("rate", 2.0)], 1, &b).generate(4, &[4]);
        assert_eq!(render.outputs[0], [b.get(0, 24), b.get(0, 25), b.get(0, 26), b.get(0, 27)]);
    }

    #[test]
    fn inexact_rates_track_the_ideal_position() {
        let b = buffer(1, 48_000, WORLD.sample_rate);
        let rate = 1.37_f32;
        let render = sampler(&[("rate", rate)], 1, &b).generate(30_000, RAGGED);
        for n in (0..30_000).step_by(7) {
            let position = f64::from(rate) * n as f64;
            if position >= 47_999.0 {
                break;
            }
            let want = interpolated(&b, 0, position);
            assert!((f64::from(render.outputs[0][n]) - want).abs() < 1e-5, "{n}");
        }
    }

    #[test]
    fn looping_wraps_around() {
        let b = buffer(2, 100, WORLD.sample_rate);
        let render = sampler(&[("loop", 1.0), ("start", 90.0 / 48_000.0)], 1, &b).generate(500, RAGGED);
        for n in 0..500 {
            assert_eq!(render.outputs[0][n], b.get(0, (90 + n) % 100), "{n}");
            assert_eq!(render.outputs[1][n], b.get(1, (90 + n) % 100), "{n}");
        }
        assert!(render.first_done().is_none());

        // Between the last frame and the first, a looping half-rate interpolates to the first.
        let render = sampler(&[("loop", 1.0), ("rate", 0.5)], 1, &b).generate(400, RAGGED);
        for c in 0..2 {
            let want = (f64::from(b.get(c, 99)) + f64::from(b.get(c, 0))) / 2.0;
            assert!((f64::from(render.outputs[c][199]) - want).abs() < 1e-6, "{c}");
            assert_eq!(render.outputs[c][200], b.get(c, 0));
            assert_eq!(render.outputs[c][399], render.outputs[c][199]);
        }
        // (Channel 1's first frame is not 0, so the wrap really reads it.)
        assert_ne!(b.get(1, 0), 0.0);
    }

    #[test]
    fn turning_loop_off_runs_to_the_end() {
        let b = buffer(1, 100, WORLD.sample_rate);
        let mut h = sampler(&[("loop", 1.0)], 1, &b);
        h.generate(150, &[50]);
        h.set("loop", 0.0);
        let render = h.generate(100, &[25]);
        for n in 0..50 {
            assert_eq!(render.outputs[0][n], b.get(0, 50 + n));
        }
        assert!(render.outputs[0][50..].iter().all(|&x| x == 0.0));
        // Frames 50..100 fill the first two calls; the second is done.
        assert_eq!(render.first_done(), Some(Call { start: 175, frames: 25, status: ProcessStatus::Done }));
        render.assert_done_from(render.first_done().unwrap());
    }

    #[test]
    fn negative_rate_plays_backwards_and_ends_at_the_start() {
        let b = buffer(2, 100, WORLD.sample_rate);
        // A start past the end is the last frame.
        let render = sampler(&[("rate", -1.0), ("start", 10.0)], 1, &b).generate(200, RAGGED);
        for n in 0..100 {
            assert_eq!(render.outputs[0][n], b.get(0, 99 - n), "{n}");
            assert_eq!(render.outputs[1][n], b.get(1, 99 - n), "{n}");
        }
        assert!(render.outputs[0][100..].iter().all(|&x| x == 0.0));
        // Frame 0 is output 99, in the call covering frames 78..128.
        let first = render.first_done().unwrap();
        assert_eq!((first.start, first.frames), (78, 50));
        render.assert_done_from(first);

        // Backwards and looping wraps from the start to the end.
        let render = sampler(&[("rate", -1.0), ("loop", 1.0)], 1, &b).generate(250, RAGGED);
        for n in 0..250 {
            assert_eq!(render.outputs[0][n], b.get(0, (1000 - n) % 100), "{n}");
        }
        assert!(render.first_done().is_none());

        // Half speed backwards interpolates too.
        let render = sampler(&[("rate", -0.5), ("start", 10.0 / 48_000.0)], 1, &b).generate(30, RAGGED);
        for n in 0..21 {
            let want = interpolated(&b, 0, 10.0 - 0.5 * n as f64);
            assert!((f64::from(render.outputs[0][n]) - want).abs() < 1e-6, "{n}");
        }
        assert!(render.outputs[0][21..].iter().all(|&x| x == 0.0));
        assert!(render.first_done().is_some());
    }

    #[test]
    fn done_comes_in_the_call_holding_the_last_frame() {
        let b = buffer(1, 128, WORLD.sample_rate);
        // Exactly two blocks: the second block holds frame 127 and is the done call.
        let render = sampler(&[], 1, &b).generate(256, &[64]);
        assert_eq!(render.first_done(), Some(Call { start: 64, frames: 64, status: ProcessStatus::Done }));
        render.assert_done_from(render.first_done().unwrap());
        // One frame per call: the call for frame 127 itself.
        let render = sampler(&[], 1, &b).generate(200, &[1]);
        assert_eq!(render.first_done(), Some(Call { start: 127, frames: 1, status: ProcessStatus::Done }));
        render.assert_done_from(render.first_done().unwrap());
        // 129 frames in blocks of 64: the third call (frames 128..192).
        let b = buffer(1, 129, WORLD.sample_rate);
        let render = sampler(&[], 1, &b).generate(256, &[64]);
        assert_eq!(render.first_done().map(|c| c.start), Some(128));
        assert_eq!(render.outputs[0][128], b.get(0, 128));
        assert!(render.outputs[0][129..].iter().all(|&x| x == 0.0));
        // A single-frame buffer is done in the first call.
        let b = buffer(1, 1, WORLD.sample_rate);
        let render = sampler(&[], 1, &b).generate(10, &[5]);
        assert_eq!(render.outputs[0][0], b.get(0, 0));
        assert_eq!(render.first_done().map(|c| c.start), Some(0));
    }

    #[test]
    fn rate_zero_holds_the_start_frame() {
        let b = buffer(1, 100, WORLD.sample_rate);
        let render = sampler(&[("rate", 0.0), ("start", 3.0 / 48_000.0)], 1, &b).generate(200, RAGGED);
        assert!(render.outputs[0].iter().all(|&x| x == b.get(0, 3)));
        assert!(render.first_done().is_none());
    }

    #[test]
    fn without_a_buffer_it_is_silent_and_not_done() {
        let mut h = Harness::new(Sampler, &[]);
        let render = h.generate(300, RAGGED);
        assert!(render.outputs.iter().flatten().all(|&x| x == 0.0));
        assert!(render.first_done().is_none());

        // A Resource of another type counts as none.
        struct NotABuffer;
        impl Resource for NotABuffer {}
        h.bind(0, Some((3, Arc::new(NotABuffer))));
        let render = h.generate(300, RAGGED);
        assert!(render.outputs.iter().flatten().all(|&x| x == 0.0));
        assert!(render.first_done().is_none());
    }

    #[test]
    fn rebinding_restarts_from_start() {
        let a = buffer(1, 100, WORLD.sample_rate);
        let b = buffer(2, 200, WORLD.sample_rate);
        let start = 5.0 / 48_000.0;
        let mut h = sampler(&[("start", start)], 1, &a);
        let first = h.generate(50, RAGGED);
        assert_eq!(first.outputs[0][49], a.get(0, 54));
        // Another id: from `start` in the new buffer.
        h.bind(0, Some((2, Arc::clone(&b) as Arc<dyn Resource>)));
        let render = h.generate(20, RAGGED);
        for n in 0..20 {
            assert_eq!(render.outputs[1][n], b.get(1, 5 + n));
        }
        // Run the new buffer to its end; done.
        let render = h.generate(200, RAGGED);
        assert!(render.first_done().is_some());
        // Binding the first buffer again under its id restarts and clears done.
        h.bind(0, Some((1, Arc::clone(&a) as Arc<dyn Resource>)));
        let render = h.generate(10, RAGGED);
        assert_eq!(render.outputs[0], (5..15).map(|f| a.get(0, f)).collect::<Vec<_>>());
        assert!(render.first_done().is_none());
        // The same id re-created as another buffer restarts too.
        let c = buffer(1, 100, WORLD.sample_rate);
        c.set(0, 5, 42.0);
        h.bind(0, Some((1, Arc::clone(&c) as Arc<dyn Resource>)));
        assert_eq!(h.generate(1, &[1]).outputs[0], [42.0]);
        // Re-binding the same buffer under the same id is no change: playback goes on.
        h.bind(0, Some((1, Arc::clone(&c) as Arc<dyn Resource>)));
        assert_eq!(h.generate(1, &[1]).outputs[0], [c.get(0, 6)]);
        // Unbinding silences; binding again restarts.
        h.bind(0, None);
        assert!(h.generate(10, RAGGED).outputs[0].iter().all(|&x| x == 0.0));
        h.bind(0, Some((1, Arc::clone(&c) as Arc<dyn Resource>)));
        assert_eq!(h.generate(1, &[1]).outputs[0], [42.0]);
    }

    #[test]
    fn changing_start_while_playing_does_not_jump() {
        let b = buffer(1, 100, WORLD.sample_rate);
        let mut h = sampler(&[], 1, &b);
        h.generate(10, &[10]);
        h.set("start", 50.0 / 48_000.0);
        assert_eq!(h.generate(1, &[1]).outputs[0], [b.get(0, 10)]);
    }

    #[test]
    fn buffer_contents_written_meanwhile_are_heard() {
        let b = buffer(1, 100, WORLD.sample_rate);
        let mut h = sampler(&[], 1, &b);
        h.generate(10, &[10]);
        b.set(0, 10, 0.125);
        assert_eq!(h.generate(1, &[1]).outputs[0], [0.125]);
    }
}
