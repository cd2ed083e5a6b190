//! The host side of the C table: reading a plugin library's entry, and turning each
//! definition it registers into an ordinary `SynthDefTable` or `Arc<dyn ResourceDef>`
//! that calls the library through the table and keeps it loaded while it lives.

use std::alloc::Layout;
use std::any::Any;
use std::borrow::Cow;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use super::types::*;
use super::{api_compatible, PluginEntry};
use crate::table::panic_text;
use crate::{
    downcast, AcquireError, AudioPort, ControlSpec, Mutability, OperationSpec, Panicked, PluginError, PortBindings,
    PortDirection, ProcessArgs, ProcessStatus, Registrar, Resource, ResourceAccess, ResourceArg, ResourceDef,
    ResourceDefInfo, ResourcePort, SynthDefInfo, SynthDefTable, World, ABI_VERSION, API_VERSION,
};

/// The part of a plugin library's entry that every ABI version lays out the same way,
/// copied into host memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginHeader {
    /// The layout version of the library's C table ([`ABI_VERSION`] when it matches).
    pub abi_version: u32,
    /// The version of `oscine-plugin-api` the plugin was built against (see
    /// [`api_compatible`]).
    pub api_version: String,
    /// The plugin's name.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
}

/// Copies a plugin library's header out of its entry. A string that is not UTF-8 is an
/// error.
///
/// Context: NRT.
///
/// # Safety
/// `entry` must be null or what the library's `oscine_plugin_entry` returned, with the
/// library still loaded. Only the header (which keeps its layout across ABI versions) is
/// read.
pub unsafe fn header(entry: *const PluginEntry) -> Result<PluginHeader, PluginError> {
    if entry.is_null() {
        return Err(PluginError::new("the plugin library's entry is null"));
    }
    // SAFETY: passed on from the caller.
    unsafe {
        let entry = &*entry;
        Ok(PluginHeader {
            abi_version: entry.abi_version,
            api_version: entry.api_version.to_str("API version")?.to_owned(),
            name: entry.name.to_str("name")?.to_owned(),
            version: entry.version.to_str("version")?.to_owned(),
        })
    }
}

/// Registers a plugin library's definitions with `registrar`, through its C table.
///
/// It checks the entry's ABI version (it must be [`ABI_VERSION`]) and API version (see
/// [`api_compatible`]) before calling anything in the library. Every SynthDef and
/// ResourceDef the plugin registers reaches `registrar` as an ordinary
/// [`SynthDefTable`] or `Arc<dyn ResourceDef>` holding a clone of `keep_alive`, as does
/// every Resource built from them, so the library can be closed once the last clone
/// drops. The definitions reach `registrar` only if the whole registration succeeded: a
/// panic in the plugin's `register` (or in an `info()`) is an error, and nothing is
/// registered.
///
/// A Synth of this plugin reaches only Resources made by ResourceDefs of the same
/// registration's `keep_alive` (the same loaded library); any other Resource bound to its
/// port looks like one of another type (`ResourcePorts::get` finds none), a lease of one
/// fails with [`AcquireError::WrongType`], and an operation given one fails.
///
/// Context: NRT.
///
/// # Safety
/// `entry` must be what the library's `oscine_plugin_entry` returned, and the library
/// must stay loaded for as long as any clone of `keep_alive` lives (drop `keep_alive`'s
/// last clone, then close the library). `keep_alive` must be distinct for each loaded
/// instance of a library (a Resource is reachable only from definitions holding the same
/// `keep_alive`).
pub unsafe fn register(
    entry: *const PluginEntry,
    keep_alive: Arc<dyn Any + Send + Sync>,
    registrar: &mut dyn Registrar,
) -> Result<(), PluginError> {
    // SAFETY: passed on from the caller.
    let header = unsafe { header(entry) }?;
    if header.abi_version != ABI_VERSION {
        return Err(PluginError::new(format!(
            "plugin '{}' has ABI version {}; this host speaks ABI version {ABI_VERSION}",
            header.name, header.abi_version
        )));
    }
    if !api_compatible(&header.api_version) {
        return Err(PluginError::new(format!(
            "plugin '{}' was built against oscine-plugin-api {}; this host has {API_VERSION}",
            header.name, header.api_version
        )));
    }
    // SAFETY: valid (passed on from the caller) and of this ABI version.
    let entry = unsafe { &*entry };
    let mut collector = Collector { origin: origin(&keep_alive), keep_alive, defs: Vec::new(), errors: Vec::new() };
    let host = FfiRegistrar {
        ctx: &mut collector as *mut Collector as *mut c_void,
        synthdef: collect_synthdef,
        resource_def: collect_resource_def,
    };
    let mut error = String::new();
    // SAFETY: the entry's function, given its own descriptor, a registrar and a sink that
    // live for the call.
    let code = unsafe { (entry.register)(entry.descriptor, &host, error_sink(&mut error)) };
    if code != OK {
        return Err(PluginError::new(format!("plugin '{}' failed to register: {error}", header.name)));
    }
    if !collector.errors.is_empty() {
        return Err(PluginError::new(format!("plugin '{}': {}", header.name, collector.errors.join("; "))));
    }
    for def in collector.defs {
        match def {
            Definition::Synth(table) => registrar.register_synthdef(*table),
            Definition::Resource(def) => registrar.register_resource_def(def),
        }
    }
    Ok(())
}

