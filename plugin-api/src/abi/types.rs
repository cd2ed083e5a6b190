//! The `#[repr(C)]` types that cross the library boundary, and the codes they carry.
//!
//! Everything here is plain data: pointers with lengths, numbers, and `extern "C"`
//! function pointers. No Rust layout (`Vec`, `String`, `Cow`, `&dyn`) crosses, and no
//! allocation changes owner: a side that hands out a view keeps what it points to alive
//! for the call, and the other side copies what it keeps. Context: any (plain data).

use std::ffi::c_void;

use crate::{PluginError, ResourceArg, World};

/// A borrowed UTF-8 string or byte string: valid only during the call that hands it over.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrRef {
    pub(crate) ptr: *const u8,
    pub(crate) len: usize,
}

impl StrRef {
    /// A view of `s`.
    pub(crate) const fn new(s: &str) -> Self {
        StrRef { ptr: s.as_ptr(), len: s.len() }
    }

    /// A view of `bytes`.
    pub(crate) const fn bytes(bytes: &[u8]) -> Self {
        StrRef { ptr: bytes.as_ptr(), len: bytes.len() }
    }

    /// The bytes viewed.
    ///
    /// # Safety
    /// The view must be valid for `'a`.
    pub(crate) unsafe fn as_bytes<'a>(self) -> &'a [u8] {
        // SAFETY: passed on from the caller.
        unsafe { slice(self.ptr, self.len) }
    }

    /// The string viewed, or an error naming `what` if it is not UTF-8.
    ///
    /// # Safety
    /// As for [`as_bytes`](Self::as_bytes).
    pub(crate) unsafe fn to_str<'a>(self, what: &str) -> Result<&'a str, PluginError> {
        // SAFETY: passed on from the caller.
        std::str::from_utf8(unsafe { self.as_bytes() })
            .map_err(|_| PluginError::new(format!("the plugin's {what} is not UTF-8")))
    }
}

/// A slice from a pointer and a length, where a length of 0 allows any pointer (null too).
///
/// # Safety
/// With a non-zero length, `ptr` must point to `len` valid `T`s for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: passed on from the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// The mutable counterpart of [`slice`].
///
/// # Safety
/// With a non-zero length, `ptr` must point to `len` valid `T`s for `'a`, used by nobody
/// else meanwhile.
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 {
        &mut []
    } else {
        // SAFETY: passed on from the caller.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }
}

/// [`World`] across the boundary.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiWorld {
    pub(crate) sample_rate: f64,
    pub(crate) block_size: u64,
    pub(crate) files: crate::FileAccess,
    pub(crate) memory: crate::MemoryBudget,
}

impl FfiWorld {
    pub(crate) fn new(world: &World) -> Self {
        FfiWorld {
            sample_rate: world.sample_rate,
            block_size: world.block_size as u64,
            files: world.files,
            memory: world.memory,
        }
    }

    pub(crate) fn world(&self) -> World {
        World {
            sample_rate: self.sample_rate,
            block_size: self.block_size as usize,
            files: self.files,
            memory: self.memory,
        }
    }
}

/// Where a callee writes an error's text (the caller copies it into its own memory).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorSink {
    pub(crate) ctx: *mut c_void,
    pub(crate) push: unsafe extern "C" fn(ctx: *mut c_void, text: StrRef),
}

impl ErrorSink {
    /// Hands `text` to the sink's owner.
    pub(crate) fn push(&self, text: &str) {
        // SAFETY: a sink is only built by the side that owns `ctx`, valid for the call.
        unsafe { (self.push)(self.ctx, StrRef::new(text)) }
    }
}

/// [`ResourceArg`] across the boundary: a tag and the field it selects.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiArg {
    pub(crate) tag: u32,
    pub(crate) int: i64,
    pub(crate) float: f64,
    pub(crate) bytes: StrRef,
}

pub(crate) const ARG_INT: u32 = 0;
pub(crate) const ARG_FLOAT: u32 = 1;
pub(crate) const ARG_STRING: u32 = 2;
pub(crate) const ARG_BLOB: u32 = 3;

impl FfiArg {
    /// A view of `arg`, valid while `arg` is.
    pub(crate) fn view(arg: &ResourceArg) -> Self {
        let empty = StrRef::bytes(&[]);
        match arg {
            ResourceArg::Int(i) => FfiArg { tag: ARG_INT, int: *i, float: 0.0, bytes: empty },
            ResourceArg::Float(f) => FfiArg { tag: ARG_FLOAT, int: 0, float: *f, bytes: empty },
            ResourceArg::String(s) => FfiArg { tag: ARG_STRING, int: 0, float: 0.0, bytes: StrRef::new(s) },
            ResourceArg::Blob(b) => FfiArg { tag: ARG_BLOB, int: 0, float: 0.0, bytes: StrRef::bytes(b) },
        }
    }

