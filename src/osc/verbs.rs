use super::{Arg, MessageView};
use oscine_plugin_api::ResourceArg;

use super::args::{finite, type_name, Args};
use super::buffer_verbs::parse_buffer;
use super::bus_verbs::parse_bus_runs;
use super::midi_verbs::{parse_midi, MidiRequest};
use super::node_verbs::{new_node_id, parse_node};
use super::{CommandList, ErrorCode, LiveResources, RequestError, Verb};
use crate::control::{element_name, ControlKey, EngineHandle, GraphDefRequest, SynthBuildError};
use crate::engine::{
    AddAction, BusMapping, ClientId, Command, ControlChanges, ControlRef, DoneFlags, InlineVec, NodeId, ResourceIds,
    TreeForm,
};

/// What a message asks for.
#[derive(Debug)]
pub enum Request {
    /// Commands for the audio thread, in order.
    Commands(CommandList),
    /// Commands for the audio thread (resource work), then a completion message (an OSC
    /// packet's bytes) to handle as if the client had sent it next, once that work has
    /// succeeded.
    CommandsThen(CommandList, Vec<u8>),
    /// Reply with the status counters.
    Status,
    /// Reply with the server's name and version.
    Version,
    /// Reply with the SynthDef names.
    SynthDefs,
    /// Reply with the ResourceDef names and their operations.
    ResourceDefs,
    /// Turn notifications on or off for the sender; scsynth's form also names the client
    /// id it asks for.
    Notify(bool, Option<i32>),
    /// `/acks`: the sender's `/ack`s on or off.
    Acks(bool),
    /// Load, reload, unload or list plugins.
    Plugin(PluginRequest),
    /// Receive, load or free SynthDefs made from graphs (scsynth's `/d_*`), then, once
    /// that succeeded, handle the completion message (an OSC packet's bytes), if any.
    GraphDefs(GraphDefRequest, Option<Vec<u8>>),
    /// Shut the server down.
    Quit,
    /// Open or close MIDI inputs, turn MIDI notifications on or off, set up or remove
    /// mappings, or list either.
    Midi(MidiRequest),
    /// Log every message the sender sends from now on (scsynth's `/dumpOSC`; 0 stops).
    DumpOsc(i32),
    /// Send or withhold the sender's failure replies (scsynth's `/error`): 1 on, 0 off,
    /// -1 off and -2 on for the rest of the datagram.
    ErrorMode(i32),
}

/// What a `/plugin/*` verb asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginRequest {
    /// Load the plugin library at this path.
    Load(String),
    /// Load a new build of the named plugin from the file it was loaded from.
    Reload(String),
    /// Remove the named plugin's definitions.
    Unload(String),
    /// Reply with every plugin.
    List,
}

/// The most ids one multi-id message (`/node/free 1 2 3 ...`) may carry: each id is a
/// command and gets its own answer, so a single datagram cannot flood the queues.
pub const MAX_IDS_PER_MESSAGE: usize = 64;

