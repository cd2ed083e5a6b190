//! Opening a plugin library in this process: the `version` and `load` steps, shared by
//! the probe (in a child process) and the server. Context: NRT, never the audio or the
//! network thread: opening runs the library's initialisers, which may take any time.

use std::any::Any;
use std::path::Path;
use std::sync::Arc;

use oscine_plugin_api::abi::{self, AbiVersionFn, EntryFn, PluginEntry, PluginHeader};
use oscine_plugin_api::{Registrar, ResourceDef, SynthDefTable, UGenTable, ABI_VERSION, API_VERSION};

use super::{LoadError, LoadStep};

/// A library opened and checked, whose definitions are not registered yet.
pub(crate) struct Opened {
    pub(crate) library: libloading::Library,
    pub(crate) entry: *const PluginEntry,
    pub(crate) header: PluginHeader,
}

/// Opens `copy` (all symbols bound now, so no lazy binding ever runs on the audio
/// thread) and checks its ABI and plugin-API versions. `file` names it in errors.
pub(crate) fn open(file: &Path, copy: &Path) -> Result<Opened, LoadError> {
    let library = dlopen(copy).map_err(|e| LoadError::new(file, LoadStep::Load, format!("cannot open: {e}")))?;
    let not_a_plugin = |what: &str| {
        LoadError::new(
            file,
            LoadStep::Version,
            format!("not an Oscine plugin library: it does not export {what} (see docs/plugins.md)"),
        )
    };
    // SAFETY: the symbol's type is the ABI's, the same in every ABI version.
    let abi_version = unsafe { library.get::<AbiVersionFn>(abi::ABI_VERSION_SYMBOL) }
        .map_err(|_| not_a_plugin("oscine_plugin_abi_version"))?;
    // SAFETY: an exported ABI-version function takes nothing and returns a number.
    let abi_version = unsafe { abi_version() };
    if abi_version != ABI_VERSION {
        return Err(LoadError::new(
            file,
            LoadStep::Version,
            format!("built for plugin ABI version {abi_version}; this server speaks version {ABI_VERSION}"),
        ));
    }
    // SAFETY: in ABI version `ABI_VERSION`, the entry function has this type.
    let entry_fn =
        unsafe { library.get::<EntryFn>(abi::ENTRY_SYMBOL) }.map_err(|_| not_a_plugin("oscine_plugin_entry"))?;
    // SAFETY: as above; the entry it returns lives as long as the library.
    let entry = unsafe { entry_fn() };
    if entry.is_null() {
        return Err(LoadError::new(file, LoadStep::Version, "oscine_plugin_entry returned no entry"));
    }
    // SAFETY: a non-null entry of a library speaking this ABI version.
    let header = unsafe { abi::header(entry) }.map_err(|e| LoadError::new(file, LoadStep::Version, e.to_string()))?;
    if !abi::api_compatible(&header.api_version) {
        return Err(LoadError::new(
            file,
            LoadStep::Version,
            format!(
                "'{}' was built against oscine-plugin-api {}; this server speaks {API_VERSION}",
                header.name, header.api_version
            ),
        ));
    }
    Ok(Opened { library, entry, header })
}

#[cfg(unix)]
fn dlopen(path: &Path) -> Result<libloading::Library, libloading::Error> {
    use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
    // SAFETY: opening a library runs its initialisers; that is what loading a plugin means,
    // and the probe has run them in a child process first.
    unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map(Into::into)
}

#[cfg(not(unix))]
fn dlopen(path: &Path) -> Result<libloading::Library, libloading::Error> {
    // SAFETY: as above.
    unsafe { libloading::Library::new(path) }
}

/// Definitions a plugin registered, in its order.
#[derive(Default)]
pub(crate) struct Collected {
    pub(crate) synthdefs: Vec<SynthDefTable>,
    pub(crate) resource_defs: Vec<Arc<dyn ResourceDef>>,
    pub(crate) ugens: Vec<UGenTable>,
}

impl Registrar for Collected {
    fn register_synthdef(&mut self, def: SynthDefTable) {
        self.synthdefs.push(def);
    }
    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        self.resource_defs.push(def);
    }
    fn register_ugen(&mut self, ugen: UGenTable) {
        self.ugens.push(ugen);
    }
}

/// Lets the opened library register its definitions, each keeping `keep_alive`.
///
/// # Safety
/// `entry` must be an entry [`open`] returned, of a library `keep_alive` keeps open.
pub(crate) unsafe fn register(
    file: &Path,
    entry: *const PluginEntry,
    keep_alive: Arc<dyn Any + Send + Sync>,
) -> Result<Collected, LoadError> {
    let mut collected = Collected::default();
    // SAFETY: passed on from the caller; the versions were checked by `open`.
    unsafe { abi::register(entry, keep_alive, &mut collected) }
        .map_err(|e| LoadError::new(file, LoadStep::Register, e.to_string()))?;
    Ok(collected)
}
