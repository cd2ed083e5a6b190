//! The audio thread's side of the resource system: the resource pool, the work in flight
//! on the workers and the `/sync`s waiting for it, behind one type. Context: RT.

use std::sync::Arc;

use oscine_plugin_api::{Resource, ResourceAccess, ResourceArg, ResourceId};

use super::outbox::Outbox;
use super::pending_work::{PendingWork, RunningPerform, MAX_PENDING_SYNCS, MAX_PENDING_SYNCS_PER_CLIENT, MAX_PERFORMS};
use super::resource_pool::{FreeOutcome, Freer, HeldOperation, Published, Requester};
use super::sync_spans::{SpanId, SyncSpans};
use super::WorkerResult;
use super::{ClientId, EngineError, Event, Garbage, Job, ResourceDefId, ResourceDefRef, ResourceIds, ResourcePool};

/// The resource system as the Engine drives it: the [`ResourcePool`] (every id's
/// lifecycle and holders), the [`PendingWork`] (running operations and the sequence
/// numbers that order commands) and the [`SyncSpans`] (which `/sync` waits for which
/// step). It starts constructs, frees and operations on workers, takes their results
/// back, and answers `/sync`s; whatever it reports or hands to a worker goes through the
/// [`Outbox`] it is given.
///
/// Every step it starts for a client counts in one of that client's spans until its
/// result is taken, and so does every timed command of a client while it waits in the
/// scheduler (`hold_scheduled`, `release_scheduled`).
///
/// Every ResourceDef it is given or takes back from the pool leaves it in a [`Job`] or as
/// [`Garbage`], never dropped here: a ResourceDef's destructor is a plugin's code.
///
/// Context: allocated NRT with fixed capacities; every method after `new` runs on the
/// audio thread and never allocates, frees, locks or blocks.
pub(crate) struct ResourceSystem {
    pool: ResourcePool,
    pending: PendingWork,
    spans: SyncSpans,
}

