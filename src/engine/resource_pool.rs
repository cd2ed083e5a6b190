use std::cell::Cell;
use std::sync::Arc;

use oscine_plugin_api::{AcquireError, Resource, ResourceAccess, ResourceId};

use super::{ClientId, EngineError};

/// A registered ResourceDef's index in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceDefId(pub u32);

/// Where a resource id is in its lifecycle (seeds/002's state machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceState {
    /// Nothing at this id.
    Free,
    /// A worker is building it.
    Constructing,
    /// Built and usable.
    Live,
    /// A worker is destroying it.
    Destroying,
}

/// Who asked for the asynchronous step an entry is in, so its notification reaches them
/// and `/sync` can wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requester {
    /// The client.
    pub client: ClientId,
    /// The engine's sequence number of the step.
    pub seq: u64,
}

struct ResourceEntry {
    state: Cell<ResourceState>,
    def: Cell<ResourceDefId>,
    refcount: Cell<u32>,
    free_pending: Cell<bool>,
    requester: Cell<Requester>,
    freer: Cell<Requester>,
    resource: Option<Arc<dyn Resource>>,
}

/// The fixed-size resource pool: per id its state, ResourceDef, holder count, pending
/// free and the Resource itself.
///
/// Context: allocated NRT; every state transition and holder-count change happens on the
/// audio thread (seeds/002: "All per-resource state mutation, refcount mutation, and
/// lifecycle dispatch run on RT"). The holder counts are `Cell`s so Synths can acquire and
/// release through a shared reference while the pool is lent to them during processing;
/// the pool is therefore not `Sync` and never leaves the audio thread.
pub struct ResourcePool {
    entries: Box<[ResourceEntry]>,
    destroys_due: Cell<u32>,
    live: usize,
}

/// What a `/resource/free` did.
#[derive(Debug)]
pub enum FreeOutcome {
    /// Nothing holds it: destroy it now (the Resource goes to a worker).
    Destroy(Arc<dyn Resource>),
    /// Held or still constructing: the destroy follows the last release or the publish.
    Deferred,
}

impl ResourcePool {
    /// A pool of `capacity` ids. Context: NRT.
    pub fn new(capacity: usize) -> Self {
        let nobody = Requester { client: ClientId(u32::MAX), seq: 0 };
        ResourcePool {
            entries: (0..capacity)
                .map(|_| ResourceEntry {
                    state: Cell::new(ResourceState::Free),
                    def: Cell::new(ResourceDefId(0)),
                    refcount: Cell::new(0),
                    free_pending: Cell::new(false),
                    requester: Cell::new(nobody),
                    freer: Cell::new(nobody),
                    resource: None,
                })
                .collect(),
            destroys_due: Cell::new(0),
            live: 0,
        }
    }

    fn entry(&self, id: ResourceId) -> Option<&ResourceEntry> {
        usize::try_from(id).ok().and_then(|i| self.entries.get(i))
    }

    /// Live Resources.
    pub fn live_count(&self) -> usize {
        self.live
    }

    /// The state of `id` (Free when out of range).
    pub fn state(&self, id: ResourceId) -> ResourceState {
        self.entry(id).map_or(ResourceState::Free, |e| e.state.get())
    }

    /// Holders of `id`.
    pub fn refcount(&self, id: ResourceId) -> u32 {
        self.entry(id).map_or(0, |e| e.refcount.get())
    }

    /// The ResourceDef of the entry at `id`.
    pub fn def_of(&self, id: ResourceId) -> Option<ResourceDefId> {
        self.entry(id).filter(|e| e.state.get() != ResourceState::Free).map(|e| e.def.get())
    }

    /// Who asked for the step `id` is in.
    pub fn requester(&self, id: ResourceId) -> Option<Requester> {
        self.entry(id).map(|e| e.requester.get())
    }

    /// Whether every id is Free.
    pub fn all_free(&self) -> bool {
        self.entries.iter().all(|e| e.state.get() == ResourceState::Free)
    }

