//! Plugin libraries end to end: the real server loads the example plugin from
//! `--plugin-path`, plays it, reloads a rebuilt copy while a Synth of the old build plays
//! on, closes the old library once that Synth is freed, and refuses bad libraries (one
//! that hangs or crashes while loading, one that is no library or no plugin, one built for
//! another ABI, a name clash) with an error naming the file and the step, while it keeps
//! serving. `oscine render --plugin-path` renders the example's samples exactly.
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oscine::score::{message, Score};
use rosc::{OscMessage, OscType};
use support::plugin_build::{
    build_example_plugin, build_modified_example, build_panic_plugin, compile_c_fixture, fixtures_target,
    serve_with_fixtures,
};
use support::server::{assert_error, f, i, s, Client, Server};

const PLUGIN: &str = "oscine-example-fm";
const LIBRARY: &str = "liboscine_example_fm.so";

/// How long a test waits for the server to close a library nothing uses any more.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh directory under target/plugin-fixtures/tmp, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = fixtures_target().join("tmp").join(format!("plugins-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The example built with `LEVEL` halved.
fn quieter_example(dir: &Path) -> PathBuf {
    build_modified_example(dir, |src| src.replace("pub const LEVEL: f32 = 1.0;", "pub const LEVEL: f32 = 0.5;"))
}

/// What `fm` computes, sample by sample, with the example's arithmetic.
fn fm_reference(freq: f32, ratio: f32, index: f32, amp: f32, sample_rate: f64, frames: usize) -> Vec<f32> {
    use std::f64::consts::TAU;
    let step = |hz: f64| {
        let c = hz / sample_rate;
        c - c.floor()
    };
    let advance = |p: f64, s: f64| if p + s >= 1.0 { p + s - 1.0 } else { p + s };
    let (cs, ms) = (step(f64::from(freq)), step(f64::from(freq) * f64::from(ratio)));
    let (mut c, mut m) = (0.0f64, 0.0f64);
    (0..frames)
        .map(|_| {
            let y = amp * (TAU * c + f64::from(index) * (TAU * m).sin()).sin() as f32;
            c = advance(c, cs);
            m = advance(m, ms);
            y
        })
        .collect()
}

/// The plugin's arguments in a `/plugin/list` reply, if it is listed.
fn listed(list: &OscMessage, name: &str) -> Option<Vec<OscType>> {
    assert_eq!(list.addr, "/plugin/list");
    assert_eq!(list.args.len() % 6, 0, "{list:?}");
    list.args.chunks(6).find(|p| p[0] == s(name)).map(|p| p.to_vec())
}

fn plugin_list(c: &mut Client) -> OscMessage {
    c.send("/plugin/list", vec![]);
    c.expect("/plugin/list")
}

/// The private copies of plugin libraries the process `pid` has mapped.
fn mapped_copies(pid: u32) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut copies: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.contains(&format!("oscine-plugins-{pid}/")))
        .map(str::to_owned)
        .collect();
    copies.sort();
    copies.dedup();
    copies
}

fn new_buffer(c: &mut Client, id: i32, frames: i32) {
    c.send("/resource/new", vec![s("audio-buffer"), i(id), i(1), i(frames)]);
    let ready = c.expect("/resource/ready");
    assert_eq!(ready.args, [i(id)]);
}

/// An `fm` Synth at the tail of the root, its output on internal bus `bus`.
fn fm_on_bus(c: &mut Client, id: i32, bus: i32) {
    c.ok("/synth/new", vec![s("fm"), i(id), i(0), i(1), s("freq"), f(440.0), s("amp"), f(0.5)], "/synth/new", id);
    c.ok("/synth/map/output", vec![i(id), i(0), i(bus)], "/synth/map/output", id);
}

/// A recorder at the tail of the root, filling buffer `buffer` from internal bus `bus`.
fn record(c: &mut Client, id: i32, bus: i32, buffer: i32) {
    c.ok("/synth/new", vec![s("recorder"), i(id), i(0), i(1), s("buffer"), i(buffer)], "/synth/new", id);
    c.ok("/synth/map/input", vec![i(id), i(0), i(bus)], "/synth/map/input", id);
}

