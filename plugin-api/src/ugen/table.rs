use std::alloc::Layout;
use std::any::Any;
use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use crate::table::panic_text;
use crate::{Panicked, PluginError};

use super::{UGen, Unit, UnitIo, UnitSpec};

/// A registered UGen as the host sees it: its class name, the layout of one unit's state,
/// and plain functions over that state (build in place, init, next, drop). Every function
/// catches the UGen's panics.
///
/// ```
/// use oscine_plugin_api::{PluginError, Rate, UGen, UGenTable, Unit, UnitIo, UnitSpec};
///
/// /// Outputs its input times two.
/// struct Double;
/// struct DoubleUnit;
/// impl UGen for Double {
///     type Unit = DoubleUnit;
///     fn build(&self, spec: &UnitSpec<'_>) -> Result<DoubleUnit, PluginError> {
///         if spec.inputs.len() != 1 {
///             return Err(PluginError::new("Double takes one input"));
///         }
///         Ok(DoubleUnit)
///     }
/// }
/// impl Unit for DoubleUnit {
///     fn next(&mut self, io: &mut UnitIo<'_, '_>) {
///         let input = io.input(0);
///         for (o, i) in io.output(0).iter_mut().zip(input) {
///             *o = 2.0 * i;
///         }
///     }
/// }
/// let table = UGenTable::new("Double", Double);
/// assert_eq!(table.name(), "Double");
/// ```
pub struct UGenTable {
    name: Cow<'static, str>,
    state: Layout,
    ugen: Box<dyn Any + Send + Sync>,
    build: BuildFn,
    init: unsafe fn(NonNull<u8>, &mut UnitIo<'_, '_>),
    next: unsafe fn(NonNull<u8>, &mut UnitIo<'_, '_>),
    drop: unsafe fn(NonNull<u8>),
    scales_output: bool,
    /// Whether a unit owns nothing (its type needs no drop), so that a copy of its bytes is
    /// a unit as `build` makes it.
    copyable: bool,
}

/// A unit built once for a spec, of a UGen whose units own nothing: each copy of it is the
/// unit [`UGenTable::build`] makes for that spec ([`UGen::build`] builds the same unit for
/// the same spec), so a host that builds many Synths of one graph copies it into each
/// instead of building each.
///
/// Context: made NRT; copied NRT.
pub struct UnitTemplate {
    bytes: Box<[MaybeUninit<u8>]>,
}

impl std::fmt::Debug for UnitTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitTemplate").field("bytes", &self.bytes.len()).finish()
    }
}

impl UnitTemplate {
    /// Writes a copy of the unit at `place`.
    ///
    /// # Safety
    /// `place` must be valid for writes of the state layout of the table that made the
    /// template, aligned to it, and hold no live unit.
    #[inline]
    pub unsafe fn write_to(&self, place: NonNull<u8>) {
        // SAFETY: passed on from the caller; the template's bytes are a whole unit.
        unsafe { std::ptr::copy_nonoverlapping(self.bytes.as_ptr().cast::<u8>(), place.as_ptr(), self.bytes.len()) }
    }
}

type BuildFn = unsafe fn(&(dyn Any + Send + Sync), &UnitSpec<'_>, NonNull<u8>) -> Result<(), PluginError>;

impl std::fmt::Debug for UGenTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UGenTable").field("name", &self.name).field("state", &self.state).finish()
    }
}

