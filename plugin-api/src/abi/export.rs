//! The plugin side of the C table: the `extern "C"` functions a plugin library's entry
//! points to, over the plugin's own `SynthDefTable`s and `Arc<dyn ResourceDef>`s, and the
//! [`export_plugin!`](crate::export_plugin) macro that exports the entry.
//!
//! Every function here catches panics: none unwinds into the host. On the audio thread
//! (`activate`, `process`, and the resource-access callbacks a Synth makes) a panic's
//! payload is leaked, never dropped, and nothing allocates.

use std::any::Any;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use super::types::*;
use crate::table::panic_text;
use crate::{
    AcquireError, PluginDescriptor, PluginError, PortBindings, ProcessArgs, ProcessStatus, Registrar, Resource,
    ResourceAccess, ResourceDef, ResourceId, SynthDefTable,
};

/// Exports `$descriptor` (a `const` [`PluginDescriptor`](crate::PluginDescriptor)) from a
/// plugin library (a `cdylib` crate). Use it once, at the crate root.
///
/// It defines two `#[no_mangle] extern "C"` functions: `oscine_plugin_abi_version`, which
/// returns [`ABI_VERSION`](crate::ABI_VERSION), and `oscine_plugin_entry`, which returns a
/// pointer to a `static` [`PluginEntry`](crate::abi::PluginEntry) built from the
/// descriptor. A host reads the first before it touches the second (docs/plugins.md,
/// "Plugins as dynamic libraries").
///
/// ```
/// use oscine_plugin_api::{PluginDescriptor, Registrar};
///
/// fn register(_registrar: &mut dyn Registrar) {}
///
/// const PLUGIN: PluginDescriptor = PluginDescriptor { name: "example", version: "0.1.0", register };
///
/// oscine_plugin_api::export_plugin!(PLUGIN);
///
/// assert_eq!(oscine_plugin_abi_version(), oscine_plugin_api::ABI_VERSION);
/// assert!(!oscine_plugin_entry().is_null());
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($descriptor:expr) => {
        /// The layout version of this library's plugin entry
        /// (`oscine_plugin_api::ABI_VERSION`). Context: NRT.
        #[no_mangle]
        pub extern "C" fn oscine_plugin_abi_version() -> u32 {
            $crate::ABI_VERSION
        }

        /// This library's plugin entry, for the host. Context: NRT.
        #[no_mangle]
        pub extern "C" fn oscine_plugin_entry() -> *const $crate::abi::PluginEntry {
            static ENTRY: $crate::abi::PluginEntry = $crate::abi::PluginEntry::new(&$descriptor);
            &ENTRY
        }
    };
}

/// A panic payload as text; the payload is dropped (so not for the audio thread), and a
/// panic while dropping it is caught and its own payload leaked.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let text = format!("plugin panicked: {}", panic_text(&*payload));
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
    text
}

/// Runs `f` on a non-realtime thread: an error or a panic goes to `errors` as text.
fn nrt(errors: ErrorSink, f: impl FnOnce() -> Result<(), PluginError>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => OK,
        Ok(Err(e)) => {
            errors.push(e.reason());
            FAILED
        }
        Err(payload) => {
            errors.push(&panic_message(payload));
            FAILED
        }
    }
}

/// Calls the descriptor's `register` with a registrar that hands each definition to the
/// host through `registrar`. Context: NRT.
pub(crate) unsafe extern "C" fn register(
    descriptor: *const c_void,
    registrar: *const FfiRegistrar,
    errors: ErrorSink,
) -> i32 {
    nrt(errors, || {
        super::quiet_panics::install();
        // SAFETY: the entry's descriptor is a `&'static PluginDescriptor` (PluginEntry::new),
        // and the host's registrar lives for the call.
        let (descriptor, host) = unsafe { (&*(descriptor as *const PluginDescriptor), &*registrar) };
        let mut exporter = Exporter { host, ugens: Vec::new() };
        (descriptor.register)(&mut exporter);
        if !exporter.ugens.is_empty() {
            return Err(PluginError::new(format!(
                "plugin '{}' registers UGens ({}), which plugin ABI version {} does not carry",
                descriptor.name,
                exporter.ugens.join(", "),
                crate::ABI_VERSION
            )));
        }
        Ok(())
    })
}

/// The plugin's `Registrar` during an export: turns each definition into its C table.
struct Exporter<'a> {
    host: &'a FfiRegistrar,
    /// The UGens the plugin registered, which this ABI version cannot hand over.
    ugens: Vec<String>,
}

