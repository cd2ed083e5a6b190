use std::collections::HashMap;
use std::sync::Arc;

use oscine_plugin_api::{Registrar, SynthDef};

use crate::engine::{ControlNameId, SynthDefEntry};

/// Every SynthDef the engine knows, by name, with control names interned.
///
/// Context: NRT. Built before the engine starts and read-only afterwards; Synths hold an
/// `Arc` of their entry, so the audio thread reads descriptions without touching the map.
#[derive(Default)]
pub struct SynthDefRegistry {
    entries: HashMap<String, Arc<SynthDefEntry>>,
    control_names: HashMap<String, ControlNameId>,
}

impl SynthDefRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding Oscine's built-in SynthDefs.
    pub fn with_builtins() -> Self {
        let mut registry = Self::new();
        oscine_plugins::register(&mut registry);
        registry
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<SynthDefEntry>> {
        self.entries.get(name)
    }

    /// The interned id of a control name, if any registered SynthDef has that control.
    pub fn control_name_id(&self, name: &str) -> Option<ControlNameId> {
        self.control_names.get(name).copied()
    }

    /// The name behind an interned id.
    pub fn control_name(&self, id: ControlNameId) -> Option<&str> {
        self.control_names.iter().find(|(_, v)| **v == id).map(|(k, _)| k.as_str())
    }

    /// Every entry, sorted by name.
    pub fn entries(&self) -> Vec<&Arc<SynthDefEntry>> {
        let mut all: Vec<_> = self.entries.values().collect();
        all.sort_by(|a, b| a.name().cmp(b.name()));
        all
    }

    /// The largest control count of any SynthDef (sizes node-tree snapshots).
    pub fn max_controls(&self) -> usize {
        self.entries.values().map(|e| e.controls().len()).max().unwrap_or(0)
    }
}

impl Registrar for SynthDefRegistry {
    fn register_synthdef(&mut self, def: Arc<dyn SynthDef>) {
        let ids = def
            .controls()
            .iter()
            .map(|spec| {
                let next = ControlNameId(self.control_names.len() as u32);
                *self.control_names.entry(spec.name.to_owned()).or_insert(next)
            })
            .collect();
        let entry = SynthDefEntry::new(def, ids);
        self.entries.insert(entry.name().to_owned(), Arc::new(entry));
    }
}
