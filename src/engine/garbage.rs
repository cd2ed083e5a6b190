//! What the audio thread hands to a worker to drop. Context: made on the audio thread
//! (RT, by moving values in), dropped on a worker (NRT).

use std::sync::Arc;

use oscine_plugin_api::{Report, Resource, ResourceArg};

use super::{BusValues, ControlQuery, ResourceDefRef, SynthInstance, TreeSnapshot};

/// Something the audio thread is done with and must not drop itself: it travels to a
/// worker, which drops it.
#[derive(Debug)]
pub enum Garbage {
    /// A freed Synth, or one whose command failed.
    Synth(SynthInstance),
    /// A snapshot that could not be delivered.
    Snapshot(Box<TreeSnapshot>),
    /// Control bus values written, or read and not delivered.
    BusValues(Box<BusValues>),
    /// A control query that could not be answered or delivered.
    Query(Box<ControlQuery>),
    /// A reference to a Resource the audio thread no longer needs (an old resource-port
    /// binding); dropping it may free the Resource.
    Resource(Arc<dyn Resource>),
    /// A ResourceDef the audio thread no longer needs: the pool's reference after a
    /// failed construct, or the one a refused `ResourceNew` carried; dropping the last
    /// reference runs the ResourceDef's own destructor.
    ResourceDef(ResourceDefRef),
    /// Arguments or results of a resource command that went nowhere.
    Args(Box<[ResourceArg]>),
    /// A message from a worker that could not be delivered.
    Text(Box<str>),
    /// A report that could not be delivered, in its box (its label's unit may be gone by
    /// the time a worker drops it).
    Report(Box<Report>),
}