/// Which loaded library instance a definition or Resource came from: the address of the
/// `keep_alive` it holds (distinct while any holder lives).
fn origin(keep_alive: &Arc<dyn Any + Send + Sync>) -> usize {
    Arc::as_ptr(keep_alive) as *const () as usize
}

unsafe extern "C" fn push_text(ctx: *mut c_void, text: StrRef) {
    // SAFETY: `ctx` is the `String` of `error_sink`, and the view is valid for the call.
    let (error, bytes) = unsafe { (&mut *(ctx as *mut String), text.as_bytes()) };
    if !error.is_empty() {
        error.push_str("; ");
    }
    error.push_str(&String::from_utf8_lossy(bytes));
}

/// A sink that appends to `error`. Context: NRT.
fn error_sink(error: &mut String) -> ErrorSink {
    ErrorSink { ctx: error as *mut String as *mut c_void, push: push_text }
}

/// `error`, or a default if the plugin gave no reason.
fn reason(error: String) -> PluginError {
    if error.is_empty() {
        PluginError::new("the plugin failed without a reason")
    } else {
        PluginError::new(error)
    }
}

enum Definition {
    Synth(Box<SynthDefTable>),
    Resource(Arc<dyn ResourceDef>),
}

/// What a registration collects before it hands anything to the host's registrar.
struct Collector {
    keep_alive: Arc<dyn Any + Send + Sync>,
    origin: usize,
    defs: Vec<Definition>,
    errors: Vec<String>,
}

impl Collector {
    /// Runs `f`, turning a panic of the host's own code into an error (it must not unwind
    /// into the plugin).
    fn guard(&mut self, f: impl FnOnce(&mut Self) -> Result<Definition, PluginError>) {
        match catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(Ok(def)) => self.defs.push(def),
            Ok(Err(e)) => self.errors.push(e.reason().to_owned()),
            Err(payload) => self.errors.push(format!("the host panicked: {}", panic_text(&*payload))),
        }
    }
}

unsafe extern "C" fn collect_synthdef(ctx: *mut c_void, def: *const FfiSynthDef) {
    // SAFETY: `ctx` is `register`'s collector, and `def` is valid for the call.
    let (collector, def) = unsafe { (&mut *(ctx as *mut Collector), &*def) };
    collector.guard(|c| {
        // Owns the handle first, so that it is dropped whatever goes wrong below.
        let foreign = ForeignSynthDef {
            def: def.def,
            construct: def.construct,
            activate: def.activate,
            process: def.process,
            drop_state: def.drop_state,
            drop_def: def.drop_def,
            origin: c.origin,
            _keep_alive: c.keep_alive.clone(),
        };
        // SAFETY: the views are valid for the call.
        let info = unsafe { synthdef_info(&def.info) }?;
        let layout = Layout::from_size_align(def.state_size, def.state_align).map_err(|_| {
            PluginError::new(format!(
                "synthdef '{}' has an invalid state layout (size {}, align {})",
                info.name, def.state_size, def.state_align
            ))
        })?;
        Ok(Definition::Synth(Box::new(SynthDefTable::foreign(info, layout, foreign))))
    })
}

