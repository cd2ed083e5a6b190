//! Running Synths in tests the way the engine does: in calls of varying size, with
//! controls clamped by their specs and resources bound to their ports, and with spectral
//! probes for checking oscillators.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use oscine_plugin_api::{
    AudioInputs, AudioOutputs, ControlSpec, NoResources, ProcessContext, Resource, ResourceBinding, ResourceId,
    ResourcePorts, Synth, SynthDef, World,
};

/// The world every test runs in.
pub const WORLD: World = World { sample_rate: 48_000.0, block_size: 64 };

/// Call sizes that are not a divisor of anything interesting, including a single frame and
/// a full block, so state that is not carried across calls shows up.
pub const RAGGED: &[usize] = &[64, 13, 1, 50, 64, 7, 33];

/// One `process` call as the harness made it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    /// Frame index (from the start of the Synth) of the call's first frame.
    pub start: usize,
    /// Frames in the call.
    pub frames: usize,
    /// Whether the Synth called `set_done` during the call.
    pub done: bool,
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Render {
    /// Each output channel, concatenated over the run's calls.
    pub outputs: Vec<Vec<f32>>,
    /// The calls in order.
    pub calls: Vec<Call>,
}

impl Render {
    /// The first call that said done.
    pub fn first_done(&self) -> Option<Call> {
        self.calls.iter().copied().find(|c| c.done)
    }

    /// Asserts the Synth said done in every call from `first` on and in none before it.
    pub fn assert_done_from(&self, first: Call) {
        for call in &self.calls {
            assert_eq!(call.done, call.start >= first.start, "done flag of the call at frame {}", call.start);
        }
    }
}

/// A Synth under test and the control values the "engine" currently holds for it.
pub struct Harness {
    specs: Vec<ControlSpec>,
    input_count: usize,
    output_count: usize,
    synth: Box<dyn Synth>,
    controls: Vec<f32>,
    /// One slot per resource port, as the engine holds them.
    resources: Vec<Option<ResourceBinding>>,
    elapsed: usize,
}

impl Harness {
    /// Builds a Synth from `def` with its defaults, overridden by `settings`.
    pub fn new(def: &dyn SynthDef, settings: &[(&str, f32)]) -> Harness {
        let specs = def.controls().to_vec();
        let mut controls: Vec<f32> = specs.iter().map(|s| s.default).collect();
        for &(name, value) in settings {
            let index = index_of(&specs, name);
            controls[index] = specs[index].clamp(value);
        }
        let synth = def.construct(&WORLD, &controls).unwrap_or_else(|e| panic!("constructing {}: {e}", def.name()));
        Harness {
            specs,
            input_count: def.audio_inputs().len(),
            output_count: def.audio_outputs().len(),
            synth,
            controls,
            resources: vec![None; def.resource_ports().len()],
            elapsed: 0,
        }
    }

    /// Binds `resource` under `id` to resource port `port` for the following calls, or
    /// unbinds the port with `None`.
    pub fn bind(&mut self, port: usize, binding: Option<(ResourceId, Arc<dyn Resource>)>) {
        self.resources[port] = binding.map(|(id, resource)| ResourceBinding { id, resource });
    }

    /// Changes a control for the following calls, clamped as the engine would.
    pub fn set(&mut self, name: &str, value: f32) {
        let index = index_of(&self.specs, name);
        self.controls[index] = self.specs[index].clamp(value);
    }

