//! The command line as a user meets it: help, bad flags, an unusable device, log levels.
mod support;

use std::process::Command;

use support::server::{i, s, Server};

fn oscine(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oscine")).args(args).env_remove("RUST_LOG").output().expect("run oscine")
}

#[test]
fn every_flag_has_help() {
    let out = oscine(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--bind",
        "--port",
        "--driver",
        "--device",
        "--sample-rate",
        "--block-size",
        "--inputs",
        "--outputs",
        "--workers",
        "--max-nodes",
        "--max-audio-buses",
        "--max-resources",
        "--max-scheduled",
        "--log-level",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
    assert!(help.contains("devices") && help.contains("render"), "{help}");
}

/// The `[default: ...]` that `help` (long help) shows for `flag`.
fn default_in_help(help: &str, flag: &str) -> String {
    let mut lines = help.lines().skip_while(|l| !l.trim_start().starts_with(&format!("{flag} ")));
    assert!(lines.next().is_some(), "no {flag} in:\n{help}");
    let line = lines
        .take_while(|l| !l.trim_start().starts_with('-'))
        .find_map(|l| l.trim().strip_prefix("[default: "))
        .unwrap_or_else(|| panic!("{flag} shows no default:\n{help}"));
    line.trim_end_matches(']').to_owned()
}

#[test]
fn serve_and_render_show_the_same_defaults_for_the_engine_flags() {
    let serve = String::from_utf8(oscine(&["--help"]).stdout).unwrap();
    let render = String::from_utf8(oscine(&["render", "--help"]).stdout).unwrap();
    let defaults = oscine::engine::EngineOptions::default();
    for (flag, value) in [
        ("--block-size", defaults.block_size),
        ("--workers", defaults.workers),
        ("--max-nodes", defaults.max_nodes),
        ("--max-resources", defaults.max_resources),
        ("--max-audio-buses", defaults.max_audio_buses),
    ] {
        assert_eq!(default_in_help(&serve, flag), value.to_string(), "oscine --help, {flag}");
        assert_eq!(default_in_help(&render, flag), value.to_string(), "oscine render --help, {flag}");
    }
}

#[test]
fn bad_flags_exit_non_zero_with_a_message() {
    for args in [
        &["--block-size", "0"][..],
        &["--driver", "bogus"],
        &["--port", "70000"],
        &["--max-nodes", "many"],
        &["--log-level", "loud"],
        &["--no-such-flag"],
    ] {
        let out = oscine(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error:") && err.len() < 2000, "{args:?}: {err}");
    }
}

#[test]
fn an_unusable_device_is_a_clear_error() {
    let out = oscine(&["--driver", "cpal", "--device", "no such device here", "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("oscine: ") && last.contains("device"), "{err}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = oscine(&["--driver", "dummy", "--port", &port]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on udp 127.0.0.1:{port}")), "{err}");
}

#[test]
fn log_level_debug_shows_each_command_and_warn_each_error() {
    let server = Server::start_with(&["--log-level", "debug"]);
    let mut c = server.client();
    c.ok("/group/new", vec![i(5), i(0), i(0)], "/group/new", 5);
    c.fails("/synth/new", vec![s("nope"), i(6), i(0), i(0)], "/synth/new", 14);
    c.sync_quiet();
    let log = server.wait_log("no synthdef named 'nope'");
    assert!(log.lines().any(|l| l.contains("DEBUG") && l.contains("/group/new")), "{log}");
    assert!(log.lines().any(|l| l.contains("WARN") && l.contains("no synthdef named 'nope'")), "{log}");
}

#[test]
fn rust_log_takes_precedence_over_log_level() {
    let server = Server::start_on("dummy", &["--log-level", "error"], &[("RUST_LOG", "oscine=debug")]);
    let mut c = server.client();
    c.ok("/group/new", vec![i(5), i(0), i(0)], "/group/new", 5);
    c.sync_quiet();
    assert!(server.log().lines().any(|l| l.contains("DEBUG") && l.contains("/group/new")), "{}", server.log());
}

/// `oscine` with no sound server reachable: an empty runtime directory and none named.
fn oscine_without_servers(args: &[&str]) -> std::process::Output {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let empty = std::env::temp_dir().join(format!("oscine-no-servers-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_oscine"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("PIPEWIRE_RUNTIME_DIR")
        .env_remove("PULSE_SERVER")
        .env_remove("PULSE_RUNTIME_PATH")
        .env("XDG_RUNTIME_DIR", &empty)
        .output()
        .expect("run oscine");
    let _ = std::fs::remove_dir(&empty);
    out
}

/// The hosts `--driver` names, with whether this build has each.
const HOSTS: [(&str, &str, bool); 4] = [
    ("pipewire", "PipeWire", cfg!(feature = "pipewire")),
    ("pulse", "PulseAudio", cfg!(feature = "pulseaudio")),
    ("jack", "JACK", cfg!(feature = "jack")),
    ("alsa", "ALSA", true),
];

#[test]
fn help_offers_the_hosts_this_build_has() {
    let out = oscine(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for (flag, _, built) in HOSTS {
        let offered = help.lines().any(|l| l.trim_start().starts_with(&format!("- {flag}:")));
        assert_eq!(offered, built, "--driver {flag}:\n{help}");
    }
    for flag in ["auto", "cpal", "dummy"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("- {flag}:"))), "{flag}:\n{help}");
    }
}

#[test]
fn devices_lists_every_host_of_the_build_and_says_which_servers_are_not_running() {
    let out = oscine_without_servers(&["devices"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for (flag, label, built) in HOSTS {
        let header = format!("host: {label} (--driver {flag})");
        assert_eq!(text.contains(&header), built, "{header}:\n{text}");
    }
    // PipeWire and PulseAudio are found by their sockets, and there are none here.
    for (_, label, built) in &HOSTS[..2] {
        if *built {
            assert!(text.contains(&format!("  (no {label} server is running)")), "{text}");
        }
    }
    let missing: Vec<_> = HOSTS.iter().filter(|(_, _, built)| !built).map(|(_, label, _)| *label).collect();
    let line = text.lines().find(|l| l.starts_with("not in this build: "));
    match line {
        Some(line) => assert!(missing.iter().all(|label| line.contains(label)), "{text}"),
        None => assert!(missing.is_empty(), "{text}"),
    }
}

#[test]
fn a_host_whose_server_is_not_running_is_a_clear_error() {
    for (flag, label, built) in &HOSTS[..2] {
        if !built {
            continue;
        }
        let out = oscine_without_servers(&["--driver", flag, "--port", "0"]);
        assert_eq!(out.status.code(), Some(1), "{flag}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or_default();
        assert_eq!(last, format!("oscine: no audio device: no {label} server is running"), "{err}");
    }
}

#[test]
fn a_host_missing_from_the_build_is_a_clear_error() {
    for (flag, label, built) in HOSTS {
        if built {
            continue;
        }
        let out = oscine(&["--driver", flag, "--port", "0"]);
        assert_eq!(out.status.code(), Some(1), "{flag}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("this build has no {label} host (build with --features")), "{err}");
    }
}
