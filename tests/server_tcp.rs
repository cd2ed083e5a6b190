//! The TCP transport (`--tcp-port`): packets framed by a big-endian int32 length, every
//! verb, replies and notifications on the connection; a flood loses nothing; and the
//! limits: connections, message size, and replies a client leaves unread.
#![cfg(target_os = "linux")]
mod support;

use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use rosc::{OscPacket, OscType};
use support::server::{assert_error, encode, i, msg, s, Server, REPLY_TIMEOUT};
use support::tcp_client::TcpClient;

fn tcp_server(extra: &[&str]) -> Server {
    let mut flags = vec!["--tcp-port", "0"];
    flags.extend_from_slice(extra);
    let server = Server::start_with(&flags);
    assert!(server.tcp_addr.is_some(), "no tcp address in the listening line:\n{}", server.log());
    server
}

fn connect(server: &Server) -> TcpClient {
    TcpClient::connect(server.tcp_addr.unwrap())
}

#[test]
fn a_tcp_client_is_a_client_like_any_with_replies_and_notifications_on_its_connection() {
    let server = tcp_server(&[]);
    let mut c = connect(&server);
    // Its address is proven by the handshake: a tree query as its first message is answered.
    c.send("/node/tree", vec![i(0)]);
    assert_eq!(c.recv().addr, "/node/tree");
    c.send("/notify", vec![i(1)]);
    assert_eq!(c.recv().args, vec![s("/notify"), i(1)]);
    c.send("/group/new", vec![i(1), i(0), i(0)]);
    assert_eq!(c.recv().args, vec![s("/group/new"), i(1)]);
    c.send("/nope", vec![]);
    assert_error(&c.recv(), "/nope", 10);

    // A UDP client's change reaches it as a notification.
    let mut udp = server.client();
    udp.ok("/node/free", vec![i(1)], "/node/free", 1);
    assert_eq!((c.expect("/node/ended").args), vec![i(1)]);
    let st = udp.status();
    assert_eq!((st.tcp_connections, st.notified_clients), (1, 1), "{st:?}");

    // Closed, it is forgotten: no longer notified.
    drop(c);
    let deadline = Instant::now() + REPLY_TIMEOUT;
    while udp.status().tcp_connections != 0 {
        assert!(Instant::now() < deadline, "the closed connection is still open");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(udp.status().notified_clients, 0);
}

#[test]
fn a_scsynth_client_over_tcp_logs_in_and_gets_scsynths_replies() {
    let server = tcp_server(&["--dialect", "scsynth"]);
    let mut c = connect(&server);
    c.send("/notify", vec![i(1), i(3)]);
    assert_eq!(c.recv().args, vec![s("/notify"), i(3), i(32)]);
    c.send("/g_new", vec![i(5), i(0), i(0)]);
    assert_eq!(c.expect("/n_go").args[0], i(5));
    c.send("/g_queryTree", vec![i(0)]);
    assert_eq!(c.expect("/g_queryTree.reply").args, vec![i(0), i(0), i(1), i(5), i(0)]);
}

#[test]
fn ten_thousand_commands_over_tcp_are_all_answered_none_refused() {
    // A long device buffer: the audio thread takes commands in bursts, 170 ms apart, so
    // the command queue (4096) fills and the connection's commands wait for room.
    let server = tcp_server(&["--buffer-size", "8192"]);
    let mut c = connect(&server);
    let mut observer = connect(&server);
    let count = 10_000;
    let replies = {
        let mut stream = c.stream().try_clone().unwrap();
        std::thread::spawn(move || {
            let mut all = Vec::with_capacity(count);
            let mut length = [0u8; 4];
            stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            while all.len() < count {
                use std::io::Read;
                stream.read_exact(&mut length).expect("a reply's length");
                let mut packet = vec![0; u32::from_be_bytes(length) as usize];
                stream.read_exact(&mut packet).expect("a reply");
                let (_, OscPacket::Message(m)) = rosc::decoder::decode_udp(&packet).unwrap() else { panic!() };
                all.push(m);
            }
            all
        })
    };
    let start = Instant::now();
    let mut burst = Vec::new();
    for k in 0..count {
        let sync = encode(&OscPacket::Message(msg("/sync", vec![OscType::Int(k as i32)])));
        burst.extend_from_slice(&(sync.len() as u32).to_be_bytes());
        burst.extend_from_slice(&sync);
        if burst.len() > 16 * 1024 {
            c.write(&burst).unwrap();
            burst.clear();
        }
    }
    c.write(&burst).unwrap();
    let sent_in = start.elapsed();
    let all = replies.join().unwrap();
    let answered_in = start.elapsed();
    let tokens: Vec<OscType> = all.iter().map(|m| m.args.first().cloned().unwrap_or(s(&m.addr))).collect();
    let expected: Vec<OscType> = (0..count as i32).map(OscType::Int).collect();
    assert!(all.iter().all(|m| m.addr == "/synced"), "{:?}", all.iter().find(|m| m.addr != "/synced"));
    assert_eq!(tokens, expected, "every /sync answered, in order");
    let st = observer.status();
    assert_eq!((st.commands_rejected, st.events_dropped, st.tcp_slow), (0, 0, 0), "{st:?}");
    eprintln!(
        "{count} /sync over tcp sent in {sent_in:?}, all answered in {answered_in:?}; {} messages waited for room \
         in the command queue",
        st.tcp_waits
    );
}

#[test]
fn a_client_that_never_reads_is_disconnected_at_the_bound_while_another_is_served() {
    let server = tcp_server(&["--tcp-max-output", "65536"]);
    let mut slow = connect(&server);
    // A small receive buffer, so the kernel holds little of what it does not read.
    let small: libc::c_int = 4096;
    // SAFETY: a valid socket and a pointer to an int of the size given.
    let set = unsafe {
        libc::setsockopt(
            slow.stream().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&small as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0);
    let mut other = connect(&server);
    other.send("/synthdef/list", vec![]);
    let list = encode(&OscPacket::Message(msg("/synthdef/list", vec![])));
    let reply = other.expect("/synthdef/list");
    let mut burst = Vec::new();
    for _ in 0..100 {
        burst.extend_from_slice(&(list.len() as u32).to_be_bytes());
        burst.extend_from_slice(&list);
    }
    // Each round asks for some 100 lists it never reads, until the server cuts it off.
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 2000, "not disconnected after {} lists of {} args", rounds * 100, reply.args.len());
        let wrote = slow.write(&burst);
        let st = other.status();
        if st.tcp_slow == 1 {
            assert_eq!(st.tcp_connections, 1, "{st:?}");
            break;
        }
        assert!(wrote.is_ok() || st.tcp_slow == 1, "the slow client's connection failed uncounted: {st:?}");
    }
    // The other client is served as before.
    other.send("/synthdef/list", vec![]);
    assert_eq!(other.expect("/synthdef/list").args, reply.args);
    server.wait_log("--tcp-max-output");
}

