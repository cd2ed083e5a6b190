//! The worker protocol: the jobs the audio thread hands to workers and what they report
//! back. Context: built on the audio thread (moves only), run on workers (NRT).

use std::sync::Arc;

use oscine_plugin_api::{Resource, ResourceArg, ResourceId};

use super::{Garbage, ResourceDefRef, ResourceIds};

/// Work the audio thread hands to a worker. Each job that runs a ResourceDef's code
/// carries that ResourceDef, so a worker needs no table of definitions: it runs the one
/// it is given, and drops that reference when the job is done.
#[derive(Debug)]
pub enum Job {
    /// Drop something the audio thread must not free itself.
    Drop(Garbage),
    /// Build a Resource.
    Construct {
        /// Its id.
        id: ResourceId,
        /// Its ResourceDef, whose `construct` the worker runs.
        def: ResourceDefRef,
        /// The client's arguments.
        args: Box<[ResourceArg]>,
    },
    /// Destroy a Resource nobody holds any more.
    Destroy {
        /// Its id.
        id: ResourceId,
        /// Its ResourceDef, whose `destroy` the worker runs: the pool's reference, kept
        /// since the construct.
        def: ResourceDefRef,
        /// The pool's reference.
        resource: Arc<dyn Resource>,
    },
    /// Run a ResourceDef operation.
    Perform {
        /// The audio thread's slot for the running operation.
        slot: u32,
        /// The ResourceDef of the first Resource, whose `perform` the worker runs.
        def: ResourceDefRef,
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
