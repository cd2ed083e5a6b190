//! `recorder`: records its inputs into an `audio-buffer`.

use oscine_plugin_api::{
    AudioPort, ControlSpec, PluginError, PortDirection, ProcessContext, ProcessStatus, ResourcePort, Synth, SynthDef,
    SynthDefInfo, World,
};

use crate::audio_buffer::{bound_buffer, AudioBufferDef, BindingKey};
use crate::common::{is_on, MAX_BUFFER_SECONDS};

/// Records `left` into channel 0 and `right` into channel 1 of the buffer bound to its
/// `buffer` port, one buffer frame per input frame, bit for bit: a mono buffer records only
/// `left`, and channels past 1 keep what they hold. No resampling: a buffer whose sample
/// rate differs from the engine's is filled at the engine's rate all the same.
///
/// Recording starts at `start` seconds into the buffer (at its own sample rate), rounded to
/// the nearest frame and clamped to the last frame. `start` is read when recording starts:
/// at the first call with a buffer bound, and again whenever the port is bound to another
/// buffer (or unbound and bound again), which also clears done.
///
/// Without `loop` it stops once it has written the last frame, and says done in the call
/// that wrote it and in every later one. With `loop` it wraps to frame 0 and goes on until
/// freed. While `run` is 0 it neither writes nor moves, and resumes where it paused.
///
/// With no buffer bound, or a Resource that is not an audio buffer, it does nothing and is
/// not done.
///
/// Controls: `loop` (on when positive; default 0, 0..=1), `start` (seconds, default 0,
/// 0..=2^32), `run` (on when positive; default 1, 0..=1). Inputs: `left`, `right`. No
/// outputs. Resource port: `buffer` (an `audio-buffer`, written).
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorder;

const CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("loop", 0.0, 0.0, 1.0),
    ControlSpec::new("start", 0.0, 0.0, MAX_BUFFER_SECONDS),
    ControlSpec::new("run", 1.0, 0.0, 1.0),
];
const INPUTS: &[AudioPort] = &[AudioPort::new("left"), AudioPort::new("right")];
const RESOURCE_PORTS: &[ResourcePort] = &[ResourcePort::new("buffer", AudioBufferDef::NAME, PortDirection::Output)];

impl SynthDef for Recorder {
    type Synth = RecorderSynth;

    // Context: NRT, once.
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("recorder").inputs(INPUTS).controls(CONTROLS).resource_ports(RESOURCE_PORTS)
    }

    // Context: NRT
    fn construct(&self, _world: &World, _controls: &[f32]) -> Result<RecorderSynth, PluginError> {
        Ok(RecorderSynth { binding: None, position: 0, done: false })
    }
}

/// A running [`Recorder`].
pub struct RecorderSynth {
    /// The binding recording started into; a different one restarts it.
    binding: Option<BindingKey>,
    /// The next frame to write, in `0..frames` until done.
    position: usize,
    /// Filled the buffer without looping.
    done: bool,
}

impl Synth for RecorderSynth {
    // Context: RT
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        // Too few controls or inputs is an engine bug; record nothing rather than panic.
        let &[looping, start, run, ..] = ctx.controls else { return ProcessStatus::Continue };
        if ctx.inputs.len() < 2 {
            return ProcessStatus::Continue;
        }
        let bound = bound_buffer(&ctx.resources, 0);
        let key = bound.map(|(_, key)| key);
        if key != self.binding {
            self.binding = key;
            self.done = false;
            if let Some((buffer, _)) = bound {
                self.position = buffer.frame_at_seconds(f64::from(start));
            }
        }
        let Some((buffer, _)) = bound else { return ProcessStatus::Continue };
        if self.done {
            return ProcessStatus::Done;
        }
        if !is_on(run) {
            return ProcessStatus::Continue;
        }

        let looping = is_on(looping);
        let frames = buffer.frames();
        let mut position = self.position;
        for (&l, &r) in ctx.inputs.channel(0).iter().zip(ctx.inputs.channel(1)) {
            // Writes as many of the two as the buffer has channels.
            buffer.write_frame(position, &[l, r]);
            position += 1;
            if position == frames {
                if looping {
                    position = 0;
                } else {
                    self.done = true;
                    break;
                }
            }
        }
        self.position = position;
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
    use crate::audio_buffer::AudioBuffer;
    use crate::sampler::Sampler;
    use oscine_plugin_api::harness::{Call, Harness, RAGGED, WORLD};
    use oscine_plugin_api::Resource;
    use std::sync::Arc;

    fn recorder(settings: &[(&str, f32)], id: i32, buffer: &Arc<AudioBuffer>) -> Harness {
        let mut h = Harness::new(Recorder, settings);
        h.bind(0, Some((id, Arc::clone(buffer) as Arc<dyn Resource>)));
        h
    }

