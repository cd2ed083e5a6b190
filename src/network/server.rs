use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use oscine_plugin_api::ResourceArg;
use rosc::{OscPacket, OscType};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;

use super::completions::{Answer, CompletionKey, Outcome, PendingCompletions, Success};
use super::event_wait::EventWait;
use super::midi_service::MidiService;
use super::outgoing::Outgoing;
use super::reply_datagrams::{ReplyPacker, REPLY_DATAGRAM_BUDGET};
use super::report_log::ReportLog;
use super::return_address::{ConnectionId, ReturnAddress};
use super::tcp_connection::{TcpEvent, TcpLimits};
use super::tcp_connections::{SendError, TcpConnections};
use super::udp_receiver::{size_receive_buffer, ReceiveBuffer, UdpReceiver, BATCH};
use super::{AllowList, ClientTable};
use crate::control::{EngineHandle, InstallMode, PluginSource};
use crate::engine::{ClientId, Command, CommandKind, Event, TimedCommand, Timetag};
use crate::loader::{LoadError, LoadStep, LoaderHandle, LoaderReport, LoaderRequest};
use crate::midi::{effect_time, MidiError, GLIDE_STEP, MIDI_CLIENT};
use crate::osc::{
    check_packet, check_structure, expand_command_numbers, parse, read_packet, replies, replies::EventReply,
    CommandList, Dialect, ErrorCode, LiveResources, MessageView, MidiRequest, NetworkStatus, PacketError, PacketView,
    PluginRequest, ReplySize, Request, RequestError, Verb, MAX_PACKET_SIZE,
};

/// How often the network thread looks at what no event announces: whether blocks still
/// come (see [`AUDIO_STALL`]), whether the engine failed or dropped events, a shutdown
/// still to queue or overdue. Events themselves wake it as they come.
const HOUSEKEEPING: Duration = Duration::from_millis(250);

/// How long the engine may go without rendering a block before the server tells clients
/// that audio has stopped (the device's server quit, the device was unplugged).
const AUDIO_STALL: Duration = Duration::from_secs(2);

/// How long a shutdown waits for the engine to confirm every node is freed.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(3);

/// How many buffer commands of scsynth clients may wait for earlier ones to finish.
const MAX_DEFERRED: usize = 4096;

/// How many datagrams one wake of the network thread reads before it turns to events and
/// sends the replies gathered; more waiting are read on the next turn of the loop.
const DATAGRAMS_PER_TURN: usize = 8 * BATCH;

/// How many TCP messages one turn of the loop handles before it turns to events and sends
/// the replies gathered.
const MESSAGES_PER_TURN: usize = 128;

/// How often datagram groups waiting for room in the command queue (a TCP client's) try
/// again; the audio thread takes commands every block.
const PARKED_RETRY: Duration = Duration::from_millis(1);

/// The UDP receive buffer asked for by default: on Linux, where each small datagram takes
/// about 800 bytes of the twice this the kernel grants, a burst of some 10,000.
pub const DEFAULT_UDP_RECEIVE_BUFFER: usize = 4 << 20;

/// How many queries one client may have waiting for their replies, by default.
pub const DEFAULT_MAX_QUERIES_PER_CLIENT: u32 = 256;

/// Where the server listens, and how it answers clients.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The UDP address to bind.
    pub bind: SocketAddr,
    /// The dialect of clients that have not shown theirs, for the verbs both dialects
    /// have (`/status`, `/notify`, `/version`, `/quit`).
    pub dialect: Dialect,
    /// How many scsynth clients may log in (`/notify 1`) at once: their client ids are
    /// `0..max_logins`.
    pub max_logins: i32,
    /// The sources datagrams are taken from (`--allow`); others are ignored and counted.
    pub allow: AllowList,
    /// The UDP receive buffer to ask the kernel for, in bytes (`--udp-receive-buffer`).
    pub udp_receive_buffer: usize,
    /// The TCP port to listen on as well, on the same address (`--tcp-port`; 0 picks a
    /// free one); `None`: UDP only.
    pub tcp_port: Option<u16>,
    /// What TCP connections may hold.
    pub tcp_limits: TcpLimits,
    /// The most queries (tree queries, control and bus reads) one client may have waiting
    /// for their replies (`--max-queries-per-client`); more get error 39.
    pub max_queries_per_client: u32,
}

impl ServerOptions {
    /// Listening on `bind`, Oscine's dialect by default, 32 logins (the most sclang
    /// accepts), every source allowed, a receive buffer of [`DEFAULT_UDP_RECEIVE_BUFFER`],
    /// no TCP.
    pub fn new(bind: SocketAddr) -> ServerOptions {
        ServerOptions {
            bind,
            dialect: Dialect::Oscine,
            max_logins: 32,
            allow: AllowList::Everyone,
            udp_receive_buffer: DEFAULT_UDP_RECEIVE_BUFFER,
            tcp_port: None,
            tcp_limits: TcpLimits::default(),
            max_queries_per_client: DEFAULT_MAX_QUERIES_PER_CLIENT,
        }
    }
}

/// The server's end of the plugin loader thread.
#[derive(Debug)]
pub struct PluginService {
    /// Where load requests go.
    pub loader: LoaderHandle,
    /// What the loader thread reports.
    pub reports: tokio::sync::mpsc::UnboundedReceiver<LoaderReport>,
    /// The plugin path: a library appearing in one of these directories is loaded when
    /// files are watched.
    pub plugin_dirs: Vec<std::path::PathBuf>,
    /// Whether library files are watched (`--watch-plugins`).
    pub watch: bool,
}

/// The OSC server, over UDP and (with `--tcp-port`) TCP: decodes packets, answers queries,
/// sends commands to the engine and turns engine events into replies and notifications.
///
/// Context: NRT (network thread, a single-threaded tokio runtime).
pub struct Server {
    socket: UdpSocket,
    /// Reads the socket in batches, with the kernel's drop count; taken out while its
    /// batch is handled.
    receiver: Option<Box<UdpReceiver>>,
    receive_buffer: ReceiveBuffer,
    /// The kernel's drop count as the datagrams read so far tell it (`None`: not counted
    /// on this system).
    kernel_drops: Option<u64>,
    /// The kernel's drop count when it was last announced, and when that was.
    drops_reported: (u64, Option<Instant>),
    /// The TCP listener and connections, with `--tcp-port`.
    tcp: Option<TcpConnections>,
    /// What the connections read, and when they end.
    tcp_events: Option<mpsc::Receiver<TcpEvent>>,
    /// Connections to close once the replies gathered this turn are queued on them, and
    /// whether for an oversize message.
    closing: Vec<(ConnectionId, bool)>,
    /// Whether accepting failed (out of descriptors, say): then no connection is accepted
    /// until the next housekeeping tick, rather than failing again at once, forever.
    accept_paused: bool,
    /// TCP clients' datagram groups that found the command queue full, in arrival order:
    /// a TCP client's commands wait for room instead of being refused, and its later
    /// groups wait behind them; meanwhile no TCP message is read.
    parked: VecDeque<ParkedGroup>,
    handle: EngineHandle,
    clients: ClientTable,
    outgoing: Vec<(ReturnAddress, Outgoing)>,
    /// Encodes a pass's replies into datagrams.
    packer: ReplyPacker,
    events_dropped_reported: u64,
    /// The engine's count of non-finite output samples when it was last announced, and
    /// when that was.
    nonfinite_reported: (u64, Option<Instant>),
    report_log: ReportLog,
    failure_reported: bool,
    device_lost_reported: bool,
    last_blocks: u64,
    last_progress: Instant,
    stalled: bool,
    quit: Option<(Option<ClientId>, Instant)>,
    signalled: bool,
    stopped: bool,
    resources: LiveResources,
    bundles: u32,
    /// The commands of the datagram (or completion message) being handled, all of one
    /// client's: `batch_client`.
    batch: Vec<TimedCommand>,
    batch_client: Option<ClientId>,
    /// The address of each run of the batch's commands that came in one message, for
    /// the errors that answer them if the batch cannot be queued.
    batch_addrs: Vec<(Cow<'static, str>, ClientId)>,
    /// Completion messages waiting for their command's resource work.
    completions: PendingCompletions,
    /// How many of them the batch being gathered added.
    batch_completions: usize,
    plugins: Option<PluginService>,
    /// The MIDI inputs and mappings, when the server reads MIDI.
    midi: Option<MidiService>,
    /// The dialect of clients that have not shown theirs.
    default_dialect: Dialect,
    max_logins: i32,
    max_queries_per_client: u32,
    /// Buffer commands of scsynth clients held until the client's earlier buffer
    /// commands have finished, so they run in order, as scsynth runs its asynchronous
    /// commands.
    deferred: std::collections::VecDeque<Deferred>,
    /// Whether every message received is logged (scsynth's `/dumpOSC`).
    dump_osc: bool,
    /// An `/error -1` or `/error -2` of the datagram being handled: failures withheld or
    /// sent until its end, whatever the sender's own setting.
    datagram_errors: Option<bool>,
    /// Who may send (`--allow`).
    allow: AllowList,
    /// Datagrams ignored because their source is not allowed, and how many of them the
    /// log has told of.
    refused: RefusedSources,
}

/// The count of datagrams from sources not on `--allow`, which get no reply; the log says
/// how many at most once a second.
#[derive(Default)]
struct RefusedSources {
    count: u64,
    logged: u64,
    logged_at: Option<Instant>,
}

impl RefusedSources {
    fn refuse(&mut self, from: SocketAddr) {
        self.count += 1;
        if self.logged_at.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
            tracing::warn!(
                "ignored {} datagram(s) and connection(s) from sources not on --allow (the last from {from})",
                self.count - self.logged
            );
            self.logged = self.count;
            self.logged_at = Some(Instant::now());
        }
    }
}

