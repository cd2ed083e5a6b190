//! scsynth's node commands beyond the aliases of Oscine's own verbs: running, moving,
//! querying, tracing and deep-freeing nodes, `/p_new`, `/n_setn`, `/n_fill`, the control
//! maps (`/n_map`, `/n_mapa` and their runs), `/s_get`, `/s_getn`, `/s_noid` and the tree
//! queries, parsed into engine commands.
//!
//! Context: NRT (the network thread).

use super::Arg;

use super::args::{type_name, Args};
use super::verbs::add_action;
use super::{ErrorCode, RequestError, Verb};
use crate::control::element_name;
use crate::control::EngineHandle;
use crate::engine::{
    AddAction, ClientId, Command, ControlChanges, ControlQuery, ControlRef, NodeId, TreeForm, NO_NODE,
};

/// The most values one `/s_get` or `/s_getn` asks for.
pub const MAX_QUERIED_VALUES: usize = 1024;

/// Parses one of the node verbs this file has. Context: NRT.
pub(super) fn parse_node(
    verb: Verb,
    a: &mut Args<'_>,
    handle: &EngineHandle,
    client: ClientId,
) -> Result<Vec<Command>, RequestError> {
    let mut v = Vec::new();
    match verb {
        Verb::GNew | Verb::PNew => repeat(a, &mut v, |a| {
            let id = new_node_id(a)?;
            let action = add_action(a)?;
            let target = a.node_id("target id")?;
            Ok(Command::GroupNew { client, id, target, action })
        })?,
        Verb::NRun => repeat(a, &mut v, |a| {
            let id = a.node_id("node id")?;
            Ok(Command::NodeRun { client, id, run: a.int("run flag")? != 0 })
        })?,
        Verb::NBefore | Verb::NAfter => repeat(a, &mut v, |a| {
            let id = a.node_id("node id")?;
            let target = a.node_id("target id")?;
            let action = if verb == Verb::NBefore { AddAction::BeforeNode } else { AddAction::AfterNode };
            Ok(Command::NodeMove { client, id, target, action, ordered: false })
        })?,
        Verb::GHead | Verb::GTail => repeat(a, &mut v, |a| {
            let target = a.node_id("group id")?;
            let id = a.node_id("node id")?;
            let action = if verb == Verb::GHead { AddAction::HeadOfGroup } else { AddAction::TailOfGroup };
            Ok(Command::NodeMove { client, id, target, action, ordered: false })
        })?,
        Verb::NOrder => {
            let mut action = add_action(a)?;
            let mut target = a.node_id("target id")?;
            repeat(a, &mut v, |a| {
                let id = a.node_id("node id")?;
                let command = Command::NodeMove { client, id, target, action, ordered: true };
                // Each node after the first goes just after the one before it.
                (target, action) = (id, AddAction::AfterNode);
                Ok(command)
            })?
        }
        Verb::GDeepFree => repeat(a, &mut v, |a| Ok(Command::GroupDeepFree { client, id: a.node_id("group id")? }))?,
        Verb::GQueryTree | Verb::GDumpTree => repeat(a, &mut v, |a| {
            let id = a.node_id("group id")?;
            let controls = a.int_or("flag", 0)? != 0;
            let form =
                if verb == Verb::GQueryTree { TreeForm::Scsynth { controls } } else { TreeForm::Dump { controls } };
            Ok(Command::QueryTree { client, id, snapshot: handle.tree_snapshot(), form })
        })?,
        Verb::NQuery => repeat(a, &mut v, |a| Ok(Command::NodeQuery { client, id: a.node_id("node id")? }))?,
        Verb::SNoid => repeat(a, &mut v, |a| Ok(Command::SynthNoId { client, id: a.node_id("synth id")? }))?,
        Verb::NTrace => repeat(a, &mut v, |a| {
            Ok(Command::QueryTree {
                client,
                id: a.node_id("node id")?,
                snapshot: handle.trace_snapshot(),
                form: TreeForm::Trace,
            })
        })?,
        Verb::NMap | Verb::NMapn | Verb::NMapa | Verb::NMapan => {
            // Each change's value is the bus a control reads; -1 unmaps.
            let audio = matches!(verb, Verb::NMapa | Verb::NMapan);
            let id = a.node_id("node id")?;
            let mut changes = ControlChanges::new();
            while !a.is_empty() {
                let control = a.any("control")?;
                let bus = a.int(if audio { "audio bus" } else { "control bus" })?;
                let n = if matches!(verb, Verb::NMapn | Verb::NMapan) { count(a)? } else { 1 };
                for k in 0..n {
                    let value = if bus < 0 { -1.0 } else { (i64::from(bus) + i64::from(k)) as f32 };
                    changes.push((control_ref(handle, control, k)?, value)).map_err(|_| {
                        RequestError::new(
                            ErrorCode::ArgumentCount,
                            format!("at most {} controls per message", ControlChanges::CAPACITY),
                        )
                    })?;
                }
            }
            if changes.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentCount, "no controls given"));
            }
            v.push(Command::NodeMap { client, id, changes, audio });
        }
        Verb::NSetn | Verb::NFill => {
            let id = a.node_id("node id")?;
            let mut changes = ControlChanges::new();
            while !a.is_empty() {
                let control = a.any("control")?;
                let count = count(a)?;
                let fill = if verb == Verb::NFill { Some(a.control_value("value")?) } else { None };
                for k in 0..count {
                    let value = match fill {
                        Some(value) => value,
                        None => a.control_value("control value")?,
                    };
                    changes.push((control_ref(handle, control, k)?, value)).map_err(|_| {
                        RequestError::new(
                            ErrorCode::ArgumentCount,
                            format!("at most {} control values per message", ControlChanges::CAPACITY),
                        )
                    })?;
                }
            }
            if changes.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentCount, "no controls given"));
            }
            v.push(Command::NodeSetRuns { client, id, changes, fill: verb == Verb::NFill });
        }
        Verb::SGet | Verb::SGetn => {
            let id = a.node_id("synth id")?;
            let mut runs = Vec::new();
            let mut total = 0;
            while !a.is_empty() {
                let control = a.any("control")?;
                let n = if verb == Verb::SGetn { count(a)? } else { 1 };
                total += n as usize;
                if total > MAX_QUERIED_VALUES {
                    return Err(RequestError::new(
                        ErrorCode::ArgumentCount,
                        format!("at most {MAX_QUERIED_VALUES} control values per query"),
                    ));
                }
                let name = match control {
                    Arg::String(name) => Some(name.to_owned()),
                    _ => None,
                };
                runs.push((control_ref(handle, control, 0)?, n, name));
            }
            if runs.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentCount, "no controls given"));
            }
            v.push(Command::SynthGet { client, id, query: Box::new(ControlQuery::new(runs, verb == Verb::SGetn)) });
        }
        _ => unreachable!("parse_node is called for the node verbs only"),
    }
    Ok(v)
}

