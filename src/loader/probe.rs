//! The probe: a plugin library opened in a child process first (`oscine plugin probe`),
//! so that one which hangs, crashes or is not a plugin at all is refused without touching
//! the server. Context: NRT (the plugin loader thread waits for the child).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oscine_plugin_api::{Mutability, PortDirection, ResourceDef, SynthDefTable};
use serde::{Deserialize, Serialize};

use super::open::{open, register};
use super::{LoadError, LoadStep};

/// How much of the end of the probe's standard error is kept, for the error message.
const PROBE_STDERR_KEPT: usize = 16 * 1024;

/// How often the loader looks whether the probe has finished.
const PROBE_POLL: Duration = Duration::from_millis(5);

/// What a plugin library registers, as `oscine plugin probe` prints it (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// The plugin ABI version the library speaks.
    pub abi_version: u32,
    /// The oscine-plugin-api version it was built against.
    pub api_version: String,
    /// The plugin's name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// Its SynthDefs, in registration order.
    pub synthdefs: Vec<SynthDefSummary>,
    /// Its ResourceDefs, in registration order.
    pub resource_defs: Vec<ResourceDefSummary>,
}

/// A SynthDef as the probe reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthDefSummary {
    /// Its name.
    pub name: String,
    /// Audio input port names.
    pub inputs: Vec<String>,
    /// Audio output port names.
    pub outputs: Vec<String>,
    /// Controls: name, default and range.
    pub controls: Vec<ControlSummary>,
    /// Resource ports: name, ResourceDef, direction.
    pub resource_ports: Vec<ResourcePortSummary>,
    /// Whether control changes land on their frame inside a block.
    pub sample_accurate_controls: bool,
}

/// A control as the probe reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlSummary {
    /// Its name.
    pub name: String,
    /// Its default.
    pub default: f32,
    /// The smallest value.
    pub min: f32,
    /// The largest value.
    pub max: f32,
}

/// A resource port as the probe reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePortSummary {
    /// Its name.
    pub name: String,
    /// The ResourceDef it binds.
    pub def: String,
    /// `input` or `output`.
    pub direction: String,
}

/// A ResourceDef as the probe reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDefSummary {
    /// Its name.
    pub name: String,
    /// `mutable` or `immutable`.
    pub mutability: String,
    /// Its operations.
    pub operations: Vec<OperationSummary>,
}

/// A ResourceDef operation as the probe reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationSummary {
    /// Its name.
    pub name: String,
    /// Whether it runs only when nothing else holds its Resources.
    pub exclusive: bool,
    /// How many further Resources it holds.
    pub extra_resources: usize,
}

/// What the probe prints: a report, or the step that failed and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeOutput {
    /// The library is a plugin this server can load.
    Plugin(ProbeReport),
    /// It is not.
    Error {
        /// The step that failed in the probe.
        step: LoadStep,
        /// Why.
        message: String,
    },
}

