//! Completion messages that wait for resource work: a `/b_alloc` with a completion
//! message runs it once the buffer is Live, as scsynth does after its asynchronous stage.
//!
//! Context: NRT (the network thread).

use oscine_plugin_api::ResourceId;

use crate::engine::{ClientId, Command, CommandKind, EngineError, Event, Timetag};

/// A completion message waiting for the outcome of one resource command.
#[derive(Debug)]
struct Waiting {
    client: ClientId,
    kind: CommandKind,
    id: ResourceId,
    bytes: Vec<u8>,
    time: Timetag,
    bundle: u32,
}

/// Which command a completion message waits for: the client, the kind and the resource id
/// of a resource command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CompletionKey {
    client: ClientId,
    kind: CommandKind,
    id: ResourceId,
}

impl CompletionKey {
    /// The key of `command`, if it is a resource command (others have no outcome to wait
    /// for).
    pub(super) fn of(command: &Command) -> Option<CompletionKey> {
        let (client, id) = match command {
            Command::ResourceNew { client, id, .. } | Command::ResourceFree { client, id, .. } => (*client, *id),
            Command::ResourcePerform { client, ids, .. } => (*client, ids.first()),
            _ => return None,
        };
        Some(CompletionKey { client, kind: command.kind(), id })
    }
}

/// What became of a waiting completion message.
#[derive(Debug, PartialEq)]
pub(super) enum Outcome {
    /// The work succeeded: handle the message now, as if the client had sent it.
    Run {
        /// The client.
        client: ClientId,
        /// The message's bytes.
        bytes: Vec<u8>,
        /// The time of the command it followed.
        time: Timetag,
        /// The bundle of the command it followed.
        bundle: u32,
    },
    /// The work failed (the client was told why): the message is not handled.
    Dropped {
        /// The client.
        client: ClientId,
        /// The command's id.
        id: ResourceId,
    },
}

/// The completion messages waiting, oldest first.
#[derive(Debug, Default)]
pub(super) struct PendingCompletions {
    waiting: Vec<Waiting>,
}

impl PendingCompletions {
    /// Waits with `bytes` for the outcome of the command `key` identifies.
    pub(super) fn wait(&mut self, key: CompletionKey, bytes: Vec<u8>, time: Timetag, bundle: u32) {
        let CompletionKey { client, kind, id } = key;
        self.waiting.push(Waiting { client, kind, id, bytes, time, bundle });
    }

    /// Forgets the `count` newest waits (their commands never reached the engine).
    pub(super) fn forget_newest(&mut self, count: usize) {
        self.waiting.truncate(self.waiting.len().saturating_sub(count));
    }

    /// How many wait.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// What `event` means for the waiting messages, if it ends the wait of one.
    pub(super) fn observe(&mut self, event: &Event) -> Option<Outcome> {
        let (client, kind, id, ok) = match event {
            Event::ResourceReady { client, id, .. } => (*client, CommandKind::ResourceNew, Some(*id), true),
            Event::ResourceFailed { client, id, .. } => (*client, CommandKind::ResourceNew, Some(*id), false),
            Event::ResourceDestroyed { client: Some(client), id } => {
                (*client, CommandKind::ResourceFree, Some(*id), true)
            }
            Event::ResourcePerformed { client, id, result, .. } => {
                (*client, CommandKind::ResourcePerform, Some(*id), result.is_ok())
            }
            Event::Error { client, command, error } => (*client, *command, resource_id(error), false),
            _ => return None,
        };
        // Without an id (an engine limit was hit), the oldest of the client's commands of
        // that kind is the one refused: the engine applies a client's commands in order.
        let index =
            self.waiting.iter().position(|w| w.client == client && w.kind == kind && id.is_none_or(|id| w.id == id))?;
        let w = self.waiting.remove(index);
        Some(if ok {
            Outcome::Run { client: w.client, bytes: w.bytes, time: w.time, bundle: w.bundle }
        } else {
            Outcome::Dropped { client: w.client, id: w.id }
        })
    }
}

/// The resource id an engine error names, if it names one.
fn resource_id(error: &EngineError) -> Option<ResourceId> {
    match *error {
        EngineError::ResourceIdOutOfRange { id, .. }
        | EngineError::ResourceIdInUse(id)
        | EngineError::ResourceNotLive(id)
        | EngineError::ResourceFreePending(id)
        | EngineError::Acquire { id, .. }
        | EngineError::ResourceBusy { id, .. } => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ResourceIds;

    const C: ClientId = ClientId(3);

    fn perform(id: ResourceId) -> Command {
        Command::ResourcePerform {
            client: C,
            ids: ResourceIds::from_slice(&[id]).unwrap(),
            def: crate::engine::ResourceDefId(0),
            operation: 0,
            exclusive: false,
            args: Box::new([]),
        }
    }

    fn performed(id: ResourceId, ok: bool) -> Event {
        let result = if ok { Ok(Box::from([])) } else { Err("no".into()) };
        Event::ResourcePerformed { client: C, id, operation: (crate::engine::ResourceDefId(0), 0), result }
    }

    #[test]
    fn a_success_runs_the_message_of_its_command() {
        let mut p = PendingCompletions::default();
        p.wait(CompletionKey::of(&perform(1)).unwrap(), vec![1], Timetag::IMMEDIATE, 0);
        p.wait(CompletionKey::of(&perform(2)).unwrap(), vec![2], Timetag::IMMEDIATE, 0);
        assert_eq!(p.observe(&Event::Synced { client: C, token: 0 }), None);
        assert_eq!(
            p.observe(&performed(2, true)),
            Some(Outcome::Run { client: C, bytes: vec![2], time: Timetag::IMMEDIATE, bundle: 0 })
        );
        assert_eq!(p.observe(&performed(1, false)), Some(Outcome::Dropped { client: C, id: 1 }));
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn an_error_drops_the_message_it_names_or_the_oldest() {
        let mut p = PendingCompletions::default();
        for id in [1, 2, 3] {
            p.wait(CompletionKey::of(&perform(id)).unwrap(), vec![id as u8], Timetag::IMMEDIATE, 0);
        }
        let busy = EngineError::ResourceBusy { id: 2, holders: 1 };
        let refused = |error| Event::Error { client: C, command: CommandKind::ResourcePerform, error };
        assert_eq!(p.observe(&refused(busy)), Some(Outcome::Dropped { client: C, id: 2 }));
        assert_eq!(p.observe(&refused(EngineError::PerformCapacity(8))), Some(Outcome::Dropped { client: C, id: 1 }));
        assert_eq!(p.len(), 1);
        // Another client's events, or another kind's, leave it waiting.
        let other = Event::Error {
            client: ClientId(4),
            command: CommandKind::ResourcePerform,
            error: EngineError::WorkersFull,
        };
        assert_eq!(p.observe(&other), None);
        let node = Event::Error { client: C, command: CommandKind::NodeFree, error: EngineError::NodeNotFound(3) };
        assert_eq!(p.observe(&node), None);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn only_resource_commands_have_keys_and_unsent_waits_are_forgotten() {
        assert_eq!(CompletionKey::of(&Command::Sync { client: C, token: 0 }), None);
        let mut p = PendingCompletions::default();
        for id in [1, 2, 3] {
            p.wait(CompletionKey::of(&perform(id)).unwrap(), vec![], Timetag::IMMEDIATE, 0);
        }
        p.forget_newest(2);
        assert_eq!(p.len(), 1);
        assert_eq!(p.observe(&performed(1, true)).map(|o| matches!(o, Outcome::Run { .. })), Some(true));
        p.forget_newest(5);
        assert_eq!(p.len(), 0);
    }
}