/// Translates one message into a request. Builds Synths here, off the audio thread.
/// `resources` tells which ResourceDef each resource id was created with, as far as
/// the network side knows (the audio thread checks again).
///
/// Context: NRT (network thread).
pub fn parse(
    msg: &MessageView<'_>,
    handle: &EngineHandle,
    client: ClientId,
    resources: &LiveResources,
) -> Result<Request, RequestError> {
    let mut a = Args::new(msg.args);
    let Some(verb) = Verb::from_address(msg.addr) else {
        return Err(RequestError::new(ErrorCode::UnknownVerb, format!("unknown command '{}'", msg.addr)));
    };
    let commands: CommandList = match verb {
        Verb::GroupNew => {
            let (id, target, action) = (a.node_id("node id")?, a.node_id("target id")?, add_action(&mut a)?);
            CommandList::One(Command::GroupNew { client, id, target, action })
        }
        Verb::GroupFreeAll | Verb::GFreeAll => {
            let mut ids = vec![Command::GroupFreeAll { client, id: a.node_id("group id")? }];
            while !a.is_empty() {
                ids.push(Command::GroupFreeAll { client, id: a.node_id("group id")? });
            }
            ids.into()
        }
        Verb::SynthNew | Verb::SynthConstruct => {
            let def = a.string("synthdef name")?;
            let (id, target, action) = (a.node_id("node id")?, a.node_id("target id")?, add_action(&mut a)?);
            let activate = verb == Verb::SynthNew;
            CommandList::One(synth_new(handle, client, def, id, target, action, activate, &mut a)?)
        }
        Verb::SNew => {
            let def = a.string("synthdef name")?;
            let id = new_node_id(&mut a)?;
            let action = add_action(&mut a)?;
            let target = a.node_id("target id")?;
            // sclang's `Synth(\name)` with no controls sends its `nil` arguments as one
            // trailing 0, which scsynth ignores: so does Oscine, for scsynth's verb.
            if a.skip_lone_nil() {
                tracing::debug!("/s_new {def}: the lone 0 after the target (sclang's nil) ignored");
            }
            CommandList::One(synth_new(handle, client, def, id, target, action, true, &mut a)?)
        }
        Verb::SynthActivate => ids(&mut a, "synth id", |id| Command::SynthActivate { client, id })?.into(),
        Verb::MapInput => {
            let (id, port, bus) = (a.node_id("synth id")?, port(&mut a)?, a.int("bus id")?);
            let mapping = mapping(bus, a.int_or("flags", 0)?, false)?;
            CommandList::One(Command::MapInput { client, id, port, mapping })
        }
        Verb::MapOutput | Verb::MapOutputAdd => {
            let (id, port, bus) = (a.node_id("synth id")?, port(&mut a)?, a.int("bus id")?);
            let mapping = mapping(bus, a.int_or("flags", 0)?, true)?;
            let append = verb == Verb::MapOutputAdd;
            if append && mapping.is_none() {
                return Err(RequestError::new(
                    ErrorCode::ArgumentValue,
                    "bus id must be non-negative when adding a mapping",
                ));
            }
            CommandList::One(Command::MapOutput { client, id, port, mapping, append })
        }
        Verb::SetDoneFlags => {
            let id = a.node_id("synth id")?;
            let bits = a.int("flags")?;
            let flags = DoneFlags::from_bits(bits).ok_or_else(|| {
                RequestError::new(ErrorCode::ArgumentValue, format!("done flags {bits} has bits outside 0x3f"))
            })?;
            CommandList::One(Command::SetDoneFlags { client, id, flags })
        }
        Verb::NodeSet | Verb::NSet => {
            let id = a.node_id("synth id")?;
            let changes = control_pairs(handle, &mut a)?;
            if changes.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentCount, "no control/value pairs given"));
            }
            CommandList::One(Command::NodeSet { client, id, changes })
        }
        Verb::NodeFree | Verb::NFree => {
            let mut v = CommandList::One(Command::NodeFree { client, id: a.node_id("node id")? });
            while !a.is_empty() {
                v.push(Command::NodeFree { client, id: a.node_id("node id")? });
            }
            v
        }
        Verb::NodeTree => {
            let id = a.int_or("group id", 0)?;
            CommandList::One(Command::QueryTree {
                client,
                id,
                snapshot: handle.tree_snapshot(),
                form: TreeForm::Oscine,
            })
        }
        Verb::ResourceNew => {
            let name = a.string("resource definition name")?;
            let id = a.int("resource id")?;
            let def = handle.registry().resource_def_ref(name).ok_or_else(|| {
                RequestError::new(ErrorCode::UnknownResourceDef, format!("no resource definition named '{name}'"))
            })?;
            let args = resource_args(&mut a, true)?;
            CommandList::One(Command::ResourceNew { client, id, def, args })
        }
        Verb::ResourceFree => {
            let mut v = vec![Command::ResourceFree { client, id: a.int("resource id")? }];
            while !a.is_empty() {
                v.push(Command::ResourceFree { client, id: a.int("resource id")? });
            }
            v.into()
        }
        Verb::ResourcePerform => {
            let id = a.int("resource id")?;
            let name = a.string("operation")?;
            let def = resources.def_of(id).ok_or_else(|| {
                RequestError::new(
                    ErrorCode::ResourceNotReady,
                    format!("resource {id} is not live (no /resource/ready for it)"),
                )
            })?;
            let rdef = handle.registry().resource_def(def).ok_or_else(|| {
                RequestError::new(ErrorCode::ResourceNotReady, format!("resource {id} has no definition"))
            })?;
            let (index, op) = rdef.operations.iter().enumerate().find(|(_, op)| op.name == name).ok_or_else(|| {
                let known: Vec<&str> = rdef.operations.iter().map(|op| &*op.name).collect();
                RequestError::new(
                    ErrorCode::UnknownOperation,
                    format!("'{}' has no operation '{name}' (it has: {})", rdef.name, known.join(", ")),
                )
            })?;
            let mut ids = vec![id];
            for _ in 0..op.extra_resources {
                ids.push(a.int("resource id")?);
            }
            let ids = ResourceIds::from_slice(&ids)
                .ok_or_else(|| RequestError::new(ErrorCode::ArgumentValue, "an operation holds at most 4 resources"))?;
            let args = resource_args(&mut a, false)?;
            CommandList::One(Command::ResourcePerform {
                client,
                ids,
                def,
                operation: index as u16,
                exclusive: op.exclusive,
                args,
            })
        }
        Verb::Sync => CommandList::One(Command::Sync { client, token: a.int_or("token", 0)? }),
        Verb::Acks => {
            let on = a.int_or("flag", 1)?;
            a.finish()?;
            return Ok(Request::Acks(on != 0));
        }
        Verb::Notify => {
            let on = a.int_or("flag", 1)?;
            let login = if a.is_empty() { None } else { Some(a.int("client id")?) };
            a.finish()?;
            return Ok(Request::Notify(on != 0, login));
        }
        Verb::PluginLoad | Verb::PluginReload | Verb::PluginUnload => {
            let what = if verb == Verb::PluginLoad { "library path" } else { "plugin name" };
            let text = a.string(what)?.to_owned();
            a.finish()?;
            if text.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentValue, format!("the {what} is empty")));
            }
            return Ok(Request::Plugin(match verb {
                Verb::PluginLoad => PluginRequest::Load(text),
                Verb::PluginReload => PluginRequest::Reload(text),
                _ => PluginRequest::Unload(text),
            }));
        }
        Verb::CSet => {
            let mut v = Vec::new();
            loop {
                let bus = a.int("control bus")?;
                let bus = u32::try_from(bus).map_err(|_| {
                    RequestError::new(ErrorCode::ArgumentValue, format!("control bus must be non-negative, got {bus}"))
                })?;
                v.push(Command::ControlBusSet { client, bus, value: a.control_value("control bus value")? });
                if a.is_empty() {
                    break v.into();
                }
            }
        }
        Verb::CGet | Verb::CGetn | Verb::CSetn | Verb::CFill => CommandList::One(parse_bus_runs(verb, &mut a, client)?),
        Verb::DRecv | Verb::DLoad | Verb::DLoadDir => {
            let request = match verb {
                Verb::DRecv => GraphDefRequest::Receive(a.blob("synthdef bytes")?.to_vec()),
                Verb::DLoad => GraphDefRequest::Load(a.string("path")?.to_owned()),
                _ => GraphDefRequest::LoadDir(a.string("directory")?.to_owned()),
            };
            let completion = a.completion()?.map(<[u8]>::to_vec);
            a.finish()?;
            return Ok(Request::GraphDefs(request, completion));
        }
        Verb::DFree => {
            let mut names = vec![a.string("synthdef name")?.to_owned()];
            while !a.is_empty() {
                names.push(a.string("synthdef name")?.to_owned());
            }
            return Ok(Request::GraphDefs(GraphDefRequest::Free(names), None));
        }
        Verb::BAlloc
        | Verb::BAllocRead
        | Verb::BAllocReadChannel
        | Verb::BRead
        | Verb::BReadChannel
        | Verb::BWrite
        | Verb::BFree
        | Verb::BZero
        | Verb::BSet
        | Verb::BSetn
        | Verb::BFill
        | Verb::BGen
        | Verb::BQuery
        | Verb::BGet
        | Verb::BGetn
        | Verb::BClose => {
            return Ok(match parse_buffer(verb, &mut a, handle, client)? {
                (commands, None) => Request::Commands(commands.into()),
                (commands, Some(completion)) => Request::CommandsThen(commands.into(), completion),
            })
        }
        Verb::ClearSched => CommandList::One(Command::ClearScheduled { client }),
        Verb::DumpOsc | Verb::ErrorMode => {
            let mode = a.int("mode")?;
            a.finish()?;
            return Ok(if verb == Verb::DumpOsc { Request::DumpOsc(mode) } else { Request::ErrorMode(mode) });
        }
        Verb::Cmd | Verb::UCmd => {
            let what = if verb == Verb::Cmd { "plug-in commands (/cmd)" } else { "UGen commands (/u_cmd)" };
            return Err(RequestError::new(
                ErrorCode::UnknownVerb,
                format!("{}: no plugin handles {what} in Oscine", verb.address()),
            ));
        }
        Verb::GNew
        | Verb::PNew
        | Verb::NRun
        | Verb::NBefore
        | Verb::NAfter
        | Verb::NOrder
        | Verb::GHead
        | Verb::GTail
        | Verb::NQuery
        | Verb::GDeepFree
        | Verb::GQueryTree
        | Verb::GDumpTree
        | Verb::NSetn
        | Verb::NFill
        | Verb::NMap
        | Verb::NMapn
        | Verb::NMapa
        | Verb::NMapan
        | Verb::NTrace
        | Verb::SNoid
        | Verb::SGet
        | Verb::SGetn => parse_node(verb, &mut a, handle, client)?.into(),
        Verb::MidiList
        | Verb::MidiOpen
        | Verb::MidiVirtual
        | Verb::MidiClose
        | Verb::MidiNotify
        | Verb::MidiMapCc
        | Verb::MidiMapNote
        | Verb::MidiMapList
        | Verb::MidiUnmap => return Ok(Request::Midi(parse_midi(verb, &mut a, handle)?)),
        Verb::Status | Verb::Version | Verb::Quit | Verb::SynthDefList | Verb::ResourceList | Verb::PluginList => {
            a.finish()?;
            return Ok(match verb {
                Verb::Status => Request::Status,
                Verb::Version => Request::Version,
                Verb::SynthDefList => Request::SynthDefs,
                Verb::ResourceList => Request::ResourceDefs,
                Verb::PluginList => Request::Plugin(PluginRequest::List),
                _ => Request::Quit,
            });
        }
    };
    a.finish()?;
    if commands.len() > MAX_IDS_PER_MESSAGE {
        return Err(RequestError::new(
            ErrorCode::ArgumentCount,
            format!("at most {MAX_IDS_PER_MESSAGE} ids per message, got {}", commands.len()),
        ));
    }
    Ok(Request::Commands(commands))
}

