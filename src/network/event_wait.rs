//! Waiting for the audio thread's events on the network thread's event loop.

use std::sync::Arc;
use std::time::Duration;

use crate::engine::EventSignal;

/// How often the network thread looks at the event FIFO where it cannot wait for the
/// audio thread's signal (no eventfd on this system, or registering it failed).
const FALLBACK_POLL: Duration = Duration::from_millis(1);

/// Resolves when the audio thread may have pushed events: on Linux when its eventfd
/// becomes readable, elsewhere every [`FALLBACK_POLL`].
///
/// Context: NRT (the network thread, inside the tokio runtime).
pub(super) enum EventWait {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Fd(tokio::io::unix::AsyncFd<Arc<EventSignal>>),
    Poll(tokio::time::Interval),
}

impl EventWait {
    /// Registers `signal` with the runtime's poller. Context: inside the tokio runtime.
    pub(super) fn new(signal: &Arc<EventSignal>) -> EventWait {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let interest = tokio::io::Interest::READABLE;
            // SAFETY: the `Arc` keeps the signal, and with it its eventfd, open for as long as
            // the `AsyncFd` lives, and `as_raw_fd` always returns that same descriptor.
            match unsafe { tokio::io::unix::AsyncFd::register_with_interest(Arc::clone(signal), interest) } {
                Ok(fd) => return EventWait::Fd(fd),
                Err(e) => {
                    tracing::error!("cannot wait for engine events ({e}); looking every {FALLBACK_POLL:?} instead")
                }
            }
        }
        let _ = signal;
        EventWait::polling()
    }

    fn polling() -> EventWait {
        let mut tick = tokio::time::interval(FALLBACK_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        EventWait::Poll(tick)
    }

    /// Waits for the next signal. The caller then takes it ([`EventSignal::take`]) and
    /// drains the event FIFO. Cancel-safe.
    pub(super) async fn wait(&mut self) {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            EventWait::Fd(fd) => match fd.readable().await {
                // Edge-triggered: the poller reports every write to the eventfd, even one
                // made before `take` reads it, so clearing here loses no signal.
                Ok(mut guard) => guard.clear_ready(),
                Err(e) => {
                    tracing::error!("waiting for engine events failed ({e}); looking every {FALLBACK_POLL:?} instead");
                    *self = EventWait::polling();
                }
            },
            EventWait::Poll(tick) => {
                tick.tick().await;
            }
        }
    }
}
