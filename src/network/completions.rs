//! Resource commands whose outcome the network thread waits for: to run their completion
//! message once their work succeeded (a `/b_alloc` with a completion message runs it
//! once the buffer is Live, as scsynth does after its asynchronous stage), and to answer
//! scsynth clients as scsynth would (`/done /b_alloc 3`, `/fail /b_alloc "..." 3`).
//!
//! Context: NRT (the network thread).

use oscine_plugin_api::{ResourceArg, ResourceId};

use crate::engine::{ClientId, Command, CommandKind, EngineError, Event, Timetag};

/// How a scsynth client is answered when a command's work ends: failures always with
/// `/fail address message id`, success as `success` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Answer {
    /// The address the client sent, which the answer names.
    pub(super) address: &'static str,
    /// What a success is answered with.
    pub(super) success: Success,
}

/// What a scsynth client gets when a command's work succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Success {
    /// `/done address id`: scsynth's asynchronous commands.
    Done,
    /// Nothing: its synchronous ones (`/b_set`).
    Nothing,
    /// `/b_info id frames channels rate`, from a `query`'s values.
    BufferInfo,
    /// `/b_set id index value ...`, from a `get`'s values.
    BufferSet,
    /// `/b_setn id start count values ...`, from a `getn`'s values.
    BufferSetn,
}

/// A command waiting for its outcome.
#[derive(Debug)]
struct Waiting {
    key: CompletionKey,
    completion: Option<Vec<u8>>,
    answer: Option<Answer>,
    time: Timetag,
    bundle: u32,
}

/// Which command waits: the client, the kind and the resource id of a resource command.
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

/// How a waiting command ended.
#[derive(Debug, PartialEq)]
pub(super) struct Outcome {
    /// The client.
    pub(super) client: ClientId,
    /// The command's resource id.
    pub(super) id: ResourceId,
    /// The operation's values if the work succeeded (none for a construct or a free),
    /// else the reason.
    pub(super) result: Result<Box<[ResourceArg]>, String>,
    /// The completion message: handled now, as if the client had sent it, on success.
    pub(super) completion: Option<Vec<u8>>,
    /// The scsynth answer the client is owed, if any.
    pub(super) answer: Option<Answer>,
    /// The time of the command.
    pub(super) time: Timetag,
    /// The bundle of the command.
    pub(super) bundle: u32,
}

/// The commands waiting, oldest first.
#[derive(Debug, Default)]
pub(super) struct PendingCompletions {
    waiting: Vec<Waiting>,
}

impl PendingCompletions {
    /// Waits for the outcome of the command `key` identifies, to handle `completion` and
    /// give `answer` then.
    pub(super) fn wait(
        &mut self,
        key: CompletionKey,
        completion: Option<Vec<u8>>,
        answer: Option<Answer>,
        time: Timetag,
        bundle: u32,
    ) {
        self.waiting.push(Waiting { key, completion, answer, time, bundle });
    }

    /// Forgets the `count` newest waits (their commands never reached the engine).
    pub(super) fn forget_newest(&mut self, count: usize) {
        self.waiting.truncate(self.waiting.len().saturating_sub(count));
    }

    /// Whether a command of `client` is waiting.
    pub(super) fn waits_for(&self, client: ClientId) -> bool {
        self.waiting.iter().any(|w| w.key.client == client)
    }

    /// How many wait.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// What `event` means for the waiting commands, if it ends the wait of one.
    pub(super) fn observe(&mut self, event: &Event) -> Option<Outcome> {
        let none = || Ok(Box::from([]));
        let (client, kind, id, result) = match event {
            Event::ResourceReady { client, id, .. } => (*client, CommandKind::ResourceNew, Some(*id), none()),
            Event::ResourceFailed { client, id, reason } => {
                (*client, CommandKind::ResourceNew, Some(*id), Err(reason.to_string()))
            }
            Event::ResourceDestroyed { client: Some(client), id } => {
                (*client, CommandKind::ResourceFree, Some(*id), none())
            }
            Event::ResourcePerformed { client, id, result, .. } => {
                let result = result.clone().map_err(|reason| reason.to_string());
                (*client, CommandKind::ResourcePerform, Some(*id), result)
            }
            Event::Error { client, command, error } => (*client, *command, resource_id(error), Err(error.to_string())),
            _ => return None,
        };
        // Without an id (an engine limit was hit), the oldest of the client's commands of
        // that kind is the one refused: the engine applies a client's commands in order.
        let index = self
            .waiting
            .iter()
            .position(|w| w.key.client == client && w.key.kind == kind && id.is_none_or(|id| w.key.id == id))?;
        let w = self.waiting.remove(index);
        Some(Outcome {
            client: w.key.client,
            id: w.key.id,
            result,
            completion: w.completion,
            answer: w.answer,
            time: w.time,
            bundle: w.bundle,
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
    const T: Timetag = Timetag::IMMEDIATE;

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

    fn key(id: ResourceId) -> CompletionKey {
        CompletionKey::of(&perform(id)).unwrap()
    }

    #[test]
    fn a_success_ends_the_wait_of_its_command() {
        let mut p = PendingCompletions::default();
        let answer = Answer { address: "/b_gen", success: Success::Done };
        p.wait(key(1), Some(vec![1]), None, T, 0);
        p.wait(key(2), Some(vec![2]), Some(answer), T, 0);
        assert_eq!(p.observe(&Event::Synced { client: C, token: 0 }), None);
        let two = p.observe(&performed(2, true)).unwrap();
        assert_eq!(
            (two.id, two.result, two.completion, two.answer),
            (2, Ok(Box::from([])), Some(vec![2]), Some(answer))
        );
        let one = p.observe(&performed(1, false)).unwrap();
        assert_eq!((one.id, one.result), (1, Err("no".to_owned())));
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn an_error_ends_the_wait_it_names_or_the_oldest() {
        let mut p = PendingCompletions::default();
        for id in [1, 2, 3] {
            p.wait(key(id), Some(vec![id as u8]), None, T, 0);
        }
        let busy = EngineError::ResourceBusy { id: 2, holders: 1 };
        let refused = |error| Event::Error { client: C, command: CommandKind::ResourcePerform, error };
        assert_eq!(p.observe(&refused(busy)).map(|o| o.id), Some(2));
        let full = p.observe(&refused(EngineError::PerformCapacity(8))).unwrap();
        assert_eq!(full.id, 1);
        assert!(full.result.unwrap_err().contains("8 resource operations"));
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
            p.wait(key(id), None, None, T, 0);
        }
        p.forget_newest(2);
        assert_eq!(p.len(), 1);
        assert_eq!(p.observe(&performed(1, true)).map(|o| o.result), Some(Ok(Box::from([]))));
        p.forget_newest(5);
        assert_eq!(p.len(), 0);
    }
}