impl ResourceSystem {
    /// A system of `capacity` resource ids, for a scheduler of `max_scheduled` commands.
    /// Context: NRT.
    pub(crate) fn new(capacity: usize, max_scheduled: usize) -> Self {
        // At most one step per resource id, one per running operation and one per
        // scheduled command are outstanding at once.
        let steps = capacity + MAX_PERFORMS + max_scheduled;
        ResourceSystem {
            pool: ResourcePool::new(capacity),
            pending: PendingWork::default(),
            spans: SyncSpans::new(MAX_PENDING_SYNCS, MAX_PENDING_SYNCS_PER_CLIENT, steps),
        }
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

    /// Counts the step `r` starts in its span; the requester the step keeps.
    fn hold(&mut self, r: Requester) -> Result<Requester, EngineError> {
        let span = self.spans.hold(r.client, r.span)?;
        Ok(Requester { span: Some(span), ..r })
    }

    fn release(&mut self, r: Requester) {
        if let Some(span) = r.span {
            self.spans.release(span);
        }
    }

    /// A timed command of `client` taken into the scheduler: counted in the client's open
    /// span until `release_scheduled`, so its `/sync`s wait for it and for what it starts.
    /// A timed `/sync` (`sync_token`) closes the span instead, and counts in it.
    pub(crate) fn hold_scheduled(&mut self, client: ClientId, sync_token: Option<i32>) -> Result<SpanId, EngineError> {
        match sync_token {
            Some(token) => self.spans.sync_later(client, token),
            None => self.spans.hold(client, None),
        }
    }

    /// A timed command left the scheduler: applied (`applied`), or dropped (a timed
    /// `/sync` dropped is never answered).
    pub(crate) fn release_scheduled(&mut self, span: SpanId, applied: bool, sync: bool) {
        if sync && !applied {
            self.spans.cancel(span);
        }
        self.spans.release(span);
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
        let begun = match self.hold(creator) {
            Ok(creator) => self.pool.begin_construct(id, def, creator).inspect_err(|_| self.release(creator)),
            Err(e) => Err((e, def)),
        };
        match begun {
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

    /// `ResourceFree`: destroys the Resource now, or marks its free pending (its destroy
    /// counts in a span of `by`'s when it starts).
    pub(crate) fn free(&mut self, by: Requester, id: ResourceId, outbox: &mut Outbox) -> Result<(), EngineError> {
        let by = self.hold(by)?;
        let outcome = self.pool.free(id, by);
        match outcome {
            Ok(FreeOutcome::Destroy(def, resource)) => {
                outbox.dispatch(Job::Destroy { id, def, resource });
                Ok(())
            }
            Ok(FreeOutcome::Deferred) => {
                self.release(by);
                Ok(())
            }
            Err(e) => {
                self.release(by);
                Err(e)
            }
        }
    }

    /// `ResourcePerform`: checks everything first, then holds the Resources and sends
    /// the operation to a worker. A refused operation holds nothing.
    pub(crate) fn perform(
        &mut self,
        by: Requester,
        ids: ResourceIds,
        operation: (ResourceDefId, u16),
        exclusive: bool,
        args: Box<[ResourceArg]>,
        outbox: &mut Outbox,
    ) -> Result<(), EngineError> {
        let span = match self.spans.hold(by.client, by.span) {
            Ok(span) => span,
            Err(e) => {
                outbox.dispose(Garbage::Args(args));
                return Err(e);
            }
        };
        let (pool, pending) = (&self.pool, &mut self.pending);
        let checked = pool.check_operation(&ids, operation.0, exclusive).and_then(|checked| {
            let slot = pending.start_perform(RunningPerform { client: by.client, ids, operation, span })?;
            Ok((slot, checked))
        });
        match checked {
            Ok((slot, checked)) => {
                let HeldOperation { def, resources } = checked.hold();
                outbox.dispatch(Job::Perform { slot, def, operation: operation.1, resources, args });
                Ok(())
            }
            Err(e) => {
                self.spans.release(span);
                outbox.dispose(Garbage::Args(args));
                Err(e)
            }
        }
    }

    /// `Sync`: answered now if `client` has no work outstanding, else it waits for the
    /// work its client started or scheduled before it.
    pub(crate) fn sync(&mut self, client: ClientId, token: i32, outbox: &mut Outbox) -> Result<(), EngineError> {
        if self.spans.sync(client, token)? {
            outbox.emit(Event::Synced { client, token });
        }
        Ok(())
    }

    /// Shutdown: every Live Resource nobody holds is destroyed now, the others after
    /// their last holder or their construct; `freer` is told of each destroy.
    pub(crate) fn shutdown(&mut self, freer: Freer, outbox: &mut Outbox) {
        let spans = &mut self.spans;
        self.pool.free_all(
            freer,
            |f| hold_freer(spans, f),
            |id, def, resource| outbox.dispatch(Job::Destroy { id, def, resource }),
        );
    }

    /// Takes every result the workers posted.
    pub(crate) fn collect_worker_results(&mut self, outbox: &mut Outbox) {
        // Each result answers with at most one reply; with no room, the rest wait.
        while outbox.has_reply_room(1) {
            let Some(result) = outbox.workers.pop_result() else { break };
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
                    self.release(creator);
                }
                None => outbox.dispose(Garbage::Text(reason)),
            },
            WorkerResult::Destroyed { id } => {
                if let Some(freer) = self.pool.destroyed(id) {
                    outbox.emit(Event::ResourceDestroyed { client: freer.map(|r| r.client), id });
                    if let Some(freer) = freer {
                        self.release(freer);
                    }
                }
            }
            WorkerResult::Performed { slot, result } => match self.pending.finish_perform(slot) {
                Some(p) => {
                    for &id in p.ids.as_slice() {
                        self.pool.release(id);
                    }
                    let id = p.ids.first();
                    outbox.emit(Event::ResourcePerformed { client: p.client, id, operation: p.operation, result });
                    self.spans.release(p.span);
                }
                None => match result {
                    Ok(args) => outbox.dispose(Garbage::Args(args)),
                    Err(text) => outbox.dispose(Garbage::Text(text)),
                },
            },
        }
    }

    fn constructed(&mut self, id: ResourceId, resource: Arc<dyn Resource>, outbox: &mut Outbox) {
        let spans = &mut self.spans;
        match self.pool.publish(id, resource, |f| hold_freer(spans, f)) {
            Published::Live { creator, def } => {
                outbox.emit(Event::ResourceReady { client: creator.client, id, def });
                self.release(creator);
            }
            Published::Destroy { creator, def, resource } => {
                // Freed while it was being built: ready, then destroyed at once.
                outbox.emit(Event::ResourceReady { client: creator.client, id, def: def.id });
                outbox.dispatch(Job::Destroy { id, def, resource });
                self.release(creator);
            }
            Published::Unexpected(resource) => outbox.dispose(Garbage::Resource(resource)),
        }
    }

    /// Starts the destroys that releases made due.
    pub(crate) fn start_due_destroys(&mut self, outbox: &mut Outbox) {
        let spans = &mut self.spans;
        self.pool.take_due_destroys(
            |f| hold_freer(spans, f),
            |id, def, resource| outbox.dispatch(Job::Destroy { id, def, resource }),
        );
    }

    /// Answers, in the order their work ended, the waiting `/sync`s whose work is done,
    /// while the event queue has room for the replies.
    pub(crate) fn answer_syncs(&mut self, outbox: &mut Outbox) {
        while self.spans.has_answers() && outbox.has_reply_room(1) {
            let Some((client, token)) = self.spans.next_answer() else { break };
            outbox.emit(Event::Synced { client, token });
        }
    }
}

/// Counts a destroy that starts without a command of its own (a pending free's, a
/// shutdown's) in a span of its freer's. With no span to be had (beyond the capacity
/// `SyncSpans` is sized for) the destroy still runs and is reported; only a `/sync` of
/// the freer might be answered before it ends.
fn hold_freer(spans: &mut SyncSpans, freer: Freer) -> Freer {
    freer.map(|r| Requester { span: spans.hold(r.client, r.span).ok(), ..r })
}

#[cfg(test)]
mod tests {
    //! The resource system driven by hand, with the test playing the worker, so it can
    //! look at every job and at the ResourceDef's reference count between the steps.

