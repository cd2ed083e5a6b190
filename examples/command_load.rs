//! The load generator of `benches/command_throughput.py`: sends rounds of `new`+`free`
//! pairs to a server, each round followed by a `/sync`, with at most `--window` rounds
//! waiting for their `/synced`, and counts every reply. Written in Rust so that the client
//! is not what the figure measures: a Python client tops out near 90,000 datagrams and a
//! few hundred thousand replies a second on this machine.
//!
//! ```sh
//! cargo build --release --example command_load
//! target/release/examples/command_load --port 57130 --dialect oscine --rounds 20 --window 2 --bundled
//! ```
//!
//! Prints one line: `pairs_per_second acks failures reply_datagrams client_drops timed_out`.
//! With `--round-trips ADDRESS [--trips N]` it measures round trips of one message
//! instead, one at a time, and prints their p50 and p99 in milliseconds.
//! Every datagram is encoded before the clock starts; a reader thread drains the socket
//! into counts, so a burst of replies never overflows the client's receive buffer.

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

const PAIRS_PER_SYNC: usize = 1000;
const PAIRS_PER_BUNDLE: usize = 250;

struct Options {
    port: u16,
    scsynth: bool,
    rounds: usize,
    window: usize,
    bundled: bool,
    first_node: i32,
    /// Instead of throughput: this many round trips of `round_trip`, one at a time.
    trips: usize,
    round_trip: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        port: 57130,
        scsynth: false,
        rounds: 20,
        window: 2,
        bundled: false,
        first_node: 10_000,
        trips: 1000,
        round_trip: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => o.port = value().parse().expect("--port"),
            "--dialect" => o.scsynth = value() == "scsynth",
            "--rounds" => o.rounds = value().parse().expect("--rounds"),
            "--window" => o.window = value().parse().expect("--window"),
            "--first-node" => o.first_node = value().parse().expect("--first-node"),
            "--bundled" => o.bundled = true,
            "--round-trips" => o.round_trip = Some(value()),
            "--trips" => o.trips = value().parse().expect("--trips"),
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage { addr: addr.into(), args })
}

fn pair(scsynth: bool, node: i32) -> [OscPacket; 2] {
    let amp = || vec![OscType::String("amp".into()), OscType::Float(0.0)];
    if scsynth {
        let mut new = vec!["sine".into(), OscType::Int(node), OscType::Int(1), OscType::Int(0)];
        new.extend(amp());
        [message("/s_new", new), message("/n_free", vec![OscType::Int(node)])]
    } else {
        let mut new = vec!["sine".into(), OscType::Int(node), OscType::Int(0), OscType::Int(1)];
        new.extend(amp());
        [message("/synth/new", new), message("/node/free", vec![OscType::Int(node)])]
    }
}

