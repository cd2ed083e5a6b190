//! A Synth as the engine holds it: the instance and its one allocation.
//!
//! Context: RT: every function here runs on the audio thread, except those marked
//! otherwise: `SynthLayout::new` (any: arithmetic), `ResourcePortSlot::new` and
//! `SynthInstance::from_parts` (NRT, the control side building a Synth), and the
//! instance's drop (NRT, a worker).
//! The read-only accessors (`entry`, `controls`) run on any thread that holds the
//! instance.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;

use oscine_plugin_api::{
    AcquireError, Buses, ControlMap, ControlMaps, DoneAction, Panicked, PortBindings, ProcessArgs, ProcessStatus,
    Reports, Resource, ResourceAccess, ResourceBinding, ResourceId,
};

use super::{
    BusMapping, DoneFlags, EngineError, Garbage, InlineVec, NumberedBuses, ResourceDefId, ResourcePool, SynthDefEntry,
};
use crate::graph::GraphCall;

/// How many AudioBuses one Synth output port can feed at once.
pub const MAX_BUSES_PER_OUTPUT: usize = 4;

/// How many sample-accurate control changes one Synth can take per block; more are
/// applied at the block's start.
pub const MAX_PENDING_CHANGES: usize = 16;

/// The buses one output port feeds, in the order they were added.
pub(crate) type OutputMappings = InlineVec<BusMapping, MAX_BUSES_PER_OUTPUT>;

/// A resource port of one Synth: the ResourceDef it expects and what it holds.
#[derive(Debug)]
pub(crate) struct ResourcePortSlot {
    expected: Option<ResourceDefId>,
    state: PortState,
}

#[derive(Debug)]
enum PortState {
    /// Nothing bound.
    Unbound,
    /// Asked for at creation; bound when the Synth is linked into the tree.
    Requested(ResourceId),
    /// Bound: the pool counts this Synth as a holder of `binding.id` until the Synth is
    /// released (and with that becomes garbage).
    Bound(ResourceBinding),
}

impl ResourcePortSlot {
    /// A port expecting `expected`, to be bound to `request` when the Synth is linked in.
    /// Context: NRT (the control side, building a Synth).
    pub(crate) fn new(expected: Option<ResourceDefId>, request: Option<ResourceId>) -> Self {
        ResourcePortSlot { expected, state: request.map_or(PortState::Unbound, PortState::Requested) }
    }
}

impl ResourcePortSlot {
    /// Acquires `id` for this port: it must be a Live Resource of the ResourceDef the
    /// port expects; a port naming a ResourceDef nobody registered binds nothing.
    fn acquire(&self, id: ResourceId, pool: &ResourcePool) -> Result<Arc<dyn Resource>, AcquireError> {
        match self.expected {
            Some(def) => pool.acquire_shared(id, Some(def)),
            None => Err(AcquireError::WrongType),
        }
    }
}

/// The resource ports as the plugin reads them during `process`.
struct Ports<'a>(&'a [ResourcePortSlot]);

impl PortBindings for Ports<'_> {
    fn bound(&self, port: usize) -> Option<(ResourceId, &dyn Resource)> {
        match &self.0.get(port)?.state {
            PortState::Bound(binding) => Some((binding.id, &*binding.resource)),
            _ => None,
        }
    }
}

/// How much of the next Synth's allocation [`SynthInstance::prefetch`] asks for: what a
/// block of a small graph Synth reads.
const PREFETCHED_BYTES: usize = 1024;

/// A control change due at a frame inside the coming block.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PendingChange {
    offset: usize,
    index: usize,
    value: f32,
}

/// Where each part of a Synth's one allocation lies: controls, audio port buffers, bus
/// mappings, resource ports, the plugin's state, and pending control changes.
///
/// Context: any (plain arithmetic).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SynthLayout {
    pub(crate) total: Layout,
    pub(crate) controls: u32,
    /// The bus each control reads, if any (scsynth's `/n_map`, `/n_mapa`).
    pub(crate) bus_maps: u32,
    pub(crate) inputs: u32,
    pub(crate) outputs: u32,
    pub(crate) input_maps: u32,
    pub(crate) output_maps: u32,
    pub(crate) ports: u32,
    pub(crate) pending: u32,
    pub(crate) state: u32,
    pub(crate) block_size: u32,
}

