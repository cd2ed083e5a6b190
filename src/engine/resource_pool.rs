//! The resource pool: every resource id's lifecycle state and holders.
//!
//! Context: RT: every function here runs on the audio thread, except `ResourcePool::new`
//! (NRT, when the engine is built). The read-only accessors (`state`, `holders`,
//! `def_of`, `all_free`, `live_count`) run on whichever thread drives the engine.

use std::cell::Cell;
use std::sync::Arc;

use oscine_plugin_api::{AcquireError, Resource, ResourceAccess, ResourceId};

use super::sync_spans::SpanId;
use super::{ClientId, EngineError, ResourceDefRef, ResourceIds};

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

/// The client of a command that started an asynchronous step, so the step's
/// notification reaches that client, and the span of its work the step counts in, so its
/// `/sync`s wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requester {
    /// The client.
    pub client: ClientId,
    /// The span: the one its command was counted in if it came from the scheduler, else
    /// (`None`) the client's open span; once the step is under way, the span it holds.
    pub span: Option<SpanId>,
}

/// Who asked for a destroy: a client's `/resource/free` or `/quit`, or nobody (`None`: a
/// shutdown asked for by a signal or by the library's user, with no client to answer).
pub type Freer = Option<Requester>;

/// A Live entry: its ResourceDef, the Resource, its holders, and the free waiting for
/// them, if any.
struct LiveEntry {
    def: ResourceDefRef,
    resource: Arc<dyn Resource>,
    /// Bound resource ports, running operations and per-pass leases. A `Cell` because
    /// Synths acquire and release through the shared reference the tree is lent.
    holders: Cell<u32>,
    /// Set by a `/resource/free` (or shutdown) that found holders: nothing new may hold
    /// it, and the last holder letting go makes its destroy due.
    free_pending: Option<Freer>,
}

impl LiveEntry {
    fn holders(&self) -> u32 {
        self.holders.get()
    }

    /// Counts one holder more (`acquirable` refused a full count). Context: RT.
    fn hold(&self) -> &Arc<dyn Resource> {
        self.holders.set(self.holders.get().saturating_add(1));
        &self.resource
    }
}

/// One resource id's lifecycle. What each state holds is what that state needs, so a
/// Live entry always has its Resource and only a Live entry has holders. The ResourceDef
/// comes in with the construct and stays until it leaves in the destroy job (or as
/// garbage, after a failed construct): a Destroying entry keeps only its id.
enum Slot {
    Free,
    Constructing {
        def: ResourceDefRef,
        /// Whose `/resource/new` this is: it hears `/resource/ready` or `/resource/error`.
        creator: Requester,
        /// A free that arrived meanwhile: the destroy follows the construct.
        free_pending: Option<Freer>,
    },
    Live(LiveEntry),
    Destroying {
        /// The ResourceDef's id only: its code went with the destroy job.
        def: ResourceDefId,
        /// Who hears `/resource/destroyed`.
        freer: Freer,
    },
}

/// What a finished construct led to.
#[must_use]
pub(crate) enum Published {
    /// Constructing → Live.
    Live {
        /// Who asked for the construct.
        creator: Requester,
        /// The id of the Resource's ResourceDef.
        def: ResourceDefId,
    },
    /// Constructing → Destroying, for a free that arrived during the construct: the
    /// Resource goes straight to a worker's destroy.
    Destroy {
        /// Who asked for the construct.
        creator: Requester,
        /// The Resource's ResourceDef, for the destroy.
        def: ResourceDefRef,
        /// The Resource, for the destroy.
        resource: Arc<dyn Resource>,
    },
    /// The id was not Constructing (a result nothing waits for): the Resource goes to a
    /// worker to be dropped.
    Unexpected(Arc<dyn Resource>),
}

/// What a `/resource/free` did.
#[must_use]
pub(crate) enum FreeOutcome {
    /// Nothing holds it: Live → Destroying; the ResourceDef and the Resource go to a
    /// worker's destroy.
    Destroy(ResourceDefRef, Arc<dyn Resource>),
    /// Held or still constructing: the destroy follows the last release or the publish.
    Deferred,
}

