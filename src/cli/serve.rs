use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use oscine::build;
use oscine::drivers::{CpalDriver, CpalHost, CpalOptions, Driver, DriverError, DummyDriver};
use oscine::engine::EngineOptions;
use oscine::loader::start_loader_thread;
use oscine::midi::{MidiInputs, PortChoice};
use oscine::network::{AllowList, MidiService, PluginService, Server, ServerOptions, TcpLimits};
use tracing_subscriber::EnvFilter;

use oscine_plugin_api::{FileAccess, MemoryBudget, RootAccess};

use super::{file_roots, plugins, Cli, DriverChoice};

const DUMMY_SAMPLE_RATE: u32 = 48_000;
/// The dummy driver's frames per wake: 21 ms at 48 kHz. Each wake of its thread costs a
/// timer interrupt and two context switches, most of an idle server's CPU time.
const DUMMY_BUFFER: u32 = 1024;
const DUMMY_OUTPUTS: u16 = 2;

/// How long stopping the driver and the workers may take before the process exits anyway.
const STOP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn init_logging(cli: &Cli) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(cli.log_level.to_string()));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("oscine: {message}");
    ExitCode::FAILURE
}

fn open_driver(cli: &Cli) -> Result<Box<dyn Driver>, DriverError> {
    let dummy = || {
        Box::new(DummyDriver::new(
            cli.sample_rate.unwrap_or(DUMMY_SAMPLE_RATE) as f64,
            cli.inputs as usize,
            cli.outputs.unwrap_or(DUMMY_OUTPUTS) as usize,
            cli.buffer_size.unwrap_or(DUMMY_BUFFER) as usize,
        )) as Box<dyn Driver>
    };
    let cpal_options = |host: Option<CpalHost>| CpalOptions {
        host,
        device: cli.device.clone(),
        sample_rate: cli.sample_rate,
        outputs: cli.outputs,
        inputs: cli.inputs,
        buffer_size: cli.buffer_size,
    };
    let host = match cli.driver {
        DriverChoice::Dummy => return Ok(dummy()),
        DriverChoice::Auto if cli.device.is_none() && no_sound_card() => {
            tracing::warn!("no sound card found; using the dummy driver (no audio output)");
            return Ok(dummy());
        }
        DriverChoice::Auto => {
            return match open_cpal(&cpal_options(None)) {
                Ok(d) => Ok(d),
                Err(e) if cli.device.is_none() => {
                    tracing::warn!("no sound device ({e}); using the dummy driver (no audio output)");
                    Ok(dummy())
                }
                Err(e) => Err(e),
            };
        }
        DriverChoice::Cpal => None,
        DriverChoice::Pipewire => Some(CpalHost::PipeWire),
        DriverChoice::Pulse => Some(CpalHost::PulseAudio),
        DriverChoice::Alsa => Some(CpalHost::Alsa),
        DriverChoice::Jack => Some(CpalHost::Jack),
    };
    open_cpal(&cpal_options(host))
}

fn open_cpal(options: &CpalOptions) -> Result<Box<dyn Driver>, DriverError> {
    let driver = CpalDriver::open(options)?;
    let name = driver.device_name();
    match driver.device_id().filter(|id| *id != name) {
        Some(id) => tracing::info!("audio device: {name} [{id}] on {}", driver.host_name()),
        None => tracing::info!("audio device: {name} on {}", driver.host_name()),
    }
    Ok(Box::new(driver))
}

/// Whether this machine plainly has no sound card and no sound server, so probing ALSA
/// would only print its own errors. Linux only; elsewhere the probe decides.
fn no_sound_card() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let cards = std::fs::read_to_string("/proc/asound/cards").unwrap_or_default();
    let has_card = cards.lines().any(|l| l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()));
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(std::path::PathBuf::from);
    let has_server = std::env::var_os("PULSE_SERVER").is_some()
        || std::env::var_os("PIPEWIRE_RUNTIME_DIR")
            .is_some_and(|dir| std::path::Path::new(&dir).join("pipewire-0").exists())
        || runtime.is_some_and(|dir| dir.join("pulse/native").exists() || dir.join("pipewire-0").exists());
    !has_card && !has_server
}

/// Locks the process's memory in RAM: what is mapped now, and what is mapped later as
/// each page is first touched (`MCL_ONFAULT`, so a large empty buffer still costs nothing
/// until it is written), so that the audio thread never waits for a page to come back
/// from swap.
fn lock_memory() -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: mlockall has no memory-safety preconditions.
        if unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT) } == 0 {
            return Ok(());
        }
        Err(std::io::Error::last_os_error())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Half the machine's physical memory (4 GiB where it cannot be read): what Resources may
