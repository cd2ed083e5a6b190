//! The UDP socket's receiving side: a receive buffer sized for bursts, datagrams read in
//! batches, and the kernel's count of the datagrams it dropped because that buffer was
//! full.
//!
//! On Linux the socket asks for `SO_RXQ_OVFL`, so every datagram comes with the socket's
//! drop counter as it stood when the datagram was queued, and `recvmmsg(2)` reads up to
//! [`BATCH`] datagrams, each with that counter, in one system call. Elsewhere the
//! datagrams are read one `recv_from` at a time, and the drops are not known.
//!
//! Context: NRT (network thread).

use std::io;
use std::net::SocketAddr;

use tokio::net::UdpSocket;

use crate::osc::MAX_PACKET_SIZE;

/// Datagrams read per system call. Measured on Linux (docs/architecture.md, "The network
/// path"), batches of 8, 32 and 64 cost alike; 16 keeps the slots at 1 MiB.
pub const BATCH: usize = 16;

/// Room for one datagram: one byte more than the largest accepted, to notice a larger one.
const SLOT: usize = MAX_PACKET_SIZE + 1;

/// What the receive buffer was asked to be, and what the kernel made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveBuffer {
    /// The size asked for (`--udp-receive-buffer`).
    pub asked: usize,
    /// The size the kernel reports (`getsockopt(SO_RCVBUF)`: on Linux twice the size set,
    /// which it keeps for its bookkeeping), if it can be read.
    pub granted: Option<usize>,
    /// Whether the size was set past the system's limit (`SO_RCVBUFFORCE`, which needs
    /// `CAP_NET_ADMIN`).
    pub forced: bool,
}

/// Reads the socket's datagrams in batches and keeps the kernel's drop count.
pub struct UdpReceiver {
    slots: Vec<u8>,
    received: Vec<(usize, SocketAddr)>,
    drops: DropCount,
    #[cfg(target_os = "linux")]
    batch: linux::Batch,
}

/// The kernel's drop counter as datagrams report it: a `u32` that may wrap, read into a
/// total that does not.
#[derive(Debug, Default)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
struct DropCount {
    last: u32,
    total: u64,
    known: bool,
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl DropCount {
    fn observe(&mut self, counter: u32) {
        // The counter only grows; a datagram reports it as it was when that datagram was
        // queued, and datagrams are read in order.
        self.total += u64::from(counter.wrapping_sub(self.last));
        self.last = counter;
    }
}

impl UdpReceiver {
    /// A receiver for `socket`, turning on the kernel's drop counter where there is one.
    pub fn new(socket: &UdpSocket) -> UdpReceiver {
        #[cfg(target_os = "linux")]
        let known = linux::count_drops(socket);
        #[cfg(not(target_os = "linux"))]
        let known = {
            let _ = socket;
            false
        };
        UdpReceiver {
            slots: vec![0; SLOT * BATCH],
            received: Vec::with_capacity(BATCH),
            drops: DropCount { known, ..DropCount::default() },
            #[cfg(target_os = "linux")]
            batch: linux::Batch::new(),
        }
    }

