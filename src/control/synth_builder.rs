//! Building Synths off the audio thread: resolving the client's control values and
//! resource ports, calling the plugin's constructor, and allocating every buffer the Synth
//! will use, so the audio thread only links it in. Context: NRT (the network thread).

use std::sync::Arc;

use oscine_plugin_api::{ConstructError, ResourceId, World};

use super::EngineHandle;
use crate::engine::{
    BusMapping, DoneFlags, OutputMappings, PendingChanges, PortRef, ResourceDefId, SynthDefEntry, SynthInstance,
    MAX_PENDING_CHANGES,
};

/// Why a Synth could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
}

impl EngineHandle {
    /// Builds a Synth of the named SynthDef with initial control values and resource port
    /// bindings (a resource port takes an integer resource id as its value); its outputs
    /// feed the first hardware outputs. Context: NRT (allocates).
    pub fn build_synth(
        &self,
        def: &str,
        initial: &[(ControlKey<'_>, f32)],
    ) -> Result<Box<SynthInstance>, SynthBuildError> {
        let entry = self.registry().get(def).ok_or_else(|| SynthBuildError::UnknownSynthDef(def.to_owned()))?;
        let specs = entry.controls();
        let ports = entry.def().resource_ports();
        let unknown = |control: String| SynthBuildError::UnknownControl { def: def.to_owned(), control };
        let mut controls = Vec::with_capacity(initial.len());
        let mut resources = Vec::new();
        for (key, value) in initial {
            let port = match key {
                ControlKey::Index(i) => entry.port_by_index(*i).ok_or_else(|| unknown(format!("index {i}")))?,
                ControlKey::Name(name) => {
                    let by_name = specs.iter().position(|s| s.name == *name).map(PortRef::Control);
                    by_name
                        .or_else(|| ports.iter().position(|p| p.name == *name).map(PortRef::Resource))
                        .ok_or_else(|| unknown(format!("'{name}'")))?
                }
            };
            match port {
                PortRef::Control(i) => controls.push((i, *value)),
                PortRef::Resource(i) => {
                    if value.fract() != 0.0 || *value < 0.0 || *value > i32::MAX as f32 {
                        return Err(SynthBuildError::Construct {
                            def: def.to_owned(),
                            reason: format!(
                                "resource port '{}' takes an integer resource id, got {value}",
                                ports[i].name
                            ),
                        });
                    }
                    resources.push((i, *value as ResourceId));
                }
            }
        }
        let port_defs = ports.iter().map(|p| self.registry().resource_def_id(p.def)).collect();
        let world = World { sample_rate: self.options().sample_rate, block_size: self.options().block_size };
        Self::instance(Arc::clone(entry), &world, &controls, self.options().outputs, port_defs, &resources)
            .map(Box::new)
            .map_err(|e| SynthBuildError::Construct { def: def.to_owned(), reason: e.reason })
    }

    /// Builds a Synth of `entry` with the given initial control values (index, value); the
    /// others take their defaults. Output `i` feeds hardware output `i` when
    /// `default_outputs` is at least `i + 1`; inputs start unmapped (silent). Resource
    /// ports get the ids in `resources` (port, id) bound when the Synth is linked in on the
    /// audio thread; `resource_defs` names the ResourceDef each port expects.
    ///
    /// Context: NRT (allocates every buffer the Synth will use on the audio thread).
    fn instance(
        entry: Arc<SynthDefEntry>,
        world: &World,
        initial: &[(usize, f32)],
        default_outputs: usize,
        resource_defs: Vec<Option<ResourceDefId>>,
        resources: &[(usize, ResourceId)],
    ) -> Result<SynthInstance, ConstructError> {
        let specs = entry.controls();
        let mut controls: Box<[f32]> = specs.iter().map(|s| s.default).collect();
        for &(index, value) in initial {
            let spec = specs.get(index).ok_or_else(|| {
                ConstructError::new(format!("control index {index} out of range (0..{})", specs.len()))
            })?;
            controls[index] = spec.clamp(value);
        }
        let ports = entry.resource_port_count();
        let mut resource_requests = vec![None; ports].into_boxed_slice();
        for &(port, id) in resources {
            let slot = resource_requests
                .get_mut(port)
                .ok_or_else(|| ConstructError::new(format!("resource port {port} out of range (0..{ports})")))?;
            *slot = Some(id);
        }
        let synth = entry.def().construct(world, &controls)?;
        let b = world.block_size;
        let n_in = entry.input_count();
        let n_out = entry.output_count();
        let output_maps = (0..n_out)
            .map(|i| {
                let mut m = OutputMappings::default();
                if i < default_outputs {
                    m.maps[0] = Some(BusMapping::external(i as u32));
                    m.len = 1;
                }
                m
            })
            .collect();
        Ok(SynthInstance {
            entry,
            synth,
            controls,
            inputs: vec![0.0; n_in * b].into_boxed_slice(),
            outputs: vec![0.0; n_out * b].into_boxed_slice(),
            input_maps: vec![None; n_in].into_boxed_slice(),
            output_maps,
            resource_defs: resource_defs.into_boxed_slice(),
            resource_requests,
            resources: vec![None; ports].into_boxed_slice(),
            block_size: b,
            sample_rate: world.sample_rate,
            done_flags: DoneFlags::NOTIFY,
            active: false,
            done: false,
            faulted: false,
            start_offset: 0,
            stop_offset: None,
            pending_changes: PendingChanges { len: 0, items: [(0, 0, 0.0); MAX_PENDING_CHANGES] },
        })
    }
}
