use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use oscine_plugin_api::{Registrar, ResourceDef, ResourceDefInfo, SynthDefTable, UGenTable};

use super::name_hash::NameHash;
use super::plugin::{InstallError, InstallMode, PluginDefinitions, PluginRecord, PluginSource, UninstallError};
use crate::engine::{ControlNameId, ResourceDefId, ResourceDefRef, SynthDefEntry};
use crate::graph::{GraphSynthDef, SharedGraphDef};

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
    entries: HashMap<String, Arc<SynthDefEntry>, NameHash>,
    control_names: HashMap<String, ControlNameId, NameHash>,
    /// By id; `None` once replaced or removed (the Resources it built keep it).
    resource_defs: Vec<Option<Arc<dyn ResourceDef>>>,
    /// By id, never removed: replies name the operations of Resources of an old def.
    resource_infos: Vec<ResourceDefInfo>,
    resource_def_ids: HashMap<String, ResourceDefId>,
    /// By class name, for SynthDefs made from graphs.
    ugens: HashMap<String, Arc<UGenTable>>,
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

    /// The UGen with this class name.
    pub fn ugen(&self, name: &str) -> Option<&Arc<UGenTable>> {
        self.ugens.get(name)
    }

    /// How many UGens are registered.
    pub fn ugen_count(&self) -> usize {
        self.ugens.len()
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
            ugens: plugin.ugens.iter().map(|u| u.name().to_owned()).collect(),
            library: plugin.library,
            retired,
        };
        for def in plugin.resource_defs {
            self.add_resource_def(def);
        }
        for table in plugin.synthdefs {
            self.add_synthdef(table, None);
        }
        for ugen in plugin.ugens {
            self.ugens.insert(ugen.name().to_owned(), Arc::new(ugen));
        }
        self.plugins.push(record);
        self.resolve_port_defs();
        Ok(())
    }

    /// Installs a SynthDef made from a graph, replacing any SynthDef of its name for new
    /// Synths (as scsynth's `/d_recv` does).
    pub fn install_graph(&mut self, graph: Arc<GraphSynthDef>) {
        let table = SynthDefTable::dynamic(SharedGraphDef(graph.clone()));
        self.add_synthdef(table, Some(graph));
    }

    /// Removes a SynthDef made from a graph; Synths built from it keep it.
    pub fn remove_graph(&mut self, name: &str) {
        if self.entries.get(name).is_some_and(|e| e.is_graph()) {
            self.entries.remove(name);
        }
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
                    "UGen" => p.ugens.iter().any(|n| n == name),
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
        let mut seen = HashSet::new();
        for ugen in &plugin.ugens {
            let name = ugen.name().to_owned();
            if !seen.insert(name.clone()) {
                return Err(InstallError::Duplicate { kind: "UGen", name });
            }
            let own = replaced_record.is_some_and(|r| r.ugens.contains(&name));
            if self.ugens.contains_key(&name) && !own {
                let owner = owner("UGen", &name);
                return Err(InstallError::Clash { kind: "UGen", name, owner });
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
        for name in &record.ugens {
            self.ugens.remove(name);
        }
    }

    fn add_synthdef(&mut self, def: SynthDefTable, graph: Option<Arc<GraphSynthDef>>) {
        let info = def.info();
        let controls: Vec<String> = info.controls.iter().map(|spec| spec.name.to_string()).collect();
        let ports: Vec<String> = info.resource_ports.iter().map(|port| port.name.to_string()).collect();
        let controls = controls.iter().map(|name| self.intern(name)).collect();
        let port_names = ports.iter().map(|name| self.intern(name)).collect();
        let port_defs = self.port_defs_of(info);
        let entry = SynthDefEntry::new(Arc::new(def), controls, port_names, port_defs).with_graph(graph);
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
        self.add_synthdef(def, None);
        self.resolve_port_defs();
    }

    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        self.add_resource_def(def);
        self.resolve_port_defs();
    }

    fn register_ugen(&mut self, ugen: UGenTable) {
        self.ugens.insert(ugen.name().to_owned(), Arc::new(ugen));
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oscine_plugin_api::{
        AudioPort, Mutability, PluginError, PortDirection, ProcessContext, ProcessStatus, Resource, ResourceArg,
        ResourceDef, ResourceDefInfo, ResourcePort, Synth, SynthDef, SynthDefInfo, SynthDefTable, World,
    };

    use super::*;

    struct Def(&'static str, &'static [ResourcePort]);
    struct Voice;
    impl SynthDef for Def {
        type Synth = Voice;
        fn info(&self) -> SynthDefInfo {
            SynthDefInfo::new(self.0).outputs(&[AudioPort::new("out")]).resource_ports(self.1)
        }
        fn construct(&self, _: &World, _: &[f32]) -> Result<Voice, PluginError> {
            Ok(Voice)
        }
    }
    impl Synth for Voice {
        fn process(&mut self, _: &mut ProcessContext<'_>) -> ProcessStatus {
            ProcessStatus::OutputsUntouched
        }
    }
    struct Table(&'static str);
    impl ResourceDef for Table {
        fn info(&self) -> ResourceDefInfo {
            ResourceDefInfo::new(self.0, Mutability::Immutable)
        }
        fn construct(&self, _: &World, _: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
            Err(PluginError::new("not in these tests"))
        }
    }

    const PORT: &[ResourcePort] = &[ResourcePort::new("table", "table", PortDirection::Input)];

    fn plugin(name: &str, synthdefs: &[&'static str], tables: &[&'static str]) -> PluginDefinitions {
        PluginDefinitions {
            name: name.into(),
            version: "1.0.0".into(),
            source: PluginSource::Library(format!("/p/{name}.so").into()),
            synthdefs: synthdefs.iter().map(|n| SynthDefTable::new(Def(n, PORT))).collect(),
            resource_defs: tables.iter().map(|n| Arc::new(Table(n)) as Arc<dyn ResourceDef>).collect(),
            ugens: Vec::new(),
            library: Some(Arc::new(name.to_owned())),
        }
    }

    #[test]
    fn the_built_in_plugin_is_installed_like_any_other() {
        let registry = Registry::with_builtins();
        let builtins = registry.plugin("oscine-builtins").unwrap();
        assert_eq!(builtins.source(), &PluginSource::BuiltIn);
        assert!(builtins.synthdefs().iter().any(|n| n == "sine"));
        assert_eq!(builtins.resource_defs(), ["audio-buffer"]);
        assert!(registry.get("sine").is_some());
    }

    #[test]
    fn names_taken_by_another_plugin_are_refused_and_nothing_changes() {
        let mut registry = Registry::with_builtins();
        registry.install(plugin("a", &["voice"], &["table"]), InstallMode::New).unwrap();
        let before = (registry.entries().len(), registry.resource_defs().len(), registry.plugins().len());
        let clash = |r: &mut Registry, p| r.install(p, InstallMode::New).unwrap_err().to_string();
        assert_eq!(
            clash(&mut registry, plugin("b", &["x", "sine"], &[])),
            "SynthDef 'sine' is already defined by plugin 'oscine-builtins'"
        );
        assert_eq!(
            clash(&mut registry, plugin("b", &[], &["table"])),
            "ResourceDef 'table' is already defined by plugin 'a'"
        );
        assert!(clash(&mut registry, plugin("a", &["other"], &[]))
            .contains("a plugin named 'a' is already loaded from /p/a.so"));
        assert_eq!(clash(&mut registry, plugin("b", &["y", "y"], &[])), "the plugin registers SynthDef 'y' twice");
        assert_eq!(clash(&mut registry, plugin("", &[], &[])), "the plugin has an empty name");
        assert_eq!(before, (registry.entries().len(), registry.resource_defs().len(), registry.plugins().len()));
        assert!(registry.get("x").is_none());
    }

    #[test]
    fn a_new_build_replaces_the_old_definitions_and_retires_its_library() {
        let mut registry = Registry::new();
        let first = plugin("a", &["voice", "gone"], &["table"]);
        // What a Synth built from the first build keeps (a foreign table holds its library).
        let kept = Arc::clone(first.library.as_ref().unwrap());
        registry.install(first, InstallMode::New).unwrap();
        let old_voice = Arc::clone(registry.get("voice").unwrap());
        let old_table = registry.resource_def_id("table").unwrap();
        assert_eq!(old_voice.port_def(0), Some(old_table));

        let renamed = registry.install(plugin("b", &["voice"], &[]), InstallMode::Replace("a")).unwrap_err();
        assert_eq!(renamed.to_string(), "the library now calls itself 'b', not 'a'");
        registry.install(plugin("a", &["voice"], &["table"]), InstallMode::Replace("a")).unwrap();
        let new_voice = registry.get("voice").unwrap();
        assert!(!Arc::ptr_eq(new_voice, &old_voice));
        assert!(registry.get("gone").is_none(), "a SynthDef the new build lacks is gone");
        let new_table = registry.resource_def_id("table").unwrap();
        assert_ne!(new_table, old_table, "a ResourceDef registered again gets a new id");
        assert_eq!(new_voice.port_def(0), Some(new_table));
        assert!(registry.resource_def_ref("table").is_some());
        // The old definition is still described, for replies about its Resources.
        assert_eq!(registry.resource_def(old_table).unwrap().name, "table");
        assert_eq!(registry.resource_defs().len(), 1);

        // The old library is open while something built from it is alive.
        let record = registry.plugin("a").unwrap();
        assert_eq!(record.retired_open(), 1);
        drop((old_voice, kept));
        assert_eq!(registry.plugin("a").unwrap().retired_open(), 0);
    }

    #[test]
    fn unloading_removes_the_definitions_and_ports_that_named_them_bind_nothing() {
        let mut registry = Registry::new();
        registry.install(plugin("tables", &[], &["table"]), InstallMode::New).unwrap();
        registry.install(plugin("voices", &["voice"], &[]), InstallMode::New).unwrap();
        assert!(registry.get("voice").unwrap().port_def(0).is_some());
        let record = registry.uninstall("tables").unwrap();
        assert_eq!(record.name(), "tables");
        assert!(registry.resource_def_id("table").is_none());
        assert_eq!(registry.get("voice").unwrap().port_def(0), None);
        // Loaded again, the port finds it again.
        registry.install(plugin("tables", &[], &["table"]), InstallMode::New).unwrap();
        assert_eq!(registry.get("voice").unwrap().port_def(0), registry.resource_def_id("table"));
        assert_eq!(registry.uninstall("nope").unwrap_err(), UninstallError::UnknownPlugin("nope".into()));
        let mut builtins = Registry::with_builtins();
        assert_eq!(
            builtins.uninstall("oscine-builtins").unwrap_err(),
            UninstallError::BuiltIn("oscine-builtins".into())
        );
    }
}
