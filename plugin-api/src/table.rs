use std::alloc::Layout;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use crate::abi::ForeignSynthDef;
use crate::{
    ActivateContext, AudioInputs, AudioOutputs, Buses, ControlMaps, PluginError, PortBindings, ProcessContext,
    ProcessStatus, Reports, ResourceAccess, ResourcePorts, Synth, SynthDef, SynthDefInfo, World,
};

/// A registered SynthDef as the host sees it: its description, the memory layout of one
/// Synth's state, and a table of plain functions over that state (construct in place,
/// activate, process, drop). The host never calls into a plugin for metadata, and the only
/// calls on the audio thread are [`activate`](Self::activate) and
/// [`process`](Self::process).
///
/// Every function here catches a plugin's panic: a panic never unwinds into the host.
///
/// ```
/// use oscine_plugin_api::{
///     AudioPort, PluginError, ProcessContext, ProcessStatus, Synth, SynthDef, SynthDefInfo, SynthDefTable, World,
/// };
///
/// struct Silence;
/// struct SilenceSynth;
/// impl SynthDef for Silence {
///     type Synth = SilenceSynth;
///     fn info(&self) -> SynthDefInfo {
///         SynthDefInfo::new("silence").outputs(&[AudioPort::new("out")])
///     }
///     fn construct(&self, _: &World, _: &[f32]) -> Result<SilenceSynth, PluginError> {
///         Ok(SilenceSynth)
///     }
/// }
/// impl Synth for SilenceSynth {
///     fn process(&mut self, _: &mut ProcessContext<'_>) -> ProcessStatus {
///         ProcessStatus::OutputsUntouched
///     }
/// }
///
/// let table = SynthDefTable::new(Silence);
/// assert_eq!(table.info().name, "silence");
/// assert_eq!(table.state_layout().size(), 0);
/// ```
pub struct SynthDefTable {
    info: SynthDefInfo,
    state: Layout,
    kind: Kind,
}

