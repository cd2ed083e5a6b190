//! The replies one client is owed at once arrive coalesced: a bundle of 200 commands is
//! answered in bundles of `/ack`s, in order, each datagram at most 8192 bytes; a lone
//! reply arrives bare; a scsynth-dialect client gets one message a datagram.
mod support;

use std::net::UdpSocket;
use std::time::Duration;

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use support::server::{encode, i, msg, s, Server};

fn immediately(messages: Vec<OscMessage>) -> Vec<u8> {
    encode(&OscPacket::Bundle(OscBundle {
        timetag: OscTime { seconds: 0, fractional: 1 },
        content: messages.into_iter().map(OscPacket::Message).collect(),
    }))
}

/// The datagrams received until one holds `/synced`.
fn datagrams_until_synced(sock: &UdpSocket) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; 65_536];
    let mut datagrams = Vec::new();
    loop {
        let n = sock.recv(&mut buf).expect("a reply within 10 s");
        datagrams.push(buf[..n].to_vec());
        if buf[..n].windows(8).any(|w| w == b"/synced\0") {
            return datagrams;
        }
    }
}

fn messages(datagram: &[u8]) -> Vec<OscMessage> {
    let (_, packet) = rosc::decoder::decode_udp(datagram).unwrap();
    let mut out = std::collections::VecDeque::new();
    support::server::flatten(packet, &mut out);
    out.into()
}

#[test]
fn replies_owed_at_once_come_in_few_bundles_in_order_and_a_lone_one_bare() {
    let server = Server::start();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let to = ("127.0.0.1", server.port());

    let mut commands: Vec<OscMessage> = (1..=200).map(|id| msg("/group/new", vec![i(id), i(0), i(1)])).collect();
    commands.push(msg("/sync", vec![i(9)]));
    sock.send_to(&immediately(commands), to).unwrap();
    let datagrams = datagrams_until_synced(&sock);
    // How many passes of the network thread the replies span depends on the scheduling of
    // threads (here one: the 201 replies fit 8192 bytes); however many, they are packed.
    assert!(datagrams.iter().all(|d| d.len() <= 8192), "every datagram within the budget");
    assert!(datagrams.iter().any(|d| d.starts_with(b"#bundle\0")), "{} datagrams, none a bundle", datagrams.len());
    let replies: Vec<OscMessage> = datagrams.iter().flat_map(|d| messages(d)).collect();
    let mut expected: Vec<OscMessage> = (1..=200).map(|id| msg("/ack", vec![s("/group/new"), i(id)])).collect();
    expected.push(msg("/synced", vec![i(9)]));
    assert_eq!(replies, expected);

    // One reply alone is a bare message.
    sock.send_to(&encode(&OscPacket::Message(msg("/sync", vec![i(10)]))), to).unwrap();
    let lone = datagrams_until_synced(&sock);
    assert_eq!(lone, vec![encode(&OscPacket::Message(msg("/synced", vec![OscType::Int(10)])))]);
}

#[test]
fn a_scsynth_client_gets_one_message_a_datagram() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let to = ("127.0.0.1", server.port());
    let mut commands: Vec<OscMessage> = (1..=20).map(|id| msg("/n_free", vec![i(1000 + id)])).collect();
    commands.push(msg("/sync", vec![i(3)]));
    sock.send_to(&immediately(commands), to).unwrap();
    let datagrams = datagrams_until_synced(&sock);
    assert_eq!(datagrams.len(), 21, "20 failures and the /synced, each alone");
    assert!(datagrams.iter().all(|d| !d.starts_with(b"#bundle")));
}