impl Registrar for Exporter<'_> {
    fn register_ugen(&mut self, ugen: crate::UGenTable) {
        self.ugens.push(ugen.name().to_owned());
    }

    fn register_synthdef(&mut self, def: SynthDefTable) {
        let layout = def.state_layout();
        let def = Box::into_raw(Box::new(def));
        // SAFETY: just boxed; the host owns it only once the call below returns.
        let table = unsafe { &*def };
        let info = table.info();
        let inputs: Vec<StrRef> = info.audio_inputs.iter().map(|p| StrRef::new(&p.name)).collect();
        let outputs: Vec<StrRef> = info.audio_outputs.iter().map(|p| StrRef::new(&p.name)).collect();
        let controls: Vec<FfiControlSpec> = info
            .controls
            .iter()
            .map(|c| FfiControlSpec { name: StrRef::new(&c.name), default: c.default, min: c.min, max: c.max })
            .collect();
        let ports: Vec<FfiResourcePort> = info
            .resource_ports
            .iter()
            .map(|p| FfiResourcePort {
                name: StrRef::new(&p.name),
                def: StrRef::new(&p.def),
                direction: match p.direction {
                    crate::PortDirection::Input => DIRECTION_INPUT,
                    crate::PortDirection::Output => DIRECTION_OUTPUT,
                },
            })
            .collect();
        let flags = if info.sample_accurate_controls { FLAG_SAMPLE_ACCURATE_CONTROLS } else { 0 };
        let ffi = FfiSynthDef {
            info: FfiSynthDefInfo {
                name: StrRef::new(&info.name),
                inputs: inputs.as_ptr(),
                n_inputs: inputs.len(),
                outputs: outputs.as_ptr(),
                n_outputs: outputs.len(),
                controls: controls.as_ptr(),
                n_controls: controls.len(),
                resource_ports: ports.as_ptr(),
                n_resource_ports: ports.len(),
                flags,
            },
            state_size: layout.size(),
            state_align: layout.align(),
            def: def as *mut c_void,
            construct: synth_construct,
            activate: synth_activate,
            process: synth_process,
            drop_state: synth_drop_state,
            drop_def: synth_drop_def,
        };
        // SAFETY: the host's registrar is valid for the registration; the views live
        // until the call returns.
        unsafe { (self.host.synthdef)(self.host.ctx, &ffi) }
    }

    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        let info = def.info();
        let operations: Vec<FfiOperation> = info
            .operations
            .iter()
            .map(|op| FfiOperation {
                name: StrRef::new(&op.name),
                exclusive: op.exclusive as u32,
                extra_resources: op.extra_resources,
            })
            .collect();
        let ffi = FfiResourceDef {
            info: FfiResourceDefInfo {
                name: StrRef::new(&info.name),
                mutability: match info.mutability {
                    crate::Mutability::Mutable => MUTABLE,
                    crate::Mutability::Immutable => IMMUTABLE,
                },
                operations: operations.as_ptr(),
                n_operations: operations.len(),
            },
            def: Box::into_raw(Box::new(def)) as *mut c_void,
            construct: resource_construct,
            destroy: resource_destroy,
            perform: resource_perform,
            release: resource_release,
            drop_def: resource_def_drop,
        };
        // SAFETY: as in `register_synthdef`.
        unsafe { (self.host.resource_def)(self.host.ctx, &ffi) }
    }
}

/// The plugin's table behind a SynthDef handle.
///
/// # Safety
/// `def` must be a handle made by [`Exporter::register_synthdef`], not yet dropped.
unsafe fn synthdef<'a>(def: *const c_void) -> &'a SynthDefTable {
    // SAFETY: passed on from the caller.
    unsafe { &*(def as *const SynthDefTable) }
}

/// Context: NRT.
unsafe extern "C" fn synth_construct(
    def: *const c_void,
    world: *const FfiWorld,
    controls: *const f32,
    n_controls: usize,
    place: *mut u8,
    errors: ErrorSink,
) -> i32 {
    nrt(errors, || {
        let place = NonNull::new(place).ok_or_else(|| PluginError::new("no place for the Synth's state"))?;
        // SAFETY: the host passes its handle, a world and controls valid for the call, and
        // a place fit for the state layout it was given.
        unsafe {
            let world = (*world).world();
            synthdef(def).construct(&world, slice(controls, n_controls), place)
        }
    })
}

