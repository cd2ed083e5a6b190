//! The steps that take a plugin library file to definitions ready to install: find, copy,
//! probe, version, load, register. Context: NRT: the plugin loader thread, or the main
//! thread before the server starts; never the audio thread or the network thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::Sender;
use oscine_plugin_api::{abi, FileAccess, ABI_VERSION, API_VERSION};

use super::library::{start_closer, Closing, PluginLibrary};
use super::open::{open, register};
use super::{LoadError, LoadStep, ProbeCommand};
use crate::control::{PluginDefinitions, PluginSource};

/// Loads plugin libraries: each is copied to a private directory, probed in a child
/// process, checked, opened and asked to register.
pub struct PluginLoader {
    probe: ProbeCommand,
    private_dir: PathBuf,
    closer: Sender<Closing>,
    loads: u64,
    requested: FileAccess,
}

impl PluginLoader {
    /// A loader whose private copies go to a new directory of this process's own (under
    /// the system's temporary directory, readable by this user only), and which closes
    /// libraries on a thread of its own.
    pub fn new(probe: ProbeCommand) -> std::io::Result<PluginLoader> {
        remove_stale_private_dirs();
        let private_dir = std::env::temp_dir().join(format!("oscine-plugins-{}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&private_dir)?;
        Ok(PluginLoader { probe, private_dir, closer: start_closer()?, loads: 0, requested: FileAccess::UNCONFINED })
    }

    /// Confines the libraries clients ask for ([`load_requested`](Self::load_requested))
    /// to `files`.
    pub fn confine_requests(&mut self, files: FileAccess) {
        self.requested = files;
    }

    /// Like [`load`](Self::load), for a library a client named: its path must be one the
    /// loader's requests are confined to ([`confine_requests`](Self::confine_requests)).
    pub fn load_requested(&mut self, file: &Path) -> Result<PluginDefinitions, LoadError> {
        self.requested.open_read(file).map_err(|e| LoadError::new(file, LoadStep::Find, e.to_string()))?;
        self.load(file)
    }

    /// Where private copies of open libraries are.
    pub fn private_dir(&self) -> &Path {
        &self.private_dir
    }

    /// Takes the library at `file` through every step up to its registration. Installing
    /// the definitions (and the name checks that go with it) is the registry's.
    pub fn load(&mut self, file: &Path) -> Result<PluginDefinitions, LoadError> {
        let found = find(file)?;
        self.loads += 1;
        let generation = self.loads;
        let name = found.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let copy = self.private_dir.join(format!("{generation}-{name}"));
        std::fs::copy(&found, &copy)
            .map_err(|e| LoadError::new(file, LoadStep::Copy, format!("cannot copy to {}: {e}", copy.display())))?;
        let result = self.load_copy(file, &found, copy.clone(), generation);
        if result.is_err() && copy.exists() {
            // Nothing opened it in this process (or it has been closed): remove it now.
            let _ = std::fs::remove_file(&copy);
        }
        result
    }

    fn load_copy(
        &self,
        file: &Path,
        found: &Path,
        copy: PathBuf,
        generation: u64,
    ) -> Result<PluginDefinitions, LoadError> {
        let report = self.probe.run(file, &copy)?;
        if report.abi_version != ABI_VERSION {
            return Err(LoadError::new(
                file,
                LoadStep::Version,
                format!(
                    "built for plugin ABI version {}; this server speaks version {ABI_VERSION}",
                    report.abi_version
                ),
            ));
        }
        if !abi::api_compatible(&report.api_version) {
            return Err(LoadError::new(
                file,
                LoadStep::Version,
                format!(
                    "'{}' was built against oscine-plugin-api {}; this server speaks {API_VERSION}",
                    report.name, report.api_version
                ),
            ));
        }
        let opened = open(file, &copy)?;
        if opened.header.name != report.name || opened.header.version != report.version {
            return Err(LoadError::new(
                file,
                LoadStep::Load,
                "the library opened is not the one probed (it changed in between)",
            ));
        }
        let entry = opened.entry;
        let (name, version) = (opened.header.name.clone(), opened.header.version.clone());
        let library = Arc::new(PluginLibrary::new(
            name.clone(),
            version.clone(),
            found.to_owned(),
            copy,
            generation,
            opened.library,
            self.closer.clone(),
        ));
        // SAFETY: `entry` is the opened library's, which `library` now keeps open.
        let collected = unsafe { register(file, entry, library.clone()) }?;
        Ok(PluginDefinitions {
            name,
            version,
            source: PluginSource::Library(found.to_owned()),
            synthdefs: collected.synthdefs,
            resource_defs: collected.resource_defs,
            ugens: collected.ugens,
            library: Some(library),
        })
    }
}

impl std::fmt::Debug for PluginLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginLoader").field("private_dir", &self.private_dir).field("loads", &self.loads).finish()
    }
}

/// Removes the private directories that servers which ended without cleaning up (killed,
/// crashed) left in the temporary directory: those of this user whose process is gone.
/// Linux only (it asks /proc whether the process lives).
fn remove_stale_private_dirs() {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("oscine-plugins-")) else { continue };
            let owned = entry.metadata().is_ok_and(|m| m.is_dir() && m.uid() == me);
            if owned && pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The `find` step: the file's canonical path, if it is a regular file.
fn find(file: &Path) -> Result<PathBuf, LoadError> {
    let found = std::fs::canonicalize(file).map_err(|e| LoadError::new(file, LoadStep::Find, e.to_string()))?;
    let meta = std::fs::metadata(&found).map_err(|e| LoadError::new(file, LoadStep::Find, e.to_string()))?;
    if !meta.is_file() {
        return Err(LoadError::new(file, LoadStep::Find, "not a regular file"));
    }
    Ok(found)
}

/// Whether `path` is named like a plugin library on this system (`.so`, `.dylib`, `.dll`).
pub fn is_library_name(path: &Path) -> bool {
    let suffix = std::env::consts::DLL_EXTENSION;
    path.extension().is_some_and(|e| e == suffix)
}

/// The plugin libraries in `dir`, sorted by name.
pub fn libraries_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if is_library_name(&path) && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}
