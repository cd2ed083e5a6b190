//! What Oscine's fuzz targets run, shared by the libFuzzer targets (`fuzz_targets/`) and
//! the `replay` example, which runs saved inputs on the stable toolchain without libFuzzer.
//!
//! A target panics when it finds something wrong: a panic in the server's code, a reply the
//! server could not encode (so could not send), a reply to an address that sent nothing, a
//! server that no longer answers `/status`, an engine that failed, a Synth that faulted, or
//! an SCgf error that points past the end of its file.

use std::net::SocketAddr;

use oscine::control::Registry;
use oscine::engine::{ClockMode, EngineOptions};
use oscine::network::{ManualServer, ServerOptions};
use oscine_plugin_api::{FileAccess, MemoryBudget};
use rosc::{OscMessage, OscPacket, OscType};

/// Inputs hold at most this many datagrams (the rest of a longer input is ignored), so one
/// input's work stays small.
pub const MAX_DATAGRAMS: usize = 64;

/// Blocks rendered after the last datagram, for worker jobs and timed commands to answer.
const SETTLE_BLOCKS: usize = 4;

/// The client every datagram comes from.
const CLIENT: &str = "127.0.0.1:57999";

/// Splits a fuzz input into datagrams: each is preceded by its length as a big-endian
/// `u16`; where a length runs past the end of the input, the rest of the input, the length
/// bytes included, is the last datagram. So a single datagram saved as it is (a message
/// starts with `/`, a bundle with `#b`, both read as lengths beyond any short datagram) is
/// an input of itself.
///
/// ```
/// let two = [&[0, 4][..], b"/abc", &[0, 8], b"/status\0"].concat();
/// assert_eq!(oscine_fuzz::split_datagrams(&two), vec![&b"/abc"[..], b"/status\0"]);
/// assert_eq!(oscine_fuzz::split_datagrams(b"/status\0,\0\0\0"), vec![&b"/status\0,\0\0\0"[..]]);
/// assert_eq!(oscine_fuzz::split_datagrams(b"/"), vec![&b"/"[..]]);
/// ```
pub fn split_datagrams(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !data.is_empty() && out.len() < MAX_DATAGRAMS {
        let len = match data {
            [a, b, rest @ ..] => Some(usize::from(u16::from_be_bytes([*a, *b]))).filter(|&n| n <= rest.len()),
            _ => None,
        };
        let Some(len) = len else {
            out.push(data);
            break;
        };
        out.push(&data[2..2 + len]);
        data = &data[2 + len..];
    }
    out
}

/// The engine a target serves: small, so that ids collide and limits are reached; clocked
/// by the score clock, so timetags (seconds from the start) come due within a few blocks
/// whatever the wall clock says; no file roots, so no path opens anything; a small budget
/// for Resources. Made once: the budget and the file roots live as long as the process (a
/// new one for each input would be a leak the sanitizer reports).
fn engine_options() -> EngineOptions {
    static OPTIONS: std::sync::OnceLock<EngineOptions> = std::sync::OnceLock::new();
    OPTIONS
        .get_or_init(|| EngineOptions {
            inputs: 1,
            outputs: 2,
            max_audio_buses: 16,
            max_control_buses: 64,
            max_nodes: 32,
            max_resources: 16,
            max_scheduled: 64,
            clock: ClockMode::Score,
            workers: 1,
            command_queue_capacity: 256,
            event_queue_capacity: 1024,
            memory: MemoryBudget::new(1 << 20),
            files: FileAccess::confined(std::iter::empty()).expect("no roots to resolve"),
            ..EngineOptions::default()
        })
        .clone()
}

fn new_server() -> ManualServer {
    let bind = ServerOptions::new("127.0.0.1:0".parse().expect("an address"));
    ManualServer::new(engine_options(), Registry::with_builtins(), &bind).expect("the server starts")
}

fn message(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage { addr: addr.into(), args })).expect("encodable")
}

/// Checks what the server sent: every reply encodes and goes to the one client.
fn check_replies(replies: &[(SocketAddr, OscPacket)], client: SocketAddr) {
    for (to, packet) in replies {
        assert_eq!(*to, client, "a reply to an address that sent nothing: {packet:?}");
        if let Err(e) = rosc::encoder::encode(packet) {
            panic!("the server could not encode its reply ({e:?}): {packet:?}");
        }
    }
}

/// Sends `/status` and checks the answer, and the engine's health.
fn check_alive(server: &mut ManualServer, client: SocketAddr) {
    let replies = server.datagram(&message("/status", vec![]), client);
    check_replies(&replies, client);
    let answered = replies
        .iter()
        .any(|(_, p)| matches!(p, OscPacket::Message(m) if m.addr == "/status/reply" || m.addr == "/status.reply"));
    assert!(answered, "no answer to /status: {replies:?}");
    let status = server.status();
    assert!(!status.failed, "the engine failed: {status:?}");
    assert_eq!(status.synth_faults, 0, "a Synth faulted: {status:?}");
}

/// The packet target: a fresh server, the input's datagrams from one client, each
/// through the server's whole datagram path (allow list, packet checks, command numbers,
/// decoding, parsing, queuing and applying in one block, replies), then a few blocks for
/// work to finish, and a `/status` that must be answered.
pub fn packet(data: &[u8]) {
    let client: SocketAddr = CLIENT.parse().expect("an address");
    let mut server = new_server();
    // Known to the server, as a client that has sent before: large replies are answered.
    check_replies(&server.datagram(&message("/sync", vec![OscType::Int(0)]), client), client);
    for datagram in split_datagrams(data) {
        let replies = server.datagram(datagram, client);
        check_replies(&replies, client);
    }
    check_replies(&server.render(SETTLE_BLOCKS), client);
    check_alive(&mut server, client);
    server.shutdown();
}

/// The SCgf target: the reader must return, its errors pointing inside the file; the
/// server must take the same bytes in a `/d_recv` (installing the defs, or refusing them
/// with an error), and a Synth of each def read must start, run a few blocks and be freed
/// without a fault.
pub fn scgf(data: &[u8]) {
    let read = oscine::scgf::read_synthdefs(data);
    let names: Vec<String> = match &read {
        Ok(file) => file.defs.iter().map(|d| d.name.clone()).take(8).collect(),
        Err(e) => {
            assert!(e.offset() <= data.len(), "an error past the end ({} bytes): {e}", data.len());
            let _ = e.to_string();
            Vec::new()
        }
    };
    let client: SocketAddr = CLIENT.parse().expect("an address");
    let mut server = new_server();
    let replies = server.datagram(&message("/d_recv", vec![OscType::Blob(data.to_vec())]), client);
    check_replies(&replies, client);
    let installed = replies.iter().any(|(_, p)| matches!(p, OscPacket::Message(m) if m.addr == "/done"));
    if read.is_err() {
        assert!(!installed, "the server installed defs the reader refuses");
    }
    if installed {
        for name in &names {
            let new = message(
                "/s_new",
                vec![OscType::String(name.clone()), OscType::Int(-1), OscType::Int(0), OscType::Int(0)],
            );
            check_replies(&server.datagram(&new, client), client);
        }
        check_replies(&server.render(SETTLE_BLOCKS), client);
        check_replies(&server.datagram(&message("/g_freeAll", vec![OscType::Int(0)]), client), client);
    }
    check_alive(&mut server, client);
    server.shutdown();
}
