//! Building Synths off the audio thread: resolving the client's control values and
//! resource ports, calling the plugin's constructor, and allocating every buffer the Synth
//! will use, so the audio thread only links it in. Context: NRT (the network thread).

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;

use oscine_plugin_api::{ControlMap, ResourceId};

use super::EngineHandle;
use crate::engine::{
    BusMapping, OutputMappings, PendingChange, PortRef, ResourcePortSlot, SynthInstance, SynthLayout,
    MAX_PENDING_CHANGES,
};

/// Why a Synth could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SynthBuildError {
    /// No SynthDef has the name.
    #[error("no synthdef named '{0}'")]
    UnknownSynthDef(String),
    /// A control given at creation does not exist.
    #[error("synthdef '{def}' has no control {control}")]
    UnknownControl {
        /// The SynthDef.
        def: String,
        /// The control, as given.
        control: String,
    },
    /// The plugin refused.
    #[error("synthdef '{def}' failed to build a synth: {reason}")]
    Construct {
        /// The SynthDef.
        def: String,
        /// The plugin's reason.
        reason: String,
    },
}

/// A control named by index or by name, as a client gives it at creation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ControlKey<'a> {
    /// By index.
    Index(usize),
    /// By name.
    Name(&'a str),
    /// Element `k` of the array control `name`: see [`element_name`].
    Element(&'a str, usize),
}

/// The name of element `k` of the array control `name`: the name itself, then `name[1]`,
/// `name[2]`, ... as graph SynthDefs name an array parameter's further values.
pub fn element_name(name: &str, k: usize) -> String {
    if k == 0 {
        name.to_owned()
    } else {
        format!("{name}[{k}]")
    }
}

impl EngineHandle {
    /// Builds a Synth of the named SynthDef with initial control values and resource port
    /// bindings (a resource port takes an integer resource id as its value); its outputs
    /// feed the first hardware outputs, its inputs start unmapped (silent), and its
    /// resource ports are bound when the audio thread links it in.
    ///
    /// Context: NRT. Makes the Synth's one allocation and builds the plugin's state in it.
    pub fn build_synth(&self, def: &str, initial: &[(ControlKey<'_>, f32)]) -> Result<SynthInstance, SynthBuildError> {
        self.build_synth_with(def, initial.iter().copied())
    }

    /// [`build_synth`](Self::build_synth) with the initial values as they come.
    pub fn build_synth_with<'k>(
        &self,
        def: &str,
        initial: impl IntoIterator<Item = (ControlKey<'k>, f32)>,
    ) -> Result<SynthInstance, SynthBuildError> {
        let registry = self.registry();
        let entry = registry.get(def).ok_or_else(|| SynthBuildError::UnknownSynthDef(def.to_owned()))?;
        let unknown = |control: String| SynthBuildError::UnknownControl { def: def.to_owned(), control };
        let construct = |reason: String| SynthBuildError::Construct { def: def.to_owned(), reason };
        let specs = entry.controls();
        let options = self.options();
        let world = options.world();
        let layout = SynthLayout::new(entry, world.block_size).map_err(|e| construct(e.to_string()))?;
        let memory = match entry.spare().take(layout.total) {
            Some(ptr) => Memory(ptr, layout.total),
            None => Memory::allocate(layout.total).map_err(construct)?,
        };
        let base = memory.0.as_ptr();
        let at = |offset: u32| offset as usize;
        // SAFETY: the controls' place in the allocation, aligned for `f32`, with room for
        // one per control; written in full before it is read.
        let controls: &mut [f32] = unsafe {
            let first = base.add(at(layout.controls)).cast::<f32>();
            write_all(first, specs.iter().map(|s| s.default));
            std::slice::from_raw_parts_mut(first, specs.len())
        };
        let mut requests: Vec<Option<ResourceId>> = vec![None; entry.resource_port_count()];
        for (key, value) in initial {
            let port = match key {
                ControlKey::Index(i) => entry.port_by_index(i).ok_or_else(|| unknown(format!("index {i}")))?,
                ControlKey::Name(name) | ControlKey::Element(name, 0) => registry
                    .control_name_id(name)
                    .and_then(|id| entry.port_by_name(id))
                    .ok_or_else(|| unknown(format!("'{name}'")))?,
                ControlKey::Element(name, k) => {
                    let name = element_name(name, k);
                    registry
                        .control_name_id(&name)
                        .and_then(|id| entry.port_by_name(id))
                        .ok_or_else(|| unknown(format!("'{name}'")))?
                }
            };
            match port {
                PortRef::Control(i) => controls[i] = specs[i].clamp(value),
                PortRef::Resource(i) => {
                    if value.fract() != 0.0 || value < 0.0 || value > i32::MAX as f32 {
                        let name = &entry.info().resource_ports[i].name;
                        return Err(construct(format!(
                            "resource port '{name}' takes an integer resource id, got {value}"
                        )));
                    }
                    requests[i] = Some(value as ResourceId);
                }
            }
        }
        let b = world.block_size;
        let (n_in, n_out) = (entry.input_count(), entry.output_count());
        let hardware = options.outputs;
        // SAFETY: every write is inside the allocation at an offset `layout` computed for
        // its type, so aligned and in bounds; each part is written once, in full.
        unsafe {
            write_all(
                base.add(at(layout.bus_maps)).cast::<ControlMap>(),
                std::iter::repeat_n(ControlMap::None, controls.len()),
            );
            write_all(base.add(at(layout.inputs)).cast::<f32>(), std::iter::repeat_n(0.0, n_in * b));
            write_all(base.add(at(layout.outputs)).cast::<f32>(), std::iter::repeat_n(0.0, n_out * b));
            write_all(base.add(at(layout.input_maps)).cast::<Option<BusMapping>>(), std::iter::repeat_n(None, n_in));
            let outputs = (0..n_out).map(|i| {
                if i < hardware {
                    OutputMappings::one(BusMapping::external(i as u32))
                } else {
                    OutputMappings::default()
                }
            });
            write_all(base.add(at(layout.output_maps)).cast(), outputs);
            write_all(
                base.add(at(layout.pending)).cast(),
                std::iter::repeat_n(PendingChange::default(), MAX_PENDING_CHANGES),
            );
        }
        // SAFETY: the state's place is inside the allocation, aligned for the table's layout.
        let state = unsafe { NonNull::new_unchecked(base.add(at(layout.state))) };
        // SAFETY: the place is fresh memory of the table's state layout.
        unsafe { entry.table().construct(&world, controls, state) }.map_err(|e| construct(e.reason().to_owned()))?;
        let ports =
            requests.iter().enumerate().map(|(port, request)| ResourcePortSlot::new(entry.port_def(port), *request));
        // SAFETY: as above; nothing can fail from here on, so the ports are always dropped
        // by the instance.
        unsafe { write_all(base.add(at(layout.ports)).cast(), ports) };
        let memory = memory.into_raw();
        // SAFETY: allocated with `layout.total` by the global allocator, and every part is
        // initialized above.
        Ok(unsafe { SynthInstance::from_parts(memory, layout, Arc::clone(entry), world.sample_rate) })
    }
}

/// A Synth's allocation until it belongs to a `SynthInstance`: freed (without dropping
/// anything in it) if building fails halfway.
struct Memory(NonNull<u8>, Layout);

impl Memory {
    fn allocate(layout: Layout) -> Result<Memory, String> {
        if layout.size() == 0 {
            return Err("a synth's memory cannot be empty".into());
        }
        // SAFETY: the size is non-zero.
        let ptr = unsafe { std::alloc::alloc(layout) };
        NonNull::new(ptr)
            .map(|p| Memory(p, layout))
            .ok_or_else(|| format!("out of memory for a synth of {} bytes", layout.size()))
    }

    fn into_raw(self) -> NonNull<u8> {
        let ptr = self.0;
        std::mem::forget(self);
        ptr
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: allocated by `allocate` with this layout.
        unsafe { std::alloc::dealloc(self.0.as_ptr(), self.1) }
    }
}

/// Writes `values` one after another from `dst`.
///
/// # Safety
/// `dst` must be valid and aligned for writes of as many `T`s as `values` yields.
unsafe fn write_all<T>(dst: *mut T, values: impl Iterator<Item = T>) {
    for (i, v) in values.enumerate() {
        // SAFETY: passed on from the caller.
        unsafe { dst.add(i).write(v) };
    }
}
