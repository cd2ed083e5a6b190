//! A registered ResourceDef as the engine carries it: its id and its code, together.
//!
//! Context: made NRT (the registry's lookup); carried through the command FIFO, kept in
//! the resource pool and moved into jobs and garbage on the audio thread (RT: moves and
//! `Arc::clone`s only); dropped on a worker or once the engine is gone (NRT).

use std::sync::Arc;

use oscine_plugin_api::ResourceDef;

use super::ResourceDefId;

/// A registered ResourceDef: its [`ResourceDefId`], which the engine compares (resource
/// port type checks, operations, replies that name it), and its code, which a worker
/// runs. A Resource's slot in the resource pool keeps it from the construct until the
/// destroy job, so the ResourceDef stays usable for the Resources it built even if the
/// registry no longer offers it.
///
/// Cloning it is an atomic increment (allowed on the audio thread); dropping it may run
/// the ResourceDef's own destructor (a plugin's code), so the audio thread never drops
/// one: every `ResourceDefRef` it holds is moved into a worker job or into
/// garbage, and every function of the engine that hands one back
/// makes its caller take it (`#[must_use]`).
#[derive(Clone)]
#[must_use = "the audio thread must hand a ResourceDefRef to a worker (a job or garbage), never drop it"]
pub struct ResourceDefRef {
    /// The ResourceDef's id in the registry.
    pub id: ResourceDefId,
    /// Its code: what a worker's construct, destroy and perform jobs run.
    pub code: Arc<dyn ResourceDef>,
}

impl ResourceDefRef {
    /// Pairs a ResourceDef with the id it was registered under. Context: any.
    pub fn new(id: ResourceDefId, code: Arc<dyn ResourceDef>) -> Self {
        ResourceDefRef { id, code }
    }
}

impl std::fmt::Debug for ResourceDefRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ResourceDefRef").field(&self.id.0).finish()
    }
}
