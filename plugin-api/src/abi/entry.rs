use std::ffi::c_void;

use super::export;
use super::types::{RegisterFn, StrRef};
use crate::{PluginDescriptor, ABI_VERSION, API_VERSION};

/// What a plugin library's `oscine_plugin_entry` returns a pointer to: the plugin's
/// header and its registration function, as a `#[repr(C)]` table.
///
/// `abi_version` is the first field in every ABI version, and the three strings after it
/// (`api_version`, `name`, `version`) keep their place too, so that [`header`](super::header)
/// can read them from a library of any ABI version. Everything after them belongs to
/// [`ABI_VERSION`]'s layout and is used only once the versions match. The fields are
/// private: hosts read them through [`header`](super::header) and
/// [`register`](super::register).
#[repr(C)]
#[derive(Debug)]
pub struct PluginEntry {
    pub(crate) abi_version: u32,
    pub(crate) api_version: StrRef,
    pub(crate) name: StrRef,
    pub(crate) version: StrRef,
    pub(crate) register: RegisterFn,
    /// The plugin's `&'static PluginDescriptor`, read only by plugin-side code.
    pub(crate) descriptor: *const c_void,
}

// SAFETY: every pointer in the entry is to `'static`, immutable data (string literals and
// a `PluginDescriptor`, which is plain data and function pointers).
unsafe impl Sync for PluginEntry {}

impl PluginEntry {
    /// The entry of `descriptor`, for a `static` (what [`export_plugin!`](crate::export_plugin)
    /// builds).
    ///
    /// ```
    /// use oscine_plugin_api::abi::{header, PluginEntry};
    /// use oscine_plugin_api::{PluginDescriptor, Registrar};
    ///
    /// fn register(_: &mut dyn Registrar) {}
    /// const PLUGIN: PluginDescriptor = PluginDescriptor { name: "example", version: "1.0.0", register };
    /// static ENTRY: PluginEntry = PluginEntry::new(&PLUGIN);
    ///
    /// // SAFETY: a valid entry.
    /// let header = unsafe { header(&ENTRY) }.unwrap();
    /// assert_eq!((header.name.as_str(), header.version.as_str()), ("example", "1.0.0"));
    /// ```
    pub const fn new(descriptor: &'static PluginDescriptor) -> Self {
        PluginEntry {
            abi_version: ABI_VERSION,
            api_version: StrRef::new(API_VERSION),
            name: StrRef::new(descriptor.name),
            version: StrRef::new(descriptor.version),
            register: export::register,
            descriptor: descriptor as *const PluginDescriptor as *const c_void,
        }
    }
}
