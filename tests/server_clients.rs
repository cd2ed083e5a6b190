//! Real third-party clients against the real server: liblo's `oscsend`, python-osc, and
//! the `oscsend` lines of the README's Quick start, run as written (with the test
//! server's port).
//!
//! These tools are test requirements, not optional: when one is missing the test fails
//! and says how to install it (`scripts/install-deps` installs both).
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use support::server::{wait_tree, Client, NodeKind, Server, Tree, TreeNode};

/// How long one external command may run.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// The port the README's examples use (the server's default).
const README_PORT: &str = "57130";

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs a command to completion, killing it after [`TOOL_TIMEOUT`]. `missing` says what to
/// install when the program cannot be started.
fn run(program: &str, args: &[&str], missing: &str) -> Output {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{program}` was not found ({e}): {missing}")
        }
        Err(e) => panic!("cannot run `{program}`: {e}"),
    };
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + TOOL_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for a child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{program} {}` did not finish within {TOOL_TIMEOUT:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

const INSTALL_LIBLO: &str = "the client tests need liblo's oscsend: install liblo-tools \
     (`sudo apt-get install liblo-tools`, or run scripts/install-deps)";

/// Runs `oscsend` with these arguments and checks it succeeded.
fn oscsend(args: &[&str]) {
    let out = run("oscsend", args, INSTALL_LIBLO);
    assert!(
        out.status.success(),
        "oscsend {} failed ({}):\nstdout: {}\nstderr: {}",
        args.join(" "),
        out.status,
        out.stdout,
        out.stderr
    );
}

fn sine(id: i32, parent: i32, freq: f32, amp: f32) -> TreeNode {
    TreeNode {
        id,
        parent,
        kind: NodeKind::Synth {
            def: "sine".into(),
            active: true,
            controls: vec![("freq".into(), freq), ("amp".into(), amp)],
        },
    }
}

/// Waits until synth `id` is exactly `expected` (the commands came from another socket,
/// so their effect is checked by polling, within the harness's reply timeout).
#[track_caller]
fn wait_for_node(c: &mut Client, what: &str, id: i32, expected: Option<TreeNode>) -> Tree {
    wait_tree(c, 0, what, |t| t.node(id) == expected.as_ref())
}

#[test]
fn oscsend_creates_sets_and_frees_nodes() {
    let server = Server::start();
    let port = server.port().to_string();
    let mut c = server.client();
    let send = |args: &[&str]| {
        let mut full = vec!["127.0.0.1", port.as_str()];
        full.extend_from_slice(args);
        oscsend(&full);
    };

    send(&["/synth/new", "siiisf", "sine", "1000", "0", "1", "freq", "440"]);
    let t = wait_for_node(&mut c, "synth 1000 created by oscsend", 1000, Some(sine(1000, 0, 440.0, 0.1)));
    assert_eq!(t.ids(), vec![0, 1000]);

    send(&["/node/set", "isf", "1000", "freq", "660"]);
    wait_for_node(&mut c, "freq set by oscsend", 1000, Some(sine(1000, 0, 660.0, 0.1)));
    send(&["/node/set", "isfsf", "1000", "freq", "330", "amp", "0.2"]);
    wait_for_node(&mut c, "freq and amp set by oscsend", 1000, Some(sine(1000, 0, 330.0, 0.2)));
    // By index, and through the scsynth alias.
    send(&["/n_set", "iif", "1000", "1", "0.5"]);
    wait_for_node(&mut c, "amp set by index", 1000, Some(sine(1000, 0, 330.0, 0.5)));

    // scsynth-style: a group, a synth in it, then the group emptied and freed.
    send(&["/g_new", "iii", "5", "0", "0"]);
    send(&["/s_new", "siiisf", "sine", "1001", "0", "5", "amp", "0.3"]);
    wait_for_node(&mut c, "synth 1001 in group 5", 1001, Some(sine(1001, 5, 440.0, 0.3)));
    assert_eq!(c.tree(0).ids(), vec![0, 5, 1001, 1000]);
    send(&["/g_freeAll", "i", "5"]);
    wait_for_node(&mut c, "group 5 emptied", 1001, None);
    send(&["/n_free", "i", "5"]);
    wait_for_node(&mut c, "group 5 freed", 5, None);

    send(&["/node/free", "i", "1000"]);
    let t = wait_for_node(&mut c, "synth 1000 freed by oscsend", 1000, None);
    assert_eq!(t.ids(), vec![0]);
    // oscsend's replies went to oscsend's (closed) socket, not to this client.
    c.sync_quiet();
}

const INSTALL_PYTHON_OSC: &str = "the client tests need python3 with python-osc: \
     `pip install python-osc` (or run scripts/install-deps)";

#[test]
fn python_osc_client_drives_the_server() {
    // Check the interpreter and the package first, for a precise message.
    let probe = run("python3", &["-c", "import pythonosc"], INSTALL_PYTHON_OSC);
    assert!(probe.status.success(), "python-osc is not importable: {INSTALL_PYTHON_OSC}\n{}", probe.stderr);

    let server = Server::start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/drive_server.py");
    let port = server.port().to_string();
    let out = run("python3", &[script.to_str().unwrap(), "127.0.0.1", &port], INSTALL_PYTHON_OSC);
    assert!(
        out.status.success(),
        "drive_server.py failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.contains("drive_server.py: ok"), "stdout: {}", out.stdout);

    // What the script left behind: an empty tree.
    let mut c = server.client();
    assert_eq!(c.tree(0).ids(), vec![0]);
    c.wait_counts(0, 0);
}

/// The `oscsend ` lines of the first ```sh block under `## Quick start`.
fn quick_start_oscsend_lines(readme: &str) -> Vec<String> {
    let mut lines = readme.lines();
    lines.by_ref().find(|l| l.trim_end() == "## Quick start").expect("README.md has no `## Quick start` heading");
    let mut in_block = false;
    let mut found = Vec::new();
    for line in lines {
        let trimmed = line.trim();
        if !in_block {
            if trimmed.starts_with("## ") {
                break;
            }
            if trimmed == "```sh" {
                in_block = true;
            }
        } else if trimmed.starts_with("```") {
            return found;
        } else if trimmed.starts_with("oscsend ") {
            found.push(trimmed.to_owned());
        }
    }
    panic!("no complete ```sh code block under `## Quick start` in README.md");
}

/// A README line's arguments, with the README's port replaced by `port`.
fn readme_args(line: &str, port: &str) -> Vec<String> {
    assert!(
        !line.contains(['"', '\'', '\\', '$', ';', '&', '|', '`', '#']),
        "the test runs README lines without a shell and cannot run: {line}"
    );
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"oscsend"));
    assert_eq!(words.get(2), Some(&README_PORT), "README line should send to port {README_PORT}: {line}");
    words[1..].iter().map(|w| if *w == README_PORT { port.to_owned() } else { (*w).to_owned() }).collect()
}

#[test]
fn readme_quick_start_commands_work() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lines = quick_start_oscsend_lines(&readme);
    assert_eq!(lines.len(), 4, "expected four oscsend lines in the Quick start block, found {lines:#?}");

    let server = Server::start();
    let port = server.port().to_string();
    let mut c = server.client();
    // What the tree holds after each line, in order.
    let after: [(&str, Option<TreeNode>); 4] = [
        ("the synth exists with freq 440", Some(sine(1000, 0, 440.0, 0.1))),
        ("its freq is 660", Some(sine(1000, 0, 660.0, 0.1))),
        ("its freq is 330 and amp 0.2", Some(sine(1000, 0, 330.0, 0.2))),
        ("it is gone", None),
    ];
    for (line, (what, expected)) in lines.iter().zip(after) {
        let args = readme_args(line, &port);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        oscsend(&args);
        wait_for_node(&mut c, &format!("after README line `{line}`: {what}"), 1000, expected);
    }
    assert_eq!(c.tree(0).ids(), vec![0]);
}

#[test]
fn the_quick_start_block_is_found_the_way_the_readme_is_written() {
    // The extraction itself, on a README shaped like the real one.
    let readme = "# Oscine\n\n## Install\n\n```sh\noscsend localhost 1 /nope\n```\n\n## Quick start\n\n\
                  Start it:\n\n```sh\ncargo run --release\n# in another terminal:\n\
                  oscsend localhost 57130 /synth/new siiisf sine 1000 0 1 freq 440\nsleep 1\n\
                  oscsend localhost 57130 /node/free i 1000\n```\n\n```sh\noscsend localhost 57130 /later\n```\n";
    let lines = quick_start_oscsend_lines(readme);
    assert_eq!(
        lines,
        vec![
            "oscsend localhost 57130 /synth/new siiisf sine 1000 0 1 freq 440",
            "oscsend localhost 57130 /node/free i 1000"
        ]
    );
    assert_eq!(readme_args(&lines[1], "4242"), vec!["localhost", "4242", "/node/free", "i", "1000"]);
}