/// Every round's datagrams, its `/sync` last.
fn plan(o: &Options) -> Vec<Vec<Vec<u8>>> {
    let encode = |p: &OscPacket| rosc::encoder::encode(p).expect("encodable");
    let mut node = o.first_node;
    (0..o.rounds)
        .map(|r| {
            let pairs: Vec<[OscPacket; 2]> = (0..PAIRS_PER_SYNC)
                .map(|_| {
                    node += 1;
                    pair(o.scsynth, node)
                })
                .collect();
            let mut datagrams: Vec<Vec<u8>> = if o.bundled {
                pairs
                    .chunks(PAIRS_PER_BUNDLE)
                    .map(|chunk| {
                        let content = chunk.iter().flat_map(|p| p.iter().cloned()).collect();
                        encode(&OscPacket::Bundle(OscBundle {
                            timetag: OscTime { seconds: 0, fractional: 1 },
                            content,
                        }))
                    })
                    .collect()
            } else {
                pairs.iter().flat_map(|p| p.iter().map(encode)).collect()
            };
            datagrams.push(encode(&message("/sync", vec![OscType::Int(r as i32 + 1)])));
            datagrams
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    acks: AtomicU64,
    failures: AtomicU64,
    datagrams: AtomicU64,
    /// The highest `/synced` token in order so far.
    synced: AtomicI64,
    done: AtomicBool,
}

/// Counts the messages of one datagram, opening bundles without decoding their messages
/// beyond their addresses (and a `/synced`'s token).
fn count(data: &[u8], counts: &Counts, woken: &(Mutex<()>, Condvar)) {
    if let Some(mut rest) = data.strip_prefix(b"#bundle\0".as_slice()).and_then(|r| r.get(8..)) {
        while rest.len() >= 4 {
            let n = i32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]).max(0) as usize;
            let Some(element) = rest.get(4..4 + n) else { return };
            count(element, counts, woken);
            rest = &rest[4 + n..];
        }
        return;
    }
    if data.starts_with(b"/ack\0") {
        counts.acks.fetch_add(1, Ordering::Relaxed);
    } else if data.starts_with(b"/synced\0") {
        // "/synced\0" ",i\0\0" then the token.
        if let Some(token) = data.get(12..16) {
            let token = i32::from_be_bytes([token[0], token[1], token[2], token[3]]) as i64;
            if token == counts.synced.load(Ordering::Relaxed) + 1 {
                counts.synced.store(token, Ordering::Release);
                let _guard = woken.0.lock().unwrap();
                woken.1.notify_all();
            }
        }
    } else if data.starts_with(b"/fail\0") || data.starts_with(b"/error\0") {
        counts.failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// The datagrams the kernel dropped on this machine's UDP socket bound to `port`.
fn kernel_drops(port: u16) -> u64 {
    let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?.split(':').nth(1)?;
            (u16::from_str_radix(local, 16).ok()? == port).then(|| fields.last()?.parse().ok())?
        })
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
fn grow_receive_buffer(socket: &UdpSocket) {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 16 << 20;
    // SO_RCVBUFFORCE passes the system's limit as root; SO_RCVBUF otherwise.
    for option in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: a valid socket and a c_int option of the right size.
        let r = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            return;
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn grow_receive_buffer(_: &UdpSocket) {}

/// Sends `datagrams` in order on the connected `socket`, up to 64 a system call
/// (`sendmmsg`), so that sending one message a datagram costs the client less than the
/// server.
#[cfg(target_os = "linux")]
fn send_all(socket: &UdpSocket, datagrams: &[Vec<u8>]) {
    use std::os::fd::AsRawFd;
    for chunk in datagrams.chunks(64) {
        let mut iovecs: Vec<libc::iovec> =
            chunk.iter().map(|d| libc::iovec { iov_base: d.as_ptr() as *mut _, iov_len: d.len() }).collect();
        let mut headers: Vec<libc::mmsghdr> = iovecs
            .iter_mut()
            .map(|iov| {
                // SAFETY: an all-zero mmsghdr is a valid empty one.
                let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
                h.msg_hdr.msg_iov = iov;
                h.msg_hdr.msg_iovlen = 1;
                h
            })
            .collect();
        let mut sent = 0;
        while sent < headers.len() {
            // SAFETY: the headers point at iovecs and datagrams that outlive the call.
            let n = unsafe {
                libc::sendmmsg(socket.as_raw_fd(), headers[sent..].as_mut_ptr(), (headers.len() - sent) as u32, 0)
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                assert!(e.kind() == std::io::ErrorKind::Interrupted, "sendmmsg: {e}");
                continue;
            }
            sent += n as usize;
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn send_all(socket: &UdpSocket, datagrams: &[Vec<u8>]) {
    for d in datagrams {
        socket.send(d).expect("send");
    }
}

/// One request at a time, each sent when the previous one's reply came: the p50 and p99
/// of the round trip, in milliseconds. `/sync` carries a token; any reply counts.
fn round_trips(o: &Options, address: &str) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
    socket.connect(("127.0.0.1", o.port)).expect("the server's address");
    socket.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    let args = if address == "/sync" { vec![OscType::Int(1)] } else { vec![] };
    let request = rosc::encoder::encode(&message(address, args)).expect("encodable");
    let mut buffer = vec![0u8; 65536];
    let mut times = Vec::with_capacity(o.trips);
    // A first request makes the client known, as a server may answer a stranger less.
    for trip in 0..o.trips + 1 {
        let sent = Instant::now();
        socket.send(&request).expect("send");
        socket.recv(&mut buffer).expect("a reply within 10 s");
        if trip > 0 {
            times.push(sent.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    println!("{:.4} {:.4}", times[times.len() / 2], times[times.len() * 99 / 100]);
}

fn main() {
    let o = options();
    if let Some(address) = &o.round_trip {
        return round_trips(&o, address);
    }
    let plan = plan(&o);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
    grow_receive_buffer(&socket);
    socket.connect(("127.0.0.1", o.port)).expect("the server's address");
    socket.set_read_timeout(Some(Duration::from_millis(100))).expect("a read timeout");
    let local_port = socket.local_addr().expect("bound").port();
    let counts = Arc::new(Counts::default());
    let woken = Arc::new((Mutex::new(()), Condvar::new()));
    let reader = {
        let (socket, counts, woken) = (socket.try_clone().expect("a second handle"), counts.clone(), woken.clone());
        std::thread::spawn(move || {
            let mut buffer = vec![0u8; 65536];
            while !counts.done.load(Ordering::Relaxed) {
                if let Ok(n) = socket.recv(&mut buffer) {
                    counts.datagrams.fetch_add(1, Ordering::Relaxed);
                    count(&buffer[..n], &counts, &woken);
                }
            }
        })
    };
    let drops_before = kernel_drops(local_port);
    let wait_for = |token: usize| -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut guard = woken.0.lock().unwrap();
        while counts.synced.load(Ordering::Acquire) < token as i64 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = woken.1.wait_timeout(guard, left.min(Duration::from_millis(50))).unwrap().0;
        }
        true
    };
    let start = Instant::now();
    let mut timed_out = false;
    'rounds: for (r, datagrams) in plan.iter().enumerate() {
        if r >= o.window && !wait_for(r + 1 - o.window) {
            timed_out = true;
            break 'rounds;
        }
        // A full socket send buffer blocks: nothing is dropped on the client's side.
        send_all(&socket, datagrams);
    }
    if !timed_out && !wait_for(plan.len()) {
        timed_out = true;
    }
    let elapsed = start.elapsed().as_secs_f64();
    // Late replies (the last round's acks may trail its `/synced` in another datagram).
    std::thread::sleep(Duration::from_millis(200));
    counts.done.store(true, Ordering::Relaxed);
    reader.join().expect("the reader");
    let pairs = (o.rounds * PAIRS_PER_SYNC) as f64;
    println!(
        "{:.0} {} {} {} {} {}",
        if timed_out { 0.0 } else { pairs / elapsed },
        counts.acks.load(Ordering::Relaxed),
        counts.failures.load(Ordering::Relaxed),
        counts.datagrams.load(Ordering::Relaxed),
        kernel_drops(local_port).saturating_sub(drops_before),
        timed_out as u8,
    );
}