    /// A copy of the argument viewed.
    ///
    /// # Safety
    /// The view must be valid for the call.
    pub(crate) unsafe fn copy(&self) -> Result<ResourceArg, PluginError> {
        Ok(match self.tag {
            ARG_INT => ResourceArg::Int(self.int),
            ARG_FLOAT => ResourceArg::Float(self.float),
            // SAFETY: passed on from the caller.
            ARG_STRING => ResourceArg::String(unsafe { self.bytes.to_str("string argument") }?.to_owned()),
            // SAFETY: passed on from the caller.
            ARG_BLOB => ResourceArg::Blob(unsafe { self.bytes.as_bytes() }.to_vec()),
            tag => return Err(PluginError::new(format!("unknown argument tag {tag}"))),
        })
    }
}

/// Copies of a list of argument views.
///
/// # Safety
/// `args` must point to `len` valid views for the call.
pub(crate) unsafe fn to_args(args: *const FfiArg, len: usize) -> Result<Vec<ResourceArg>, PluginError> {
    // SAFETY: passed on from the caller.
    unsafe { slice(args, len) }.iter().map(|arg| unsafe { arg.copy() }).collect()
}

/// Where a callee writes values (an operation's results), one call per value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArgSink {
    pub(crate) ctx: *mut c_void,
    pub(crate) push: unsafe extern "C" fn(ctx: *mut c_void, arg: *const FfiArg),
}

/// A control's spec.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiControlSpec {
    pub(crate) name: StrRef,
    pub(crate) default: f32,
    pub(crate) min: f32,
    pub(crate) max: f32,
}

pub(crate) const DIRECTION_INPUT: u32 = 0;
pub(crate) const DIRECTION_OUTPUT: u32 = 1;

/// A resource port.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiResourcePort {
    pub(crate) name: StrRef,
    pub(crate) def: StrRef,
    pub(crate) direction: u32,
}

/// [`SynthDefInfo::sample_accurate_controls`](crate::SynthDefInfo::sample_accurate_controls).
pub(crate) const FLAG_SAMPLE_ACCURATE_CONTROLS: u32 = 1;

/// A SynthDef's description, as views.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiSynthDefInfo {
    pub(crate) name: StrRef,
    pub(crate) inputs: *const StrRef,
    pub(crate) n_inputs: usize,
    pub(crate) outputs: *const StrRef,
    pub(crate) n_outputs: usize,
    pub(crate) controls: *const FfiControlSpec,
    pub(crate) n_controls: usize,
    pub(crate) resource_ports: *const FfiResourcePort,
    pub(crate) n_resource_ports: usize,
    pub(crate) flags: u32,
}

/// A Synth's `process` arguments, as plain data.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct FfiProcessArgs {
    pub(crate) sample_rate: f64,
    pub(crate) frame: u64,
    pub(crate) frames: usize,
    pub(crate) controls: *const f32,
    pub(crate) n_controls: usize,
    pub(crate) inputs: *const f32,
    pub(crate) n_inputs: usize,
    pub(crate) outputs: *mut f32,
    pub(crate) n_outputs: usize,
    pub(crate) stride: usize,
    pub(crate) offset: usize,
    pub(crate) ports: *const FfiPortBindings,
    pub(crate) access: *const FfiResourceAccess,
}

/// Nothing is bound to the port.
pub(crate) const PORT_UNBOUND: u32 = 0;
/// A Resource of this library instance is bound: the id and handle were written.
pub(crate) const PORT_BOUND: u32 = 1;
/// A Resource the plugin cannot reach is bound (built-in, or from another library
/// instance): only the id was written.
pub(crate) const PORT_BOUND_ELSEWHERE: u32 = 2;

/// The host's bindings of a Synth's resource ports (host-implemented).
#[repr(C)]
#[derive(Debug)]
pub(crate) struct FfiPortBindings {
    pub(crate) ctx: *const c_void,
    pub(crate) bound:
        unsafe extern "C" fn(ctx: *const c_void, port: usize, id: *mut i32, resource: *mut *const c_void) -> u32,
}

pub(crate) const ACQUIRED: i32 = 0;
pub(crate) const ACQUIRE_OUT_OF_RANGE: i32 = 1;
pub(crate) const ACQUIRE_NOT_LIVE: i32 = 2;
pub(crate) const ACQUIRE_FREE_PENDING: i32 = 3;
pub(crate) const ACQUIRE_WRONG_TYPE: i32 = 4;

/// The host's resource pool (host-implemented).
#[repr(C)]
#[derive(Debug)]
pub(crate) struct FfiResourceAccess {
    pub(crate) ctx: *const c_void,
    pub(crate) acquire: unsafe extern "C" fn(ctx: *const c_void, id: i32, resource: *mut *const c_void) -> i32,
    pub(crate) release: unsafe extern "C" fn(ctx: *const c_void, id: i32),
}