unsafe extern "C" fn collect_resource_def(ctx: *mut c_void, def: *const FfiResourceDef) {
    // SAFETY: as in `collect_synthdef`.
    let (collector, def) = unsafe { (&mut *(ctx as *mut Collector), &*def) };
    collector.guard(|c| {
        let mut foreign = ForeignResourceDef {
            info: ResourceDefInfo::new("", Mutability::Mutable),
            def: def.def,
            construct: def.construct,
            destroy: def.destroy,
            perform: def.perform,
            release: def.release,
            drop_def: def.drop_def,
            origin: c.origin,
            keep_alive: c.keep_alive.clone(),
        };
        // SAFETY: the views are valid for the call.
        foreign.info = unsafe { resource_def_info(&def.info) }?;
        Ok(Definition::Resource(Arc::new(foreign)))
    })
}

fn owned(s: &str) -> Cow<'static, str> {
    Cow::Owned(s.to_owned())
}

/// A copy of a SynthDef's description.
///
/// # Safety
/// The views must be valid for the call.
unsafe fn synthdef_info(info: &FfiSynthDefInfo) -> Result<SynthDefInfo, PluginError> {
    // SAFETY: passed on from the caller.
    unsafe {
        let name = info.name.to_str("synthdef name")?;
        let mut copy = SynthDefInfo::new(owned(name));
        let port = |p: &StrRef| p.to_str("audio port name").map(|n| AudioPort::named(owned(n)));
        copy.audio_inputs = slice(info.inputs, info.n_inputs).iter().map(port).collect::<Result<_, _>>()?;
        copy.audio_outputs = slice(info.outputs, info.n_outputs).iter().map(port).collect::<Result<_, _>>()?;
        copy.controls = slice(info.controls, info.n_controls)
            .iter()
            .map(|c| Ok(ControlSpec::named(owned(c.name.to_str("control name")?), c.default, c.min, c.max)))
            .collect::<Result<_, PluginError>>()?;
        copy.resource_ports = slice(info.resource_ports, info.n_resource_ports)
            .iter()
            .map(|p| {
                let direction = match p.direction {
                    DIRECTION_INPUT => PortDirection::Input,
                    DIRECTION_OUTPUT => PortDirection::Output,
                    other => return Err(PluginError::new(format!("synthdef '{name}': port direction {other}"))),
                };
                Ok(ResourcePort {
                    name: owned(p.name.to_str("resource port name")?),
                    def: owned(p.def.to_str("resource port's ResourceDef name")?),
                    direction,
                })
            })
            .collect::<Result<_, PluginError>>()?;
        copy.sample_accurate_controls = info.flags & FLAG_SAMPLE_ACCURATE_CONTROLS != 0;
        Ok(copy)
    }
}

/// A copy of a ResourceDef's description.
///
/// # Safety
/// The views must be valid for the call.
unsafe fn resource_def_info(info: &FfiResourceDefInfo) -> Result<ResourceDefInfo, PluginError> {
    // SAFETY: passed on from the caller.
    unsafe {
        let name = info.name.to_str("ResourceDef name")?;
        let mutability = match info.mutability {
            MUTABLE => Mutability::Mutable,
            IMMUTABLE => Mutability::Immutable,
            other => return Err(PluginError::new(format!("ResourceDef '{name}': mutability {other}"))),
        };
        let mut copy = ResourceDefInfo::new(owned(name), mutability);
        copy.operations = slice(info.operations, info.n_operations)
            .iter()
            .map(|op| {
                Ok(OperationSpec {
                    name: owned(op.name.to_str("operation name")?),
                    exclusive: op.exclusive != 0,
                    extra_resources: op.extra_resources,
                })
            })
            .collect::<Result<_, PluginError>>()?;
        Ok(copy)
    }
}

/// A SynthDef of a plugin library: its def handle and the library's functions over it.
/// Dropping it drops the plugin's def, then the hold on the library.
pub(crate) struct ForeignSynthDef {
    def: *mut c_void,
    construct: SynthConstructFn,
    activate: SynthActivateFn,
    process: SynthProcessFn,
    drop_state: SynthDropStateFn,
    drop_def: DropDefFn,
    origin: usize,
    _keep_alive: Arc<dyn Any + Send + Sync>,
}

