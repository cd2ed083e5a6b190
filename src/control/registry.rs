use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use oscine_plugin_api::{Registrar, ResourceDef, ResourceDefInfo, SynthDefTable};

use super::plugin::{InstallError, InstallMode, PluginDefinitions, PluginRecord, PluginSource, UninstallError};
use crate::engine::{ControlNameId, ResourceDefId, ResourceDefRef, SynthDefEntry};

/// Every SynthDef and ResourceDef the engine knows, by name, with what each said about
/// itself cached, control and resource port names interned, and the plugins they came
/// from.
///
/// Context: NRT, owned by the control side (the network thread), which installs and
/// removes plugins while the engine runs. The audio thread and the workers never read it:
/// each Synth holds its `SynthDefEntry` and each Resource job its ResourceDef, so a
/// definition replaced here stays alive for whatever was built from it.
///
/// Ids only grow: a ResourceDef registered again under a name gets a new id, so a
/// Resource built by the old definition is never taken for one of the new.
#[derive(Default, Clone)]
pub struct Registry {
    entries: HashMap<String, Arc<SynthDefEntry>>,
    control_names: HashMap<String, ControlNameId>,
    /// By id; `None` once replaced or removed (the Resources it built keep it).
    resource_defs: Vec<Option<Arc<dyn ResourceDef>>>,
    /// By id, never removed: replies name the operations of Resources of an old def.
    resource_infos: Vec<ResourceDefInfo>,
    resource_def_ids: HashMap<String, ResourceDefId>,
    plugins: Vec<PluginRecord>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding Oscine's built-in plugin.
    pub fn with_builtins() -> Self {
        let mut registry = Self::new();
        let builtins = PluginDefinitions::built_in(&oscine_plugins::PLUGIN).expect("the built-in plugin registers");
        registry.install(builtins, InstallMode::New).expect("the built-in plugin installs in an empty registry");
        registry
    }