/// A SynthDef whose Synths' state is laid out at run time rather than being one Rust
/// type: a graph Synth, whose units and wire buffers are placed one after another in the
/// Synth's one allocation.
///
/// # Safety
/// [`state_layout`](Self::state_layout) must be the same on every call, and every method
/// must stay within the `place` it is given, which holds a state `construct` built.
pub unsafe trait DynamicSynthDef: Send + Sync + 'static {
    /// The SynthDef's name, ports, controls and flags. Context: NRT, once.
    fn info(&self) -> SynthDefInfo;
    /// The size and alignment of one Synth's state. Context: any.
    fn state_layout(&self) -> Layout;
    /// Builds a Synth's state at `place`; on error nothing is left to drop.
    ///
    /// Context: NRT.
    ///
    /// # Safety
    /// `place` is valid for writes of `state_layout()` and aligned to it.
    unsafe fn construct(&self, world: &World, controls: &[f32], place: NonNull<u8>) -> Result<(), PluginError>;
    /// As [`Synth::activate`]. Context: RT.
    ///
    /// # Safety
    /// `place` holds a live state this def built, used by nobody else meanwhile.
    unsafe fn activate(&self, place: NonNull<u8>, ctx: &ActivateContext<'_>);
    /// As [`Synth::process`]. Context: RT.
    ///
    /// # Safety
    /// As for `activate`.
    unsafe fn process(&self, place: NonNull<u8>, ctx: &mut ProcessContext<'_>) -> ProcessStatus;
    /// Drops the state at `place`. Context: NRT.
    ///
    /// # Safety
    /// `place` holds a live state this def built; it is dead afterwards.
    unsafe fn drop_state(&self, place: NonNull<u8>);
    /// How many unit generators one Synth runs (what scsynth's status counts as UGens).
    /// Context: any.
    fn units(&self) -> usize {
        1
    }
    /// Each unit's class name and its numbers of inputs and outputs, in unit order: how
    /// to read what [`trace`](Self::trace) writes. Empty by default. Context: NRT.
    fn trace_layout(&self) -> Vec<(String, usize, usize)> {
        Vec::new()
    }
    /// Writes, unit after unit, the current value of each input then of each output (an
    /// audio-rate wire's first frame) of the Synth at `place` into `out`, as many as fit,
    /// and returns how many it wrote (scsynth's `/n_trace`). Writes nothing by default.
    /// Context: RT.
    ///
    /// # Safety
    /// As for `activate`.
    unsafe fn trace(&self, _place: NonNull<u8>, _out: &mut [f32]) -> usize {
        0
    }
}

/// Where a table's functions are.
enum Kind {
    /// Compiled with the host (or with the plugin, on a plugin library's side).
    Native(Native),
    /// Laid out at run time.
    Dynamic(Box<dyn DynamicSynthDef>),
    /// In a plugin library, behind its C table.
    Foreign(ForeignSynthDef),
}

/// A native SynthDef and the functions over its Synths.
struct Native {
    def: Box<dyn Any + Send + Sync>,
    construct: ConstructFn,
    activate: unsafe fn(NonNull<u8>, &ActivateContext<'_>),
    process: unsafe fn(NonNull<u8>, &mut ProcessContext<'_>) -> ProcessStatus,
    drop: unsafe fn(NonNull<u8>),
}

type ConstructFn = unsafe fn(&(dyn Any + Send + Sync), &World, &[f32], NonNull<u8>) -> Result<(), PluginError>;

impl std::fmt::Debug for SynthDefTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthDefTable")
            .field("name", &self.info.name)
            .field("state", &self.state)
            .field("foreign", &matches!(self.kind, Kind::Foreign(_)))
            .finish()
    }
}

/// A plugin panicked in `activate` or `process`. Its payload was not dropped (that would
/// free memory on the audio thread): a panicking plugin leaks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panicked;

/// What the host hands [`SynthDefTable::process`]: plain data, from which the plugin side
/// builds its [`ProcessContext`].
///
/// Context: RT.
#[derive(Debug)]
pub struct ProcessArgs<'a> {
    /// Frames per second.
    pub sample_rate: f64,
    /// The engine's frame of this call's first frame.
    pub frame: u64,
    /// Frames to render.
    pub frames: usize,
    /// Every control's current value, in the SynthDef's control order.
    pub controls: &'a [f32],
    /// Which controls read a bus.
    pub control_maps: ControlMaps<'a>,
    /// The input buffers: one channel per audio input, `stride` samples apart.
    pub inputs: &'a [f32],
    /// The output buffers, laid out like the inputs.
    pub outputs: &'a mut [f32],
    /// Samples from one channel's start to the next's (the block size).
    pub stride: usize,
    /// Where in each channel this call's frames start.
    pub offset: usize,
    /// The resource ports' bindings.
    pub ports: &'a dyn PortBindings,
    /// The resource pool, for Synths that acquire per pass.
    pub access: &'a dyn ResourceAccess,
    /// The buses by number.
    pub buses: &'a mut dyn Buses,
    /// Where the Synth's reports go.
    pub reports: &'a mut dyn Reports,
    /// The engine's wire buffers, lent for this call (see
    /// [`ProcessContext::wire_buffers`]); empty where the host has none.
    pub wire_buffers: &'a mut [f32],
}

impl std::fmt::Debug for dyn PortBindings + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PortBindings")
    }
}

impl SynthDefTable {
    /// The table of `def`: asks it for its [`SynthDefInfo`] once.
    ///
    /// Context: NRT.
    pub fn new<D: SynthDef>(def: D) -> Self {
        unsafe fn construct<D: SynthDef>(
            def: &(dyn Any + Send + Sync),
            world: &World,
            controls: &[f32],
            place: NonNull<u8>,
        ) -> Result<(), PluginError> {
            let def = def.downcast_ref::<D>().ok_or_else(|| PluginError::new("synthdef table holds another type"))?;
            let synth = catch_unwind(AssertUnwindSafe(|| def.construct(world, controls)))
                .map_err(|payload| PluginError::new(format!("plugin panicked: {}", panic_text(&*payload))))??;
            // SAFETY: the caller gives a place valid and aligned for `D::Synth`.
            unsafe { place.cast::<D::Synth>().as_ptr().write(synth) };
            Ok(())
        }
        unsafe fn activate<S: Synth>(place: NonNull<u8>, ctx: &ActivateContext<'_>) {
            // SAFETY: the caller gives a place holding a live `S`, used by nobody else.
            unsafe { place.cast::<S>().as_mut() }.activate(ctx)
        }
        unsafe fn process<S: Synth>(place: NonNull<u8>, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
            // SAFETY: as for `activate`.
            unsafe { place.cast::<S>().as_mut() }.process(ctx)
        }
        unsafe fn drop<S: Synth>(place: NonNull<u8>) {
            // SAFETY: the caller gives a place holding a live `S` and never uses it again.
            unsafe { place.cast::<S>().as_ptr().drop_in_place() }
        }
        let info = def.info();
        SynthDefTable {
            info,
            state: Layout::new::<D::Synth>(),
            kind: Kind::Native(Native {
                def: Box::new(def),
                construct: construct::<D>,
                activate: activate::<D::Synth>,
                process: process::<D::Synth>,
                drop: drop::<D::Synth>,
            }),
        }
    }

