use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use oscine_plugin_api::{
    AudioInputs, AudioOutputs, ProcessContext, Resource, ResourceAccess, ResourceBinding, ResourceId, ResourcePorts,
    Synth,
};

use super::{AudioBuses, BusMapping, DoneFlags, EngineError, Garbage, ResourceDefId, ResourcePool, SynthDefEntry};

/// How many AudioBuses one Synth output port can feed at once.
pub const MAX_BUSES_PER_OUTPUT: usize = 4;

/// The buses one output port feeds.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputMappings {
    pub(crate) len: usize,
    pub(crate) maps: [Option<BusMapping>; MAX_BUSES_PER_OUTPUT],
}

impl OutputMappings {
    /// The mapped buses, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = BusMapping> + '_ {
        self.maps[..self.len].iter().flatten().copied()
    }
}

/// A Synth as the engine holds it: the plugin's instance, its controls, its audio port
/// buffers and bus mappings, its done flags and whether it runs.
///
/// Context: built NRT by the control side (`src/control/synth_builder.rs`, where every
/// allocation happens), moved to the audio thread inside a command, processed there, and moved back to a worker to be
/// dropped.
pub struct SynthInstance {
    pub(crate) entry: Arc<SynthDefEntry>,
    pub(crate) synth: Box<dyn Synth>,
    pub(crate) controls: Box<[f32]>,
    pub(crate) inputs: Box<[f32]>,
    pub(crate) outputs: Box<[f32]>,
    pub(crate) input_maps: Box<[Option<BusMapping>]>,
    pub(crate) output_maps: Box<[OutputMappings]>,
    pub(crate) resource_defs: Box<[Option<ResourceDefId>]>,
    pub(crate) resource_requests: Box<[Option<ResourceId>]>,
    pub(crate) resources: Box<[Option<ResourceBinding>]>,
    pub(crate) block_size: usize,
    pub(crate) sample_rate: f64,
    pub(crate) done_flags: DoneFlags,
    pub(crate) active: bool,
    pub(crate) done: bool,
    pub(crate) faulted: bool,
    pub(crate) start_offset: usize,
    pub(crate) stop_offset: Option<usize>,
    pub(crate) pending_changes: PendingChanges,
}

/// Control changes due at frames inside the coming block, for Synths whose SynthDef asks
/// for sample-accurate controls: the block is processed in pieces split at these frames.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingChanges {
    pub(crate) len: usize,
    pub(crate) items: [(usize, usize, f32); MAX_PENDING_CHANGES],
}

/// How many sample-accurate control changes one Synth can take per block; more are
/// applied at the block's start.
pub const MAX_PENDING_CHANGES: usize = 16;

/// Why a control could not be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlOutOfRange {
    /// The Synth's control count.
    pub count: usize,
}

impl SynthInstance {
    /// The SynthDef this Synth was built from.
    pub fn entry(&self) -> &Arc<SynthDefEntry> {
        &self.entry
    }

    /// Current control values.
    pub fn controls(&self) -> &[f32] {
        &self.controls
    }

    /// Maps input `port` (or unmaps it with `None`). Returns false if the port does not
    /// exist. Context: RT.
    pub fn map_input(&mut self, port: usize, mapping: Option<BusMapping>) -> bool {
        match self.input_maps.get_mut(port) {
            Some(slot) => {
                *slot = mapping;
                true
            }
            None => false,
        }
    }

    /// Maps output `port`: `append` adds a bus to those it feeds, otherwise the mapping
    /// replaces them all (`None` silences the port). Context: RT.
    pub fn map_output(&mut self, port: usize, mapping: Option<BusMapping>, append: bool) -> Result<(), MapOutputError> {
        let maps = self.output_maps.get_mut(port).ok_or(MapOutputError::NoSuchPort)?;
        match (mapping, append) {
            (None, _) => *maps = OutputMappings::default(),
            (Some(m), false) => {
                *maps = OutputMappings::default();
                maps.maps[0] = Some(m);
                maps.len = 1;
            }
            (Some(m), true) => {
                if maps.iter().any(|old| old.bus == m.bus && old.space == m.space) {
                    for slot in maps.maps[..maps.len].iter_mut().flatten() {
                        if slot.bus == m.bus && slot.space == m.space {
                            *slot = m;
                        }
                    }
                } else if maps.len == MAX_BUSES_PER_OUTPUT {
                    return Err(MapOutputError::Full);
                } else {
                    maps.maps[maps.len] = Some(m);
                    maps.len += 1;
                }
            }
        }
        Ok(())
    }

