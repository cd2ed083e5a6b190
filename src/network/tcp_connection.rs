//! One TCP client's connection: OSC packets framed by a big-endian int32 length (as
//! scsynth and liblo frame them), read by one task and written by another, both on the
//! network thread's runtime.
//!
//! What a connection may hold is bounded. The reader holds one message at a time, at most
//! [`TcpLimits::max_message`] bytes, and hands it to the server through a bounded channel
//! shared by every connection: when the server is behind, the reader waits, and TCP's flow
//! control makes the client wait too. Replies queue for the writer up to
//! [`TcpLimits::max_output`] bytes; a client that reads too slowly to stay under it is
//! disconnected, so that it never holds the server or another client back.
//!
//! Context: NRT (network thread).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle};

use super::return_address::ConnectionId;

/// How long a closing connection may take to write the replies queued before it was closed
/// and, refused for an oversize message, to read (and discard) what its client still sends,
/// so that closing it does not reset the connection before the client has read why.
pub const LINGER: Duration = Duration::from_secs(1);

/// How much a connection refused for an oversize message reads before it closes anyway.
const LINGER_BYTES: usize = 1 << 20;

/// How many bytes of queued replies the writer hands the kernel in one write.
const WRITE_CHUNK: usize = 64 * 1024;

/// The limits every TCP connection works within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpLimits {
    /// Connections open at once; more are refused (error 8) and counted.
    pub max_connections: usize,
    /// The largest message a client may send, in bytes; a larger one is refused (error
    /// 4), the connection closed and counted.
    pub max_message: usize,
    /// The most bytes of replies that may wait for a client to read them; past this the
    /// client is disconnected and counted.
    pub max_output: usize,
}

impl Default for TcpLimits {
    /// 64 connections, messages of 1 MiB, 8 MiB of replies waiting.
    fn default() -> TcpLimits {
        TcpLimits { max_connections: 64, max_message: 1 << 20, max_output: 8 << 20 }
    }
}

/// What a connection's tasks tell the server.
#[derive(Debug)]
pub enum TcpEvent {
    /// A whole message (an OSC packet's bytes, without its length).
    Message(ConnectionId, Vec<u8>),
    /// The client announced a message larger than the limit; the connection reads no
    /// more of it.
    Oversize(ConnectionId, usize),
    /// The connection ended: the client closed it, or reading or writing failed.
    Closed(ConnectionId),
}

/// Replies did not fit the connection's output bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFull;

/// The server's end of one connection: where its replies go, and its tasks.
#[derive(Debug)]
pub struct ConnectionLink {
    output: mpsc::UnboundedSender<Vec<u8>>,
    /// Reply bytes queued and not yet taken by the kernel. The writer task, on the same
    /// thread, lowers it as it writes.
    queued: Arc<AtomicUsize>,
    max_output: usize,
    reader: AbortHandle,
    writer: JoinHandle<()>,
    /// The address the connection came from.
    pub addr: SocketAddr,
}

impl ConnectionLink {
    /// Starts reading and writing `stream`; what it reads goes to `events`.
    pub fn start(
        stream: TcpStream,
        conn: ConnectionId,
        addr: SocketAddr,
        limits: &TcpLimits,
        events: mpsc::Sender<TcpEvent>,
    ) -> ConnectionLink {
        // Replies are coalesced already; each should leave at once.
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let (output, replies) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let reader = tokio::spawn(read_messages(read, conn, limits.max_message, events.clone())).abort_handle();
        let writer = tokio::spawn(write_replies(write, replies, Arc::clone(&queued), conn, events));
        ConnectionLink { output, queued, max_output: limits.max_output, reader, writer, addr }
    }

    /// Queues a reply (an OSC packet, framed here); [`OutputFull`] when the client has
    /// left more than the bound unread, and then nothing is queued.
    pub fn send(&self, packet: &[u8]) -> Result<(), OutputFull> {
        let framed = 4 + packet.len();
        if self.queued.load(Ordering::Relaxed) + framed > self.max_output {
            return Err(OutputFull);
        }
        let mut bytes = Vec::with_capacity(framed);
        bytes.extend_from_slice(&(packet.len() as u32).to_be_bytes());
        bytes.extend_from_slice(packet);
        self.queued.fetch_add(framed, Ordering::Relaxed);
        // The writer has gone only after the connection failed; its Closed is on its way.
        let _ = self.output.send(bytes);
        Ok(())
    }