#[test]
fn a_message_over_the_limit_is_refused_and_its_connection_closed() {
    let server = tcp_server(&["--tcp-max-message", "1024"]);
    let mut c = connect(&server);
    c.send("/status", vec![]);
    assert_eq!(c.recv().addr, "/status/reply");
    // A length of 4096, then a few of its bytes.
    let mut header = 4096u32.to_be_bytes().to_vec();
    header.extend_from_slice(b"/sync\0\0\0");
    c.write(&header).unwrap();
    let text = assert_error(&c.recv(), "", 4);
    assert!(text.contains("4096") && text.contains("1024"), "{text}");
    assert!(c.closes(), "the connection stays open");
    let st = connect(&server).status();
    assert_eq!((st.tcp_oversize, st.tcp_connections), (1, 1), "{st:?}");
}

#[test]
fn connections_past_the_limit_are_refused_with_error_8_and_counted() {
    let server = tcp_server(&["--tcp-max-connections", "2"]);
    let mut first = connect(&server);
    assert_eq!(first.status().tcp_connections, 1);
    let mut second = connect(&server);
    assert_eq!(second.status().tcp_connections, 2);
    let mut third = connect(&server);
    let text = assert_error(&third.recv(), "", 8);
    assert!(text.contains("2 tcp connections"), "{text}");
    assert!(third.closes());
    let st = first.status();
    assert_eq!((st.tcp_connections, st.tcp_refused), (2, 1), "{st:?}");
    // Once one closes, a new one is served.
    drop(second);
    let deadline = Instant::now() + REPLY_TIMEOUT;
    while first.status().tcp_connections != 1 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(connect(&server).status().tcp_connections, 2);
}

#[test]
fn connections_from_sources_not_allowed_are_closed_unanswered_and_counted() {
    let server = tcp_server(&["--allow", "127.0.0.1"]);
    let other: IpAddr = "127.0.0.2".parse().unwrap();
    let mut stranger = TcpClient::connect_from(other, server.tcp_addr.unwrap());
    stranger.send("/status", vec![]);
    assert!(stranger.closes(), "the stranger's connection stays open");
    assert!(stranger.take_pending().is_empty(), "the stranger got an answer");
    let st = connect(&server).status();
    assert_eq!((st.refused_sources, st.tcp_connections), (1, 1), "{st:?}");
}

#[test]
fn quit_over_tcp_is_acknowledged_on_the_connection_before_it_closes() {
    let mut server = tcp_server(&[]);
    let mut c = connect(&server);
    c.send("/quit", vec![]);
    assert_eq!(c.expect("/ack").args, vec![s("/quit"), i(0)]);
    assert!(c.closes());
    let status = server.wait_exit(REPLY_TIMEOUT).expect("the server exits");
    assert!(status.success(), "{status:?}");
}
