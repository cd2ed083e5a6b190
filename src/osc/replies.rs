//! Building the replies and notifications the server sends, from engine events and status.

use rosc::{OscMessage, OscPacket, OscType};

use oscine_plugin_api::{ReportKind, ResourceArg};

use super::{ErrorCode, NetworkStatus, RequestError, Verb};
use crate::control::Registry;
use crate::engine::{
    BusValues, ClientId, CommandKind, ControlQuery, Event, NodeChange, NodeId, NodeInfoKind, NodePosition,
    StatusSnapshot, TreeForm, TreeSnapshot,
};

/// The most bytes one `/node/tree` datagram may take: under what one UDP datagram
/// carries (65 507 bytes over IPv4).
const TREE_REPLY_BUDGET: usize = 65_000;

/// The address replies about a command of `kind` name: its native verb's.
pub fn address(kind: CommandKind) -> &'static str {
    Verb::native(kind).address()
}

/// A message with the given address and arguments.
pub fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage { addr: addr.to_owned(), args })
}

/// How much of a client's own strings an error reply repeats, so every reply fits a
/// datagram however long the request's strings were.
const MAX_ECHO: usize = 1024;

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// `/error s:address i:code s:message`.
pub fn error(addr: &str, e: &RequestError) -> OscPacket {
    message(
        "/error",
        vec![
            OscType::String(clip(addr, 256)),
            OscType::Int(e.code.code()),
            OscType::String(clip(&e.message, MAX_ECHO)),
        ],
    )
}

/// scsynth's `/fail s:address s:message [args]`.
pub fn fail(addr: &str, message_text: &str, args: Vec<OscType>) -> OscPacket {
    let mut all = vec![OscType::String(clip(addr, 256)), OscType::String(clip(message_text, MAX_ECHO))];
    all.extend(args);
    message("/fail", all)
}

/// scsynth's `/done s:address [args]`.
pub fn done(addr: &str, args: Vec<OscType>) -> OscPacket {
    let mut all = vec![OscType::String(addr.to_owned())];
    all.extend(args);
    message("/done", all)
}

/// scsynth's `/status.reply`: `i:1 i:ugens i:synths i:groups i:synthdefs f:avg-cpu
/// f:peak-cpu d:nominal-rate d:actual-rate`.
pub fn status_scsynth(s: &StatusSnapshot, synthdefs: usize) -> OscPacket {
    message(
        "/status.reply",
        vec![
            OscType::Int(1),
            count(s.units),
            count(s.synths.into()),
            count(s.groups.into()),
            count(synthdefs as u64),
            OscType::Float(s.load_average * 100.0),
            OscType::Float(s.load_peak * 100.0),
            OscType::Double(s.sample_rate),
            OscType::Double(if s.rate_estimate > 0.0 { s.rate_estimate } else { s.sample_rate }),
        ],
    )
}

/// scsynth's `/version.reply`: `s:program i:major i:minor s:patch s:branch s:commit`.
pub fn version_scsynth() -> OscPacket {
    let mut parts = env!("CARGO_PKG_VERSION").splitn(3, '.');
    let mut number = || parts.next().and_then(|p| p.parse::<i32>().ok()).unwrap_or(0);
    let (major, minor) = (number(), number());
    let patch = env!("CARGO_PKG_VERSION").splitn(3, '.').nth(2).map(|p| format!(".{p}")).unwrap_or_default();
    message(
        "/version.reply",
        vec![
            OscType::String("oscine".into()),
            OscType::Int(major),
            OscType::Int(minor),
            OscType::String(patch),
            OscType::String(String::new()),
            OscType::String(String::new()),
        ],
    )
}

/// `/ack s:address i:node-id`.
pub fn ack(addr: &str, id: i32) -> OscPacket {
    message("/ack", vec![OscType::String(addr.to_owned()), OscType::Int(id)])
}

/// A counter as an OSC int32, saturating: every OSC client (sclang included) reads `i`.
fn count(n: u64) -> OscType {
    OscType::Int(n.min(i32::MAX as u64) as i32)
}

