//! supriya drives the real server: `Server().boot(executable=oscine)` starts Oscine with
//! scsynth's flags and plays on it (tests/python/supriya_session.py says what it does).
//!
//! Needs python3 with supriya (`pip install --pre supriya`; `scripts/install-deps`
//! installs it).

use std::path::Path;
use std::process::Command;

#[test]
fn supriya_boots_oscine_and_plays_on_it() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/supriya_session.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_oscine"))
        .arg(port.to_string())
        .output()
        .expect("cannot run python3 (scripts/install-deps installs it, with supriya)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "supriya_session.py failed:\n{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, ["booted client 0", "buffer 0 256 frames 2 channels", "quit"], "{stderr}");
}
