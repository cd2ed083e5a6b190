//! Why a plugin library was refused, and at which step. Context: NRT.

use std::fmt;
use std::path::{Path, PathBuf};

/// The steps a plugin library goes through, in order, before its definitions serve
/// clients. An error names the step it stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadStep {
    /// The file is looked up: it must exist and be a regular file.
    Find,
    /// The file is copied to the server's private directory, so a build can overwrite
    /// the original while the copy is open.
    Copy,
    /// The copy is opened in a child process (`oscine plugin probe`), under a timeout.
    Probe,
    /// The library's ABI version and plugin-API version are checked.
    Version,
    /// The copy is opened in the server process.
    Load,
    /// The library registers its definitions; their names must not clash with others'.
    Register,
}

impl LoadStep {
    /// The step's name, as errors and `/plugin/failed` give it.
    pub const fn name(self) -> &'static str {
        match self {
            LoadStep::Find => "find",
            LoadStep::Copy => "copy",
            LoadStep::Probe => "probe",
            LoadStep::Version => "version",
            LoadStep::Load => "load",
            LoadStep::Register => "register",
        }
    }
}

impl fmt::Display for LoadStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A plugin library that was refused: the file, the step and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin library {}: {step}: {message}", file.display())]
pub struct LoadError {
    /// The file the client or the plugin path named.
    pub file: PathBuf,
    /// The step that failed.
    pub step: LoadStep,
    /// Why.
    pub message: String,
}

impl LoadError {
    /// An error at `step` for `file`.
    pub fn new(file: &Path, step: LoadStep, message: impl Into<String>) -> Self {
        LoadError { file: file.to_owned(), step, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_the_file_and_the_step() {
        let e = LoadError::new(Path::new("/p/libx.so"), LoadStep::Probe, "timed out after 10 s");
        assert_eq!(e.to_string(), "plugin library /p/libx.so: probe: timed out after 10 s");
        assert_eq!(serde_json::to_string(&LoadStep::Register).unwrap(), "\"register\"");
    }
}
