//! The audio thread's side of the resource system. Context: RT.

use std::sync::Arc;

use oscine_plugin_api::{ResourceAccess, ResourceArg, ResourceId};

use super::pending_work::RunningPerform;
use super::resource_pool::{FreeOutcome, Requester};
use super::{ClientId, Engine, EngineError, Event, Garbage, ResourceDefId, ResourceIds};
use super::{Job, WorkerResult};

/// The audio thread's side of the resource system: starting constructs, frees and
/// operations on workers, and taking their results back.
///
/// Context: RT (methods of the [`Engine`]).
impl Engine {
    pub(super) fn resource_new(
        &mut self,
        by: Requester,
        id: ResourceId,
        def: ResourceDefId,
        args: Box<[ResourceArg]>,
    ) -> Result<(), EngineError> {
        match self.resources.begin_construct(id, def, by) {
            Ok(()) => {
                self.outbox.dispatch(Job::Construct { id, def, args });
                Ok(())
            }
            Err(e) => {
                self.outbox.dispose(Garbage::Args(args));
                Err(e)
            }
        }
    }

    pub(super) fn resource_free(&mut self, by: Requester, id: ResourceId) -> Result<(), EngineError> {
        match self.resources.free(id, by)? {
            FreeOutcome::Destroy(resource) => {
                let def = self.resources.def_of(id).unwrap_or(ResourceDefId(0));
                self.outbox.dispatch(Job::Destroy { id, def, resource });
            }
            FreeOutcome::Deferred => {}
        }
        Ok(())
    }

    pub(super) fn resource_perform(
        &mut self,
        Requester { client, seq }: Requester,
        ids: ResourceIds,
        operation: (ResourceDefId, u16),
        exclusive: bool,
        args: Box<[ResourceArg]>,
    ) -> Result<(), EngineError> {
        let first = ids.as_slice().first().copied().unwrap_or(-1);
        let checked = match self.resources.def_of(first) {
            Some(def) if def != operation.0 => {
                Err(EngineError::Acquire { id: first, reason: oscine_plugin_api::AcquireError::WrongType })
            }
            _ => self.resources.check_perform(ids.as_slice(), exclusive),
        };
        let slot = checked.and_then(|()| self.pending.start_perform(RunningPerform { client, ids, operation, seq }));
        let slot = match slot {
            Ok(slot) => slot,
            Err(e) => {
                self.outbox.dispose(Garbage::Args(args));
                return Err(e);
            }
        };
        let mut resources: [Option<Arc<dyn oscine_plugin_api::Resource>>; ResourceIds::CAPACITY] = Default::default();
        for (held, &id) in resources.iter_mut().zip(ids.as_slice()) {
            // Checked above; a failure here would be a bug, and the operation then sees
            // fewer Resources rather than the audio thread panicking.
            *held = self.resources.acquire_shared(id, None).ok();
        }
        self.outbox.dispatch(Job::Perform { slot, def: operation.0, operation: operation.1, resources, args });
        Ok(())
    }

    pub(super) fn collect_worker_results(&mut self) {
        while let Some(result) = self.outbox.workers.pop_result() {
            self.on_worker_result(result);
        }
        self.outbox.publish_pending();
    }

    pub(super) fn on_worker_result(&mut self, result: WorkerResult) {
        match result {
            WorkerResult::Dropped => self.outbox.dropped(),
            WorkerResult::Constructed { id, result } => {
                let client = self.resources.requester(id).map_or(ClientId(u32::MAX), |r| r.client);
                let def = self.resources.def_of(id).unwrap_or(ResourceDefId(0));
                match result {
                    Ok(resource) => match self.resources.publish(id, resource) {
                        Ok(()) => self.outbox.emit(Event::ResourceReady { client, id, def }),
                        Err(resource) => {
                            // Freed while it was being built: ready, then destroyed at once.
                            self.outbox.emit(Event::ResourceReady { client, id, def });
                            self.outbox.dispatch(Job::Destroy { id, def, resource });
                        }
                    },
                    Err(reason) => {
                        self.resources.construct_failed(id);
                        self.outbox.emit(Event::ResourceFailed { client, id, reason });
                    }
                }
            }
            WorkerResult::Destroyed { id } => {
                let client = self.resources.requester(id).map_or(ClientId(u32::MAX), |r| r.client);
                self.resources.destroyed(id);
                self.outbox.emit(Event::ResourceDestroyed { client, id });
            }
            WorkerResult::Performed { slot, result } => {
                if let Some(p) = self.pending.finish_perform(slot) {
                    for &id in p.ids.as_slice() {
                        self.resources.release(id);
                    }
                    let id = p.ids.as_slice().first().copied().unwrap_or(-1);
                    self.outbox.emit(Event::ResourcePerformed { client: p.client, id, operation: p.operation, result });
                } else if let Err(text) = result {
                    self.outbox.dispose(Garbage::Text(text));
                } else if let Ok(args) = result {
                    self.outbox.dispose(Garbage::Args(args));
                }
            }
        }
    }

    pub(super) fn start_due_destroys(&mut self) {
        let outbox = &mut self.outbox;
        self.resources.take_due_destroys(|id, def, resource| outbox.dispatch(Job::Destroy { id, def, resource }));
    }
}
