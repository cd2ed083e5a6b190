//! A test harness for plugin authors: runs a SynthDef's Synths the way the engine does, in
//! calls of varying size, with controls clamped by their specs, Resources bound to their
//! ports, and outputs poisoned before every call so an unwritten sample shows up.
//!
//! Enabled by the `harness` feature (in `[dev-dependencies]`:
//! `oscine-plugin-api = { version = "0.3", features = ["harness"] }`).
//!
//! ```
//! use oscine_plugin_api::harness::{Harness, RAGGED};
//! use oscine_plugin_api::{
//!     AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, World,
//! };
//!
//! struct Dc;
//! struct DcSynth;
//! impl SynthDef for Dc {
//!     type Synth = DcSynth;
//!     fn info(&self) -> SynthDefInfo {
//!         SynthDefInfo::new("dc")
//!             .outputs(&[AudioPort::new("out")])
//!             .controls(&[ControlSpec::new("level", 0.0, -1.0, 1.0)])
//!     }
//!     fn construct(&self, _: &World, _: &[f32]) -> Result<DcSynth, PluginError> {
//!         Ok(DcSynth)
//!     }
//! }
//! impl Synth for DcSynth {
//!     fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
//!         let level = ctx.controls[0];
//!         ctx.outputs.channel(0).fill(level);
//!         ProcessStatus::Continue
//!     }
//! }
//!
//! let mut h = Harness::new(Dc, &[("level", 0.5)]);
//! let render = h.generate(100, RAGGED);
//! assert!(render.outputs[0].iter().all(|&x| x == 0.5));
//! h.set("level", 3.0); // clamped to the range, as the engine does
//! assert!(h.generate(10, RAGGED).outputs[0].iter().all(|&x| x == 1.0));
//! ```

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::{
    NoResources, PluginError, ProcessArgs, ProcessStatus, Resource, ResourceBinding, ResourceId, SynthDef,
    SynthDefInfo, SynthDefTable, World,
};

/// The blocks of wire buffers a harness lends each call.
const HARNESS_WIRE_BUFFERS: usize = 64;

/// The world every harness runs in unless told otherwise: 48 kHz, blocks of 64.
pub const WORLD: World = World::new(48_000.0, 64);

/// Call sizes that are not a divisor of anything interesting, including a single frame and
/// a full block, so state that is not carried across calls shows up.
pub const RAGGED: &[usize] = &[64, 13, 1, 50, 64, 7, 33];

/// One `process` call as the harness made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// Frame (from the Synth's start) of the call's first frame.
    pub start: usize,
    /// Frames in the call.
    pub frames: usize,
    /// What the Synth returned.
    pub status: ProcessStatus,
}

impl Call {
    /// Whether the Synth said done in this call.
    pub fn done(&self) -> bool {
        self.status == ProcessStatus::Done
    }
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Render {
    /// Each output channel, concatenated over the run's calls (silence where the Synth
    /// left its outputs untouched, as the engine writes it).
    pub outputs: Vec<Vec<f32>>,
    /// The calls in order.
    pub calls: Vec<Call>,
}

impl Render {
    /// The first call that said done.
    pub fn first_done(&self) -> Option<Call> {
        self.calls.iter().copied().find(Call::done)
    }

    /// Asserts the Synth said done in every call from `first` on and in none before it.
    ///
    /// # Panics
    /// If it did not.
    pub fn assert_done_from(&self, first: Call) {
        for call in &self.calls {
            assert_eq!(call.done(), call.start >= first.start, "done flag of the call at frame {}", call.start);
        }
    }
}

/// A Synth under test, and the control values and bindings the "engine" holds for it.
pub struct Harness {
    table: SynthDefTable,
    world: World,
    state: NonNull<u8>,
    controls: Vec<f32>,
    resources: Vec<Option<ResourceBinding>>,
    elapsed: usize,
    activated: bool,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness").field("def", &self.table.info().name).field("elapsed", &self.elapsed).finish()
    }
}

impl Harness {
    /// Builds a Synth of `def` in [`WORLD`] with its defaults, overridden by `settings`
    /// (control name, value).
    ///
    /// # Panics
    /// If a control name is unknown or the SynthDef refuses to build.
    pub fn new<D: SynthDef>(def: D, settings: &[(&str, f32)]) -> Harness {
        Self::from_table(SynthDefTable::new(def), WORLD, settings)
            .unwrap_or_else(|(name, e)| panic!("constructing {name}: {e}"))
    }

    /// Builds a Synth from a registered table in `world`, or returns the SynthDef's name
    /// and its reason for refusing.
    ///
    /// # Panics
    /// If a control name is unknown.
    pub fn from_table(
        table: SynthDefTable,
        world: World,
        settings: &[(&str, f32)],
    ) -> Result<Harness, (String, PluginError)> {
        let info = table.info();
        let mut controls: Vec<f32> = info.controls.iter().map(|s| s.default).collect();
        for &(name, value) in settings {
            let index = index_of(info, name);
            controls[index] = info.controls[index].clamp(value);
        }
        let layout = table.state_layout();
        let state = allocate(layout);
        // SAFETY: `state` is fresh memory of the table's layout.
        if let Err(e) = unsafe { table.construct(&world, &controls, state) } {
            free(state, layout);
            return Err((info.name.to_string(), e));
        }
        let ports = info.resource_ports.len();
        Ok(Harness { table, world, state, controls, resources: vec![None; ports], elapsed: 0, activated: false })
    }

