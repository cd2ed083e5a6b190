//! Realtime scheduling and locked memory, against the real server: `/status/reply` says
//! whether the thread that runs blocks got `SCHED_FIFO` and whether the process's memory
//! is locked, and what it says is what the kernel shows in /proc; `--no-realtime` and
//! `--no-memory-lock` ask for neither. What the system grants depends on its limits, so
//! the test checks agreement, not a particular answer.
#![cfg(target_os = "linux")]
mod support;

use support::server::Server;

/// The scheduling policy (SCHED_FIFO is 1) of the server's thread named `name`.
fn policy_of_thread(pid: u32, name: &str) -> Option<u32> {
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == name {
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            // Fields after the command's closing parenthesis: state is field 3, policy 41.
            let rest = &stat[stat.rfind(')')? + 2..];
            return rest.split(' ').nth(41 - 3).and_then(|p| p.parse().ok());
        }
    }
    None
}

/// Kilobytes of the server's memory locked in RAM (VmLck).
fn locked_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmLck:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn status_says_what_the_kernel_shows() {
    let server = Server::start();
    let mut c = server.client();
    c.sync();
    let status = c.status();
    let fifo = policy_of_thread(server.pid(), "oscine-audio") == Some(1);
    assert_eq!(status.realtime == 1, fifo, "{status:?}");
    assert_eq!(status.memory_locked == 1, locked_kb(server.pid()) > 0, "{status:?}");
    assert!(server.log().contains("memory locked") || server.log().contains("memory not locked"));
}

#[test]
fn neither_is_asked_for_when_told_not_to() {
    let server = Server::start_with(&["--no-realtime", "--no-memory-lock"]);
    let mut c = server.client();
    c.sync();
    let status = c.status();
    assert_eq!((status.realtime, status.memory_locked), (0, 0), "{status:?}");
    assert_eq!(policy_of_thread(server.pid(), "oscine-audio"), Some(0), "SCHED_OTHER");
    assert_eq!(locked_kb(server.pid()), 0);
}