    /// The table of a SynthDef whose state is laid out at run time.
    ///
    /// Context: NRT.
    pub fn dynamic(def: impl DynamicSynthDef) -> Self {
        let info = def.info();
        SynthDefTable { info, state: def.state_layout(), kind: Kind::Dynamic(Box::new(def)) }
    }

    /// The table of a plugin library's SynthDef: the host's copy of its description and
    /// layout, and its C table.
    pub(crate) fn foreign(info: SynthDefInfo, state: Layout, def: ForeignSynthDef) -> Self {
        SynthDefTable { info, state, kind: Kind::Foreign(def) }
    }

    /// How many unit generators one Synth of this def runs: a graph's units, 1 for a
    /// SynthDef of a plugin. Context: any.
    pub fn units(&self) -> usize {
        match &self.kind {
            Kind::Dynamic(def) => def.units(),
            _ => 1,
        }
    }

    /// Each unit's class name and its numbers of inputs and outputs, as
    /// [`DynamicSynthDef::trace_layout`] gives them; empty for a SynthDef that is not laid
    /// out at run time. Context: NRT.
    pub fn trace_layout(&self) -> Vec<(String, usize, usize)> {
        match &self.kind {
            Kind::Dynamic(def) => def.trace_layout(),
            _ => Vec::new(),
        }
    }

    /// Writes the Synth at `place`'s units' input and output values into `out`, as
    /// [`DynamicSynthDef::trace`] does, and returns how many; 0 for a SynthDef that is not
    /// laid out at run time, or when the trace panicked.
    ///
    /// Context: RT.
    ///
    /// # Safety
    /// As for [`activate`](Self::activate).
    pub unsafe fn trace(&self, place: NonNull<u8>, out: &mut [f32]) -> usize {
        match &self.kind {
            // SAFETY: passed on from the caller.
            Kind::Dynamic(d) => match catch_unwind(AssertUnwindSafe(|| unsafe { d.trace(place, out) })) {
                Ok(n) => n.min(out.len()),
                Err(payload) => {
                    // Dropping the payload would free memory on the audio thread.
                    std::mem::forget(payload);
                    0
                }
            },
            _ => 0,
        }
    }

    /// Whether the SynthDef's state is laid out at run time ([`SynthDefTable::dynamic`]).
    pub fn is_dynamic(&self) -> bool {
        matches!(self.kind, Kind::Dynamic(_))
    }

    /// Whether the SynthDef is in a plugin library, called through its C table
    /// ([`abi::register`](crate::abi::register) made this table).
    pub fn is_foreign(&self) -> bool {
        matches!(self.kind, Kind::Foreign(_))
    }

    /// What the SynthDef said about itself.
    pub fn info(&self) -> &SynthDefInfo {
        &self.info
    }

    /// The size and alignment of one Synth's state.
    pub fn state_layout(&self) -> Layout {
        self.state
    }

