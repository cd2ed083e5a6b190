//! scsynth's control bus commands that read or write runs of buses: `/c_get`, `/c_getn`,
//! `/c_setn` and `/c_fill` (`/c_set` is one command per bus, in verbs.rs).
//!
//! Context: NRT (the network thread, or the thread rendering a score).

use super::args::Args;
use super::{ErrorCode, RequestError, Verb};
use crate::engine::{BusValues, ClientId, Command};

/// The most buses one message reads or writes: the answer of a read fits a datagram.
pub const MAX_BUSES_PER_MESSAGE: usize = 8192;

/// Translates a `/c_get`, `/c_getn`, `/c_setn` or `/c_fill` message into its command.
pub(super) fn parse_bus_runs(verb: Verb, a: &mut Args<'_>, client: ClientId) -> Result<Command, RequestError> {
    let mut runs = Vec::new();
    let mut values = Vec::new();
    let mut total = 0usize;
    let mut add = |runs: &mut Vec<(u32, u32)>, first: i32, count: i32| -> Result<(), RequestError> {
        let first = u32::try_from(first).map_err(|_| {
            RequestError::new(ErrorCode::ArgumentValue, format!("control bus must be non-negative, got {first}"))
        })?;
        let count = u32::try_from(count).map_err(|_| {
            RequestError::new(ErrorCode::ArgumentValue, format!("a count must be non-negative, got {count}"))
        })?;
        total += count as usize;
        if total > MAX_BUSES_PER_MESSAGE {
            return Err(RequestError::new(
                ErrorCode::ArgumentCount,
                format!("at most {MAX_BUSES_PER_MESSAGE} control buses per message"),
            ));
        }
        runs.push((first, count));
        Ok(())
    };
    loop {
        match verb {
            Verb::CGet => add(&mut runs, a.int("control bus")?, 1)?,
            Verb::CGetn => {
                let first = a.int("control bus")?;
                add(&mut runs, first, a.int("count")?)?;
            }
            Verb::CSetn => {
                let first = a.int("control bus")?;
                let count = a.int("count")?;
                add(&mut runs, first, count)?;
                for _ in 0..count {
                    values.push(a.control_value("control bus value")?);
                }
            }
            _ => {
                let first = a.int("control bus")?;
                let count = a.int("count")?;
                add(&mut runs, first, count)?;
                let value = a.control_value("control bus value")?;
                values.extend(std::iter::repeat_n(value, count.max(0) as usize));
            }
        }
        if a.is_empty() {
            break;
        }
    }
    a.finish()?;
    Ok(match verb {
        Verb::CGet | Verb::CGetn => {
            Command::ControlBusGet { client, values: Box::new(BusValues::to_read(runs, verb == Verb::CGet)) }
        }
        _ => Command::ControlBusSetRuns {
            client,
            values: Box::new(BusValues { runs: runs.into(), values: values.into(), as_pairs: false, permit: None }),
        },
    })
}