    /// Inputs that exercise every bit: tiny, huge, negative zero, subnormal, infinite and
    /// NaN values among ordinary ones.
    fn signal(frames: usize, seed: u32) -> Vec<f32> {
        let special = [-0.0, f32::MIN_POSITIVE / 4.0, f32::MAX, f32::INFINITY, f32::from_bits(0x7fc0_1234), 1e-30];
        (0..frames)
            .map(|n| {
                if n % 17 == 3 {
                    special[(n / 17) % special.len()]
                } else {
                    (n as f32 * 0.0123 + seed as f32).sin() * 0.9
                }
            })
            .collect()
    }

    fn channel(buffer: &AudioBuffer, c: usize) -> Vec<u32> {
        (0..buffer.frames()).map(|f| buffer.get(c, f).to_bits()).collect()
    }

    fn bits(samples: &[f32]) -> Vec<u32> {
        samples.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn records_bit_for_bit_and_is_done_when_full() {
        let b = Arc::new(AudioBuffer::new(2, 1000, WORLD.sample_rate).unwrap());
        let (left, right) = (signal(1200, 1), signal(1200, 2));
        let render = recorder(&[], 1, &b).run(&[&left, &right], 1200, RAGGED);
        assert_eq!(channel(&b, 0), bits(&left[..1000]));
        assert_eq!(channel(&b, 1), bits(&right[..1000]));
        // The ragged calls run ..., 928..992, 992..1005, ...: the last holds frame 999.
        let first = render.first_done().expect("done when full");
        assert_eq!((first.start, first.frames), (992, 13));
        render.assert_done_from(first);
    }

    #[test]
    fn done_timing_at_block_boundaries() {
        let b = Arc::new(AudioBuffer::new(1, 128, WORLD.sample_rate).unwrap());
        let input = signal(300, 3);
        let render = recorder(&[], 1, &b).run(&[&input, &input], 300, &[64]);
        assert_eq!(render.first_done(), Some(Call { start: 64, frames: 64, status: ProcessStatus::Done }));
        render.assert_done_from(render.first_done().unwrap());
        let render = recorder(&[], 1, &b).run(&[&input, &input], 300, &[1]);
        assert_eq!(render.first_done(), Some(Call { start: 127, frames: 1, status: ProcessStatus::Done }));
        // From frame 100, the 28th input fills it; later input writes nowhere (frames
        // 0..100 keep what the previous recorder wrote).
        let render = recorder(&[("start", 100.0 / 48_000.0)], 1, &b).run(&[&input, &input], 300, &[10]);
        assert_eq!(render.first_done().map(|c| c.start), Some(20));
        render.assert_done_from(render.first_done().unwrap());
        assert_eq!(channel(&b, 0)[100..], bits(&input[..28]));
        assert_eq!(channel(&b, 0)[..100], bits(&input[..100]));
    }

    #[test]
    fn mono_records_left_and_extra_channels_are_kept() {
        let mono = Arc::new(AudioBuffer::new(1, 100, WORLD.sample_rate).unwrap());
        let (left, right) = (signal(100, 4), signal(100, 5));
        recorder(&[], 1, &mono).run(&[&left, &right], 100, RAGGED);
        assert_eq!(channel(&mono, 0), bits(&left));

        let quad = Arc::new(AudioBuffer::new(4, 100, WORLD.sample_rate).unwrap());
        for f in 0..100 {
            quad.set(2, f, 0.5);
            quad.set(3, f, -0.5);
        }
        recorder(&[], 1, &quad).run(&[&left, &right], 100, RAGGED);
        assert_eq!(channel(&quad, 0), bits(&left));
        assert_eq!(channel(&quad, 1), bits(&right));
        assert!((0..100).all(|f| quad.get(2, f) == 0.5 && quad.get(3, f) == -0.5));
    }

    #[test]
    fn start_offsets_the_recording() {
        let b = Arc::new(AudioBuffer::new(1, 100, WORLD.sample_rate).unwrap());
        let input = signal(200, 6);
        let render = recorder(&[("start", 40.0 / 48_000.0)], 1, &b).run(&[&input, &input], 200, RAGGED);
        assert!(channel(&b, 0)[..40].iter().all(|&x| x == 0));
        assert_eq!(channel(&b, 0)[40..], bits(&input[..60]));
        // Frame 99 is input 59, in the call covering 0..64.
        assert_eq!(render.first_done().map(|c| c.start), Some(0));
    }

    #[test]
    fn looping_wraps_around() {
        let b = Arc::new(AudioBuffer::new(2, 100, WORLD.sample_rate).unwrap());
        let (left, right) = (signal(450, 7), signal(450, 8));
        let render = recorder(&[("loop", 1.0), ("start", 30.0 / 48_000.0)], 1, &b).run(&[&left, &right], 450, RAGGED);
        assert!(render.first_done().is_none());
        // Input n went to frame (30 + n) % 100; the last 100 inputs are what is left.
        for n in 350..450 {
            assert_eq!(b.get(0, (30 + n) % 100).to_bits(), left[n].to_bits(), "{n}");
            assert_eq!(b.get(1, (30 + n) % 100).to_bits(), right[n].to_bits(), "{n}");
        }
    }

    #[test]
    fn run_zero_pauses_without_moving() {
        let b = Arc::new(AudioBuffer::new(1, 100, WORLD.sample_rate).unwrap());
        let input = signal(200, 9);
        let mut h = recorder(&[], 1, &b);
        h.run(&[&input[..30], &input[..30]], 30, RAGGED);
        h.set("run", 0.0);
        let paused = vec![7.0; 50];
        let render = h.run(&[&paused, &paused], 50, RAGGED);
        assert!(render.first_done().is_none());
        assert!(channel(&b, 0)[30..].iter().all(|&x| x == 0), "nothing written while paused");
        h.set("run", 1.0);
        let render = h.run(&[&input[30..], &input[30..]], 170, RAGGED);
        assert_eq!(channel(&b, 0), bits(&input[..100]));
        // Resumed at frame 30, so the buffer is full after 70 more frames.
        let first = render.first_done().unwrap();
        assert!(first.start <= 80 + 69 && 80 + 69 < first.start + first.frames, "{first:?}");
    }

    #[test]
    fn without_a_buffer_it_does_nothing() {
        let mut h = Harness::new(Recorder, &[]);
        let input = signal(300, 10);
        assert!(h.run(&[&input, &input], 300, RAGGED).first_done().is_none());
        struct NotABuffer;
        impl Resource for NotABuffer {}
        h.bind(0, Some((1, Arc::new(NotABuffer))));
        assert!(h.run(&[&input, &input], 300, RAGGED).first_done().is_none());
    }

    #[test]
    fn rebinding_restarts_from_start() {
        let a = Arc::new(AudioBuffer::new(1, 50, WORLD.sample_rate).unwrap());
        let b = Arc::new(AudioBuffer::new(1, 50, WORLD.sample_rate).unwrap());
        let input = signal(100, 11);
        let mut h = recorder(&[("start", 10.0 / 48_000.0)], 1, &a);
        let render = h.run(&[&input, &input], 60, RAGGED);
        assert!(render.first_done().is_some());
        h.bind(0, Some((2, Arc::clone(&b) as Arc<dyn Resource>)));
        let render = h.run(&[&input[60..], &input[60..]], 20, RAGGED);
        assert!(render.first_done().is_none());
        assert_eq!(channel(&b, 0)[10..30], bits(&input[60..80]));
        assert_eq!(channel(&a, 0)[10..], bits(&input[..40]));
    }

    /// A stereo source played by a sampler and recorded call by call, the sampler's outputs
    /// feeding the recorder's inputs, comes out identical, and both finish in the same call.
    #[test]
    fn sampler_into_recorder_reproduces_the_source() {
        let frames = 5000;
        let source = Arc::new(AudioBuffer::new(2, frames, WORLD.sample_rate).unwrap());
        // NaN aside (the harness takes a NaN output for an unwritten one), every kind of
        // value goes through.
        let no_nan = |x: f32| if x.is_nan() { 0.25 } else { x };
        let left: Vec<f32> = signal(frames, 12).into_iter().map(no_nan).collect();
        let right: Vec<f32> = signal(frames, 13).into_iter().map(no_nan).collect();
        for f in 0..frames {
            source.write_frame(f, &[left[f], right[f]]);
        }
        let copy = Arc::new(AudioBuffer::new(2, frames, WORLD.sample_rate).unwrap());
        let mut player = Harness::new(Sampler, &[]);
        player.bind(0, Some((1, Arc::clone(&source) as Arc<dyn Resource>)));
        let mut rec = recorder(&[], 2, &copy);

        let mut elapsed = 0;
        let mut finished = None;
        for &n in RAGGED.iter().cycle() {
            if elapsed >= frames + 200 {
                break;
            }
            let played = player.generate(n, &[n]);
            let recorded = rec.run(&[&played.outputs[0], &played.outputs[1]], n, &[n]);
            assert_eq!(played.calls[0].done(), recorded.calls[0].done(), "call at {elapsed}");
            if played.calls[0].done() && finished.is_none() {
                finished = Some(elapsed);
            }
            elapsed += n;
        }
        assert_eq!(channel(&copy, 0), bits(&left));
        assert_eq!(channel(&copy, 1), bits(&right));
        let finished = finished.expect("both finish");
        assert!(finished < frames && frames <= finished + 64, "finished in the call at {finished}");
    }
}
