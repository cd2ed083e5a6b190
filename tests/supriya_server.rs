//! supriya drives the real server: `Server().boot(executable=oscine)` starts Oscine with
//! scsynth's flags and plays on it, `Server().connect()` reaches one already running
//! (tests/python/supriya_session.py says what each does), and supriya queries a tree too
//! large for one datagram (tests/python/supriya_tree.py).
//!
//! Needs python3 with supriya (`pip install --pre supriya`; `scripts/install-deps`
//! installs it).

mod support;

use std::path::Path;
use std::process::Command;

use support::server::{i, Server};

/// Runs the session script with `args` and returns the lines it printed.
fn session(args: &[&str]) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/supriya_session.py");
    let out = Command::new("python3")
        // The Oscine that supriya starts keeps its files under the temporary directory.
        .env("OSCINE_FILE_ROOTS", std::env::temp_dir())
        .arg(&script)
        .args(args)
        .output()
        .expect("cannot run python3 (scripts/install-deps installs it, with supriya)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "supriya_session.py failed:\n{stdout}\n{stderr}");
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn supriya_boots_oscine_and_plays_on_it() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let lines = session(&["boot", env!("CARGO_BIN_EXE_oscine"), &port.to_string()]);
    assert_eq!(
        lines,
        ["booted client 0", "tree ['supriya_sine']", "released", "buffer 0 256 frames 2 channels", "quit"]
    );
}

#[test]
fn supriya_connects_to_a_running_oscine() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    // supriya's connect takes the server as its owner left it: client 0's default group
    // (node 1) made, as a booting client makes it.
    let mut owner = server.client();
    owner.send("/g_new", vec![i(1), i(0), i(0)]);
    owner.sync_quiet();
    let lines = session(&["connect", &server.addr.port().to_string()]);
    assert_eq!(
        lines,
        ["connected client 0", "tree ['supriya_sine']", "released", "buffer 0 256 frames 2 channels", "disconnected"]
    );
    // The server is still up and has nothing of supriya's left playing.
    let mut c = server.client();
    let tree = c.tree(0);
    assert!(tree.nodes.iter().all(|n| !format!("{:?}", n.kind).contains("supriya")), "{tree:?}");
}

#[test]
fn supriya_reads_the_first_part_of_a_tree_too_large_for_one_datagram_and_warns_of_the_rest() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/supriya_tree.py");
    let out = Command::new("python3")
        // The Oscine that supriya starts keeps its files under the temporary directory.
        .env("OSCINE_FILE_ROOTS", std::env::temp_dir())
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_oscine"))
        .arg(port.to_string())
        .output()
        .expect("cannot run python3 (scripts/install-deps installs it, with supriya)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "supriya_tree.py failed:\n{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let [synths, part, quit] = lines[..] else { panic!("unexpected output:\n{stdout}\n{stderr}") };
    assert_eq!((synths, quit), ("3000 synths", "quit"), "{stderr}");
    // A valid tree of the first part's Synths, and supriya's warning of the `/fail` that
    // says how many parts there are.
    let listed: usize = part
        .strip_prefix("first part: ")
        .and_then(|rest| rest.strip_suffix(" synths, warned True"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {part:?}\n{stderr}"));
    assert!(listed > 500 && listed < 3000, "{part}");
}