impl Slot {
    fn state(&self) -> ResourceState {
        match self {
            Slot::Free => ResourceState::Free,
            Slot::Constructing { .. } => ResourceState::Constructing,
            Slot::Live(_) => ResourceState::Live,
            Slot::Destroying { .. } => ResourceState::Destroying,
        }
    }

    fn def(&self) -> Option<ResourceDefId> {
        match self {
            Slot::Free => None,
            Slot::Constructing { def, .. } | Slot::Live(LiveEntry { def, .. }) => Some(def.id),
            Slot::Destroying { def, .. } => Some(*def),
        }
    }

    fn holders(&self) -> u32 {
        match self {
            Slot::Live(live) => live.holders(),
            _ => 0,
        }
    }

    /// Whether a free is pending (on a Constructing or Live entry).
    fn free_pending(&self) -> bool {
        matches!(
            self,
            Slot::Constructing { free_pending: Some(_), .. } | Slot::Live(LiveEntry { free_pending: Some(_), .. })
        )
    }

    /// The freer of a Live entry whose free is pending and whose last holder let go.
    fn due_destroy(&self) -> Option<Freer> {
        match self {
            Slot::Live(live) if live.holders() == 0 => live.free_pending,
            _ => None,
        }
    }

    /// The Live entry, if `id` can take a new holder of ResourceDef `def` (any when `None`).
    fn acquirable(&self, def: Option<ResourceDefId>) -> Result<&LiveEntry, AcquireError> {
        let Slot::Live(live) = self else { return Err(AcquireError::NotLive) };
        if live.free_pending.is_some() {
            return Err(AcquireError::FreePending);
        }
        if def.is_some_and(|d| d != live.def.id) {
            return Err(AcquireError::WrongType);
        }
        // Four billion holders cannot come from ports and operations, only from a plugin
        // that leases without releasing: it is refused rather than miscounted.
        if live.holders() == u32::MAX {
            return Err(AcquireError::NotLive);
        }
        Ok(live)
    }

    // The transitions, one method each. Every one takes the slot's contents by value
    // (`mem::replace` with `Free`, which owns nothing) and puts back what follows, so
    // nothing is dropped here and the Resource only ever moves.

    /// Free → Constructing: keeps `def` and hands back a clone of it for the construct
    /// job; a slot that is not Free hands `def` back untouched.
    fn begin_construct(&mut self, def: ResourceDefRef, creator: Requester) -> Result<ResourceDefRef, ResourceDefRef> {
        if !matches!(self, Slot::Free) {
            return Err(def);
        }
        let for_job = def.clone();
        *self = Slot::Constructing { def, creator, free_pending: None };
        Ok(for_job)
    }

    /// Constructing → Live, or, with a free pending, Constructing → Destroying (the
    /// Resource is never Live, never counted, never acquirable).
    fn publish(&mut self, resource: Arc<dyn Resource>, hold: impl FnOnce(Freer) -> Freer) -> Published {
        match std::mem::replace(self, Slot::Free) {
            Slot::Constructing { def, creator, free_pending: None } => {
                let id = def.id;
                *self = Slot::Live(LiveEntry { def, resource, holders: Cell::new(0), free_pending: None });
                Published::Live { creator, def: id }
            }
            Slot::Constructing { def, creator, free_pending: Some(freer) } => {
                *self = Slot::Destroying { def: def.id, freer: hold(freer) };
                Published::Destroy { creator, def, resource }
            }
            other => {
                *self = other;
                Published::Unexpected(resource)
            }
        }
    }