/// Writes buffer `id` to a WAV file and reads its samples.
fn saved(c: &mut Client, id: i32, path: &Path) -> Vec<f32> {
    c.send("/resource/perform", vec![i(id), s("write"), s(path.to_str().unwrap())]);
    c.expect("/resource/performed");
    let reader = hound::WavReader::open(path).unwrap();
    reader.into_samples::<f32>().map(Result::unwrap).collect()
}

/// Frees a node; a notified client hears `/node/ended` and the `/ack`.
fn free(c: &mut Client, id: i32) {
    c.send("/node/free", vec![i(id)]);
    let ack = c.expect("/ack");
    assert_eq!(ack.args, [s("/node/free"), i(id)]);
}

fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

#[test]
fn a_plugin_library_plays_reloads_and_is_closed_once_its_last_synth_is_freed() {
    let dir = TempDir::new("reload");
    let plugins = dir.path("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(build_example_plugin(), plugins.join(LIBRARY)).unwrap();
    let server = serve_with_fixtures(&["--plugin-path", plugins.to_str().unwrap()]);
    let pid = server.pid();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);

    let list = plugin_list(&mut c);
    let entry = listed(&list, PLUGIN).expect("the example is loaded at start");
    assert_eq!(entry[3], s("fm"));
    assert_eq!(entry[5], i(0), "no earlier build is open");
    assert_eq!(listed(&list, "oscine-builtins").unwrap()[2], s("built-in"));
    assert_eq!(mapped_copies(pid).len(), 1, "one private copy is open");

    // Synth 1000, of the first build, plays on bus 0 from now on.
    fm_on_bus(&mut c, 1000, 0);

    // A rebuild at half the level replaces the library file; the server is told to reload.
    let rebuilt = quieter_example(&dir.path("rebuild"));
    std::fs::copy(rebuilt, plugins.join(LIBRARY)).unwrap();
    c.send("/plugin/reload", vec![s(PLUGIN)]);
    let reloaded = c.expect("/plugin/reloaded");
    assert_eq!(reloaded.args[0], s(PLUGIN));
    let list = plugin_list(&mut c);
    assert_eq!(listed(&list, PLUGIN).unwrap()[5], i(1), "the first build stays open for Synth 1000");
    assert_eq!(mapped_copies(pid).len(), 2, "both builds are mapped");

    // Synth 1001, of the new build, plays on bus 1; both are recorded at once.
    fm_on_bus(&mut c, 1001, 1);
    new_buffer(&mut c, 1, 4800);
    new_buffer(&mut c, 2, 4800);
    record(&mut c, 1002, 0, 1);
    record(&mut c, 1003, 1, 2);
    let mut done = Vec::new();
    while done.len() < 2 {
        let m = c.expect("/node/done");
        done.push(m.args[0].clone());
    }
    let old = saved(&mut c, 1, &dir.path("old.wav"));
    let new = saved(&mut c, 2, &dir.path("new.wav"));
    let (old_peak, new_peak) = (peak(&old), peak(&new));
    assert!(old_peak > 0.49 && old_peak <= 0.5, "the first build plays at amp 0.5: peak {old_peak}");
    assert!(new_peak > 0.245 && new_peak <= 0.25, "the rebuild plays at half that: peak {new_peak}");

    // Once Synth 1000 is freed, nothing of the first build is alive: it is closed.
    free(&mut c, 1000);
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    while mapped_copies(pid).len() > 1 {
        assert!(Instant::now() < deadline, "the first build is still mapped: {:?}", mapped_copies(pid));
        std::thread::sleep(Duration::from_millis(20));
    }
    let list = plugin_list(&mut c);
    assert_eq!(listed(&list, PLUGIN).unwrap()[5], i(0), "no earlier build is open");
    // The line is logged after the library is unmapped, and reaches the harness through
    // a pipe: wait for it.
    server.wait_log("closed plugin library oscine-example-fm");
    // The new build still plays.
    c.ok("/synth/new", vec![s("fm"), i(1004), i(0), i(0)], "/synth/new", 1004);
}