    /// Binds the resource ports requested at creation, each request once. On failure
    /// every binding made so far is released again, and the Synth comes back released,
    /// as garbage for a worker (its references are dropped there). Context: RT.
    pub(crate) fn bind_requested_resources(
        mut self: Box<Self>,
        pool: &ResourcePool,
    ) -> Result<Box<Self>, (EngineError, Garbage)> {
        for port in 0..self.resource_requests.len() {
            let Some(id) = self.resource_requests[port].take() else { continue };
            let expected = self.resource_defs.get(port).copied().flatten();
            match pool.acquire_shared(id, expected) {
                Ok(resource) => self.resources[port] = Some(ResourceBinding { id, resource }),
                Err(reason) => {
                    let released = self.release_resources(pool);
                    return Err((EngineError::ResourceBind { port: port as u32, id, reason }, released));
                }
            }
        }
        Ok(self)
    }

    /// Re-binds resource `port` to `id`. On success the old binding's reference comes
    /// back (to be dropped on a worker); on failure the old binding stays. Context: RT.
    pub fn rebind_resource(
        &mut self,
        port: usize,
        id: ResourceId,
        pool: &ResourcePool,
    ) -> Result<Option<Arc<dyn Resource>>, EngineError> {
        let expected = self.resource_defs.get(port).copied().flatten();
        let resource = pool.acquire_shared(id, expected).map_err(|reason| EngineError::ResourceBind {
            port: port as u32,
            id,
            reason,
        })?;
        let old = self.resources[port].replace(ResourceBinding { id, resource });
        Ok(old.map(|b| {
            pool.release(b.id);
            b.resource
        }))
    }

    /// Unbinds resource `port`: releases its Resource and hands back the reference (to be
    /// dropped on a worker). Context: RT.
    pub fn unbind_resource(&mut self, port: usize, pool: &ResourcePool) -> Option<Arc<dyn Resource>> {
        let old = self.resources.get_mut(port)?.take()?;
        pool.release(old.id);
        Some(old.resource)
    }

    /// Releases every bound Resource's holder count and hands the Synth over as garbage
    /// for a worker, which drops it with its references. A Synth's bindings hold the pool
    /// until this is called, and once it is the Synth is gone: no hold is released
    /// twice. Context: RT.
    pub(crate) fn release_resources(self: Box<Self>, pool: &ResourcePool) -> Garbage {
        for binding in self.resources.iter().flatten() {
            pool.release(binding.id);
        }
        Garbage::Synth(self)
    }

    /// The input mappings, by port.
    pub fn input_mappings(&self) -> &[Option<BusMapping>] {
        &self.input_maps
    }

    /// The output mappings, by port.
    pub fn output_mappings(&self) -> &[OutputMappings] {
        &self.output_maps
    }

    /// What happens when this Synth says it is done.
    pub fn done_flags(&self) -> DoneFlags {
        self.done_flags
    }

    /// Context: RT.
    pub fn set_done_flags(&mut self, flags: DoneFlags) {
        self.done_flags = flags;
    }

    /// Whether the Synth is processed. Context: RT.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Starts processing at frame `offset` of the next block: the frames before it stay
    /// silent. Activating a running Synth does nothing. Context: RT.
    pub fn activate_at(&mut self, offset: usize) {
        if !self.active {
            self.active = true;
            self.start_offset = offset.min(self.block_size);
        }
    }

    /// Whether a timed free is already stopping this Synth.
    pub fn is_stopping(&self) -> bool {
        self.stop_offset.is_some()
    }

    /// Processes only the frames before `offset` in the next block (the engine frees the
    /// Synth after that block). Context: RT.
    pub fn stop_at(&mut self, offset: usize) {
        self.stop_offset = Some(offset.min(self.block_size));
    }

    /// Sets control `index` at frame `offset` of the next block if the SynthDef asks for
    /// sample-accurate controls, else now. Context: RT.
    pub fn set_control_at(&mut self, index: usize, value: f32, offset: usize) -> Result<(), ControlOutOfRange> {
        let count = self.controls.len();
        let spec = *self.entry.controls().get(index).ok_or(ControlOutOfRange { count })?;
        let p = &mut self.pending_changes;
        if offset == 0 || !self.entry.def().sample_accurate_controls() || p.len == MAX_PENDING_CHANGES {
            self.controls[index] = spec.clamp(value);
            return Ok(());
        }
        // Keep the list ordered by frame, arrival order within a frame.
        let at = p.items[..p.len].iter().position(|c| c.0 > offset).unwrap_or(p.len);
        p.items.copy_within(at..p.len, at + 1);
        p.items[at] = (offset.min(self.block_size), index, spec.clamp(value));
        p.len += 1;
        Ok(())
    }

