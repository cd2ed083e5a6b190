//! An open plugin library, and where libraries are closed. Context: NRT.

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender};

/// A plugin library open in the server process: the handle every definition it
/// registered, and every Synth and Resource built from them, keeps alive. When the last
/// of them drops (a worker dropping the last Synth, the registry letting go of a replaced
/// or unloaded plugin), the library is handed to the closing thread: closing runs the
/// library's destructors, which must never run on the audio thread, the network thread
/// or a thread that owes anyone an answer.
pub struct PluginLibrary {
    name: String,
    version: String,
    file: PathBuf,
    copy: PathBuf,
    generation: u64,
    library: Option<libloading::Library>,
    closer: Sender<Closing>,
}

/// A library on its way to `dlclose`.
pub(crate) struct Closing {
    library: libloading::Library,
    copy: PathBuf,
    label: String,
}

impl PluginLibrary {
    pub(crate) fn new(
        name: String,
        version: String,
        file: PathBuf,
        copy: PathBuf,
        generation: u64,
        library: libloading::Library,
        closer: Sender<Closing>,
    ) -> Self {
        PluginLibrary { name, version, file, copy, generation, library: Some(library), closer }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The private copy that is open.
    pub fn copy(&self) -> &Path {
        &self.copy
    }

    /// Counts the loads of this server: each open library has its own.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn label(&self) -> String {
        format!("{} {} (load {}, {})", self.name, self.version, self.generation, self.file.display())
    }
}

impl Drop for PluginLibrary {
    fn drop(&mut self) {
        let Some(library) = self.library.take() else { return };
        let closing = Closing { library, copy: std::mem::take(&mut self.copy), label: self.label() };
        if let Err(unsent) = self.closer.send(closing) {
            // The closing thread has ended (the server is stopping): close here.
            close(unsent.into_inner());
        }
    }
}

impl std::fmt::Debug for PluginLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginLibrary").field("name", &self.name).field("generation", &self.generation).finish()
    }
}

/// Starts the thread that closes libraries nothing uses any more, one at a time, and
/// deletes their private copies. It ends when every sender is gone.
pub(crate) fn start_closer() -> std::io::Result<Sender<Closing>> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new().name("oscine-plugin-close".into()).spawn(move || run_closer(rx))?;
    Ok(tx)
}

fn run_closer(rx: Receiver<Closing>) {
    for closing in rx {
        close(closing);
    }
}

fn close(closing: Closing) {
    tracing::debug!("closing plugin library {}", closing.label);
    match closing.library.close() {
        Ok(()) => tracing::info!("closed plugin library {}", closing.label),
        Err(e) => tracing::error!("closing plugin library {} failed: {e}", closing.label),
    }
    if let Err(e) = std::fs::remove_file(&closing.copy) {
        tracing::debug!("cannot remove {}: {e}", closing.copy.display());
    }
}
