//! How the audio thread tells the network thread that events are waiting, without ever
//! blocking: one write to a non-blocking eventfd, at most once per block, and not again
//! until the network thread has taken the signal.
//!
//! Context: each function is marked: `EventSignal::new` NRT (when the engine is built),
//! `notify` RT (the audio thread), `take` and the descriptor NRT (the network thread).

use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// The audio thread's signal to the network thread that it has pushed events.
///
/// On Linux it is an eventfd opened with `EFD_NONBLOCK`, which the network thread's event
/// loop waits on with the UDP socket ([`AsRawFd`]): the audio thread's
/// `notify` is one 8-byte `write(2)`, which never sleeps (the kernel takes
/// only the eventfd's wait-queue spinlock), never allocates and takes no user-space lock.
/// A flag makes the audio thread write only when the network thread has taken the
/// previous signal, so a block with many events, or many blocks while the network thread
/// is busy, cost one write. Elsewhere there is no descriptor: the flag alone is set, and
/// the network thread looks at the event FIFO every millisecond.
///
/// Context: `notify` RT (the audio thread), [`take`](Self::take) NRT
/// (the network thread).
#[derive(Debug)]
pub struct EventSignal {
    /// Set by `notify` when it writes; cleared by `take`. While it is set, the network
    /// thread has a wake-up coming and writing again is pointless.
    rung: AtomicBool,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fd: OwnedFd,
}

impl EventSignal {
    /// Opens the signal. Context: NRT.
    pub(crate) fn new() -> std::io::Result<EventSignal> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // SAFETY: eventfd takes no pointers; a non-negative result is a new descriptor,
            // owned from here on by the `OwnedFd`.
            let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            Ok(EventSignal { rung: AtomicBool::new(false), fd })
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        Ok(EventSignal { rung: AtomicBool::new(false) })
    }

    /// Wakes the network thread, unless a wake-up is already on its way. Call after
    /// pushing events. Context: RT; never blocks, allocates or locks.
    pub(crate) fn notify(&self) {
        // Release: the events pushed before are visible to the `take` that clears the flag.
        if self.rung.swap(true, Ordering::AcqRel) {
            return;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let one: u64 = 1;
            // SAFETY: writes the 8 bytes of a live `u64` to a descriptor this owns. With
            // `EFD_NONBLOCK` the only failure is EAGAIN, when the counter is near
            // `u64::MAX` (it never exceeds the handful of writes between two `take`s);
            // the network thread has a wake-up coming then anyway.
            let _ = super::realtime_sanitizer::nonblocking_wake(|| unsafe {
                libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8)
            });
        }
    }

    /// Takes the signal: resets the eventfd and lowers the flag, so that events pushed from
    /// now on signal again. Call when woken, before draining the event FIFO. Whether a
    /// signal was pending. Context: NRT (the network thread).
    pub fn take(&self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let mut count: u64 = 0;
            // SAFETY: reads at most 8 bytes into a live `u64` from a descriptor this owns;
            // EAGAIN (nothing written) leaves it untouched.
            let _ = unsafe { libc::read(self.fd.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
        }
        // Acquire: the events pushed before the `notify` that set the flag are visible to
        // the drain that follows.
        self.rung.swap(false, Ordering::AcqRel)
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl AsRawFd for EventSignal {
    /// The eventfd, readable while a signal is pending: for the network thread's poller.
    /// Context: NRT (the network thread).
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl AsFd for EventSignal {
    // Context: NRT (the network thread).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::EventSignal;

    #[test]
    fn one_signal_until_taken() {
        let signal = EventSignal::new().unwrap();
        assert!(!signal.take());
        signal.notify();
        signal.notify();
        assert!(signal.take());
        assert!(!signal.take());
        signal.notify();
        assert!(signal.take());
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn the_descriptor_is_readable_only_while_a_signal_is_pending() {
        use std::os::fd::AsRawFd;
        let readable = |s: &EventSignal| {
            let mut fd = libc::pollfd { fd: s.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one live pollfd, no timeout.
            unsafe { libc::poll(&mut fd, 1, 0) == 1 }
        };
        let signal = EventSignal::new().unwrap();
        assert!(!readable(&signal));
        signal.notify();
        assert!(readable(&signal));
        signal.take();
        assert!(!readable(&signal));
    }
}
