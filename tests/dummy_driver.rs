//! The wall-clock-paced dummy driver runs a tree of Synths for a few seconds.
mod support;

use std::time::{Duration, Instant};

use oscine::build;
use oscine::control::{EngineHandle, Registry};
use oscine::drivers::{Driver, DummyDriver};
use oscine::engine::{AddAction, ClientId, Command, EngineOptions, Event};

/// How long the test waits for what must happen.
const WAIT: Duration = Duration::from_secs(10);

#[test]
fn the_dummy_driver_paces_blocks_and_drops_no_events() {
    let options = EngineOptions { sample_rate: 48_000.0, block_size: 64, ..Default::default() };
    let mut registry = Registry::with_builtins();
    support::test_defs::register(&mut registry);
    let parts = build(options.clone(), registry).unwrap();
    let mut handle = parts.handle;
    // Buffer of 256 frames: four engine blocks per period.
    let mut driver = DummyDriver::new(options.sample_rate, 0, 2, 256);
    let client = ClientId(1);
    // Before the driver starts, so the driver cannot have run longer than the test measures.
    let started = Instant::now();
    driver.start(parts.engine).unwrap();
    // After the first block, so the driver has run at least as long as the test measures.
    let deadline = Instant::now() + WAIT;
    while handle.status().blocks == 0 {
        assert!(Instant::now() < deadline, "no block rendered within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
    let running = Instant::now();

    let mut synced = 0;
    let mut ended = 0;
    for round in 0..40 {
        let group = 100 + round;
        handle.send(Command::GroupNew { client, id: group, target: 0, action: AddAction::TailOfGroup }).unwrap();
        for i in 0..8 {
            let synth = handle.build_synth("test-dc", &[]).unwrap();
            let id = 1000 * (round + 1) + i;
            handle
                .send(Command::SynthNew {
                    client,
                    id,
                    target: group,
                    action: AddAction::HeadOfGroup,
                    activate: true,
                    synth,
                })
                .unwrap();
        }
        if round >= 2 {
            handle.send(Command::NodeFree { client, id: group - 2 }).unwrap();
        }
        handle.send(Command::Sync { client, token: round }).unwrap();
        // Spreads the rounds over two seconds of rendering.
        std::thread::sleep(Duration::from_millis(50));
        poll(&mut handle, &mut synced, &mut ended);
    }
    // One more /sync: answered in a block after the last round's, so the status published
    // at the end of that block is complete.
    handle.send(Command::Sync { client, token: 40 }).unwrap();
    let deadline = Instant::now() + WAIT;
    while synced < 41 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        poll(&mut handle, &mut synced, &mut ended);
    }
    let ran_at_least = running.elapsed().as_secs_f64();
    let status = handle.status();
    let ran_at_most = started.elapsed().as_secs_f64();
    // Wait until the driver has finished the buffer after the one being rendered (or
    // waited for) when the status was read: it checks its pace after every buffer, so a
    // lag at that moment is counted as an xrun by then.
    let deadline = Instant::now() + WAIT;
    while handle.status().blocks < status.blocks + 8 {
        assert!(Instant::now() < deadline, "the driver stopped rendering");
        std::thread::sleep(Duration::from_millis(1));
    }
    let xruns = handle.status().xruns;
    driver.stop();
    parts.workers.join();

    assert_eq!(synced, 41);
    assert_eq!(ended, 38 * 9, "38 groups of 8 synths and the group itself");
    assert_eq!(status.events_dropped, 0);
    assert_eq!(status.garbage_leaked, 0);
    assert_eq!((status.synths, status.groups), (16, 2));
    // Paced, not free-running: never more blocks than the wall clock allows (the first
    // buffer is rendered at once).
    let blocks = status.blocks as f64;
    let most = (ran_at_most * 48_000.0 / 256.0 + 1.0) * 4.0;
    assert!(blocks <= most, "{blocks} blocks in at most {ran_at_most:.3} s (at most {most:.0})");
    // And kept pace: unless it fell a whole buffer behind (an xrun, which restarts its
    // clock), at most two buffers short of the wall clock.
    let least = (ran_at_least * 48_000.0 / 256.0 - 2.0) * 4.0;
    assert!(
        xruns > 0 || blocks >= least,
        "{blocks} blocks in at least {ran_at_least:.3} s (at least {least:.0}) without an xrun"
    );
    assert!(status.load_average > 0.0 && status.load_peak >= status.load_average);
}

/// Counts the events waiting; any error fails the test.
fn poll(handle: &mut EngineHandle, synced: &mut i32, ended: &mut usize) {
    while let Some(event) = handle.poll_event() {
        match event {
            Event::Synced { .. } => *synced += 1,
            Event::NodeEnded { .. } => *ended += 1,
            Event::Error { error, .. } => panic!("unexpected error {error}"),
            _ => {}
        }
    }
}