/// Why a Synth's memory cannot be laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LayoutError {
    /// Larger than the engine lays out for one Synth (4 GiB).
    #[error("a synth of this synthdef would need more than 4 GiB at this block size")]
    TooLarge,
}

impl From<std::alloc::LayoutError> for LayoutError {
    fn from(_: std::alloc::LayoutError) -> Self {
        LayoutError::TooLarge
    }
}

impl SynthLayout {
    /// The layout of a Synth of `entry` in an engine with `block_size` frames per block.
    pub(crate) fn new(entry: &SynthDefEntry, block_size: usize) -> Result<Self, LayoutError> {
        let (n_in, n_out) = (entry.input_count(), entry.output_count());
        let mut total = Layout::new::<()>();
        let mut place = |part: Layout| -> Result<u32, LayoutError> {
            let (grown, offset) = total.extend(part)?;
            total = grown;
            u32::try_from(total.size()).map_err(|_| LayoutError::TooLarge)?;
            Ok(offset as u32)
        };
        let controls = place(Layout::array::<f32>(entry.controls().len())?)?;
        let bus_maps = place(Layout::array::<ControlMap>(entry.controls().len())?)?;
        let inputs = place(Layout::array::<f32>(n_in * block_size)?)?;
        let outputs = place(Layout::array::<f32>(n_out * block_size)?)?;
        let input_maps = place(Layout::array::<Option<BusMapping>>(n_in)?)?;
        let output_maps = place(Layout::array::<OutputMappings>(n_out)?)?;
        let ports = place(Layout::array::<ResourcePortSlot>(entry.resource_port_count())?)?;
        // The plugin's state right after what every block reads, and the pending changes,
        // seldom used, after it: a Synth's hot memory spans as few cache lines as it can.
        let state = place(entry.table().state_layout())?;
        let pending = place(Layout::array::<PendingChange>(MAX_PENDING_CHANGES)?)?;
        Ok(SynthLayout {
            total: total.pad_to_align(),
            controls,
            bus_maps,
            inputs,
            outputs,
            input_maps,
            output_maps,
            ports,
            pending,
            state,
            block_size: u32::try_from(block_size).map_err(|_| LayoutError::TooLarge)?,
        })
    }
}

/// The parts of a Synth's allocation, borrowed at once (they never overlap).
struct Parts<'a> {
    controls: &'a mut [f32],
    bus_maps: &'a mut [ControlMap],
    inputs: &'a mut [f32],
    outputs: &'a mut [f32],
    input_maps: &'a mut [Option<BusMapping>],
    output_maps: &'a mut [OutputMappings],
    ports: &'a mut [ResourcePortSlot],
    pending: &'a mut [PendingChange],
    state: NonNull<u8>,
}

/// A Synth as the engine holds it: the plugin's state, its controls, its audio port
/// buffers and bus mappings, its resource ports, its done flags and whether it runs. All
/// of it but a few words lives in one allocation, made off the audio thread.
///
/// Context: built NRT by the control side (`src/control/synth_builder.rs` allocates and
/// fills the memory), moved to the audio thread inside a command, processed there, and
/// moved back to a worker to be dropped.
pub struct SynthInstance {
    memory: NonNull<u8>,
    layout: SynthLayout,
    entry: Arc<SynthDefEntry>,
    sample_rate: f64,
    done_flags: DoneFlags,
    active: bool,
    activated: bool,
    done: bool,
    faulted: bool,
    start_offset: u32,
    stop_offset: Option<u32>,
    pending_len: u32,
    /// How many controls are mapped to buses (their buses are in the allocation).
    mapped: u32,
}

// SAFETY: the allocation is owned by the instance alone; what it holds (f32s, mappings,
// `Arc<dyn Resource>` bindings, and the plugin's state, which `Synth` requires to be
// `Send`) may move between threads.
unsafe impl Send for SynthInstance {}

/// Why a control could not be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ControlOutOfRange {
    /// The Synth's control count.
    pub(crate) count: usize,
}

