//! scsynth's node commands and node notifications over loopback UDP, against what scsynth
//! 3 itself sends for the same commands (recorded from `scsynth -u` with a notified
//! client; the Synths' SynthDef differs, the notifications carry only ids).
mod support;

use std::net::UdpSocket;
use std::time::Duration;

use rosc::{OscPacket, OscType};
use support::server::{encode, f, i, msg, s, Client, Server, REPLY_TIMEOUT};

/// A scsynth-dialect client, logged in and notified.
fn scsynth_client(server: &Server) -> Client {
    let mut c = server.client();
    c.send("/notify", vec![i(1), i(0)]);
    c.expect("/done");
    c
}

/// Sends `addr args` and returns the messages that arrive before the `/synced` of a
/// `/sync` sent after it.
fn answers(c: &mut Client, addr: &str, args: Vec<OscType>) -> Vec<(String, Vec<OscType>)> {
    c.send(addr, args);
    c.sync().into_iter().map(|m| (m.addr, m.args)).collect()
}

/// A command, and what a notified client gets for it.
type Step = (&'static str, Vec<OscType>, Vec<(String, Vec<OscType>)>);

fn ints(addr: &str, v: &[i32]) -> (String, Vec<OscType>) {
    (addr.to_owned(), v.iter().map(|&x| OscType::Int(x)).collect())
}

#[test]
fn node_commands_notify_as_scsynth_does() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    // Each step: a command and what scsynth sent its notified client for it.
    let steps: Vec<Step> = vec![
        ("/g_new", vec![i(100), i(0), i(0)], vec![ints("/n_go", &[100, 0, -1, -1, 1, -1, -1])]),
        ("/s_new", vec![s("sine"), i(1000), i(0), i(100)], vec![ints("/n_go", &[1000, 100, -1, -1, 0])]),
        ("/s_new", vec![s("sine"), i(1001), i(1), i(100)], vec![ints("/n_go", &[1001, 100, 1000, -1, 0])]),
        ("/g_new", vec![i(200), i(3), i(100)], vec![ints("/n_go", &[200, 0, 100, -1, 1, -1, -1])]),
        (
            "/n_query",
            vec![i(1000), i(100), i(0)],
            vec![
                ints("/n_info", &[1000, 100, -1, 1001, 0]),
                ints("/n_info", &[100, 0, -1, 200, 1, 1000, 1001]),
                ints("/n_info", &[0, -1, -1, -1, 1, 100, 200]),
            ],
        ),
        ("/n_run", vec![i(1000), i(0)], vec![ints("/n_off", &[1000, 100, -1, 1001, 0])]),
        ("/n_run", vec![i(1000), i(0)], vec![]),
        ("/n_run", vec![i(1000), i(1)], vec![ints("/n_on", &[1000, 100, -1, 1001, 0])]),
        ("/n_run", vec![i(100), i(0)], vec![ints("/n_off", &[100, 0, -1, 200, 1, 1000, 1001])]),
        ("/n_before", vec![i(1001), i(1000)], vec![ints("/n_move", &[1001, 100, -1, 1000, 0])]),
        ("/n_after", vec![i(1001), i(1000)], vec![ints("/n_move", &[1001, 100, 1000, -1, 0])]),
        ("/g_head", vec![i(200), i(1000)], vec![ints("/n_move", &[1000, 200, -1, -1, 0])]),
        ("/g_tail", vec![i(100), i(1001)], vec![ints("/n_move", &[1001, 100, -1, -1, 0])]),
        // scsynth gives every node of an `/n_order` its place once all have moved (200:
        // `[200, 100, 1001, 1000, 1, -1, -1]`); Oscine gives each its place just after its
        // own move, when 1000 is still inside 200.
        (
            "/n_order",
            vec![i(3), i(1001), i(200), i(1000)],
            vec![ints("/n_move", &[200, 100, 1001, -1, 1, 1000, 1000]), ints("/n_move", &[1000, 100, 200, -1, 0])],
        ),
        (
            "/g_queryTree",
            vec![i(0), i(0)],
            vec![(
                "/g_queryTree.reply".to_owned(),
                vec![
                    i(0),
                    i(0),
                    i(1),
                    i(100),
                    i(3),
                    i(1001),
                    i(-1),
                    s("sine"),
                    i(200),
                    i(0),
                    i(1000),
                    i(-1),
                    s("sine"),
                ],
            )],
        ),
        ("/p_new", vec![i(300), i(0), i(0)], vec![ints("/n_go", &[300, 0, -1, 100, 1, -1, -1])]),
        ("/n_free", vec![i(300)], vec![ints("/n_end", &[300, 0, -1, 100, 1, -1, -1])]),
    ];
    for (addr, args, expected) in steps {
        assert_eq!(answers(&mut c, addr, args.clone()), expected, "{addr} {args:?}");
    }
    // scsynth reports a deep-freed Synth's place as -1s (it has already unlinked it);
    // Oscine reports where it was.
    assert_eq!(
        answers(&mut c, "/g_deepFree", vec![i(100)]),
        [ints("/n_end", &[1001, 100, -1, 200, 0]), ints("/n_end", &[1000, 100, 200, -1, 0])]
    );
    // scsynth's failures, as scsynth words the address.
    c.send("/n_run", vec![i(9999), i(0)]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/n_run"));
    // Moving a Group into itself corrupts scsynth's tree; Oscine refuses it.
    c.send("/n_after", vec![i(100), i(200)]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/n_after"));
    server_still_serves(&mut c);
}

fn server_still_serves(c: &mut Client) {
    assert_eq!(answers(c, "/n_query", vec![i(200)]), [ints("/n_info", &[200, 100, -1, -1, 1, -1, -1])]);
}

#[test]
fn ids_minus_one_are_picked_as_scsynth_picks_them_and_not_notified() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    assert_eq!(answers(&mut c, "/s_new", vec![s("sine"), i(-1), i(0), i(0)]), []);
    assert_eq!(answers(&mut c, "/s_new", vec![s("sine"), i(-1), i(0), i(0)]), []);
    // scsynth's reply for the same two: [0, 0, 2, -24, -1, def, -16, -1, def].
    let reply = answers(&mut c, "/g_queryTree", vec![i(0)]);
    assert_eq!(reply[0].1, [i(0), i(0), i(2), i(-24), i(-1), s("sine"), i(-16), i(-1), s("sine")]);
}

#[test]
fn control_queries_answer_with_n_set_and_n_setn() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    c.send("/s_new", vec![s("sine"), i(1000), i(0), i(0), s("freq"), f(440.0), s("amp"), f(0.25)]);
    c.sync();
    assert_eq!(
        answers(&mut c, "/s_get", vec![i(1000), s("freq"), i(0)]),
        [("/n_set".to_owned(), vec![i(1000), s("freq"), f(440.0), i(0), f(440.0)])]
    );
    answers(&mut c, "/n_setn", vec![i(1000), i(0), i(2), f(330.0), f(0.5)]);
    assert_eq!(
        answers(&mut c, "/s_getn", vec![i(1000), i(0), i(2)]),
        [("/n_setn".to_owned(), vec![i(1000), i(0), i(2), f(330.0), f(0.5)])]
    );
    answers(&mut c, "/n_fill", vec![i(1000), i(0), i(2), f(0.125)]);
    assert_eq!(
        answers(&mut c, "/s_getn", vec![i(1000), s("freq"), i(2)]),
        [("/n_setn".to_owned(), vec![i(1000), s("freq"), i(2), f(0.125), f(0.125)])]
    );
    c.send("/s_get", vec![i(1000), i(99)]);
    assert_eq!(c.expect("/fail").args[0], s("/s_get"));
    c.send("/n_setn", vec![i(9999), i(0), i(1), f(1.0)]);
    assert_eq!(c.expect("/fail").args[0], s("/n_setn"));
    c.send("/n_fill", vec![i(1000), i(0), i(9), f(1.0)]);
    assert_eq!(c.expect("/fail").args[0], s("/n_fill"));
}

