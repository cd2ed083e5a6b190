//! SynthDefs made from SCgf graphs: received as bytes (`/d_recv`), loaded from files
//! (`/d_load`, `/d_loadDir`) and freed (`/d_free`). Context: NRT (the network thread, or
//! the rendering thread).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oscine_plugin_api::FileAccess;

use super::EngineHandle;
use crate::graph::{GraphError, GraphSynthDef};
use crate::scgf::{read_synthdefs, ScgfError};

/// What a `/d_*` verb asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphDefRequest {
    /// Install the defs of an SCgf file's bytes.
    Receive(Vec<u8>),
    /// Install the defs of the files a path (with `*` and `?` in its file name) names.
    Load(String),
    /// Install the defs of every `.scsyndef` file of a directory.
    LoadDir(String),
    /// Remove these defs.
    Free(Vec<String>),
}

/// Why SynthDefs from a graph file were refused. Nothing of the file was installed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphDefError {
    /// The bytes are not a valid SCgf file.
    #[error("{0}")]
    Read(#[from] ScgfError),
    /// A def cannot be built (an unknown UGen, a rate a UGen does not run at).
    #[error("{0}")]
    Graph(#[from] GraphError),
    /// A unit refused its inputs, rates or outputs.
    #[error("synthdef '{def}': {reason}")]
    Unit {
        /// The def.
        def: String,
        /// The UGen's reason.
        reason: String,
    },
    /// A file could not be read.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A name belongs to a plugin's SynthDef, which `/d_free` does not remove.
    #[error("'{0}' is a plugin's SynthDef, not one made from a graph")]
    NotAGraph(String),
    /// No SynthDef has the name.
    #[error("no synthdef named '{0}'")]
    Unknown(String),
}

impl EngineHandle {
    /// Carries out a `/d_*` request; the names of the defs installed (none for a free).
    pub fn apply_graph_defs(&mut self, request: &GraphDefRequest) -> Result<Vec<String>, GraphDefError> {
        match request {
            GraphDefRequest::Receive(bytes) => self.receive_graph_defs(bytes),
            GraphDefRequest::Load(pattern) => self.load_graph_defs(pattern),
            GraphDefRequest::LoadDir(dir) => self.load_graph_dir(dir),
            GraphDefRequest::Free(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                self.free_graph_defs(&names).map(|()| Vec::new())
            }
        }
    }

    /// Reads an SCgf file's bytes and installs each def (and each variant, as
    /// `name.variant`), replacing SynthDefs of the same names for new Synths. All or none:
    /// a file with one bad def installs nothing. Returns the names installed.
    pub fn receive_graph_defs(&mut self, bytes: &[u8]) -> Result<Vec<String>, GraphDefError> {
        let file = read_synthdefs(bytes)?;
        let world = self.options().world();
        let mut tables = Vec::new();
        for def in &file.defs {
            let mut all = vec![def.clone()];
            all.extend(def.variants.iter().map(|v| def.with_variant(v)));
            for def in all {
                let registry = self.registry();
                let graph = GraphSynthDef::new(&def, &world, &|name| registry.ugen(name).cloned())?;
                graph.check(&world).map_err(|reason| GraphDefError::Unit { def: def.name.clone(), reason })?;
                tables.push((def.name.clone(), Arc::new(graph)));
            }
        }
        let names = tables.iter().map(|(n, _)| n.clone()).collect();
        for (_, graph) in tables {
            self.registry_mut().install_graph(graph);
        }
        Ok(names)
    }

    /// Loads every SCgf file `pattern` names: a path whose file name may hold `*` and `?`.
    pub fn load_graph_defs(&mut self, pattern: &str) -> Result<Vec<String>, GraphDefError> {
        let mut names = Vec::new();
        let files = self.options().files;
        for file in matching_files(&files, Path::new(pattern))? {
            names.extend(self.load_graph_file(&file)?);
        }
        Ok(names)
    }

    /// Loads every `.scsyndef` file of `dir`.
    pub fn load_graph_dir(&mut self, dir: &str) -> Result<Vec<String>, GraphDefError> {
        self.load_graph_defs(&Path::new(dir).join("*.scsyndef").to_string_lossy())
    }

    fn load_graph_file(&mut self, file: &Path) -> Result<Vec<String>, GraphDefError> {
        let bytes = read_regular_file(&self.options().files, file)?;
        self.receive_graph_defs(&bytes).map_err(|e| match e {
            GraphDefError::Read(e) => GraphDefError::File { path: file.to_owned(), reason: e.to_string() },
            other => other,
        })
    }

    /// Removes SynthDefs made from graphs: new Synths can no longer use them; those alive
    /// keep theirs. All or none.
    pub fn free_graph_defs(&mut self, names: &[&str]) -> Result<(), GraphDefError> {
        for name in names {
            match self.registry().get(name) {
                None => return Err(GraphDefError::Unknown((*name).to_owned())),
                Some(entry) if !entry.is_graph() => return Err(GraphDefError::NotAGraph((*name).to_owned())),
                Some(_) => {}
            }
        }
        for name in names {
            self.registry_mut().remove_graph(name);
        }
        Ok(())
    }
}

/// The contents of `file`, opened through `files`: a regular file in the file roots
/// (never a FIFO or a device, which could block the thread reading it).
fn read_regular_file(files: &FileAccess, file: &Path) -> Result<Vec<u8>, GraphDefError> {
    let fail = |reason: String| GraphDefError::File { path: file.to_owned(), reason };
    let mut bytes = Vec::new();
    files.open_read(file).map_err(|e| fail(e.to_string()))?.read_to_end(&mut bytes).map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

/// The files `pattern` names, sorted: the pattern itself, or, when its file name holds `*`
/// or `?`, every file of its directory (which must be in the file roots) whose name
/// matches.
fn matching_files(files: &FileAccess, pattern: &Path) -> Result<Vec<PathBuf>, GraphDefError> {
    let name = pattern.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(vec![pattern.to_owned()]);
    }
    let dir = pattern.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |reason: String| GraphDefError::File { path: dir.to_owned(), reason };
    let real = files.directory(dir).map_err(|e| fail(e.to_string()))?;
    let entries = std::fs::read_dir(real).map_err(|e| fail(e.to_string()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| wildcard_match(&name, &n.to_string_lossy())))
        .collect();
    found.sort();
    Ok(found)
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters and `?`
/// for one.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(wildcard_match("*.scsyndef", "sine.scsyndef"));
        assert!(wildcard_match("s?ne*", "sine.scsyndef"));
        assert!(!wildcard_match("*.scsyndef", "sine.txt"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*b", "ac"));
    }
}