pub(crate) const STATUS_CONTINUE: u32 = 0;
pub(crate) const STATUS_DONE: u32 = 1;
pub(crate) const STATUS_OUTPUTS_UNTOUCHED: u32 = 2;
pub(crate) const STATUS_PANICKED: u32 = 3;

/// Returned by the `i32` functions: it worked.
pub(crate) const OK: i32 = 0;
/// Returned by the `i32` functions: it failed (with a reason in the error sink, when
/// the function takes one), or panicked.
pub(crate) const FAILED: i32 = 1;

pub(crate) type SynthConstructFn = unsafe extern "C" fn(
    def: *const c_void,
    world: *const FfiWorld,
    controls: *const f32,
    n_controls: usize,
    place: *mut u8,
    errors: ErrorSink,
) -> i32;
pub(crate) type SynthActivateFn = unsafe extern "C" fn(
    def: *const c_void,
    place: *mut u8,
    sample_rate: f64,
    frame: u64,
    controls: *const f32,
    n_controls: usize,
) -> i32;
pub(crate) type SynthProcessFn =
    unsafe extern "C" fn(def: *const c_void, place: *mut u8, args: *const FfiProcessArgs) -> u32;
pub(crate) type SynthDropStateFn = unsafe extern "C" fn(def: *const c_void, place: *mut u8, errors: ErrorSink) -> i32;
pub(crate) type DropDefFn = unsafe extern "C" fn(def: *mut c_void);

/// A SynthDef: its description, its state layout, its owned def handle (the plugin's
/// boxed `SynthDefTable`) and the functions over it.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct FfiSynthDef {
    pub(crate) info: FfiSynthDefInfo,
    pub(crate) state_size: usize,
    pub(crate) state_align: usize,
    pub(crate) def: *mut c_void,
    pub(crate) construct: SynthConstructFn,
    pub(crate) activate: SynthActivateFn,
    pub(crate) process: SynthProcessFn,
    pub(crate) drop_state: SynthDropStateFn,
    pub(crate) drop_def: DropDefFn,
}

/// An operation's spec.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiOperation {
    pub(crate) name: StrRef,
    pub(crate) exclusive: u32,
    pub(crate) extra_resources: usize,
}

pub(crate) const MUTABLE: u32 = 0;
pub(crate) const IMMUTABLE: u32 = 1;

/// A ResourceDef's description, as views.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct FfiResourceDefInfo {
    pub(crate) name: StrRef,
    pub(crate) mutability: u32,
    pub(crate) operations: *const FfiOperation,
    pub(crate) n_operations: usize,
}

pub(crate) type ResourceConstructFn = unsafe extern "C" fn(
    def: *const c_void,
    world: *const FfiWorld,
    args: *const FfiArg,
    n_args: usize,
    resource: *mut *const c_void,
    errors: ErrorSink,
) -> i32;
pub(crate) type ResourceDestroyFn =
    unsafe extern "C" fn(def: *const c_void, resource: *const c_void, errors: ErrorSink) -> i32;
pub(crate) type ResourcePerformFn = unsafe extern "C" fn(
    def: *const c_void,
    world: *const FfiWorld,
    operation: usize,
    resources: *const *const c_void,
    n_resources: usize,
    args: *const FfiArg,
    n_args: usize,
    results: ArgSink,
    errors: ErrorSink,
) -> i32;
pub(crate) type ResourceReleaseFn = unsafe extern "C" fn(resource: *const c_void, errors: ErrorSink) -> i32;

/// A ResourceDef: its description, its owned def handle (the plugin's boxed
/// `Arc<dyn ResourceDef>`) and the functions over it. A resource handle is the plugin's
/// `Box<Arc<dyn Resource>>` as a raw pointer, owned by the host until it calls `release`.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct FfiResourceDef {
    pub(crate) info: FfiResourceDefInfo,
    pub(crate) def: *mut c_void,
    pub(crate) construct: ResourceConstructFn,
    pub(crate) destroy: ResourceDestroyFn,
    pub(crate) perform: ResourcePerformFn,
    pub(crate) release: ResourceReleaseFn,
    pub(crate) drop_def: DropDefFn,
}

/// The host's registrar during the plugin's registration (host-implemented). Each call
/// hands the host one definition: the host copies the description and owns the def
/// handle from then on.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct FfiRegistrar {
    pub(crate) ctx: *mut c_void,
    pub(crate) synthdef: unsafe extern "C" fn(ctx: *mut c_void, def: *const FfiSynthDef),
    pub(crate) resource_def: unsafe extern "C" fn(ctx: *mut c_void, def: *const FfiResourceDef),
}

pub(crate) type RegisterFn =
    unsafe extern "C" fn(descriptor: *const c_void, registrar: *const FfiRegistrar, errors: ErrorSink) -> i32;