// SAFETY: the handle is the plugin's `Box<SynthDefTable>`, which is `Send + Sync`; the
// functions are plain code.
unsafe impl Send for ForeignSynthDef {}
// SAFETY: as for `Send`.
unsafe impl Sync for ForeignSynthDef {}

impl Drop for ForeignSynthDef {
    fn drop(&mut self) {
        // SAFETY: the handle is owned, and never used again; the library is still loaded
        // (`_keep_alive` drops after this).
        unsafe { (self.drop_def)(self.def) }
    }
}

impl ForeignSynthDef {
    /// As [`SynthDefTable::construct`]. Context: NRT.
    pub(crate) unsafe fn construct(
        &self,
        world: &World,
        controls: &[f32],
        place: NonNull<u8>,
    ) -> Result<(), PluginError> {
        let world = FfiWorld::new(world);
        let mut error = String::new();
        // SAFETY: the handle is live; the caller gives a place fit for the state layout.
        let code = unsafe {
            (self.construct)(
                self.def,
                &world,
                controls.as_ptr(),
                controls.len(),
                place.as_ptr(),
                error_sink(&mut error),
            )
        };
        if code == OK {
            Ok(())
        } else {
            Err(reason(error))
        }
    }

    /// As [`SynthDefTable::activate`]. Context: RT: allocates nothing.
    pub(crate) unsafe fn activate(
        &self,
        place: NonNull<u8>,
        sample_rate: f64,
        frame: u64,
        controls: &[f32],
    ) -> Result<(), Panicked> {
        // SAFETY: the handle is live; the caller gives a live state this table built.
        let code =
            unsafe { (self.activate)(self.def, place.as_ptr(), sample_rate, frame, controls.as_ptr(), controls.len()) };
        if code == OK {
            Ok(())
        } else {
            Err(Panicked)
        }
    }

    /// As [`SynthDefTable::process`]. Context: RT: allocates nothing (the callback tables
    /// are on the stack).
    pub(crate) unsafe fn process(&self, place: NonNull<u8>, args: ProcessArgs<'_>) -> Result<ProcessStatus, Panicked> {
        let ports = PortsCtx { ports: args.ports, origin: self.origin };
        let ports = FfiPortBindings { ctx: &ports as *const PortsCtx<'_> as *const c_void, bound: host_bound };
        let access = AccessCtx { access: args.access, origin: self.origin };
        let access = FfiResourceAccess {
            ctx: &access as *const AccessCtx<'_> as *const c_void,
            acquire: host_acquire,
            release: host_release,
        };
        let ffi = FfiProcessArgs {
            sample_rate: args.sample_rate,
            frame: args.frame,
            frames: args.frames,
            controls: args.controls.as_ptr(),
            n_controls: args.controls.len(),
            inputs: args.inputs.as_ptr(),
            n_inputs: args.inputs.len(),
            outputs: args.outputs.as_mut_ptr(),
            n_outputs: args.outputs.len(),
            stride: args.stride,
            offset: args.offset,
            ports: &ports,
            access: &access,
        };
        // SAFETY: the handle is live; the caller gives a live state this table built;
        // everything `ffi` points to lives for the call.
        match unsafe { (self.process)(self.def, place.as_ptr(), &ffi) } {
            STATUS_CONTINUE => Ok(ProcessStatus::Continue),
            STATUS_DONE => Ok(ProcessStatus::Done),
            STATUS_OUTPUTS_UNTOUCHED => Ok(ProcessStatus::OutputsUntouched),
            _ => Err(Panicked),
        }
    }

    /// As [`SynthDefTable::drop_state`]. Context: NRT.
    pub(crate) unsafe fn drop_state(&self, place: NonNull<u8>) -> Result<(), String> {
        let mut error = String::new();
        // SAFETY: the handle is live; the caller gives a live state, dead afterwards.
        let code = unsafe { (self.drop_state)(self.def, place.as_ptr(), error_sink(&mut error)) };
        if code == OK {
            Ok(())
        } else {
            Err(error)
        }
    }
}

/// The handle of `resource` if it is a Resource of the library instance `origin`.
/// Context: RT (a downcast and a comparison).
fn handle_of(resource: &dyn Resource, origin: usize) -> Option<*const c_void> {
    downcast::<ForeignResource>(resource).filter(|r| r.origin == origin).map(|r| r.handle)
}

/// The context of [`host_bound`]: a Synth's port bindings, for one `process` call.
struct PortsCtx<'a> {
    ports: &'a dyn PortBindings,
    origin: usize,
}

