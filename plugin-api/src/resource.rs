use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::{PluginError, World};

/// A client-chosen resource id, in `0..max resources`.
pub type ResourceId = i32;

/// A plugin-allocated object the engine shares between Synths (on the audio thread) and
/// non-realtime operations: a sample buffer, a wavetable, an analysis result.
///
/// The engine treats a Resource as opaque; consumers get a typed reference after a check
/// of the Rust type, a downcast (see [`ResourcePorts::get`] and [`Lease`]); a resource
/// port also checks the ResourceDef when it binds, by the index the engine resolved its
/// name to at registration, so no name is compared on the audio thread. A Resource is
/// `Sync` because the audio thread and a worker may read it at once: payloads that are
/// written while shared use atomics or other data-race-free storage (the engine's
/// mutation contract is in docs/architecture.md and docs/plugins.md).
pub trait Resource: Any + Send + Sync {}

impl fmt::Debug for dyn Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Resource")
    }
}

/// What a ResourceDef says about writes to its Resources. Informational: the engine does
/// not enforce it; it tells consumers and operation authors what to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Written after construction (buffers a recorder fills). In-place non-realtime writes
    /// use exclusive operations.
    Mutable,
    /// Never written after construction (wavetables, lookup tables).
    Immutable,
}

/// A plain argument to a resource construct or operation, decoded from OSC.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceArg {
    /// An integer (OSC `i` or `h`).
    Int(i64),
    /// A number (OSC `f` or `d`).
    Float(f64),
    /// A string (OSC `s`).
    String(String),
    /// Bytes (OSC `b`).
    Blob(Vec<u8>),
}

impl ResourceArg {
    /// The value as an integer, if it is one (or a float with no fractional part).
    ///
    /// ```
    /// use oscine_plugin_api::ResourceArg;
    /// assert_eq!(ResourceArg::Float(3.0).as_int(), Some(3));
    /// assert_eq!(ResourceArg::Float(3.5).as_int(), None);
    /// ```
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ResourceArg::Int(i) => Some(*i),
            ResourceArg::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            _ => None,
        }
    }

    /// The value as a number, if it is one.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            ResourceArg::Int(i) => Some(*i as f64),
            ResourceArg::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ResourceArg::String(s) => Some(s),
            _ => None,
        }
    }
}

/// An operation a ResourceDef offers clients (`/resource/perform`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSpec {
    /// The name clients use.
    pub name: Cow<'static, str>,
    /// Whether the operation writes its resources in place: it is then dispatched only
    /// when nothing else holds any of them.
    pub exclusive: bool,
    /// How many further resource ids follow the operation name in the message (they
    /// are held for the operation's duration too).
    pub extra_resources: usize,
}

impl OperationSpec {
    /// A shared operation on one Resource.
    ///
    /// ```
    /// let op = oscine_plugin_api::OperationSpec::new("query");
    /// assert!(!op.exclusive && op.extra_resources == 0);
    /// ```
    pub const fn new(name: &'static str) -> Self {
        OperationSpec { name: Cow::Borrowed(name), exclusive: false, extra_resources: 0 }
    }

    /// The same operation, run only when nothing else holds its Resources.
    pub const fn exclusive(mut self) -> Self {
        self.exclusive = true;
        self
    }

    /// The same operation, holding `count` further Resources named after the operation.
    pub const fn with_extra_resources(mut self, count: usize) -> Self {
        self.extra_resources = count;
        self
    }
}

/// What a ResourceDef says about itself: read once at registration and kept by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceDefInfo {
    /// The name clients use in `/resource/new` and Synths name in resource ports.
    pub name: Cow<'static, str>,
    /// Whether Resources of this kind are written after construction.
    pub mutability: Mutability,
    /// The operations clients may ask for; `perform` receives an index into this list.
    pub operations: Vec<OperationSpec>,
}