/// The remaining arguments as plain values: flat, or (Methcla's form) one array.
fn resource_args(a: &mut Args<'_>, allow_array: bool) -> Result<Box<[ResourceArg]>, RequestError> {
    let mut out = Vec::new();
    while !a.is_empty() {
        match a.any("argument")? {
            Arg::Array(items) if allow_array => {
                for item in items {
                    out.push(resource_arg(item)?);
                }
            }
            other => out.push(resource_arg(other)?),
        }
    }
    Ok(out.into_boxed_slice())
}

fn resource_arg(arg: Arg<'_>) -> Result<ResourceArg, RequestError> {
    Ok(match arg {
        Arg::Int(i) => ResourceArg::Int(i as i64),
        Arg::Long(l) => ResourceArg::Int(l),
        Arg::Float(f) => ResourceArg::Float(f as f64),
        Arg::Double(d) => ResourceArg::Float(d),
        Arg::String(s) => ResourceArg::String(s.to_owned()),
        Arg::Blob(b) => ResourceArg::Blob(b.to_vec()),
        other => {
            return Err(RequestError::new(
                ErrorCode::ArgumentType,
                format!("resource arguments are numbers, strings or blobs; got {}", type_name(other)),
            ))
        }
    })
}

pub(super) fn add_action(a: &mut Args<'_>) -> Result<AddAction, RequestError> {
    let code = a.int("add action")?;
    AddAction::from_code(code).ok_or_else(|| {
        RequestError::new(
            ErrorCode::ArgumentValue,
            format!("add action {code} is not one of 0 (head), 1 (tail), 2 (before), 3 (after)"),
        )
    })
}

