//! The audio thread's side of the resource system: the resource pool and the work in
//! flight on the workers, behind one type. Context: RT.

use std::sync::Arc;

use oscine_plugin_api::{Resource, ResourceAccess, ResourceArg, ResourceId};

use super::outbox::Outbox;
use super::pending_work::{PendingWork, RunningPerform};
use super::resource_pool::{FreeOutcome, Freer, HeldOperation, Published, Requester};
use super::WorkerResult;
use super::{
    ClientId, EngineError, Event, Garbage, Job, ResourceDefId, ResourceDefRef, ResourceIds, ResourcePool, Scheduler,
};

/// The resource system as the Engine drives it: the [`ResourcePool`] (every id's
/// lifecycle and holders) and the [`PendingWork`] (running operations, waiting `/sync`s
/// and the sequence numbers that order them). It starts constructs, frees and operations
/// on workers, takes their results back, and answers `/sync`s; whatever it reports or
/// hands to a worker goes through the [`Outbox`] it is given.
///
/// Every ResourceDef it is given or takes back from the pool leaves it in a [`Job`] or as
/// [`Garbage`], never dropped here: a ResourceDef's destructor is a plugin's code.
///
/// Context: allocated NRT with fixed capacities; every method after `new` runs on the
/// audio thread and never allocates, frees, locks or blocks.
pub(crate) struct ResourceSystem {
    pool: ResourcePool,
    pending: PendingWork,
}

impl ResourceSystem {
    /// A system of `capacity` resource ids.
    /// Context: NRT.
    pub(crate) fn new(capacity: usize) -> Self {
        ResourceSystem { pool: ResourcePool::new(capacity), pending: PendingWork::default() }
    }

    /// The pool, for Synths to bind, release and lease Resources through.
    pub(crate) fn pool(&self) -> &ResourcePool {
        &self.pool
    }

