//! Regression corpus: inputs that once broke something, or were made to (deeply nested
//! bundles, sizes that lie, blobs that are bundles, strings without their NUL, huge
//! counts), kept in tests/fixtures/fuzz-regressions/ and replayed on every run.
//!
//! - `packets/*.osc`: one datagram each, sent to the real server over loopback by a new
//!   client, and run through [`ManualServer`] as the `packet` fuzz target runs them.
//!   `packets/expected.txt` says what the first failure answered must be.
//! - `scgf/*.scsyndef`: SynthDef files, read by `read_synthdefs` (`scgf/expected.txt` says
//!   whether each reads) and sent to the real server in a `/d_recv`.
//!
//! Every file of a directory must be listed in its `expected.txt`, and every file listed
//! must exist. A new fuzz finding goes in as a file and a line (docs/fuzzing.md).
mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use oscine::control::Registry;
use oscine::engine::EngineOptions;
use oscine::network::{ManualServer, ServerOptions};
use rosc::{OscMessage, OscPacket, OscType};
use support::server::{encode, i, Server};

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions").join(kind)
}

/// The files of a fixture directory with what `expected.txt` says of each; panics unless
/// the two agree.
fn corpus(kind: &str) -> Vec<(String, Vec<u8>, String)> {
    let dir = fixtures(kind);
    let listed: BTreeMap<String, String> = std::fs::read_to_string(dir.join("expected.txt"))
        .expect("expected.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, expected) = l.split_once(' ').unwrap_or_else(|| panic!("no expectation in {l:?}"));
            (file.to_owned(), expected.trim().to_owned())
        })
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.txt")
        .collect();
    files.sort();
    for f in &files {
        assert!(listed.contains_key(f), "{kind}/{f} is not listed in {kind}/expected.txt");
    }
    listed
        .into_iter()
        .map(|(file, expected)| {
            let bytes = std::fs::read(dir.join(&file))
                .unwrap_or_else(|e| panic!("{kind}/{file} is listed but unreadable: {e}"));
            (file, bytes, expected)
        })
        .collect()
}

/// The first failure among `replies`: `Some(code)` for an `/error`, `None` for a `/fail`.
fn first_failure(replies: &[OscMessage]) -> Option<Option<i32>> {
    replies.iter().find_map(|m| match (m.addr.as_str(), m.args.get(1)) {
        ("/error", Some(OscType::Int(code))) => Some(Some(*code)),
        ("/fail", _) => Some(None),
        _ => None,
    })
}

#[test]
fn every_regression_packet_is_answered_as_listed_and_leaves_the_server_up() {
    let mut server = Server::start_with(&["--max-nodes", "32", "--max-resources", "16", "--max-resource-memory", "4M"]);
    let packets = corpus("packets");
    assert!(packets.len() >= 20, "{} packets", packets.len());
    for (file, bytes, expected) in &packets {
        // A new client for each: none inherits another's dialect or error mode.
        let mut c = server.client();
        c.make_known();
        c.send_raw(bytes);
        let replies = c.sync();
        server.assert_alive();
        let got = first_failure(&replies);
        match expected.as_str() {
            "-" => {}
            "fail" => assert_eq!(got, Some(None), "{file}: expected a /fail, got {replies:?}"),
            code => {
                let code: i32 = code.parse().unwrap_or_else(|_| panic!("{file}: expectation {code:?}"));
                assert_eq!(got, Some(Some(code)), "{file}: expected /error {code}, got {replies:?}");
            }
        }
    }
    // Still whole: it answers, and builds and frees nodes.
    let mut c = server.client();
    c.ok("/group/freeAll", vec![i(0)], "/group/freeAll", 0);
    c.ok("/group/new", vec![i(1), i(0), i(0)], "/group/new", 1);
    assert_eq!(c.tree(0).ids(), vec![0, 1]);
    c.ok("/node/free", vec![i(1)], "/node/free", 1);
    let st = c.wait_counts(0, 0);
    assert_eq!((st.failed, st.synth_faults), (0, 0), "{st:?}");
}

#[test]
fn every_regression_packet_runs_through_the_manual_server_as_the_fuzz_target_runs_it() {
    let options = EngineOptions { max_nodes: 32, max_resources: 16, workers: 1, ..EngineOptions::default() };
    let bind = ServerOptions::new("127.0.0.1:0".parse().unwrap());
    let mut server = ManualServer::new(options, Registry::with_builtins(), &bind).expect("a manual server");
    let client: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let status = encode(&OscPacket::Message(OscMessage { addr: "/status".into(), args: vec![] }));
    for (file, bytes, _) in corpus("packets") {
        let mut replies = server.datagram(&bytes, client);
        replies.extend(server.render(4));
        replies.extend(server.datagram(&status, client));
        for (to, packet) in &replies {
            assert_eq!(*to, client, "{file}: a reply elsewhere: {packet:?}");
            assert!(rosc::encoder::encode(packet).is_ok(), "{file}: an unencodable reply {packet:?}");
        }
        let answered = replies.iter().any(|(_, p)| matches!(p, OscPacket::Message(m) if m.addr.starts_with("/status")));
        assert!(answered, "{file}: /status unanswered after it: {replies:?}");
    }
    let st = server.status();
    assert!(!st.failed && st.synth_faults == 0, "{st:?}");
    server.shutdown();
}

#[test]
fn every_regression_synthdef_file_is_read_or_refused_as_listed() {
    let mut server = Server::start();
    let files = corpus("scgf");
    assert!(files.len() >= 10, "{} files", files.len());
    for (file, bytes, expected) in &files {
        let read = oscine::scgf::read_synthdefs(bytes);
        match (expected.as_str(), &read) {
            ("ok", Ok(_)) => {}
            ("err", Err(e)) => assert!(e.offset() <= bytes.len(), "{file}: error past the end: {e}"),
            _ => panic!("{file}: expected {expected}, read {read:?}"),
        }
        // The server installs it or refuses it, and answers on.
        let mut c = server.client();
        c.make_known();
        c.send("/d_recv", vec![OscType::Blob(bytes.clone())]);
        let replies = c.sync();
        let done = replies.iter().any(|m| m.addr == "/done");
        let refused = first_failure(&replies).is_some();
        assert!(done != refused, "{file}: expected /done or a failure, got {replies:?}");
        if read.is_err() {
            assert!(refused, "{file}: the server installed what the reader refuses: {replies:?}");
        }
        server.assert_alive();
    }
}
