//! The audio thread's two deliberate system calls, as RealtimeSanitizer sees them.
//!
//! With the `rtsan` feature, every block runs in RealtimeSanitizer's real-time context,
//! which reports any allocation, lock or blocking call. Two calls the audio thread makes
//! on purpose never block, but the sanitizer cannot tell them from calls that do: the
//! futex wake inside `Thread::unpark` (a `syscall`), and the 8-byte `write` to the
//! non-blocking eventfd that wakes the network thread. Only these run with the sanitizer
//! looking away.
//!
//! Context: RT.

/// Runs `wake`, a futex wake or a write to a non-blocking eventfd, outside
/// RealtimeSanitizer's view (with the `rtsan` feature; otherwise just runs it).
#[inline]
pub(crate) fn nonblocking_wake<R>(wake: impl FnOnce() -> R) -> R {
    #[cfg(feature = "rtsan")]
    let _looking_away = rtsan_standalone::ScopedDisabler::default();
    wake()
}
