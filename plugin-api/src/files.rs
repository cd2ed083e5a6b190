//! The files a client may have the server open: paths resolved (symbolic links, `.` and
//! `..`) and checked against the server's file roots before anything is opened, and only
//! regular files opened, never in a way that can block.
//!
//! A ResourceDef that opens a path a client named opens it through the
//! [`FileAccess`] of the [`World`](crate::World) it is given.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Whether a file root may be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootAccess {
    /// Files in it may be read, never created, replaced or truncated.
    ReadOnly,
    /// Files in it may be read, created and replaced.
    ReadWrite,
}

/// One root as it crosses the plugin ABI: a canonical directory's path bytes (as
/// [`std::ffi::OsStr::as_encoded_bytes`] gives them) and whether it may be written.
#[repr(C)]
#[derive(Clone, Copy)]
struct RootEntry {
    path: *const u8,
    len: usize,
    writable: bool,
}

/// Which files the server may open for its clients: either any the process can (as
/// `oscine render` and an embedding program do unless told otherwise), or only those
/// inside the file roots.
///
/// Plain data, copied freely and passed to plugin libraries as it is: a confined
/// `FileAccess` points at roots that live as long as the process.
///
/// ```
/// use oscine_plugin_api::{FileAccess, FileError, RootAccess};
///
/// let dir = std::env::temp_dir().join(format!("oscine-files-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let files = FileAccess::confined([(dir.clone(), RootAccess::ReadWrite)]).unwrap();
/// files.create(dir.join("take.wav")).unwrap();
/// assert!(files.open_read(dir.join("take.wav")).is_ok());
/// assert!(matches!(files.open_read("/etc/passwd"), Err(FileError::OutsideRoots)));
/// assert!(matches!(files.open_read(dir.join("../../etc/passwd")), Err(FileError::OutsideRoots)));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FileAccess {
    roots: *const RootEntry,
    len: usize,
    confined: bool,
}

// SAFETY: the roots a `FileAccess` points at are never written after it is made, and live
// as long as the process (`confined` leaks them).
unsafe impl Send for FileAccess {}
// SAFETY: as for Send: shared reads of immutable data.
unsafe impl Sync for FileAccess {}

impl FileAccess {
    /// Any file the process may open, still only regular files and never blocking.
    pub const UNCONFINED: FileAccess = FileAccess { roots: std::ptr::null(), len: 0, confined: false };

    /// Only files inside `roots` (directories, which must exist; each resolved to its
    /// canonical path now). No roots at all allows no file.
    ///
    /// Context: NRT. The roots are kept for the rest of the process: make one
    /// `FileAccess` at start-up, not one per request.
    ///
    /// # Errors
    /// A root that cannot be resolved or is not a directory, with its path.
    pub fn confined(roots: impl IntoIterator<Item = (PathBuf, RootAccess)>) -> io::Result<FileAccess> {
        let mut entries = Vec::new();
        for (dir, access) in roots {
            let real = fs::canonicalize(&dir)
                .map_err(|e| io::Error::new(e.kind(), format!("file root {}: {e}", dir.display())))?;
            if !real.is_dir() {
                return Err(io::Error::other(format!("file root {}: not a directory", dir.display())));
            }
            let bytes: &'static [u8] = Box::leak(real.into_os_string().into_encoded_bytes().into_boxed_slice());
            entries.push(RootEntry {
                path: bytes.as_ptr(),
                len: bytes.len(),
                writable: access == RootAccess::ReadWrite,
            });
        }
        let entries: &'static [RootEntry] = Box::leak(entries.into_boxed_slice());
        Ok(FileAccess { roots: entries.as_ptr(), len: entries.len(), confined: true })
    }

    /// Whether only the roots' files may be opened.
    pub fn is_confined(&self) -> bool {
        self.confined
    }

