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
        // The Oscine that sclang starts keeps its files under the temporary directory.
        .env("OSCINE_FILE_ROOTS", std::env::temp_dir())
        .arg(&script)
        .current_dir(&dir)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
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
fn server_program_starts_oscine_with_scsynths_flags() {
    // A free port for the server sclang starts.
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let code = format!(
        r#"(
Server.program = "{program}";
Server.default = s = Server(\oscine_program, NetAddr("127.0.0.1", {port}));
s.options.numOutputBusChannels = 2;
s.options.numInputBusChannels = 0;
s.waitForBoot({{
    fork {{
        var x;
        ("oscine-test: booted, " ++ s.options.maxLogins ++ " login").postln;
        x = Synth(\default, [\freq, 220]);
        s.sync;
        ("oscine-test: playing " ++ x.nodeID).postln;
        s.quit;
    }};
}}, 600, {{ "oscine-test: boot failed".postln; 1.exit }});
s.doWhenBooted({{}});
ServerQuit.add({{ "oscine-test: quit".postln; 0.exit }}, s);
)"#,
        program = env!("CARGO_BIN_EXE_oscine")
    );
    let (mut child, lines, dir) = run_sclang(&code, "program");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: booted");
    // The server printed scsynth's ready line, which sclang waits for, and took sclang's
    // flags (-u for the port, -l 1 for one login).
    assert!(seen.iter().any(|l| l == "SuperCollider 3 server ready."), "{seen:#?}");
    assert!(seen.last().unwrap().ends_with("1 login"), "{seen:#?}");
    wait_for(&lines, &mut seen, "oscine-test: playing");
    wait_for(&lines, &mut seen, "oscine-test: quit");
    let status = child.wait().unwrap();
    assert!(status.success(), "sclang exited with {status}; it printed:\n{}", seen.join("\n"));
    // The server it started stops (it answered /quit just before exiting).
    let deadline = Instant::now() + SCLANG_TIMEOUT;
    while std::net::UdpSocket::bind(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server sclang started still holds port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn server_program_with_protocol_tcp_talks_to_oscine_over_tcp() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let go = std::env::temp_dir().join(format!("oscine-sclang-tcp-go-{}", std::process::id()));
    let _ = std::fs::remove_file(&go);
    let code = format!(
        r#"(
Server.program = "{program}";
Server.default = s = Server(\oscine_tcp, NetAddr("127.0.0.1", {port}));
s.options.protocol = \tcp;
s.options.numOutputBusChannels = 2;
s.options.numInputBusChannels = 0;
s.waitForBoot({{
    fork {{
        var x, tries = 0;
        x = Synth(\default, [\freq, 220]);
        s.sync;
        ("oscine-test: playing " ++ x.nodeID).postln;
        while {{ File.exists("{go}").not and: {{ tries < 1200 }} }} {{ 0.05.wait; tries = tries + 1 }};
        s.quit;
    }};
}}, 600, {{ "oscine-test: boot failed".postln; 1.exit }});
ServerQuit.add({{ "oscine-test: quit".postln; 0.exit }}, s);
)"#,
        program = env!("CARGO_BIN_EXE_oscine"),
        go = go.display()
    );
    let (mut child, lines, dir) = run_sclang(&code, "tcp");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: playing");
    let node: i32 = seen.last().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    // sclang started Oscine with scsynth's -t: it serves TCP on that port, sclang's
    // connection and this one.
    let mut c = support::tcp_client::TcpClient::connect(([127, 0, 0, 1], port).into());
    c.send("/node/tree", vec![i(0)]);
    let tree = support::server::Tree::parse(&c.expect("/node/tree"));
    assert!(tree.node(node).is_some(), "sclang's Synth {node} is not in {tree:?}");
    assert_eq!(c.status().tcp_connections, 2);
    std::fs::write(&go, b"").unwrap();
    wait_for(&lines, &mut seen, "oscine-test: quit");
    let status = child.wait().unwrap();
    assert!(status.success(), "sclang exited with {status}; it printed:\n{}", seen.join("\n"));
    let _ = std::fs::remove_file(&go);
    let _ = std::fs::remove_dir_all(dir);
}

