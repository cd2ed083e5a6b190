//! scsynth's integer command numbers over loopback UDP: messages whose address is an
//! int32, bare and inside bundles, as sclang sends `Node.free` (11) and `Node.set` (15).
mod support;

use support::server::{f, i, s, Server};

/// A message addressed by command `number`, with the encoded type tags and arguments that
/// follow the address.
fn numbered(number: u32, tags_and_args: &[u8]) -> Vec<u8> {
    let mut m = number.to_be_bytes().to_vec();
    m.extend_from_slice(tags_and_args);
    m
}

fn in_bundle(elements: &[Vec<u8>]) -> Vec<u8> {
    let mut b = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
    for e in elements {
        b.extend_from_slice(&(e.len() as u32).to_be_bytes());
        b.extend_from_slice(e);
    }
    b
}

#[test]
fn numbered_messages_run_as_the_commands_they_stand_for() {
    let server = Server::start();
    let mut c = server.client();
    c.send("/s_new", vec![s("sine"), i(1000), i(0), i(0)]);
    c.send("/s_new", vec![s("sine"), i(1001), i(0), i(0)]);
    c.sync();
    // 15 is /n_set: freq 880 on 1000, in a bundle.
    let set = numbered(15, b",isf\0\0\0\0\0\0\x03\xe8freq\0\0\0\0\x44\x5c\0\0");
    c.send_raw(&in_bundle(&[set]));
    c.sync();
    let tree = c.tree(0);
    let controls = |id| tree.nodes.iter().find(|n| n.id == id).map(|n| format!("{:?}", n.kind));
    assert!(controls(1000).unwrap().contains("880"), "{tree:?}");
    // 11 is /n_free, bare.
    c.send_raw(&numbered(11, b",i\0\0\0\0\x03\xe9"));
    c.sync();
    let ids: Vec<i32> = c.tree(0).nodes.iter().map(|n| n.id).collect();
    assert_eq!(ids, [0, 1000]);
    // A number no command has is refused, naming it; the server stays up.
    c.send_raw(&numbered(99, b",\0\0\0"));
    let error = c.expect_error("", 10);
    assert!(error.contains("no command has the number 99"), "{error}");
    c.send("/n_set", vec![i(1000), s("freq"), f(440.0)]);
    c.sync();
}

#[test]
fn scsynths_housekeeping_commands() {
    use rosc::{OscBundle, OscMessage, OscPacket, OscTime};
    let server = Server::start();
    let mut c = server.client();
    // /error 0 withholds the sender's failures, /error 1 sends them again.
    c.send("/error", vec![i(0)]);
    c.send("/n_free", vec![i(4242)]);
    c.sync();
    c.send("/error", vec![i(1)]);
    c.fails("/n_free", vec![i(4242)], "/node/free", 21);
    // /error -1 withholds them for the rest of its datagram only.
    c.send_bundle(vec![
        OscMessage { addr: "/error".into(), args: vec![i(-1)] },
        OscMessage { addr: "/n_free".into(), args: vec![i(4243)] },
    ]);
    c.sync();
    c.fails("/n_free", vec![i(4244)], "/node/free", 21);
    // /cmd and /u_cmd: no plugin handles them.
    let error = c.fails("/cmd", vec![s("anything")], "/cmd", 10);
    assert!(error.contains("no plugin handles plug-in commands"), "{error}");
    // /clearSched drops every timed command: a Synth due in an hour never starts.
    let later = OscTime {
        seconds: (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
            + 2_208_988_800
            + 3600) as u32,
        fractional: 0,
    };
    let start = OscMessage { addr: "/s_new".into(), args: vec![s("sine"), i(1000), i(0), i(0)] };
    // Another client asks: a /sync waits for its sender's timed commands.
    let mut other = server.client();
    c.send_packet(&OscPacket::Bundle(OscBundle { timetag: later, content: vec![OscPacket::Message(start)] }));
    other.sync();
    assert_eq!(other.status().scheduled, 1);
    other.send("/clearSched", vec![]);
    other.expect_ack("/clearSched", 0);
    assert_eq!(other.status().scheduled, 0);
    c.sync();
    // /dumpOSC 1 logs every message received; /b_close has nothing to close.
    c.send("/dumpOSC", vec![i(1)]);
    c.send("/b_close", vec![i(3)]);
    c.sync();
    server.wait_log("received /b_close [Int(3)]");
}