impl SynthInstance {
    /// Takes ownership of a Synth's allocation.
    ///
    /// Context: NRT.
    ///
    /// # Safety
    /// `memory` was allocated by the global allocator with `layout.total`, and every part
    /// `layout` names is initialized: the controls (clamped), the input and output buffers,
    /// the mappings (`entry.input_count()` and `entry.output_count()` of them), the
    /// resource ports (`entry.resource_port_count()`), every pending change, and the
    /// plugin's state, built by `entry`'s table.
    pub(crate) unsafe fn from_parts(
        memory: NonNull<u8>,
        layout: SynthLayout,
        entry: Arc<SynthDefEntry>,
        sample_rate: f64,
    ) -> Self {
        SynthInstance {
            memory,
            layout,
            entry,
            sample_rate,
            done_flags: DoneFlags::NOTIFY,
            active: false,
            activated: false,
            done: false,
            faulted: false,
            start_offset: 0,
            stop_offset: None,
            pending_len: 0,
            mapped: 0,
        }
    }

    fn parts(&mut self) -> Parts<'_> {
        self.split().1
    }

    /// The SynthDef and the parts of the allocation, borrowed together.
    fn split(&mut self) -> (&SynthDefEntry, Parts<'_>) {
        let l = &self.layout;
        let e = &*self.entry;
        let base = self.memory.as_ptr();
        let b = l.block_size as usize;
        let (n_in, n_out) = (e.input_count(), e.output_count());
        let at = |offset: u32| offset as usize;
        // SAFETY: `from_parts`' contract: every part is initialized at its offset, the parts
        // do not overlap, and `&mut self` makes this the only borrow of the allocation.
        let parts = unsafe {
            Parts {
                controls: std::slice::from_raw_parts_mut(base.add(at(l.controls)).cast(), e.controls().len()),
                bus_maps: std::slice::from_raw_parts_mut(base.add(at(l.bus_maps)).cast(), e.controls().len()),
                inputs: std::slice::from_raw_parts_mut(base.add(at(l.inputs)).cast(), n_in * b),
                outputs: std::slice::from_raw_parts_mut(base.add(at(l.outputs)).cast(), n_out * b),
                input_maps: std::slice::from_raw_parts_mut(base.add(at(l.input_maps)).cast(), n_in),
                output_maps: std::slice::from_raw_parts_mut(base.add(at(l.output_maps)).cast(), n_out),
                ports: std::slice::from_raw_parts_mut(base.add(at(l.ports)).cast(), e.resource_port_count()),
                pending: std::slice::from_raw_parts_mut(base.add(at(l.pending)).cast(), MAX_PENDING_CHANGES),
                state: NonNull::new_unchecked(base.add(at(l.state))),
            }
        };
        (e, parts)
    }

    fn view<T>(&self, offset: u32, len: usize) -> &[T] {
        // SAFETY: as in `split`, for a part of `len` `T`s at `offset`; shared borrow.
        unsafe { std::slice::from_raw_parts(self.memory.as_ptr().add(offset as usize).cast(), len) }
    }

    /// Asks the CPU to bring what a block reads of the Synth's allocation (all of it but
    /// the pending changes at its end, at most [`PREFETCHED_BYTES`]) into its first-level
    /// cache, without waiting for it: called for the next Synth while one runs, so that
    /// the next one's first reads do not wait for memory. Context: RT.
    #[inline]
    pub(crate) fn prefetch(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let base = self.memory.as_ptr();
            let len = (self.layout.pending as usize).min(PREFETCHED_BYTES);
            for at in (0..len).step_by(64) {
                // SAFETY: `at` is inside the allocation; a prefetch reads nothing.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(base.add(at).cast()) };
            }
        }
    }

    /// The SynthDef this Synth was built from.
    pub fn entry(&self) -> &Arc<SynthDefEntry> {
        &self.entry
    }

    /// Current control values.
    pub fn controls(&self) -> &[f32] {
        self.view(self.layout.controls, self.entry.controls().len())
    }

    /// Writes its units' input and output values into `out` (a graph Synth's; see
    /// [`SynthDefTable::trace`](oscine_plugin_api::SynthDefTable::trace)) and returns how
    /// many. Context: RT.
    pub(crate) fn trace(&self, out: &mut [f32]) -> usize {
        // SAFETY: the state was built by this table (`from_parts`); the trace only reads
        // it, and the shared borrow of the instance keeps anyone from writing meanwhile.
        unsafe {
            let state = NonNull::new_unchecked(self.memory.as_ptr().add(self.layout.state as usize));
            self.entry.table().trace(state, out)
        }
    }

    /// Maps input `port` (or unmaps it with `None`). Returns false if the port does not
    /// exist. Context: RT.
    pub(crate) fn map_input(&mut self, port: usize, mapping: Option<BusMapping>) -> bool {
        match self.parts().input_maps.get_mut(port) {
            Some(slot) => {
                *slot = mapping;
                true
            }
            None => false,
        }
    }

    /// Maps output `port`: `append` adds a bus to those it feeds, otherwise the mapping
    /// replaces them all (`None` silences the port). Context: RT.
    pub(crate) fn map_output(
        &mut self,
        port: usize,
        mapping: Option<BusMapping>,
        append: bool,
    ) -> Result<(), MapOutputError> {
        let maps = self.parts().output_maps.get_mut(port).ok_or(MapOutputError::NoSuchPort)?;
        match (mapping, append) {
            (None, _) => maps.clear(),
            (Some(m), false) => *maps = OutputMappings::one(m),
            (Some(m), true) => {
                match maps.as_mut_slice().iter_mut().find(|old| old.bus == m.bus && old.space == m.space) {
                    Some(slot) => *slot = m,
                    None => maps.push(m).map_err(|_| MapOutputError::Full)?,
                }
            }
        }
        Ok(())
    }

    /// Binds the resource ports requested at creation. On failure every binding made so
    /// far is released again, and the Synth comes back released, as garbage for a worker
    /// (its references are dropped there). Context: RT.
    // The Synth comes back by value: boxing it would allocate on the audio thread.
    #[allow(clippy::result_large_err)]
    pub(crate) fn bind_requested_resources(mut self, pool: &ResourcePool) -> Result<Self, (EngineError, Garbage)> {
        let mut failed = None;
        for (port, slot) in self.parts().ports.iter_mut().enumerate() {
            let PortState::Requested(id) = slot.state else { continue };
            match slot.acquire(id, pool) {
                Ok(resource) => slot.state = PortState::Bound(ResourceBinding { id, resource }),
                Err(reason) => {
                    failed = Some(EngineError::ResourceBind { port: port as u32, id, reason });
                    break;
                }
            }
        }
        match failed {
            None => Ok(self),
            Some(error) => Err((error, self.release_resources(pool))),
        }
    }

    /// Re-binds resource `port` to `id`. On success the old binding's reference comes
    /// back (to be dropped on a worker); on failure the old binding stays. Context: RT.
    pub(crate) fn rebind_resource(
        &mut self,
        port: usize,
        id: ResourceId,
        pool: &ResourcePool,
    ) -> Result<Option<Arc<dyn Resource>>, EngineError> {
        let bind_error = |reason| EngineError::ResourceBind { port: port as u32, id, reason };
        let slot = self.parts().ports.get_mut(port).ok_or(bind_error(AcquireError::OutOfRange))?;
        let resource = slot.acquire(id, pool).map_err(bind_error)?;
        let old = std::mem::replace(&mut slot.state, PortState::Bound(ResourceBinding { id, resource }));
        Ok(Self::let_go(old, pool))
    }

    /// Unbinds resource `port`: releases its Resource and hands back the reference (to be
    /// dropped on a worker). Context: RT.
    pub(crate) fn unbind_resource(&mut self, port: usize, pool: &ResourcePool) -> Option<Arc<dyn Resource>> {
        let slot = self.parts().ports.get_mut(port)?;
        Self::let_go(std::mem::replace(&mut slot.state, PortState::Unbound), pool)
    }

    /// Ends a port's old state: a bound Resource loses this holder.
    fn let_go(old: PortState, pool: &ResourcePool) -> Option<Arc<dyn Resource>> {
        match old {
            PortState::Bound(binding) => {
                pool.release(binding.id);
                Some(binding.resource)
            }
            PortState::Unbound | PortState::Requested(_) => None,
        }
    }

    /// Releases every bound Resource's holder count and hands the Synth over as garbage
    /// for a worker, which drops it with its references. A Synth's bindings hold the pool
    /// until this is called, and once it is the Synth is gone: no hold is released twice.
    /// Context: RT.
    pub(crate) fn release_resources(mut self, pool: &ResourcePool) -> Garbage {
        for slot in self.parts().ports.iter() {
            if let PortState::Bound(binding) = &slot.state {
                pool.release(binding.id);
            }
        }
        Garbage::Synth(self)
    }

    /// The input mappings, by port.
    pub(crate) fn input_mappings(&self) -> &[Option<BusMapping>] {
        self.view(self.layout.input_maps, self.entry.input_count())
    }

    /// The output mappings, by port.
    pub(crate) fn output_mappings(&self) -> &[OutputMappings] {
        self.view(self.layout.output_maps, self.entry.output_count())
    }

    /// What happens when this Synth says it is done.
    pub(crate) fn done_flags(&self) -> DoneFlags {
        self.done_flags
    }

    /// Context: RT.
    pub(crate) fn set_done_flags(&mut self, flags: DoneFlags) {
        self.done_flags = flags;
    }

    /// Stops processing it (a done action pausing its Synth); it stays in the tree.
    /// Context: RT.
    pub(crate) fn pause(&mut self) {
        self.active = false;
    }

    /// Whether the Synth is processed. Context: RT.
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// Starts processing at frame `offset` of the next block: the frames before it stay
    /// silent. Activating a running Synth does nothing. Context: RT.
    pub(crate) fn activate_at(&mut self, offset: usize) {
        if !self.active {
            self.active = true;
            self.start_offset = (offset as u32).min(self.layout.block_size);
        }
    }

    /// Whether a timed free is already stopping this Synth.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stop_offset.is_some()
    }

    /// Processes only the frames before `offset` in the next block (the engine frees the
    /// Synth after that block). Context: RT.
    pub(crate) fn stop_at(&mut self, offset: usize) {
        self.stop_offset = Some((offset as u32).min(self.layout.block_size));
    }

    /// Sets control `index` at frame `offset` of the next block if the SynthDef asks for
    /// sample-accurate controls, else now. Context: RT.
    pub(crate) fn set_control_at(&mut self, index: usize, value: f32, offset: usize) -> Result<(), ControlOutOfRange> {
        // Setting a mapped control unmaps it, as in scsynth.
        if self.mapped > 0 {
            self.map_control(index, ControlMap::None);
        }
        let (len, block_size) = (self.pending_len as usize, self.layout.block_size as usize);
        let (entry, parts) = self.split();
        let count = entry.controls().len();
        let value = entry.controls().get(index).ok_or(ControlOutOfRange { count })?.clamp(value);
        if offset == 0 || !entry.info().sample_accurate_controls || len == MAX_PENDING_CHANGES {
            parts.controls[index] = value;
            return Ok(());
        }
        // Keep the list ordered by frame, arrival order within a frame.
        let pending = parts.pending;
        let at = pending[..len].iter().position(|c| c.offset > offset).unwrap_or(len);
        pending.copy_within(at..len, at + 1);
        pending[at] = PendingChange { offset: offset.min(block_size), index, value };
        self.pending_len += 1;
        Ok(())
    }

    /// Renders one block starting at engine frame `frame`: reads mapped inputs, runs the
    /// plugin, writes mapped outputs. A Synth started or stopped inside the block renders
    /// only its part of the block, after `activate` at its first frame; one with
    /// sample-accurate control changes due inside the block renders in pieces split at
    /// those frames.
    ///
    /// Context: RT. A panic in the plugin is caught by its table; the Synth then stays
    /// silent and the result says so, so one bad Synth cannot take the audio thread down.
    pub(crate) fn process(
        &mut self,
        buses: &mut NumberedBuses<'_>,
        access: &dyn ResourceAccess,
        frame: u64,
        reports: &mut dyn Reports,
        wire_buffers: &mut [f32],
    ) -> ProcessOutcome {
        self.read_mapped_controls(buses);
        let changes = std::mem::take(&mut self.pending_len) as usize;
        if !self.active || self.faulted {
            // Nothing renders, so timed changes due in this block simply take effect.
            let parts = self.parts();
            for c in &parts.pending[..changes] {
                parts.controls[c.index] = c.value;
            }
            return ProcessOutcome::Idle;
        }
        let from = std::mem::take(&mut self.start_offset) as usize;
        let to = self.stop_offset.unwrap_or(self.layout.block_size).max(from as u32) as usize;
        if !self.activated {
            self.activated = true;
            let sample_rate = self.sample_rate;
            let (entry, parts) = self.split();
            // SAFETY: the state was built by this table and only this Synth uses it.
            let started =
                unsafe { entry.table().activate(parts.state, sample_rate, frame + from as u64, parts.controls) };
            if started.is_err() {
                self.faulted = true;
                return ProcessOutcome::Faulted;
            }
        }
        let mut cursor = from;
        let mut said_done = false;
        let mut action = None;
        let mut next_change = 0;
        // The block in runs split at the frames of the changes due inside it: each change
        // takes effect at its frame, those due at or outside the block's ends at once.
        loop {
            let mut end = to;
            while next_change < changes {
                let change = self.parts().pending[next_change];
                if change.offset > cursor && change.offset < to {
                    end = change.offset;
                    break;
                }
                self.parts().controls[change.index] = change.value;
                next_change += 1;
            }
            if cursor < end {
                match self.run(buses, access, frame, reports, wire_buffers, cursor..end) {
                    Some(Said::Done) => said_done = true,
                    Some(Said::Action(a)) => action = action.or(Some(a)),
                    Some(Said::Nothing) => {}
                    None => return ProcessOutcome::Faulted,
                }
            }
            if end == to {
                break;
            }
            cursor = end;
        }
        let (entry, parts) = self.split();
        for &c in &entry.info().trigger_controls {
            if let Some(value) = parts.controls.get_mut(c) {
                *value = 0.0;
            }
        }
        if let Some(action) = action {
            return ProcessOutcome::DoneAction(action);
        }
        if said_done && !self.done {
            self.done = true;
            ProcessOutcome::BecameDone
        } else {
            ProcessOutcome::Ran
        }
    }

    /// Maps control `index` to read a bus (a control bus's value, or an audio bus's
    /// first frame, at the start of every block), or unmaps it with [`ControlMap::None`];
    /// a new map replaces the old. Context: RT.
    pub(crate) fn map_control(&mut self, index: usize, map: ControlMap) {
        let parts = self.parts();
        let Some(slot) = parts.bus_maps.get_mut(index) else { return };
        let was = *slot != ControlMap::None;
        *slot = map;
        match (was, map != ControlMap::None) {
            (false, true) => self.mapped += 1,
            (true, false) => self.mapped -= 1,
            _ => {}
        }
    }

    /// Reads the mapped controls' buses into the controls: a control bus's value, an audio
    /// bus's first frame of this block (as scsynth's control-rate controls read one; zero
    /// if nothing has written the bus yet this block). Context: RT.
    fn read_mapped_controls(&mut self, buses: &NumberedBuses<'_>) {
        if self.mapped == 0 {
            return;
        }
        let (entry, parts) = self.split();
        for ((value, &map), spec) in parts.controls.iter_mut().zip(parts.bus_maps.iter()).zip(entry.controls()) {
            match map {
                ControlMap::None => {}
                ControlMap::ControlBus(bus) => *value = spec.clamp(buses.read_control(bus as usize)),
                ControlMap::AudioBus(bus) => {
                    let mut first = [0.0];
                    buses.read_audio(bus as usize, 0, &mut first, false);
                    *value = spec.clamp(first[0]);
                }
            }
        }
    }

    /// Runs the plugin over frames `from..to` of the block that starts at `frame`, lending
    /// it the engine's wire buffers; what it said about being done, or `None` if it
    /// panicked or faulted.
    fn run(
        &mut self,
        buses: &mut NumberedBuses<'_>,
        access: &dyn ResourceAccess,
        frame: u64,
        reports: &mut dyn Reports,
        wire_buffers: &mut [f32],
        frames: std::ops::Range<usize>,
    ) -> Option<Said> {
        let result = match self.entry.graph() {
            Some(graph) => {
                let l = &self.layout;
                let base = self.memory.as_ptr();
                let n = self.entry.controls().len();
                // SAFETY: as in `split`, for the controls, their maps and the state alone,
                // which a graph Synth's call reads (it has no audio or resource ports); the
                // state was built by the graph and only this Synth uses it.
                unsafe {
                    let call = GraphCall {
                        sample_rate: self.sample_rate,
                        frame: frame + frames.start as u64,
                        offset: frames.start,
                        frames: frames.len(),
                        controls: std::slice::from_raw_parts(base.add(l.controls as usize).cast(), n),
                        control_maps: ControlMaps::new(std::slice::from_raw_parts(
                            base.add(l.bus_maps as usize).cast(),
                            n,
                        )),
                        buses,
                        access,
                        reports,
                        wire_buffers,
                    };
                    graph.run(NonNull::new_unchecked(base.add(l.state as usize)), call)
                }
            }
            None => self.run_table(buses, access, frame, reports, wire_buffers, frames),
        };
        match result {
            Ok(ProcessStatus::Faulted) | Err(_) => {
                self.faulted = true;
                None
            }
            Ok(ProcessStatus::Done) => Some(Said::Done),
            Ok(ProcessStatus::DoneAction(action)) => Some(Said::Action(action)),
            Ok(_) => Some(Said::Nothing),
        }
    }

    /// [`run`](Self::run) for a Synth of a plugin's SynthDef, through its table: its audio
    /// inputs read from their buses before the call, its outputs written to theirs after.
    fn run_table(
        &mut self,
        buses: &mut NumberedBuses<'_>,
        access: &dyn ResourceAccess,
        frame: u64,
        reports: &mut dyn Reports,
        wire_buffers: &mut [f32],
        std::ops::Range { start: from, end: to }: std::ops::Range<usize>,
    ) -> Result<ProcessStatus, Panicked> {
        let b = self.layout.block_size as usize;
        let sample_rate = self.sample_rate;
        let (entry, parts) = self.split();
        let outputs = parts.output_maps.len();
        // Channel `k` of the inputs and outputs is `k * b..(k + 1) * b`; indexed, not
        // chunked, as chunking divides by the block size.
        for (k, mapping) in parts.input_maps.iter().enumerate() {
            let part = &mut parts.inputs[k * b + from..k * b + to];
            match mapping {
                Some(m) => buses.audio.read(*m, from, part),
                None => part.fill(0.0),
            }
        }
        let args = ProcessArgs {
            sample_rate,
            frame: frame + from as u64,
            frames: to - from,
            controls: parts.controls,
            control_maps: ControlMaps::new(parts.bus_maps),
            inputs: parts.inputs,
            outputs: parts.outputs,
            stride: b,
            offset: from,
            ports: &Ports(parts.ports),
            access,
            buses: &mut *buses,
            reports,
            wire_buffers,
        };
        // SAFETY: the state was built by this table and only this Synth uses it.
        let status = unsafe { entry.table().process(parts.state, args) }?;
        if outputs > 0 && status != ProcessStatus::Faulted {
            let parts = self.parts();
            if status == ProcessStatus::OutputsUntouched {
                for k in 0..outputs {
                    parts.outputs[k * b + from..k * b + to].fill(0.0);
                }
            }
            for (k, maps) in parts.output_maps.iter().enumerate() {
                for m in maps.iter() {
                    buses.audio.write(m, from, &parts.outputs[k * b + from..k * b + to]);
                }
            }
        }
        Ok(status)
    }
}