/// A TCP client's datagram group waiting for room in the command queue, with the messages
/// to answer should it never get any (the engine stopped: error 51 or 52).
struct ParkedGroup {
    client: ClientId,
    commands: Vec<TimedCommand>,
    addrs: Vec<(Cow<'static, str>, ClientId)>,
}

/// A scsynth client's buffer command, held until its earlier ones have finished.
struct Deferred {
    commands: CommandList,
    completion: Option<Vec<u8>>,
    verb: Verb,
    address: String,
    client: ClientId,
    time: Timetag,
    bundle: u32,
}

impl Server {
    /// Binds the UDP socket.
    pub async fn bind(options: &ServerOptions, handle: EngineHandle) -> std::io::Result<Server> {
        let socket = UdpSocket::bind(options.bind).await?;
        let receive_buffer = size_receive_buffer(&socket, options.udp_receive_buffer);
        log_receive_buffer(&receive_buffer);
        let receiver = Some(Box::new(UdpReceiver::new(&socket)));
        let (tcp, tcp_events) = match options.tcp_port {
            Some(port) => {
                let (tcp, events) =
                    TcpConnections::bind(SocketAddr::new(options.bind.ip(), port), options.tcp_limits).await?;
                (Some(tcp), Some(events))
            }
            None => (None, None),
        };
        Ok(Server {
            tcp,
            tcp_events,
            closing: Vec::new(),
            accept_paused: false,
            parked: VecDeque::new(),
            socket,
            kernel_drops: receiver.as_ref().and_then(|r| r.kernel_drops()),
            receiver,
            receive_buffer,
            drops_reported: (0, None),
            handle,
            clients: ClientTable::new(),
            outgoing: Vec::new(),
            packer: ReplyPacker::new(),
            events_dropped_reported: 0,
            nonfinite_reported: (0, None),
            report_log: ReportLog::new(),
            failure_reported: false,
            device_lost_reported: false,
            last_blocks: 0,
            last_progress: Instant::now(),
            stalled: false,
            quit: None,
            signalled: false,
            stopped: false,
            resources: LiveResources::new(),
            bundles: 0,
            batch: Vec::new(),
            batch_client: None,
            batch_addrs: Vec::new(),
            completions: PendingCompletions::default(),
            batch_completions: 0,
            plugins: None,
            midi: None,
            default_dialect: options.dialect,
            max_logins: options.max_logins,
            max_queries_per_client: options.max_queries_per_client,
            deferred: std::collections::VecDeque::new(),
            dump_osc: false,
            datagram_errors: None,
            allow: options.allow.clone(),
            refused: RefusedSources::default(),
        })
    }

    /// Serves `/plugin/*` through this loader thread.
    pub fn with_plugins(mut self, plugins: PluginService) -> Self {
        self.plugins = Some(plugins);
        self
    }

