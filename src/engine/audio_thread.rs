//! The audio thread, as the panic hook knows it: a panic there (a Synth's process, caught
//! and reported as a fault; an engine failure, caught by the driver) must not format its
//! message or write to standard error on that thread, as Rust's default hook does. The
//! fault is recorded where it is caught and reported from the network thread (error 50,
//! `synth faulted`; error 51, `engine failed`).
//!
//! Context: `enter` RT; `install_panic_hook` NRT, once, at start-up.

use std::cell::Cell;

thread_local! {
    /// Whether this thread runs blocks.
    static RUNS_BLOCKS: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one that runs blocks. Context: RT (a thread-local store).
#[inline]
pub(crate) fn enter() {
    RUNS_BLOCKS.with(|flag| flag.set(true));
}

/// Installs a panic hook that does nothing on a thread that runs blocks and what the
/// previous hook did everywhere else. The server installs it; a library user chooses.
///
/// Context: NRT, before the audio thread starts.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !RUNS_BLOCKS.with(Cell::get) {
            previous(info);
        }
    }));
}
