//! Who may talk to the server: `--allow` ignores every other source, without a reply, and
//! counts it in `/status/reply`.
//!
//! On Linux the whole of 127.0.0.0/8 is loopback, so a socket bound to 127.0.0.2 reaches
//! a server on 127.0.0.1 as a real second source address.
mod support;

use std::net::IpAddr;

use oscine::osc::{ReplySize, Verb};
use rosc::OscPacket;
use support::server::{assert_error, encode, i, msg, s, Client, Server};

fn other_source() -> IpAddr {
    "127.0.0.2".parse().unwrap()
}

#[test]
fn datagrams_from_sources_not_allowed_get_no_reply_and_change_nothing() {
    let server = Server::start_with(&["--allow", "127.0.0.1"]);
    let mut stranger = Client::bound_to(server.addr, other_source());
    stranger.send("/status", vec![]);
    stranger.send("/group/new", vec![i(1), i(0), i(0)]);
    stranger.send("/notify", vec![i(1)]);
    stranger.send_raw(b"garbage!");

    // The server reads its socket in arrival order: the allowed client's /status comes
    // after the stranger's four datagrams, and its reply after anything sent to them.
    let mut c = server.client();
    let st = c.status();
    assert_eq!(st.refused_sources, 4, "{st:?}");
    assert_eq!(st.notified_clients, 0, "{st:?}");
    assert_eq!(stranger.poll_pending(), 0, "the stranger got replies: {:?}", stranger.take_pending());
    assert_eq!(c.tree(0).ids(), vec![0], "the stranger's /group/new was applied");
}

#[test]
fn a_range_allows_every_address_in_it() {
    let server = Server::start_with(&["--allow", "127.0.0.0/30", "--allow", "::1"]);
    let mut inside = Client::bound_to(server.addr, "127.0.0.3".parse().unwrap());
    inside.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    let mut outside = Client::bound_to(server.addr, "127.0.0.4".parse().unwrap());
    outside.send("/group/new", vec![i(2), i(0), i(0)]);
    let st = inside.status();
    assert_eq!((st.groups, st.refused_sources), (1, 1), "{st:?}");
    assert_eq!(outside.poll_pending(), 0);
}

/// Every verb whose reply can be larger than its request, with arguments it takes.
const LARGE_REPLIES: &[(&str, &[i32])] = &[
    ("/node/tree", &[0]),
    ("/g_queryTree", &[0]),
    ("/synthdef/list", &[]),
    ("/resource/list", &[]),
    ("/plugin/list", &[]),
    ("/n_query", &[0]),
    ("/s_get", &[1000, 0]),
    ("/s_getn", &[1000, 0, 2]),
    ("/c_get", &[0]),
    ("/c_getn", &[0, 1000]),
    ("/b_query", &[0]),
    ("/b_get", &[0, 0]),
    ("/b_getn", &[0, 0, 1000]),
    ("/resource/perform", &[0]),
    ("/midi/list", &[]),
    ("/midi/map/list", &[]),
];

#[test]
fn an_addresss_first_datagram_gets_no_reply_larger_than_a_short_error() {
    let server = Server::start();
    for (addr, args) in LARGE_REPLIES {
        let mut stranger = server.client();
        let args: Vec<_> = args.iter().map(|v| i(*v)).collect();
        let request = encode(&OscPacket::Message(msg(addr, args.clone())));
        stranger.send_raw(&request);
        let reply = stranger.recv();
        assert_error(&reply, addr, 6);
        let size = encode(&OscPacket::Message(reply.clone())).len();
        assert!(size <= request.len() + 60, "{addr}: a {size}-byte refusal of a {}-byte request", request.len());
        // From its second datagram on, the address is known and answered.
        stranger.send(addr, args);
        let answer = stranger.recv();
        assert!(!(answer.addr == "/error" && answer.args.get(1) == Some(&i(6))), "{addr}: {answer:?}");
    }
}

#[test]
fn a_first_datagram_runs_its_commands_and_small_queries_but_no_tree_query() {
    let server = Server::start();
    let mut c = server.client();
    c.send_bundle(vec![
        msg("/group/new", vec![i(1), i(0), i(0)]),
        msg("/node/tree", vec![i(0)]),
        msg("/status", vec![]),
        msg("/sync", vec![i(7)]),
    ]);
    assert_error(&c.recv(), "/node/tree", 6);
    let status = c.recv();
    assert_eq!(status.addr, "/status/reply");
    let size = encode(&OscPacket::Message(status)).len();
    assert!(size < 240, "a {size}-byte status reply to a first datagram");
    c.expect_ack("/group/new", 1);
    assert_eq!((c.recv().addr, c.tree(0).ids()), ("/synced".to_owned(), vec![0, 1]));

    // A scsynth client hears /fail, naming the verb.
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut sc = server.client();
    sc.send("/g_queryTree", vec![i(0)]);
    let fail = sc.recv();
    assert_eq!((fail.addr.as_str(), &fail.args[0]), ("/fail", &s("/g_queryTree")), "{fail:?}");
    sc.send("/g_queryTree", vec![i(0)]);
    assert_eq!(sc.expect("/g_queryTree.reply").args, [i(0), i(0), i(0)], "the empty root");
}

#[test]
fn the_documented_list_of_large_replies_is_the_servers() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/osc-api.md")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Verbs whose reply can be larger than the request:"))
        .expect("docs/osc-api.md lists the verbs whose reply can be larger than the request");
    let mut documented: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
    documented.sort_unstable();
    let mut large: Vec<&str> =
        Verb::ALL.iter().filter(|v| v.reply_size() == ReplySize::Large).map(|v| v.address()).collect();
    large.sort_unstable();
    assert_eq!(documented, large);
    let mut tested: Vec<&str> = LARGE_REPLIES.iter().map(|(a, _)| *a).collect();
    tested.sort_unstable();
    assert_eq!(tested, large, "every verb with a large reply is tried above");
}