/// A script that boots `Server.remote` against `port`, runs `body` (which may start with
/// `var` declarations) in a Routine, and exits.
fn remote_script(port: u16, body: &str) -> String {
    format!(
        r#"(
Server.default = s = Server.remote(\oscine, NetAddr("127.0.0.1", {port}));
s.doWhenBooted({{
    fork {{
        {body}
        "oscine-test: end".postln;
        0.exit;
    }};
}}, 600, {{ "oscine-test: boot failed".postln; 1.exit }});
)"#
    )
}

#[test]
fn buffers_answer_sclangs_buffer_class() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let body = r#"
        var b, c = Condition.new, got, f;
        s.sync;
        b = Buffer.alloc(s, 512, 2);
        s.sync;
        b.query({ |addr, num, frames, channels, rate| ("oscine-test: info " ++ [num, frames, channels, rate]).postln; c.unhang });
        c.hang;
        b.set(3, 0.5, 7, -0.25);
        b.get(3, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: get " ++ got).postln;
        b.getn(2, 6, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: getn " ++ got).postln;
        b.free;
        s.sync;
        b = Buffer.alloc(s, 8, 1);
        s.sync;
        b.sine1([1], true, false, true);
        s.sync;
        b.getn(0, 8, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: sine " ++ got.collect(_.round(0.001))).postln;
        // Through a temporary AIFF file, as sclang reads a buffer (inside a Routine it
        // waits for the file itself), and Buffer.write's own default (AIFF, int24).
        b.setn(0, [0.1, 0.2, 0.3, 0.4]);
        b.loadToFloatArray(0, 4, { |a| got = a });
        ("oscine-test: float " ++ got.collect(_.round(0.001))).postln;
        b.write(PathName.tmp +/+ "oscine-sclang-write.aiff");
        s.sync;
        f = SoundFile.openRead(PathName.tmp +/+ "oscine-sclang-write.aiff");
        got = FloatArray.newClear(4);
        f.readData(got);
        f.close;
        File.delete(PathName.tmp +/+ "oscine-sclang-write.aiff");
        ("oscine-test: aiff " ++ [f.headerFormat, f.sampleFormat, f.numFrames] ++ got.collect(_.round(0.001))).postln;
    "#;
    let (mut child, lines, dir) = run_sclang(&remote_script(server.addr.port(), body), "buffers");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    let line = |prefix: &str| seen.iter().find(|l| l.starts_with(prefix)).cloned().unwrap_or_default();
    assert_eq!(line("oscine-test: info"), "oscine-test: info [ 0, 512, 2, 48000.0 ]", "{seen:#?}");
    assert_eq!(line("oscine-test: get "), "oscine-test: get 0.5", "{seen:#?}");
    assert_eq!(line("oscine-test: getn"), "oscine-test: getn [ 0.0, 0.5, 0.0, 0.0, 0.0, -0.25 ]", "{seen:#?}");
    assert_eq!(
        line("oscine-test: sine"),
        "oscine-test: sine [ 0.0, 0.707, 1.0, 0.707, 0.0, -0.707, -1.0, -0.707 ]",
        "{seen:#?}"
    );
    assert_eq!(line("oscine-test: float"), "oscine-test: float [ 0.1, 0.2, 0.3, 0.4 ]", "{seen:#?}");
    assert_eq!(line("oscine-test: aiff"), "oscine-test: aiff [ AIFF, int24, 8 ][ 0.1, 0.2, 0.3, 0.4 ]", "{seen:#?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn control_buses_answer_sclangs_bus_class() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let body = r#"
        var b, c = Condition.new, got;
        s.sync;
        b = Bus.control(s, 3);
        b.setn([0.5, 0.25, -1]);
        b.getn(3, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: getn " ++ got).postln;
        b.subBus(1).get({ |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: get " ++ got).postln;
        b.fill(2, 3);
        b.getn(3, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: fill " ++ got).postln;
    "#;
    let (mut child, lines, dir) = run_sclang(&remote_script(server.addr.port(), body), "buses");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    let line = |prefix: &str| seen.iter().find(|l| l.starts_with(prefix)).cloned().unwrap_or_default();
    assert_eq!(line("oscine-test: getn"), "oscine-test: getn [ 0.5, 0.25, -1.0 ]", "{seen:#?}");
    assert_eq!(line("oscine-test: get "), "oscine-test: get 0.25", "{seen:#?}");
    assert_eq!(line("oscine-test: fill"), "oscine-test: fill [ 2.0, 2.0, 2.0 ]", "{seen:#?}");
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
    let log = server.wait_log("1001 default");
    assert!(log.contains("NODE TREE Group 0"), "{log}");
    assert!(log.contains("1001 default"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_pbind_plays_its_notes_in_timed_bundles() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    // Another client, in scsynth's dialect as the server's default, hears each note end.
    let mut watcher = server.client();
    watcher.send("/notify", vec![i(1)]);
    watcher.expect("/done");
    let body = r#"
        var done = Condition.new;
        s.sync;
        Pbind(
            \instrument, \default,
            \freq, Pseq([220, 330, 440, 550]),
            \dur, 0.05,
            \legato, 0.5,
            \amp, 0.05
        ).play(quant: 0).addDependant({ |player, what| if(what == \stopped) { done.unhang } });
        done.hang;
        s.sync;
    "#;
    let (mut child, lines, dir) = run_sclang(&remote_script(server.addr.port(), body), "pbind");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    // Four Synths of `default` start, and free themselves once released (the last one
    // after the bundles' latency and its release).
    let mut ended = Vec::new();
    let deadline = Instant::now() + SCLANG_TIMEOUT;
    while ended.len() < 4 {
        let left = deadline.saturating_duration_since(Instant::now());
        match watcher.recv_timeout(left) {
            Some(m) if m.addr == "/n_end" => ended.push(m),
            Some(_) => {}
            None => panic!("only {} notes ended: {ended:?}", ended.len()),
        }
    }
    assert_eq!(c_tree_synths(&server), 0);
    let _ = std::fs::remove_dir_all(dir);
}

/// How many Synths the server's tree holds.
fn c_tree_synths(server: &Server) -> usize {
    let mut c = server.client();
    c.tree(0).nodes.iter().filter(|n| matches!(n.kind, support::server::NodeKind::Synth { .. })).count()
}

#[test]
fn synth_map_reads_a_control_bus() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let body = r#"
        var x, b, c = Condition.new, got;
        s.sync;
        b = Bus.control(s, 2);
        b.setn([880, 0.03]);
        x = Synth(\default, [\freq, 220, \amp, 0.0]);
        s.sync;
        x.map(\freq, b.index);
        s.sync;
        b.set(660);
        s.sync;
        // Bundles apply at the next block, and a mapped control reads its bus at the start
        // of each block: wait for a block to have passed.
        x.get(\freq, { |v| got = v; c.unhang });
        c.hang;
        while { got != 660 } { s.sync; x.get(\freq, { |v| got = v; c.unhang }); c.hang };
        ("oscine-test: mapped " ++ got).postln;
        x.set(\freq, 330);
        s.sync;
        b.set(990);
        s.sync;
        x.get(\freq, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: set unmaps " ++ got).postln;
        x.free;
    "#;
    let (mut child, lines, dir) = run_sclang(&remote_script(server.addr.port(), body), "map");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    let line = |prefix: &str| seen.iter().find(|l| l.starts_with(prefix)).cloned().unwrap_or_default();
    assert_eq!(line("oscine-test: mapped"), "oscine-test: mapped 660.0", "{seen:#?}");
    assert_eq!(line("oscine-test: set unmaps"), "oscine-test: set unmaps 330.0", "{seen:#?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn synth_map_of_an_audio_bus_sends_n_mapan_and_reads_the_bus() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let body = r#"
        var w, x, b, c = Condition.new, got;
        SynthDef(\oscine_dc, { |out = 0, value = 0| Out.ar(out, DC.ar(value)) }).add;
        s.sync;
        b = Bus.audio(s, 1);
        w = Synth(\oscine_dc, [\out, b.index, \value, 550]);
        x = Synth.after(w, \default, [\freq, 220, \amp, 0.0]);
        s.sync;
        // An audio Bus makes Node.map send /n_mapan.
        x.map(\freq, b);
        s.sync;
        got = 0;
        while { got != 550 } { s.sync; x.get(\freq, { |v| got = v; c.unhang }); c.hang };
        ("oscine-test: mapped " ++ got).postln;
        x.set(\freq, 330);
        s.sync;
        x.get(\freq, { |v| got = v; c.unhang });
        c.hang;
        ("oscine-test: set unmaps " ++ got).postln;
        x.free;
        w.free;
    "#;
    let (mut child, lines, dir) = run_sclang(&remote_script(server.addr.port(), body), "mapa");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    let line = |prefix: &str| seen.iter().find(|l| l.starts_with(prefix)).cloned().unwrap_or_default();
    assert_eq!(line("oscine-test: mapped"), "oscine-test: mapped 550.0", "{seen:#?}");
    assert_eq!(line("oscine-test: set unmaps"), "oscine-test: set unmaps 330.0", "{seen:#?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn group_query_tree_prints_the_first_part_of_a_tree_too_large_for_one_datagram() {
    let server = Server::start_with(&["--dialect", "scsynth", "--max-nodes", "6000"]);
    // `Group.queryTree` asks with `/g_queryTree` and prints the one reply it reads, as
    // `queryAllNodes` does against a server on another machine (on this one, it asks for
    // `/g_dumpTree` instead).
    let body = r#"
        var c = Condition.new;
        s.sync;
        40.do { |k|
            s.sendBundle(nil, *(100.collect { |j| [\s_new, \default, 100000 + (100 * k) + j, 1, 1, \amp, 0] }));
            s.sync;
        };
        "oscine-test: 4000 synths".postln;
        OSCFunc({ c.unhang }, '/g_queryTree.reply', s.addr).oneShot;
        RootNode(s).queryTree;
        c.hang;
        0.5.wait;
    "#;
    let (mut child, lines, dir) = run_sclang(&remote_script(server.addr.port(), body), "tree");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    // sclang's own printing of the first part: the root, the default group, Synths.
    assert!(seen.iter().any(|l| l == "NODE TREE Group 0"), "{seen:#?}");
    let printed = seen.iter().filter(|l| l.trim_start().ends_with(" default")).count();
    let trees = seen.iter().filter(|l| l.starts_with("NODE TREE")).count();
    assert!(printed > 500 && printed < 4000, "{printed} Synths printed in {trees} trees");
    server.wait_log("does not fit one datagram");
    let _ = std::fs::remove_dir_all(dir);
}

/// The samples of channel `channel` of a float WAV file (what `s.record` writes by
/// default), and its channel count.
fn read_recording(path: &std::path::Path, channel: usize) -> (usize, Vec<f32>) {
    let reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!((spec.sample_format, spec.bits_per_sample), (hound::SampleFormat::Float, 32), "{spec:?}");
    let channels = usize::from(spec.channels);
    let samples: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    (channels, samples.into_iter().skip(channel).step_by(channels).collect())
}

/// Renders `def_file`'s SynthDef `name` alone for `seconds` with `scsynth -N`: one output
/// channel at 48 kHz.
fn scsynth_render(def_file: &std::path::Path, name: &str, seconds: f64, dir: &std::path::Path) -> Vec<f32> {
    use oscine::score::{message, Score};
    use rosc::OscType;
    let def = std::fs::read(def_file).unwrap_or_else(|e| panic!("{}: {e}", def_file.display()));
    let mut score = Score::new();
    score.at(0.0, [message("/d_recv", vec![OscType::Blob(def)])]);
    score.at(0.0, [message("/s_new", vec![OscType::String(name.into()), i(1000), i(0), i(0)])]);
    score.end(seconds);
    let (score_path, out) = (dir.join("reference.osc"), dir.join("reference.wav"));
    score.write(&score_path).unwrap();
    support::scsynth_nrt::render(&score_path, &out, 1);
    hound::WavReader::open(&out).unwrap().into_samples::<f32>().map(Result::unwrap).collect()
}

#[test]
fn s_record_writes_what_the_server_plays_as_scsynth_renders_it_and_meters_report_levels() {
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let files = support::temp_dir::TempDir::new("sclang-record-files");
    let dir = files.path();
    let take = dir.join("take.wav");
    let body = format!(
        r#"
        var x, m, levels, tries = 0, c = Condition.new;
        // Audio rate throughout, so the samples do not depend on where in a block the
        // Synth starts.
        SynthDef(\oscine_take, {{ Out.ar(0, SinOsc.ar(440, 0, 0.1) * Line.ar(0, 1, 0.5)) }})
            .add.writeDefFile("{dir}");
        SynthDef(\oscine_meter, {{ SendPeakRMS.kr(DC.ar(0.5), 20, 3, '/oscine_levels', 7) }}).add;
        OSCFunc({{ |msg| levels = msg; c.unhang }}, '/oscine_levels', s.addr).oneShot;
        s.sync;
        m = Synth(\oscine_meter);
        c.hang;
        ("oscine-test: levels " ++ levels[2..]).postln;
        m.free;
        s.record("{take}");
        while {{ s.isRecording.not and: {{ tries < 400 }} }} {{ 0.05.wait; tries = tries + 1 }};
        s.sync;
        x = Synth(\oscine_take);
        s.sync;
        1.5.wait;
        ("oscine-test: duration " ++ (s.recorder.duration >= 1)).postln;
        x.free;
        s.stopRecording;
        s.sync;
        "oscine-test: stopped".postln;
    "#,
        dir = dir.display(),
        take = take.display()
    );
    let (mut child, lines, script_dir) = run_sclang(&remote_script(server.addr.port(), &body), "record");
    let mut seen = Vec::new();
    wait_for(&lines, &mut seen, "oscine-test: end");
    assert!(child.wait().unwrap().success(), "{}", seen.join("\n"));
    let line = |prefix: &str| seen.iter().find(|l| l.starts_with(prefix)).cloned().unwrap_or_default();
    // SendPeakRMS: `/oscine_levels node 7 peak rms`.
    assert_eq!(line("oscine-test: levels"), "oscine-test: levels [ 7, 0.5, 0.5 ]", "{seen:#?}");
    // The recorder's SendReply of the seconds recorded reached sclang.
    assert_eq!(line("oscine-test: duration"), "oscine-test: duration true", "{seen:#?}");

    // The file holds what the Synth played on bus 0, sample for sample as scsynth renders
    // the same SynthDef, from the frame the Synth started at.
    let (channels, recorded) = read_recording(&take, 0);
    assert_eq!(channels, 2, "s.record takes 2 channels by default, as float WAV");
    let reference = scsynth_render(&dir.join("oscine_take.scsyndef"), "oscine_take", 1.2, dir);
    let start = |xs: &[f32]| xs.iter().position(|&x| x != 0.0).expect("some sound");
    let (a, b) = (start(&recorded), start(&reference));
    let compared = 48_000.min(recorded.len() - a);
    assert!(compared >= 40_000, "{} frames recorded after the Synth started", recorded.len() - a);
    for k in 0..compared {
        let (got, want) = (recorded[a + k], reference[b + k]);
        assert!((got - want).abs() <= 1e-6, "frame {k} after the start: recorded {got}, scsynth {want}");
    }
    let _ = std::fs::remove_dir_all(script_dir);
}