    /// Runs `frames` frames in calls whose sizes cycle through `chunks`. `inputs` holds one
    /// slice per input port, each at least `frames` long.
    ///
    /// Outputs are poisoned with NaN before every call, so a Synth that leaves any output
    /// sample unwritten fails here.
    pub fn run(&mut self, inputs: &[&[f32]], frames: usize, chunks: &[usize]) -> Render {
        assert_eq!(inputs.len(), self.input_count, "one slice per input port");
        assert!(inputs.iter().all(|i| i.len() >= frames), "input too short");
        assert!(chunks.iter().any(|&c| c > 0), "chunks must make progress");
        assert!(chunks.iter().all(|&c| c <= WORLD.block_size));

        // Ports sit inside larger buffers at an offset, as the engine's buses may.
        let stride = WORLD.block_size + 3;
        let offset = 2;
        let mut input_buffer = vec![0.0; self.input_count * stride];
        let mut output_buffer = vec![0.0; self.output_count * stride];
        let mut render = Render { outputs: vec![Vec::with_capacity(frames); self.output_count], calls: Vec::new() };

        let mut done_frames = 0;
        for &chunk in chunks.iter().cycle() {
            if done_frames == frames {
                break;
            }
            let n = chunk.min(frames - done_frames);
            for (port, data) in inputs.iter().enumerate() {
                input_buffer[port * stride + offset..][..n].copy_from_slice(&data[done_frames..done_frames + n]);
            }
            output_buffer.fill(f32::NAN);

            let mut ctx = ProcessContext::new(
                WORLD.sample_rate,
                n,
                &self.controls,
                AudioInputs::new(&input_buffer, self.input_count, stride, offset, n),
                AudioOutputs::new(&mut output_buffer, self.output_count, stride, offset, n),
            )
            .with_resources(ResourcePorts::new(&self.resources), &NoResources);
            self.synth.process(&mut ctx);
            let done = ctx.is_done();

            for (port, out) in render.outputs.iter_mut().enumerate() {
                let written = &output_buffer[port * stride + offset..][..n];
                assert!(
                    written.iter().all(|x| !x.is_nan()),
                    "output {port} not fully written in the call at frame {}",
                    self.elapsed
                );
                out.extend_from_slice(written);
            }
            render.calls.push(Call { start: self.elapsed, frames: n, done });
            self.elapsed += n;
            done_frames += n;
        }
        render
    }

    /// Runs a Synth with no inputs.
    pub fn generate(&mut self, frames: usize, chunks: &[usize]) -> Render {
        self.run(&[], frames, chunks)
    }
}

fn index_of(specs: &[ControlSpec], name: &str) -> usize {
    specs.iter().position(|s| s.name == name).unwrap_or_else(|| panic!("no control named {name}"))
}

/// Frame count of `seconds` at the test sample rate.
pub fn frames(seconds: f64) -> usize {
    (seconds * WORLD.sample_rate).round() as usize
}

/// A Blackman-Harris (4-term) windowed copy of `signal`, and the window's sum. Its side
/// lobes sit 92 dB down, so spectral probes can see spurs 60 dB below a strong tone.
pub fn windowed(signal: &[f32]) -> (Vec<f64>, f64) {
    let n = signal.len() as f64;
    let mut sum = 0.0;
    let data = signal
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let t = 2.0 * std::f64::consts::PI * i as f64 / n;
            let w = 0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos();
            sum += w;
            w * f64::from(x)
        })
        .collect();
    (data, sum)
}

/// The amplitude of the sinusoid at `freq` Hz in a windowed signal (Goertzel), scaled so a
/// pure tone of amplitude `a` reads `a`.
pub fn amplitude_at(windowed: &(Vec<f64>, f64), freq: f64) -> f64 {
    let (data, window_sum) = windowed;
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / WORLD.sample_rate).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in data {
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power.max(0.0).sqrt() / window_sum
}

/// The strongest component of `signal` that is not a harmonic of `fundamental` (nor DC),
/// in dB relative to the fundamental's amplitude. Aliases of a periodic signal's harmonics
/// land off the harmonic grid, so this is the aliasing of an oscillator.
pub fn worst_off_grid_db(signal: &[f32], fundamental: f64) -> f64 {
    let w = windowed(signal);
    let bin = WORLD.sample_rate / signal.len() as f64;
    // Blackman-Harris's main lobe is 4 bins wide on each side; stay well clear of it.
    let guard = 6.0 * bin;
    let reference = amplitude_at(&w, fundamental);
    let nyquist = WORLD.sample_rate / 2.0;
    let mut worst: f64 = 0.0;
    let mut freq = bin / 2.0;
    while freq <= nyquist {
        let harmonic = (freq / fundamental).round() * fundamental;
        if (freq - harmonic).abs() > guard {
            worst = worst.max(amplitude_at(&w, freq));
        }
        freq += bin / 2.0;
    }
    20.0 * (worst / reference).log10()
}

/// A constant input signal.
pub fn ones(frames: usize) -> Vec<f32> {
    vec![1.0; frames]
}

/// A directory of its own under the system temp dir, removed with everything in it when
/// dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name includes `label`, the process id and a counter, so
    /// tests running at once never share one.
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("oscine-plugins-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir(path)
    }

    /// A path inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
