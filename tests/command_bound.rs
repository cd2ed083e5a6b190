//! The bound on commands per block, through the manual driver: a block takes whole
//! datagrams of commands until it has taken `max_commands_per_block`; the datagrams after
//! wait for the next block, and each block that leaves some waiting is counted. A datagram
//! larger than the bound is still taken whole, in one block.
mod support;

use oscine::engine::{AddAction, Command, EngineOptions, TimedCommand, Timetag};
use support::{TestEngine, CLIENT};

fn group(id: i32) -> Command {
    Command::GroupNew { client: CLIENT, id, target: 0, action: AddAction::TailOfGroup }
}

#[test]
fn a_block_takes_whole_datagrams_up_to_the_bound_and_the_rest_wait() {
    let mut t = TestEngine::new(EngineOptions { block_size: 8, max_commands_per_block: 4, ..Default::default() });
    // Ten datagrams of one command each.
    for id in 1..=10 {
        t.send(group(id));
    }
    let mut groups = Vec::new();
    for _ in 0..4 {
        t.render(1);
        groups.push(t.handle.status().groups);
    }
    assert_eq!(groups, [4, 8, 10, 10], "four a block, then the last two");
    assert_eq!(t.handle.status().commands_deferred, 2, "two blocks left datagrams waiting");

    // One datagram of six is taken whole, though it passes the bound; the one after waits.
    let mut datagram = (11..=16)
        .map(|id| TimedCommand { command: group(id), time: Timetag::IMMEDIATE, bundle: 0, last_of_group: false })
        .collect();
    t.handle.send_group(&mut datagram).unwrap();
    t.send(group(17));
    t.render(1);
    assert_eq!(t.handle.status().groups, 16);
    t.render(1);
    assert_eq!(t.handle.status().groups, 17);
    assert_eq!(t.handle.status().commands_deferred, 3);
    assert!(t.errors().is_empty());
    t.shutdown();
}

/// Past the minimum, a block takes more datagrams only while it has time. The periods here
/// are chosen so that the time is never in doubt: a nanosecond (a block's own work takes
/// longer), or hours.
#[test]
fn past_the_minimum_a_block_takes_datagrams_while_it_has_time() {
    let blocks_of = |sample_rate: f64, block_size: usize| {
        let mut t = TestEngine::new(EngineOptions {
            sample_rate,
            block_size,
            min_commands_per_block: 2,
            max_commands_per_block: 8,
            ..Default::default()
        });
        for id in 1..=10 {
            t.send(group(id));
        }
        let mut groups = Vec::new();
        for _ in 0..3 {
            t.render(1);
            groups.push(t.handle.status().groups);
        }
        let deferred = t.handle.status().commands_deferred;
        assert!(t.errors().is_empty());
        t.shutdown();
        (groups, deferred)
    };
    // A period of a nanosecond: no time past the minimum.
    assert_eq!(blocks_of(1e9, 1), (vec![2, 4, 6], 3));
    // A period of more than two hours: time for everything up to the bound.
    assert_eq!(blocks_of(1.0, 8192), (vec![8, 10, 10], 1));
}
