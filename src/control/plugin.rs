//! Plugins as the registry knows them: the definitions one plugin brings, where they come
//! from, and the record kept while they serve. Context: NRT.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Weak};

use oscine_plugin_api::{PluginDescriptor, PluginError, Registrar, ResourceDef, SynthDefTable, UGenTable};

/// Where a plugin's code lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// Compiled into the server.
    BuiltIn,
    /// A plugin library loaded from this file.
    Library(PathBuf),
}

/// Everything one plugin registered, ready to be installed in a [`Registry`](super::Registry).
pub struct PluginDefinitions {
    /// The plugin's name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// Where its code lives.
    pub source: PluginSource,
    /// Its SynthDefs.
    pub synthdefs: Vec<SynthDefTable>,
    /// Its ResourceDefs.
    pub resource_defs: Vec<Arc<dyn ResourceDef>>,
    /// Its UGens, for SynthDefs made from graphs.
    pub ugens: Vec<UGenTable>,
    /// The open library its code is in (none for built-in plugins): the registry keeps it
    /// open while the plugin is installed.
    pub library: Option<Arc<dyn Any + Send + Sync>>,
}

impl PluginDefinitions {
    /// Runs a compiled-in plugin's registration. A panic in it is an error.
    pub fn built_in(descriptor: &PluginDescriptor) -> Result<PluginDefinitions, PluginError> {
        #[derive(Default)]
        struct Collect(Vec<SynthDefTable>, Vec<Arc<dyn ResourceDef>>, Vec<UGenTable>);
        impl Registrar for Collect {
            fn register_synthdef(&mut self, def: SynthDefTable) {
                self.0.push(def);
            }
            fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
                self.1.push(def);
            }
            fn register_ugen(&mut self, ugen: UGenTable) {
                self.2.push(ugen);
            }
        }
        let mut collect = Collect::default();
        catch_unwind(AssertUnwindSafe(|| (descriptor.register)(&mut collect))).map_err(|payload| {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            PluginError::new(format!("plugin '{}' panicked while registering: {text}", descriptor.name))
        })?;
        Ok(PluginDefinitions {
            name: descriptor.name.to_owned(),
            version: descriptor.version.to_owned(),
            source: PluginSource::BuiltIn,
            synthdefs: collect.0,
            resource_defs: collect.1,
            ugens: collect.2,
            library: None,
        })
    }
}

impl std::fmt::Debug for PluginDefinitions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDefinitions")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("source", &self.source)
            .field("synthdefs", &self.synthdefs.len())
            .field("resource_defs", &self.resource_defs.len())
            .finish()
    }
}

/// An installed plugin: what `/plugin/list` shows.
#[derive(Clone)]
pub struct PluginRecord {
    pub(super) name: String,
    pub(super) version: String,
    pub(super) source: PluginSource,
    pub(super) synthdefs: Vec<String>,
    pub(super) resource_defs: Vec<String>,
    pub(super) ugens: Vec<String>,
    pub(super) library: Option<Arc<dyn Any + Send + Sync>>,
    pub(super) retired: Vec<Weak<dyn Any + Send + Sync>>,
}

impl PluginRecord {
    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Where its code lives.
    pub fn source(&self) -> &PluginSource {
        &self.source
    }

    /// Its SynthDef names, in registration order.
    pub fn synthdefs(&self) -> &[String] {
        &self.synthdefs
    }

    /// Its ResourceDef names, in registration order.
    pub fn resource_defs(&self) -> &[String] {
        &self.resource_defs
    }

    /// Its UGen class names, in registration order.
    pub fn ugens(&self) -> &[String] {
        &self.ugens
    }

    /// How many earlier builds of this plugin are still open, kept by Synths or Resources
    /// built from them.
    pub fn retired_open(&self) -> usize {
        self.retired.iter().filter(|w| w.strong_count() > 0).count()
    }
}

impl std::fmt::Debug for PluginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginRecord").field("name", &self.name).field("version", &self.version).finish()
    }
}

/// How a plugin is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallMode<'a> {
    /// A plugin not installed yet.
    New,
    /// A new build of the installed plugin with this name: its definitions replace the
    /// old ones for new Synths and Resources.
    Replace(&'a str),
}

/// Why a plugin's definitions could not be installed (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// Another installed plugin has the name.
    #[error("a plugin named '{0}' is already loaded{1}; use /plugin/reload to load a new build")]
    PluginLoaded(String, String),
    /// A reload found a library of another name.
    #[error("the library now calls itself '{found}', not '{expected}'")]
    Renamed {
        /// The installed plugin's name.
        expected: String,
        /// The new library's.
        found: String,
    },
    /// The plugin to replace is not installed.
    #[error("no plugin named '{0}' is loaded")]
    UnknownPlugin(String),
    /// A definition's name is taken.
    #[error("{kind} '{name}' is already defined by {owner}")]
    Clash {
        /// `SynthDef`, `ResourceDef` or `UGen`.
        kind: &'static str,
        /// The name.
        name: String,
        /// Who defines it.
        owner: String,
    },
    /// The plugin registers a name twice.
    #[error("the plugin registers {kind} '{name}' twice")]
    Duplicate {
        /// `SynthDef` or `ResourceDef`.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// The plugin has no name.
    #[error("the plugin has an empty name")]
    Unnamed,
}

/// Why a plugin could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UninstallError {
    /// No installed plugin has the name.
    #[error("no plugin named '{0}' is loaded")]
    UnknownPlugin(String),
    /// Built-in plugins stay.
    #[error("'{0}' is built into the server and cannot be unloaded")]
    BuiltIn(String),
}
