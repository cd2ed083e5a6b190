//! A plugin library's own panic hook. The library links its own copy of the standard
//! library, whose default hook would format a panic's message and write it to standard
//! error on the host's audio thread, where nothing may do either. On a thread that has
//! run a Synth's `activate` or `process` this hook does nothing; the host hears of the
//! panic through the call's result and reports it from its network thread. Elsewhere
//! (a construct on a worker) the library's previous hook runs.
//!
//! Context: `install` NRT (when the library registers); `on_audio_thread` RT.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static RUNS_SYNTHS: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Installs the hook, once per library.
pub(super) fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !RUNS_SYNTHS.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Marks the calling thread as the host's audio thread. Context: RT (a thread-local
/// store).
#[inline]
pub(super) fn on_audio_thread() {
    RUNS_SYNTHS.with(|flag| flag.set(true));
}