    /// Constructing → Free after a failed construct; returns its creator and its
    /// ResourceDef.
    fn construct_failed(&mut self) -> Option<(Requester, ResourceDefRef)> {
        match std::mem::replace(self, Slot::Free) {
            Slot::Constructing { creator, def, .. } => Some((creator, def)),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Marks a free on a Constructing or held Live entry; the destroy starts later.
    fn set_free_pending(&mut self, freer: Freer) {
        if let Slot::Constructing { free_pending, .. } | Slot::Live(LiveEntry { free_pending, .. }) = self {
            *free_pending = Some(freer);
        }
    }

    /// Live → Destroying; hands back the ResourceDef and the Resource for the worker's
    /// destroy.
    fn begin_destroy(&mut self, freer: Freer) -> Option<(ResourceDefRef, Arc<dyn Resource>)> {
        match std::mem::replace(self, Slot::Free) {
            Slot::Live(LiveEntry { def, resource, .. }) => {
                *self = Slot::Destroying { def: def.id, freer };
                Some((def, resource))
            }
            other => {
                *self = other;
                None
            }
        }
    }

    /// Destroying → Free once the worker's destroy returned; returns who asked for it.
    fn destroyed(&mut self) -> Option<Freer> {
        match std::mem::replace(self, Slot::Free) {
            Slot::Destroying { freer, .. } => Some(freer),
            other => {
                *self = other;
                None
            }
        }
    }
}

/// The Resources an operation passed its checks for, not yet held.
pub(crate) struct CheckedOperation<'a> {
    /// The first Resource's entry, whose ResourceDef runs the operation.
    first: &'a LiveEntry,
    entries: [Option<&'a LiveEntry>; ResourceIds::CAPACITY],
}

/// What an operation's job takes from the pool: the ResourceDef that runs it and the
/// Resources it holds, in `ids` order.
#[must_use]
pub(crate) struct HeldOperation {
    pub(crate) def: ResourceDefRef,
    pub(crate) resources: [Option<Arc<dyn Resource>>; ResourceIds::CAPACITY],
}

impl CheckedOperation<'_> {
    /// Counts the operation as a holder of each Resource and clones them, and the first
    /// one's ResourceDef, for the job (atomic increments only). Context: RT.
    pub(crate) fn hold(self) -> HeldOperation {
        let resources = self.entries.map(|e| e.map(|live| Arc::clone(live.hold())));
        HeldOperation { def: self.first.def.clone(), resources }
    }
}

/// The fixed-size resource pool: per id its lifecycle state and what that state holds
/// (ResourceDef, creator or freer, pending free, and when Live the holder count and the
/// Resource itself).
///
/// Context: allocated NRT; every state transition and holder-count change happens on the
/// audio thread (seeds/002: "All per-resource state mutation, refcount mutation, and
/// lifecycle dispatch run on RT"). State transitions take `&mut self`; a Live slot's holder
/// count is a `Cell` so Synths can acquire and release through a shared reference while the pool is
/// lent to them during processing. The pool is therefore not `Sync` and never leaves the
/// audio thread.
pub struct ResourcePool {
    slots: Box<[Slot]>,
    destroys_due: Cell<u32>,
    live: usize,
}

impl ResourcePool {
    /// A pool of `capacity` ids. Context: NRT.
    pub fn new(capacity: usize) -> Self {
        // Ids are `ResourceId`s (i32): no more slots than they can name.
        let capacity = capacity.min(ResourceId::MAX as usize);
        ResourcePool { slots: (0..capacity).map(|_| Slot::Free).collect(), destroys_due: Cell::new(0), live: 0 }
    }

    fn slot(&self, id: ResourceId) -> Option<&Slot> {
        usize::try_from(id).ok().and_then(|i| self.slots.get(i))
    }

    fn slot_mut(&mut self, id: ResourceId) -> Option<&mut Slot> {
        usize::try_from(id).ok().and_then(|i| self.slots.get_mut(i))
    }

    /// Every slot with its id (capacity fits `ResourceId`, see `new`).
    fn slots_mut(&mut self) -> impl Iterator<Item = (ResourceId, &mut Slot)> {
        self.slots.iter_mut().enumerate().map(|(i, s)| (i as ResourceId, s))
    }

    /// Live Resources.
    pub fn live_count(&self) -> usize {
        self.live
    }

    /// The state of `id` (Free when out of range).
    pub fn state(&self, id: ResourceId) -> ResourceState {
        self.slot(id).map_or(ResourceState::Free, Slot::state)
    }

    /// Holders of `id` (0 unless Live).
    pub fn holders(&self, id: ResourceId) -> u32 {
        self.slot(id).map_or(0, Slot::holders)
    }

    /// The ResourceDef of the entry at `id` (none when Free).
    pub fn def_of(&self, id: ResourceId) -> Option<ResourceDefId> {
        self.slot(id).and_then(Slot::def)
    }

