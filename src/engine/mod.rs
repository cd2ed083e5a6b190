//! The audio-thread layer: the state the audio thread owns, the block it renders, and its
//! protocol with the rest of the process (commands in, events out, jobs to the workers and
//! results back).
//!
//! Context: RT, unless an item says otherwise. Everything here that takes `&mut self`
//! after construction runs on the audio thread and never allocates, frees, locks, blocks,
//! does I/O or formats text. Constructors (`new`, `worker_queues`) are NRT: they run before
//! the audio thread starts. Commands come in through an rtrb FIFO, events go out through
//! another, and anything the audio thread is finished with goes to a worker to be dropped.
//! Nothing here imports the control side, the network side or the workers; error codes come
//! from the crate's leaf module [`error_code`](crate::error_code).

mod audio_buses;
mod audio_engine;
mod audio_thread;
mod block_reports;
mod bus_values;
mod clock;
mod command;
mod command_budget;
mod control_buses;
mod control_changes;
mod control_query;
mod denormals;
mod event;
mod event_signal;
mod garbage;
mod id_map;
mod ids;
mod inline_vec;
mod job;
mod node_position;
mod node_tree;
mod numbered_buses;
mod options;
mod outbox;
mod pending_work;
mod query_permit;
mod realtime_sanitizer;
mod report_boxes;
mod resource_def_ref;
mod resource_pool;
mod resource_system;
mod scheduler;
mod spare_memory;
mod status;
mod sync_spans;
mod synth_instance;
mod synthdef_entry;
mod timetag;
mod tree_snapshot;
mod wire_buffers;
mod worker_links;

pub use audio_engine::Engine;
pub use audio_thread::install_panic_hook;
pub use block_reports::MAX_REPORTS_PER_BLOCK;
pub use bus_values::BusValues;
pub use clock::ClockMode;
pub use command::{Command, CommandKind, ResourceIds, TimedCommand, TreeForm};
pub use control_query::ControlQuery;
pub use event::{EngineError, Event};
pub use event_signal::EventSignal;
pub use ids::{
    AddAction, BusMapping, BusSpace, ClientId, ControlChanges, ControlNameId, ControlRef, DoneFlags, NodeId,
    ROOT_NODE_ID,
};
pub use inline_vec::InlineVec;
pub use node_position::{NodeChange, NodePosition, NO_NODE};
pub use options::{EngineOptions, OptionsError};
pub use pending_work::{MAX_PENDING_SYNCS, MAX_PERFORMS};
pub use query_permit::{QueryCount, QueryPermit};
pub(crate) use report_boxes::report_boxes;
pub use report_boxes::{ReportBoxSupply, REPORT_BOXES};
pub use resource_def_ref::ResourceDefRef;
pub use resource_pool::{ResourceDefId, ResourceState};
pub use spare_memory::{SpareMemory, MAX_SPARE_BLOCKS, SPARE_BYTES_PER_SYNTHDEF};
pub use status::{EngineStatus, StatusSnapshot};
pub use synth_instance::{SynthInstance, MAX_BUSES_PER_OUTPUT, MAX_PENDING_CHANGES};
pub use synthdef_entry::SynthDefEntry;
pub use timetag::Timetag;
pub use tree_snapshot::{NodeInfo, NodeInfoKind, TreeSnapshot};
pub use wire_buffers::WIRE_BUFFERS;

pub(crate) use audio_buses::{mix_into, AudioBuses};
pub(crate) use block_reports::BlockReports;
pub(crate) use clock::SampleClock;
pub(crate) use control_buses::ControlBuses;
pub(crate) use garbage::Garbage;
pub(crate) use id_map::NodeIdMap;
pub(crate) use job::{Job, JobTag, WorkerResult};
pub(crate) use node_tree::{Freed, NodeTree};
pub(crate) use numbered_buses::NumberedBuses;
pub(crate) use resource_pool::ResourcePool;
pub(crate) use resource_system::ResourceSystem;
pub(crate) use scheduler::{Scheduled, Scheduler};
pub(crate) use synth_instance::{OutputMappings, PendingChange, ProcessOutcome, ResourcePortSlot, SynthLayout};
pub(crate) use synthdef_entry::PortRef;
pub(crate) use wire_buffers::WireBuffers;
pub(crate) use worker_links::{worker_queues, WorkerEnds, WorkerLinks};