/// `/status/reply` with the fields in the order docs/osc-api.md gives. Counters are int32
/// (saturating); the block count, which outgrows int32 in weeks, is a float64 (exact to
/// 2^53).
pub fn status(s: &StatusSnapshot, net: &NetworkStatus) -> OscPacket {
    message(
        "/status/reply",
        vec![
            count(s.synths.into()),
            count(s.groups.into()),
            OscType::Float(s.load_average * 100.0),
            OscType::Float(s.load_peak * 100.0),
            OscType::Double(s.sample_rate),
            OscType::Double(s.blocks as f64),
            count(s.xruns),
            count(s.commands_processed),
            count(s.commands_rejected),
            count(s.events_dropped),
            count(s.synth_faults),
            count(s.pending_drops),
            count(s.command_stalls),
            count(net.notified_clients as u64),
            // 0 running, 1 the engine failed after a panic, 2 the audio device was lost.
            count(if s.failed {
                1
            } else if s.device_lost || net.audio_stalled {
                2
            } else {
                0
            }),
            count(s.resources.into()),
            count(s.performs.into()),
            count(s.garbage_leaked),
            count(s.late),
            count(s.scheduled.into()),
            OscType::Double(s.rate_estimate),
            count(net.refused_sources),
            net.udp_receive_buffer.map_or(OscType::Int(-1), |b| count(b as u64)),
            net.udp_datagrams_dropped.map_or(OscType::Int(-1), count),
            count(s.jobs_timed_out),
            count(net.tcp_connections as u64),
            count(net.tcp_refused),
            count(net.tcp_oversize),
            count(net.tcp_slow),
            count(net.tcp_waits),
            OscType::Int(i32::from(s.realtime)),
            OscType::Int(i32::from(s.memory_locked)),
            count(s.commands_deferred),
            count(net.midi_inputs as u64),
            OscType::Float(net.midi_latency.as_secs_f32()),
            count(net.midi_bytes_dropped),
            count(net.midi_bytes_not_understood),
            count(net.midi_late),
        ],
    )
}

/// `/node/tree i:group i:count i:more` followed by one run of arguments per node, in as
/// many datagrams as it takes: `more` says how many parts follow this one (0 in the last).
/// Every node carries its parent's id, so each part stands alone; together they list
/// every node once, in order. Fails only when one node does not fit a datagram (a Synth
/// with thousands of controls).
pub fn tree(snapshot: &TreeSnapshot) -> Result<Vec<OscPacket>, RequestError> {
    const ADDRESS: &str = "/node/tree";
    let group = snapshot.nodes.first().map_or(0, |n| n.id);
    if snapshot.truncated {
        return Err(RequestError::new(
            ErrorCode::ReplyTooLarge,
            format!("the tree of group {group} is larger than the server can describe"),
        ));
    }
    // Each part's nodes' arguments, with their bytes and number.
    let mut parts: Vec<(Vec<OscType>, i32)> = Vec::new();
    let (mut args, mut count, mut bytes) = (Vec::new(), 0, 12);
    for node in &snapshot.nodes {
        let mut record = vec![OscType::Int(node.id), OscType::Int(node.parent)];
        match &node.kind {
            NodeInfoKind::Group { children } => {
                record.push(OscType::String("group".into()));
                record.push(OscType::Int(*children as i32));
            }
            NodeInfoKind::Synth { def, active, controls, .. } => {
                record.push(OscType::String("synth".into()));
                record.push(OscType::String(def.name().to_owned()));
                record.push(OscType::Int(*active as i32));
                record.push(OscType::Int(controls.len() as i32));
                for (spec, value) in def.controls().iter().zip(&snapshot.controls[controls.clone()]) {
                    record.push(OscType::String(spec.name.to_string()));
                    record.push(OscType::Float(*value));
                }
            }
        }
        let record_bytes: usize = record.iter().map(osc_arg_size).sum();
        if message_size(ADDRESS, bytes + record_bytes, args.len() + 3 + record.len()) > TREE_REPLY_BUDGET && count > 0 {
            parts.push((std::mem::take(&mut args), std::mem::take(&mut count)));
            bytes = 12;
        }
        if message_size(ADDRESS, bytes + record_bytes, args.len() + 3 + record.len()) > TREE_REPLY_BUDGET {
            return Err(RequestError::new(
                ErrorCode::ReplyTooLarge,
                format!("node {} of group {group} does not fit one datagram", node.id),
            ));
        }
        args.extend(record);
        count += 1;
        bytes += record_bytes;
    }
    parts.push((args, count));
    let total = parts.len();
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(k, (args, count))| {
            let more = (total - 1 - k) as i32;
            let mut all = vec![OscType::Int(group), OscType::Int(count), OscType::Int(more)];
            all.extend(args);
            message(ADDRESS, all)
        })
        .collect())
}

