//! Loading every plugin library of the plugin path before the engine starts.
//! Context: NRT (the main thread, before the engine runs).

use std::path::PathBuf;

use super::{libraries_in, LoadError, LoadStep, PluginLoader};
use crate::control::{InstallMode, Registry};

/// What loading the plugin path did.
#[derive(Debug, Default)]
pub struct PluginPathReport {
    /// Each plugin installed: its name, version and file.
    pub installed: Vec<(String, String, PathBuf)>,
    /// Each library refused, and each directory that could not be read (step `find`).
    pub refused: Vec<LoadError>,
}

/// Loads and installs every plugin library in `dirs` (in order, each directory's files by
/// name). A library that is refused is skipped and reported; the registry keeps
/// everything it had.
pub fn load_plugin_path(loader: &mut PluginLoader, registry: &mut Registry, dirs: &[PathBuf]) -> PluginPathReport {
    let mut report = PluginPathReport::default();
    for dir in dirs {
        let files = match libraries_in(dir) {
            Ok(files) => files,
            Err(e) => {
                report.refused.push(LoadError::new(dir, LoadStep::Find, format!("cannot read the directory: {e}")));
                continue;
            }
        };
        for file in files {
            let installed = loader.load(&file).and_then(|plugin| {
                let (name, version) = (plugin.name.clone(), plugin.version.clone());
                registry
                    .install(plugin, InstallMode::New)
                    .map(|()| (name, version, file.clone()))
                    .map_err(|e| LoadError::new(&file, LoadStep::Register, e.to_string()))
            });
            match installed {
                Ok(plugin) => report.installed.push(plugin),
                Err(e) => report.refused.push(e),
            }
        }
    }
    report
}
