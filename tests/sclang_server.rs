//! sclang's `Server` class drives the real server: `Server.remote` boots against a running
//! Oscine started with `--dialect scsynth` (the status polling, `/notify` with a client
//! id, the SynthDefs of its SynthDescLib, the default groups, the `/sync`s), then plays
//! and releases `Synth(\default)`, whose commands arrive as command numbers.
//!
//! Needs sclang (Debian's supercollider-language; `scripts/install-deps` installs it),
//! run headless; `SCLANG` names another binary.
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::server::{i, Server};

/// How long sclang may take to start, boot and answer: a bound on a hung process, not a
/// measure of speed.
const SCLANG_TIMEOUT: Duration = Duration::from_secs(90);

fn sclang() -> String {
    std::env::var("SCLANG").unwrap_or_else(|_| "sclang".into())
}

/// Runs `code` in a headless sclang and returns its output lines as they come.
fn run_sclang(code: &str, tag: &str) -> (std::process::Child, mpsc::Receiver<String>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("oscine-sclang-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("test.scd");
    std::fs::write(&script, code).unwrap();
    let mut child = Command::new(sclang())
        .arg(&script)
        .current_dir(&dir)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {} (scripts/install-deps installs it): {e}", sclang()));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx, dir)
}

/// Waits for a line starting with `marker`, returning every line seen until then.
#[track_caller]
fn wait_for(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, marker: &str) {
    let deadline = Instant::now() + SCLANG_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let done = line.starts_with(marker);
                seen.push(line);
                if done {
                    return;
                }
            }
            Err(_) => panic!("sclang never printed {marker:?}; it printed:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn server_remote_boots_and_plays_the_default_synth() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let port = server.addr.port();
    let go = std::env::temp_dir().join(format!("oscine-sclang-go-{}", std::process::id()));
    let _ = std::fs::remove_file(&go);
    let code = format!(
        r#"(
Server.default = s = Server.remote(\oscine, NetAddr("127.0.0.1", {port}));
s.doWhenBooted({{
    fork {{
        var x, tries = 0;
        s.sync;
        ("oscine-test: booted as client " ++ s.clientID).postln;
        x = Synth(\default, [\freq, 330, \amp, 0.1]);
        s.sync;
        ("oscine-test: playing " ++ x.nodeID).postln;
        // The test looks at the server, then lets the script go on.
        while {{ File.exists("{go}").not and: {{ tries < 1200 }} }} {{ 0.05.wait; tries = tries + 1 }};
        x.release;
        s.sync;
        "oscine-test: released".postln;
        0.exit;
    }};
}}, 600, {{ "oscine-test: boot failed".postln; 1.exit }});
)"#,
        go = go.display()
    );
    let (mut child, lines, dir) = run_sclang(&code, "remote");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: booted");
    assert!(seen.iter().any(|l| l.contains("keeping clientID (0) as confirmed by server")), "{seen:#?}");
    wait_for(&lines, &mut seen, "oscine-test: playing");
    let node: i32 = seen.last().unwrap().rsplit(' ').next().unwrap().parse().unwrap();

    // The server holds sclang's default group and, inside it, the Synth.
    let mut c = server.client();
    let tree = c.tree(0);
    let synth = tree.nodes.iter().find(|n| n.id == node).unwrap_or_else(|| panic!("no node {node}: {tree:?}"));
    assert_eq!(synth.parent, 1, "in the default group of client 0: {tree:?}");
    assert!(format!("{:?}", synth.kind).contains("default"), "{synth:?}");
    // The defs sclang sent: default and the system defs Oscine has UGens for.
    let defs = c.request("/synthdef/list", vec![]);
    let names: Vec<String> = defs.args.iter().filter_map(|a| a.clone().string()).collect();
    for name in ["default", "system_link_audio_2", "system_setbus_control_16"] {
        assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
    }

    std::fs::write(&go, b"").unwrap();
    wait_for(&lines, &mut seen, "oscine-test: released");
    let status = child.wait().unwrap();
    assert!(status.success(), "sclang exited with {status}; it printed:\n{}", seen.join("\n"));
    // The release ends the envelope (Linen, done action 2): the Synth frees itself.
    let deadline = Instant::now() + SCLANG_TIMEOUT;
    while c.tree(0).nodes.iter().any(|n| n.id == node) {
        assert!(Instant::now() < deadline, "node {node} was never freed");
        std::thread::sleep(Duration::from_millis(50));
    }
    c.send("/n_free", vec![i(node)]);
    let error = c.expect_error("/node/free", 21);
    assert!(error.contains(&format!("node {node} does not exist")), "{error}");
    let _ = std::fs::remove_file(&go);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn node_watcher_follows_the_node_notifications() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let port = server.addr.port();
    // NodeWatcher reads /n_go, /n_on, /n_off, /n_end; Node.get, getn and query read
    // /n_set, /n_setn and /n_info; queryAllNodes on a local server sends /g_dumpTree.
    let code = format!(
        r#"(
Server.default = s = Server.remote(\oscine, NetAddr("127.0.0.1", {port}));
s.doWhenBooted({{
    fork {{
        var g, x, y;
        s.sync;
        g = Group.new;
        x = Synth(\default, [\freq, 330, \amp, 0.0], g).register;
        y = Synth.after(x, \default, [\freq, 440, \amp, 0.0]).register;
        s.sync; 0.2.wait;
        ("oscine-test: playing " ++ x.isPlaying ++ " running " ++ x.isRunning).postln;
        x.run(false); s.sync; 0.2.wait;
        ("oscine-test: run false: running " ++ x.isRunning).postln;
        x.run(true); s.sync; 0.2.wait;
        ("oscine-test: run true: running " ++ x.isRunning).postln;
        x.get(\freq, {{ |v| ("oscine-test: freq " ++ v).postln }});
        x.getn(0, 3, {{ |v| ("oscine-test: getn " ++ v).postln }});
        s.sync; 0.2.wait;
        y.moveBefore(x); s.sync;
        x.query({{ |...args| ("oscine-test: query " ++ args[1..]).postln }});
        s.sync; 0.2.wait;
        s.queryAllNodes(true);
        s.sync;
        g.deepFree; s.sync; 0.2.wait;
        ("oscine-test: deepFree: playing " ++ x.isPlaying ++ " " ++ y.isPlaying).postln;
        "oscine-test: done".postln;
        0.exit;
    }};
}}, 600, {{ "oscine-test: boot failed".postln; 1.exit }});
)"#
    );
    let (mut child, lines, dir) = run_sclang(&code, "watcher");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: done");
    let status = child.wait().unwrap();
    assert!(status.success(), "sclang exited with {status}; it printed:\n{}", seen.join("\n"));
    let said: Vec<&str> = seen.iter().filter_map(|l| l.strip_prefix("oscine-test: ")).collect();
    assert_eq!(
        said,
        [
            "playing true running true",
            "run false: running false",
            "run true: running true",
            "freq 330.0",
            "getn [ 0.0, 330.0, 0.0 ]",
            // y (1002) moved before x (1001), in g (1000): parent, prev, next, is-group.
            "query [ 1001, 1000, 1002, -1, 0 ]",
            "deepFree: playing false false",
            "done",
        ],
        "{seen:#?}"
    );
    let log = server.log();
    assert!(log.contains("NODE TREE Group 0"), "{log}");
    assert!(log.contains("1001 default"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}