fn port(a: &mut Args<'_>) -> Result<u32, RequestError> {
    let p = a.int("port index")?;
    u32::try_from(p)
        .map_err(|_| RequestError::new(ErrorCode::ArgumentValue, format!("port index must be non-negative, got {p}")))
}

/// A bus mapping from its wire form. Feedback only means something when reading and
/// replace only when writing, so each is refused in the other direction.
fn mapping(bus: i32, flags: i32, output: bool) -> Result<Option<BusMapping>, RequestError> {
    let (meaningless, name) = if output {
        (BusMapping::FLAG_FEEDBACK, "feedback (0x2) applies to inputs only")
    } else {
        (BusMapping::FLAG_REPLACE, "replace (0x4) applies to outputs only")
    };
    if flags & meaningless != 0 {
        return Err(RequestError::new(ErrorCode::ArgumentValue, format!("bus flags {flags}: {name}")));
    }
    if bus < 0 && BusMapping::from_wire(0, flags).is_some() {
        return Ok(None);
    }
    BusMapping::from_wire(bus, flags)
        .map(Some)
        .ok_or_else(|| RequestError::new(ErrorCode::ArgumentValue, format!("bus flags {flags} has bits outside 0x7")))
}

fn ids(a: &mut Args<'_>, name: &str, make: impl Fn(NodeId) -> Command) -> Result<Vec<Command>, RequestError> {
    let mut v = vec![make(a.node_id(name)?)];
    while !a.is_empty() {
        v.push(make(a.node_id(name)?));
    }
    Ok(v)
}