    /// Whether an asynchronous step (construct or destroy) asked for by `client` with a
    /// sequence number at most `barrier` is still running. Context: RT.
    pub fn busy_for(&self, client: ClientId, barrier: u64) -> bool {
        self.entries.iter().any(|e| {
            matches!(e.state.get(), ResourceState::Constructing | ResourceState::Destroying) && {
                let r = e.requester.get();
                r.client == client && r.seq <= barrier
            }
        })
    }

    fn check_range(&self, id: ResourceId) -> Result<&ResourceEntry, EngineError> {
        self.entry(id).ok_or(EngineError::ResourceIdOutOfRange { id, capacity: self.entries.len() })
    }

    /// Free → Constructing. Context: RT.
    pub fn begin_construct(&mut self, id: ResourceId, def: ResourceDefId, by: Requester) -> Result<(), EngineError> {
        let e = self.check_range(id)?;
        if e.state.get() != ResourceState::Free {
            return Err(EngineError::ResourceIdInUse(id));
        }
        e.state.set(ResourceState::Constructing);
        e.def.set(def);
        e.refcount.set(0);
        e.free_pending.set(false);
        e.requester.set(by);
        Ok(())
    }

    /// Constructing → Live. If a free arrived meanwhile, straight on to Destroying: the
    /// Resource comes back to be sent to a worker. Context: RT.
    pub fn publish(&mut self, id: ResourceId, resource: Arc<dyn Resource>) -> Result<(), Arc<dyn Resource>> {
        let Some(i) = usize::try_from(id).ok().filter(|i| *i < self.entries.len()) else { return Err(resource) };
        let e = &mut self.entries[i];
        if e.state.get() != ResourceState::Constructing {
            return Err(resource);
        }
        if e.free_pending.get() {
            e.state.set(ResourceState::Destroying);
            e.requester.set(e.freer.get());
            return Err(resource);
        }
        e.state.set(ResourceState::Live);
        e.resource = Some(resource);
        self.live += 1;
        Ok(())
    }

    /// Constructing → Free after a failed construct. Context: RT.
    pub fn construct_failed(&mut self, id: ResourceId) {
        if let Some(e) = self.entry(id) {
            if e.state.get() == ResourceState::Constructing {
                e.state.set(ResourceState::Free);
                e.free_pending.set(false);
            }
        }
    }

    /// Handles `/resource/free`. Context: RT.
    pub fn free(&mut self, id: ResourceId, by: Requester) -> Result<FreeOutcome, EngineError> {
        let e = self.check_range(id)?;
        match e.state.get() {
            ResourceState::Free | ResourceState::Destroying => Err(EngineError::ResourceNotLive(id)),
            _ if e.free_pending.get() => Err(EngineError::ResourceFreePending(id)),
            // The construct stays the creator's step (its /sync waits for it, it hears
            // /resource/ready); the destroy that follows is the freer's.
            ResourceState::Constructing => {
                e.free_pending.set(true);
                e.freer.set(by);
                Ok(FreeOutcome::Deferred)
            }
            ResourceState::Live if e.refcount.get() > 0 => {
                e.free_pending.set(true);
                e.freer.set(by);
                Ok(FreeOutcome::Deferred)
            }
            ResourceState::Live => {
                e.requester.set(by);
                Ok(FreeOutcome::Destroy(self.begin_destroy(id)))
            }
        }
    }

    /// Live → Destroying; hands back the Resource for the worker.
    fn begin_destroy(&mut self, id: ResourceId) -> Arc<dyn Resource> {
        let e = &mut self.entries[id as usize];
        e.state.set(ResourceState::Destroying);
        self.live -= 1;
        e.resource.take().expect("a Live entry holds its Resource")
    }

    /// Destroying → Free once the worker's destroy returned. Context: RT.
    pub fn destroyed(&mut self, id: ResourceId) {
        if let Some(e) = self.entry(id) {
            if e.state.get() == ResourceState::Destroying {
                e.state.set(ResourceState::Free);
                e.free_pending.set(false);
                e.refcount.set(0);
            }
        }
    }

