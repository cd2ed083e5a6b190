use std::collections::HashMap;
use std::sync::Arc;

use oscine_plugin_api::{Registrar, ResourceDef, SynthDef};

use crate::engine::{ControlNameId, ResourceDefId, ResourceDefs, SynthDefEntry};

/// Every SynthDef and ResourceDef the engine knows, by name, with control and resource
/// port names interned.
///
/// Context: built NRT before the engine starts and read-only afterwards. The audio thread
/// and the workers share it read-only (through an `Arc` that outlives them), so they can
/// look definitions up by id without any string map.
#[derive(Default)]
pub struct Registry {
    entries: HashMap<String, Arc<SynthDefEntry>>,
    control_names: HashMap<String, ControlNameId>,
    resource_defs: Vec<Arc<dyn ResourceDef>>,
    resource_def_ids: HashMap<String, ResourceDefId>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding Oscine's built-in definitions.
    pub fn with_builtins() -> Self {
        let mut registry = Self::new();
        oscine_plugins::register(&mut registry);
        registry
    }

    /// The SynthDef named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<SynthDefEntry>> {
        self.entries.get(name)
    }

    /// The interned id of a control or resource port name, if any SynthDef has one.
    pub fn control_name_id(&self, name: &str) -> Option<ControlNameId> {
        self.control_names.get(name).copied()
    }

    /// Every SynthDef, sorted by name.
    pub fn entries(&self) -> Vec<&Arc<SynthDefEntry>> {
        let mut all: Vec<_> = self.entries.values().collect();
        all.sort_by(|a, b| a.name().cmp(b.name()));
        all
    }

    /// The largest control count of any SynthDef (sizes node-tree snapshots).
    pub fn max_controls(&self) -> usize {
        self.entries.values().map(|e| e.controls().len()).max().unwrap_or(0)
    }

    /// The ResourceDef named `name`.
    pub fn resource_def_id(&self, name: &str) -> Option<ResourceDefId> {
        self.resource_def_ids.get(name).copied()
    }

    /// The ResourceDef with id `id`. Context: any (an index).
    pub fn resource_def(&self, id: ResourceDefId) -> Option<&Arc<dyn ResourceDef>> {
        self.resource_defs.get(id.0 as usize)
    }

    /// Every ResourceDef, in id order.
    pub fn resource_defs(&self) -> &[Arc<dyn ResourceDef>] {
        &self.resource_defs
    }

    /// The ResourceDefs as the workers see them: a table indexed by id.
    pub(crate) fn resource_def_table(&self) -> ResourceDefs {
        ResourceDefs::new(self.resource_defs.clone())
    }

    fn intern(&mut self, name: &str) -> ControlNameId {
        let next = ControlNameId(self.control_names.len() as u32);
        *self.control_names.entry(name.to_owned()).or_insert(next)
    }
}

impl Registrar for Registry {
    fn register_synthdef(&mut self, def: Arc<dyn SynthDef>) {
        let controls = def.controls().iter().map(|spec| self.intern(spec.name)).collect();
        let ports = def.resource_ports().iter().map(|port| self.intern(port.name)).collect();
        let entry = SynthDefEntry::new(def, controls, ports);
        self.entries.insert(entry.name().to_owned(), Arc::new(entry));
    }

    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        match self.resource_def_ids.get(def.name()) {
            Some(id) => self.resource_defs[id.0 as usize] = def,
            None => {
                let id = ResourceDefId(self.resource_defs.len() as u32);
                self.resource_def_ids.insert(def.name().to_owned(), id);
                self.resource_defs.push(def);
            }
        }
    }
}
