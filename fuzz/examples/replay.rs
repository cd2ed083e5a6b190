//! Runs saved inputs through a fuzz target without libFuzzer, on any toolchain: each file
//! named, and every file in each directory named (a corpus, the artifacts of a crash, the
//! regression fixtures). Panics, naming the file, at the first input the target fails.
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --example replay -- packet fuzz/corpus/packet
//! cargo run --release --manifest-path fuzz/Cargo.toml --example replay -- scgf tests/fixtures/fuzz-regressions/scgf
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

fn inputs(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            inputs(&entry, out);
        }
    } else {
        out.push(path.to_owned());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target_name = args.next().unwrap_or_default();
    let target: fn(&[u8]) = match target_name.as_str() {
        "packet" => oscine_fuzz::packet,
        "scgf" => oscine_fuzz::scgf,
        _ => {
            eprintln!("usage: replay packet|scgf FILE|DIR...");
            std::process::exit(2);
        }
    };
    let mut files = Vec::new();
    for arg in args {
        inputs(Path::new(&arg), &mut files);
    }
    let started = Instant::now();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        if std::panic::catch_unwind(|| target(&data)).is_err() {
            eprintln!("the {} target failed on {}", target_name, file.display());
            std::process::exit(1);
        }
    }
    eprintln!("{} inputs passed in {:?}", files.len(), started.elapsed());
}