    /// Whether every id is Free.
    pub fn all_free(&self) -> bool {
        self.slots.iter().all(|s| matches!(s, Slot::Free))
    }

    fn check_range(&self, id: ResourceId) -> Result<&Slot, EngineError> {
        self.slot(id).ok_or(EngineError::ResourceIdOutOfRange { id, capacity: self.slots.len() })
    }

    /// Free → Constructing, for `creator`'s `/resource/new`: the slot keeps `def` until
    /// the destroy job, and a clone of it comes back for the construct job. A refusal
    /// hands `def` back with the error, for a worker to drop. Context: RT.
    pub fn begin_construct(
        &mut self,
        id: ResourceId,
        def: ResourceDefRef,
        creator: Requester,
    ) -> Result<ResourceDefRef, (EngineError, ResourceDefRef)> {
        let capacity = self.slots.len();
        let Some(slot) = self.slot_mut(id) else {
            return Err((EngineError::ResourceIdOutOfRange { id, capacity }, def));
        };
        slot.begin_construct(def, creator).map_err(|def| (EngineError::ResourceIdInUse(id), def))
    }

    /// A construct returned its Resource: Constructing → Live, or straight on to
    /// Destroying if a free arrived meanwhile, whose freer `hold` counts in its span.
    /// Context: RT.
    pub(crate) fn publish(
        &mut self,
        id: ResourceId,
        resource: Arc<dyn Resource>,
        hold: impl FnOnce(Freer) -> Freer,
    ) -> Published {
        let Some(slot) = self.slot_mut(id) else { return Published::Unexpected(resource) };
        let published = slot.publish(resource, hold);
        if let Published::Live { .. } = published {
            self.live = self.live.saturating_add(1);
        }
        published
    }

    /// Constructing → Free after a failed construct; returns the creator and the
    /// ResourceDef (for a worker to drop), or `None` if `id` was not Constructing.
    /// Context: RT.
    pub fn construct_failed(&mut self, id: ResourceId) -> Option<(Requester, ResourceDefRef)> {
        self.slot_mut(id)?.construct_failed()
    }

    /// Handles `/resource/free` from `by`. Context: RT.
    pub(crate) fn free(&mut self, id: ResourceId, by: Requester) -> Result<FreeOutcome, EngineError> {
        let slot = self.check_range(id)?;
        match slot.state() {
            ResourceState::Free | ResourceState::Destroying => Err(EngineError::ResourceNotLive(id)),
            _ if slot.free_pending() => Err(EngineError::ResourceFreePending(id)),
            // The construct stays the creator's step (its /sync waits for it, it hears
            // /resource/ready); the destroy that follows is the freer's.
            ResourceState::Constructing => {
                self.mark_free_pending(id, Some(by));
                Ok(FreeOutcome::Deferred)
            }
            ResourceState::Live if slot.holders() > 0 => {
                self.mark_free_pending(id, Some(by));
                Ok(FreeOutcome::Deferred)
            }
            ResourceState::Live => match self.begin_destroy(id, Some(by)) {
                Some((def, resource)) => Ok(FreeOutcome::Destroy(def, resource)),
                None => Err(EngineError::ResourceNotLive(id)),
            },
        }
    }

    fn mark_free_pending(&mut self, id: ResourceId, freer: Freer) {
        if let Some(slot) = self.slot_mut(id) {
            slot.set_free_pending(freer);
        }
    }

    /// Live → Destroying, for `freer`; hands back the Resource for the worker.
    fn begin_destroy(&mut self, id: ResourceId, freer: Freer) -> Option<(ResourceDefRef, Arc<dyn Resource>)> {
        let taken = self.slot_mut(id)?.begin_destroy(freer);
        if taken.is_some() {
            self.live = self.live.saturating_sub(1);
        }
        taken
    }

    /// Destroying → Free once the worker's destroy returned; returns who asked for the
    /// destroy, or `None` if `id` was not Destroying. Context: RT.
    pub fn destroyed(&mut self, id: ResourceId) -> Option<Freer> {
        self.slot_mut(id)?.destroyed()
    }

