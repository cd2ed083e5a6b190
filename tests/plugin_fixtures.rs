//! The plugin fixtures build: the example plugin, an edited copy of it, the panicking
//! plugin and the bad C libraries, each a shared library where tests/support/plugin_build.rs
//! says. The plugin-loading tests use them.
mod support;

use std::path::{Path, PathBuf};

use support::plugin_build::{
    build_example_plugin, build_modified_example, build_panic_plugin, compile_c_fixture, dynamic_symbols,
    fixtures_target,
};

const ENTRY: &str = "oscine_plugin_entry";
const ABI_VERSION: &str = "oscine_plugin_abi_version";

/// A fresh directory under target/plugin-fixtures/tmp, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = fixtures_target().join("tmp").join(format!("{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Asserts `lib` is a non-empty shared library (an ELF file on Linux) and returns the
/// dynamic symbols it defines, when `nm` is there to list them.
fn shared_library(lib: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(lib).unwrap_or_else(|e| panic!("read {}: {e}", lib.display()));
    assert!(!bytes.is_empty(), "{} is empty", lib.display());
    if cfg!(target_os = "linux") {
        assert_eq!(&bytes[..4], b"\x7fELF", "{} is not an ELF file", lib.display());
    }
    let symbols = dynamic_symbols(lib);
    if symbols.is_none() {
        eprintln!("no nm: not checking the symbols of {}", lib.display());
    }
    symbols
}

fn assert_exports(lib: &Path, wanted: &[&str]) {
    if let Some(symbols) = shared_library(lib) {
        for symbol in wanted {
            assert!(symbols.iter().any(|s| s == symbol), "{} does not export {symbol}: {symbols:?}", lib.display());
        }
    }
}

#[test]
fn the_example_plugin_builds_a_library_exporting_the_entry_point() {
    let lib = build_example_plugin();
    assert_eq!(
        lib,
        fixtures_target().join("fm/release").join(format!(
            "{}oscine_example_fm{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ))
    );
    assert_exports(&lib, &[ENTRY]);
    // Built once: a second call returns the same library without rebuilding it.
    let modified = std::fs::metadata(&lib).unwrap().modified().unwrap();
    assert_eq!(build_example_plugin(), lib);
    assert_eq!(std::fs::metadata(&lib).unwrap().modified().unwrap(), modified);
}

#[test]
fn an_edited_example_builds_a_library_of_its_own() {
    let dir = TempDir::new("fm-level");
    let lib = build_modified_example(&dir.0, |source| {
        source.replace("pub const LEVEL: f32 = 1.0;", "pub const LEVEL: f32 = 0.5;")
    });
    assert!(lib.starts_with(&dir.0), "{} is outside {}", lib.display(), dir.0.display());
    assert!(std::fs::read_to_string(dir.0.join("src/lib.rs")).unwrap().contains("pub const LEVEL: f32 = 0.5;"));
    assert_exports(&lib, &[ENTRY]);
    let original = std::fs::read(build_example_plugin()).unwrap();
    assert_ne!(std::fs::read(&lib).unwrap(), original, "the edit made no difference to the library");
}

#[test]
#[should_panic(expected = "the edit changed nothing")]
fn an_edit_that_changes_nothing_is_refused() {
    let dir = TempDir::new("fm-unchanged");
    build_modified_example(&dir.0, str::to_owned);
}

#[test]
fn the_panic_plugin_builds_a_library_exporting_the_entry_point() {
    let lib = build_panic_plugin();
    assert!(lib.file_name().unwrap().to_string_lossy().contains("oscine_test_panics"));
    assert_exports(&lib, &[ENTRY]);
}

#[test]
fn the_c_fixtures_compile_to_shared_libraries() {
    for name in ["hang_on_load", "crash_on_load", "wrong_abi", "not_a_plugin"] {
        let lib = compile_c_fixture(name);
        assert_eq!(lib, fixtures_target().join("c").join(format!("{name}{}", std::env::consts::DLL_SUFFIX)));
        assert_eq!(compile_c_fixture(name), lib, "compiled once");
        shared_library(&lib);
    }
    assert_exports(&compile_c_fixture("wrong_abi"), &[ABI_VERSION, ENTRY]);
    assert_exports(&compile_c_fixture("not_a_plugin"), &["not_a_plugin_add"]);
    if let Some(symbols) = dynamic_symbols(&compile_c_fixture("not_a_plugin")) {
        assert!(!symbols.iter().any(|s| s == ENTRY || s == ABI_VERSION), "{symbols:?}");
    }
}