    use std::sync::Weak;

    use oscine_plugin_api::{PluginError, ResourceDef, ResourceDefInfo, World};
    use rtrb::{Consumer, RingBuffer};

    use super::super::{worker_queues, EngineStatus, EventSignal, ResourceState, WorkerEnds};
    use super::*;

    struct Nothing;
    impl Resource for Nothing {}

    /// A ResourceDef no registry holds: the test's Weak sees exactly who keeps it alive.
    struct Unregistered;
    impl ResourceDef for Unregistered {
        fn info(&self) -> ResourceDefInfo {
            ResourceDefInfo::new("unregistered", oscine_plugin_api::Mutability::Mutable)
        }
        fn construct(&self, _: &World, _: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
            Ok(Arc::new(Nothing))
        }
        fn destroy(&self, _: Arc<dyn Resource>) {}
        fn perform(
            &self,
            _: &World,
            _: usize,
            _: &[Arc<dyn Resource>],
            _: &[ResourceArg],
        ) -> Result<Vec<ResourceArg>, PluginError> {
            Ok(Vec::new())
        }
    }

    const CLIENT: ClientId = ClientId(1);

    struct Rig {
        system: ResourceSystem,
        outbox: Outbox,
        events: Consumer<Event>,
        worker: WorkerEnds,
    }

    impl Rig {
        fn new() -> Self {
            let (tx, events) = RingBuffer::new(64);
            let (links, mut ends) = worker_queues(1, 64);
            let signal = Arc::new(EventSignal::new().unwrap());
            let outbox = Outbox::new(tx, signal, links, Arc::new(EngineStatus::default()));
            Rig { system: ResourceSystem::new(4, 16), outbox, events, worker: ends.pop().unwrap() }
        }

        fn requester(&mut self) -> Requester {
            Requester { client: CLIENT, span: None }
        }

        fn create(&mut self, id: ResourceId, def: ResourceDefRef) -> Result<(), EngineError> {
            let creator = self.requester();
            self.system.create(creator, id, def, Box::new([]), &mut self.outbox)
        }

        fn free(&mut self, id: ResourceId) {
            let by = self.requester();
            self.system.free(by, id, &mut self.outbox).unwrap();
        }

        /// The next job the audio thread handed to the worker.
        fn job(&mut self) -> Job {
            self.worker.try_next_job().expect("a job was dispatched")
        }

        /// Plays the worker posting `result`, then the audio thread taking it.
        fn answer(&mut self, result: WorkerResult) {
            self.worker.post(result);
            self.system.collect_worker_results(&mut self.outbox);
        }

        /// Constructs `id` and publishes it, dropping the construct job's reference.
        fn make_live(&mut self, id: ResourceId, def: ResourceDefRef) {
            self.create(id, def).unwrap();
            let Job::Construct { def, .. } = self.job() else { panic!("not a construct") };
            drop(def);
            self.answer(WorkerResult::Constructed { id, result: Ok(Arc::new(Nothing)) });
            assert_eq!(self.system.pool().state(id), ResourceState::Live);
        }

        fn event(&mut self) -> Event {
            self.events.pop().expect("an event")
        }
    }

    fn unregistered() -> (ResourceDefRef, Weak<dyn ResourceDef>) {
        let code: Arc<dyn ResourceDef> = Arc::new(Unregistered);
        let weak = Arc::downgrade(&code);
        (ResourceDefRef::new(ResourceDefId(7), code), weak)
    }

