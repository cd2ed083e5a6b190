//! The audio-thread layer: the state the audio thread owns and the block it renders.
//!
//! Everything here that takes `&mut self` after construction runs on the audio thread and
//! never allocates, frees, locks, blocks, does I/O or formats text. Commands come in through
//! an rtrb FIFO, events go out through another, and anything the audio thread is finished
//! with goes to a worker to be dropped.

mod audio_buses;
mod audio_engine;
mod build;
mod clock;
mod command;
mod control_changes;
mod event;
mod garbage;
mod ids;
mod node_id_map;
mod node_tree;
mod options;
mod outbox;
mod pending_work;
mod resource_commands;
mod resource_pool;
mod scheduler;
mod status;
mod synth_instance;
mod synthdef_entry;
mod timetag;
mod tree_snapshot;

pub use audio_buses::AudioBuses;
pub use audio_engine::Engine;
pub use build::{build, BuildError, EngineParts};
pub use clock::{ClockMode, SampleClock};
pub use command::{Command, CommandKind, ResourceIds, TimedCommand};
pub use event::{EngineError, Event};
pub use garbage::Garbage;
pub use ids::{
    AddAction, BusMapping, BusSpace, ClientId, ControlChanges, ControlNameId, ControlRef, DoneFlags, NodeId,
    ROOT_NODE_ID,
};
pub use node_id_map::NodeIdMap;
pub use node_tree::{Freed, NodeTree};
pub use options::{EngineOptions, OptionsError};
pub use pending_work::{MAX_PENDING_SYNCS, MAX_PERFORMS};
pub use resource_pool::{FreeOutcome, Requester, ResourceDefId, ResourcePool, ResourceState};
pub use scheduler::{Scheduled, Scheduler};
pub use status::{EngineStatus, StatusSnapshot};
pub use synth_instance::{OutputMappings, ProcessOutcome, SynthInstance, MAX_BUSES_PER_OUTPUT, MAX_PENDING_CHANGES};
pub use synthdef_entry::{PortRef, SynthDefEntry};
pub use timetag::Timetag;
pub use tree_snapshot::{NodeInfo, NodeInfoKind, TreeSnapshot};
