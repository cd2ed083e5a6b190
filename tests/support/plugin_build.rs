//! Builds the plugin fixtures, dynamic libraries for the plugin-loading tests: the example
//! plugin (`examples/fm-plugin`), edited copies of it, the panicking plugin
//! (`tests/fixtures/panic-plugin`) and the bad C libraries (`tests/fixtures/plugins/*.c`).
//!
//! The Rust crates are built with the cargo running the tests (`env!("CARGO")`), in the
//! release profile, into target directories of their own under
//! `target/plugin-fixtures/` (an edited copy: under the directory it is copied to), with
//! the environment that would redirect or change the build (`CARGO_TARGET_DIR`,
//! `RUSTFLAGS` and the like) removed. The C fixtures are compiled with `cc` (or `$CC`) into
//! `target/plugin-fixtures/c/`.
//!
//! Builds in one test binary run one at a time, and each fixture is built once per test
//! binary: later calls return the same path. Cargo's own lock on each target directory
//! serializes builds of separate test binaries; a C fixture is written under a temporary
//! name and renamed into place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The environment a test may inherit that would send a build elsewhere or change how it
/// compiles (coverage or sanitizer flags, a cross target).
const REDIRECTING_ENV: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
];

/// The workspace root (the `oscine` crate's directory).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where the fixtures are built: `target/plugin-fixtures/` under the workspace root.
/// The server on the dummy driver with `extra` flags, whose file roots are the temporary
/// directory and the fixtures' directory (made first, so that it is a root before any
/// fixture is built into it): it may load the fixtures and the files the tests write.
pub fn serve_with_fixtures(extra: &[&str]) -> super::server::Server {
    std::fs::create_dir_all(fixtures_target()).unwrap();
    let roots = std::env::join_paths([std::env::temp_dir(), fixtures_target()]).unwrap();
    super::server::Server::start_on("dummy", extra, &[("OSCINE_FILE_ROOTS", roots.to_str().unwrap())])
}

pub fn fixtures_target() -> PathBuf {
    workspace_root().join("target/plugin-fixtures")
}

/// Builds `examples/fm-plugin` into `target/plugin-fixtures/fm`, once per test binary, and
/// returns the library: `liboscine_example_fm.so` on Linux.
///
/// # Panics
/// If the build fails (with cargo's output).
pub fn build_example_plugin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let manifest = workspace_root().join("examples/fm-plugin/Cargo.toml");
            build_cdylib(&manifest, &fixtures_target().join("fm"), "oscine-example-fm")
        })
        .clone()
}

/// Copies the example plugin's crate into `dir` (created if need be), points its
/// `oscine-plugin-api` path dependency at the workspace's `plugin-api` by absolute path,
/// replaces its `src/lib.rs` with `edit(the original)`, builds it into `dir/target` and
/// returns the library. Not cached: each call builds (one at a time with the other builds).
///
/// ```ignore
/// let dir = /* a fresh directory */;
/// let quieter = build_modified_example(&dir, |src| {
///     src.replace("pub const LEVEL: f32 = 1.0;", "pub const LEVEL: f32 = 0.5;")
/// });
/// ```
///
/// # Panics
/// If `edit` returns the source unchanged, the manifest has no `../../plugin-api` path to
/// rewrite, or the build fails.
pub fn build_modified_example(dir: &Path, edit: impl FnOnce(&str) -> String) -> PathBuf {
    let original = workspace_root().join("examples/fm-plugin");
    std::fs::create_dir_all(dir.join("src")).expect("create the copy's directory");

    let manifest = read(&original.join("Cargo.toml"));
    let api = workspace_root().join("plugin-api");
    let relative = "path = \"../../plugin-api\"";
    assert!(manifest.contains(relative), "examples/fm-plugin/Cargo.toml has no {relative} to rewrite");
    let absolute = format!("path = {:?}", api.to_str().expect("a UTF-8 workspace path"));
    write(&dir.join("Cargo.toml"), &manifest.replace(relative, &absolute));

    for entry in std::fs::read_dir(original.join("src")).expect("read examples/fm-plugin/src") {
        let path = entry.expect("a directory entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.join("src").join(path.file_name().unwrap())).expect("copy a source file");
        }
    }
    let source = read(&original.join("src/lib.rs"));
    let edited = edit(&source);
    assert_ne!(edited, source, "the edit changed nothing in src/lib.rs");
    write(&dir.join("src/lib.rs"), &edited);

    build_cdylib(&dir.join("Cargo.toml"), &dir.join("target"), "oscine-example-fm")
}