#[test]
fn oscine_clients_get_acks_errors_and_keep_their_own_notifications() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    c.ok("/group/new", vec![i(10), i(0), i(0)], "/group/new", 10);
    c.ok("/n_run", vec![i(10), i(0)], "/n_run", 10);
    c.ok("/g_tail", vec![i(0), i(10)], "/g_tail", 10);
    c.fails("/n_before", vec![i(10), i(10)], "/n_before", 25);
    c.fails("/n_fill", vec![i(9999), i(0), i(2), f(1.0)], "/n_fill", 21);
    c.send("/n_query", vec![i(10)]);
    assert_eq!(c.expect("/n_info").args, [i(10), i(0), i(-1), i(-1), i(1), i(-1), i(-1)]);
    c.send("/n_free", vec![i(10)]);
    assert_eq!(c.expect("/node/ended").args, [i(10)]);
    c.expect_ack("/node/free", 10);
    assert!(c.sync().iter().all(|m| !m.addr.starts_with("/n_")), "no scsynth notifications");
}

/// The bytes of a notification, as a raw socket receives them.
#[test]
fn notifications_are_scsynths_bytes() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let to = ("127.0.0.1", server.port());
    let send =
        |addr: &str, args: Vec<OscType>| sock.send_to(&encode(&OscPacket::Message(msg(addr, args))), to).unwrap();
    let mut buf = [0u8; 1024];
    send("/notify", vec![i(1), i(0)]);
    let n = sock.recv(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"/done\0\0\0"));
    send("/g_new", vec![i(7), i(0), i(0)]);
    let n = sock.recv(&mut buf).unwrap();
    let mut expected = b"/n_go\0\0\0,iiiiiii\0\0\0\0".to_vec();
    for v in [7i32, 0, -1, -1, 1, -1, -1] {
        expected.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(&buf[..n], &expected[..]);
    send("/s_new", vec![s("sine"), i(8), i(3), i(7)]);
    let n = sock.recv(&mut buf).unwrap();
    let mut expected = b"/n_go\0\0\0,iiiii\0\0".to_vec();
    for v in [8i32, 0, 7, -1, 0] {
        expected.extend_from_slice(&v.to_be_bytes());
    }
    assert_eq!(&buf[..n], &expected[..]);
}

