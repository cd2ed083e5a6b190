//! Loopback harness for the real `oscine` binary: starts it on the dummy driver on a free
//! UDP port of 127.0.0.1, and talks to it over UDP OSC with a small client.
//!
//! Everything is bounded in time: start-up waits at most [`START_TIMEOUT`], every receive
//! at most [`REPLY_TIMEOUT`] unless told otherwise, and the child is killed on drop.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

/// How long the server may take to print its listening line.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client waits for an expected reply: generous, since it only matters when
/// the reply never comes, and a busy machine may be slow to send it.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many stderr lines of the server are kept for failure messages.
const LOG_LINES_KEPT: usize = 400;

/// The stderr lines of the server, the oldest dropped past [`LOG_LINES_KEPT`].
#[derive(Default)]
struct Log {
    lines: VecDeque<String>,
    dropped: usize,
}

impl Log {
    fn push(&mut self, line: String) {
        if self.lines.len() == LOG_LINES_KEPT {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    fn text(&self) -> String {
        let mut s = String::new();
        if self.dropped > 0 {
            s.push_str(&format!("[{} earlier lines dropped]\n", self.dropped));
        }
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// A running `oscine` process.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where it listens for TCP connections, with `--tcp-port`.
    pub tcp_addr: Option<SocketAddr>,
    log: Arc<Mutex<Log>>,
    drain: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts the server with the default options.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server with extra command-line flags (e.g. `["--max-nodes", "4"]`).
    pub fn start_with(extra: &[&str]) -> Server {
        Server::start_on("dummy", extra, &[])
    }

    /// Starts the server on `driver` with extra flags and environment variables.
    pub fn start_on(driver: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_oscine"))
            .args(["--driver", driver, "--port", "0", "--bind", "127.0.0.1"])
            // The dummy driver's default 1024-frame buffer keeps an idle server nearly
            // asleep; a smaller one answers round trips sooner, so the suite runs faster.
            .args(if driver == "dummy" && !extra.contains(&"--buffer-size") {
                &["--buffer-size", "256"][..]
            } else {
                &[][..]
            })
            .args(if extra.contains(&"--log-level") { &[][..] } else { &["--log-level", "info"][..] })
            .args(extra)
            .env_remove("RUST_LOG")
            // Tests keep their files under the temporary directory.
            .env("OSCINE_FILE_ROOTS", std::env::temp_dir())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start the oscine binary");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Log::default()));
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let drain = {
            let log = Arc::clone(&log);
            std::thread::Builder::new()
                .name("oscine-stderr".into())
                .spawn(move || {
                    let mut reader = BufReader::new(stderr);
                    let mut buf = Vec::new();
                    loop {
                        buf.clear();
                        match reader.read_until(b'\n', &mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(_) => {
                                let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                                // Logged first, so the log holds every line already seen.
                                log.lock().unwrap().push(line.clone());
                                // The receiver goes away once the address is known.
                                let _ = lines_tx.send(line);
                            }
                        }
                    }
                })
                .expect("cannot start the stderr thread")
        };
        let mut server =
            Server { child, addr: "127.0.0.1:1".parse().unwrap(), tcp_addr: None, log, drain: Some(drain) };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = parse_listening(&line) {
                        server.addr = addr;
                        server.tcp_addr = parse_listening_tcp(&line);
                        return server;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "oscine did not print its listening address within {START_TIMEOUT:?}; stderr:\n{}",
                        server.log()
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.wait_exit(Duration::from_secs(2));
                    panic!("oscine exited before listening ({status:?}); stderr:\n{}", server.log())
                }
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The UDP port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Everything (recent) the server printed to stderr.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().text()
    }

    /// The stderr lines so far, once they contain `text` (the log reaches the harness
    /// through a pipe, after the replies that follow the logged event).
    ///
    /// # Panics
    /// If `text` has not appeared within [`REPLY_TIMEOUT`].
    pub fn wait_log(&self, text: &str) -> String {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let log = self.log();
            if log.contains(text) {
                return log;
            }
            assert!(Instant::now() < deadline, "the log never showed {text:?}:\n{log}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A new client with its own socket (so its own client id on the server).
    pub fn client(&self) -> Client {
        Client::new(self.addr)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits at most `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if let Some(drain) = self.drain.take() {
                    let _ = drain.join();
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends SIGTERM to the process (with `kill`, by its pid).
    pub fn terminate(&mut self) {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("cannot run kill");
        assert!(status.success(), "kill -TERM {} failed: {status}", self.child.id());
    }

    /// Panics with the server log unless the process is still running.
    pub fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("oscine exited ({status}); stderr:\n{}", self.log());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // A killed server leaves its plugin loader's private directory behind.
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("oscine-plugins-{}", self.child.id())));
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- oscine stderr (port {}) ----\n{}---- end of oscine stderr ----",
                self.addr.port(),
                self.log()
            );
        }
    }
}

/// The address in `oscine ... listening on udp 127.0.0.1:PORT (...)`.
fn parse_listening(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("listening on udp ")? + "listening on udp ".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// The address in `oscine ... listening on udp ADDR and tcp 127.0.0.1:PORT (...)`.
fn parse_listening_tcp(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find(" and tcp ")? + " and tcp ".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// A message with the given address and arguments.
pub fn msg(addr: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage { addr: addr.to_owned(), args }
}

/// A bundle to run immediately holding `content`.
pub fn bundle(content: Vec<OscPacket>) -> OscPacket {
    OscPacket::Bundle(OscBundle { timetag: OscTime { seconds: 0, fractional: 1 }, content })
}

/// Encodes a packet.
pub fn encode(packet: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(packet).expect("encodable packet")
}

/// Shorthands for building arguments.
pub fn i(v: i32) -> OscType {
    OscType::Int(v)
}
pub fn f(v: f32) -> OscType {
    OscType::Float(v)
}
pub fn s(v: &str) -> OscType {
    OscType::String(v.to_owned())
}

/// A UDP OSC client on 127.0.0.1.
pub struct Client {
    sock: UdpSocket,
    /// The server's address.
    pub server: SocketAddr,
    /// Messages received but not yet handed out (kept by `expect`).
    pending: VecDeque<OscMessage>,
    next_token: i32,
    buf: Vec<u8>,
    /// Whether this socket has sent a datagram: the server sends large replies (trees)
    /// only to addresses it has heard from before.
    spoken: bool,
}

impl Client {
    /// A client with a fresh socket.
    pub fn new(server: SocketAddr) -> Client {
        Client::bound_to(server, "127.0.0.1".parse().unwrap())
    }

    /// A client with a fresh socket on `ip` (on Linux, any of 127.0.0.0/8 reaches a server
    /// on 127.0.0.1, as another source address).
    pub fn bound_to(server: SocketAddr, ip: std::net::IpAddr) -> Client {
        let sock = UdpSocket::bind(SocketAddr::new(ip, 0)).expect("bind a client socket");
        sock.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        Client { sock, server, pending: VecDeque::new(), next_token: 1000, buf: vec![0; 65_536], spoken: false }
    }

    /// Asks the system for a receive buffer of `bytes` (capped by `net.core.rmem_max`),
    /// for a client that takes large replies in bursts.
    pub fn set_receive_buffer(&self, bytes: usize) {
        use std::os::fd::AsRawFd;
        let size = bytes.min(i32::MAX as usize) as libc::c_int;
        // SAFETY: a valid socket and a pointer to an int of the size given.
        let set = unsafe {
            libc::setsockopt(
                self.sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(set, 0, "setsockopt(SO_RCVBUF) failed: {}", std::io::Error::last_os_error());
    }

    /// This client's own address.
    pub fn local_addr(&self) -> SocketAddr {
        self.sock.local_addr().unwrap()
    }

    /// Sends raw bytes as one datagram.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.sock.send_to(bytes, self.server).expect("send a datagram");
        self.spoken = true;
    }

    /// Sends a packet.
    pub fn send_packet(&mut self, packet: &OscPacket) {
        self.send_raw(&encode(packet));
    }

    /// Sends a message.
    pub fn send(&mut self, addr: &str, args: Vec<OscType>) {
        self.send_packet(&OscPacket::Message(msg(addr, args)));
    }

    /// Sends a bundle of messages.
    pub fn send_bundle(&mut self, messages: Vec<OscMessage>) {
        self.send_packet(&bundle(messages.into_iter().map(OscPacket::Message).collect()));
    }

    /// Receives one datagram within `timeout` and decodes it; bundles are flattened into
    /// `pending`. Panics on an undecodable reply. Returns whether a datagram came.
    fn receive(&mut self, timeout: Duration) -> bool {
        self.sock.set_read_timeout(Some(timeout.max(Duration::from_millis(1)))).unwrap();
        self.receive_one()
    }

    fn receive_one(&mut self) -> bool {
        match self.sock.recv_from(&mut self.buf) {
            Ok((n, from)) => {
                assert_eq!(from, self.server, "datagram from an unexpected peer");
                let (_, packet) = rosc::decoder::decode_udp(&self.buf[..n])
                    .unwrap_or_else(|e| panic!("undecodable reply ({e:?}): {:?}", &self.buf[..n.min(200)]));
                flatten(packet, &mut self.pending);
                true
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => false,
            Err(e) => panic!("receive failed: {e}"),
        }
    }

    /// Reads every datagram already waiting, without blocking, into the queue that
    /// `recv` and `expect` read first (so bursts do not overflow the socket buffer).
    /// Returns how many datagrams were read.
    pub fn poll_pending(&mut self) -> usize {
        self.sock.set_nonblocking(true).unwrap();
        let mut n = 0;
        while self.receive_one() {
            n += 1;
        }
        self.sock.set_nonblocking(false).unwrap();
        n
    }

    /// Takes every message received but not yet handed out.
    pub fn take_pending(&mut self) -> Vec<OscMessage> {
        self.pending.drain(..).collect()
    }

    /// The next message, or `None` after `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<OscMessage> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(m) = self.pending.pop_front() {
                return Some(m);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.receive(left);
        }
    }

    /// The next message; panics after [`REPLY_TIMEOUT`].
    #[track_caller]
    pub fn recv(&mut self) -> OscMessage {
        match self.recv_timeout(REPLY_TIMEOUT) {
            Some(m) => m,
            None => panic!("no reply within {REPLY_TIMEOUT:?}"),
        }
    }

    /// Waits (at most [`REPLY_TIMEOUT`]) for the next message with this address; the
    /// messages before it are returned too, in arrival order.
    #[track_caller]
    pub fn expect_with_skipped(&mut self, addr: &str) -> (OscMessage, Vec<OscMessage>) {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv_timeout(left) {
                Some(m) if m.addr == addr => return (m, skipped),
                Some(m) => skipped.push(m),
                None => panic!("no {addr} within {REPLY_TIMEOUT:?}; received instead: {skipped:?}"),
            }
        }
    }

    /// Waits for the next message with this address, skipping others.
    #[track_caller]
    pub fn expect(&mut self, addr: &str) -> OscMessage {
        self.expect_with_skipped(addr).0
    }

    /// Sends a message and returns the next message received, whatever it is.
    #[track_caller]
    pub fn request(&mut self, addr: &str, args: Vec<OscType>) -> OscMessage {
        self.send(addr, args);
        self.recv()
    }

    /// Asserts the next message is exactly `/ack addr id`.
    #[track_caller]
    pub fn expect_ack(&mut self, addr: &str, id: i32) {
        let m = self.recv();
        assert_eq!((m.addr.as_str(), &m.args[..]), ("/ack", &[s(addr), i(id)][..]), "expected an ack, got {m:?}");
    }

    /// Sends a message and asserts the reply is `/ack ack_addr id`.
    #[track_caller]
    pub fn ok(&mut self, addr: &str, args: Vec<OscType>, ack_addr: &str, id: i32) {
        self.send(addr, args);
        self.expect_ack(ack_addr, id);
    }

    /// Asserts the next message is `/error addr code message`; returns the message.
    #[track_caller]
    pub fn expect_error(&mut self, addr: &str, code: i32) -> String {
        let m = self.recv();
        assert_error(&m, addr, code)
    }

    /// Sends a message and asserts the reply is `/error err_addr code ...`.
    #[track_caller]
    pub fn fails(&mut self, addr: &str, args: Vec<OscType>, err_addr: &str, code: i32) -> String {
        self.send(addr, args);
        self.expect_error(err_addr, code)
    }

    /// Sends `/sync token` and returns every message received before `/synced token`.
    #[track_caller]
    pub fn sync(&mut self) -> Vec<OscMessage> {
        self.next_token += 1;
        let token = self.next_token;
        self.send("/sync", vec![i(token)]);
        let (synced, before) = self.expect_with_skipped("/synced");
        assert_eq!(synced.args, vec![i(token)], "{synced:?}");
        before
    }

    /// Sends `/sync` and asserts nothing else arrived first.
    #[track_caller]
    pub fn sync_quiet(&mut self) {
        let before = self.sync();
        assert!(before.is_empty(), "unexpected messages before /synced: {before:?}");
    }

    /// Sends `/sync` and waits for `/synced`: the server answers queries whose reply can
    /// be larger than the request (trees, lists, reads) only to an address it has heard
    /// from before.
    #[track_caller]
    pub fn make_known(&mut self) {
        self.sync_quiet();
    }

    /// Asks for the tree under `group` and parses the reply.
    #[track_caller]
    pub fn tree(&mut self, group: i32) -> Tree {
        let mut parts = self.tree_parts(group).into_iter();
        let mut tree = parts.next().expect("one part at least");
        for part in parts {
            tree.nodes.extend(part.nodes);
        }
        tree.more = 0;
        tree
    }

    /// Asks for a Group's tree and returns the parts of the reply, each as it came: a
    /// tree too large for one datagram comes in several.
    #[track_caller]
    pub fn tree_parts(&mut self, group: i32) -> Vec<Tree> {
        if !self.spoken {
            self.make_known();
        }
        let m = self.request("/node/tree", vec![i(group)]);
        assert_eq!(m.addr, "/node/tree", "{m:?}");
        let mut parts = vec![Tree::parse(&m)];
        while parts.last().is_some_and(|p| p.more > 0) {
            let part = Tree::parse(&self.expect("/node/tree"));
            assert_eq!(part.more, parts.last().unwrap().more - 1, "parts out of order");
            parts.push(part);
        }
        parts
    }

    /// Asks for the status.
    #[track_caller]
    pub fn status(&mut self) -> Status {
        let m = self.request("/status", vec![]);
        Status::parse(&m)
    }

    /// Polls `/status` until its synth and group counts are these (they are published at
    /// the end of the block that changed them, so may lag an ack by one block).
    #[track_caller]
    pub fn wait_counts(&mut self, synths: i32, groups: i32) -> Status {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let st = self.status();
            if (st.synths, st.groups) == (synths, groups) || Instant::now() >= deadline {
                assert_eq!((st.synths, st.groups), (synths, groups), "status counts (synths, groups): {st:?}");
                return st;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Every message already received, without waiting: for a server that has exited, so
    /// that everything it sent is in this client's socket already.
    pub fn received_so_far(&mut self) -> Vec<OscMessage> {
        self.poll_pending();
        self.take_pending()
    }
}

/// The messages of a packet, bundles opened, in order.
pub fn flatten(packet: OscPacket, out: &mut VecDeque<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push_back(m),
        OscPacket::Bundle(b) => {
            for p in b.content {
                flatten(p, out);
            }
        }
    }
}

/// Asserts `m` is `/error addr code <non-empty message>`; returns the message.
#[track_caller]
pub fn assert_error(m: &OscMessage, addr: &str, code: i32) -> String {
    assert_eq!(m.addr, "/error", "expected an /error, got {m:?}");
    assert_eq!(m.args.len(), 3, "{m:?}");
    assert_eq!((&m.args[0], &m.args[1]), (&s(addr), &i(code)), "expected /error {addr:?} {code}, got {m:?}");
    match &m.args[2] {
        OscType::String(text) if !text.is_empty() => text.clone(),
        other => panic!("error message must be a non-empty string, got {other:?}"),
    }
}

/// One node of a `/node/tree` reply.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    pub id: i32,
    pub parent: i32,
    pub kind: NodeKind,
}

/// Group or Synth details of a [`TreeNode`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Group { children: i32 },
    Synth { def: String, active: bool, controls: Vec<(String, f32)> },
}

/// A parsed `/node/tree` reply: `i:group i:count i:more` then per node
/// `i:id i:parent s:"group" i:children` or
/// `i:id i:parent s:"synth" s:def i:active i:n (s:name f:value)*n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    pub group: i32,
    /// How many parts of the reply follow this one.
    pub more: i32,
    pub nodes: Vec<TreeNode>,
}

impl Tree {
    /// Parses a reply, checking every argument's type and that nothing is left over.
    #[track_caller]
    pub fn parse(m: &OscMessage) -> Tree {
        assert_eq!(m.addr, "/node/tree", "{m:?}");
        let mut a = m.args.iter();
        let int = |a: &mut std::slice::Iter<'_, OscType>| match a.next() {
            Some(OscType::Int(v)) => *v,
            other => panic!("expected an int in {m:?}, got {other:?}"),
        };
        let string = |a: &mut std::slice::Iter<'_, OscType>| match a.next() {
            Some(OscType::String(v)) => v.clone(),
            other => panic!("expected a string in {m:?}, got {other:?}"),
        };
        let group = int(&mut a);
        let count = int(&mut a);
        let more = int(&mut a);
        assert!(more >= 0, "parts to follow: {more} in {m:?}");
        let mut nodes = Vec::new();
        for _ in 0..count {
            let id = int(&mut a);
            let parent = int(&mut a);
            let kind = match string(&mut a).as_str() {
                "group" => NodeKind::Group { children: int(&mut a) },
                "synth" => {
                    let def = string(&mut a);
                    let active = match int(&mut a) {
                        0 => false,
                        1 => true,
                        other => panic!("active flag {other} in {m:?}"),
                    };
                    let n = int(&mut a);
                    let mut controls = Vec::new();
                    for _ in 0..n {
                        let name = string(&mut a);
                        let value = match a.next() {
                            Some(OscType::Float(v)) => *v,
                            other => panic!("expected a float control value in {m:?}, got {other:?}"),
                        };
                        controls.push((name, value));
                    }
                    NodeKind::Synth { def, active, controls }
                }
                other => panic!("unknown node kind {other:?} in {m:?}"),
            };
            nodes.push(TreeNode { id, parent, kind });
        }
        assert!(a.next().is_none(), "arguments left over in {m:?}");
        Tree { group, more, nodes }
    }