/// The bytes one OSC argument of a reply takes (the type tags are counted apart).
fn osc_arg_size(arg: &OscType) -> usize {
    match arg {
        OscType::String(s) => osc_string_size(s),
        OscType::Double(_) | OscType::Long(_) => 8,
        _ => 4,
    }
}

/// The bytes of a message to `address` whose arguments take `bytes` and number `args`.
fn message_size(address: &str, bytes: usize, args: usize) -> usize {
    osc_string_size(address) + ((args + 2 + 3) & !3) + bytes
}

/// What the server sends for one engine event, and to whom.
#[derive(Debug)]
#[non_exhaustive]
pub enum EventReply {
    /// To the client the event names.
    Sender(ClientId, OscPacket),
    /// An `/error` for the client the event names, about the command at this address.
    SenderError(ClientId, &'static str, RequestError),
    /// To the client the event names: a reply in several datagrams, each a reply of its own
    /// that says how many follow it.
    SenderParts(ClientId, Vec<OscPacket>),
    /// A reply too large for one datagram, to the client the event names: a notice about
    /// the command at `address` (an `/error`, or a `/fail` with `args` after its message),
    /// then the parts, each a reply of its own.
    Parts {
        /// The client.
        client: ClientId,
        /// The command's address.
        address: &'static str,
        /// What the client is told first.
        notice: RequestError,
        /// The notice's arguments after its message, in scsynth's `/fail`.
        args: Vec<OscType>,
        /// The parts, in order.
        parts: Vec<OscPacket>,
    },
    /// To every client with notifications on.
    Notified(OscPacket),
    /// To every client with notifications on, whatever its dialect: what a Synth sends
    /// (`/tr`, `SendReply`'s messages).
    NotifiedEveryone(OscPacket),
    /// To the client the event names (if any) and to every notified client, once each.
    SenderAndNotified(Option<ClientId>, OscPacket),
    /// A node notification: Oscine's form for notified Oscine clients, scsynth's for
    /// notified scsynth clients (either may be missing).
    Node {
        /// For Oscine's dialect.
        oscine: Option<OscPacket>,
        /// For scsynth's dialect.
        scsynth: Option<OscPacket>,
    },
    /// The engine confirmed a shutdown: nothing to send.
    Stopped,
    /// Nothing to send (a report without a trigger id, which is only logged).
    Nothing,
}

/// The reply or notification an engine event becomes. Context: NRT.
pub fn for_event(event: Event, registry: &Registry) -> EventReply {
    let int = OscType::Int;
    match event {
        Event::Ack { client, command, id } => EventReply::Sender(client, ack(address(command), id)),
        Event::Error { client, command, error } => EventReply::SenderError(client, address(command), error.into()),
        Event::Synced { client, token } => EventReply::Sender(client, message("/synced", vec![int(token)])),
        Event::SyncDropped { .. } => EventReply::Nothing,
        Event::Tree { client, snapshot, form: TreeForm::Oscine } => match tree(&snapshot) {
            Ok(mut parts) if parts.len() == 1 => EventReply::Sender(client, parts.remove(0)),
            Ok(parts) => EventReply::SenderParts(client, parts),
            Err(e) => EventReply::SenderError(client, Verb::NodeTree.address(), e),
        },
        Event::Tree { client, snapshot, form: TreeForm::Scsynth { controls } } => {
            match query_tree(&snapshot, controls) {
                Ok(mut parts) if parts.len() == 1 => EventReply::Sender(client, parts.remove(0)),
                Ok(parts) => EventReply::Parts {
                    client,
                    address: Verb::GQueryTree.address(),
                    notice: query_tree_notice(&snapshot, parts.len()),
                    args: vec![OscType::Int(snapshot.nodes.first().map_or(0, |n| n.id)), count(parts.len() as u64)],
                    parts,
                },
                Err(e) => EventReply::SenderError(client, Verb::GQueryTree.address(), e),
            }
        }
        Event::Tree { snapshot, form: TreeForm::Trace, .. } => {
            tracing::info!("{}", trace(&snapshot));
            EventReply::Nothing
        }
        Event::Tree { snapshot, form: TreeForm::Dump { controls }, .. } => {
            tracing::info!("{}", dump_tree(&snapshot, controls));
            EventReply::Nothing
        }
        Event::ControlBuses { client, values } => EventReply::Sender(client, bus_values(&values)),
        Event::NodeDone { id } => EventReply::Notified(message("/node/done", vec![int(id)])),
        Event::NodeEnded { id, position } => EventReply::Node {
            oscine: Some(message("/node/ended", vec![int(id)])),
            scsynth: node_notice("/n_end", id, position),
        },
        Event::NodeChanged { change, id, position } => {
            let address = match change {
                NodeChange::Created => "/n_go",
                NodeChange::Started => "/n_on",
                NodeChange::Paused => "/n_off",
                NodeChange::Moved => "/n_move",
            };
            EventReply::Node { oscine: None, scsynth: node_notice(address, id, position) }
        }
        Event::NodeInfo { client, id, position } => EventReply::Sender(client, node_info("/n_info", id, position)),
        Event::Controls { client, id, query } => EventReply::Sender(client, controls(id, &query)),
        Event::Report { id, report } => match &report.kind {
            // scsynth's `/tr node trigger-id value`, as `SendTrig` sends it, and `Poll`
            // with a `trigid`.
            ReportKind::Poll { .. } if report.id < 0 => EventReply::Nothing,
            ReportKind::Poll { .. } | ReportKind::Trigger => EventReply::NotifiedEveryone(message(
                "/tr",
                vec![int(id), int(report.id), OscType::Float(report.values.first())],
            )),
            // `SendReply`'s `cmdName node reply-id values...`.
            ReportKind::Reply { address } => {
                let mut args = vec![int(id), int(report.id)];
                args.extend(report.values.as_slice().iter().map(|&v| OscType::Float(v)));
                EventReply::NotifiedEveryone(message(address, args))
            }
        },
        Event::SynthFaulted { id } => {
            tracing::error!("synth {id} panicked in its process and was silenced");
            let e = RequestError::new(ErrorCode::SynthFaulted, format!("synth {id} panicked and was silenced"));
            EventReply::Notified(error("/synth/process", &e))
        }
        Event::ResourceReady { client, id, .. } => {
            EventReply::SenderAndNotified(Some(client), message("/resource/ready", vec![int(id)]))
        }
        Event::ResourceFailed { client, id, reason } => {
            tracing::warn!("resource {id} failed to construct: {reason}");
            let args = vec![int(id), OscType::String(reason.into())];
            EventReply::SenderAndNotified(Some(client), message("/resource/error", args))
        }
        // A shutdown on a signal names no client.
        Event::ResourceDestroyed { client, id } => {
            EventReply::SenderAndNotified(client, message("/resource/destroyed", vec![int(id)]))
        }
        Event::ResourcePerformed { client, id, operation: (def, index), result } => {
            let name = registry.operation_name(def, index).unwrap_or("?");
            match result {
                Ok(values) => {
                    let mut args = vec![int(id), OscType::String(name.to_owned())];
                    args.extend(values.iter().map(resource_arg));
                    EventReply::Sender(client, message("/resource/performed", args))
                }
                Err(reason) => EventReply::SenderError(
                    client,
                    Verb::ResourcePerform.address(),
                    RequestError::new(ErrorCode::OperationFailed, format!("resource {id} {name}: {reason}")),
                ),
            }
        }
        Event::Late { client, command, seconds } => {
            tracing::debug!("late by {seconds:.6} s: {}", address(command));
            let args = vec![OscType::String(address(command).to_owned()), OscType::Double(seconds)];
            EventReply::Sender(client, message("/late", args))
        }
        Event::Stopped { .. } => EventReply::Stopped,
    }
}

/// The answer to a control bus read: `/c_set (i:bus f:value)...` for `/c_get`,
/// `/c_setn (i:first i:count f:value...)...` for `/c_getn`.
pub fn bus_values(values: &BusValues) -> OscPacket {
    let mut args = Vec::with_capacity(values.values.len() + 2 * values.runs.len());
    if values.as_pairs {
        for (k, bus) in values.buses() {
            args.extend([OscType::Int(bus as i32), OscType::Float(values.values[k])]);
        }
        return message("/c_set", args);
    }
    let mut rest = &values.values[..];
    for &(first, n) in values.runs.iter() {
        let (run, tail) = rest.split_at((n as usize).min(rest.len()));
        args.extend([OscType::Int(first as i32), OscType::Int(n as i32)]);
        args.extend(run.iter().map(|v| OscType::Float(*v)));
        rest = tail;
    }
    message("/c_setn", args)
}

/// A resource operation's result value as OSC: integers as int32 when they fit.
fn resource_arg(arg: &ResourceArg) -> OscType {
    match arg {
        ResourceArg::Int(i) => i32::try_from(*i).map(OscType::Int).unwrap_or(OscType::Long(*i)),
        ResourceArg::Float(f) => OscType::Double(*f),
        ResourceArg::String(s) => OscType::String(s.clone()),
        ResourceArg::Blob(b) => OscType::Blob(b.clone()),
    }
}

/// `/plugin/list` then, per plugin: `s:name s:version s:path s:synthdefs s:resource-defs
/// i:retired`, the path `built-in` for built-in plugins, the names comma-separated, and
/// `retired` the earlier builds still open.
pub fn plugin_list(registry: &Registry) -> OscPacket {
    let mut args = Vec::new();
    for plugin in registry.plugins() {
        args.push(OscType::String(plugin.name().to_owned()));
        args.push(OscType::String(plugin.version().to_owned()));
        args.push(OscType::String(plugin_path(plugin.source())));
        args.push(OscType::String(plugin.synthdefs().join(",")));
        args.push(OscType::String(plugin.resource_defs().join(",")));
        args.push(count(plugin.retired_open() as u64));
    }
    message("/plugin/list", args)
}

fn plugin_path(source: &crate::control::PluginSource) -> String {
    match source {
        crate::control::PluginSource::BuiltIn => "built-in".to_owned(),
        crate::control::PluginSource::Library(file) => file.display().to_string(),
    }
}

/// `/plugin/loaded` or `/plugin/reloaded` `s:name s:version s:path`.
pub fn plugin_loaded(reloaded: bool, record: &crate::control::PluginRecord) -> OscPacket {
    message(
        if reloaded { "/plugin/reloaded" } else { "/plugin/loaded" },
        vec![
            OscType::String(record.name().to_owned()),
            OscType::String(record.version().to_owned()),
            OscType::String(plugin_path(record.source())),
        ],
    )
}

/// `/plugin/failed s:path s:step s:message`.
pub fn plugin_failed(e: &crate::loader::LoadError) -> OscPacket {
    message(
        "/plugin/failed",
        vec![
            OscType::String(clip(&e.file.display().to_string(), MAX_ECHO)),
            OscType::String(e.step.name().to_owned()),
            OscType::String(clip(&e.message, MAX_ECHO)),
        ],
    )
}

/// `/plugin/unloaded s:name`.
pub fn plugin_unloaded(name: &str) -> OscPacket {
    message("/plugin/unloaded", vec![OscType::String(name.to_owned())])
}

/// scsynth's node notification `address i:node i:parent i:prev i:next i:is-group [i:head
/// i:tail]`, -1 for none; none for a node whose id the server picked (scsynth sends none
/// for those either).
fn node_notice(address: &str, id: NodeId, position: NodePosition) -> Option<OscPacket> {
    (id >= 0).then(|| node_info(address, id, position))
}

/// `address i:node i:parent i:prev i:next i:is-group [i:head i:tail]`, as `/n_info` and
/// scsynth's node notifications carry a node's place.
pub fn node_info(address: &str, id: NodeId, p: NodePosition) -> OscPacket {
    let int = OscType::Int;
    let mut args = vec![int(id), int(p.parent), int(p.prev), int(p.next), int(p.group.is_some() as i32)];
    if let Some((head, tail)) = p.group {
        args.extend([int(head), int(tail)]);
    }
    message(address, args)
}

/// scsynth's answer to `/s_get` (`/n_set i:node (control value)...`) or `/s_getn`
/// (`/n_setn i:node (control count values...)...`), each control named as it was asked.
fn controls(id: NodeId, query: &ControlQuery) -> OscPacket {
    let mut args = vec![OscType::Int(id)];
    let mut values = query.values.iter();
    for ((control, count), name) in query.runs.iter().zip(&query.names) {
        args.push(match (name, control) {
            (Some(name), _) => OscType::String(name.clone()),
            (None, crate::engine::ControlRef::Index(i)) => OscType::Int(*i as i32),
            (None, _) => OscType::Int(-1),
        });
        if query.counted {
            args.push(OscType::Int(*count as i32));
        }
        args.extend(values.by_ref().take(*count as usize).map(|v| OscType::Float(*v)));
    }
    message(if query.counted { "/n_setn" } else { "/n_set" }, args)
}

/// The most bytes one `/g_queryTree.reply` datagram may take: under what one UDP datagram
/// carries (65 507 bytes over IPv4).
const QUERY_TREE_BUDGET: usize = 65_000;

/// The address of scsynth's tree reply.
const QUERY_TREE_REPLY: &str = "/g_queryTree.reply";

/// The bytes an OSC string takes: its bytes, a NUL, padded to four.
fn osc_string_size(s: &str) -> usize {
    (s.len() + 4) & !3
}

/// The bytes of one node's run of arguments in a `/g_queryTree.reply`, and how many
/// arguments that is.
fn tree_record_size(snapshot: &TreeSnapshot, node: &crate::engine::NodeInfo, with_controls: bool) -> (usize, usize) {
    match &node.kind {
        NodeInfoKind::Group { .. } => (8, 2),
        NodeInfoKind::Synth { def, controls, .. } => {
            let mut size = (8 + osc_string_size(def.name()), 3);
            if with_controls {
                let specs = def.controls().iter().take(snapshot.controls[controls.clone()].len());
                size.0 += 4 + specs.map(|spec| osc_string_size(&spec.name) + 4).sum::<usize>();
                size.1 += 1 + 2 * controls.len();
            }
            size
        }
    }
}

/// The bytes of a `/g_queryTree.reply` whose arguments take `bytes` and number `args`.
fn query_tree_message_size(bytes: usize, args: usize) -> usize {
    message_size(QUERY_TREE_REPLY, bytes, args)
}

/// scsynth's `/g_queryTree.reply i:flag i:group i:children` then, depth-first, per node
/// `i:id i:children` (-1 for a Synth) and for a Synth `s:def [i:controls (s:name
/// f:value)...]`, in as many datagrams as it takes: one when it fits, else parts, each a
/// valid reply of its own. A part lists a run of the tree's nodes in depth-first order,
/// led by the Groups that hold the run's first node (the queried Group heads every part);
/// each Group in a part counts the children that part lists. Every node is listed in
/// exactly one part (a Group also leads the parts of the runs inside it), so merging the
/// parts' Groups by id, children appended in order, gives the whole tree.
///
/// Fails only when one node with the Groups that hold it does not fit a datagram.
fn query_tree(snapshot: &TreeSnapshot, with_controls: bool) -> Result<Vec<OscPacket>, RequestError> {
    let nodes = &snapshot.nodes;
    let group = nodes.first().map_or(0, |n| n.id);
    let too_large = |what: String| RequestError::new(ErrorCode::ReplyTooLarge, what);
    if snapshot.truncated {
        return Err(too_large(format!("the tree of group {group} is larger than the server can describe")));
    }
    // Each part: the nodes it lists, by index into `nodes` (the queried Group, index 0,
    // heads every part and is not listed).
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut part: Vec<usize> = Vec::new();
    let (mut bytes, mut args) = (12, 3);
    // The Groups that hold the node being placed, by depth (depth 1 first).
    let mut holders: Vec<usize> = Vec::new();
    for (i, node) in nodes.iter().enumerate().skip(1) {
        holders.truncate((node.depth as usize).saturating_sub(1));
        let (b, n) = tree_record_size(snapshot, node, with_controls);
        if query_tree_message_size(bytes + b, args + n) > QUERY_TREE_BUDGET && part.len() > holders.len() {
            parts.push(std::mem::take(&mut part));
            part.extend_from_slice(&holders);
            (bytes, args) = (12 + 8 * holders.len(), 3 + 2 * holders.len());
        }
        if query_tree_message_size(bytes + b, args + n) > QUERY_TREE_BUDGET {
            return Err(too_large(format!(
                "node {} of group {group}{} does not fit one datagram{}",
                node.id,
                if holders.is_empty() { "" } else { ", with the groups that hold it," },
                if with_controls { "; query without controls (flag 0)" } else { "" }
            )));
        }
        part.push(i);
        (bytes, args) = (bytes + b, args + n);
        if matches!(node.kind, NodeInfoKind::Group { .. }) {
            holders.push(i);
        }
    }
    parts.push(part);
    Ok(parts.iter().map(|part| query_tree_part(snapshot, part, with_controls)).collect())
}

/// One `/g_queryTree.reply` listing the queried Group and the nodes `part` names, each
/// Group counting its children among them.
fn query_tree_part(snapshot: &TreeSnapshot, part: &[usize], with_controls: bool) -> OscPacket {
    let nodes = &snapshot.nodes;
    let mut args =
        vec![OscType::Int(with_controls as i32), OscType::Int(nodes.first().map_or(0, |n| n.id)), OscType::Int(0)];
    // The Groups open at this point of the listing: where their count is, and their depth.
    let mut open: Vec<(usize, u32)> = vec![(2, 0)];
    for &i in part {
        let node = &nodes[i];
        while open.last().is_some_and(|&(_, depth)| depth >= node.depth) {
            open.pop();
        }
        if let Some(&(at, _)) = open.last() {
            if let OscType::Int(count) = &mut args[at] {
                *count += 1;
            }
        }
        args.push(OscType::Int(node.id));
        match &node.kind {
            NodeInfoKind::Group { .. } => {
                open.push((args.len(), node.depth));
                args.push(OscType::Int(0));
            }
            NodeInfoKind::Synth { def, controls, .. } => {
                args.push(OscType::Int(-1));
                args.push(OscType::String(def.name().to_owned()));
                if with_controls {
                    let values = &snapshot.controls[controls.clone()];
                    args.push(OscType::Int(values.len() as i32));
                    for (spec, value) in def.controls().iter().zip(values) {
                        args.push(OscType::String(spec.name.to_string()));
                        args.push(OscType::Float(*value));
                    }
                }
            }
        }
    }
    message(QUERY_TREE_REPLY, args)
}

/// What precedes a `/g_queryTree.reply` sent in parts: a notice with the queried Group and
/// the number of parts.
fn query_tree_notice(snapshot: &TreeSnapshot, parts: usize) -> RequestError {
    let group = snapshot.nodes.first().map_or(0, |n| n.id);
    RequestError::new(
        ErrorCode::ReplyInParts,
        format!(
            "the tree of group {group} ({} nodes) does not fit one datagram: it follows in {parts} \
             /g_queryTree.reply parts, each a valid reply; merge their groups by node id to get the whole tree",
            snapshot.nodes.len()
        ),
    )
}

/// The text `/g_dumpTree` prints, in scsynth's layout: `NODE TREE Group id`, then one
/// line per node indented three spaces a level (`id group`, `id synthdef`), with a
/// Synth's `name: value` pairs on the line after it.
fn dump_tree(snapshot: &TreeSnapshot, with_controls: bool) -> String {
    use std::fmt::Write;
    let mut out = String::from("NODE TREE");
    for node in &snapshot.nodes {
        let indent = "   ".repeat(node.depth as usize);
        match &node.kind {
            NodeInfoKind::Group { .. } if node.depth == 0 => {
                let _ = write!(out, " Group {}", node.id);
            }
            NodeInfoKind::Group { .. } => {
                let _ = write!(out, "\n{indent}{} group", node.id);
            }
            NodeInfoKind::Synth { def, controls, .. } => {
                let _ = write!(out, "\n{indent}{} {}", node.id, def.name());
                if with_controls {
                    let _ = write!(out, "\n{indent}  ");
                    let values = &snapshot.controls[controls.clone()];
                    for (k, (spec, value)) in def.controls().iter().zip(values).enumerate() {
                        let _ = write!(out, "{}{}: {value}", if k == 0 { "" } else { " " }, spec.name);
                    }
                }
            }
        }
    }
    out
}

/// The text `/n_trace` logs: for a Synth, its SynthDef and each control's name and value,
/// then for a graph Synth each unit's input and output values; for a Group, every node in
/// it as `/g_dumpTree` prints them, with their controls.
fn trace(snapshot: &TreeSnapshot) -> String {
    use std::fmt::Write;
    match snapshot.nodes.first().map(|n| &n.kind) {
        Some(NodeInfoKind::Synth { def, controls, active, units }) => {
            let node = &snapshot.nodes[0];
            let mut out = format!(
                "TRACE {} {} (group {}{})",
                node.id,
                def.name(),
                node.parent,
                if *active { "" } else { ", off" }
            );
            let values = &snapshot.controls[controls.clone()];
            for (spec, value) in def.controls().iter().zip(values) {
                let _ = write!(out, "\n  {}: {value}", spec.name);
            }
            // A graph Synth's units: each input's and output's value, in the layout's order.
            let mut values = snapshot.units[units.clone()].iter();
            let list = |n: usize, values: &mut std::slice::Iter<'_, f32>| {
                // NaN: a value the trace cannot show (an audio-rate wire shared by Synths).
                let shown = |v: &f32| if v.is_nan() { "?".to_owned() } else { v.to_string() };
                let taken: Vec<String> = values.by_ref().take(n).map(shown).collect();
                if taken.is_empty() {
                    "-".to_owned()
                } else {
                    taken.join(" ")
                }
            };
            if !units.is_empty() {
                for (k, (name, inputs, outputs)) in def.table().trace_layout().into_iter().enumerate() {
                    let ins = list(inputs, &mut values);
                    let outs = list(outputs, &mut values);
                    let _ = write!(out, "\n  unit {k} {name}: in {ins}; out {outs}");
                }
            }
            out
        }
        _ => format!("TRACE {}", dump_tree(snapshot, true)),
    }
}