    fn is(code: &Arc<dyn ResourceDef>, weak: &Weak<dyn ResourceDef>) -> bool {
        weak.upgrade().is_some_and(|def| Arc::ptr_eq(code, &def))
    }

    #[test]
    fn a_failed_construct_hands_its_resource_def_to_a_worker() {
        let mut rig = Rig::new();
        let (def, weak) = unregistered();
        rig.create(0, def).unwrap();
        let Job::Construct { id: 0, def, .. } = rig.job() else { panic!("not a construct") };
        assert!(is(&def.code, &weak), "the construct carries the command's ResourceDef");
        drop(def); // the worker is done with the job's reference
        rig.answer(WorkerResult::Constructed { id: 0, result: Err("asked to fail".into()) });
        assert!(matches!(rig.event(), Event::ResourceFailed { id: 0, .. }));
        assert_eq!(rig.system.pool().state(0), ResourceState::Free);
        assert!(weak.upgrade().is_some(), "the audio thread let go of the ResourceDef itself");
        let Job::Drop(Garbage::ResourceDef(garbage)) = rig.job() else { panic!("not the ResourceDef's garbage") };
        assert!(is(&garbage.code, &weak));
        drop(garbage); // the worker drops the garbage
        assert!(weak.upgrade().is_none(), "the worker held the last reference");
    }

    #[test]
    fn a_refused_resource_new_hands_its_resource_def_to_a_worker() {
        let mut rig = Rig::new();
        let (def, weak) = unregistered();
        rig.make_live(0, def.clone());
        for id in [0, 4, -1] {
            // In use, then out of range on either side.
            assert!(rig.create(id, def.clone()).is_err());
            let Job::Drop(Garbage::ResourceDef(garbage)) = rig.job() else { panic!("not the ResourceDef") };
            assert!(is(&garbage.code, &weak));
            assert!(matches!(rig.job(), Job::Drop(Garbage::Args(_))));
        }
        drop(def);
        rig.system.shutdown(None, &mut rig.outbox);
        let Job::Destroy { id: 0, def, .. } = rig.job() else { panic!("not a destroy") };
        drop(def);
        assert!(weak.upgrade().is_none(), "the refusals kept no reference");
    }

    #[test]
    fn perform_and_destroy_jobs_take_the_resource_def_from_the_slot() {
        let mut rig = Rig::new();
        let (def, weak) = unregistered();
        rig.make_live(1, def);
        assert!(matches!(rig.event(), Event::ResourceReady { id: 1, def: ResourceDefId(7), .. }));
        assert_eq!(weak.strong_count(), 1, "only the slot holds it");

        let by = rig.requester();
        let ids = ResourceIds::from_slice(&[1]).unwrap();
        rig.system.perform(by, ids, (ResourceDefId(7), 0), false, Box::new([]), &mut rig.outbox).unwrap();
        let Job::Perform { slot, def, resources, .. } = rig.job() else { panic!("not a perform") };
        assert!(is(&def.code, &weak), "the operation runs the Resource's ResourceDef");
        assert_eq!(weak.strong_count(), 2, "the slot keeps its own");
        drop((def, resources));
        rig.answer(WorkerResult::Performed { slot, result: Ok(Box::new([])) });

        rig.free(1);
        let Job::Destroy { id: 1, def, resource } = rig.job() else { panic!("not a destroy") };
        assert!(is(&def.code, &weak), "the destroy carries the slot's ResourceDef");
        assert_eq!(rig.system.pool().def_of(1), Some(ResourceDefId(7)), "Destroying keeps the id");
        drop((def, resource));
        assert!(weak.upgrade().is_none(), "the slot gave its reference to the destroy");
        rig.answer(WorkerResult::Destroyed { id: 1 });
        assert_eq!(rig.system.pool().state(1), ResourceState::Free);
    }

    #[test]
    fn a_resource_freed_while_constructing_is_destroyed_with_its_resource_def() {
        let mut rig = Rig::new();
        let (def, weak) = unregistered();
        rig.create(2, def).unwrap();
        rig.free(2);
        let Job::Construct { def, .. } = rig.job() else { panic!("not a construct") };
        drop(def);
        rig.answer(WorkerResult::Constructed { id: 2, result: Ok(Arc::new(Nothing)) });
        let Job::Destroy { id: 2, def, resource } = rig.job() else { panic!("not a destroy") };
        assert!(is(&def.code, &weak));
        drop((def, resource));
        assert!(weak.upgrade().is_none());
    }
}
