//! The file roots, against the real server: every path a client names (buffers read and
//! written, SynthDef files, plugin libraries) is resolved and checked before it is opened;
//! nothing outside the roots is read, truncated or deleted, a FIFO never blocks a worker,
//! and an error never tells whether a file outside the roots exists.
mod support;
#[path = "support/wav.rs"]
mod wav;

use std::path::Path;

use rosc::OscType;
use support::server::{assert_error, i, s, Client, Server};
use support::temp_dir::TempDir;

/// The reason of the `/resource/error` for resource `id`.
#[track_caller]
fn resource_error(c: &mut Client, id: i32) -> String {
    let got = c.expect("/resource/error");
    assert_eq!(got.args[0], i(id), "{got:?}");
    match &got.args[1] {
        OscType::String(reason) => reason.clone(),
        other => panic!("a reason, not {other:?}"),
    }
}

/// The reason an operation on resource `id` failed (`/error /resource/perform 68`).
#[track_caller]
fn operation_error(c: &mut Client, id: i32) -> String {
    let reason = assert_error(&c.expect("/error"), "/resource/perform", 68);
    assert!(reason.starts_with(&format!("resource {id} write: ")), "{reason}");
    reason
}

fn text(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[test]
fn paths_outside_the_roots_are_refused_alike_and_nothing_there_is_touched() {
    let outside = TempDir::new("roots-outside");
    let root = outside.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let server = Server::start_with(&["--file-root", &text(&root)]);
    let mut c = server.client();

    // Reading: a sound file in the root loads; the same file outside does not, and a
    // missing file outside is refused with the same words as an existing one.
    wav::write_float(&root.join("in.wav"), 1, 48_000, &[0.25; 8]);
    wav::write_float(&outside.path().join("out.wav"), 1, 48_000, &[0.5; 8]);
    c.send("/resource/new", vec![s("audio-buffer"), i(1), s(&text(&root.join("in.wav")))]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    let mut refusals = Vec::new();
    for path in [
        outside.path().join("out.wav"),
        outside.path().join("nothing.wav"),
        root.join("../out.wav"),
        root.join("../nothing.wav"),
    ] {
        c.send("/resource/new", vec![s("audio-buffer"), i(2), s(&text(&path))]);
        let reason = resource_error(&mut c, 2);
        assert!(reason.contains("outside the server's file roots"), "{reason}");
        refusals.push(reason.replace(&text(&path), "PATH"));
    }
    assert!(refusals.windows(2).all(|w| w[0] == w[1]), "{refusals:?}");
    // A symbolic link in the root that leads out is outside too.
    std::os::unix::fs::symlink(outside.path().join("out.wav"), root.join("link.wav")).unwrap();
    c.send("/resource/new", vec![s("audio-buffer"), i(2), s(&text(&root.join("link.wav")))]);
    assert!(resource_error(&mut c, 2).contains("outside the server's file roots"));

    // Writing: outside the root (directly, through `..` and through the link) nothing is
    // truncated or created; inside, the file is written.
    let before = std::fs::read(outside.path().join("out.wav")).unwrap();
    for path in [outside.path().join("out.wav"), root.join("../out.wav"), root.join("link.wav")] {
        c.send("/resource/perform", vec![i(1), s("write"), s(&text(&path))]);
        let reason = operation_error(&mut c, 1);
        assert!(reason.contains("outside the server's file roots"), "{reason}");
    }
    c.send("/resource/perform", vec![i(1), s("write"), s(&text(&outside.path().join("new.wav")))]);
    assert!(operation_error(&mut c, 1).contains("outside the server's file roots"));
    assert_eq!(std::fs::read(outside.path().join("out.wav")).unwrap(), before, "the file outside is untouched");
    assert!(!outside.path().join("new.wav").exists(), "nothing is created outside");
    c.send("/resource/perform", vec![i(1), s("write"), s(&text(&root.join("copy.wav")))]);
    assert_eq!(c.expect("/resource/performed").args[..2], [i(1), s("write")]);
    assert_eq!(wav::read(&root.join("copy.wav")).as_f32(), [0.25; 8]);

    // SynthDef files and plugin libraries are checked as well.
    std::fs::write(outside.path().join("x.scsyndef"), b"SCgf").unwrap();
    c.send("/d_load", vec![s(&text(&outside.path().join("x.scsyndef")))]);
    let error = c.expect("/error");
    assert_eq!(error.args[1], i(90), "{error:?}");
    assert!(format!("{error:?}").contains("outside the server's file roots"), "{error:?}");
    c.send("/d_loadDir", vec![s(&text(outside.path()))]);
    let error = c.expect("/error");
    assert!(format!("{error:?}").contains("outside the server's file roots"), "{error:?}");
    std::fs::write(outside.path().join("libx.so"), b"not a library").unwrap();
    c.send("/plugin/load", vec![s(&text(&outside.path().join("libx.so")))]);
    let error = c.expect("/error");
    assert_eq!(error.args[1], i(80), "{error:?}");
    assert!(format!("{error:?}").contains("find: outside the server's file roots"), "{error:?}");
    c.sync();
}

#[test]
fn a_fifo_is_refused_at_once_and_the_worker_stays_free() {
    let root = TempDir::new("roots-fifo");
    let fifo = root.path().join("fifo.wav");
    let name = std::ffi::CString::new(text(&fifo)).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    // One worker: a worker blocked on the FIFO would hold every later job.
    let server = Server::start_with(&["--file-root", &text(root.path()), "--workers", "1"]);
    let mut c = server.client();
    c.send("/resource/new", vec![s("audio-buffer"), i(1), s(&text(&fifo))]);
    assert!(resource_error(&mut c, 1).contains("not a regular file"));
    c.send("/resource/new", vec![s("audio-buffer"), i(1), i(1), i(8)]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    c.send("/resource/perform", vec![i(1), s("write"), s(&text(&fifo))]);
    assert!(operation_error(&mut c, 1).contains("not a regular file"));
    c.send("/d_load", vec![s(&text(&fifo))]);
    assert!(format!("{:?}", c.expect("/error")).contains("not a regular file"));
    c.sync();
}

#[test]
fn by_default_the_user_data_directory_is_a_root_and_the_temporary_directory_is_not() {
    let home = TempDir::new("roots-home");
    let data = home.path().join("data");
    let server = Server::start_on(
        "dummy",
        &[],
        &[("HOME", &text(home.path())), ("XDG_DATA_HOME", &text(&data)), ("OSCINE_FILE_ROOTS", "")],
    );
    let log = server.wait_log("file root");
    assert!(log.contains(&text(&data.join("oscine"))), "{log}");
    let mut c = server.client();
    let own = data.join("oscine");
    assert!(own.is_dir(), "the server makes its data directory");
    wav::write_float(&own.join("in.wav"), 1, 48_000, &[0.5; 4]);
    c.send("/resource/new", vec![s("audio-buffer"), i(1), s(&text(&own.join("in.wav")))]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    wav::write_float(&home.path().join("home.wav"), 1, 48_000, &[0.5; 4]);
    c.send("/resource/new", vec![s("audio-buffer"), i(2), s(&text(&home.path().join("home.wav")))]);
    assert!(resource_error(&mut c, 2).contains("outside the server's file roots"));
    c.sync();
}