    /// The roots (canonical directories) and their access; none when unconfined.
    pub fn roots(&self) -> impl Iterator<Item = (&'static Path, RootAccess)> + '_ {
        self.entries().iter().map(|entry| {
            // SAFETY: made by `confined` from an OsStr's encoded bytes, immutable and leaked.
            let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(entry.path, entry.len) };
            // SAFETY: the bytes are an OsStr's own encoding, made on this platform.
            let path = Path::new(unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(bytes) });
            (path, if entry.writable { RootAccess::ReadWrite } else { RootAccess::ReadOnly })
        })
    }

    fn entries(&self) -> &'static [RootEntry] {
        if self.len == 0 {
            &[]
        } else {
            // SAFETY: `confined` leaked `len` entries at `roots`.
            unsafe { std::slice::from_raw_parts(self.roots, self.len) }
        }
    }

    /// Opens the regular file at `path` for reading (a relative path is taken from the
    /// process's working directory).
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// [`FileError::OutsideRoots`] for a path that leads outside the roots (whether or not
    /// a file is there), [`FileError::NotRegularFile`] for a directory, FIFO, socket or
    /// device, [`FileError::Io`] for a file in the roots that cannot be opened.
    pub fn open_read(&self, path: impl AsRef<Path>) -> Result<File, FileError> {
        let real = self.resolve(path.as_ref(), Need::Read)?;
        if !fs::metadata(&real)?.is_file() {
            return Err(FileError::NotRegularFile);
        }
        let file = open_options(OpenOptions::new().read(true)).open(&real)?;
        if !file.metadata()?.is_file() {
            return Err(FileError::NotRegularFile);
        }
        Ok(file)
    }

    /// Opens `path` for writing from its start: a new file, or an existing regular file
    /// truncated (a symbolic link there is followed, and its target must be in a root that
    /// may be written). Its directory must exist.
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// As [`open_read`](Self::open_read), and [`FileError::ReadOnlyRoot`] for a path in a
    /// root that may only be read. Nothing is truncated or created when this fails.
    pub fn create(&self, path: impl AsRef<Path>) -> Result<CreatedFile, FileError> {
        let path = path.as_ref();
        let absolute = absolute(path)?;
        let is_link = fs::symlink_metadata(&absolute).is_ok_and(|m| m.file_type().is_symlink());
        let target = if is_link {
            self.resolve(&absolute, Need::Write)?
        } else {
            let name = match absolute.file_name() {
                Some(name) if !path.as_os_str().is_empty() => name.to_owned(),
                _ => return Err(FileError::Io(io::Error::new(io::ErrorKind::InvalidInput, "no file name"))),
            };
            let dir = absolute.parent().unwrap_or(Path::new("/"));
            self.resolve(dir, Need::Write)?.join(name)
        };
        self.check(&target, Need::Write)?;
        if fs::symlink_metadata(&target).is_ok_and(|m| !m.is_file()) {
            return Err(FileError::NotRegularFile);
        }
        let (file, new) = match open_options(OpenOptions::new().write(true).create_new(true)).open(&target) {
            Ok(file) => (file, true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                (open_options(OpenOptions::new().write(true)).open(&target)?, false)
            }
            Err(e) => return Err(e.into()),
        };
        if !file.metadata()?.is_file() {
            return Err(FileError::NotRegularFile);
        }
        file.set_len(0)?;
        Ok(CreatedFile { file, path: CreatedPath { path: target, new } })
    }

    /// The canonical path of the directory `path`, for listing: its entries are opened
    /// with [`open_read`](Self::open_read), which checks each again.
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// As [`open_read`](Self::open_read); not a directory is an [`FileError::Io`].
    pub fn directory(&self, path: impl AsRef<Path>) -> Result<PathBuf, FileError> {
        let real = self.resolve(path.as_ref(), Need::Read)?;
        if !fs::metadata(&real)?.is_dir() {
            return Err(FileError::Io(io::Error::new(io::ErrorKind::NotADirectory, "not a directory")));
        }
        Ok(real)
    }

    /// Whether `path`, as it is (no links followed), lies in a root allowing `need`.
    fn check(&self, path: &Path, need: Need) -> Result<(), FileError> {
        if !self.confined {
            return Ok(());
        }
        let mut inside = self.roots().filter(|(root, _)| path.starts_with(root)).peekable();
        if inside.peek().is_none() {
            return Err(FileError::OutsideRoots);
        }
        match need {
            Need::Read => Ok(()),
            Need::Write if inside.any(|(_, access)| access == RootAccess::ReadWrite) => Ok(()),
            Need::Write => Err(FileError::ReadOnlyRoot),
        }
    }

    /// `path` with every link, `.` and `..` resolved, when it lies in a root allowing
    /// `need`. A path that cannot be resolved is an I/O error only when it would lie in a
    /// root as written; otherwise it is outside, as any other, so that an error never
    /// tells whether something outside the roots exists.
    fn resolve(&self, path: &Path, need: Need) -> Result<PathBuf, FileError> {
        let absolute = absolute(path)?;
        match fs::canonicalize(&absolute) {
            Ok(real) => self.check(&real, need).map(|()| real),
            Err(e) => {
                self.check(&lexically_normal(&absolute), need)?;
                Err(FileError::Io(e))
            }
        }
    }
}

impl Default for FileAccess {
    fn default() -> Self {
        FileAccess::UNCONFINED
    }
}

impl PartialEq for FileAccess {
    fn eq(&self, other: &Self) -> bool {
        self.confined == other.confined && self.roots().eq(other.roots())
    }
}

impl fmt::Debug for FileAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.confined {
            f.debug_map().entries(self.roots()).finish()
        } else {
            f.write_str("FileAccess::UNCONFINED")
        }
    }
}

#[derive(Clone, Copy)]
enum Need {
    Read,
    Write,
}

/// A file [`FileAccess::create`] opened, empty, for writing.
#[derive(Debug)]
pub struct CreatedFile {
    /// The file.
    pub file: File,
    /// Where it is.
    pub path: CreatedPath,
}

/// Where a [`CreatedFile`] is, and whether it was new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedPath {
    /// The file's resolved path.
    pub path: PathBuf,
    /// Whether the call that opened it created it (nothing was there before).
    pub new: bool,
}