/// Context: RT. Allocates nothing; a panic's payload is leaked.
unsafe extern "C" fn synth_activate(
    def: *const c_void,
    place: *mut u8,
    sample_rate: f64,
    frame: u64,
    controls: *const f32,
    n_controls: usize,
) -> i32 {
    super::quiet_panics::on_audio_thread();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let place = NonNull::new(place)?;
        // SAFETY: the host passes a live state this table built, used by nobody else.
        unsafe { synthdef(def).activate(place, sample_rate, frame, slice(controls, n_controls)) }.ok()
    }));
    match result {
        Ok(Some(())) => OK,
        Ok(None) => FAILED,
        Err(payload) => {
            std::mem::forget(payload);
            FAILED
        }
    }
}

/// Context: RT. Allocates nothing; a panic's payload is leaked.
unsafe extern "C" fn synth_process(def: *const c_void, place: *mut u8, args: *const FfiProcessArgs) -> u32 {
    super::quiet_panics::on_audio_thread();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let place = NonNull::new(place)?;
        // SAFETY: the host passes a live state this table built, and arguments (buffers,
        // callback tables) valid for the call.
        unsafe {
            let args = &*args;
            let ports = HostPorts(&*args.ports);
            let access = HostAccess(&*args.access);
            let args = ProcessArgs {
                sample_rate: args.sample_rate,
                frame: args.frame,
                frames: args.frames,
                controls: slice(args.controls, args.n_controls),
                control_maps: Default::default(),
                inputs: slice(args.inputs, args.n_inputs),
                outputs: slice_mut(args.outputs, args.n_outputs),
                stride: args.stride,
                offset: args.offset,
                ports: &ports,
                access: &access,
                // ABI version 1 carries no bus access: a plugin library's Synths use ports.
                buses: &mut crate::NoBuses,
                reports: &mut crate::NoReports,
                wire_buffers: &mut [],
            };
            synthdef(def).process(place, args).ok()
        }
    }));
    match result {
        Ok(Some(ProcessStatus::Continue)) => STATUS_CONTINUE,
        Ok(Some(ProcessStatus::Done | ProcessStatus::DoneAction(_))) => STATUS_DONE,
        Ok(Some(ProcessStatus::OutputsUntouched)) => STATUS_OUTPUTS_UNTOUCHED,
        Ok(None | Some(ProcessStatus::Faulted)) => STATUS_PANICKED,
        Err(payload) => {
            std::mem::forget(payload);
            STATUS_PANICKED
        }
    }
}

/// Context: NRT.
unsafe extern "C" fn synth_drop_state(def: *const c_void, place: *mut u8, errors: ErrorSink) -> i32 {
    nrt(errors, || {
        let place = NonNull::new(place).ok_or_else(|| PluginError::new("no Synth state to drop"))?;
        // SAFETY: the host passes a live state this table built, never used again.
        unsafe { synthdef(def).drop_state(place) }.map_err(PluginError::new)
    })
}

/// Context: NRT. A panic in the SynthDef's `Drop` is caught and leaked.
unsafe extern "C" fn synth_drop_def(def: *mut c_void) {
    // SAFETY: the host passes a handle it owns, and never uses it again.
    let result = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(def as *mut SynthDefTable) })));
    if let Err(payload) = result {
        std::mem::forget(payload);
    }
}

/// A Resource the plugin cannot reach: what a port bound to one shows, so that
/// [`ResourcePorts::get`](crate::ResourcePorts::get) finds no `T` (as for a Resource of
/// another type) while [`ResourcePorts::id`](crate::ResourcePorts::id) still answers.
struct Unreachable;

impl Resource for Unreachable {}

/// The Resource behind a handle.
///
/// # Safety
/// `handle` must be a resource handle made by `resource_construct`, alive for `'a`.
unsafe fn resource<'a>(handle: *const c_void) -> &'a Arc<dyn Resource> {
    // SAFETY: passed on from the caller.
    unsafe { &*(handle as *const Arc<dyn Resource>) }
}

/// The host's port bindings, as the plugin's Synth reads them. Context: RT.
struct HostPorts<'a>(&'a FfiPortBindings);

impl PortBindings for HostPorts<'_> {
    fn bound(&self, port: usize) -> Option<(ResourceId, &dyn Resource)> {
        let (mut id, mut handle) = (0, ptr::null());
        // SAFETY: the host's table is valid for the `process` call this is part of.
        match unsafe { (self.0.bound)(self.0.ctx, port, &mut id, &mut handle) } {
            // SAFETY: the host holds the Resource for the call.
            PORT_BOUND if !handle.is_null() => Some((id, &**unsafe { resource(handle) })),
            PORT_UNBOUND => None,
            _ => Some((id, &Unreachable)),
        }
    }
}