/// take without `--max-resource-memory`.
fn default_resource_memory() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: sysconf has no preconditions.
        let (pages, size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
        if pages > 0 && size > 0 {
            return (pages as u64).saturating_mul(size as u64) / 2;
        }
    }
    4 << 30
}

/// Starts the engine, the driver and the server; returns when the server quits.
pub fn serve(cli: &Cli) -> ExitCode {
    init_logging(cli);
    oscine::engine::install_panic_hook();
    let mut driver = match open_driver(cli) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let files = match file_roots::server_files(&cli.files) {
        Ok(files) => files,
        Err(e) => return fail(e),
    };
    if files.roots().next().is_none() {
        tracing::warn!("no file roots: clients cannot have the server open any file (give --file-root DIR)");
    }
    for (root, access) in files.roots() {
        let access = if access == RootAccess::ReadOnly { " (read only)" } else { "" };
        tracing::info!("file root {}{access}", root.display());
    }
    let config = driver.config();
    let options = EngineOptions {
        sample_rate: config.sample_rate,
        block_size: cli.engine.block_size as usize,
        inputs: config.inputs,
        outputs: config.outputs,
        max_audio_buses: cli.engine.max_audio_buses as usize,
        max_control_buses: cli.engine.max_control_buses as usize,
        max_nodes: cli.engine.max_nodes as usize,
        max_resources: cli.engine.max_resources as usize,
        max_scheduled: cli.max_scheduled as usize,
        workers: cli.engine.workers as usize,
        job_deadline: std::time::Duration::from_secs_f64(cli.job_deadline),
        realtime: !cli.no_realtime,
        min_commands_per_block: cli.min_commands_per_block as usize,
        max_commands_per_block: cli.max_commands_per_block as usize,
        memory: MemoryBudget::new(cli.max_resource_memory.unwrap_or_else(default_resource_memory)),
        files,
        ..EngineOptions::default()
    };
    if let Some(limit) = options.memory.limit() {
        tracing::info!("resources may take {} MiB of memory", limit >> 20);
    }
    let mut loader = match plugins::loader(&cli.plugins) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // A library a client names may be in a plugin directory or a file root.
    let plugin_roots = cli.plugins.dirs().into_iter().filter(|d| d.is_dir()).map(|d| (d, RootAccess::ReadOnly));
    match FileAccess::confined(
        files.roots().map(|(root, _)| (root.to_owned(), RootAccess::ReadOnly)).chain(plugin_roots),
    ) {
        Ok(requested) => loader.confine_requests(requested),
        Err(e) => return fail(e),
    }
    let private_dir = loader.private_dir().to_owned();
    let (registry, loaded) = plugins::registry(&mut loader, &cli.plugins);
    for (name, version, file) in &loaded.installed {
        tracing::info!("loaded plugin {name} {version} from {}", file.display());
    }
    for refused in &loaded.refused {
        tracing::error!("{refused}");
    }
    let parts = match build(options.clone(), registry) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if !cli.no_memory_lock {
        let locked = lock_memory();
        parts.engine.status().set_memory_locked(locked.is_ok());
        match locked {
            Ok(()) => tracing::info!("memory locked in RAM (pages as they are first touched)"),
            Err(e) => tracing::info!("memory not locked ({e}); give the user a higher memlock limit to lock it"),
        }
    }
    let (report_tx, reports) = tokio::sync::mpsc::unbounded_channel();
    let plugin_dirs = cli.plugins.dirs();
    let watch = cli.watch_plugins.then(|| plugin_dirs.clone());
    let loader = match start_loader_thread(loader, watch, report_tx) {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot start the plugin loader: {e}")),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the network runtime: {e}")),
    };
    let bind = SocketAddr::new(cli.bind, cli.port);
    let allow = AllowList::new(cli.allow.clone());
    if let Some(warning) = exposure_warning(cli.bind, &allow) {
        tracing::warn!("{warning}");
    }
    if let AllowList::Only(ranges) = &allow {
        let ranges: Vec<String> = ranges.iter().map(ToString::to_string).collect();
        tracing::info!("taking datagrams only from {}", ranges.join(", "));
    }
    let server = match runtime.block_on(Server::bind(
        &ServerOptions {
            dialect: cli.dialect,
            max_logins: cli.max_logins,
            allow,
            udp_receive_buffer: cli.udp_receive_buffer,
            tcp_port: cli.tcp_port,
            max_queries_per_client: cli.max_queries_per_client,
            tcp_limits: TcpLimits {
                max_connections: cli.tcp_max_connections as usize,
                max_message: cli.tcp_max_message as usize,
                max_output: cli.tcp_max_output as usize,
            },
            ..ServerOptions::new(bind)
        },
        parts.handle,
    )) {
        Ok(s) => s.with_plugins(PluginService { loader, reports, plugin_dirs, watch: cli.watch_plugins }),
        Err(e) => {
            let tcp = cli.tcp_port.map(|p| format!(" and tcp port {p}")).unwrap_or_default();
            return fail(format!("cannot listen on udp {bind}{tcp}: {e}"));
        }
    };
    let server = match open_midi(cli) {
        Ok(midi) => server.with_midi(midi),
        Err(e) => return fail(format!("cannot start MIDI input: {e}")),
    };
    if let Err(e) = driver.start(parts.engine) {
        return fail(e);
    }
    let local = server.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| bind.to_string());
    let tcp = match server.tcp_local_addr() {
        Some(Ok(addr)) => format!(" and tcp {addr}"),
        Some(Err(_)) => " and tcp".to_owned(),
        None => String::new(),
    };
    tracing::info!(
        "oscine {} listening on udp {local}{tcp} ({} driver, {} Hz, block {}, {} in / {} out)",
        env!("CARGO_PKG_VERSION"),
        driver.name(),
        options.sample_rate,
        options.block_size,
        options.inputs,
        options.outputs
    );
    if cli.announce_ready {
        use std::io::Write;
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "SuperCollider 3 server ready.").and_then(|()| stdout.flush());
    }
    let handle = runtime.block_on(server.run(shutdown_signal()));
    if handle.status().device_lost {
        // A stream whose device is gone may never finish closing, and the engine inside
        // it would keep the workers waiting: leave without tearing them down.
        tracing::error!("stopped: the audio device was lost");
        std::process::exit(1);
    }
    // Whatever else goes wrong while stopping, the process still ends.
    std::thread::spawn(|| {
        std::thread::sleep(STOP_TIMEOUT);
        tracing::error!("the audio driver or the workers did not stop within {STOP_TIMEOUT:?}; exiting");
        std::process::exit(1);
    });
    driver.stop();
    drop(handle);
    parts.workers.join();
    // Open libraries stay mapped; their private copies go.
    let _ = std::fs::remove_dir_all(&private_dir);
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// What to warn of when the server listens beyond this machine and takes every source.
fn exposure_warning(bind: IpAddr, allow: &AllowList) -> Option<String> {
    (!bind.is_loopback() && *allow == AllowList::Everyone).then(|| {
        format!(
            "listening on {bind} with no --allow: any host that can reach this port can control the server; \
             name the clients with --allow ADDR[/PREFIX]"
        )
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// The MIDI inputs `--midi-in` and `--midi-virtual` ask for. Without a MIDI system the log
/// says so once (for the inputs asked for too) and the server runs on; an input that
/// cannot be opened is a warning, as a device may be plugged in and opened later.
fn open_midi(cli: &Cli) -> std::io::Result<MidiService> {
    let mut inputs = MidiInputs::new()?;
    if inputs.has_system() {
        for choice in &cli.midi_in {
            if let Err(e) = inputs.open(&PortChoice::parse(choice)) {
                tracing::warn!("--midi-in {choice}: {e}");
            }
        }
        for name in &cli.midi_virtual {
            if let Err(e) = inputs.open_virtual(name) {
                tracing::warn!("--midi-virtual {name}: {e}");
            }
        }
    } else if !cli.midi_in.is_empty() || !cli.midi_virtual.is_empty() {
        tracing::warn!("--midi-in and --midi-virtual ignored: no MIDI input can be opened");
    }
    Ok(MidiService::new(inputs, std::time::Duration::from_secs_f64(cli.midi_latency)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_beyond_loopback_without_an_allow_list_is_warned_of() {
        let everyone = AllowList::Everyone;
        let lan = AllowList::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert!(exposure_warning(ip("0.0.0.0"), &everyone).is_some_and(|w| w.contains("--allow")));
        assert!(exposure_warning(ip("::"), &everyone).is_some());
        assert!(exposure_warning(ip("192.168.1.5"), &everyone).is_some());
        assert_eq!(exposure_warning(ip("0.0.0.0"), &lan), None);
        assert_eq!(exposure_warning(ip("127.0.0.1"), &everyone), None);
        assert_eq!(exposure_warning(ip("::1"), &everyone), None);
    }
}
