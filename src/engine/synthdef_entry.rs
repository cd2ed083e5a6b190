//! A registered SynthDef as the engine keeps it.
//!
//! Context: any: an entry is built NRT at registration (`new` and `with_port_defs`,
//! marked) and is immutable afterwards, but for its spare Synth allocations, which pass
//! through a FIFO from the threads that drop Synths to the network thread; every
//! accessor reads it, on the network thread, the audio thread or a worker, without
//! allocating.

use std::sync::Arc;

use oscine_plugin_api::{ControlSpec, SynthDefInfo, SynthDefTable};

use super::{ControlNameId, ResourceDefId, SpareMemory};
use crate::graph::GraphSynthDef;

/// A registered SynthDef with what the engine derives from it once: its description, the
/// interned names of its controls and resource ports, and the ResourceDef each resource
/// port expects.
///
/// Context: built NRT at registration; read on any thread afterwards (immutable). The
/// audio thread calls into the plugin only through the table's `activate` and `process`.
pub struct SynthDefEntry {
    table: Arc<SynthDefTable>,
    control_name_ids: Box<[ControlNameId]>,
    resource_port_name_ids: Box<[ControlNameId]>,
    port_defs: Box<[Option<ResourceDefId>]>,
    /// Its freed Synths' allocations, for the next Synths.
    spare: SpareMemory,
    /// The graph, for a SynthDef made from one: the engine runs its Synths directly.
    graph: Option<Arc<GraphSynthDef>>,
}

/// A control or a resource port of a Synth, resolved from a name or an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortRef {
    /// Control `i`.
    Control(usize),
    /// Resource port `i`.
    Resource(usize),
}

impl SynthDefEntry {
    /// `port_defs` names, per resource port, the ResourceDef a bound Resource must have
    /// (`None`: no ResourceDef of the port's name is registered, so nothing can be bound
    /// there). Context: NRT (registration).
    pub(crate) fn new(
        table: Arc<SynthDefTable>,
        control_name_ids: Vec<ControlNameId>,
        resource_port_name_ids: Vec<ControlNameId>,
        port_defs: Vec<Option<ResourceDefId>>,
    ) -> Self {
        SynthDefEntry {
            table,
            control_name_ids: control_name_ids.into(),
            resource_port_name_ids: resource_port_name_ids.into(),
            port_defs: port_defs.into(),
            spare: SpareMemory::default(),
            graph: None,
        }
    }

    /// This entry, for the SynthDef made from `graph` (its table holds the same graph).
    /// Context: NRT (registration).
    pub(crate) fn with_graph(self, graph: Option<Arc<GraphSynthDef>>) -> Self {
        SynthDefEntry { graph, ..self }
    }

    /// The graph of a SynthDef made from one.
    #[inline]
    pub(crate) fn graph(&self) -> Option<&GraphSynthDef> {
        self.graph.as_deref()
    }

    /// Its freed Synths' allocations, kept for the next Synths of this def.
    pub(crate) fn spare(&self) -> &SpareMemory {
        &self.spare
    }

    /// The plugin's table of functions.
    pub(crate) fn table(&self) -> &SynthDefTable {
        &self.table
    }

    /// What the SynthDef said about itself at registration.
    pub fn info(&self) -> &SynthDefInfo {
        self.table.info()
    }

    /// How many unit generators a Synth of this def runs (1 for a plugin's SynthDef).
    pub fn units(&self) -> usize {
        self.table.units()
    }

    /// Whether the SynthDef was made from a graph (SCgf), rather than by a plugin.
    pub fn is_graph(&self) -> bool {
        self.table.is_dynamic()
    }

    /// The SynthDef's name.
    pub fn name(&self) -> &str {
        &self.info().name
    }

    /// The control specs, in index order.
    pub fn controls(&self) -> &[ControlSpec] {
        &self.info().controls
    }

    /// The control or resource port with an interned name. Context: RT (a short scan of
    /// integers).
    pub(crate) fn port_by_name(&self, name: ControlNameId) -> Option<PortRef> {
        if let Some(i) = self.control_name_ids.iter().position(|id| *id == name) {
            return Some(PortRef::Control(i));
        }
        self.resource_port_name_ids.iter().position(|id| *id == name).map(PortRef::Resource)
    }

    /// The control or resource port at `index`: controls first, then resource ports.
    pub(crate) fn port_by_index(&self, index: usize) -> Option<PortRef> {
        let controls = self.control_name_ids.len();
        if index < controls {
            Some(PortRef::Control(index))
        } else if index - controls < self.resource_port_name_ids.len() {
            Some(PortRef::Resource(index - controls))
        } else {
            None
        }
    }

    /// The same SynthDef with its resource ports expecting `port_defs` (ResourceDefs
    /// registered, replaced or removed since). Context: NRT (registration).
    pub(crate) fn with_port_defs(&self, port_defs: Vec<Option<ResourceDefId>>) -> Self {
        SynthDefEntry {
            table: Arc::clone(&self.table),
            control_name_ids: self.control_name_ids.clone(),
            resource_port_name_ids: self.resource_port_name_ids.clone(),
            port_defs: port_defs.into(),
            spare: SpareMemory::default(),
            graph: self.graph.clone(),
        }
    }

    /// The ResourceDef each resource port expects, in port order.
    pub(crate) fn port_defs(&self) -> &[Option<ResourceDefId>] {
        &self.port_defs
    }

    /// The ResourceDef resource port `port` expects.
    pub(crate) fn port_def(&self, port: usize) -> Option<ResourceDefId> {
        self.port_defs.get(port).copied().flatten()
    }

    /// Resource port count.
    pub fn resource_port_count(&self) -> usize {
        self.resource_port_name_ids.len()
    }

    /// Audio input count.
    pub fn input_count(&self) -> usize {
        self.info().audio_inputs.len()
    }

    /// Audio output count.
    pub fn output_count(&self) -> usize {
        self.info().audio_outputs.len()
    }
}

impl std::fmt::Debug for SynthDefEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthDefEntry").field("name", &self.name()).finish()
    }
}