    /// The node with this id.
    pub fn node(&self, id: i32) -> Option<&TreeNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The ids in reply (depth-first) order.
    pub fn ids(&self) -> Vec<i32> {
        self.nodes.iter().map(|n| n.id).collect()
    }

    /// Control `name` of synth `id`.
    pub fn control(&self, id: i32, name: &str) -> Option<f32> {
        match &self.node(id)?.kind {
            NodeKind::Synth { controls, .. } => controls.iter().find(|(n, _)| n == name).map(|(_, v)| *v),
            NodeKind::Group { .. } => None,
        }
    }
}

/// A parsed `/status/reply`.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub synths: i32,
    pub groups: i32,
    pub load_average: f32,
    pub load_peak: f32,
    pub sample_rate: f64,
    pub blocks: i64,
    pub xruns: i64,
    pub commands_processed: i64,
    pub commands_rejected: i64,
    pub events_dropped: i64,
    pub synth_faults: i64,
    pub pending_drops: i64,
    pub command_stalls: i64,
    pub notified_clients: i32,
    pub failed: i32,
    pub resources: i32,
    pub resource_operations: i32,
    pub garbage_leaked: i32,
    pub late: i32,
    pub scheduled: i32,
    pub rate_estimate: f64,
    /// Datagrams and connections ignored because their source is not on `--allow`.
    pub refused_sources: i32,
    /// The UDP receive buffer the kernel granted, in bytes (-1: not known).
    pub udp_receive_buffer: i32,
    /// Datagrams the kernel dropped because that buffer was full (-1: not counted).
    pub udp_datagrams_dropped: i32,
    pub jobs_timed_out: i32,
    /// TCP connections open.
    pub tcp_connections: i32,
    /// TCP connections refused: too many open.
    pub tcp_refused: i32,
    /// TCP connections closed for an oversize message.
    pub tcp_oversize: i32,
    /// TCP connections closed for leaving too many replies unread.
    pub tcp_slow: i32,
    /// TCP messages whose commands waited for room in the command queue.
    pub tcp_waits: i32,
    pub realtime: i32,
    pub memory_locked: i32,
    pub commands_deferred: i32,
    pub midi_inputs: i32,
    pub midi_latency: f32,
    pub midi_bytes_dropped: i32,
    pub midi_bytes_not_understood: i32,
    pub midi_late: i32,
}