    /// The sequence number for the command just taken from the command FIFO.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.pending.next_seq()
    }

    /// Live Resources.
    pub(crate) fn live_count(&self) -> usize {
        self.pool.live_count()
    }

    /// Operations running on workers.
    pub(crate) fn running(&self) -> usize {
        self.pending.running()
    }

    /// Whether every id is Free and no operation runs.
    pub(crate) fn is_idle(&self) -> bool {
        self.pool.all_free() && self.pending.running() == 0
    }

    /// `ResourceNew`: Free → Constructing, and the construct goes to a worker with the
    /// ResourceDef it runs; a refused one sends its ResourceDef and arguments to a worker
    /// to drop.
    pub(crate) fn create(
        &mut self,
        creator: Requester,
        id: ResourceId,
        def: ResourceDefRef,
        args: Box<[ResourceArg]>,
        outbox: &mut Outbox,
    ) -> Result<(), EngineError> {
        match self.pool.begin_construct(id, def, creator) {
            Ok(def) => {
                outbox.dispatch(Job::Construct { id, def, args });
                Ok(())
            }
            Err((e, def)) => {
                outbox.dispose(Garbage::ResourceDef(def));
                outbox.dispose(Garbage::Args(args));
                Err(e)
            }
        }
    }

    /// `ResourceFree`: destroys the Resource now, or marks its free pending.
    pub(crate) fn free(&mut self, by: Requester, id: ResourceId, outbox: &mut Outbox) -> Result<(), EngineError> {
        match self.pool.free(id, by)? {
            FreeOutcome::Destroy(def, resource) => outbox.dispatch(Job::Destroy { id, def, resource }),
            FreeOutcome::Deferred => {}
        }
        Ok(())
    }

    /// `ResourcePerform`: checks everything first, then holds the Resources and sends
    /// the operation to a worker. A refused operation holds nothing.
    pub(crate) fn perform(
        &mut self,
        Requester { client, seq }: Requester,
        ids: ResourceIds,
        operation: (ResourceDefId, u16),
        exclusive: bool,
        args: Box<[ResourceArg]>,
        outbox: &mut Outbox,
    ) -> Result<(), EngineError> {
        let checked = self.pool.check_operation(&ids, operation.0, exclusive).and_then(|checked| {
            let slot = self.pending.start_perform(RunningPerform { client, ids, operation, seq })?;
            Ok((slot, checked))
        });
        match checked {
            Ok((slot, checked)) => {
                let HeldOperation { def, resources } = checked.hold();
                outbox.dispatch(Job::Perform { slot, def, operation: operation.1, resources, args });
                Ok(())
            }
            Err(e) => {
                outbox.dispose(Garbage::Args(args));
                Err(e)
            }
        }
    }

    /// `Sync` with barrier `barrier`: answered now if `client` has no work pending up to
    /// it (in the pool, the operations or `scheduler`), else it waits.
    pub(crate) fn sync(
        &mut self,
        client: ClientId,
        token: i32,
        barrier: u64,
        scheduler: &Scheduler,
        outbox: &mut Outbox,
    ) -> Result<(), EngineError> {
        let busy = self.pool.busy_for(client, barrier)
            || self.pending.perform_busy_for(client, barrier)
            || scheduler.holds_for(client, barrier);
        if busy {
            self.pending.defer_sync(client, token, barrier)
        } else {
            outbox.emit(Event::Synced { client, token });
            Ok(())
        }
    }

    /// Shutdown: every Live Resource nobody holds is destroyed now, the others after
    /// their last holder or their construct; `freer` is told of each destroy.
    pub(crate) fn shutdown(&mut self, freer: Freer, outbox: &mut Outbox) {
        self.pool.free_all(freer, |id, def, resource| outbox.dispatch(Job::Destroy { id, def, resource }));
    }

    /// Takes every result the workers posted.
    pub(crate) fn collect_worker_results(&mut self, outbox: &mut Outbox) {
        while let Some(result) = outbox.workers.pop_result() {
            self.on_worker_result(result, outbox);
        }
        outbox.publish_pending();
    }

    fn on_worker_result(&mut self, result: WorkerResult, outbox: &mut Outbox) {
        match result {
            WorkerResult::Dropped => outbox.dropped(),
            WorkerResult::Constructed { id, result: Ok(resource) } => self.constructed(id, resource, outbox),
            WorkerResult::Constructed { id, result: Err(reason) } => match self.pool.construct_failed(id) {
                Some((creator, def)) => {
                    outbox.dispose(Garbage::ResourceDef(def));
                    outbox.emit(Event::ResourceFailed { client: creator.client, id, reason });
                }
                None => outbox.dispose(Garbage::Text(reason)),
            },
            WorkerResult::Destroyed { id } => {
                if let Some(freer) = self.pool.destroyed(id) {
                    outbox.emit(Event::ResourceDestroyed { client: freer.map(|r| r.client), id });
                }
            }
            WorkerResult::Performed { slot, result } => match self.pending.finish_perform(slot) {
                Some(p) => {
                    for &id in p.ids.as_slice() {
                        self.pool.release(id);
                    }
                    let id = p.ids.first();
                    outbox.emit(Event::ResourcePerformed { client: p.client, id, operation: p.operation, result });
                }
                None => match result {
                    Ok(args) => outbox.dispose(Garbage::Args(args)),
                    Err(text) => outbox.dispose(Garbage::Text(text)),
                },
            },
        }
    }

    fn constructed(&mut self, id: ResourceId, resource: Arc<dyn Resource>, outbox: &mut Outbox) {
        match self.pool.publish(id, resource) {
            Published::Live { creator, def } => outbox.emit(Event::ResourceReady { client: creator.client, id, def }),
            Published::Destroy { creator, def, resource } => {
                // Freed while it was being built: ready, then destroyed at once.
                outbox.emit(Event::ResourceReady { client: creator.client, id, def: def.id });
                outbox.dispatch(Job::Destroy { id, def, resource });
            }
            Published::Unexpected(resource) => outbox.dispose(Garbage::Resource(resource)),
        }
    }

    /// Starts the destroys that releases made due.
    pub(crate) fn start_due_destroys(&mut self, outbox: &mut Outbox) {
        self.pool.take_due_destroys(|id, def, resource| outbox.dispatch(Job::Destroy { id, def, resource }));
    }

    /// Answers, in arrival order, every waiting `/sync` whose work is done.
    pub(crate) fn answer_syncs(&mut self, scheduler: &Scheduler, outbox: &mut Outbox) {
        if !self.pending.has_waiting_syncs() {
            return;
        }
        let pool = &self.pool;
        self.pending.release_syncs(
            |client, barrier| pool.busy_for(client, barrier) || scheduler.holds_for(client, barrier),
            |client, token| outbox.emit(Event::Synced { client, token }),
        );
    }
}