impl CreatedPath {
    /// Gives up on a file whose writing failed: a file the call created is removed; a file
    /// that was there before is left (empty or partly written), never deleted.
    ///
    /// Context: NRT (file I/O).
    pub fn discard(&self) {
        if self.new {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Why a path was not opened.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// The path leads outside the server's file roots.
    OutsideRoots,
    /// The path is in a file root that may only be read.
    ReadOnlyRoot,
    /// The path names a directory, FIFO, socket or device.
    NotRegularFile,
    /// Opening the file failed.
    Io(io::Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::OutsideRoots => f.write_str("outside the server's file roots"),
            FileError::ReadOnlyRoot => f.write_str("in a file root that may only be read"),
            FileError::NotRegularFile => f.write_str("not a regular file"),
            FileError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        FileError::Io(e)
    }
}

/// `path` made absolute against the working directory (nothing resolved).
fn absolute(path: &Path) -> Result<PathBuf, FileError> {
    if path.as_os_str().is_empty() {
        return Err(FileError::Io(io::Error::new(io::ErrorKind::InvalidInput, "empty path")));
    }
    Ok(std::path::absolute(path)?)
}

/// `path` with `.` and `..` taken away as written, no link followed.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// Options that never block on a FIFO or a device and never follow a link in the last
/// component (a resolved path has none unless one was put there since).
fn open_options(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW).mode(0o644);
    }
    options
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let dir = std::env::temp_dir().join(format!("oscine-files-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Dir(fs::canonicalize(dir).unwrap())
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn links_and_dots_out_of_a_root_are_outside_it() {
        let outer = Dir::new("outer");
        let root = outer.0.join("root");
        fs::create_dir(&root).unwrap();
        fs::write(outer.0.join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(outer.0.join("secret"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(&outer.0, root.join("up")).unwrap();
        let files = FileAccess::confined([(root.clone(), RootAccess::ReadWrite)]).unwrap();
        for path in [root.join("link"), root.join("up/secret"), root.join("../secret"), outer.0.join("secret")] {
            assert!(matches!(files.open_read(&path), Err(FileError::OutsideRoots)), "{}", path.display());
            assert!(matches!(files.create(&path), Err(FileError::OutsideRoots)), "{}", path.display());
        }
        assert_eq!(fs::read_to_string(outer.0.join("secret")).unwrap(), "x", "nothing truncated");
        // A file outside that does not exist is refused as one that does.
        assert!(matches!(files.open_read(outer.0.join("nothing")), Err(FileError::OutsideRoots)));
        assert!(matches!(files.open_read(root.join("nothing")), Err(FileError::Io(_))));
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let root = Dir::new("fifo");
        let fifo = root.0.join("fifo");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        for files in [FileAccess::UNCONFINED, FileAccess::confined([(root.0.clone(), RootAccess::ReadWrite)]).unwrap()]
        {
            assert!(matches!(files.open_read(&fifo), Err(FileError::NotRegularFile)));
            assert!(matches!(files.create(&fifo), Err(FileError::NotRegularFile)));
            assert!(matches!(files.open_read(&root.0), Err(FileError::NotRegularFile)));
        }
    }

    #[test]
    fn a_read_only_root_is_never_written() {
        let root = Dir::new("read-only");
        fs::write(root.0.join("kept"), "kept").unwrap();
        let files = FileAccess::confined([(root.0.clone(), RootAccess::ReadOnly)]).unwrap();
        assert!(files.open_read(root.0.join("kept")).is_ok());
        assert!(matches!(files.create(root.0.join("kept")), Err(FileError::ReadOnlyRoot)));
        assert!(matches!(files.create(root.0.join("new")), Err(FileError::ReadOnlyRoot)));
        assert_eq!(fs::read_to_string(root.0.join("kept")).unwrap(), "kept");
        assert!(!root.0.join("new").exists());
    }

    #[test]
    fn create_truncates_or_makes_a_file_and_says_which() {
        let root = Dir::new("create");
        let files = FileAccess::confined([(root.0.clone(), RootAccess::ReadWrite)]).unwrap();
        let made = files.create(root.0.join("a")).unwrap();
        assert!(made.path.new);
        fs::write(root.0.join("b"), "old").unwrap();
        let replaced = files.create(root.0.join("b")).unwrap();
        assert!(!replaced.path.new);
        assert_eq!(fs::read(root.0.join("b")).unwrap().len(), 0);
        assert!(files.create(root.0.join("missing-dir/c")).is_err());
        assert!(matches!(files.create(""), Err(FileError::Io(_))));
    }

    #[test]
    fn no_roots_allow_nothing() {
        let root = Dir::new("none");
        fs::write(root.0.join("f"), "f").unwrap();
        let files = FileAccess::confined([]).unwrap();
        assert!(matches!(files.open_read(root.0.join("f")), Err(FileError::OutsideRoots)));
        assert!(FileAccess::UNCONFINED.open_read(root.0.join("f")).is_ok());
    }
}