#[test]
fn oscine_render_plays_a_plugin_library_sample_for_sample() {
    let dir = TempDir::new("render");
    let plugins = dir.path("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(build_example_plugin(), plugins.join(LIBRARY)).unwrap();
    let mut score = Score::new();
    let controls = vec![s("freq"), f(330.0), s("ratio"), f(1.5), s("index"), f(2.0), s("amp"), f(0.25)];
    score.at(0.01, [message("/synth/new", [vec![s("fm"), i(1000), i(0), i(0)], controls].concat())]);
    score.end(0.05);
    let (score_path, out) = (dir.path("score.osc"), dir.path("out.wav"));
    score.write(&score_path).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_oscine"))
        .arg("render")
        .arg(&score_path)
        .arg(&out)
        .arg("--plugin-path")
        .arg(&plugins)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let reader = hound::WavReader::open(&out).unwrap();
    let data: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    let left: Vec<f32> = data.chunks_exact(2).map(|frame| frame[0]).collect();
    assert_eq!(left.len(), 2400);
    assert!(left[..480].iter().all(|x| *x == 0.0), "silent before 10 ms");
    assert_eq!(left[480..], fm_reference(330.0, 1.5, 2.0, 0.25, 48_000.0, 1920)[..]);

    // A library that is refused stops the render, naming it.
    std::fs::write(plugins.join("broken.so"), b"not a library").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_oscine"))
        .arg("render")
        .arg(&score_path)
        .arg(dir.path("refused.wav"))
        .arg("--plugin-path")
        .arg(&plugins)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("broken.so: probe:"), "{stderr}");
    assert!(!dir.path("refused.wav").exists());
}

/// Asserts the next messages are `/error /plugin/load 80` naming `file` and `step`, then
/// `/plugin/failed file step message`; returns the message.
#[track_caller]
fn refused(c: &mut Client, file: &Path, step: &str) -> String {
    c.send("/plugin/load", vec![s(file.to_str().unwrap())]);
    let error = c.recv();
    let text = assert_error(&error, "/plugin/load", 80);
    assert!(text.starts_with(&format!("plugin library {}: {step}: ", file.display())), "{text}");
    let failed = c.expect("/plugin/failed");
    assert_eq!(failed.args[..2], [s(file.to_str().unwrap()), s(step)], "{failed:?}");
    text
}

#[test]
fn bad_libraries_are_refused_with_the_file_and_the_step_and_the_server_keeps_serving() {
    let dir = TempDir::new("bad");
    let server = serve_with_fixtures(&["--plugin-probe-timeout", "1"]);
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    let before = plugin_list(&mut c);

    let text = refused(&mut c, &compile_c_fixture("hang_on_load"), "probe");
    assert!(text.contains("did not finish loading within 1 s"), "{text}");
    let text = refused(&mut c, &compile_c_fixture("crash_on_load"), "probe");
    assert!(text.contains("crashed") && text.contains("signal 11"), "{text}");
    let text = refused(&mut c, &compile_c_fixture("not_a_plugin"), "version");
    assert!(text.contains("not an Oscine plugin library"), "{text}");
    let text = refused(&mut c, &compile_c_fixture("wrong_abi"), "version");
    assert!(
        text.contains("ABI version 999")
            && text.contains(&format!("speaks version {}", oscine_plugin_api::ABI_VERSION)),
        "{text}"
    );
    let text_file = dir.path("text.so");
    std::fs::write(&text_file, b"this is not a shared library\n").unwrap();
    let text = refused(&mut c, &text_file, "probe");
    assert!(text.contains("cannot open"), "{text}");
    refused(&mut c, &dir.path("missing.so"), "find");
    refused(&mut c, &dir.0, "find");

    // The same plugin from a second file clashes with the first.
    let example = build_example_plugin();
    c.send("/plugin/load", vec![s(example.to_str().unwrap())]);
    assert_eq!(c.expect("/plugin/loaded").args[0], s(PLUGIN));
    let second = dir.path("second.so");
    std::fs::copy(&example, &second).unwrap();
    let text = refused(&mut c, &second, "register");
    assert!(text.contains("already loaded"), "{text}");

    // Everything refused left the definitions as they were, plus the one plugin loaded.
    let after = plugin_list(&mut c);
    assert_eq!(after.args[..before.args.len()], before.args[..]);
    assert_eq!(after.args.len(), before.args.len() + 6);
    for fixture in ["hang_on_load", "crash_on_load", "not_a_plugin", "wrong_abi"] {
        let line = server.log().lines().find(|l| l.contains(&format!("{fixture}.so"))).map(str::to_owned);
        assert!(line.as_ref().is_some_and(|l| l.contains("ERROR")), "{fixture}: {line:?}");
    }
    c.ok("/synth/new", vec![s("sine"), i(1000), i(0), i(0)], "/synth/new", 1000);
    c.ok("/synth/new", vec![s("fm"), i(1001), i(0), i(0)], "/synth/new", 1001);

    // Unloading: new Synths can no longer use it; the one playing stays.
    c.send("/plugin/unload", vec![s(PLUGIN)]);
    assert_eq!(c.expect("/plugin/unloaded").args, [s(PLUGIN)]);
    c.fails("/synth/new", vec![s("fm"), i(1002), i(0), i(0)], "/synth/new", 14);
    c.fails("/plugin/unload", vec![s(PLUGIN)], "/plugin/unload", 81);
    c.fails("/plugin/reload", vec![s(PLUGIN)], "/plugin/reload", 81);
    c.fails("/plugin/unload", vec![s("oscine-builtins")], "/plugin/unload", 82);
    c.fails("/plugin/reload", vec![s("oscine-builtins")], "/plugin/reload", 82);
    c.fails("/plugin/load", vec![s("")], "/plugin/load", 13);
    c.fails("/plugin/load", vec![i(3)], "/plugin/load", 12);
    assert!(c.tree(0).nodes.iter().any(|n| n.id == 1001));
    free(&mut c, 1001);
}