    /// Ends the connection once the replies queued are written: the writer sends them,
    /// then closes its side; the reader ends when the client closes its own. Either is cut
    /// off after [`LINGER`].
    pub fn close_after_replies(self) {
        let ConnectionLink { output, reader, writer, .. } = self;
        drop(output);
        tokio::spawn(async move {
            tokio::time::sleep(LINGER).await;
            reader.abort();
            writer.abort();
        });
    }

    /// Ends the connection now, dropping whatever replies wait.
    pub fn abort(self) {
        self.reader.abort();
        self.writer.abort();
    }

    /// Stops taking replies: the writer writes those queued, then closes its side. Await
    /// the [`Finishing`] for it to be done.
    pub fn finish(self) -> Finishing {
        let ConnectionLink { output, reader, writer, .. } = self;
        drop(output);
        Finishing { reader, writer }
    }
}

/// A connection writing its last replies (`/quit`'s) before the server stops running its
/// tasks.
#[derive(Debug)]
pub struct Finishing {
    reader: AbortHandle,
    writer: JoinHandle<()>,
}

impl Finishing {
    /// Waits for the writer until `deadline`, then ends the connection.
    pub async fn wait(self, deadline: tokio::time::Instant) {
        let abort = self.writer.abort_handle();
        if tokio::time::timeout_at(deadline, self.writer).await.is_err() {
            abort.abort();
        }
        self.reader.abort();
    }
}

/// Reads length-prefixed messages until the client closes, something fails, or a message
/// is too large (then, after saying so, it lingers for the client to read why).
async fn read_messages(mut read: OwnedReadHalf, conn: ConnectionId, max: usize, events: mpsc::Sender<TcpEvent>) {
    loop {
        let mut length = [0u8; 4];
        if read.read_exact(&mut length).await.is_err() {
            break;
        }
        let size = u32::from_be_bytes(length) as usize;
        if size > max {
            let _ = events.send(TcpEvent::Oversize(conn, size)).await;
            discard(&mut read).await;
            return;
        }
        // Zeroed memory is committed as the message's bytes arrive.
        let mut message = vec![0u8; size];
        if read.read_exact(&mut message).await.is_err() {
            break;
        }
        if events.send(TcpEvent::Message(conn, message)).await.is_err() {
            // The server has stopped.
            return;
        }
    }
    let _ = events.send(TcpEvent::Closed(conn)).await;
}

/// Reads and drops what the client sends, up to [`LINGER_BYTES`], until it closes.
async fn discard(read: &mut OwnedReadHalf) {
    let mut scratch = [0u8; 4096];
    let mut total = 0;
    while total < LINGER_BYTES {
        match read.read(&mut scratch).await {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

/// Writes queued replies, several at once, until the server closes the queue (then the
/// write side is shut down) or writing fails.
async fn write_replies(
    mut write: OwnedWriteHalf,
    mut replies: mpsc::UnboundedReceiver<Vec<u8>>,
    queued: Arc<AtomicUsize>,
    conn: ConnectionId,
    events: mpsc::Sender<TcpEvent>,
) {
    let mut chunk = Vec::with_capacity(WRITE_CHUNK);
    while let Some(first) = replies.recv().await {
        chunk.clear();
        chunk.extend_from_slice(&first);
        while chunk.len() < WRITE_CHUNK {
            match replies.try_recv() {
                Ok(more) => chunk.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if let Err(e) = write.write_all(&chunk).await {
            tracing::debug!("tcp connection {}: cannot write: {e}", conn.0);
            let _ = events.send(TcpEvent::Closed(conn)).await;
            return;
        }
        queued.fetch_sub(chunk.len(), Ordering::Relaxed);
    }
    let _ = write.shutdown().await;
}