#[allow(clippy::too_many_arguments)]
fn synth_new<'a>(
    handle: &EngineHandle,
    client: ClientId,
    def: &str,
    id: NodeId,
    target: NodeId,
    action: AddAction,
    activate: bool,
    a: &mut Args<'a>,
) -> Result<Command, RequestError> {
    // Most Synths are given a few controls: those stay on the stack.
    let mut inline: InlineVec<(ControlKey<'a>, f32), 16> = InlineVec::new();
    let mut spilled: Vec<(ControlKey<'a>, f32)> = Vec::new();
    let mut push = |key: ControlKey<'a>, value: f32| {
        if let Err(item) = inline.push((key, value)) {
            spilled.push(item);
        }
    };
    while !a.is_empty() {
        match a.any("control")? {
            // Methcla's form: an array of values for controls 0, 1, 2...
            Arg::Array(values) => {
                for (i, v) in values.enumerate() {
                    push(ControlKey::Index(i), array_number(v, i)?);
                }
            }
            Arg::String(name) => match a.any("control value")? {
                // scsynth's form: an array sets the control and the ones after it.
                Arg::Array(values) => {
                    for (k, v) in values.enumerate() {
                        push(ControlKey::Element(name, k), array_number(v, k)?);
                    }
                }
                value => push(ControlKey::Name(name), number_value(value, "control value")?),
            },
            Arg::Int(index) if index >= 0 => match a.any("control value")? {
                Arg::Array(values) => {
                    for (k, v) in values.enumerate() {
                        push(ControlKey::Index(index as usize + k), array_number(v, k)?);
                    }
                }
                value => push(ControlKey::Index(index as usize), number_value(value, "control value")?),
            },
            other => {
                return Err(RequestError::new(
                    ErrorCode::ArgumentType,
                    format!(
                        "controls are (name or index, value or array) pairs or one array of values; got {}",
                        type_name(other)
                    ),
                ))
            }
        }
    }
    let initial = inline.iter().chain(spilled.iter().copied());
    let synth = handle.build_synth_with(def, initial).map_err(|e| {
        let code = match e {
            SynthBuildError::UnknownSynthDef(_) => ErrorCode::UnknownSynthDef,
            SynthBuildError::UnknownControl { .. } => ErrorCode::UnknownControl,
            SynthBuildError::Construct { .. } => ErrorCode::SynthConstruct,
        };
        RequestError::new(code, e.to_string())
    })?;
    Ok(Command::SynthNew { client, id, target, action, activate, synth })
}

/// A number of any OSC width, as a control value.
fn as_number(v: Arg<'_>) -> Option<f32> {
    match v {
        Arg::Float(f) => Some(f),
        Arg::Double(d) => Some(d as f32),
        Arg::Int(n) => Some(n as f32),
        Arg::Long(n) => Some(n as f32),
        _ => None,
    }
}

fn array_number(v: Arg<'_>, i: usize) -> Result<f32, RequestError> {
    let value = as_number(v).ok_or_else(|| {
        RequestError::new(
            ErrorCode::ArgumentType,
            format!("control array element {i} must be a number, got {}", type_name(v)),
        )
    })?;
    finite(value, &format!("control array element {i}"))
}

/// A control value: a number of any OSC width.
fn number_value(v: Arg<'_>, what: &str) -> Result<f32, RequestError> {
    let value = as_number(v).ok_or_else(|| {
        RequestError::new(
            ErrorCode::ArgumentType,
            format!("a {what} must be a number or an array of numbers, got {}", type_name(v)),
        )
    })?;
    finite(value, what)
}

fn control_pairs(handle: &EngineHandle, a: &mut Args<'_>) -> Result<ControlChanges, RequestError> {
    let mut changes = ControlChanges::new();
    let too_many = || {
        RequestError::new(
            ErrorCode::ArgumentCount,
            format!("at most {} control/value pairs per message", ControlChanges::CAPACITY),
        )
    };
    while !a.is_empty() {
        let control = a.any("control")?;
        let resolve = |k: usize| -> Result<ControlRef, RequestError> {
            match control {
                Arg::String(name) => {
                    let element = element_name(name, k);
                    handle.control_ref(&element).ok_or_else(|| {
                        RequestError::new(
                            ErrorCode::UnknownControl,
                            format!("no synthdef has a control named '{element}'"),
                        )
                    })
                }
                Arg::Int(i) if i >= 0 => Ok(ControlRef::Index(i as u32 + k as u32)),
                other => Err(RequestError::new(
                    ErrorCode::ArgumentType,
                    format!("a control is named by a string or a non-negative int32, got {}", type_name(other)),
                )),
            }
        };
        match a.any("control value")? {
            Arg::Array(values) => {
                for (k, v) in values.enumerate() {
                    changes.push((resolve(k)?, array_number(v, k)?)).map_err(|_| too_many())?;
                }
            }
            value => changes.push((resolve(0)?, number_value(value, "control value")?)).map_err(|_| too_many())?,
        }
    }
    Ok(changes)
}
