use std::sync::Arc;

use oscine_plugin_api::{ControlSpec, SynthDef};

use super::ControlNameId;

/// A registered SynthDef with what the engine derives from it once: the interned names of
/// its controls and resource ports.
///
/// Context: built NRT at registration; read on any thread afterwards (immutable).
pub struct SynthDefEntry {
    def: Arc<dyn SynthDef>,
    name: String,
    control_name_ids: Vec<ControlNameId>,
    resource_port_name_ids: Vec<ControlNameId>,
}

/// A control or a resource port of a Synth, resolved from a name or an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRef {
    /// Control `i`.
    Control(usize),
    /// Resource port `i`.
    Resource(usize),
}

impl SynthDefEntry {
    pub(crate) fn new(
        def: Arc<dyn SynthDef>,
        control_name_ids: Vec<ControlNameId>,
        resource_port_name_ids: Vec<ControlNameId>,
    ) -> Self {
        let name = def.name().to_owned();
        SynthDefEntry { def, name, control_name_ids, resource_port_name_ids }
    }

    /// The plugin's definition.
    pub fn def(&self) -> &dyn SynthDef {
        &*self.def
    }

    /// The SynthDef's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The control specs, in index order.
    pub fn controls(&self) -> &[ControlSpec] {
        self.def.controls()
    }

    /// The control or resource port with an interned name. Context: RT (a short scan).
    pub fn port_by_name(&self, name: ControlNameId) -> Option<PortRef> {
        if let Some(i) = self.control_name_ids.iter().position(|id| *id == name) {
            return Some(PortRef::Control(i));
        }
        self.resource_port_name_ids.iter().position(|id| *id == name).map(PortRef::Resource)
    }

    /// The control or resource port at `index`: controls first, then resource ports.
    pub fn port_by_index(&self, index: usize) -> Option<PortRef> {
        let controls = self.control_name_ids.len();
        if index < controls {
            Some(PortRef::Control(index))
        } else if index - controls < self.resource_port_name_ids.len() {
            Some(PortRef::Resource(index - controls))
        } else {
            None
        }
    }

    /// Resource port count.
    pub fn resource_port_count(&self) -> usize {
        self.resource_port_name_ids.len()
    }

    /// Audio input count.
    pub fn input_count(&self) -> usize {
        self.def.audio_inputs().len()
    }

    /// Audio output count.
    pub fn output_count(&self) -> usize {
        self.def.audio_outputs().len()
    }
}

impl std::fmt::Debug for SynthDefEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthDefEntry").field("name", &self.name).finish()
    }
}
