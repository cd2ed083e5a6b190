//! What one command costs the server, for counting under callgrind (whose counts do not
//! move with the machine's load, unlike times): the bundles of `benches/command_throughput.py`
//! (250 `/synth/new` + `/node/free` pairs of the SCgf `sine` each, in Oscine's verbs, every
//! one answered with an `/ack`) go through [`ManualServer`], which runs what the network
//! thread does with a datagram (checks, decoding, parsing, building the Synths, queuing
//! the commands) and what the audio thread does with them, two bundles at a time (the
//! default bound is 1024 commands a block), and turns the events into replies.
//!
//! ```sh
//! cargo build --release --example command_cost
//! valgrind --tool=callgrind target/release/examples/command_cost 40
//! ```
//!
//! Run it for two numbers of rounds and divide the difference by the commands between
//! (2000 a round) to leave out start-up. Replies are encoded and packed into datagrams as
//! the socket loop does it, and the harness counts the `/ack`s in them without decoding
//! them. It prints the allocations a command costs, on every thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use oscine::control::Registry;
use oscine::engine::EngineOptions;
use oscine::network::{ManualServer, ServerOptions};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

/// Counts allocations on every thread, to print how many each command costs.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: passes every call on to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as allocated above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as allocated above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const PAIRS_PER_BUNDLE: usize = 250;
const BUNDLES_PER_ROUND: usize = 4;

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage { addr: addr.into(), args })
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(10, |a| a.parse().expect("a number of rounds"));
    let sine = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scgf/sine.scsyndef"))
        .expect("the sine fixture");
    let options = EngineOptions { max_nodes: 4096, ..EngineOptions::default() };
    let bind = ServerOptions::new("127.0.0.1:0".parse().unwrap());
    let mut server = ManualServer::new(options, Registry::with_builtins(), &bind).expect("a manual server");
    let client: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let encode = |p: &OscPacket| rosc::encoder::encode(p).expect("encodable");
    server.datagram(&encode(&message("/d_recv", vec![OscType::Blob(sine)])), client);
    server.render(4);
    // Each Synth is freed right after it is made, so every round can send the same bundles.
    let mut node = 10_000;
    let bundles: Vec<Vec<u8>> = (0..BUNDLES_PER_ROUND)
        .map(|_| {
            let content = (0..PAIRS_PER_BUNDLE)
                .flat_map(|_| {
                    node += 1;
                    let new = vec!["sine".into(), OscType::Int(node), OscType::Int(0), OscType::Int(1)];
                    let amp = [OscType::String("amp".into()), OscType::Float(0.0)];
                    [
                        message("/synth/new", new.into_iter().chain(amp).collect()),
                        message("/node/free", vec![OscType::Int(node)]),
                    ]
                })
                .collect();
            encode(&OscPacket::Bundle(OscBundle { timetag: OscTime { seconds: 0, fractional: 1 }, content }))
        })
        .collect();
    let mut acks = 0usize;
    let count = |datagrams: Vec<(SocketAddr, Vec<u8>)>| -> usize {
        let mut acks = 0;
        /// The `/ack`s of one datagram, bundles opened by their element sizes.
        fn acks_in(data: &[u8]) -> usize {
            let Some(mut rest) = data.strip_prefix(b"#bundle\0".as_slice()).and_then(|r| r.get(8..)) else {
                return data.starts_with(b"/ack\0") as usize;
            };
            let mut n = 0;
            while let Some(size) = rest.get(..4) {
                let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]) as usize;
                let Some(element) = rest.get(4..4 + size) else { break };
                n += acks_in(element);
                rest = &rest[4 + size..];
            }
            n
        }
        for (_, d) in &datagrams {
            let n = acks_in(d);
            if n == 0 {
                // Not an ack: an error, which the harness shows.
                println!("reply: {:?}", rosc::decoder::decode_udp(d).map(|(_, p)| p));
            }
            acks += n;
        }
        acks
    };
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let expected = rounds * BUNDLES_PER_ROUND * PAIRS_PER_BUNDLE * 2;
    let mut sent = 0;
    for _ in 0..rounds {
        for pair in bundles.chunks(2) {
            for bundle in pair {
                acks += count(server.receive_encoded(bundle, client));
                sent += PAIRS_PER_BUNDLE * 2;
            }
            // Under valgrind the workers run late, and the engine takes a command only when
            // they have room for all it may let go of: blocks are rendered until these
            // commands are answered.
            for _ in 0..10_000 {
                acks += count(server.render_encoded(1));
                if acks >= sent {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(acks, expected, "every command answered");
    println!("{expected} commands, {acks} acks, {:.2} allocations a command", allocations as f64 / expected as f64);
    server.shutdown();
}