    /// The SynthDef's description.
    pub fn info(&self) -> &SynthDefInfo {
        self.table.info()
    }

    /// The current control values, in index order.
    pub fn controls(&self) -> &[f32] {
        &self.controls
    }

    /// Binds `resource` under `id` to resource port `port` for the following calls, or
    /// unbinds the port with `None`.
    pub fn bind(&mut self, port: usize, binding: Option<(ResourceId, Arc<dyn Resource>)>) {
        self.resources[port] = binding.map(|(id, resource)| ResourceBinding { id, resource });
    }

    /// Changes a control for the following calls, clamped as the engine would.
    ///
    /// # Panics
    /// If the SynthDef has no such control.
    pub fn set(&mut self, name: &str, value: f32) {
        let index = index_of(self.table.info(), name);
        self.controls[index] = self.table.info().controls[index].clamp(value);
    }

    /// Runs `frames` frames in calls whose sizes cycle through `chunks`. `inputs` holds one
    /// slice per input port, each at least `frames` long. The first call is preceded by
    /// `activate`, as in the engine.
    ///
    /// # Panics
    /// If the Synth panics, or leaves an output sample unwritten in a call where it said
    /// it wrote its outputs (outputs are poisoned with NaN before every call).
    pub fn run(&mut self, inputs: &[&[f32]], frames: usize, chunks: &[usize]) -> Render {
        let info = self.table.info();
        let (n_in, n_out) = (info.audio_inputs.len(), info.audio_outputs.len());
        assert_eq!(inputs.len(), n_in, "one slice per input port");
        assert!(inputs.iter().all(|i| i.len() >= frames), "input too short");
        assert!(chunks.iter().any(|&c| c > 0), "chunks must make progress");
        assert!(chunks.iter().all(|&c| c <= self.world.block_size), "a call is at most one block");

        if !self.activated {
            self.activated = true;
            // SAFETY: the state is live and only the harness uses it.
            let activated =
                unsafe { self.table.activate(self.state, self.world.sample_rate, self.elapsed as u64, &self.controls) };
            assert!(activated.is_ok(), "{} panicked in activate", info.name);
        }
        // Ports sit inside larger buffers at an offset, as the engine's may.
        let stride = self.world.block_size + 3;
        let offset = 2;
        let mut input_buffer = vec![0.0; n_in * stride];
        let mut output_buffer = vec![0.0; n_out * stride];
        let mut render = Render { outputs: vec![Vec::with_capacity(frames); n_out], calls: Vec::new() };
        // Wire buffers as an engine lends them, poisoned before each call: a Synth that
        // reads them before writing them reads NaN.
        let mut wire_buffers = vec![0.0; HARNESS_WIRE_BUFFERS * self.world.block_size];
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
            wire_buffers.fill(f32::NAN);
            let args = ProcessArgs {
                sample_rate: self.world.sample_rate,
                frame: self.elapsed as u64,
                frames: n,
                controls: &self.controls,
                control_maps: Default::default(),
                inputs: &input_buffer,
                outputs: &mut output_buffer,
                stride,
                offset,
                ports: &self.resources,
                access: &NoResources,
                buses: &mut crate::NoBuses,
                reports: &mut crate::NoReports,
                wire_buffers: &mut wire_buffers,
            };
            // SAFETY: the state is live and only the harness uses it.
            let status = unsafe { self.table.process(self.state, args) }
                .unwrap_or_else(|_| panic!("{} panicked in process", self.table.info().name));
            for (port, out) in render.outputs.iter_mut().enumerate() {
                let written = &mut output_buffer[port * stride + offset..][..n];
                if status == ProcessStatus::OutputsUntouched {
                    written.fill(0.0);
                }
                assert!(
                    written.iter().all(|x| !x.is_nan()),
                    "output {port} not fully written in the call at frame {}",
                    self.elapsed
                );
                out.extend_from_slice(written);
            }
            render.calls.push(Call { start: self.elapsed, frames: n, status });
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

impl Drop for Harness {
    fn drop(&mut self) {
        // SAFETY: the state is live and never used again.
        let dropped = unsafe { self.table.drop_state(self.state) };
        free(self.state, self.table.state_layout());
        if let Err(text) = dropped {
            panic!("{} panicked in drop: {text}", self.table.info().name);
        }
    }
}

fn index_of(info: &SynthDefInfo, name: &str) -> usize {
    info.controls.iter().position(|s| s.name == name).unwrap_or_else(|| panic!("no control named {name}"))
}

fn allocate(layout: Layout) -> NonNull<u8> {
    if layout.size() == 0 {
        // A well-aligned dangling pointer: zero-sized states are never read or written.
        return NonNull::new(layout.align() as *mut u8).expect("alignment is non-zero");
    }
    // SAFETY: the size is non-zero.
    let ptr = unsafe { std::alloc::alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

fn free(ptr: NonNull<u8>, layout: Layout) {
    if layout.size() != 0 {
        // SAFETY: allocated by `allocate` with this layout.
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
    }
}