impl ResourceDefInfo {
    /// A ResourceDef named `name` with no operations.
    ///
    /// ```
    /// use oscine_plugin_api::{Mutability, OperationSpec, ResourceDefInfo};
    /// let info = ResourceDefInfo::new("table", Mutability::Immutable).operations(&[OperationSpec::new("query")]);
    /// assert_eq!(info.operations[0].name, "query");
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>, mutability: Mutability) -> Self {
        ResourceDefInfo { name: name.into(), mutability, operations: Vec::new() }
    }

    /// With these operations, in index order.
    pub fn operations(mut self, operations: &[OperationSpec]) -> Self {
        self.operations = operations.to_vec();
        self
    }
}

/// A kind of Resource a plugin registers: how to build one from arguments, how to destroy
/// it, and what operations it offers.
///
/// Context: `info` is called once, at registration. `construct`, `destroy` and `perform`
/// run on worker threads and may run concurrently on different workers for different
/// Resources; plugin-wide state they share must be synchronized by the plugin.
pub trait ResourceDef: Send + Sync + 'static {
    /// The ResourceDef's name, mutability and operations.
    ///
    /// Context: NRT, once.
    fn info(&self) -> ResourceDefInfo;
    /// Builds a Resource from the client's arguments. May take long (load a file).
    ///
    /// Context: NRT (a worker).
    fn construct(&self, world: &World, args: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError>;
    /// Releases what the Resource holds outside memory. Infallible; memory is freed
    /// when the last reference drops, on a worker.
    ///
    /// Context: NRT (a worker).
    fn destroy(&self, resource: Arc<dyn Resource>) {
        drop(resource);
    }
    /// Runs operation `operation` (an index into [`ResourceDefInfo::operations`]) on
    /// `resources` (this def's Resource first, then the extra ones, all held for the call)
    /// and returns values for the reply.
    ///
    /// Context: NRT (a worker).
    fn perform(
        &self,
        world: &World,
        operation: usize,
        resources: &[Arc<dyn Resource>],
        args: &[ResourceArg],
    ) -> Result<Vec<ResourceArg>, PluginError> {
        let _ = (world, resources, args);
        Err(PluginError::new(format!("no operation number {operation}")))
    }
}

/// Downcasts a Resource to its concrete type.
///
/// ```
/// use std::sync::Arc;
/// use oscine_plugin_api::{downcast, Resource};
/// struct Table(Vec<f32>);
/// impl Resource for Table {}
/// let r: Arc<dyn Resource> = Arc::new(Table(vec![1.0]));
/// assert_eq!(downcast::<Table>(&*r).map(|t| t.0[0]), Some(1.0));
/// ```
pub fn downcast<T: Resource>(resource: &dyn Resource) -> Option<&T> {
    let any: &dyn Any = resource;
    any.downcast_ref::<T>()
}

/// A direction a resource port declares. Informational: the engine does not check writes
/// against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortDirection {
    /// The Synth reads the Resource.
    Input,
    /// The Synth writes the Resource.
    Output,
}

/// A resource port of a SynthDef: a named slot bound to a Resource of one ResourceDef.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePort {
    /// The name clients use in `/synth/new` and `/node/set`.
    pub name: Cow<'static, str>,
    /// The ResourceDef name a bound Resource must have.
    pub def: Cow<'static, str>,
    /// Whether the Synth reads or writes it.
    pub direction: PortDirection,
}

impl ResourcePort {
    /// A port named `name` for Resources of ResourceDef `def`.
    pub const fn new(name: &'static str, def: &'static str, direction: PortDirection) -> Self {
        ResourcePort { name: Cow::Borrowed(name), def: Cow::Borrowed(def), direction }
    }
}

/// A Resource bound to a Synth's resource port: the engine acquired it when binding and
/// releases it when the binding changes or the Synth is freed.
#[derive(Clone)]
pub struct ResourceBinding {
    /// The bound id.
    pub id: ResourceId,
    /// The Resource.
    pub resource: Arc<dyn Resource>,
}

impl fmt::Debug for ResourceBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceBinding").field("id", &self.id).finish()
    }
}

/// The host's bindings of a Synth's resource ports, as [`ResourcePorts`] reads them.
///
/// Context: RT.
pub trait PortBindings {
    /// The id and Resource bound to `port`, if one is.
    fn bound(&self, port: usize) -> Option<(ResourceId, &dyn Resource)>;
}