#[test]
fn a_plugin_that_panics_in_construct_or_process_is_answered_with_errors() {
    let server = serve_with_fixtures(&[]);
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    c.send("/plugin/load", vec![s(build_panic_plugin().to_str().unwrap())]);
    assert_eq!(c.expect("/plugin/loaded").args[0], s("oscine-test-panics"));

    let text = c.fails("/synth/new", vec![s("panic-in-construct"), i(1000), i(0), i(0)], "/synth/new", 16);
    assert!(text.contains("panicked"), "{text}");
    c.ok("/synth/new", vec![s("panic-in-process"), i(1001), i(0), i(0)], "/synth/new", 1001);
    let faulted = c.expect("/error");
    assert_error(&faulted, "/synth/process", 50);
    // The panic printed nothing on the audio thread (Rust's default hook, the plugin
    // library's own, would have, as it does for the construct's panic on a worker, whose
    // message the server also puts in its /error); the network thread logged it.
    let log = server.wait_log("synth 1001 panicked in its process");
    assert!(!log.contains("panic-in-process panicked on purpose"), "printed on the audio thread: {log}");
    assert!(log.contains("panic-in-construct panicked on purpose"), "the worker's panic is printed: {log}");
    // The server goes on: other Synths play, the faulted one is freed as usual.
    c.ok("/synth/new", vec![s("sine"), i(1002), i(0), i(0)], "/synth/new", 1002);
    free(&mut c, 1001);
    c.sync_quiet();
}

#[test]
fn watching_the_plugin_path_reloads_a_library_when_its_file_changes() {
    let dir = TempDir::new("watch");
    let plugins = dir.path("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(build_example_plugin(), plugins.join(LIBRARY)).unwrap();
    let rebuilt = quieter_example(&dir.path("rebuild"));
    let server = serve_with_fixtures(&["--plugin-path", plugins.to_str().unwrap(), "--watch-plugins"]);
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    // The watch is set up before the server listens; the new build lands now.
    std::fs::copy(&rebuilt, plugins.join(LIBRARY)).unwrap();
    let reloaded = c.expect("/plugin/reloaded");
    assert_eq!(reloaded.args[0], s(PLUGIN));
    server.wait_log("changed; reloading oscine-example-fm");
}

#[test]
fn the_plugin_path_may_come_from_the_environment() {
    let dir = TempDir::new("env");
    let plugins = dir.path("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(build_example_plugin(), plugins.join(LIBRARY)).unwrap();
    let path = format!("{}:{}", dir.path("missing").display(), plugins.display());
    let server = Server::start_on("dummy", &[], &[("OSCINE_PLUGIN_PATH", &path)]);
    let mut c = server.client();
    c.make_known();
    assert!(listed(&plugin_list(&mut c), PLUGIN).is_some(), "{}", server.log());
    let refused = server.log().lines().find(|l| l.contains("missing")).map(str::to_owned);
    assert!(refused.is_some_and(|l| l.contains("ERROR") && l.contains("cannot read the directory")));
}