    /// The SynthDef named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<SynthDefEntry>> {
        self.entries.get(name)
    }

    /// The interned id of a control or resource port name, if any SynthDef has had one.
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

    /// What the ResourceDef with id `id` said about itself, also after it was replaced.
    /// Context: any (an index).
    pub fn resource_def(&self, id: ResourceDefId) -> Option<&ResourceDefInfo> {
        self.resource_infos.get(id.0 as usize)
    }

    /// The ResourceDef named `name`, with its id, for a [`Command::ResourceNew`] to carry.
    ///
    /// [`Command::ResourceNew`]: crate::engine::Command::ResourceNew
    pub fn resource_def_ref(&self, name: &str) -> Option<ResourceDefRef> {
        let id = self.resource_def_id(name)?;
        let code = self.resource_defs.get(id.0 as usize)?.as_ref()?;
        Some(ResourceDefRef::new(id, Arc::clone(code)))
    }

    /// What every ResourceDef that serves new Resources said about itself, in id order.
    pub fn resource_defs(&self) -> Vec<&ResourceDefInfo> {
        let mut ids: Vec<ResourceDefId> = self.resource_def_ids.values().copied().collect();
        ids.sort_by_key(|id| id.0);
        ids.into_iter().map(|id| &self.resource_infos[id.0 as usize]).collect()
    }

    /// The name of operation `index` of ResourceDef `def`.
    pub fn operation_name(&self, def: ResourceDefId, index: u16) -> Option<&str> {
        Some(&self.resource_def(def)?.operations.get(usize::from(index))?.name)
    }

    /// The installed plugins, in the order they were installed.
    pub fn plugins(&self) -> &[PluginRecord] {
        &self.plugins
    }

    /// The installed plugin named `name`.
    pub fn plugin(&self, name: &str) -> Option<&PluginRecord> {
        self.plugins.iter().find(|p| p.name == name)
    }

    /// Installs a plugin's definitions: all of them, or (on a clash) none. With
    /// [`InstallMode::Replace`], the named plugin's definitions are removed first and its
    /// library is kept open only by what was built from it.
    pub fn install(&mut self, plugin: PluginDefinitions, mode: InstallMode<'_>) -> Result<(), InstallError> {
        let replaced = self.check_install(&plugin, mode)?;
        let mut retired = Vec::new();
        if let Some(index) = replaced {
            let old = self.plugins.remove(index);
            self.remove_definitions(&old);
            retired = old.retired;
            if let Some(library) = &old.library {
                retired.push(Arc::downgrade(library));
            }
            retired.retain(|w| w.strong_count() > 0);
        }
        let record = PluginRecord {
            name: plugin.name,
            version: plugin.version,
            source: plugin.source,
            synthdefs: plugin.synthdefs.iter().map(|t| t.info().name.to_string()).collect(),
            resource_defs: plugin.resource_defs.iter().map(|d| d.info().name.to_string()).collect(),
            library: plugin.library,
            retired,
        };
        for def in plugin.resource_defs {
            self.add_resource_def(def);
        }
        for table in plugin.synthdefs {
            self.add_synthdef(table);
        }
        self.plugins.push(record);
        self.resolve_port_defs();
        Ok(())
    }

    /// Removes a plugin loaded from a library: its definitions serve no new Synth or
    /// Resource; its library closes once nothing built from it is alive.
    pub fn uninstall(&mut self, name: &str) -> Result<PluginRecord, UninstallError> {
        let index = self
            .plugins
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| UninstallError::UnknownPlugin(name.to_owned()))?;
        if self.plugins[index].source == PluginSource::BuiltIn {
            return Err(UninstallError::BuiltIn(name.to_owned()));
        }
        let mut old = self.plugins.remove(index);
        self.remove_definitions(&old);
        self.resolve_port_defs();
        old.library = None;
        Ok(old)
    }

    /// Which installed plugin `mode` replaces, after checking that nothing clashes.
    fn check_install(&self, plugin: &PluginDefinitions, mode: InstallMode<'_>) -> Result<Option<usize>, InstallError> {
        if plugin.name.is_empty() {
            return Err(InstallError::Unnamed);
        }
        let replaced = match mode {
            InstallMode::New => {
                if let Some(existing) = self.plugin(&plugin.name) {
                    let from = match &existing.source {
                        PluginSource::BuiltIn => " (built in)".to_owned(),
                        PluginSource::Library(file) => format!(" from {}", file.display()),
                    };
                    return Err(InstallError::PluginLoaded(plugin.name.clone(), from));
                }
                None
            }
            InstallMode::Replace(name) => {
                if plugin.name != name {
                    return Err(InstallError::Renamed { expected: name.to_owned(), found: plugin.name.clone() });
                }
                let index = self.plugins.iter().position(|p| p.name == name);
                Some(index.ok_or_else(|| InstallError::UnknownPlugin(name.to_owned()))?)
            }
        };
        let replaced_record = replaced.map(|i| &self.plugins[i]);
        let owner = |kind: &'static str, name: &str| {
            self.plugins
                .iter()
                .find(|p| match kind {
                    "SynthDef" => p.synthdefs.iter().any(|n| n == name),
                    _ => p.resource_defs.iter().any(|n| n == name),
                })
                .map(|p| format!("plugin '{}'", p.name))
                .unwrap_or_else(|| "a definition registered directly".to_owned())
        };
        let mut seen = HashSet::new();
        for table in &plugin.synthdefs {
            let name = &*table.info().name;
            if !seen.insert(name.to_owned()) {
                return Err(InstallError::Duplicate { kind: "SynthDef", name: name.to_owned() });
            }
            let own = replaced_record.is_some_and(|r| r.synthdefs.iter().any(|n| n == name));
            if self.entries.contains_key(name) && !own {
                return Err(InstallError::Clash {
                    kind: "SynthDef",
                    name: name.to_owned(),
                    owner: owner("SynthDef", name),
                });
            }
        }
        let mut seen = HashSet::new();
        for def in &plugin.resource_defs {
            let name = def.info().name.to_string();
            if !seen.insert(name.clone()) {
                return Err(InstallError::Duplicate { kind: "ResourceDef", name });
            }
            let own = replaced_record.is_some_and(|r| r.resource_defs.contains(&name));
            if self.resource_def_ids.contains_key(&name) && !own {
                let owner = owner("ResourceDef", &name);
                return Err(InstallError::Clash { kind: "ResourceDef", name, owner });
            }
        }
        Ok(replaced)
    }

    fn remove_definitions(&mut self, record: &PluginRecord) {
        for name in &record.synthdefs {
            self.entries.remove(name);
        }
        for name in &record.resource_defs {
            if let Some(id) = self.resource_def_ids.remove(name) {
                self.resource_defs[id.0 as usize] = None;
            }
        }
    }

    fn add_synthdef(&mut self, def: SynthDefTable) {
        let info = def.info();
        let controls: Vec<String> = info.controls.iter().map(|spec| spec.name.to_string()).collect();
        let ports: Vec<String> = info.resource_ports.iter().map(|port| port.name.to_string()).collect();
        let controls = controls.iter().map(|name| self.intern(name)).collect();
        let port_names = ports.iter().map(|name| self.intern(name)).collect();
        let port_defs = self.port_defs_of(info);
        let entry = SynthDefEntry::new(Arc::new(def), controls, port_names, port_defs);
        self.entries.insert(entry.name().to_owned(), Arc::new(entry));
    }

    fn add_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        let info = def.info();
        let id = ResourceDefId(self.resource_infos.len() as u32);
        if let Some(old) = self.resource_def_ids.insert(info.name.to_string(), id) {
            self.resource_defs[old.0 as usize] = None;
        }
        self.resource_defs.push(Some(def));
        self.resource_infos.push(info);
    }

    fn port_defs_of(&self, info: &oscine_plugin_api::SynthDefInfo) -> Vec<Option<ResourceDefId>> {
        info.resource_ports.iter().map(|port| self.resource_def_id(&port.def)).collect()
    }

    /// Points every SynthDef's resource ports at the ResourceDefs their names now name.
    /// An entry whose ports change is replaced by a new one; Synths keep the old.
    fn resolve_port_defs(&mut self) {
        let changed: Vec<(String, Vec<Option<ResourceDefId>>)> = self
            .entries
            .iter()
            .filter_map(|(name, entry)| {
                let now = self.port_defs_of(entry.info());
                (now.as_slice() != entry.port_defs()).then(|| (name.clone(), now))
            })
            .collect();
        for (name, port_defs) in changed {
            let entry = &self.entries[&name];
            self.entries.insert(name, Arc::new(entry.with_port_defs(port_defs)));
        }
    }

    fn intern(&mut self, name: &str) -> ControlNameId {
        let next = ControlNameId(self.control_names.len() as u32);
        *self.control_names.entry(name.to_owned()).or_insert(next)
    }
}

/// Registers definitions directly, outside any plugin (programs that embed the engine,
/// tests): a later definition with the same name replaces an earlier one.
impl Registrar for Registry {
    fn register_synthdef(&mut self, def: SynthDefTable) {
        self.add_synthdef(def);
        self.resolve_port_defs();
    }

    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        self.add_resource_def(def);
        self.resolve_port_defs();
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("synthdefs", &self.entries.len())
            .field("resource_defs", &self.resource_def_ids.len())
            .field("plugins", &self.plugins)
            .finish()
    }
}