    /// Starts the destroy of every Live Resource whose last holder let go while its free
    /// was pending. Context: RT.
    pub fn take_due_destroys(&mut self, mut destroy: impl FnMut(ResourceId, ResourceDefId, Arc<dyn Resource>)) {
        if self.destroys_due.get() == 0 {
            return;
        }
        self.destroys_due.set(0);
        for i in 0..self.entries.len() {
            let e = &self.entries[i];
            if e.state.get() == ResourceState::Live && e.free_pending.get() && e.refcount.get() == 0 {
                e.requester.set(e.freer.get());
                let def = e.def.get();
                let resource = self.begin_destroy(i as ResourceId);
                destroy(i as ResourceId, def, resource);
            }
        }
    }

    /// Shutdown: every Live Resource nobody holds is destroyed now, the rest when released
    /// or published. Context: RT.
    pub fn free_all(&mut self, by: Requester, mut destroy: impl FnMut(ResourceId, ResourceDefId, Arc<dyn Resource>)) {
        for i in 0..self.entries.len() {
            let e = &self.entries[i];
            match e.state.get() {
                ResourceState::Constructing => {
                    e.free_pending.set(true);
                    e.freer.set(by);
                }
                ResourceState::Live if e.refcount.get() > 0 => {
                    e.free_pending.set(true);
                    e.freer.set(by);
                }
                ResourceState::Live => {
                    e.requester.set(by);
                    let def = e.def.get();
                    let resource = self.begin_destroy(i as ResourceId);
                    destroy(i as ResourceId, def, resource);
                }
                ResourceState::Free | ResourceState::Destroying => {}
            }
        }
    }

    /// Checks that `id` can be acquired as ResourceDef `def` (any def when `None`).
    fn check_acquire(&self, id: ResourceId, def: Option<ResourceDefId>) -> Result<&ResourceEntry, AcquireError> {
        let e = self.entry(id).ok_or(AcquireError::OutOfRange)?;
        if e.state.get() != ResourceState::Live {
            return Err(AcquireError::NotLive);
        }
        if e.free_pending.get() {
            return Err(AcquireError::FreePending);
        }
        if def.is_some_and(|d| d != e.def.get()) {
            return Err(AcquireError::WrongType);
        }
        Ok(e)
    }

    /// Acquires `id` for a resource port that expects ResourceDef `def`; returns a clone
    /// of the Resource to keep (the caller must never drop it on the audio thread).
    /// Context: RT.
    pub fn acquire_shared(
        &self,
        id: ResourceId,
        def: Option<ResourceDefId>,
    ) -> Result<Arc<dyn Resource>, AcquireError> {
        let e = self.check_acquire(id, def)?;
        let resource = e.resource.as_ref().ok_or(AcquireError::NotLive)?;
        e.refcount.set(e.refcount.get() + 1);
        Ok(Arc::clone(resource))
    }

    /// Whether every id can be held for an operation: Live, no free pending, and, for an
    /// exclusive operation, held by nobody. Context: RT.
    pub fn check_perform(&self, ids: &[ResourceId], exclusive: bool) -> Result<(), EngineError> {
        for &id in ids {
            self.check_acquire(id, None).map_err(|reason| EngineError::Acquire { id, reason })?;
            if exclusive && self.refcount(id) > 0 {
                return Err(EngineError::ResourceBusy { id, holders: self.refcount(id) });
            }
        }
        Ok(())
    }
}

impl ResourceAccess for ResourcePool {
    // Context: RT.
    fn acquire(&self, id: ResourceId) -> Result<&dyn Resource, AcquireError> {
        let e = self.check_acquire(id, None)?;
        let resource = e.resource.as_ref().ok_or(AcquireError::NotLive)?;
        e.refcount.set(e.refcount.get() + 1);
        Ok(&**resource)
    }

    // Context: RT.
    fn release(&self, id: ResourceId) {
        let Some(e) = self.entry(id) else { return };
        let count = e.refcount.get();
        if count == 0 {
            return;
        }
        e.refcount.set(count - 1);
        if count == 1 && e.free_pending.get() {
            self.destroys_due.set(self.destroys_due.get() + 1);
        }
    }
}