    /// Starts the destroy of every Live Resource whose last holder let go while its free
    /// was pending; `hold` counts each freer in its span. Context: RT.
    pub fn take_due_destroys(
        &mut self,
        mut hold: impl FnMut(Freer) -> Freer,
        mut destroy: impl FnMut(ResourceId, ResourceDefRef, Arc<dyn Resource>),
    ) {
        if self.destroys_due.replace(0) == 0 {
            return;
        }
        let mut ended = 0;
        for (id, slot) in self.slots_mut() {
            let Some(freer) = slot.due_destroy() else { continue };
            if let Some((def, resource)) = slot.begin_destroy(hold(freer)) {
                ended += 1;
                destroy(id, def, resource);
            }
        }
        self.live = self.live.saturating_sub(ended);
    }

    /// Shutdown: every Live Resource nobody holds is destroyed now, the rest when released
    /// or published; `freer` hears of each, and `hold` counts each destroy started now in
    /// its span. Context: RT.
    pub fn free_all(
        &mut self,
        freer: Freer,
        mut hold: impl FnMut(Freer) -> Freer,
        mut destroy: impl FnMut(ResourceId, ResourceDefRef, Arc<dyn Resource>),
    ) {
        let mut ended = 0;
        for (id, slot) in self.slots_mut() {
            match slot.state() {
                ResourceState::Constructing => slot.set_free_pending(freer),
                ResourceState::Live if slot.holders() > 0 => slot.set_free_pending(freer),
                ResourceState::Live => {
                    if let Some((def, resource)) = slot.begin_destroy(hold(freer)) {
                        ended += 1;
                        destroy(id, def, resource);
                    }
                }
                ResourceState::Free | ResourceState::Destroying => {}
            }
        }
        self.live = self.live.saturating_sub(ended);
    }

    /// Acquires `id` for a resource port that expects ResourceDef `def` (any when `None`);
    /// returns a clone of the Resource to keep (the caller must never drop it on the audio
    /// thread). Context: RT.
    pub fn acquire_shared(
        &self,
        id: ResourceId,
        def: Option<ResourceDefId>,
    ) -> Result<Arc<dyn Resource>, AcquireError> {
        let live = self.slot(id).ok_or(AcquireError::OutOfRange)?.acquirable(def)?;
        Ok(Arc::clone(live.hold()))
    }

    /// Checks everything an operation of ResourceDef `def` on `ids` needs, before anything
    /// changes: the first Resource is of `def`, every one can be held and, for an
    /// exclusive operation, is held by nobody. Context: RT.
    pub(crate) fn check_operation(
        &self,
        ids: &ResourceIds,
        def: ResourceDefId,
        exclusive: bool,
    ) -> Result<CheckedOperation<'_>, EngineError> {
        let first = ids.first();
        if self.def_of(first).is_some_and(|d| d != def) {
            return Err(EngineError::Acquire { id: first, reason: AcquireError::WrongType });
        }
        let acquirable = |id| {
            let live = self.slot(id).ok_or(AcquireError::OutOfRange).and_then(|s| s.acquirable(None));
            let live = live.map_err(|reason| EngineError::Acquire { id, reason })?;
            if exclusive && live.holders() > 0 {
                return Err(EngineError::ResourceBusy { id, holders: live.holders() });
            }
            Ok(live)
        };
        let first = acquirable(first)?;
        let mut entries = [None; ResourceIds::CAPACITY];
        for (entry, &id) in entries.iter_mut().zip(ids.as_slice()) {
            *entry = Some(acquirable(id)?);
        }
        Ok(CheckedOperation { first, entries })
    }
}

impl ResourceAccess for ResourcePool {
    // Context: RT.
    fn acquire(&self, id: ResourceId) -> Result<&dyn Resource, AcquireError> {
        let live = self.slot(id).ok_or(AcquireError::OutOfRange)?.acquirable(None)?;
        Ok(&**live.hold())
    }

    // Context: RT.
    fn release(&self, id: ResourceId) {
        let Some(Slot::Live(live)) = self.slot(id) else { return };
        let count = live.holders();
        if count == 0 {
            return;
        }
        live.holders.set(count - 1);
        if count == 1 && live.free_pending.is_some() {
            self.destroys_due.set(self.destroys_due.get().saturating_add(1));
        }
    }
}
