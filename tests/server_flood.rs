//! No silent loss at the socket. A client sends 10,000 one-message datagrams (`/sync`) as
//! fast as it can; each is answered (`/synced`, or error 32 when the command queue is
//! full) or counted as dropped by whoever dropped it: the kernel at the server's socket
//! (`/status/reply` field 24), the event queue (field 10), or the kernel at the client's
//! own socket (its drop count in /proc/net/udp). The client then sends `/status` until
//! the sums balance: none may vanish. Nothing here depends on the machine's speed; the
//! figures it prints (rate, drops) are for docs/reliability.md.
#![cfg(target_os = "linux")]
mod support;

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosc::{OscMessage, OscPacket, OscType};
use support::server::{encode, flatten, i, msg, Server, Status};

const FLOOD: usize = 10_000;

/// How long the sums may take to balance once the flood is sent: only reached when a
/// datagram vanished.
const SETTLE: Duration = Duration::from_secs(60);

/// What the client's reader thread has received.
#[derive(Default)]
struct Tally {
    synced: usize,
    queue_full: usize,
    statuses: usize,
    latest: Option<Status>,
    unexpected: Vec<OscMessage>,
}

/// Datagrams the kernel dropped at the UDP socket bound to `local`, from /proc/net/udp's
/// `drops` column.
fn socket_drops(local: SocketAddr) -> usize {
    let table = std::fs::read_to_string("/proc/net/udp").expect("/proc/net/udp is readable");
    let want = format!(":{:04X}", local.port());
    table
        .lines()
        .skip(1)
        .find(|l| l.split_whitespace().nth(1).is_some_and(|a| a.ends_with(&want)))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .expect("the client's socket is in /proc/net/udp")
}

fn set_receive_buffer(socket: &UdpSocket, bytes: libc::c_int) {
    // SAFETY: a valid socket and a pointer to an int of the size given.
    let set = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&bytes as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "setsockopt(SO_RCVBUF): {}", std::io::Error::last_os_error());
}

/// Floods a server started with `flags` and returns its last status once every datagram
/// is accounted for.
fn flood(flags: &[&str]) -> Status {
    let server = Server::start_with(flags);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    set_receive_buffer(&socket, 8 << 20);
    socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (socket, tally, stop) = (socket.try_clone().unwrap(), Arc::clone(&tally), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut buf = vec![0; 65_536];
            while !stop.load(Ordering::Relaxed) {
                let Ok(n) = socket.recv(&mut buf) else { continue };
                let Ok((_, packet)) = rosc::decoder::decode_udp(&buf[..n]) else {
                    panic!("undecodable reply: {:?}", &buf[..n.min(64)])
                };
                // Replies owed at once arrive coalesced in bundles.
                let mut replies = std::collections::VecDeque::new();
                flatten(packet, &mut replies);
                let mut t = tally.lock().unwrap();
                for m in replies {
                    match m.addr.as_str() {
                        "/synced" => t.synced += 1,
                        "/error" if m.args.get(1) == Some(&i(32)) => t.queue_full += 1,
                        "/status/reply" => {
                            t.statuses += 1;
                            t.latest = Some(Status::parse(&m));
                        }
                        _ => t.unexpected.push(m),
                    }
                }
            }
        })
    };

    let start = Instant::now();
    for k in 0..FLOOD {
        let sync = encode(&OscPacket::Message(msg("/sync", vec![OscType::Int(k as i32)])));
        socket.send_to(&sync, server.addr).expect("send a datagram");
    }
    let sent_in = start.elapsed();
    let status = encode(&OscPacket::Message(msg("/status", vec![])));
    let mut probes = 0;
    let deadline = Instant::now() + SETTLE;
    let (last, accounted) = loop {
        socket.send_to(&status, server.addr).expect("send a datagram");
        probes += 1;
        std::thread::sleep(Duration::from_millis(20));
        assert!(!reader.is_finished(), "the reader stopped");
        assert!(
            Instant::now() < deadline || tally.lock().unwrap().latest.is_some(),
            "no /status/reply within {SETTLE:?}"
        );
        let t = tally.lock().unwrap();
        assert!(t.unexpected.is_empty(), "unexpected replies: {:?}", t.unexpected);
        if let Some(st) = t.latest.clone() {
            let accounted = t.synced
                + t.queue_full
                + t.statuses
                + st.udp_datagrams_dropped as usize
                + st.events_dropped as usize
                + socket_drops(socket.local_addr().unwrap());
            if accounted == FLOOD + probes {
                break (st, accounted);
            }
            assert!(accounted < FLOOD + probes, "counted more than was sent: {accounted}, {st:?}");
            assert!(
                Instant::now() < deadline,
                "{} of {} datagrams are neither answered nor counted: {} /synced, {} queue full, {} \
                 /status/reply, last status {st:?}",
                FLOOD + probes - accounted,
                FLOOD + probes,
                t.synced,
                t.queue_full,
                t.statuses
            );
        }
    };
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    let t = tally.lock().unwrap();
    eprintln!(
        "{flags:?}: {FLOOD} datagrams sent in {sent_in:?} ({:.0}/s); receive buffer granted {} bytes; {} \
         /synced, {} refused (queue full), {} dropped at the server's socket, {} events dropped, {} dropped at \
         the client's socket; {probes} /status sent, {} answered; {accounted} accounted",
        FLOOD as f64 / sent_in.as_secs_f64(),
        last.udp_receive_buffer,
        t.synced,
        t.queue_full,
        last.udp_datagrams_dropped,
        last.events_dropped,
        socket_drops(socket.local_addr().unwrap()),
        t.statuses,
    );
    last
}

#[test]
fn a_flood_into_a_small_receive_buffer_is_answered_or_counted_to_the_last_datagram() {
    let st = flood(&["--udp-receive-buffer", "4096"]);
    assert!(st.udp_receive_buffer >= 4096, "{st:?}");
    assert!(st.udp_datagrams_dropped > 0, "a 4 KiB buffer held a flood of {FLOOD}: {st:?}");
}

#[test]
fn a_flood_into_the_default_receive_buffer_is_answered_or_counted_to_the_last_datagram() {
    let st = flood(&[]);
    // 4 MiB asked; Linux reports twice what it set, unless net.core.rmem_max caps it.
    assert!(st.udp_receive_buffer > 0, "{st:?}");
}

#[test]
fn notified_clients_hear_of_dropped_datagrams() {
    let server = Server::start_with(&["--udp-receive-buffer", "4096"]);
    let mut watcher = server.client();
    watcher.ok("/notify", vec![i(1)], "/notify", 1);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sync = encode(&OscPacket::Message(msg("/sync", vec![i(1)])));
    for _ in 0..FLOOD {
        socket.send_to(&sync, server.addr).unwrap();
    }
    // The drops are known once a datagram queued after them is read: ask for the status
    // (again, should the kernel drop the asking too) until it shows them.
    let mut seen = Vec::new();
    for attempt in 0.. {
        assert!(attempt < 500, "no drops shown; received {seen:?}");
        watcher.send("/status", vec![]);
        let Some(m) = watcher.recv_timeout(Duration::from_millis(100)) else { continue };
        match m.addr.as_str() {
            "/status/reply" if Status::parse(&m).udp_datagrams_dropped > 0 => break,
            "/status/reply" => {}
            _ => seen.push(m),
        }
    }
    let notice = match seen.iter().find(|m| m.addr == "/error") {
        Some(m) => m.clone(),
        None => watcher.expect("/error"),
    };
    let text = support::server::assert_error(&notice, "", 7);
    assert!(text.contains("dropped") && text.contains("receive buffer"), "{text}");
}
