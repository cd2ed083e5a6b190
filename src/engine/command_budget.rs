//! How many queued commands a block takes: always the first
//! [`EngineOptions::min_commands_per_block`](super::EngineOptions::min_commands_per_block),
//! then more while the block has time for them, up to
//! [`EngineOptions::max_commands_per_block`](super::EngineOptions::max_commands_per_block);
//! always in whole datagrams.
//!
//! The time a block has for commands is [`BLOCK_SHARE`] of its period less what the
//! previous block took after its commands (rendering the tree and the rest): a block with
//! little to render takes a flood of commands at the rate they come, a block with much to
//! render leaves them for later blocks rather than be late. A score (the score clock) has
//! no time: its commands all apply in the block they fall in.
//!
//! Context: RT (owned by the engine), except `new`.

use std::time::{Duration, Instant};

use super::{ClockMode, EngineOptions};

/// The share of a block's period that its commands and its rendering may take together
/// before the commands still queued wait for the next block.
pub const BLOCK_SHARE: f64 = 0.75;

/// Commands taken between two looks at the clock, past the minimum.
const CHECK_EVERY: usize = 64;

/// The rule for how many commands one block takes.
#[derive(Debug)]
pub(crate) struct CommandBudget {
    /// Taken whatever the time.
    min: usize,
    /// Never more, whatever the time (past it, only the datagram in hand is finished).
    max: usize,
    /// [`BLOCK_SHARE`] of the block's period.
    share: Duration,
    /// What the previous block took after its commands.
    after_commands: Duration,
}

/// One block's taking of commands, from [`CommandBudget::start`].
#[derive(Debug)]
pub(crate) struct BlockCommands {
    min: usize,
    max: usize,
    deadline: Instant,
    next_check: usize,
}

impl CommandBudget {
    /// The budget `options` ask for. Context: NRT.
    pub(crate) fn new(options: &EngineOptions) -> Self {
        let max = options.max_commands_per_block;
        let min = match options.clock {
            ClockMode::Wall => options.min_commands_per_block.min(max),
            ClockMode::Score => max,
        };
        let period = options.block_size as f64 / options.sample_rate;
        CommandBudget { min, max, share: Duration::from_secs_f64(period * BLOCK_SHARE), after_commands: Duration::ZERO }
    }

    /// The taking of commands of a block that started at `started`.
    pub(crate) fn start(&self, started: Instant) -> BlockCommands {
        BlockCommands {
            min: self.min,
            max: self.max,
            deadline: started + self.share.saturating_sub(self.after_commands),
            next_check: self.min,
        }
    }

    /// Notes what the block took after its commands were applied (at `applied`) until it
    /// ended (at `ended`), for the next block's time.
    pub(crate) fn block_ended(&mut self, applied: Instant, ended: Instant) {
        self.after_commands = ended.saturating_duration_since(applied);
    }
}

impl BlockCommands {
    /// Whether the block takes the next datagram, having taken `taken` commands. Reads
    /// the clock only past the minimum, once every [`CHECK_EVERY`] commands.
    pub(crate) fn takes_more(&mut self, taken: usize) -> bool {
        if taken < self.min {
            return true;
        }
        if taken >= self.max {
            return false;
        }
        if taken < self.next_check {
            return true;
        }
        self.next_check = taken + CHECK_EVERY;
        Instant::now() < self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(min: usize, max: usize, clock: ClockMode) -> EngineOptions {
        EngineOptions {
            min_commands_per_block: min,
            max_commands_per_block: max,
            clock,
            block_size: 64,
            sample_rate: 48_000.0,
            ..Default::default()
        }
    }

    #[test]
    fn the_minimum_is_taken_whatever_the_time_and_the_maximum_never_passed() {
        let budget = CommandBudget::new(&options(10, 20, ClockMode::Wall));
        // A block that started long ago has no time left.
        let mut block = budget.start(Instant::now() - Duration::from_secs(1));
        assert!((0..10).all(|taken| block.takes_more(taken)));
        assert!(!block.takes_more(10), "past the minimum, a late block takes no more");
        let mut block = budget.start(Instant::now() + Duration::from_secs(60));
        assert!((0..20).all(|taken| block.takes_more(taken)));
        assert!(!block.takes_more(20));
        assert!(!block.takes_more(25));
    }

    #[test]
    fn the_previous_blocks_rendering_leaves_less_time() {
        let mut budget = CommandBudget::new(&options(0, 1000, ClockMode::Wall));
        let now = Instant::now();
        // 64 frames at 48 kHz: a period of 1.33 ms, of which three quarters is 1 ms.
        budget.block_ended(now, now + Duration::from_micros(400));
        let block = budget.start(now);
        assert_eq!(block.deadline - now, Duration::from_micros(600));
        budget.block_ended(now, now + Duration::from_millis(5));
        assert_eq!(budget.start(now).deadline, now, "no time at all after an overlong block");
    }

    #[test]
    fn a_score_takes_up_to_the_maximum_without_reading_the_clock() {
        let budget = CommandBudget::new(&options(10, 50, ClockMode::Score));
        let mut block = budget.start(Instant::now() - Duration::from_secs(1));
        assert!((0..50).all(|taken| block.takes_more(taken)));
        assert!(!block.takes_more(50));
    }
}
