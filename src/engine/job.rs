//! The worker protocol: the jobs the audio thread hands to workers and what they report
//! back. Context: built on the audio thread (moves only), run on workers (NRT).

use std::sync::Arc;

use oscine_plugin_api::{Resource, ResourceArg, ResourceDef, ResourceId};

use super::{Garbage, ResourceDefId, ResourceIds};

/// Work the audio thread hands to a worker.
#[derive(Debug)]
pub enum Job {
    /// Drop something the audio thread must not free itself.
    Drop(Garbage),
    /// Build a Resource.
    Construct {
        /// Its id.
        id: ResourceId,
        /// Its ResourceDef.
        def: ResourceDefId,
        /// The client's arguments.
        args: Box<[ResourceArg]>,
    },
    /// Destroy a Resource nobody holds any more.
    Destroy {
        /// Its id.
        id: ResourceId,
        /// Its ResourceDef.
        def: ResourceDefId,
        /// The pool's reference.
        resource: Arc<dyn Resource>,
    },
    /// Run a ResourceDef operation.
    Perform {
        /// The audio thread's slot for the running operation.
        slot: u32,
        /// The ResourceDef.
        def: ResourceDefId,
        /// The operation's index.
        operation: u16,
        /// The held Resources, in `ids` order.
        resources: [Option<Arc<dyn Resource>>; ResourceIds::CAPACITY],
        /// The client's arguments.
        args: Box<[ResourceArg]>,
    },
}

/// What a worker reports back to the audio thread.
#[derive(Debug)]
pub enum WorkerResult {
    /// A [`Job::Drop`] finished.
    Dropped,
    /// A construct finished.
    Constructed {
        /// The Resource's id.
        id: ResourceId,
        /// The Resource, or the plugin's reason.
        result: Result<Arc<dyn Resource>, Box<str>>,
    },
    /// A destroy finished.
    Destroyed {
        /// The Resource's id.
        id: ResourceId,
    },
    /// An operation finished (the worker dropped its references); the audio thread
    /// releases its Resources.
    Performed {
        /// The slot it ran in.
        slot: u32,
        /// The values for the reply, or the plugin's reason.
        result: Result<Box<[ResourceArg]>, Box<str>>,
    },
}

/// Every registered ResourceDef, indexed by [`ResourceDefId`]: what a worker needs to run
/// a job. Read-only once built, shared by the workers.
#[derive(Clone, Default)]
pub struct ResourceDefs(Arc<[Arc<dyn ResourceDef>]>);

impl ResourceDefs {
    /// The table, in id order. Context: NRT.
    pub fn new(defs: Vec<Arc<dyn ResourceDef>>) -> Self {
        ResourceDefs(defs.into())
    }

    /// The ResourceDef with id `id`. Context: any (an index).
    pub fn get(&self, id: ResourceDefId) -> Option<&Arc<dyn ResourceDef>> {
        self.0.get(id.0 as usize)
    }

    /// Every ResourceDef, in id order. Context: any.
    pub fn all(&self) -> &[Arc<dyn ResourceDef>] {
        &self.0
    }
}

impl std::fmt::Debug for ResourceDefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDefs").field("count", &self.0.len()).finish()
    }
}
