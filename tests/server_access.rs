//! Who may talk to the server: `--allow` ignores every other source, without a reply, and
//! counts it in `/status/reply`.
//!
//! On Linux the whole of 127.0.0.0/8 is loopback, so a socket bound to 127.0.0.2 reaches
//! a server on 127.0.0.1 as a real second source address.
mod support;

use std::net::IpAddr;

use support::server::{i, Client, Server};

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
