//! A client's queries waiting for their replies are bounded (`--max-queries-per-client`):
//! each holds storage for its reply, and timed ones hold it in the scheduler until their
//! time. The bound is per client, and a query's storage gives its place back wherever it
//! is dropped: after its reply, or on a worker when the scheduler drops it.
mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rosc::{OscBundle, OscMessage, OscPacket, OscTime};
use support::server::{i, msg, Server};

fn an_hour_ahead() -> OscTime {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 2_208_988_800 + 3600;
    OscTime { seconds: t as u32, fractional: 0 }
}

fn timed(messages: Vec<OscMessage>) -> OscPacket {
    OscPacket::Bundle(OscBundle {
        timetag: an_hour_ahead(),
        content: messages.into_iter().map(OscPacket::Message).collect(),
    })
}

#[test]
fn a_clients_queries_in_flight_are_bounded_and_come_back_when_their_storage_goes() {
    let server = Server::start_with(&["--max-queries-per-client", "4"]);
    let mut c = server.client();
    let mut other = server.client();
    c.make_known();
    // Three timed queries of three kinds, then one message asking for two more: the
    // fourth fits, the message with two does not, whole.
    c.send_packet(&timed(vec![
        msg("/node/tree", vec![i(0)]),
        msg("/c_get", vec![i(0)]),
        msg("/s_get", vec![i(1000), i(0)]),
    ]));
    c.send_packet(&timed(vec![msg("/c_get", vec![i(1)])]));
    // c's own /sync would wait the hour for them.
    let deadline = Instant::now() + Duration::from_secs(10);
    while other.status().scheduled < 4 {
        assert!(Instant::now() < deadline, "the timed queries never reached the scheduler");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(other.status().scheduled, 4);
    c.send("/c_get", vec![i(2), i(3)]);
    let refused = c.expect_error("/c_get", 39);
    assert!(refused.contains("at most 4"), "{refused}");
    let refused = c.fails("/g_queryTree", vec![i(0)], "/g_queryTree", 39);
    assert!(refused.contains("4 queries"), "{refused}");
    // Another client has its own bound.
    other.make_known();
    assert_eq!(other.tree(0).ids(), vec![0]);
    // Dropped by /clearSched, the four go to a worker, which frees them and their
    // permits: c can query again.
    other.send("/clearSched", vec![]);
    other.expect_ack("/clearSched", 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        c.send("/c_get", vec![i(0)]);
        let reply = c.recv();
        if reply.addr == "/c_set" {
            break;
        }
        assert_eq!(reply.args.get(1), Some(&i(39)), "{reply:?}");
        assert!(Instant::now() < deadline, "the scheduler's dropped queries never gave their places back");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Immediate queries give their places back with their replies.
    for _ in 0..20 {
        assert_eq!(c.tree(0).ids(), vec![0]);
    }
}
