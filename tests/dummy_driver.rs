//! The wall-clock-paced dummy driver runs a tree of Synths for a few seconds.
mod support;

use std::time::{Duration, Instant};

use oscine::build;
use oscine::control::Registry;
use oscine::drivers::{Driver, DummyDriver};
use oscine::engine::{AddAction, ClientId, Command, EngineOptions, Event};

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
    driver.start(parts.engine).unwrap();
    let started = Instant::now();

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
        std::thread::sleep(Duration::from_millis(50));
        while let Some(event) = handle.poll_event() {
            match event {
                Event::Synced { .. } => synced += 1,
                Event::NodeEnded { .. } => ended += 1,
                Event::Error { error, .. } => panic!("unexpected error {error}"),
                _ => {}
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while synced < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        while let Some(event) = handle.poll_event() {
            match event {
                Event::Synced { .. } => synced += 1,
                Event::NodeEnded { .. } => ended += 1,
                _ => {}
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let status = handle.status();
    driver.stop();
    parts.workers.join();

    assert_eq!(synced, 40);
    assert_eq!(ended, 38 * 9, "38 groups of 8 synths and the group itself");
    assert_eq!(status.events_dropped, 0);
    assert_eq!(status.garbage_leaked, 0);
    assert_eq!((status.synths, status.groups), (16, 2));
    // Paced, not free-running: never more blocks than the wall clock allows (a little
    // slack for the first period), and the engine kept running.
    let expected = elapsed * 48_000.0 / 64.0;
    assert!(status.blocks as f64 <= expected * 1.1 + 8.0, "{} blocks in {elapsed:.2} s", status.blocks);
    assert!(status.blocks as f64 >= expected * 0.25, "{} blocks in {elapsed:.2} s", status.blocks);
    assert!(status.load_average > 0.0 && status.load_peak >= status.load_average);
}
