//! The plugin loader thread: it takes load requests from the network thread, runs the
//! load steps (which may take as long as the probe's timeout), watches plugin files for
//! changes, and reports back. Context: NRT (its own thread).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tokio::sync::mpsc::UnboundedSender;

use super::{is_library_name, LoadError, PluginLoader};
use crate::control::PluginDefinitions;
use crate::engine::ClientId;

/// How long a changed file must stay unchanged before it is reloaded: a build writes a
/// library in several steps.
const SETTLE: Duration = Duration::from_millis(400);

/// What the network thread asks of the loader thread.
#[derive(Debug)]
pub enum LoaderRequest {
    /// Load a library.
    Load {
        /// The file.
        file: PathBuf,
        /// The installed plugin it is a new build of (a reload), if any.
        replacing: Option<String>,
        /// Who asked (none: the file watcher).
        requester: Option<ClientId>,
    },
    /// Watch the directory holding this file too (a library loaded from outside the plugin
    /// path, with `--watch-plugins`).
    WatchFileOf(PathBuf),
}

/// What the loader thread tells the network thread.
#[derive(Debug)]
pub enum LoaderReport {
    /// A load finished.
    Loaded {
        /// The file, as the request named it.
        file: PathBuf,
        /// The plugin it was to replace, if any.
        replacing: Option<String>,
        /// Who asked.
        requester: Option<ClientId>,
        /// The definitions, or the step that failed.
        result: Result<PluginDefinitions, LoadError>,
    },
    /// A library file in a watched directory changed and has settled.
    FileChanged(PathBuf),
}

/// The network thread's end of the loader thread.
#[derive(Debug, Clone)]
pub struct LoaderHandle {
    requests: Sender<LoaderRequest>,
}

impl LoaderHandle {
    /// Queues a request. False if the loader thread has ended.
    pub fn send(&self, request: LoaderRequest) -> bool {
        self.requests.send(request).is_ok()
    }
}

/// Starts the loader thread. With `watch`, the directories are watched for library files
/// that change (`--watch-plugins`). The thread ends when every [`LoaderHandle`] is gone.
pub fn start_loader_thread(
    mut loader: PluginLoader,
    watch: Option<Vec<PathBuf>>,
    reports: UnboundedSender<LoaderReport>,
) -> std::io::Result<LoaderHandle> {
    let (requests, inbox) = crossbeam_channel::unbounded();
    // Watching starts before this returns, so a change made once the server listens is
    // seen.
    let mut watcher = watch.map(|dirs| FileWatcher::start(&dirs));
    std::thread::Builder::new().name("oscine-plugin-loader".into()).spawn(move || {
        run(&mut loader, &inbox, watcher.as_mut(), &reports);
    })?;
    Ok(LoaderHandle { requests })
}

fn run(
    loader: &mut PluginLoader,
    inbox: &Receiver<LoaderRequest>,
    mut watcher: Option<&mut FileWatcher>,
    reports: &UnboundedSender<LoaderReport>,
) {
    let never = crossbeam_channel::never();
    loop {
        let events = watcher.as_ref().map(|w| w.events.clone()).unwrap_or_else(|| never.clone());
        let timeout = watcher.as_ref().and_then(|w| w.next_settled()).unwrap_or(Duration::from_secs(3600));
        crossbeam_channel::select! {
            recv(inbox) -> request => match request {
                Ok(LoaderRequest::Load { file, replacing, requester }) => {
                    let result = if requester.is_some() { loader.load_requested(&file) } else { loader.load(&file) };
                    let report = LoaderReport::Loaded { file, replacing, requester, result };
                    if reports.send(report).is_err() {
                        return;
                    }
                }
                Ok(LoaderRequest::WatchFileOf(file)) => {
                    if let (Some(w), Some(dir)) = (watcher.as_deref_mut(), file.parent()) {
                        w.watch(dir);
                    }
                }
                Err(_) => return,
            },
            recv(events) -> event => {
                if let (Some(w), Ok(event)) = (watcher.as_deref_mut(), event) {
                    w.observe(event);
                }
            },
            default(timeout) => {}
        }
        if let Some(w) = watcher.as_deref_mut() {
            for file in w.take_settled() {
                if reports.send(LoaderReport::FileChanged(file)).is_err() {
                    return;
                }
            }
        }
    }
}

/// Library files changing in watched directories, settled before they are reported.
struct FileWatcher {
    watcher: Option<notify::RecommendedWatcher>,
    events: Receiver<notify::Result<notify::Event>>,
    watched: Vec<PathBuf>,
    changed: HashMap<PathBuf, Instant>,
}

impl FileWatcher {
    fn start(dirs: &[PathBuf]) -> FileWatcher {
        let (tx, events) = crossbeam_channel::unbounded();
        let watcher = match notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        }) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::error!("cannot watch plugin files ({e}); /plugin/reload still works");
                None
            }
        };
        let mut this = FileWatcher { watcher, events, watched: Vec::new(), changed: HashMap::new() };
        for dir in dirs {
            this.watch(dir);
        }
        this
    }

    fn watch(&mut self, dir: &Path) {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        if self.watched.contains(&dir) {
            return;
        }
        let Some(watcher) = self.watcher.as_mut() else { return };
        match notify::Watcher::watch(watcher, &dir, notify::RecursiveMode::NonRecursive) {
            Ok(()) => {
                tracing::info!("watching {} for plugin libraries that change", dir.display());
                self.watched.push(dir);
            }
            Err(e) => tracing::error!("cannot watch {}: {e}", dir.display()),
        }
    }

    fn observe(&mut self, event: notify::Result<notify::Event>) {
        let event = match event {
            Ok(e) => e,
            Err(e) => return tracing::warn!("watching plugin files: {e}"),
        };
        if !(event.kind.is_create() || event.kind.is_modify()) {
            return;
        }
        for path in event.paths {
            if is_library_name(&path) {
                self.changed.insert(path, Instant::now());
            }
        }
    }

    /// How long until the next changed file settles.
    fn next_settled(&self) -> Option<Duration> {
        let oldest = self.changed.values().min()?;
        Some(SETTLE.saturating_sub(oldest.elapsed()))
    }

    fn take_settled(&mut self) -> Vec<PathBuf> {
        let settled: Vec<PathBuf> =
            self.changed.iter().filter(|(_, at)| at.elapsed() >= SETTLE).map(|(p, _)| p.clone()).collect();
        for path in &settled {
            self.changed.remove(path);
        }
        settled.into_iter().filter(|p| p.is_file()).collect()
    }
}