impl PortBindings for Vec<Option<ResourceBinding>> {
    fn bound(&self, port: usize) -> Option<(ResourceId, &dyn Resource)> {
        let binding = self.get(port)?.as_ref()?;
        Some((binding.id, &*binding.resource))
    }
}

/// A Synth's resource ports during one `process` call. Context: RT.
#[derive(Clone, Copy)]
pub struct ResourcePorts<'a> {
    bindings: &'a dyn PortBindings,
}

impl fmt::Debug for ResourcePorts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResourcePorts")
    }
}

impl<'a> ResourcePorts<'a> {
    pub(crate) fn new(bindings: &'a dyn PortBindings) -> Self {
        ResourcePorts { bindings }
    }

    /// The Resource bound to `port`, if one is bound and it is a `T`.
    pub fn get<T: Resource>(&self, port: usize) -> Option<&'a T> {
        downcast::<T>(self.bindings.bound(port)?.1)
    }

    /// The id bound to `port`.
    pub fn id(&self, port: usize) -> Option<ResourceId> {
        self.bindings.bound(port).map(|(id, _)| id)
    }
}

/// Why acquiring a Resource failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcquireError {
    /// The id is outside the pool.
    OutOfRange,
    /// No Resource is Live at the id (free, still constructing, or being destroyed).
    NotLive,
    /// The Resource is Live but a free is pending: no new holders.
    FreePending,
    /// The Resource is of another ResourceDef (or not of the Rust type asked for).
    WrongType,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AcquireError::OutOfRange => "resource id out of range",
            AcquireError::NotLive => "resource is not live",
            AcquireError::FreePending => "resource is being freed",
            AcquireError::WrongType => "resource is of another kind",
        })
    }
}

/// The engine's resource pool as a Synth sees it, for Synths that acquire per pass
/// instead of through a resource port.
///
/// Context: RT only. Each successful [`acquire`](Self::acquire) must be matched by one
/// [`release`](Self::release) of the same id within the same `process` call; [`Lease`]
/// does that pairing by itself, and checks the Resource's type.
pub trait ResourceAccess {
    /// Checks the id and state, counts one more holder and returns the Resource.
    fn acquire(&self, id: ResourceId) -> Result<&dyn Resource, AcquireError>;
    /// Counts one holder less; the last release of a Resource whose free is pending
    /// destroys it.
    fn release(&self, id: ResourceId);
}

/// A pool with no Resources, for contexts built without one.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoResources;

impl ResourceAccess for NoResources {
    fn acquire(&self, _: ResourceId) -> Result<&dyn Resource, AcquireError> {
        Err(AcquireError::OutOfRange)
    }
    fn release(&self, _: ResourceId) {}
}

/// A Resource held for as long as the lease lives (RAII over acquire and release).
///
/// Context: RT, within one `process` call.
pub struct Lease<'a, T: Resource> {
    access: &'a dyn ResourceAccess,
    id: ResourceId,
    resource: &'a T,
}

impl<'a, T: Resource> Lease<'a, T> {
    /// Acquires `id`, which must be a Live Resource that is a `T`.
    pub fn acquire(access: &'a dyn ResourceAccess, id: ResourceId) -> Result<Self, AcquireError> {
        let resource = access.acquire(id)?;
        match downcast::<T>(resource) {
            Some(resource) => Ok(Lease { access, id, resource }),
            None => {
                access.release(id);
                Err(AcquireError::WrongType)
            }
        }
    }

    /// Like [`acquire`](Self::acquire), without the reason.
    pub fn try_acquire(access: &'a dyn ResourceAccess, id: ResourceId) -> Option<Self> {
        Self::acquire(access, id).ok()
    }

    /// The id held.
    pub fn id(&self) -> ResourceId {
        self.id
    }
}

impl<T: Resource> std::ops::Deref for Lease<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.resource
    }
}

impl<T: Resource> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        self.access.release(self.id);
    }
}