    /// Renders one block: reads mapped inputs, runs the plugin, writes mapped outputs. A
    /// Synth started or stopped inside the block renders only its part of the block; one
    /// with sample-accurate control changes due inside the block renders in pieces split
    /// at those frames.
    ///
    /// Context: RT. A panic in the plugin is caught here; the Synth then stays silent and
    /// the result says so, so one bad Synth cannot take the audio thread down.
    pub fn process(&mut self, buses: &mut AudioBuses, access: &dyn ResourceAccess) -> ProcessOutcome {
        if !self.active || self.faulted {
            // Nothing renders, so timed changes due in this block simply take effect.
            for i in 0..std::mem::replace(&mut self.pending_changes.len, 0) {
                let (_, index, value) = self.pending_changes.items[i];
                self.controls[index] = value;
            }
            return ProcessOutcome::Idle;
        }
        let from = std::mem::take(&mut self.start_offset);
        let to = self.stop_offset.unwrap_or(self.block_size).max(from);
        let mut cursor = from;
        let mut said_done = false;
        let changes = std::mem::replace(&mut self.pending_changes.len, 0);
        for i in 0..changes {
            let (offset, index, value) = self.pending_changes.items[i];
            if offset > cursor && offset < to {
                match self.run(buses, access, cursor, offset) {
                    Some(done) => said_done |= done,
                    None => return ProcessOutcome::Faulted,
                }
                cursor = offset;
            }
            self.controls[index] = value;
        }
        if cursor < to {
            match self.run(buses, access, cursor, to) {
                Some(done) => said_done |= done,
                None => return ProcessOutcome::Faulted,
            }
        }
        if said_done && !self.done {
            self.done = true;
            ProcessOutcome::BecameDone
        } else {
            ProcessOutcome::Ran
        }
    }

    /// Runs the plugin over frames `from..to` of the block; `None` if it panicked.
    fn run(&mut self, buses: &mut AudioBuses, access: &dyn ResourceAccess, from: usize, to: usize) -> Option<bool> {
        let b = self.block_size;
        let frames = to - from;
        for (buffer, mapping) in self.inputs.chunks_exact_mut(b).zip(self.input_maps.iter()) {
            let part = &mut buffer[from..to];
            match mapping {
                Some(m) => buses.read(*m, from, part),
                None => part.fill(0.0),
            }
        }
        let n_in = self.input_maps.len();
        let n_out = self.output_maps.len();
        let mut ctx = ProcessContext::new(
            self.sample_rate,
            frames,
            &self.controls,
            AudioInputs::new(&self.inputs, n_in, b, from, frames),
            AudioOutputs::new(&mut self.outputs, n_out, b, from, frames),
        )
        .with_resources(ResourcePorts::new(&self.resources), access);
        let synth = &mut self.synth;
        let result = catch_unwind(AssertUnwindSafe(|| {
            synth.process(&mut ctx);
            ctx.is_done()
        }));
        let said_done = match result {
            Ok(done) => done,
            Err(payload) => {
                // Dropping the payload would free on the audio thread; a panicking plugin
                // is already a failure, so its few bytes are leaked instead.
                std::mem::forget(payload);
                self.faulted = true;
                return None;
            }
        };
        for (buffer, maps) in self.outputs.chunks_exact(b).zip(self.output_maps.iter()) {
            for m in maps.iter() {
                buses.write(m, from, &buffer[from..to]);
            }
        }
        Some(said_done)
    }
}

/// What one call of [`SynthInstance::process`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessOutcome {
    /// Not active (or faulted earlier): nothing ran.
    Idle,
    /// Processed.
    Ran,
    /// Processed, and said it is done for the first time.
    BecameDone,
    /// The plugin panicked during this call.
    Faulted,
}

/// Why an output mapping was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapOutputError {
    /// The Synth has no such output port.
    NoSuchPort,
    /// The port already feeds [`MAX_BUSES_PER_OUTPUT`] buses.
    Full,
}
