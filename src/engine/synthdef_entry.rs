use std::sync::Arc;

use oscine_plugin_api::{ControlSpec, SynthDef};

use super::ControlNameId;

/// A registered SynthDef with what the engine derives from it once: its control name ids.
///
/// Context: built NRT at registration; read on any thread afterwards (immutable).
pub struct SynthDefEntry {
    def: Arc<dyn SynthDef>,
    name: String,
    control_name_ids: Vec<ControlNameId>,
}

impl SynthDefEntry {
    pub(crate) fn new(def: Arc<dyn SynthDef>, control_name_ids: Vec<ControlNameId>) -> Self {
        let name = def.name().to_owned();
        SynthDefEntry { def, name, control_name_ids }
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

    /// The control index for an interned name. Context: RT (a short linear scan).
    pub fn control_index(&self, name: ControlNameId) -> Option<usize> {
        self.control_name_ids.iter().position(|id| *id == name)
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
