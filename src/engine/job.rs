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

impl Job {
    /// Which job this is, for a report about it.
    pub fn tag(&self) -> JobTag {
        match self {
            Job::Drop(_) => JobTag::Drop,
            Job::Construct { id, .. } => JobTag::Construct(*id),
            Job::Destroy { id, .. } => JobTag::Destroy(*id),
            Job::Perform { slot, .. } => JobTag::Perform(*slot),
        }
    }
}

/// Which job a worker runs, without its contents: what answering for a job that overran
/// its deadline needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobTag {
    /// A [`Job::Drop`].
    Drop,
    /// A [`Job::Construct`] of this Resource.
    Construct(ResourceId),
    /// A [`Job::Destroy`] of this Resource.
    Destroy(ResourceId),
    /// A [`Job::Perform`] in this slot.
    Perform(u32),
}

impl JobTag {
    /// The result the audio thread gets for this job when it overran its deadline: a
    /// failure for a construct or an operation (the client hears why), done for the rest.
    pub fn timed_out(self, deadline: std::time::Duration) -> WorkerResult {
        let reason = || format!("timed out: the worker job did not finish within {deadline:?}").into_boxed_str();
        match self {
            JobTag::Drop => WorkerResult::Dropped,
            JobTag::Construct(id) => WorkerResult::Constructed { id, result: Err(reason()) },
            JobTag::Destroy(id) => WorkerResult::Destroyed { id },
            JobTag::Perform(slot) => WorkerResult::Performed { slot, result: Err(reason()) },
        }
    }
}

impl std::fmt::Display for JobTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobTag::Drop => f.write_str("freeing what the audio thread let go of"),
            JobTag::Construct(id) => write!(f, "the construct of resource {id}"),
            JobTag::Destroy(id) => write!(f, "the destroy of resource {id}"),
            JobTag::Perform(slot) => write!(f, "a resource operation (slot {slot})"),
        }
    }
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