    /// Reads MIDI from these inputs, and serves `/midi/*`.
    pub fn with_midi(mut self, midi: MidiService) -> Self {
        self.midi = Some(midi);
        self
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The TCP address listened on, with `--tcp-port`.
    pub fn tcp_local_addr(&self) -> Option<std::io::Result<SocketAddr>> {
        self.tcp.as_ref().map(TcpConnections::local_addr)
    }

    /// Serves until `/quit` or `shutdown` resolves, then frees every node and returns the
    /// engine handle. The caller then stops the driver and joins the workers.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> EngineHandle {
        let mut events = EventWait::new(self.handle.event_signal());
        let mut midi_events = self.midi.as_ref().map(|m| EventWait::new(m.inputs.signal()));
        // A glide's steps keep their pace however often other wakes come.
        let mut glide_steps = tokio::time::interval(Duration::from_secs_f64(GLIDE_STEP));
        glide_steps.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut tick = tokio::time::interval(HOUSEKEEPING);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                readable = self.socket.readable() => match readable {
                    Ok(()) => self.read_datagrams(),
                    Err(e) => tracing::debug!("udp socket not readable: {e}"),
                },
                () = events.wait() => self.pump_events(),
                () = next_midi(&mut midi_events) => self.on_midi(),
                _ = glide_steps.tick(), if self.gliding() => self.step_glides(),
                accepted = accept(&self.tcp), if !self.accept_paused => self.on_connection(accepted),
                Some(event) = next_tcp_event(&mut self.tcp_events), if self.parked.is_empty() => {
                    self.on_tcp_events(event)
                }
                () = tokio::time::sleep(PARKED_RETRY), if !self.parked.is_empty() => {}
                Some(report) = next_report(&mut self.plugins) => self.on_loader_report(report),
                _ = tick.tick() => {
                    self.accept_paused = false;
                    self.pump_events();
                    if self.signalled && self.quit.is_none() {
                        // The queue was full when the signal came; try again.
                        self.begin_quit(None);
                    }
                }
                _ = &mut shutdown, if !self.signalled => {
                    tracing::info!("shutting down");
                    self.signalled = true;
                    if self.quit.is_none() {
                        self.begin_quit(None);
                    }
                }
            }
            self.send_parked();
            self.flush().await;
            self.close_connections();
            if self.stopped {
                break;
            }
            if let Some((_, since)) = self.quit {
                if since.elapsed() > SHUTDOWN_TIMEOUT {
                    tracing::error!("the engine did not confirm shutdown within {SHUTDOWN_TIMEOUT:?}; stopping anyway");
                    break;
                }
            }
        }
        if let Some((Some(client), _)) = self.quit {
            let reply = match self.dialect(client) {
                Dialect::Oscine => replies::ack("/quit", 0),
                Dialect::Scsynth => replies::done("/quit", Vec::new()),
            };
            self.reply(client, reply);
        }
        if self.stalled {
            // Tell whoever stops the driver that it may never finish stopping.
            self.handle.status_counters().set_device_lost();
        }
        self.flush().await;
        if let Some(tcp) = self.tcp.take() {
            tcp.finish().await;
        }
        self.handle
    }

    /// Handles the datagrams waiting, a batch per system call, up to
    /// [`DATAGRAMS_PER_TURN`].
    fn read_datagrams(&mut self) {
        let Some(mut receiver) = self.receiver.take() else { return };
        let mut read = 0;
        while read < DATAGRAMS_PER_TURN {
            match receiver.receive(&self.socket) {
                Ok(n) => {
                    self.kernel_drops = receiver.kernel_drops();
                    for k in 0..n {
                        let (bytes, from) = receiver.datagram(k);
                        self.receive_datagram(bytes, from);
                    }
                    read += n;
                    if n < BATCH {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    // An ICMP error for an earlier reply, or the like: the next read goes on.
                    tracing::debug!("udp receive failed: {e}");
                    break;
                }
            }
        }
        self.receiver = Some(receiver);
        self.announce_kernel_drops();
    }

    /// Handles one datagram read from `from`: ignored and counted unless `--allow` lets
    /// its source in. What the socket loop does with each datagram, and all that a
    /// [`ManualServer`](super::ManualServer) does with one.
    pub(super) fn receive_datagram(&mut self, bytes: &[u8], from: SocketAddr) {
        if self.allow.allows(from.ip()) {
            self.on_datagram(bytes, from);
        } else {
            self.refused.refuse(from);
        }
    }

    /// The engine handle the server sends its commands through.
    pub(super) fn handle(&self) -> &EngineHandle {
        &self.handle
    }

    /// The replies and notifications gathered since the last flush, taken instead of sent,
    /// each with the address it goes to (its connection's peer, for a TCP client).
    pub(super) fn take_outgoing(&mut self) -> Vec<(SocketAddr, OscPacket)> {
        let outgoing = std::mem::take(&mut self.outgoing).into_iter();
        outgoing
            .map(|(to, packet)| {
                (
                    match to {
                        ReturnAddress::Udp(a) | ReturnAddress::Tcp(_, a) => a,
                    },
                    packet.into_packet(),
                )
            })
            .collect()
    }

    /// Tells notified clients of datagrams the kernel dropped, with the count since the
    /// last notice, at most once a second.
    fn announce_kernel_drops(&mut self) {
        let Some(drops) = self.kernel_drops else { return };
        let (announced, at) = self.drops_reported;
        if drops <= announced || at.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return;
        }
        self.drops_reported = (drops, Some(Instant::now()));
        let text = format!(
            "{} datagrams to the server were dropped: its UDP receive buffer ({} bytes) was full",
            drops - announced,
            self.receive_buffer.granted.unwrap_or(self.receive_buffer.asked)
        );
        tracing::warn!("{text}");
        self.notify_scsynth(replies::fail("", &text, Vec::new()));
        self.notify_all(replies::error("", &RequestError::new(ErrorCode::DatagramsDropped, text)));
    }

    /// Sends what this pass gathered: to a UDP client of Oscine's dialect, its replies and
    /// notifications coalesced into as few datagrams as fit ([`ReplyPacker`]), in order;
    /// to one of scsynth's, one message a datagram, as scsynth sends them (supriya reads
    /// no bundle); to a TCP client, one message each, on its connection.
    async fn flush(&mut self) {
        let outgoing = std::mem::take(&mut self.outgoing);
        for (to, packet) in &outgoing {
            if let ReturnAddress::Tcp(conn, _) = *to {
                let Some(tcp) = self.tcp.as_mut() else { continue };
                let mut bytes = Vec::new();
                packet.encode_into(&mut bytes);
                if let Err(SendError::Disconnected(client)) = tcp.send(conn, &bytes) {
                    self.clients.forget(client);
                }
            }
        }
        for (addr, bytes) in self.udp_datagrams(&outgoing) {
            if let Err(e) = self.socket.send_to(&bytes, addr).await {
                tracing::debug!("cannot send to {addr}: {e}");
            }
        }
    }

    /// The datagrams that carry the UDP replies among `outgoing`, in order for each
    /// destination: an Oscine client's packed into bundles, a scsynth client's one a
    /// datagram.
    pub(super) fn udp_datagrams(&mut self, outgoing: &[(ReturnAddress, Outgoing)]) -> Vec<(SocketAddr, Vec<u8>)> {
        let mut by_destination: Vec<(SocketAddr, Vec<&Outgoing>)> = Vec::new();
        let mut places: HashMap<SocketAddr, usize> = HashMap::new();
        let mut last: Option<(SocketAddr, usize)> = None;
        for (to, packet) in outgoing {
            if let ReturnAddress::Udp(addr) = *to {
                // Replies come in runs for one client: a run looks its place up once.
                let place = match last {
                    Some((a, place)) if a == addr => place,
                    _ => *places.entry(addr).or_insert_with(|| {
                        by_destination.push((addr, Vec::new()));
                        by_destination.len() - 1
                    }),
                };
                last = Some((addr, place));
                by_destination[place].1.push(packet);
            }
        }
        let mut datagrams = Vec::new();
        for (addr, packets) in by_destination {
            let client = self.clients.at(ReturnAddress::Udp(addr));
            let budget = match client.map_or(self.default_dialect, |c| self.dialect(c)) {
                Dialect::Oscine => REPLY_DATAGRAM_BUDGET,
                Dialect::Scsynth => 0,
            };
            self.packer.pack(packets, budget, |bytes| datagrams.push((addr, bytes.to_vec())));
        }
        datagrams
    }

    /// Takes what waits to be sent as the UDP datagrams [`flush`](Self::flush) would send.
    pub(super) fn take_udp_datagrams(&mut self) -> Vec<(SocketAddr, Vec<u8>)> {
        let outgoing = std::mem::take(&mut self.outgoing);
        self.udp_datagrams(&outgoing)
    }

    fn reply(&mut self, client: ClientId, packet: OscPacket) {
        if let Some(to) = self.clients.return_address(client) {
            self.outgoing.push((to, packet.into()));
        }
    }

    /// Sends to `client` and to every notified client, once each.
    fn reply_and_notify(&mut self, client: ClientId, packet: OscPacket) {
        let sender = self.clients.return_address(client);
        let mut targets: Vec<ReturnAddress> = self.clients.notified().filter(|a| Some(*a) != sender).collect();
        targets.extend(sender);
        for addr in targets {
            self.outgoing.push((addr, Outgoing::Packet(packet.clone())));
        }
    }

    /// Sends an Oscine notification to every notified client that speaks Oscine's
    /// dialect.
    fn notify_all(&mut self, packet: OscPacket) {
        let targets: Vec<ReturnAddress> =
            self.clients.notified_speaking(Dialect::Oscine, self.default_dialect).collect();
        for addr in targets {
            self.outgoing.push((addr, Outgoing::Packet(packet.clone())));
        }
    }

    /// Sends a scsynth notification (`/n_go`, `/n_end`, ...) to every notified client that
    /// speaks scsynth's dialect.
    fn notify_scsynth(&mut self, packet: OscPacket) {
        let targets: Vec<ReturnAddress> =
            self.clients.notified_speaking(Dialect::Scsynth, self.default_dialect).collect();
        for addr in targets {
            self.outgoing.push((addr, Outgoing::Packet(packet.clone())));
        }
    }

    /// Sends a notification both dialects have (`/tr`) to every notified client.
    fn notify_everyone(&mut self, packet: OscPacket) {
        let targets: Vec<ReturnAddress> = self.clients.notified().collect();
        for addr in targets {
            self.outgoing.push((addr, Outgoing::Packet(packet.clone())));
        }
    }

    /// The network thread's own counters, for `/status/reply`.
    fn network_status(&self) -> NetworkStatus {
        let tcp = self.tcp.as_ref().map(TcpConnections::counts).unwrap_or_default();
        NetworkStatus {
            notified_clients: self.clients.notified().count(),
            audio_stalled: self.stalled,
            refused_sources: self.refused.count,
            udp_receive_buffer: self.receive_buffer.granted,
            udp_datagrams_dropped: self.kernel_drops,
            tcp_connections: tcp.open,
            tcp_refused: tcp.refused,
            tcp_oversize: tcp.oversize,
            tcp_slow: tcp.slow,
            tcp_waits: tcp.waits,
            midi_inputs: self.midi.as_ref().map_or(0, |m| m.inputs.open_inputs().count()),
            midi_latency: self.midi.as_ref().map_or(Duration::ZERO, |m| m.latency),
            midi_bytes_dropped: self.midi.as_ref().map_or(0, |m| m.inputs.dropped()),
            midi_bytes_not_understood: self.midi.as_ref().map_or(0, |m| m.inputs.not_understood()),
            midi_late: self.midi.as_ref().map_or(0, |m| m.late),
        }
    }

    /// The dialect `client` is answered in.
    fn dialect(&self, client: ClientId) -> Dialect {
        self.clients.dialect(client).unwrap_or(self.default_dialect)
    }

    /// Answers a failure: `/error` in Oscine's dialect, `/fail` (naming scsynth's verb) in
    /// scsynth's.
    fn reply_error(&mut self, client: ClientId, addr: &str, error: RequestError) {
        tracing::warn!(client = ?self.clients.return_address(client), "{addr}: error {}: {}", error.code, error.message);
        if !self.datagram_errors.unwrap_or_else(|| self.clients.errors_on(client)) {
            // The client asked not to hear of failures (`/error 0`); the log has it.
            return;
        }
        let packet = match self.dialect(client) {
            Dialect::Oscine => replies::error(addr, &error),
            Dialect::Scsynth => replies::fail(scsynth_address(addr), &error.message, Vec::new()),
        };
        self.reply(client, packet);
    }

    /// Sends a reply too large for one datagram in its parts, after a notice saying so:
    /// `/error` with the notice's code in Oscine's dialect, `/fail` with `args` in
    /// scsynth's (withheld, as failures are, after `/error 0`).
    fn reply_in_parts(
        &mut self,
        client: ClientId,
        address: &str,
        notice: RequestError,
        args: Vec<OscType>,
        parts: Vec<OscPacket>,
    ) {
        // Some clients pass a `/fail` over in silence (sclang's `Server`): the log says it too.
        tracing::warn!(client = ?self.clients.return_address(client), "{address}: {}", notice.message);
        if self.datagram_errors.unwrap_or_else(|| self.clients.errors_on(client)) {
            let packet = match self.dialect(client) {
                Dialect::Oscine => replies::error(address, &notice),
                Dialect::Scsynth => replies::fail(address, &notice.message, args),
            };
            self.reply(client, packet);
        }
        for part in parts {
            self.reply(client, part);
        }
    }

    fn on_datagram(&mut self, bytes: &[u8], from: SocketAddr) {
        let client = self.clients.datagram_from(from);
        if bytes.len() > MAX_PACKET_SIZE {
            return self.reply_error(client, "", packet_error(PacketError::TooLarge));
        }
        // `on_received` checks the rest of the framing, as it does for a TCP message.
        self.on_received(bytes, client);
    }

    /// Handles one packet a client sent: a datagram's, or a TCP message's, its size
    /// checked already.
    fn on_received(&mut self, bytes: &[u8], client: ClientId) {
        self.datagram_errors = None;
        let checked = check_structure(bytes).and_then(|()| expand_command_numbers(bytes));
        let bytes = match checked {
            Ok(bytes) => bytes,
            Err(e) => return self.reply_error(client, "", packet_error(e)),
        };
        if matches!(bytes, std::borrow::Cow::Owned(_)) {
            // Only scsynth's clients address commands by number.
            self.clients.set_dialect(client, Dialect::Scsynth);
        }
        match read_packet(&bytes) {
            Ok(packet) => {
                self.on_packet(packet, client, Timetag::IMMEDIATE, 0);
                self.send_batch();
            }
            Err(e) => self.reply_error(
                client,
                "",
                RequestError::new(ErrorCode::MalformedPacket, format!("cannot decode: {e}")),
            ),
        }
    }

    /// Handles a packet whose commands take effect at `time` (from its enclosing bundle),
    /// in bundle `bundle` (0 for a bare message).
    fn on_packet(&mut self, packet: PacketView<'_>, client: ClientId, time: Timetag, bundle: u32) {
        match packet {
            PacketView::Message(msg) => self.on_message(&msg, client, time, bundle),
            // Elements go in order, each with the bundle's time; nesting depth was bounded
            // by `check_packet`.
            PacketView::Bundle(b) => {
                let tag = b.timetag;
                // OSC: an enclosed bundle's time is not before its enclosing bundle's; an
                // "immediately" inside a timed bundle means the enclosing time.
                if !tag.is_immediate() && !time.is_immediate() && tag < time {
                    let error = RequestError::new(
                        ErrorCode::TimetagOrder,
                        "an enclosed bundle's timetag is earlier than its enclosing bundle's",
                    );
                    return self.reply_error(client, "#bundle", error);
                }
                let time = if tag.is_immediate() { time } else { tag };
                let bundle = if bundle == 0 { self.next_bundle() } else { bundle };
                for element in b.elements() {
                    self.on_packet(element, client, time, bundle);
                }
            }
        }
    }

    /// Queues the commands of the datagram just handled, all or none. A TCP client's that
    /// do not fit wait for room (see [`ParkedGroup`]), unless they never could.
    fn send_batch(&mut self) {
        let completions = std::mem::take(&mut self.batch_completions);
        let Some(client) = self.batch_client.take() else { return };
        if self.batch.is_empty() {
            return;
        }
        let is_sync = |c: &TimedCommand| matches!(c.command, Command::Sync { .. });
        let syncs = self.batch.iter().filter(|c| is_sync(c)).count() as u32;
        let uncovered_after = self.batch.last().is_some_and(|c| !is_sync(c));
        let n = self.batch.len();
        let tcp = matches!(self.clients.return_address(client), Some(ReturnAddress::Tcp(..)));
        let waits = self.parked.iter().any(|p| p.client == client) || n > self.handle.command_room();
        if tcp && waits && n <= self.handle.options().command_queue_capacity {
            let addrs = std::mem::take(&mut self.batch_addrs);
            let commands = std::mem::take(&mut self.batch);
            self.parked.push_back(ParkedGroup { client, commands, addrs });
            if let Some(watch) = self.clients.sync_watch(client) {
                watch.sent(syncs, uncovered_after);
            }
            if let Some(tcp) = self.tcp.as_mut() {
                tcp.count_wait();
            }
            return;
        }
        let quits = self.batch.iter().any(|c| matches!(c.command, Command::Shutdown { .. }));
        if let Err(full) = self.handle.send_group(&mut self.batch) {
            self.completions.forget_newest(completions);
            if quits {
                // The shutdown never reached the engine: the server keeps serving.
                self.quit = None;
            }
            for (addr, client) in std::mem::take(&mut self.batch_addrs) {
                self.reply_error(client, &addr, RequestError::new(ErrorCode::QueueFull, full.to_string()));
            }
        } else if let Some(watch) = self.clients.sync_watch(client) {
            watch.sent(syncs, uncovered_after);
        }
        self.batch_addrs.clear();
    }

    /// Queues the parked groups that now fit, in order; answers them all (error 51 or 52)
    /// if the engine takes no more commands.
    fn send_parked(&mut self) {
        if let Some(error) = self.audio_stopped() {
            for group in std::mem::take(&mut self.parked) {
                for (addr, client) in group.addrs {
                    self.reply_error(client, &addr, error.clone());
                }
            }
            return;
        }
        while self.parked.front().is_some_and(|g| g.commands.len() <= self.handle.command_room()) {
            let Some(group) = self.parked.pop_front() else { break };
            let mut commands = group.commands;
            if let Err(full) = self.handle.send_group(&mut commands) {
                // The room was there: only a bug gets here. The client still hears of it.
                for (addr, client) in group.addrs {
                    self.reply_error(client, &addr, RequestError::new(ErrorCode::QueueFull, full.to_string()));
                }
            }
        }
    }

    /// A client opened a TCP connection: refused (and counted) if its address is not
    /// allowed or every connection is taken, else a client from now on.
    fn on_connection(&mut self, accepted: std::io::Result<(TcpStream, SocketAddr)>) {
        let (stream, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors, or the like: the connection waits in the backlog.
                tracing::warn!("cannot accept a tcp connection: {e}");
                self.accept_paused = true;
                return;
            }
        };
        if !self.allow.allows(addr.ip()) {
            return self.refused.refuse(addr);
        }
        let default_dialect = self.default_dialect;
        let Some(tcp) = self.tcp.as_mut() else { return };
        if !tcp.has_room() {
            tcp.count_refused();
            let max = tcp.limits().max_connections;
            let text = format!("{max} tcp connections are open already (--tcp-max-connections)");
            tracing::warn!("tcp {addr}: refused: {text}");
            let error = RequestError::new(ErrorCode::TooManyConnections, text);
            let packet = match default_dialect {
                Dialect::Oscine => replies::error("", &error),
                Dialect::Scsynth => replies::fail("", &error.message, Vec::new()),
            };
            // A new connection's send buffer is empty: the refusal fits it.
            if let Ok(bytes) = rosc::encoder::encode_tcp(&packet) {
                let _ = stream.try_write(&bytes);
            }
            return;
        }
        let conn = tcp.next_id();
        let client = self.clients.connected(ReturnAddress::Tcp(conn, addr));
        tcp.open(stream, conn, addr, client);
        tracing::debug!("tcp {addr}: connected");
    }

    /// Handles what the TCP connections read, up to [`MESSAGES_PER_TURN`] messages, then
    /// the events the audio thread pushed meanwhile.
    fn on_tcp_events(&mut self, first: TcpEvent) {
        let mut next = Some(first);
        let mut handled = 0;
        while let Some(event) = next.take() {
            match event {
                TcpEvent::Message(conn, bytes) => {
                    let client = self.tcp.as_ref().and_then(|tcp| tcp.client(conn));
                    if let Some(client) = client {
                        self.on_received(&bytes, client);
                    }
                }
                TcpEvent::Oversize(conn, size) => {
                    let Some(tcp) = self.tcp.as_ref() else { continue };
                    let Some(client) = tcp.client(conn) else { continue };
                    let max = tcp.limits().max_message;
                    let text = format!(
                        "a message of {size} bytes is larger than {max} (--tcp-max-message); closing the connection"
                    );
                    self.datagram_errors = None;
                    self.reply_error(client, "", RequestError::new(ErrorCode::PacketTooLarge, text));
                    self.closing.push((conn, true));
                }
                TcpEvent::Closed(conn) => self.closing.push((conn, false)),
            }
            handled += 1;
            if handled < MESSAGES_PER_TURN && self.parked.is_empty() {
                next = self.tcp_events.as_mut().and_then(|events| events.try_recv().ok());
            }
        }
        self.pump_events();
    }

    /// Closes the connections that asked for it this turn, once their replies are queued,
    /// and forgets their clients.
    fn close_connections(&mut self) {
        let Some(tcp) = self.tcp.as_mut() else { return };
        for (conn, oversize) in self.closing.drain(..) {
            if let Some(client) = tcp.close(conn, oversize) {
                tracing::debug!("tcp connection {}: closed", conn.0);
                self.clients.forget(client);
            }
        }
    }

    fn next_bundle(&mut self) -> u32 {
        self.bundles = self.bundles.wrapping_add(1).max(1);
        self.bundles
    }

    fn on_message(&mut self, msg: &MessageView<'_>, client: ClientId, time: Timetag, bundle: u32) {
        if self.dump_osc {
            tracing::info!(client = ?self.clients.return_address(client), "received {} {:?}", msg.addr, msg.args);
        } else {
            tracing::debug!(client = ?self.clients.return_address(client), "{} {:?}", msg.addr, msg.args);
        }
        let verb = Verb::from_address(msg.addr);
        if let Some(dialect) = verb.and_then(Verb::dialect) {
            self.clients.set_dialect(client, dialect);
        }
        if verb.is_some_and(|v| v.reply_size() == ReplySize::Large) && !self.clients.is_known(client) {
            // The source may be forged: no reflection larger than what was sent.
            let error = RequestError::new(ErrorCode::FirstContact, "first datagram from this address; resend");
            return self.reply_error(client, msg.addr, error);
        }
        let mut request = match parse(msg, &self.handle, client, &self.resources) {
            Ok(r) => r,
            Err(e) => return self.reply_error(client, msg.addr, e),
        };
        if let Request::Commands(commands) = &request {
            if let [Command::Sync { token, .. }] = commands[..] {
                if time.is_immediate() && self.sync_waits_for_nothing(client) {
                    return self.reply(client, replies::message("/synced", vec![OscType::Int(token)]));
                }
            }
        }
        if let Request::Commands(commands) | Request::CommandsThen(commands, _) = &mut request {
            if let Err(e) = self.take_query_permits(client, commands) {
                return self.reply_error(client, msg.addr, e);
            }
        }
        match request {
            Request::Commands(commands) => self.queue_awaited(commands, None, verb, msg, client, time, bundle),
            Request::CommandsThen(commands, bytes) => {
                self.queue_awaited(commands, Some(bytes), verb, msg, client, time, bundle)
            }
            Request::DumpOsc(mode) => {
                self.dump_osc = mode != 0;
                tracing::info!("logging every message received: {}", if self.dump_osc { "on" } else { "off" });
            }
            Request::ErrorMode(mode) => match mode {
                0 | 1 => self.clients.set_errors(client, mode == 1),
                -1 | -2 => self.datagram_errors = Some(mode == -2),
                other => self.reply_error(
                    client,
                    msg.addr,
                    RequestError::new(
                        ErrorCode::ArgumentValue,
                        format!("error mode {other} is not one of 1, 0, -1, -2"),
                    ),
                ),
            },
            Request::Status => {
                let snapshot = self.handle.status();
                let status = match self.dialect(client) {
                    Dialect::Oscine => replies::status(&snapshot, &self.network_status()),
                    Dialect::Scsynth => replies::status_scsynth(&snapshot, self.handle.registry().entries().len()),
                };
                self.reply(client, status);
            }
            Request::Version if self.dialect(client) == Dialect::Scsynth => {
                self.reply(client, replies::version_scsynth())
            }
            Request::Version => self.reply(
                client,
                replies::message(
                    "/version/reply",
                    vec![OscType::String("oscine".into()), OscType::String(env!("CARGO_PKG_VERSION").into())],
                ),
            ),
            Request::SynthDefs => {
                let names =
                    self.handle.registry().entries().iter().map(|e| OscType::String(e.name().to_owned())).collect();
                self.reply(client, replies::message("/synthdef/list", names));
            }
            Request::ResourceDefs => {
                let mut args = Vec::new();
                for def in self.handle.registry().resource_defs() {
                    args.push(OscType::String(def.name.to_string()));
                    let ops: Vec<&str> = def.operations.iter().map(|op| &*op.name).collect();
                    args.push(OscType::String(ops.join(",")));
                }
                self.reply(client, replies::message("/resource/list", args));
            }
            Request::Plugin(request) => self.on_plugin_request(client, msg.addr, request),
            Request::Midi(request) => self.on_midi_request(client, msg.addr, request),
            Request::GraphDefs(request, completion) => match self.handle.apply_graph_defs(&request) {
                Ok(names) => {
                    tracing::debug!("{}: installed {}", msg.addr, names.join(", "));
                    self.reply(client, replies::message("/done", vec![OscType::String(msg.addr.to_owned())]));
                    if let Some(bytes) = completion {
                        self.on_completion(&bytes, client, time, bundle);
                    }
                }
                Err(e) => {
                    self.reply_error(client, msg.addr, RequestError::new(ErrorCode::SynthDefRefused, e.to_string()))
                }
            },
            Request::Acks(on) => {
                self.clients.set_acks(client, on);
                self.reply(client, replies::ack("/acks", on as i32));
            }
            Request::Notify(on, login) => {
                if login.is_some() {
                    // Only scsynth's form names a client id.
                    self.clients.set_dialect(client, Dialect::Scsynth);
                }
                match self.dialect(client) {
                    Dialect::Oscine => {
                        self.clients.set_notify(client, on);
                        self.reply(client, replies::ack("/notify", on as i32));
                    }
                    Dialect::Scsynth => self.log_in_or_out(client, on, login),
                }
            }
            Request::Quit => {
                if self.quit.is_none() {
                    tracing::info!("quit requested by {:?}", self.clients.return_address(client));
                    // Queued with the rest of its datagram, after the commands before it, and
                    // never scheduled: the server stops taking commands from now on.
                    let command = Command::Shutdown { client: Some(client) };
                    let time = Timetag::IMMEDIATE;
                    self.push_batch(client, [TimedCommand { command, time, bundle, last_of_group: false }]);
                    self.batch_addrs.push((Cow::Owned(msg.addr.to_owned()), client));
                    self.quit = Some((Some(client), Instant::now()));
                } else {
                    self.reply_error(
                        client,
                        "/quit",
                        RequestError::new(ErrorCode::ShuttingDown, "already shutting down"),
                    );
                }
            }
        }
    }

    /// Whether a `/sync` of `client` received now would wait for nothing: the audio
    /// thread has taken every command queued (whoever sent it) and finished the block it
    /// took the last one in, every command the client sent has come back through a
    /// `/sync` already answered, nothing of it is held back here, and the engine is
    /// running and has rendered a block (else the engine's answer, or the error saying
    /// why none comes, is the one to give).
    fn sync_waits_for_nothing(&mut self, client: ClientId) -> bool {
        let status = self.handle.status();
        self.handle.commands_settled()
            && self.quit.is_none()
            && status.blocks > 0
            && stopped_audio(status.failed, status.device_lost, self.stalled).is_none()
            && self.clients.sync_watch(client).is_some_and(|w| w.quiet())
            && !self.deferred.iter().any(|d| d.client == client)
            && !self.parked.iter().any(|p| p.client == client)
            && !self.completions.waits_for(client)
    }

    /// Queues `commands`, waiting for the outcome of a resource command among them when
    /// there is a completion message to handle after it, or a scsynth client to answer.
    /// Gives each query among `commands` one of `client`'s permits, or none if the client
    /// would have more than its limit in flight: a query's reply storage is allocated
    /// here and lives until its reply is sent, so the limit bounds what one client can
    /// make the server hold (timed queries wait in the scheduler with their storage).
    fn take_query_permits(&mut self, client: ClientId, commands: &mut [Command]) -> Result<(), RequestError> {
        let queries = commands.iter_mut().filter_map(Command::query_permit_mut).count();
        if queries == 0 {
            return Ok(());
        }
        let limit = self.max_queries_per_client;
        let Some(count) = self.clients.queries(client) else { return Ok(()) };
        let Some(mut permits) = count.take(queries, limit) else {
            let text = format!("{} queries of this client wait for their replies; at most {limit}", count.in_flight());
            return Err(RequestError::new(ErrorCode::QueryCapacity, text));
        };
        for slot in commands.iter_mut().filter_map(Command::query_permit_mut) {
            *slot = permits.pop();
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn queue_awaited(
        &mut self,
        commands: CommandList,
        completion: Option<Vec<u8>>,
        verb: Option<Verb>,
        msg: &MessageView<'_>,
        client: ClientId,
        time: Timetag,
        bundle: u32,
    ) {
        // A `/sync` waits behind held buffer commands too, so it answers after their work.
        if let Some(verb) = verb.filter(|v| v.address().starts_with("/b_") || *v == Verb::Sync) {
            let holding = self.deferred.iter().any(|d| d.client == client);
            let waiting = verb != Verb::Sync && self.completions.waits_for(client);
            if self.dialect(client) == Dialect::Scsynth && (holding || waiting) {
                if self.deferred.len() >= MAX_DEFERRED {
                    let e = RequestError::new(
                        ErrorCode::QueueFull,
                        format!("{MAX_DEFERRED} buffer commands already wait for earlier ones to finish"),
                    );
                    return self.reply_error(client, msg.addr, e);
                }
                let address = msg.addr.to_owned();
                tracing::debug!("{address} waits for the earlier buffer commands of its client");
                self.deferred.push_back(Deferred { commands, completion, verb, address, client, time, bundle });
                return;
            }
        }
        self.queue_now(commands, completion, verb, msg.addr, client, time, bundle);
    }

    /// [`queue_awaited`](Self::queue_awaited) once nothing holds the commands back.
    #[allow(clippy::too_many_arguments)]
    fn queue_now(
        &mut self,
        commands: CommandList,
        completion: Option<Vec<u8>>,
        verb: Option<Verb>,
        address: &str,
        client: ClientId,
        time: Timetag,
        bundle: u32,
    ) {
        let answer = match (self.dialect(client), verb) {
            (Dialect::Scsynth, Some(verb)) if verb.address().starts_with("/b_") => {
                let success = match verb {
                    Verb::BSet | Verb::BSetn | Verb::BFill => Success::Nothing,
                    Verb::BQuery => Success::BufferInfo,
                    Verb::BGet => Success::BufferSet,
                    Verb::BGetn => Success::BufferSetn,
                    _ => Success::Done,
                };
                Some(Answer { address: verb.address(), success })
            }
            _ => None,
        };
        if completion.is_none() && answer.is_none() {
            // Nothing waits for these commands' outcome: the usual case.
            self.queue_commands(commands, verb, address, client, time, bundle);
            return;
        }
        let keys: Vec<Option<CompletionKey>> = commands.iter().map(CompletionKey::of).collect();
        if !self.queue_commands(commands, verb, address, client, time, bundle) {
            return;
        }
        // Each resource command is answered; the completion message follows the last.
        let last = keys.len().saturating_sub(1);
        let mut completion = completion;
        for (k, key) in keys.into_iter().enumerate() {
            let bytes = if k == last { completion.take() } else { None };
            match key {
                Some(key) if bytes.is_some() || answer.is_some() => {
                    self.completions.wait(key, bytes, answer, time, bundle);
                    self.batch_completions += 1;
                }
                _ => {
                    if let Some(bytes) = bytes {
                        self.on_completion(&bytes, client, time, bundle);
                    }
                }
            }
        }
    }

    /// scsynth's `/notify`: logs `client` in (with the client id it asks for when free) or
    /// out, answering `/done /notify id max-logins` or `/fail`.
    fn log_in_or_out(&mut self, client: ClientId, on: bool, login: Option<i32>) {
        if on {
            match self.clients.log_in(client, login, self.max_logins) {
                Some(id) => {
                    self.clients.set_notify(client, true);
                    self.reply(client, replies::done("/notify", vec![OscType::Int(id), OscType::Int(self.max_logins)]));
                }
                None => {
                    let text = format!("too many users ({} logged in)", self.max_logins);
                    self.reply(client, replies::fail("/notify", &text, Vec::new()));
                }
            }
        } else {
            self.clients.set_notify(client, false);
            match self.clients.log_out(client) {
                Some(id) => self.reply(client, replies::done("/notify", vec![OscType::Int(id)])),
                None => self.reply(client, replies::fail("/notify", "not registered", Vec::new())),
            }
        }
    }

    /// Adds `commands` to the batch; false, with an error to the client, if the server
    /// takes no more commands.
    fn queue_commands(
        &mut self,
        commands: CommandList,
        verb: Option<Verb>,
        addr: &str,
        client: ClientId,
        time: Timetag,
        bundle: u32,
    ) -> bool {
        if commands.is_empty() {
            return true;
        }
        if self.quit.is_some() {
            let error = RequestError::new(ErrorCode::ShuttingDown, "the server is shutting down");
            self.reply_error(client, addr, error);
            return false;
        }
        if let Some(error) = self.audio_stopped() {
            // Nothing will ever apply a queued command: answer now.
            self.reply_error(client, addr, error);
            return false;
        }
        if let Some(watch) = self.clients.sync_watch(client) {
            for _ in commands.iter() {
                watch.queued();
            }
        }
        if self.batch_addrs.last().is_none_or(|(a, c)| a != addr || *c != client) {
            let addr = match verb.map(Verb::address) {
                Some(known) if known == addr => Cow::Borrowed(known),
                _ => Cow::Owned(addr.to_owned()),
            };
            self.batch_addrs.push((addr, client));
        }
        let timed = |command| TimedCommand { command, time, bundle, last_of_group: false };
        match commands {
            CommandList::One(command) => self.push_batch(client, std::iter::once(timed(command))),
            CommandList::Many(commands) => self.push_batch(client, commands.into_iter().map(timed)),
        }
        true
    }

    /// Adds `commands` of `client` to the batch.
    fn push_batch(&mut self, client: ClientId, commands: impl IntoIterator<Item = TimedCommand>) {
        debug_assert!(self.batch_client.is_none_or(|c| c == client), "a batch holds one client's commands");
        self.batch_client = Some(client);
        self.batch.extend(commands);
    }

    /// Why no command queued now would ever be applied, if the engine has failed or the
    /// audio has stopped.
    fn audio_stopped(&self) -> Option<RequestError> {
        let status = self.handle.status_counters();
        stopped_audio(status.is_failed(), status.is_device_lost(), self.stalled)
    }

    /// Handles a command's completion message (an OSC packet's bytes) as if it came next
    /// from the same client.
    fn on_completion(&mut self, bytes: &[u8], client: ClientId, time: Timetag, bundle: u32) {
        let bytes = match check_packet(bytes).and_then(|()| expand_command_numbers(bytes)) {
            Ok(bytes) => bytes,
            Err(e) => {
                let e = packet_error(e);
                return self.reply_error(
                    client,
                    "",
                    RequestError::new(e.code, format!("completion message: {}", e.message)),
                );
            }
        };
        match read_packet(&bytes) {
            Ok(packet) => self.on_packet(packet, client, time, bundle),
            Err(e) => self.reply_error(
                client,
                "",
                RequestError::new(ErrorCode::MalformedPacket, format!("completion message: cannot decode it: {e}")),
            ),
        }
    }

    fn on_plugin_request(&mut self, client: ClientId, addr: &str, request: PluginRequest) {
        let load = match request {
            PluginRequest::List => return self.reply(client, replies::plugin_list(self.handle.registry())),
            PluginRequest::Load(path) => {
                LoaderRequest::Load { file: path.into(), replacing: None, requester: Some(client) }
            }
            PluginRequest::Reload(name) => match self.handle.registry().plugin(&name).map(|p| p.source().clone()) {
                None => {
                    let error =
                        RequestError::new(ErrorCode::UnknownPlugin, format!("no plugin named '{name}' is loaded"));
                    return self.reply_error(client, addr, error);
                }
                Some(PluginSource::BuiltIn) => {
                    let error = RequestError::new(
                        ErrorCode::BuiltInPlugin,
                        format!("'{name}' is built into the server and cannot be reloaded"),
                    );
                    return self.reply_error(client, addr, error);
                }
                Some(PluginSource::Library(file)) => {
                    LoaderRequest::Load { file, replacing: Some(name), requester: Some(client) }
                }
            },
            PluginRequest::Unload(name) => {
                match self.handle.registry_mut().uninstall(&name) {
                    Ok(record) => {
                        tracing::info!("unloaded plugin {} {}", record.name(), record.version());
                        self.reply_and_notify(client, replies::plugin_unloaded(&name));
                    }
                    Err(e) => {
                        let code = match e {
                            crate::control::UninstallError::BuiltIn(_) => ErrorCode::BuiltInPlugin,
                            _ => ErrorCode::UnknownPlugin,
                        };
                        self.reply_error(client, addr, RequestError::new(code, e.to_string()));
                    }
                }
                return;
            }
        };
        let Some(plugins) = &self.plugins else {
            let error = RequestError::new(ErrorCode::PluginsUnavailable, "this server has no plugin loader");
            return self.reply_error(client, addr, error);
        };
        if !plugins.loader.send(load) {
            let error = RequestError::new(ErrorCode::PluginsUnavailable, "the plugin loader has stopped");
            self.reply_error(client, addr, error);
        }
    }

    fn on_loader_report(&mut self, report: LoaderReport) {
        match report {
            LoaderReport::Loaded { file, replacing, requester, result } => {
                let mode = match &replacing {
                    Some(name) => InstallMode::Replace(name),
                    None => InstallMode::New,
                };
                let installed = result.and_then(|plugin| {
                    self.handle
                        .registry_mut()
                        .install(plugin, mode)
                        .map_err(|e| LoadError::new(&file, LoadStep::Register, e.to_string()))
                });
                let addr = if replacing.is_some() { "/plugin/reload" } else { "/plugin/load" };
                match installed {
                    Ok(()) => {
                        let name = replacing.clone().unwrap_or_default();
                        let record = match &replacing {
                            Some(_) => self.handle.registry().plugin(&name),
                            None => self.handle.registry().plugins().last(),
                        };
                        let Some(record) = record else { return };
                        tracing::info!(
                            "{} plugin {} {} from {}",
                            if replacing.is_some() { "reloaded" } else { "loaded" },
                            record.name(),
                            record.version(),
                            file.display()
                        );
                        let packet = replies::plugin_loaded(replacing.is_some(), record);
                        if let (Some(plugins), PluginSource::Library(source)) = (&self.plugins, record.source()) {
                            if plugins.watch {
                                plugins.loader.send(LoaderRequest::WatchFileOf(source.clone()));
                            }
                        }
                        match requester {
                            Some(client) => self.reply_and_notify(client, packet),
                            None => self.notify_all(packet),
                        }
                    }
                    Err(e) => {
                        tracing::error!("{e}");
                        if let Some(client) = requester {
                            self.reply(
                                client,
                                replies::error(addr, &RequestError::new(ErrorCode::PluginRefused, e.to_string())),
                            );
                        }
                        self.notify_all(replies::plugin_failed(&e));
                    }
                }
            }
            LoaderReport::FileChanged(file) => {
                let Some(plugins) = &self.plugins else { return };
                let installed = self.handle.registry().plugins().iter().find(|p| match p.source() {
                    PluginSource::Library(source) => *source == file,
                    PluginSource::BuiltIn => false,
                });
                let replacing = match installed {
                    Some(record) => {
                        tracing::info!("plugin library {} changed; reloading {}", file.display(), record.name());
                        Some(record.name().to_owned())
                    }
                    None if file.parent().is_some_and(|dir| {
                        plugins.plugin_dirs.iter().any(|d| std::fs::canonicalize(d).is_ok_and(|d| d == dir))
                    }) =>
                    {
                        tracing::info!("new plugin library {}; loading it", file.display());
                        None
                    }
                    None => return,
                };
                plugins.loader.send(LoaderRequest::Load { file, replacing, requester: None });
            }
        }
    }

    fn begin_quit(&mut self, client: Option<ClientId>) {
        // The queue may be full; keep trying from the event loop until it takes the command.
        match self.handle.send(Command::Shutdown { client }) {
            Ok(()) => self.quit = Some((client, Instant::now())),
            Err(_) => {
                if let Some(c) = client {
                    self.reply_error(
                        c,
                        "/quit",
                        RequestError::new(ErrorCode::QueueFull, "command queue full; retry /quit"),
                    );
                }
            }
        }
    }

    /// Notices when the driver stops calling the engine: some devices report their loss
    /// as an ordinary stream error, but none keeps the block count moving.
    fn watch_audio(&mut self, blocks: u64) {
        if blocks != self.last_blocks {
            self.last_blocks = blocks;
            self.last_progress = Instant::now();
            if self.stalled {
                self.stalled = false;
                self.device_lost_reported = false;
                tracing::info!("audio has resumed");
            }
        } else if !self.stalled && self.last_progress.elapsed() > AUDIO_STALL {
            self.stalled = true;
        }
    }

    /// Answers a scsynth client for a command's work, then handles its completion message.
    fn on_outcome(&mut self, outcome: Outcome) {
        let Outcome { client, id, result, completion, answer, time, bundle } = outcome;
        if let Some(Answer { address, success }) = answer {
            let reply = match &result {
                Ok(values) => success_reply(address, success, id, values),
                Err(reason) => Some(replies::fail(address, reason, vec![OscType::Int(id)])),
            };
            if let Some(reply) = reply {
                self.reply(client, reply);
            }
        }
        match (result, completion) {
            (Ok(_), Some(bytes)) => {
                self.on_completion(&bytes, client, time, bundle);
                self.send_batch();
            }
            (Err(_), Some(_)) => {
                tracing::debug!(client = ?self.clients.return_address(client), "completion message for resource {id} not run: its command failed");
            }
            _ => {}
        }
        self.release_deferred(client);
    }

    /// Queues `client`'s held buffer commands, in order, until one has work to wait for.
    fn release_deferred(&mut self, client: ClientId) {
        while !self.completions.waits_for(client) {
            let Some(at) = self.deferred.iter().position(|d| d.client == client) else { return };
            let Some(d) = self.deferred.remove(at) else { return };
            self.queue_now(d.commands, d.completion, Some(d.verb), &d.address, d.client, d.time, d.bundle);
            self.send_batch();
        }
    }

    /// Turns every waiting event into replies, then compares the status with what has been
    /// reported.
    /// Sends what `event` says to whom it concerns. `answered` is the client whose
    /// command's outcome is answered in scsynth's words instead (see
    /// [`PendingCompletions`]).
    fn send_event(&mut self, event: Event, answered: Option<ClientId>) {
        let silent = |dialect: Dialect, client: ClientId| dialect == Dialect::Scsynth || answered == Some(client);
        match replies::for_event(event, self.handle.registry()) {
            EventReply::Sender(client, packet) if silent(self.dialect(client), client) && !is_shared(&packet) => {}
            EventReply::Sender(client, packet) => self.reply(client, packet),
            EventReply::SenderParts(client, parts) => parts.into_iter().for_each(|p| self.reply(client, p)),
            EventReply::SenderError(client, _, _) if answered == Some(client) => {}
            EventReply::SenderError(client, addr, error) => self.reply_error(client, addr, error),
            EventReply::Parts { client, address, notice, args, parts } => {
                self.reply_in_parts(client, address, notice, args, parts)
            }
            EventReply::Notified(packet) if is_shared(&packet) => self.notify_everyone(packet),
            EventReply::Notified(packet) => self.notify_all(packet),
            EventReply::NotifiedEveryone(packet) => self.notify_everyone(packet),
            EventReply::SenderAndNotified(Some(client), packet) if !silent(self.dialect(client), client) => {
                self.reply_and_notify(client, packet)
            }
            EventReply::SenderAndNotified(_, packet) => self.notify_all(packet),
            EventReply::Node { oscine, scsynth } => {
                oscine.into_iter().for_each(|p| self.notify_all(p));
                scsynth.into_iter().for_each(|p| self.notify_scsynth(p));
            }
            EventReply::Stopped => self.stopped = true,
            EventReply::Nothing => {}
        }
    }

    pub(super) fn pump_events(&mut self) {
        // Before draining, so that events pushed from now on signal again.
        self.handle.event_signal().take();
        while let Some(event) = self.handle.poll_event() {
            if let Event::Synced { client, .. }
            | Event::SyncDropped { client }
            | Event::Error { client, command: CommandKind::Sync, .. } = event
            {
                if let Some(watch) = self.clients.sync_watch(client) {
                    watch.sync_ended();
                }
            }
            self.resources.observe(&event);
            if self.observe_midi(&event) {
                continue;
            }
            let outcome = self.completions.observe(&event);
            if let Event::Report { id, report } = &event {
                self.report_log.log(*id, report);
            }
            // A scsynth client is not told of the synchronous commands that succeed, nor
            // in Oscine's words of the work it gets scsynth's answer for.
            let answered = outcome.as_ref().and_then(|o| o.answer.map(|_| o.client));
            if let Event::Ack { client, command, id } = event {
                let silent = self.dialect(client) == Dialect::Scsynth || answered == Some(client);
                if self.clients.acks_on(client) && !silent {
                    if let Some(to) = self.clients.return_address(client) {
                        self.outgoing.push((to, Outgoing::Ack { address: replies::address(command), id }));
                    }
                }
            } else if self.clients.any_notified() || !only_notifies(&event) {
                // A notification nobody asked for is not even built.
                self.send_event(event, answered);
            }
            if let Some(outcome) = outcome {
                self.on_outcome(outcome);
            }
        }
        let status = self.handle.status();
        self.report_log.lost(status.reports_dropped);
        if status.events_dropped > self.events_dropped_reported {
            let lost = status.events_dropped - self.events_dropped_reported;
            self.events_dropped_reported = status.events_dropped;
            let text = format!("{lost} notifications lost: the event queue was full");
            tracing::warn!("{text}");
            self.notify_scsynth(replies::fail("", &text, Vec::new()));
            self.notify_all(replies::error("", &RequestError::new(ErrorCode::EventsLost, text)));
        }
        let (announced, at) = self.nonfinite_reported;
        let due = at.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if status.nonfinite_samples > announced && due {
            let count = status.nonfinite_samples - announced;
            self.nonfinite_reported = (status.nonfinite_samples, Some(Instant::now()));
            let text = format!("{count} output samples were NaN or infinite; they went to the outputs as 0");
            tracing::warn!("{text}");
            self.notify_scsynth(replies::fail("", &text, Vec::new()));
            self.notify_all(replies::error("", &RequestError::new(ErrorCode::NonFiniteOutput, text)));
        }
        if status.failed && !self.failure_reported {
            self.failure_reported = true;
            tracing::error!("the engine stopped after an internal failure; audio is silent");
            self.notify_all(replies::error(
                "",
                &RequestError::new(ErrorCode::EngineFailed, "the engine stopped after an internal failure"),
            ));
        }
        self.watch_audio(status.blocks);
        if (status.device_lost || self.stalled) && !self.device_lost_reported {
            self.device_lost_reported = true;
            tracing::error!("the audio device was lost; audio has stopped");
            self.notify_all(replies::error(
                "",
                &RequestError::new(ErrorCode::DeviceLost, "the audio device was lost; audio has stopped"),
            ));
        }
        if (status.failed || status.device_lost || self.stalled) && self.quit.is_some() {
            // Nothing processes commands any more; nothing will confirm the shutdown.
            self.stopped = true;
        }
    }
}

/// Whether all `event` does is notify the clients that asked for notifications.
fn only_notifies(event: &Event) -> bool {
    matches!(event, Event::NodeDone { .. } | Event::NodeEnded { .. } | Event::NodeChanged { .. } | Event::Report { .. })
}

/// Says in the log what receive buffer was asked for and what the kernel granted.
fn log_receive_buffer(buffer: &ReceiveBuffer) {
    let ReceiveBuffer { asked, granted, forced } = *buffer;
    match granted {
        // Linux reports twice the size set.
        Some(granted) if granted < asked => tracing::warn!(
            "udp receive buffer: asked for {asked} bytes, the kernel granted {granted}: the system caps it \
             (on Linux net.core.rmem_max; raise it with sysctl, or run with CAP_NET_ADMIN)"
        ),
        Some(granted) => tracing::info!(
            "udp receive buffer: asked for {asked} bytes, the kernel granted {granted}{}",
            if forced { " (past net.core.rmem_max, with CAP_NET_ADMIN)" } else { "" }
        ),
        None => tracing::info!("udp receive buffer: the system's default (this system does not report its size)"),
    }
}

/// What a scsynth client gets when buffer `id`'s work succeeded with `values`.
fn success_reply(address: &str, success: Success, id: i32, values: &[ResourceArg]) -> Option<OscPacket> {
    let id = OscType::Int(id);
    let osc = |v: &ResourceArg| match v {
        ResourceArg::Int(i) => OscType::Int((*i).clamp(i32::MIN as i64, i32::MAX as i64) as i32),
        ResourceArg::Float(f) => OscType::Float(*f as f32),
        ResourceArg::String(s) => OscType::String(s.clone()),
        ResourceArg::Blob(b) => OscType::Blob(b.clone()),
    };
    let with_id = |values: &[ResourceArg]| std::iter::once(id.clone()).chain(values.iter().map(osc)).collect();
    Some(match success {
        Success::Nothing => return None,
        Success::Done => replies::done(address, vec![id.clone()]),
        // The query's values are channels, frames and rate; scsynth's order is frames,
        // channels, rate.
        Success::BufferInfo => match values {
            [channels, frames, rate] => {
                replies::message("/b_info", vec![id.clone(), osc(frames), osc(channels), osc(rate)])
            }
            _ => return None,
        },
        Success::BufferSet => replies::message("/b_set", with_id(values)),
        Success::BufferSetn => replies::message("/b_setn", with_id(values)),
    })
}

/// Whether a reply or notification is one both dialects have (`/synced`, `/tr`, `/late`,
/// and the answers to queries: `/n_info`, `/n_set`, `/n_setn`, `/g_queryTree.reply`, and
/// `/c_set`, `/c_setn` for control bus reads).
fn is_shared(packet: &OscPacket) -> bool {
    matches!(packet, OscPacket::Message(m) if matches!(
        m.addr.as_str(),
        "/synced" | "/late" | "/n_info" | "/n_set" | "/n_setn" | "/g_queryTree.reply" | "/c_set" | "/c_setn"
    ))
}

/// scsynth's name for the verb at `addr`, where scsynth has the command (replies about
/// commands name their native verb).
fn scsynth_address(addr: &str) -> &str {
    match addr {
        "/synth/new" => "/s_new",
        "/node/set" => "/n_set",
        "/node/free" => "/n_free",
        "/group/new" => "/g_new",
        "/group/freeAll" => "/g_freeAll",
        other => other,
    }
}

/// The error a packet's framing gets.
fn packet_error(e: PacketError) -> RequestError {
    let code = match e {
        PacketError::Malformed(_) => ErrorCode::MalformedPacket,
        PacketError::Truncated => ErrorCode::TruncatedPacket,
        PacketError::TooDeep => ErrorCode::BundleTooDeep,
        PacketError::TooLarge => ErrorCode::PacketTooLarge,
        PacketError::UnknownCommandNumber(_) => ErrorCode::UnknownVerb,
    };
    RequestError::new(code, e.to_string())
}

/// The next TCP connection; never, without `--tcp-port`.
async fn accept(tcp: &Option<TcpConnections>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match tcp {
        Some(tcp) => tcp.accept().await,
        None => std::future::pending().await,
    }
}

/// The next thing the TCP connections report; never, without `--tcp-port`.
async fn next_tcp_event(events: &mut Option<mpsc::Receiver<TcpEvent>>) -> Option<TcpEvent> {
    match events {
        // The server holds a sender: the channel never closes.
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// The loader thread's next report; never, without a loader.
async fn next_report(plugins: &mut Option<PluginService>) -> Option<LoaderReport> {
    match plugins {
        Some(p) => match p.reports.recv().await {
            Some(report) => Some(report),
            // The loader thread has ended: nothing more will come.
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Why the engine can no longer apply commands, if it cannot.
fn stopped_audio(failed: bool, device_lost: bool, stalled: bool) -> Option<RequestError> {
    if failed {
        Some(RequestError::new(ErrorCode::EngineFailed, "the engine stopped after an internal failure"))
    } else if device_lost || stalled {
        Some(RequestError::new(ErrorCode::DeviceLost, "the audio device was lost; audio has stopped"))
    } else {
        None
    }
}

/// Resolves when a MIDI input may have received bytes; never, without MIDI.
async fn next_midi(wait: &mut Option<EventWait>) {
    match wait {
        Some(wait) => wait.wait().await,
        None => std::future::pending().await,
    }
}

/// The MIDI verbs, the MIDI inputs' events and what the engine says of the mappings'
/// commands.
impl Server {
    fn on_midi_request(&mut self, client: ClientId, addr: &str, request: MidiRequest) {
        if let MidiRequest::Notify(on) = request {
            self.clients.set_midi(client, on);
            return self.reply(client, replies::ack(addr, on as i32));
        }
        let Some(midi) = self.midi.as_mut() else {
            let error = RequestError::new(ErrorCode::MidiUnavailable, "this server reads no MIDI");
            return self.reply_error(client, addr, error);
        };
        let mut commands = Vec::new();
        let reply = match request {
            MidiRequest::Notify(_) => return,
            MidiRequest::List => Ok(vec![crate::osc::midi_inputs(&midi.inputs.ports(), midi.inputs.open_inputs())]),
            MidiRequest::Open(choice) => midi
                .inputs
                .open(&choice)
                .map(|opened| opened.into_iter().map(|(device, name)| opened_reply(device, name)).collect()),
            MidiRequest::Virtual(name) => {
                midi.inputs.open_virtual(&name).map(|device| vec![opened_reply(device, name)])
            }
            MidiRequest::Close(device) => {
                let mut events = Vec::new();
                let closed = midi.inputs.close(device, |e| events.push(e));
                self.on_midi_events(events);
                closed.map(|()| vec![replies::ack(addr, device as i32)])
            }
            MidiRequest::Map(id, kind) => {
                let mapping = crate::midi::Mapping { id, creator: client, kind };
                if !midi.mappings.set(mapping, &mut commands) {
                    let text = format!("{} mappings are set up already", crate::midi::MAX_MAPPINGS);
                    return self.reply_error(client, addr, RequestError::new(ErrorCode::MappingCapacity, text));
                }
                Ok(vec![replies::ack(addr, id)])
            }
            MidiRequest::MapList => Ok(vec![crate::osc::midi_mappings(midi.mappings.iter())]),
            MidiRequest::Unmap(id) => {
                if !midi.mappings.remove(id, &mut commands) {
                    let error = RequestError::new(ErrorCode::UnknownMapping, format!("no mapping has id {id}"));
                    return self.reply_error(client, addr, error);
                }
                Ok(vec![replies::ack(addr, id)])
            }
        };
        match reply {
            Ok(packets) => packets.into_iter().for_each(|p| self.reply(client, p)),
            Err(e) => {
                let code = match e {
                    MidiError::NoSystem(_) => ErrorCode::MidiUnavailable,
                    MidiError::NoPort(_) | MidiError::UnknownDevice(_) => ErrorCode::UnknownMidiInput,
                    MidiError::Open { .. } => ErrorCode::MidiInputRefused,
                };
                self.reply_error(client, addr, RequestError::new(code, e.to_string()));
            }
        }
        // Voices of a replaced or removed mapping are released now.
        self.send_midi_commands(commands, Timetag::IMMEDIATE);
    }

    /// Reads what the MIDI inputs received.
    fn on_midi(&mut self) {
        let Some(midi) = self.midi.as_mut() else { return };
        let events = midi.take_events();
        self.on_midi_events(events);
    }

    /// Forwards each event to the clients that asked for MIDI, and has the mappings act on
    /// it at its arrival time plus the latency.
    fn on_midi_events(&mut self, events: Vec<crate::midi::MidiEvent>) {
        for event in events {
            let listeners: Vec<ReturnAddress> = self.clients.midi_listeners().collect();
            if !listeners.is_empty() {
                let packet = crate::osc::midi_notification(&event);
                for to in listeners {
                    self.outgoing.push((to, Outgoing::Packet(packet.clone())));
                }
            }
            let Some(midi) = self.midi.as_mut() else { return };
            let at = effect_time(event.arrival, midi.latency);
            let (mut commands, mut failures) = (Vec::new(), Vec::new());
            midi.mappings.apply(&event, at, &self.handle, &mut commands, &mut failures);
            for failure in failures {
                let text = format!("mapping {}: {}", failure.id, failure.reason);
                self.tell_midi_failure(Some(failure.creator), RequestError::new(ErrorCode::MappingFailed, text));
            }
            self.send_midi_commands(commands, at);
        }
        let Some(lost) = self.midi.as_mut().and_then(|m| m.newly_dropped()) else { return };
        let text =
            format!("{lost} MIDI bytes lost: a MIDI input's queue ({} chunks) was full", crate::midi::FEED_CAPACITY);
        self.tell_midi_failure(None, RequestError::new(ErrorCode::MidiBytesLost, text));
    }

    /// Queues a mapping's commands, to take effect at `at`; when the queue has no room for
    /// them, the voices they would have started are forgotten and the failure told.
    fn send_midi_commands(&mut self, commands: Vec<Command>, at: Timetag) {
        if commands.is_empty() || self.quit.is_some() || self.audio_stopped().is_some() {
            return;
        }
        let started: Vec<i32> = commands
            .iter()
            .filter_map(|c| match c {
                Command::SynthNew { id, .. } => Some(*id),
                _ => None,
            })
            .collect();
        let mut timed = commands
            .into_iter()
            .map(|command| TimedCommand { command, time: at, bundle: 0, last_of_group: false })
            .collect();
        if let Err(full) = self.handle.send_group(&mut timed) {
            if let Some(midi) = self.midi.as_mut() {
                midi.mappings.forget_voices(&started);
            }
            let text = format!("a MIDI event's commands were dropped: {full}");
            self.tell_midi_failure(None, RequestError::new(ErrorCode::MappingFailed, text));
        }
    }

    /// Tells the log, the clients that asked for MIDI and `creator` (once) of a failure.
    fn tell_midi_failure(&mut self, creator: Option<ClientId>, error: RequestError) {
        tracing::warn!("MIDI: error {}: {}", error.code, error.message);
        let packet = replies::error("/midi", &error);
        let creator = creator.and_then(|c| self.clients.return_address(c));
        let mut targets: Vec<ReturnAddress> = self.clients.midi_listeners().filter(|a| Some(*a) != creator).collect();
        targets.extend(creator);
        for to in targets {
            self.outgoing.push((to, Outgoing::Packet(packet.clone())));
        }
    }

    /// Follows an event about the mappings' commands; true if it was one of theirs and is
    /// told no client as a reply.
    fn observe_midi(&mut self, event: &Event) -> bool {
        let Some(midi) = self.midi.as_mut() else { return false };
        if let Some((id, creator)) = midi.mappings.observe(event) {
            let packet =
                replies::message("/midi/unmapped", vec![OscType::Int(id), OscType::String("its node ended".into())]);
            let creator = self.clients.return_address(creator);
            let mut targets: Vec<ReturnAddress> =
                self.clients.midi_listeners().filter(|a| Some(*a) != creator).collect();
            targets.extend(creator);
            for to in targets {
                self.outgoing.push((to, Outgoing::Packet(packet.clone())));
            }
        }
        match event {
            Event::Ack { client: MIDI_CLIENT, .. } => true,
            Event::Late { client: MIDI_CLIENT, .. } => {
                midi.late += 1;
                true
            }
            Event::Error { client: MIDI_CLIENT, command, error } => {
                let address = Verb::native(*command).address();
                let error: RequestError = (*error).into();
                let text = format!("{address} of a mapping: {}", error.message);
                self.tell_midi_failure(None, RequestError::new(error.code, text));
                true
            }
            _ => false,
        }
    }

    fn gliding(&self) -> bool {
        self.midi.as_ref().is_some_and(|m| m.mappings.gliding())
    }

    /// Sends the next step of each CC mapping's glide, to take effect one latency from now.
    fn step_glides(&mut self) {
        let Some(midi) = self.midi.as_mut() else { return };
        let at = effect_time(Timetag::now(), midi.latency);
        let mut commands = Vec::new();
        midi.mappings.step(at, &mut commands);
        self.send_midi_commands(commands, at);
    }
}

/// `/midi/opened i:device s:name`.
fn opened_reply(device: u32, name: String) -> OscPacket {
    replies::message("/midi/opened", vec![OscType::Int(device as i32), OscType::String(name)])
}