/// Parses the argument groups of a verb that repeats them (`/n_run 1 0 2 0`): at least
/// one group, then more while arguments are left.
fn repeat(
    a: &mut Args<'_>,
    out: &mut Vec<Command>,
    mut one: impl FnMut(&mut Args<'_>) -> Result<Command, RequestError>,
) -> Result<(), RequestError> {
    out.push(one(a)?);
    while !a.is_empty() {
        out.push(one(a)?);
    }
    Ok(())
}

/// A new node's id: a client's choice, or -1 for the server to pick one.
pub(super) fn new_node_id(a: &mut Args<'_>) -> Result<NodeId, RequestError> {
    let id = a.int("node id")?;
    if id < NO_NODE {
        return Err(RequestError::new(
            ErrorCode::ArgumentValue,
            format!("node id must be non-negative, or -1 for the server to pick one; got {id}"),
        ));
    }
    Ok(id)
}

fn count(a: &mut Args<'_>) -> Result<u32, RequestError> {
    let n = a.int("count")?;
    u32::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| RequestError::new(ErrorCode::ArgumentValue, format!("count must be positive, got {n}")))
}

/// The control `k` places after `control` (a name or an index): for a name, its array
/// element `name[k]`, as `/n_set` reads arrays.
fn control_ref(handle: &EngineHandle, control: Arg<'_>, k: u32) -> Result<ControlRef, RequestError> {
    match control {
        Arg::String(name) => {
            let element = element_name(name, k as usize);
            handle.control_ref(&element).ok_or_else(|| {
                RequestError::new(ErrorCode::UnknownControl, format!("no synthdef has a control named '{element}'"))
            })
        }
        Arg::Int(i) if i >= 0 => Ok(ControlRef::Index(i as u32 + k)),
        other => Err(RequestError::new(
            ErrorCode::ArgumentType,
            format!("a control is named by a string or a non-negative int32, got {}", type_name(other)),
        )),
    }
}
