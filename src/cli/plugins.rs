//! Plugin libraries on the command line: `oscine plugin probe`, and the loader the server
//! and `oscine render` start with.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use oscine::control::Registry;
use oscine::loader::{load_plugin_path, probe_here, PluginLoader, PluginPathReport, ProbeCommand, ProbeOutput};

use super::PluginArgs;

/// `oscine plugin probe PATH`: what the library registers, as JSON on stdout.
pub fn probe(path: &Path) -> ExitCode {
    let output = probe_here(path);
    let code = match output {
        ProbeOutput::Plugin(_) => ExitCode::SUCCESS,
        ProbeOutput::Error { .. } => ExitCode::from(2),
    };
    match serde_json::to_string_pretty(&output) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("oscine plugin probe: cannot encode the report: {e}");
            return ExitCode::FAILURE;
        }
    }
    code
}

/// A loader that probes with this very executable.
pub fn loader(args: &PluginArgs) -> Result<PluginLoader, String> {
    let program =
        std::env::current_exe().map_err(|e| format!("cannot find the oscine executable to probe with: {e}"))?;
    let probe = ProbeCommand { program, timeout: Duration::from_secs_f64(args.plugin_probe_timeout) };
    PluginLoader::new(probe).map_err(|e| format!("cannot create a private directory for plugin libraries: {e}"))
}

/// The built-in plugin and every library of the plugin path.
pub fn registry(loader: &mut PluginLoader, args: &PluginArgs) -> (Registry, PluginPathReport) {
    let mut registry = Registry::with_builtins();
    let report = load_plugin_path(loader, &mut registry, &args.dirs());
    (registry, report)
}