/// Builds `tests/fixtures/panic-plugin` into `target/plugin-fixtures/panic`, once per test
/// binary, and returns the library: `liboscine_test_panics.so` on Linux.
///
/// # Panics
/// If the build fails (with cargo's output).
pub fn build_panic_plugin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let manifest = workspace_root().join("tests/fixtures/panic-plugin/Cargo.toml");
            build_cdylib(&manifest, &fixtures_target().join("panic"), "oscine-test-panics")
        })
        .clone()
}

/// Compiles `tests/fixtures/plugins/NAME.c` with `cc -shared -fPIC` (or `$CC`) into
/// `target/plugin-fixtures/c/NAME.so` (the platform's library suffix), once per test
/// binary, and returns its path.
///
/// # Panics
/// If there is no such fixture or the compiler fails (with its output).
pub fn compile_c_fixture(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    if let Some(path) = lock(built).get(name) {
        return path.clone();
    }
    let _turn = one_build_at_a_time();
    // Another test may have compiled it while this one waited for its turn.
    if let Some(path) = lock(built).get(name) {
        return path.clone();
    }
    let source = workspace_root().join("tests/fixtures/plugins").join(format!("{name}.c"));
    assert!(source.is_file(), "no C fixture {}", source.display());
    let out_dir = fixtures_target().join("c");
    std::fs::create_dir_all(&out_dir).expect("create target/plugin-fixtures/c");
    let library = out_dir.join(format!("{name}{}", std::env::consts::DLL_SUFFIX));
    let partial = out_dir.join(format!("{name}{}.tmp-{}", std::env::consts::DLL_SUFFIX, std::process::id()));
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let mut command = Command::new(&cc);
    command.args(["-shared", "-fPIC", "-o"]).arg(&partial).arg(&source);
    run(&mut command, &format!("compiling {} with {}", source.display(), cc.to_string_lossy()));
    std::fs::rename(&partial, &library).expect("move the compiled fixture into place");
    lock(built).insert(name.to_owned(), library.clone());
    library
}

/// The dynamic symbols `lib` defines, as `nm -D --defined-only` lists them, or `None`
/// when `nm` cannot be run.
pub fn dynamic_symbols(lib: &Path) -> Option<Vec<String>> {
    let out = Command::new("nm").args(["-D", "--defined-only"]).arg(lib).output().ok()?;
    assert!(out.status.success(), "nm -D {}: {}", lib.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("nm prints UTF-8");
    Some(text.lines().filter_map(|line| line.split_whitespace().nth(2)).map(str::to_owned).collect())
}

/// The file a cdylib crate named `crate_name` builds in the release profile of
/// `target_dir`: `lib{name}.so` on Linux, with `-` in the name made `_`.
pub fn library_path(target_dir: &Path, crate_name: &str) -> PathBuf {
    let file =
        format!("{}{}{}", std::env::consts::DLL_PREFIX, crate_name.replace('-', "_"), std::env::consts::DLL_SUFFIX);
    target_dir.join("release").join(file)
}

/// Builds the cdylib crate of `manifest` in the release profile into `target_dir`, with
/// the cargo running the tests, and returns its library.
fn build_cdylib(manifest: &Path, target_dir: &Path, crate_name: &str) -> PathBuf {
    let _turn = one_build_at_a_time();
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(manifest.parent().expect("a manifest in a directory"));
    for var in REDIRECTING_ENV {
        command.env_remove(var);
    }
    // Per-target flags (`CARGO_TARGET_<TRIPLE>_RUSTFLAGS`) redirect builds as well.
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        if name.starts_with("CARGO_TARGET_") && name.ends_with("_RUSTFLAGS") {
            command.env_remove(&var);
        }
    }
    run(&mut command, &format!("building {}", manifest.display()));
    let library = library_path(target_dir, crate_name);
    assert!(library.is_file(), "the build of {} left no {}", manifest.display(), library.display());
    library
}

/// Runs `command` to success, or panics with what it printed.
fn run(command: &mut Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", command.get_program()));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The turn of one build: the fixtures' builds in a test binary run one at a time. A
/// build that panicked leaves nothing the next one depends on, so a poisoned lock is
/// taken all the same.
fn one_build_at_a_time() -> MutexGuard<'static, ()> {
    static BUILDING: Mutex<()> = Mutex::new(());
    lock(&BUILDING)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()))
}