impl UGenTable {
    /// The table of `ugen`, registered as `name` (a SuperCollider class name).
    ///
    /// Context: NRT.
    pub fn new<U: UGen>(name: impl Into<Cow<'static, str>>, ugen: U) -> Self {
        unsafe fn build<U: UGen>(
            ugen: &(dyn Any + Send + Sync),
            spec: &UnitSpec<'_>,
            place: NonNull<u8>,
        ) -> Result<(), PluginError> {
            let ugen = ugen.downcast_ref::<U>().ok_or_else(|| PluginError::new("ugen table holds another type"))?;
            let unit = catch_unwind(AssertUnwindSafe(|| ugen.build(spec)))
                .map_err(|payload| PluginError::new(format!("ugen panicked: {}", panic_text(&*payload))))??;
            // SAFETY: the caller gives a place valid and aligned for `U::Unit`.
            unsafe { place.cast::<U::Unit>().as_ptr().write(unit) };
            Ok(())
        }
        unsafe fn init<T: Unit>(place: NonNull<u8>, io: &mut UnitIo<'_, '_>) {
            // SAFETY: the caller gives a place holding a live `T`, used by nobody else.
            unsafe { place.cast::<T>().as_mut() }.init(io)
        }
        unsafe fn next<T: Unit>(place: NonNull<u8>, io: &mut UnitIo<'_, '_>) {
            // SAFETY: as for `init`.
            unsafe { place.cast::<T>().as_mut() }.next(io)
        }
        unsafe fn drop<T: Unit>(place: NonNull<u8>) {
            // SAFETY: the caller gives a place holding a live `T` and never uses it again.
            unsafe { place.cast::<T>().as_ptr().drop_in_place() }
        }
        UGenTable {
            name: name.into(),
            state: Layout::new::<U::Unit>(),
            ugen: Box::new(ugen),
            build: build::<U>,
            init: init::<U::Unit>,
            next: next::<U::Unit>,
            drop: drop::<U::Unit>,
            scales_output: false,
            copyable: !std::mem::needs_drop::<U::Unit>(),
        }
    }

    /// The unit [`build`](Self::build) makes for `spec`, as a template to copy into each
    /// Synth, for a UGen whose units own nothing (their type needs no drop); `None` for
    /// one whose units own something, which must be built for each Synth.
    ///
    /// Context: NRT.
    pub fn template(&self, spec: &UnitSpec<'_>) -> Option<Result<UnitTemplate, PluginError>> {
        if !self.copyable {
            return None;
        }
        let layout = self.state;
        let scratch = if layout.size() == 0 {
            NonNull::new(layout.align() as *mut u8).expect("an alignment is never 0")
        } else {
            // SAFETY: a layout of non-zero size.
            match NonNull::new(unsafe { std::alloc::alloc(layout) }) {
                Some(scratch) => scratch,
                None => return Some(Err(PluginError::new("out of memory"))),
            }
        };
        // SAFETY: the scratch is valid for the unit's layout and holds nothing.
        let built = unsafe { self.build(spec, scratch) }.map(|()| {
            let mut bytes = Box::new_uninit_slice(layout.size());
            // SAFETY: both are `layout.size()` bytes and do not overlap; bytes are copied as
            // they are, padding included.
            unsafe { std::ptr::copy_nonoverlapping(scratch.as_ptr(), bytes.as_mut_ptr().cast::<u8>(), layout.size()) };
            UnitTemplate { bytes }
        });
        if layout.size() != 0 {
            // SAFETY: allocated above with this layout; the unit there needs no drop.
            unsafe { std::alloc::dealloc(scratch.as_ptr(), layout) };
        }
        Some(built)
    }

    /// This table, for a UGen whose units can scale their output themselves: the host may
    /// then fold a `BinaryOpUGen` `*` by a control- or scalar-rate input into the unit
    /// before it (see [`UnitSpec::scale`]), which saves that unit's call and a pass over
    /// the block. The unit must compute exactly what the `*` would have: each frame its
    /// own value times the ramped input, as [`UnitIo::scale`] describes.
    ///
    /// Context: NRT.
    pub fn with_output_scale(self) -> Self {
        UGenTable { scales_output: true, ..self }
    }

    /// Whether the UGen's units can scale their output ([`with_output_scale`](Self::with_output_scale)).
    pub fn scales_output(&self) -> bool {
        self.scales_output
    }

    /// The class name graphs use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size and alignment of one unit's state.
    pub fn state_layout(&self) -> Layout {
        self.state
    }

    /// Builds a unit at `place`. On error nothing was written.
    ///
    /// Context: NRT.
    ///
    /// # Safety
    /// `place` must be valid for writes of [`state_layout`](Self::state_layout) and aligned
    /// to it, and hold no live unit.
    pub unsafe fn build(&self, spec: &UnitSpec<'_>, place: NonNull<u8>) -> Result<(), PluginError> {
        // SAFETY: passed on from the caller.
        unsafe { (self.build)(&*self.ugen, spec, place) }
    }