#[test]
fn s_noid_leaves_a_synth_playing_under_an_id_nobody_can_name() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    answers(&mut c, "/g_new", vec![i(100), i(0), i(0)]);
    answers(&mut c, "/s_new", vec![s("sine"), i(1000), i(0), i(100)]);
    answers(&mut c, "/s_new", vec![s("sine"), i(1001), i(1), i(100)]);
    // As scsynth: nothing is sent, the ids are free again, the Synths play on.
    assert_eq!(answers(&mut c, "/s_noid", vec![i(1000), i(1001)]), []);
    c.send("/n_query", vec![i(1000)]);
    assert_eq!(c.expect("/fail").args[0], s("/n_query"));
    let reply = answers(&mut c, "/g_queryTree", vec![i(100)]);
    let [(addr, args)] = &reply[..] else { panic!("{reply:?}") };
    assert_eq!(addr, "/g_queryTree.reply");
    let id = |v: &OscType| match v {
        OscType::Int(id) => *id,
        other => panic!("not a node id: {other:?}"),
    };
    let (first, second) = (id(&args[3]), id(&args[6]));
    assert!(first < 0 && second < 0 && first != second, "{args:?}");
    assert_eq!([&args[4], &args[5], &args[7], &args[8]], [&i(-1), &s("sine"), &i(-1), &s("sine")]);
    assert_eq!(synths(&mut c), 2);
    // The old id names a new node.
    let created = answers(&mut c, "/s_new", vec![s("sine"), i(1000), i(1), i(100)]);
    assert_eq!(created, [ints("/n_go", &[1000, 100, second, -1, 0])]);
    // Only Synths, only nodes that exist: scsynth's `/fail`, naming the verb.
    c.send("/s_noid", vec![i(100)]);
    assert_eq!(c.expect("/fail").args[0], s("/s_noid"));
    c.send("/s_noid", vec![i(4242)]);
    assert_eq!(c.expect("/fail").args[0], s("/s_noid"));
    // The unnamed Synths end with their Group, before the named one, without
    // notifications (their ids are the server's).
    assert_eq!(
        answers(&mut c, "/n_free", vec![i(100)]),
        [ints("/n_end", &[1000, 100, -1, -1, 0]), ints("/n_end", &[100, 0, -1, -1, 1, -1, -1])]
    );
    assert_eq!(synths(&mut c), 0);
    // An Oscine client is acknowledged.
    let mut o = server.client();
    o.ok("/synth/new", vec![s("sine"), i(2000), i(0), i(0)], "/synth/new", 2000);
    o.ok("/s_noid", vec![i(2000)], "/s_noid", 2000);
    o.fails("/s_noid", vec![i(2000)], "/s_noid", 21);
    o.fails("/s_noid", vec![i(0)], "/s_noid", 23);
}