/// What one run of a Synth's plugin said about being done.
enum Said {
    Nothing,
    Done,
    Action(DoneAction),
}

impl Drop for SynthInstance {
    // Context: NRT (a worker, or whoever tears the engine down).
    fn drop(&mut self) {
        let layout = self.layout;
        let (entry, parts) = self.split();
        // SAFETY: the state was built by this table and is never used again.
        if let Err(text) = unsafe { entry.table().drop_state(parts.state) } {
            tracing::error!("synthdef '{}' panicked while dropping a Synth: {text}", entry.name());
        }
        // SAFETY: the ports were initialized (`from_parts`) and are never used again.
        unsafe { std::ptr::drop_in_place(parts.ports as *mut [ResourcePortSlot]) };
        // SAFETY: allocated by the global allocator with this layout (`from_parts`), and
        // nothing in it is used again: the next Synth of the def may take it.
        unsafe { self.entry.spare().give(self.memory, layout.total) };
    }
}

impl std::fmt::Debug for SynthInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthInstance").field("def", &self.entry.name()).finish()
    }
}

/// What one call of [`SynthInstance::process`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProcessOutcome {
    /// Not active (or faulted earlier): nothing ran.
    Idle,
    /// Processed.
    Ran,
    /// Processed, and said it is done for the first time.
    BecameDone,
    /// Processed, and asked for a done action (which replaces its done flags).
    DoneAction(DoneAction),
    /// The plugin panicked during this call.
    Faulted,
}

/// Why an output mapping was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapOutputError {
    /// The Synth has no such output port.
    NoSuchPort,
    /// The port already feeds [`MAX_BUSES_PER_OUTPUT`] buses.
    Full,
}