/// The host's resource pool, as the plugin's Synth reads it. Context: RT.
struct HostAccess<'a>(&'a FfiResourceAccess);

impl ResourceAccess for HostAccess<'_> {
    fn acquire(&self, id: ResourceId) -> Result<&dyn Resource, AcquireError> {
        let mut handle = ptr::null();
        // SAFETY: as in `HostPorts::bound`.
        match unsafe { (self.0.acquire)(self.0.ctx, id, &mut handle) } {
            // SAFETY: the host holds the Resource until the matching `release`.
            ACQUIRED if !handle.is_null() => Ok(&**unsafe { resource(handle) }),
            ACQUIRE_OUT_OF_RANGE => Err(AcquireError::OutOfRange),
            ACQUIRE_NOT_LIVE => Err(AcquireError::NotLive),
            ACQUIRE_FREE_PENDING => Err(AcquireError::FreePending),
            _ => Err(AcquireError::WrongType),
        }
    }

    fn release(&self, id: ResourceId) {
        // SAFETY: as in `HostPorts::bound`.
        unsafe { (self.0.release)(self.0.ctx, id) }
    }
}

/// The plugin's ResourceDef behind a handle.
///
/// # Safety
/// `def` must be a handle made by [`Exporter::register_resource_def`], not yet dropped.
unsafe fn resource_def<'a>(def: *const c_void) -> &'a Arc<dyn ResourceDef> {
    // SAFETY: passed on from the caller.
    unsafe { &*(def as *const Arc<dyn ResourceDef>) }
}

/// Context: NRT (a worker).
unsafe extern "C" fn resource_construct(
    def: *const c_void,
    world: *const FfiWorld,
    args: *const FfiArg,
    n_args: usize,
    out: *mut *const c_void,
    errors: ErrorSink,
) -> i32 {
    nrt(errors, || {
        // SAFETY: the host passes its handle, and a world, arguments and out pointer
        // valid for the call.
        unsafe {
            let args = to_args(args, n_args)?;
            let resource = resource_def(def).construct(&(*world).world(), &args)?;
            out.write(Box::into_raw(Box::new(resource)) as *const c_void);
        }
        Ok(())
    })
}

/// Context: NRT (a worker).
unsafe extern "C" fn resource_destroy(def: *const c_void, handle: *const c_void, errors: ErrorSink) -> i32 {
    nrt(errors, || {
        // SAFETY: the host passes its handles; the resource's stays its own to release.
        unsafe { resource_def(def).destroy(Arc::clone(resource(handle))) };
        Ok(())
    })
}

/// Context: NRT (a worker).
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn resource_perform(
    def: *const c_void,
    world: *const FfiWorld,
    operation: usize,
    resources: *const *const c_void,
    n_resources: usize,
    args: *const FfiArg,
    n_args: usize,
    results: ArgSink,
    errors: ErrorSink,
) -> i32 {
    nrt(errors, || {
        // SAFETY: the host passes its handles (each of a Resource this library made, held
        // for the call), and a world, arguments and sink valid for the call.
        unsafe {
            let held: Vec<Arc<dyn Resource>> =
                slice(resources, n_resources).iter().map(|&h| Arc::clone(resource(h))).collect();
            let args = to_args(args, n_args)?;
            let values = resource_def(def).perform(&(*world).world(), operation, &held, &args)?;
            for value in &values {
                (results.push)(results.ctx, &FfiArg::view(value));
            }
        }
        Ok(())
    })
}

/// Context: NRT (where the host drops its last reference).
unsafe extern "C" fn resource_release(handle: *const c_void, errors: ErrorSink) -> i32 {
    nrt(errors, || {
        // SAFETY: the host passes a handle it owns, and never uses it again.
        drop(unsafe { Box::from_raw(handle as *mut Arc<dyn Resource>) });
        Ok(())
    })
}

/// Context: NRT. A panic in the ResourceDef's `Drop` is caught and leaked.
unsafe extern "C" fn resource_def_drop(def: *mut c_void) {
    // SAFETY: the host passes a handle it owns, and never uses it again.
    let result = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(def as *mut Arc<dyn ResourceDef>) })));
    if let Err(payload) = result {
        std::mem::forget(payload);
    }
}
