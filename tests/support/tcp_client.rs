//! A TCP OSC client for the harness: packets framed by a big-endian int32 length, on one
//! connection to a server started with `--tcp-port`. Every read is bounded in time.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rosc::{OscMessage, OscPacket, OscType};

use super::server::{encode, msg, Status, REPLY_TIMEOUT};

/// One TCP connection to the server.
pub struct TcpClient {
    stream: TcpStream,
    pending: VecDeque<OscMessage>,
}

/// What reading the connection found.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A whole packet's messages are pending.
    Packet,
    /// Nothing within the time given.
    Nothing,
    /// The server closed the connection.
    Closed,
}

impl TcpClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> TcpClient {
        TcpClient::from_stream(TcpStream::connect(addr).expect("connect to the server's tcp port"))
    }

    /// Connects to `addr` from `ip` (on Linux, any of 127.0.0.0/8 is a loopback source).
    pub fn connect_from(ip: IpAddr, addr: SocketAddr) -> TcpClient {
        use std::os::fd::FromRawFd;
        let IpAddr::V4(ip) = ip else { panic!("IPv4 sources only") };
        let sockaddr = |ip: std::net::Ipv4Addr, port: u16| libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: port.to_be(),
            sin_addr: libc::in_addr { s_addr: u32::from(ip).to_be() },
            sin_zero: [0; 8],
        };
        let SocketAddr::V4(to) = addr else { panic!("an IPv4 server") };
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        // SAFETY: a new socket, and sockaddr_in values of the length given.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let from = sockaddr(ip, 0);
            assert_eq!(libc::bind(fd, (&from as *const libc::sockaddr_in).cast(), len), 0, "bind {ip}");
            let to = sockaddr(*to.ip(), to.port());
            assert_eq!(
                libc::connect(fd, (&to as *const libc::sockaddr_in).cast(), len),
                0,
                "connect: {}",
                std::io::Error::last_os_error()
            );
            TcpClient::from_stream(TcpStream::from_raw_fd(fd))
        }
    }

    fn from_stream(stream: TcpStream) -> TcpClient {
        stream.set_nodelay(true).unwrap();
        TcpClient { stream, pending: VecDeque::new() }
    }

    /// The connection, for socket options.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Writes `bytes` as they are: framed messages, or part of one.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends `bytes` as one message (its length first).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let mut framed = (bytes.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(bytes);
        self.stream.write_all(&framed).expect("write to the server");
    }

    /// Sends a message.
    pub fn send(&mut self, addr: &str, args: Vec<OscType>) {
        self.send_raw(&encode(&OscPacket::Message(msg(addr, args))));
    }

    /// Reads one packet within `timeout` into the pending messages.
    pub fn read(&mut self, timeout: Duration) -> Frame {
        self.stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1)))).unwrap();
        let mut length = [0u8; 4];
        match self.stream.read(&mut length[..1]) {
            Ok(0) => return Frame::Closed,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Frame::Nothing,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Frame::Closed,
            Err(e) => panic!("read from the server: {e}"),
        }
        // The rest of a packet follows its first byte.
        self.stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        self.stream.read_exact(&mut length[1..]).expect("a whole length");
        let mut packet = vec![0u8; u32::from_be_bytes(length) as usize];
        self.stream.read_exact(&mut packet).expect("a whole packet");
        let (_, packet) = rosc::decoder::decode_udp(&packet).expect("a decodable reply");
        flatten(packet, &mut self.pending);
        Frame::Packet
    }

    /// The next message, or `None` after `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<OscMessage> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(m) = self.pending.pop_front() {
                return Some(m);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.read(left) == Frame::Closed {
                return None;
            }
        }
    }

    /// The next message; panics after [`REPLY_TIMEOUT`] or if the connection closes.
    #[track_caller]
    pub fn recv(&mut self) -> OscMessage {
        match self.recv_timeout(REPLY_TIMEOUT) {
            Some(m) => m,
            None => panic!("no reply on the tcp connection within {REPLY_TIMEOUT:?}"),
        }
    }

    /// The next message with this address, skipping others.
    #[track_caller]
    pub fn expect(&mut self, addr: &str) -> OscMessage {
        let mut skipped = Vec::new();
        loop {
            let m = self.recv();
            if m.addr == addr {
                return m;
            }
            skipped.push(m);
            assert!(skipped.len() < 10_000, "no {addr}; received {skipped:?}");
        }
    }

    /// Asks for the status.
    #[track_caller]
    pub fn status(&mut self) -> Status {
        self.send("/status", vec![]);
        Status::parse(&self.expect("/status/reply"))
    }

    /// Whether the server closes the connection, every message before the close read
    /// into the pending ones (within [`REPLY_TIMEOUT`]).
    pub fn closes(&mut self) -> bool {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read(left) {
                Frame::Closed => return true,
                Frame::Nothing => return false,
                Frame::Packet => {}
            }
        }
    }

    /// Takes the messages read and not yet handed out.
    pub fn take_pending(&mut self) -> Vec<OscMessage> {
        self.pending.drain(..).collect()
    }
}

fn flatten(packet: OscPacket, out: &mut VecDeque<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push_back(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| flatten(p, out)),
    }
}
