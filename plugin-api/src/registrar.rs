use std::sync::Arc;

use crate::{ResourceDef, SynthDef};

/// Where a plugin registers its definitions.
///
/// Context: NRT, once, before the engine starts.
///
/// ```
/// use std::sync::Arc;
/// use oscine_plugin_api::{Registrar, ResourceDef, SynthDef};
///
/// struct Names(Vec<String>);
/// impl Registrar for Names {
///     fn register_synthdef(&mut self, def: Arc<dyn SynthDef>) {
///         self.0.push(def.name().to_owned());
///     }
///     fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
///         self.0.push(def.name().to_owned());
///     }
/// }
/// let mut names = Names(Vec::new());
/// assert!(names.0.is_empty());
/// ```
pub trait Registrar {
    /// Adds a SynthDef. A later definition with the same name replaces an earlier one.
    fn register_synthdef(&mut self, def: Arc<dyn SynthDef>);
    /// Adds a ResourceDef. A later definition with the same name replaces an earlier one.
    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>);
}