impl Status {
    /// Parses a reply, checking the field count and every type (docs/osc-api.md,
    /// `/status/reply`: 38 fields).
    #[track_caller]
    pub fn parse(m: &OscMessage) -> Status {
        assert_eq!(m.addr, "/status/reply", "{m:?}");
        assert_eq!(m.args.len(), 38, "status field count: {m:?}");
        let int = |k: usize| match m.args[k] {
            OscType::Int(v) => v,
            ref other => panic!("status field {k} must be int32, got {other:?}"),
        };
        let float = |k: usize| match m.args[k] {
            OscType::Float(v) => v,
            ref other => panic!("status field {k} must be float32, got {other:?}"),
        };
        let long = |k: usize| int(k) as i64;
        let double = |k: usize| match m.args[k] {
            OscType::Double(v) => v,
            ref other => panic!("status field {k} must be float64, got {other:?}"),
        };
        let sample_rate = double(4);
        Status {
            synths: int(0),
            groups: int(1),
            load_average: float(2),
            load_peak: float(3),
            sample_rate,
            blocks: double(5) as i64,
            xruns: long(6),
            commands_processed: long(7),
            commands_rejected: long(8),
            events_dropped: long(9),
            synth_faults: long(10),
            pending_drops: long(11),
            command_stalls: long(12),
            notified_clients: int(13),
            failed: int(14),
            resources: int(15),
            resource_operations: int(16),
            garbage_leaked: int(17),
            late: int(18),
            scheduled: int(19),
            rate_estimate: double(20),
            refused_sources: int(21),
            udp_receive_buffer: int(22),
            udp_datagrams_dropped: int(23),
            jobs_timed_out: int(24),
            tcp_connections: int(25),
            tcp_refused: int(26),
            tcp_oversize: int(27),
            tcp_slow: int(28),
            tcp_waits: int(29),
            realtime: int(30),
            memory_locked: int(31),
            commands_deferred: int(32),
            midi_inputs: int(33),
            midi_latency: float(34),
            midi_bytes_dropped: int(35),
            midi_bytes_not_understood: int(36),
            midi_late: int(37),
        }
    }
}

/// Polls the tree under `group` until `ready` holds, at most [`REPLY_TIMEOUT`].
#[track_caller]
pub fn wait_tree(client: &mut Client, group: i32, what: &str, ready: impl Fn(&Tree) -> bool) -> Tree {
    let deadline = Instant::now() + REPLY_TIMEOUT;
    loop {
        let t = client.tree(group);
        if ready(&t) {
            return t;
        }
        if Instant::now() >= deadline {
            panic!("{what}: not seen within {REPLY_TIMEOUT:?}; last tree: {t:#?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
