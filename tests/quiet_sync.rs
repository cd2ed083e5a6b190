//! A `/sync` that waits for nothing is answered by the network thread at once; one that
//! waits for a command (the sender's or another client's), a `/sync` still in the engine
//! or a timed `/sync` is answered by the engine, in order. The manual server renders blocks only when the test says, so
//! "at once" means "before any block".

use std::net::SocketAddr;

use oscine::control::Registry;
use oscine::engine::EngineOptions;
use oscine::network::{ManualServer, ServerOptions};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

fn encode(packet: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(packet).unwrap()
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage { addr: addr.into(), args })
}

fn sync(token: i32) -> Vec<u8> {
    encode(&message("/sync", vec![OscType::Int(token)]))
}

/// The `/synced` tokens among `replies`, opening bundles.
fn synced(replies: &[(SocketAddr, OscPacket)]) -> Vec<i32> {
    fn walk(p: &OscPacket, out: &mut Vec<i32>) {
        match p {
            OscPacket::Message(m) if m.addr == "/synced" => {
                if let [OscType::Int(t)] = m.args[..] {
                    out.push(t)
                }
            }
            OscPacket::Message(_) => {}
            OscPacket::Bundle(b) => b.content.iter().for_each(|p| walk(p, out)),
        }
    }
    let mut out = Vec::new();
    replies.iter().for_each(|(_, p)| walk(p, &mut out));
    out
}

fn server() -> ManualServer {
    let options = EngineOptions { max_nodes: 32, max_resources: 16, workers: 1, ..EngineOptions::default() };
    let bind = ServerOptions::new("127.0.0.1:0".parse().unwrap());
    let mut server = ManualServer::new(options, Registry::with_builtins(), &bind).expect("a manual server");
    // Until the engine has rendered a block, a /sync also says that it runs.
    server.render(1);
    server
}

const CLIENT: &str = "127.0.0.1:9";
const OTHER: &str = "127.0.0.1:10";

#[test]
fn before_the_first_block_a_sync_waits_for_it() {
    let bind = ServerOptions::new("127.0.0.1:0".parse().unwrap());
    let mut s = ManualServer::new(EngineOptions::default(), Registry::with_builtins(), &bind).unwrap();
    let c: SocketAddr = CLIENT.parse().unwrap();
    assert_eq!(synced(&s.receive(&sync(1), c)), Vec::<i32>::new());
    assert_eq!(synced(&s.render(1)), vec![1]);
    assert_eq!(synced(&s.receive(&sync(2), c)), vec![2]);
    s.shutdown();
}

#[test]
fn a_sync_with_nothing_before_it_is_answered_before_the_next_block() {
    let mut s = server();
    let c: SocketAddr = CLIENT.parse().unwrap();
    assert_eq!(synced(&s.receive(&sync(1), c)), vec![1]);
    // A query answered by the network thread leaves nothing in the engine.
    s.receive(&encode(&message("/status", vec![])), c);
    assert_eq!(synced(&s.receive(&sync(2), c)), vec![2]);
    s.shutdown();
}

#[test]
fn a_sync_after_a_command_waits_for_the_block_that_applies_it_then_the_next_is_quick() {
    let mut s = server();
    let c: SocketAddr = CLIENT.parse().unwrap();
    let new = message("/synth/new", vec!["sine".into(), OscType::Int(1000), OscType::Int(0), OscType::Int(0)]);
    s.receive(&encode(&new), c);
    assert_eq!(synced(&s.receive(&sync(3), c)), Vec::<i32>::new(), "the Synth is not made yet");
    // A second sync behind the first may not overtake it.
    assert_eq!(synced(&s.receive(&sync(4), c)), Vec::<i32>::new());
    // Another client's sync says the audio thread has taken every command received
    // before it, whoever sent it: it waits too.
    let other: SocketAddr = OTHER.parse().unwrap();
    assert_eq!(synced(&s.receive(&sync(5), other)), Vec::<i32>::new());
    let mut answered = synced(&s.render(1));
    answered.sort();
    assert_eq!(answered, vec![3, 4, 5]);
    assert_eq!(synced(&s.receive(&sync(6), c)), vec![6]);
    assert_eq!(synced(&s.receive(&sync(7), other)), vec![7]);
    s.shutdown();
}

#[test]
fn a_command_and_a_sync_in_one_bundle_go_through_the_engine() {
    let mut s = server();
    let c: SocketAddr = CLIENT.parse().unwrap();
    let bundle = OscPacket::Bundle(OscBundle {
        timetag: OscTime { seconds: 0, fractional: 1 },
        content: vec![message("/group/new", vec![OscType::Int(7), OscType::Int(0), OscType::Int(0)]), {
            message("/sync", vec![OscType::Int(8)])
        }],
    });
    assert_eq!(synced(&s.receive(&encode(&bundle), c)), Vec::<i32>::new());
    assert_eq!(synced(&s.render(1)), vec![8]);
    s.shutdown();
}

#[test]
fn a_timed_sync_holds_later_syncs_until_it_is_cleared() {
    let mut s = server();
    let c: SocketAddr = CLIENT.parse().unwrap();
    // Far in the future: only /clearSched ends its wait.
    let timed = OscPacket::Bundle(OscBundle {
        timetag: OscTime { seconds: u32::MAX - 1, fractional: 0 },
        content: vec![message("/sync", vec![OscType::Int(9)])],
    });
    s.receive(&encode(&timed), c);
    assert_eq!(synced(&s.render(1)), Vec::<i32>::new());
    assert_eq!(synced(&s.receive(&sync(10), c)), Vec::<i32>::new(), "waits behind the timed sync");
    assert_eq!(synced(&s.render(1)), Vec::<i32>::new());
    s.receive(&encode(&message("/clearSched", vec![])), c);
    assert_eq!(synced(&s.render(1)), vec![10], "the cleared sync answers nobody");
    // /clearSched itself went through the engine: the next sync is answered there too,
    // and the one after it at once.
    assert_eq!(synced(&s.receive(&sync(11), c)), Vec::<i32>::new());
    assert_eq!(synced(&s.render(1)), vec![11]);
    assert_eq!(synced(&s.receive(&sync(12), c)), vec![12]);
    s.shutdown();
}
