use crate::Registrar;

/// A plugin's identity and its registration function.
///
/// A built-in plugin hands its descriptor to the host directly; a plugin library exports
/// it with [`export_plugin!`](crate::export_plugin), and the host reaches it through the
/// C table in [`abi`](crate::abi).
///
/// ```
/// use oscine_plugin_api::{PluginDescriptor, Registrar};
///
/// fn register(_registrar: &mut dyn Registrar) {}
///
/// const PLUGIN: PluginDescriptor = PluginDescriptor { name: "example", version: "0.1.0", register };
/// assert_eq!(PLUGIN.name, "example");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PluginDescriptor {
    /// The plugin's name, for the host's logs and errors.
    pub name: &'static str,
    /// The plugin's own version (not the API's).
    pub version: &'static str,
    /// Registers every definition the plugin has.
    ///
    /// Context: NRT, once per load, before the definitions are used.
    pub register: fn(&mut dyn Registrar),
}