/// Context: RT. A panic of the host's bindings is leaked and shows as no binding.
unsafe extern "C" fn host_bound(ctx: *const c_void, port: usize, id: *mut i32, handle: *mut *const c_void) -> u32 {
    // SAFETY: `ctx` is the `PortsCtx` of `ForeignSynthDef::process`, on its stack.
    let ctx = unsafe { &*(ctx as *const PortsCtx<'_>) };
    let result = catch_unwind(AssertUnwindSafe(|| match ctx.ports.bound(port) {
        None => PORT_UNBOUND,
        Some((bound, resource)) => {
            // SAFETY: the plugin passes pointers valid for writes.
            unsafe { id.write(bound) };
            match handle_of(resource, ctx.origin) {
                Some(h) => {
                    // SAFETY: as above.
                    unsafe { handle.write(h) };
                    PORT_BOUND
                }
                None => PORT_BOUND_ELSEWHERE,
            }
        }
    }));
    result.unwrap_or_else(|payload| {
        std::mem::forget(payload);
        PORT_UNBOUND
    })
}

/// The context of [`host_acquire`] and [`host_release`]: the host's resource pool, for
/// one `process` call.
struct AccessCtx<'a> {
    access: &'a dyn ResourceAccess,
    origin: usize,
}

/// Context: RT. A Resource the plugin cannot reach is released at once and refused as
/// [`AcquireError::WrongType`]. A panic of the host's pool is leaked and refused as
/// `NotLive`.
unsafe extern "C" fn host_acquire(ctx: *const c_void, id: i32, handle: *mut *const c_void) -> i32 {
    // SAFETY: `ctx` is the `AccessCtx` of `ForeignSynthDef::process`, on its stack.
    let ctx = unsafe { &*(ctx as *const AccessCtx<'_>) };
    let result = catch_unwind(AssertUnwindSafe(|| match ctx.access.acquire(id) {
        Ok(resource) => match handle_of(resource, ctx.origin) {
            Some(h) => {
                // SAFETY: the plugin passes a pointer valid for writes.
                unsafe { handle.write(h) };
                ACQUIRED
            }
            None => {
                ctx.access.release(id);
                ACQUIRE_WRONG_TYPE
            }
        },
        Err(AcquireError::OutOfRange) => ACQUIRE_OUT_OF_RANGE,
        Err(AcquireError::NotLive) => ACQUIRE_NOT_LIVE,
        Err(AcquireError::FreePending) => ACQUIRE_FREE_PENDING,
        Err(AcquireError::WrongType) => ACQUIRE_WRONG_TYPE,
    }));
    result.unwrap_or_else(|payload| {
        std::mem::forget(payload);
        ACQUIRE_NOT_LIVE
    })
}

/// Context: RT. A panic of the host's pool is leaked.
unsafe extern "C" fn host_release(ctx: *const c_void, id: i32) {
    // SAFETY: as in `host_acquire`.
    let ctx = unsafe { &*(ctx as *const AccessCtx<'_>) };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| ctx.access.release(id))) {
        std::mem::forget(payload);
    }
}

/// A ResourceDef of a plugin library, as the host registers it.
struct ForeignResourceDef {
    info: ResourceDefInfo,
    def: *mut c_void,
    construct: ResourceConstructFn,
    destroy: ResourceDestroyFn,
    perform: ResourcePerformFn,
    release: ResourceReleaseFn,
    drop_def: DropDefFn,
    origin: usize,
    keep_alive: Arc<dyn Any + Send + Sync>,
}

// SAFETY: the handle is the plugin's `Box<Arc<dyn ResourceDef>>`, which is `Send + Sync`.
unsafe impl Send for ForeignResourceDef {}
// SAFETY: as for `Send`.
unsafe impl Sync for ForeignResourceDef {}

impl Drop for ForeignResourceDef {
    fn drop(&mut self) {
        // SAFETY: the handle is owned, and never used again; the library is still loaded
        // (`keep_alive` drops after this).
        unsafe { (self.drop_def)(self.def) }
    }
}

/// The context of [`push_result`].
struct Results {
    values: Vec<ResourceArg>,
    error: Option<PluginError>,
}

unsafe extern "C" fn push_result(ctx: *mut c_void, arg: *const FfiArg) {
    // SAFETY: `ctx` is the `Results` of `ForeignResourceDef::perform`; the view is valid
    // for the call.
    let (results, arg) = unsafe { (&mut *(ctx as *mut Results), &*arg) };
    // SAFETY: as above.
    match unsafe { arg.copy() } {
        Ok(value) => results.values.push(value),
        Err(e) => results.error = Some(e),
    }
}

impl ResourceDef for ForeignResourceDef {
    fn info(&self) -> ResourceDefInfo {
        self.info.clone()
    }

    fn construct(&self, world: &World, args: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
        let world = FfiWorld::new(world);
        let args: Vec<FfiArg> = args.iter().map(FfiArg::view).collect();
        let mut handle = ptr::null();
        let mut error = String::new();
        // SAFETY: the handle is live; everything passed lives for the call.
        let code = unsafe {
            (self.construct)(self.def, &world, args.as_ptr(), args.len(), &mut handle, error_sink(&mut error))
        };
        if code != OK || handle.is_null() {
            return Err(reason(error));
        }
        Ok(Arc::new(ForeignResource {
            handle,
            release: self.release,
            origin: self.origin,
            keep_alive: Some(self.keep_alive.clone()),
        }))
    }

    fn destroy(&self, resource: Arc<dyn Resource>) {
        let Some(handle) = handle_of(&*resource, self.origin) else {
            // Not this library's: nothing of the plugin's to run.
            return;
        };
        let mut error = String::new();
        // SAFETY: the handle is live; the Resource is held for the call.
        let code = unsafe { (self.destroy)(self.def, handle, error_sink(&mut error)) };
        drop(resource);
        if code != OK {
            // Raised on the host's side, where the caller catches and logs it as for a
            // built-in ResourceDef.
            panic!("{error}");
        }
    }

    fn perform(
        &self,
        world: &World,
        operation: usize,
        resources: &[Arc<dyn Resource>],
        args: &[ResourceArg],
    ) -> Result<Vec<ResourceArg>, PluginError> {
        let handles = resources
            .iter()
            .enumerate()
            .map(|(i, r)| {
                handle_of(&**r, self.origin).ok_or_else(|| {
                    PluginError::new(format!(
                        "resource {i} of the operation was not made by plugin library of ResourceDef '{}'",
                        self.info.name
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let world = FfiWorld::new(world);
        let args: Vec<FfiArg> = args.iter().map(FfiArg::view).collect();
        let mut results = Results { values: Vec::new(), error: None };
        let sink = ArgSink { ctx: &mut results as *mut Results as *mut c_void, push: push_result };
        let mut error = String::new();
        // SAFETY: the handles are live (`resources` holds them); everything passed lives
        // for the call.
        let code = unsafe {
            (self.perform)(
                self.def,
                &world,
                operation,
                handles.as_ptr(),
                handles.len(),
                args.as_ptr(),
                args.len(),
                sink,
                error_sink(&mut error),
            )
        };
        if code != OK {
            return Err(reason(error));
        }
        match results.error {
            Some(e) => Err(e),
            None => Ok(results.values),
        }
    }
}

/// A Resource of a plugin library, as the host holds it: the plugin's handle, the
/// function that releases it, the library instance it came from, and the hold on that
/// library. Dropping it releases the handle, then the hold.
struct ForeignResource {
    handle: *const c_void,
    release: ResourceReleaseFn,
    origin: usize,
    keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

// SAFETY: the handle is the plugin's `Box<Arc<dyn Resource>>`, and a Resource is
// `Send + Sync`.
unsafe impl Send for ForeignResource {}
// SAFETY: as for `Send`.
unsafe impl Sync for ForeignResource {}

impl Resource for ForeignResource {}

impl Drop for ForeignResource {
    fn drop(&mut self) {
        let mut error = String::new();
        // SAFETY: the handle is owned, and never used again; the library is still loaded.
        let code = unsafe { (self.release)(self.handle, error_sink(&mut error)) };
        drop(self.keep_alive.take());
        if code != OK && !std::thread::panicking() {
            // Raised on the host's side, where the dropping thread catches and logs it as
            // for a built-in Resource's `Drop`.
            panic!("{error}");
        }
    }
}