impl ProbeReport {
    fn new(
        header: &oscine_plugin_api::abi::PluginHeader,
        synthdefs: &[SynthDefTable],
        resource_defs: &[Arc<dyn ResourceDef>],
    ) -> Self {
        let names = |ports: &[oscine_plugin_api::AudioPort]| ports.iter().map(|p| p.name.to_string()).collect();
        ProbeReport {
            abi_version: header.abi_version,
            api_version: header.api_version.clone(),
            name: header.name.clone(),
            version: header.version.clone(),
            synthdefs: synthdefs
                .iter()
                .map(|table| {
                    let info = table.info();
                    SynthDefSummary {
                        name: info.name.to_string(),
                        inputs: names(&info.audio_inputs),
                        outputs: names(&info.audio_outputs),
                        controls: info
                            .controls
                            .iter()
                            .map(|c| ControlSummary {
                                name: c.name.to_string(),
                                default: c.default,
                                min: c.min,
                                max: c.max,
                            })
                            .collect(),
                        resource_ports: info
                            .resource_ports
                            .iter()
                            .map(|p| ResourcePortSummary {
                                name: p.name.to_string(),
                                def: p.def.to_string(),
                                direction: match p.direction {
                                    PortDirection::Input => "input".into(),
                                    PortDirection::Output => "output".into(),
                                },
                            })
                            .collect(),
                        sample_accurate_controls: info.sample_accurate_controls,
                    }
                })
                .collect(),
            resource_defs: resource_defs
                .iter()
                .map(|def| {
                    let info = def.info();
                    ResourceDefSummary {
                        name: info.name.to_string(),
                        mutability: match info.mutability {
                            Mutability::Mutable => "mutable".into(),
                            Mutability::Immutable => "immutable".into(),
                        },
                        operations: info
                            .operations
                            .iter()
                            .map(|op| OperationSummary {
                                name: op.name.to_string(),
                                exclusive: op.exclusive,
                                extra_resources: op.extra_resources,
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// Opens `file` in this process, lets it register and reports what it registered: what
/// `oscine plugin probe` runs, in the child.
pub fn probe_here(file: &Path) -> ProbeOutput {
    let result = (|| {
        let opened = open(file, file)?;
        // SAFETY: the entry is `opened`'s, which stays open until this function returns.
        let collected = unsafe { register(file, opened.entry, Arc::new(())) }?;
        let report = ProbeReport::new(&opened.header, &collected.synthdefs, &collected.resource_defs);
        drop(collected);
        // The child exits right after printing; closing would only run destructors.
        std::mem::forget(opened.library);
        Ok::<_, LoadError>(report)
    })();
    match result {
        Ok(report) => ProbeOutput::Plugin(report),
        Err(e) => ProbeOutput::Error { step: e.step, message: e.message },
    }
}

/// How to run the probe: the program (the `oscine` binary) and how long to wait.
#[derive(Debug, Clone)]
pub struct ProbeCommand {
    /// The `oscine` executable to run as `PROGRAM plugin probe FILE`.
    pub program: PathBuf,
    /// How long the child may take before it is killed and the library refused.
    pub timeout: Duration,
}

impl ProbeCommand {
    /// Runs the probe on `copy` in a child process and reads its report. Errors name
    /// `file`.
    pub fn run(&self, file: &Path, copy: &Path) -> Result<ProbeReport, LoadError> {
        let probe_error = |message: String| LoadError::new(file, LoadStep::Probe, message);
        let mut child = Command::new(&self.program)
            .args(["plugin", "probe"])
            .arg(copy)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("RUST_LOG", "off")
            .spawn()
            .map_err(|e| probe_error(format!("cannot run {}: {e}", self.program.display())))?;
        // Read while waiting, so that a large report never fills the pipe.
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = stdout.read_to_end(&mut out);
            out
        });
        let err_reader = std::thread::spawn(move || {
            // Read to the end, so a chatty library never blocks on a full pipe; keep the tail.
            let (mut err, mut chunk) = (Vec::new(), [0u8; 4096]);
            while let Ok(n @ 1..) = stderr.read(&mut chunk) {
                err.extend_from_slice(&chunk[..n]);
                if err.len() > PROBE_STDERR_KEPT {
                    err.drain(..err.len() - PROBE_STDERR_KEPT);
                }
            }
            err
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(probe_error(format!(
                        "the library did not finish loading within {} s (it hangs in its initialisers?); the probe \
                         was killed",
                        self.timeout.as_secs_f64()
                    )));
                }
                Ok(None) => std::thread::sleep(PROBE_POLL),
                Err(e) => return Err(probe_error(format!("cannot wait for the probe: {e}"))),
            }
        };
        let out = reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        if let Some(signal) = signal_of(&status) {
            return Err(probe_error(format!("the library crashed the probe while loading (signal {signal})")));
        }
        match serde_json::from_slice::<ProbeOutput>(&out) {
            Ok(ProbeOutput::Plugin(report)) => Ok(report),
            // The child could not open it at all: the probe step is where it failed.
            Ok(ProbeOutput::Error { step: LoadStep::Load, message }) => Err(probe_error(message)),
            Ok(ProbeOutput::Error { step, message }) => Err(LoadError::new(file, step, message)),
            Err(_) => {
                let err = String::from_utf8_lossy(&err);
                let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
                Err(probe_error(format!(
                    "the probe failed ({status}){}",
                    if last.is_empty() { String::new() } else { format!(": {last}") }
                )))
            }
        }
    }
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> Option<i32> {
    None
}
