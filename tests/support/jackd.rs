//! A private JACK server on the dummy backend, for the tests built with the `jack`
//! feature: the cpal driver's, and scsynth's (which runs on JACK only).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private JACK server on the dummy backend, killed on drop. One at a time: two
/// starting together on a small machine may not both come up in time.
pub struct Jackd {
    child: Child,
    /// The server's name, for `JACK_DEFAULT_SERVER`.
    pub name: String,
    _turn: std::sync::MutexGuard<'static, ()>,
}

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Jackd {
    /// Starts one and waits until clients can connect.
    pub fn start() -> Jackd {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("oscine-test-{}-{n}", std::process::id());
        let child = Command::new("jackd")
            .args(["--no-realtime", "-n", &name, "-d", "dummy", "-r", "48000", "-p", "256"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jackd (Debian: jackd2) must be installed to run this test");
        let mut jack = Jackd { child, name, _turn: turn };
        // Clients can connect once jack_wait (from jackd2 too) sees the server.
        let waited = Command::new("jack_wait")
            .args(["--wait", "--server", &jack.name, "--timeout", "20"])
            .env("JACK_NO_START_SERVER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("jack_wait (Debian: jackd2) must be installed to run this test");
        if !waited.success() {
            jack.stop();
            panic!("jackd {} did not come up within 20 s (jack_wait: {waited})", jack.name);
        }
        jack
    }
}

impl Jackd {
    /// Stops the server the way an operator would (SIGTERM), so it removes its shared
    /// memory; SIGKILL would leave entries behind in JACK's registry.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // A client of a server that went away leaves its semaphores behind.
        if let Ok(entries) = std::fs::read_dir("/dev/shm") {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().contains(&self.name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

impl Drop for Jackd {
    fn drop(&mut self) {
        self.stop();
    }
}