    /// Runs the unit's [`Unit::init`].
    ///
    /// Context: RT. A panic is caught (its payload leaked, never freed here).
    ///
    /// # Safety
    /// `place` must hold a unit this table built, used by nobody else meanwhile.
    #[inline]
    pub unsafe fn init(&self, place: NonNull<u8>, io: &mut UnitIo<'_, '_>) -> Result<(), Panicked> {
        // SAFETY: passed on from the caller.
        catch_unwind(AssertUnwindSafe(|| unsafe { (self.init)(place, io) })).map_err(|payload| {
            std::mem::forget(payload);
            Panicked
        })
    }

    /// Runs the unit's [`Unit::next`].
    ///
    /// Context: RT. A panic is caught (its payload leaked).
    ///
    /// # Safety
    /// As for [`init`](Self::init).
    #[inline]
    pub unsafe fn next(&self, place: NonNull<u8>, io: &mut UnitIo<'_, '_>) -> Result<(), Panicked> {
        // SAFETY: passed on from the caller.
        catch_unwind(AssertUnwindSafe(|| unsafe { (self.next)(place, io) })).map_err(|payload| {
            std::mem::forget(payload);
            Panicked
        })
    }

    /// Drops the unit at `place`; a panic in its `Drop` is returned as text.
    ///
    /// Context: NRT.
    ///
    /// # Safety
    /// `place` must hold a unit this table built; it is dead afterwards.
    pub unsafe fn drop_unit(&self, place: NonNull<u8>) -> Result<(), String> {
        // SAFETY: passed on from the caller.
        catch_unwind(AssertUnwindSafe(|| unsafe { (self.drop)(place) })).map_err(|p| panic_text(&*p))
    }
}

#[cfg(test)]
mod tests {
    use std::alloc::Layout;
    use std::ptr::NonNull;

    use super::UGenTable;
    use crate::{PluginError, Rate, UGen, Unit, UnitIo, UnitSpec};

    /// Builds a unit that keeps the spec's sample rate and block size.
    struct Plain;
    #[derive(Debug, PartialEq)]
    struct PlainUnit(f64, usize, u8);
    impl UGen for Plain {
        type Unit = PlainUnit;
        fn build(&self, spec: &UnitSpec<'_>) -> Result<PlainUnit, PluginError> {
            Ok(PlainUnit(spec.sample_rate, spec.block_size, 7))
        }
    }
    impl Unit for PlainUnit {
        fn next(&mut self, _: &mut UnitIo<'_, '_>) {}
    }

    /// Builds a unit that owns memory.
    struct Owning;
    struct OwningUnit(#[allow(dead_code)] Vec<f32>);
    impl UGen for Owning {
        type Unit = OwningUnit;
        fn build(&self, _: &UnitSpec<'_>) -> Result<OwningUnit, PluginError> {
            Ok(OwningUnit(vec![0.0; 4]))
        }
    }
    impl Unit for OwningUnit {
        fn next(&mut self, _: &mut UnitIo<'_, '_>) {}
    }

    fn spec() -> UnitSpec<'static> {
        UnitSpec {
            name: "Plain",
            rate: Rate::Audio,
            special_index: 0,
            inputs: &[],
            outputs: &[Rate::Audio],
            sample_rate: 44_100.0,
            block_size: 32,
            scale: None,
            smooth_readers: false,
        }
    }

    #[test]
    fn a_template_copies_into_the_unit_build_makes() {
        let table = UGenTable::new("Plain", Plain);
        let template = table.template(&spec()).expect("a plain unit has a template").expect("it builds");
        let layout = Layout::new::<PlainUnit>();
        // SAFETY: a layout of non-zero size; the place is written before it is read, and the
        // unit needs no drop.
        unsafe {
            let place = NonNull::new(std::alloc::alloc(layout)).unwrap();
            template.write_to(place);
            assert_eq!(*place.cast::<PlainUnit>().as_ptr(), PlainUnit(44_100.0, 32, 7));
            std::alloc::dealloc(place.as_ptr(), layout);
        }
    }

    #[test]
    fn a_unit_that_owns_memory_has_no_template() {
        assert!(UGenTable::new("Owning", Owning).template(&spec()).is_none());
    }
}
