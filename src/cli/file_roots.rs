//! The file roots: where the paths clients name may lead, from the command line, the
//! environment or the defaults.

use std::path::{Path, PathBuf};

use oscine_plugin_api::{FileAccess, RootAccess};

use super::FileArgs;

/// The server's file roots: the flags', else OSCINE_FILE_ROOTS's (read and write; empty is
/// unset), else [`default_roots`].
///
/// # Errors
/// A root given that does not exist or is not a directory.
pub fn server_files(args: &FileArgs) -> Result<FileAccess, String> {
    let roots = if args.given() {
        given_roots(args)
    } else if let Some(dirs) = std::env::var_os("OSCINE_FILE_ROOTS").filter(|v| !v.is_empty()) {
        std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()).map(|d| (d, RootAccess::ReadWrite)).collect()
    } else {
        default_roots()
    };
    FileAccess::confined(roots).map_err(|e| e.to_string())
}

/// A render's file roots: the flags', else none (any file).
///
/// # Errors
/// As [`server_files`].
pub fn render_files(args: &FileArgs) -> Result<FileAccess, String> {
    if args.given() {
        FileAccess::confined(given_roots(args)).map_err(|e| e.to_string())
    } else {
        Ok(FileAccess::UNCONFINED)
    }
}

fn given_roots(args: &FileArgs) -> Vec<(PathBuf, RootAccess)> {
    let writable = args.file_root.iter().map(|d| (d.clone(), RootAccess::ReadWrite));
    writable.chain(args.read_root.iter().map(|d| (d.clone(), RootAccess::ReadOnly))).collect()
}

/// The roots a server has with no flag and no OSCINE_FILE_ROOTS: the user's Oscine data
/// directory (made if missing) and SuperCollider's (recordings, SynthDef files), read
/// and write; SuperCollider's installed resources (its example sounds), read only. Never
/// the home directory itself, the working directory or the temporary directory.
pub fn default_roots() -> Vec<(PathBuf, RootAccess)> {
    let mut roots = Vec::new();
    if let Some(data) = user_data_dir() {
        let own = data.join("oscine");
        if make_private_dir(&own) {
            roots.push((own, RootAccess::ReadWrite));
        }
        let supercollider = data.join("SuperCollider");
        if supercollider.is_dir() {
            roots.push((supercollider, RootAccess::ReadWrite));
        }
    }
    let installed: &[&str] = if cfg!(target_os = "macos") {
        &["/Applications/SuperCollider.app/Contents/Resources"]
    } else {
        &["/usr/share/SuperCollider", "/usr/local/share/SuperCollider"]
    };
    roots.extend(installed.iter().map(PathBuf::from).filter(|d| d.is_dir()).map(|d| (d, RootAccess::ReadOnly)));
    roots
}

/// Where a user's application data lives: `$XDG_DATA_HOME`, else `~/.local/share`
/// (`~/Library/Application Support` on macOS).
fn user_data_dir() -> Option<PathBuf> {
    if !cfg!(target_os = "macos") {
        if let Some(dir) = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).filter(|d| d.is_absolute()) {
            return Some(dir);
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).filter(|d| d.is_absolute())?;
    Some(if cfg!(target_os = "macos") { home.join("Library/Application Support") } else { home.join(".local/share") })
}

/// Makes `dir` (readable by this user only) unless it exists; whether it is a directory.
fn make_private_dir(dir: &Path) -> bool {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    if let Err(e) = builder.create(dir) {
        tracing::warn!("cannot make the file root {}: {e}", dir.display());
    }
    dir.is_dir()
}