    /// Reads the datagrams waiting, up to [`BATCH`], without waiting for more: how many
    /// were read ([`datagram`](Self::datagram) gives each). `WouldBlock` when none was
    /// waiting, which also tells tokio to wait for the socket to become readable again.
    pub fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        self.received.clear();
        #[cfg(target_os = "linux")]
        {
            let (slots, received, drops) = (&mut self.slots, &mut self.received, &mut self.drops);
            self.batch.receive(socket, slots, SLOT, received, drops)?;
        }
        #[cfg(not(target_os = "linux"))]
        {
            while self.received.len() < BATCH {
                let k = self.received.len();
                match socket.try_recv_from(&mut self.slots[k * SLOT..(k + 1) * SLOT]) {
                    Ok((n, from)) => self.received.push((n, from)),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock && k > 0 => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(self.received.len())
    }

    /// The `k`th datagram of the last batch and its source.
    pub fn datagram(&self, k: usize) -> (&[u8], SocketAddr) {
        let (len, from) = self.received[k];
        (&self.slots[k * SLOT..k * SLOT + len.min(SLOT)], from)
    }

    /// Datagrams the kernel dropped because the receive buffer was full, as far as the
    /// datagrams read so far tell; `None` where the kernel does not say.
    pub fn kernel_drops(&self) -> Option<u64> {
        self.drops.known.then_some(self.drops.total)
    }
}

/// Asks for a receive buffer of `bytes`, past the system's limit where allowed, and reads
/// back what the kernel granted.
pub fn size_receive_buffer(socket: &UdpSocket, bytes: usize) -> ReceiveBuffer {
    #[cfg(target_os = "linux")]
    {
        linux::size_receive_buffer(socket, bytes)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = socket;
        ReceiveBuffer { asked: bytes, granted: None, forced: false }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::mem::{size_of, zeroed};
    use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
    use std::os::fd::AsRawFd;

    use tokio::io::Interest;
    use tokio::net::UdpSocket;

    use super::{DropCount, ReceiveBuffer, BATCH};

    /// Control-message room for one `u32` (the drop counter), with the kernel's alignment.
    const CONTROL: usize = 64;

    fn set_int(socket: &UdpSocket, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
        // SAFETY: a valid descriptor, and a pointer to an int of the length given.
        let done = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&value as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if done == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn get_int(socket: &UdpSocket, option: libc::c_int) -> io::Result<libc::c_int> {
        let mut value: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: a valid descriptor, and a pointer to an int with its length.
        let done = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if done == 0 {
            Ok(value)
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Turns on `SO_RXQ_OVFL`; whether the kernel took it.
    pub fn count_drops(socket: &UdpSocket) -> bool {
        match set_int(socket, libc::SO_RXQ_OVFL, 1) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("the kernel will not count dropped datagrams (SO_RXQ_OVFL: {e})");
                false
            }
        }
    }

    pub fn size_receive_buffer(socket: &UdpSocket, bytes: usize) -> ReceiveBuffer {
        let value = bytes.min(libc::c_int::MAX as usize / 2) as libc::c_int;
        if let Err(e) = set_int(socket, libc::SO_RCVBUF, value) {
            tracing::warn!("cannot size the UDP receive buffer (SO_RCVBUF {value}: {e})");
        }
        let granted = || get_int(socket, libc::SO_RCVBUF).ok().map(|g| g.max(0) as usize);
        // Linux grants twice what was set, capped at net.core.rmem_max; past that cap only
        // SO_RCVBUFFORCE, with CAP_NET_ADMIN, sets it.
        let mut forced = false;
        if granted().is_some_and(|g| g < bytes.saturating_mul(2)) {
            forced = set_int(socket, libc::SO_RCVBUFFORCE, value).is_ok();
        }
        ReceiveBuffer { asked: bytes, granted: granted(), forced }
    }

    /// The headers `recvmmsg` fills, and what they point into.
    pub struct Batch {
        headers: Vec<libc::mmsghdr>,
        iovecs: Vec<libc::iovec>,
        names: Vec<libc::sockaddr_storage>,
        controls: Vec<[u64; CONTROL / 8]>,
    }

    impl Batch {
        pub fn new() -> Batch {
            // SAFETY: all-zero bytes are valid for these plain C structs.
            let (header, name) = unsafe { (zeroed::<libc::mmsghdr>(), zeroed::<libc::sockaddr_storage>()) };
            Batch {
                headers: vec![header; BATCH],
                iovecs: vec![libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; BATCH],
                names: vec![name; BATCH],
                controls: vec![[0; CONTROL / 8]; BATCH],
            }
        }

        /// One `recvmmsg` into `slots` (`BATCH` slots of `slot` bytes each).
        pub fn receive(
            &mut self,
            socket: &UdpSocket,
            slots: &mut [u8],
            slot: usize,
            received: &mut Vec<(usize, SocketAddr)>,
            drops: &mut DropCount,
        ) -> io::Result<()> {
            // The kernel writes the lengths back: set every field each time.
            for k in 0..BATCH {
                self.iovecs[k] = libc::iovec { iov_base: slots[k * slot..].as_mut_ptr().cast(), iov_len: slot };
                let header = &mut self.headers[k];
                header.msg_len = 0;
                header.msg_hdr.msg_name = (&mut self.names[k] as *mut libc::sockaddr_storage).cast();
                header.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
                header.msg_hdr.msg_iov = &mut self.iovecs[k];
                header.msg_hdr.msg_iovlen = 1;
                header.msg_hdr.msg_control = self.controls[k].as_mut_ptr().cast();
                header.msg_hdr.msg_controllen = CONTROL as _;
                header.msg_hdr.msg_flags = 0;
            }
            let fd = socket.as_raw_fd();
            let headers = self.headers.as_mut_ptr();
            let n = socket.try_io(Interest::READABLE, || {
                // SAFETY: BATCH headers, each pointing at its own name, control buffer and
                // one iovec over a slot of `slot` bytes, all alive and unaliased for the call.
                let n = unsafe {
                    libc::recvmmsg(fd, headers, BATCH as libc::c_uint, libc::MSG_DONTWAIT, std::ptr::null_mut())
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            })?;
            for k in 0..n {
                let header = &self.headers[k];
                if let Some(counter) = drop_counter(&header.msg_hdr) {
                    drops.observe(counter);
                }
                if let Some(from) = socket_addr(&self.names[k]) {
                    received.push((header.msg_len as usize, from));
                } else {
                    // Not an IP source: nothing to answer. Keep the slot's place.
                    received.push((0, SocketAddr::from(([0, 0, 0, 0], 0))));
                }
            }
            Ok(())
        }
    }

    /// The `SO_RXQ_OVFL` counter of a received datagram, if the kernel attached it (it
    /// does once the count is not 0).
    fn drop_counter(header: &libc::msghdr) -> Option<u32> {
        // SAFETY: `header` was filled by recvmmsg; the CMSG macros walk its control
        // buffer within `msg_controllen`.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(header);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SO_RXQ_OVFL {
                    return Some(std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<u32>()));
                }
                cmsg = libc::CMSG_NXTHDR(header, cmsg);
            }
        }
        None
    }

    fn socket_addr(name: &libc::sockaddr_storage) -> Option<SocketAddr> {
        match name.ss_family as libc::c_int {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let a = unsafe { &*(name as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
                let ip = u32::from_be(a.sin_addr.s_addr);
                Some(SocketAddr::V4(SocketAddrV4::new(ip.into(), u16::from_be(a.sin_port))))
            }
            libc::AF_INET6 => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let a = unsafe { &*(name as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
                Some(SocketAddr::V6(SocketAddrV6::new(
                    a.sin6_addr.s6_addr.into(),
                    u16::from_be(a.sin6_port),
                    a.sin6_flowinfo,
                    a.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drop_total_follows_the_counter_through_its_wrap() {
        let mut drops = DropCount { known: true, ..DropCount::default() };
        drops.observe(5);
        drops.observe(5);
        drops.observe(u32::MAX);
        drops.observe(3);
        assert_eq!(drops.total, u64::from(u32::MAX) + 4);
    }

    #[test]
    fn batches_carry_every_datagram_and_the_kernels_drops() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let buffer = size_receive_buffer(&socket, 4096);
            let mut receiver = UdpReceiver::new(&socket);
            let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let to = socket.local_addr().unwrap();
            // Far more than 8 KiB of buffer holds: the kernel drops the rest.
            let sent = 2000;
            for k in 0..sent as u32 {
                sender.send_to(&k.to_be_bytes(), to).unwrap();
            }
            let mut got = Vec::new();
            let drain = |receiver: &mut UdpReceiver, got: &mut Vec<u32>| loop {
                match receiver.receive(&socket) {
                    Ok(n) => {
                        for k in 0..n {
                            let (bytes, from) = receiver.datagram(k);
                            assert_eq!(from, sender.local_addr().unwrap());
                            got.push(u32::from_be_bytes(bytes.try_into().unwrap()));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            };
            socket.readable().await.unwrap();
            drain(&mut receiver, &mut got);
            // A datagram tells the drops before it was queued: one more, sent once the
            // buffer is empty, tells them all.
            sender.send_to(&u32::MAX.to_be_bytes(), to).unwrap();
            socket.readable().await.unwrap();
            drain(&mut receiver, &mut got);
            assert_eq!(got.pop(), Some(u32::MAX));
            assert!(got.windows(2).all(|w| w[0] < w[1]), "in order");
            if cfg!(target_os = "linux") {
                assert!(buffer.granted.is_some_and(|g| g >= 4096), "{buffer:?}");
                let drops = receiver.kernel_drops().expect("Linux counts drops");
                assert!(drops > 0, "an 8 KiB buffer held all {sent} datagrams");
                assert_eq!(got.len() as u64 + drops, sent, "{} read, {drops} dropped", got.len());
            }
        });
    }
}