    /// Builds a Synth's state at `place`. On error nothing was written.
    ///
    /// Context: NRT.
    ///
    /// # Safety
    /// `place` must be valid for writes of [`state_layout`](Self::state_layout) and aligned
    /// to it, and must not hold a live state.
    pub unsafe fn construct(&self, world: &World, controls: &[f32], place: NonNull<u8>) -> Result<(), PluginError> {
        match &self.kind {
            // SAFETY: passed on from the caller.
            Kind::Native(n) => unsafe { (n.construct)(&*n.def, world, controls, place) },
            Kind::Dynamic(d) => catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: passed on from the caller.
                unsafe { d.construct(world, controls, place) }
            }))
            .map_err(|payload| PluginError::new(format!("plugin panicked: {}", panic_text(&*payload))))?,
            // SAFETY: passed on from the caller.
            Kind::Foreign(f) => unsafe { f.construct(world, controls, place) },
        }
    }

    /// Tells the Synth at `place` that it starts sounding at `frame`.
    ///
    /// Context: RT.
    ///
    /// # Safety
    /// `place` must hold a state this table built, not used by anyone else meanwhile.
    pub unsafe fn activate(
        &self,
        place: NonNull<u8>,
        sample_rate: f64,
        frame: u64,
        controls: &[f32],
    ) -> Result<(), Panicked> {
        let ctx = ActivateContext::new(sample_rate, frame, controls);
        let result = match &self.kind {
            // SAFETY: passed on from the caller.
            Kind::Native(n) => catch_unwind(AssertUnwindSafe(|| unsafe { (n.activate)(place, &ctx) })),
            // SAFETY: passed on from the caller.
            Kind::Dynamic(d) => catch_unwind(AssertUnwindSafe(|| unsafe { d.activate(place, &ctx) })),
            // SAFETY: passed on from the caller.
            Kind::Foreign(f) => return unsafe { f.activate(place, sample_rate, frame, controls) },
        };
        result.map_err(|payload| {
            std::mem::forget(payload);
            Panicked
        })
    }

    /// Runs the Synth at `place` for one call.
    ///
    /// Context: RT.
    ///
    /// # Safety
    /// As for [`activate`](Self::activate).
    ///
    /// # Panics
    /// If the buffers in `args` do not fit the SynthDef's port counts (a bug in the host).
    pub unsafe fn process(&self, place: NonNull<u8>, args: ProcessArgs<'_>) -> Result<ProcessStatus, Panicked> {
        if let Kind::Foreign(f) = &self.kind {
            // SAFETY: passed on from the caller.
            return unsafe { f.process(place, args) };
        }
        let n_in = self.info.audio_inputs.len();
        let n_out = self.info.audio_outputs.len();
        let mut ctx = ProcessContext {
            sample_rate: args.sample_rate,
            frame: args.frame,
            frames: args.frames,
            controls: args.controls,
            control_maps: args.control_maps,
            inputs: AudioInputs::new(args.inputs, n_in, args.stride, args.offset, args.frames),
            outputs: AudioOutputs::new(args.outputs, n_out, args.stride, args.offset, args.frames),
            resources: ResourcePorts::new(args.ports),
            access: args.access,
            buses: args.buses,
            offset: args.offset,
            reports: args.reports,
            wire_buffers: args.wire_buffers,
        };
        let result = match &self.kind {
            // SAFETY: passed on from the caller.
            Kind::Native(n) => catch_unwind(AssertUnwindSafe(|| unsafe { (n.process)(place, &mut ctx) })),
            // SAFETY: passed on from the caller.
            Kind::Dynamic(d) => catch_unwind(AssertUnwindSafe(|| unsafe { d.process(place, &mut ctx) })),
            Kind::Foreign(_) => unreachable!("handled above"),
        };
        result.map_err(|payload| {
            std::mem::forget(payload);
            Panicked
        })
    }

    /// Drops the Synth at `place`. A panic in its `Drop` is caught and returned as text.
    ///
    /// Context: NRT.
    ///
    /// # Safety
    /// `place` must hold a state this table built; it is dead afterwards.
    pub unsafe fn drop_state(&self, place: NonNull<u8>) -> Result<(), String> {
        match &self.kind {
            // SAFETY: passed on from the caller.
            Kind::Native(n) => {
                catch_unwind(AssertUnwindSafe(|| unsafe { (n.drop)(place) })).map_err(|p| panic_text(&*p))
            }
            // SAFETY: passed on from the caller.
            Kind::Dynamic(d) => {
                catch_unwind(AssertUnwindSafe(|| unsafe { d.drop_state(place) })).map_err(|p| panic_text(&*p))
            }
            // SAFETY: passed on from the caller.
            Kind::Foreign(f) => unsafe { f.drop_state(place) },
        }
    }
}

/// A panic payload as text.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
