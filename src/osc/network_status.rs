//! What the network thread adds to the engine's status in `/status/reply`: counters it
//! keeps itself, about its sockets and its clients.
//!
//! Context: NRT (network thread). Plain data: the network layer fills it in, the replies
//! read it.

/// The network thread's part of `/status/reply` (docs/osc-api.md gives each field's
/// number).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStatus {
    /// Clients with notifications on.
    pub notified_clients: usize,
    /// Whether blocks have stopped coming without the driver saying why.
    pub audio_stalled: bool,
    /// Datagrams and connections ignored because their source is not on `--allow`.
    pub refused_sources: u64,
    /// The UDP receive buffer's size as the kernel reports it, where it does.
    pub udp_receive_buffer: Option<usize>,
    /// Datagrams the kernel dropped because the receive buffer was full, where it counts
    /// them (Linux).
    pub udp_datagrams_dropped: Option<u64>,
    /// TCP connections open now.
    pub tcp_connections: usize,
    /// TCP connections refused because the most allowed were open.
    pub tcp_refused: u64,
    /// TCP connections closed because their client sent a message over the limit.
    pub tcp_oversize: u64,
    /// TCP connections closed because their client left too many replies unread.
    pub tcp_slow: u64,
    /// TCP messages whose commands waited for room in the command queue.
    pub tcp_waits: u64,
    /// MIDI inputs open now.
    pub midi_inputs: usize,
    /// How long after its arrival a MIDI event takes effect (`--midi-latency`).
    pub midi_latency: std::time::Duration,
    /// MIDI bytes dropped because an input's queue was full.
    pub midi_bytes_dropped: u64,
    /// MIDI bytes received that made no message.
    pub midi_bytes_not_understood: u64,
    /// MIDI events whose commands reached the engine after their frame (applied at once).
    pub midi_late: u64,
}
