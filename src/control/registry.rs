use std::collections::HashMap;
use std::sync::Arc;

use oscine_plugin_api::{Registrar, ResourceDef, ResourceDefInfo, SynthDefTable};

use crate::engine::{ControlNameId, ResourceDefId, ResourceDefRef, SynthDefEntry};

/// Every SynthDef and ResourceDef the engine knows, by name, with what each said about
/// itself cached, and control and resource port names interned.
///
/// Context: built NRT before the engine starts and read-only afterwards. The audio thread
/// and the workers never look anything up in it: each Synth holds its `SynthDefEntry`,
/// and each `/resource/new` carries its ResourceDef ([`ResourceDefRef`]), which the
/// resource pool keeps for the Resource's operations and destroy.
#[derive(Default)]
pub struct Registry {
    entries: HashMap<String, Arc<SynthDefEntry>>,
    control_names: HashMap<String, ControlNameId>,
    resource_defs: Vec<Arc<dyn ResourceDef>>,
    resource_infos: Vec<ResourceDefInfo>,
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

    /// The ResourceDef named `name`, with its id, for a [`Command::ResourceNew`] to carry.
    ///
    /// [`Command::ResourceNew`]: crate::engine::Command::ResourceNew
    pub fn resource_def_ref(&self, name: &str) -> Option<ResourceDefRef> {
        let id = self.resource_def_id(name)?;
        let code = self.resource_defs.get(id.0 as usize)?;
        Some(ResourceDefRef::new(id, Arc::clone(code)))
    }

    /// What the ResourceDef with id `id` said about itself. Context: any (an index).
    pub fn resource_def(&self, id: ResourceDefId) -> Option<&ResourceDefInfo> {
        self.resource_infos.get(id.0 as usize)
    }

    /// What every ResourceDef said about itself, in id order.
    pub fn resource_defs(&self) -> &[ResourceDefInfo] {
        &self.resource_infos
    }

    /// The name of operation `index` of ResourceDef `def`.
    pub fn operation_name(&self, def: ResourceDefId, index: u16) -> Option<&str> {
        Some(&self.resource_def(def)?.operations.get(usize::from(index))?.name)
    }

    fn intern(&mut self, name: &str) -> ControlNameId {
        let next = ControlNameId(self.control_names.len() as u32);
        *self.control_names.entry(name.to_owned()).or_insert(next)
    }
}

impl Registrar for Registry {
    fn register_synthdef(&mut self, def: SynthDefTable) {
        let info = def.info();
        let controls = info.controls.iter().map(|spec| spec.name.clone()).collect::<Vec<_>>();
        let ports = info.resource_ports.clone();
        let controls = controls.iter().map(|name| self.intern(name)).collect();
        let port_names = ports.iter().map(|port| self.intern(&port.name)).collect();
        let port_defs = ports.iter().map(|port| self.resource_def_id(&port.def)).collect();
        let entry = SynthDefEntry::new(def, controls, port_names, port_defs);
        self.entries.insert(entry.name().to_owned(), Arc::new(entry));
    }

    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        let info = def.info();
        let id = match self.resource_def_ids.get(&*info.name) {
            Some(&id) => {
                self.resource_defs[id.0 as usize] = def;
                self.resource_infos[id.0 as usize] = info;
                id
            }
            None => {
                let id = ResourceDefId(self.resource_defs.len() as u32);
                self.resource_def_ids.insert(info.name.to_string(), id);
                self.resource_defs.push(def);
                self.resource_infos.push(info);
                id
            }
        };
        // SynthDefs registered before it whose resource ports name it can bind it now.
        let name = self.resource_infos[id.0 as usize].name.clone();
        for entry in self.entries.values_mut() {
            if let Some(entry) = Arc::get_mut(entry) {
                entry.resolve_port_defs(&name, id);
            }
        }
    }
}
