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