#[test]
fn n_trace_logs_a_synths_controls_and_a_groups_nodes() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    answers(&mut c, "/g_new", vec![i(100), i(0), i(0)]);
    answers(&mut c, "/s_new", vec![s("sine"), i(1000), i(0), i(100), s("freq"), f(330.0), s("amp"), f(0.25)]);
    assert_eq!(answers(&mut c, "/n_trace", vec![i(1000)]), []);
    // A trace is one message of several lines, which reach the log one by one: each check
    // waits for the message's last line.
    let log = wait_after(&server, "TRACE 1000 sine", "amp: 0.25");
    assert!(log.contains("freq: 330"), "{log}");
    assert_eq!(answers(&mut c, "/n_trace", vec![i(100)]), []);
    wait_after(&server, "TRACE NODE TREE Group 100", "1000 sine");
    // A graph Synth's units, each with its inputs' and outputs' values.
    let sine = support::scgf::file(&[support::scgf::sine("graph-sine", 440.0)]);
    c.send("/d_recv", vec![OscType::Blob(sine)]);
    c.expect("/done");
    answers(&mut c, "/s_new", vec![s("graph-sine"), i(2000), i(1), i(100), s("freq"), f(330.0), s("bus"), i(3)]);
    assert_eq!(answers(&mut c, "/n_trace", vec![i(2000)]), []);
    let log = wait_after(&server, "TRACE 2000 graph-sine", "unit 2 Out: in 3 ");
    assert!(log.contains("freq: 330") && log.contains("bus: 3"), "{log}");
    assert!(log.contains("unit 0 Control: in -; out 330 3"), "{log}");
    assert!(log.contains("unit 1 SinOsc: in 330 0; out "), "{log}");
    assert!(log.contains("unit 2 Out: in 3 "), "{log}");
    c.send("/n_trace", vec![i(4242)]);
    assert_eq!(c.expect("/fail").args[0], s("/n_trace"));
    server_still_serves_trace(&mut c);
}

/// The server's log from the first `first` on, once `last` follows it there.
///
/// # Panics
/// If `last` has not followed `first` within [`REPLY_TIMEOUT`].
fn wait_after(server: &Server, first: &str, last: &str) -> String {
    let deadline = std::time::Instant::now() + REPLY_TIMEOUT;
    loop {
        let log = server.wait_log(first);
        let from = &log[log.find(first).expect("wait_log found it")..];
        if from.contains(last) {
            return from.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "the log never showed {last:?} after {first:?}:\n{from}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The Synth count of scsynth's `/status.reply`.
fn synths(c: &mut Client) -> i32 {
    c.send("/status", vec![]);
    match c.expect("/status.reply").args[2] {
        OscType::Int(n) => n,
        ref other => panic!("{other:?}"),
    }
}

fn server_still_serves_trace(c: &mut Client) {
    assert_eq!(answers(c, "/n_query", vec![i(100)]), [ints("/n_info", &[100, 0, -1, -1, 1, 1000, 2000])]);
}
