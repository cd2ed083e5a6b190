use std::sync::Arc;

use crate::{ResourceDef, SynthDefTable, UGenTable};

/// Where a plugin registers its definitions.
///
/// Context: NRT, once per plugin, before the definitions are used.
///
/// ```
/// use std::sync::Arc;
/// use oscine_plugin_api::{Registrar, ResourceDef, SynthDefTable, UGenTable};
///
/// struct Names(Vec<String>);
/// impl Registrar for Names {
///     fn register_synthdef(&mut self, def: SynthDefTable) {
///         self.0.push(def.info().name.to_string());
///     }
///     fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
///         self.0.push(def.info().name.to_string());
///     }
///     fn register_ugen(&mut self, ugen: UGenTable) {
///         self.0.push(ugen.name().to_string());
///     }
/// }
/// let mut names = Names(Vec::new());
/// assert!(names.0.is_empty());
/// ```
pub trait Registrar {
    /// Adds a SynthDef. A later definition with the same name replaces an earlier one.
    fn register_synthdef(&mut self, def: SynthDefTable);
    /// Adds a ResourceDef. A later definition with the same name replaces an earlier one.
    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>);
    /// Adds a UGen, for SynthDefs made from graphs. A later UGen with the same class name
    /// replaces an earlier one.
    fn register_ugen(&mut self, ugen: UGenTable);
}
