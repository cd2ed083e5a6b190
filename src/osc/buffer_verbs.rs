//! scsynth's buffer commands (`/b_alloc`, `/b_gen`, ...) as commands on `audio-buffer`
//! Resources: a buffer number is a resource id.
//!
//! Context: NRT (the network thread, or the thread rendering a score).

use super::Arg;
use oscine_plugin_api::ResourceArg;

use super::args::{type_name, Args};
use super::{ErrorCode, RequestError, Verb};
use crate::control::EngineHandle;
use crate::engine::{ClientId, Command, ResourceIds};

/// The ResourceDef scsynth's buffers are.
pub(super) const BUFFER_DEF: &str = "audio-buffer";

/// Translates a `/b_*` message into its commands and its completion message, if any.
pub(super) fn parse_buffer(
    verb: Verb,
    a: &mut Args<'_>,
    handle: &EngineHandle,
    client: ClientId,
) -> Result<(Vec<Command>, Option<Vec<u8>>), RequestError> {
    let registry = handle.registry();
    let def = registry.resource_def_ref(BUFFER_DEF).ok_or_else(|| {
        RequestError::new(ErrorCode::UnknownResourceDef, format!("no resource definition named '{BUFFER_DEF}'"))
    })?;
    let def_id = def.id;
    let id = a.int("buffer number")?;
    let perform_with = |ids: &[i32], operation: &str, args: Vec<ResourceArg>| -> Result<Command, RequestError> {
        let info = registry.resource_def(def_id).ok_or_else(|| {
            RequestError::new(ErrorCode::UnknownResourceDef, format!("no resource definition named '{BUFFER_DEF}'"))
        })?;
        let (index, op) = info.operations.iter().enumerate().find(|(_, op)| op.name == operation).ok_or_else(|| {
            RequestError::new(ErrorCode::UnknownOperation, format!("'{BUFFER_DEF}' has no operation '{operation}'"))
        })?;
        let ids = ResourceIds::from_slice(ids)
            .ok_or_else(|| RequestError::new(ErrorCode::ArgumentValue, "an operation holds at most 4 resources"))?;
        Ok(Command::ResourcePerform {
            client,
            ids,
            def: def_id,
            operation: index as u16,
            exclusive: op.exclusive,
            args: args.into_boxed_slice(),
        })
    };
    let perform_on = |id: i32, operation: &str, args: Vec<ResourceArg>| perform_with(&[id], operation, args);
    let perform = |operation: &str, args: Vec<ResourceArg>| perform_on(id, operation, args);
    let command = match verb {
        Verb::BAlloc => {
            let frames = a.int("frames")?;
            let channels = optional_int(a, "channels", 1)?;
            let args = vec![ResourceArg::Int(channels.into()), ResourceArg::Int(frames.into())];
            Command::ResourceNew { client, id, def, args: args.into_boxed_slice() }
        }
        Verb::BAllocRead => {
            let path = a.string("path")?.to_owned();
            let start = optional_int(a, "start frame", 0)?;
            let frames = optional_int(a, "frames", 0)?;
            let args = vec![ResourceArg::String(path), ResourceArg::Int(start.into()), ResourceArg::Int(frames.into())];
            Command::ResourceNew { client, id, def, args: args.into_boxed_slice() }
        }
        Verb::BAllocReadChannel => {
            // The channels come after the start and the frame count; none reads them all.
            let path = a.string("path")?.to_owned();
            let start = optional_int(a, "start frame", 0)?;
            let frames = optional_int(a, "frames", 0)?;
            let mut args =
                vec![ResourceArg::String(path), ResourceArg::Int(start.into()), ResourceArg::Int(frames.into())];
            args.extend(file_channels(a)?);
            Command::ResourceNew { client, id, def, args: args.into_boxed_slice() }
        }
        Verb::BRead | Verb::BReadChannel => {
            let path = a.string("path")?.to_owned();
            let file_start = optional_int(a, "file start frame", 0)?;
            let frames = optional_int(a, "frames", -1)?;
            let buffer_start = optional_int(a, "buffer start frame", 0)?;
            leave_open(a)?;
            let args = [file_start, frames, buffer_start].map(|n| ResourceArg::Int(n.into()));
            let mut args: Vec<ResourceArg> = std::iter::once(ResourceArg::String(path)).chain(args).collect();
            if verb == Verb::BReadChannel {
                args.extend(file_channels(a)?);
            }
            perform("read", args)?
        }
        Verb::BWrite => {
            let path = a.string("path")?.to_owned();
            let header = optional_string(a, "header format", "aiff")?;
            let container = match header.to_ascii_lowercase().as_str() {
                "wav" | "wave" => "wav",
                "aiff" | "aif" | "aifc" => "aiff",
                _ => {
                    return Err(RequestError::new(
                        ErrorCode::ArgumentValue,
                        format!("header format '{header}': buffers are written as WAV or AIFF files"),
                    ))
                }
            };
            let sample = optional_string(a, "sample format", "int24")?;
            let format = match sample {
                "float" => "float",
                "int16" => "int16",
                "int24" => "int24",
                other => {
                    return Err(RequestError::new(
                        ErrorCode::ArgumentValue,
                        format!("sample format '{other}': one of float, int16 or int24"),
                    ))
                }
            };
            let frames = optional_int(a, "frames", -1)?;
            let start = optional_int(a, "start frame", 0)?;
            // Left open, the file goes on taking what `DiskOut` records into the buffer.
            let leave_open = optional_int(a, "leave open", 0)?;
            let args = vec![
                ResourceArg::String(path),
                ResourceArg::String(format.into()),
                ResourceArg::String(container.into()),
                ResourceArg::Int(frames.into()),
                ResourceArg::Int(start.into()),
                ResourceArg::Int(i64::from(leave_open != 0)),
            ];
            perform("write", args)?
        }
        Verb::BClose => perform("close", Vec::new())?,
        Verb::BFree => Command::ResourceFree { client, id },
        Verb::BZero => perform("zero", Vec::new())?,
        Verb::BSet | Verb::BSetn | Verb::BFill => {
            let name = match verb {
                Verb::BSet => "set",
                Verb::BSetn => "setn",
                _ => "fill",
            };
            let mut args = Vec::new();
            while !a.is_empty() {
                args.push(number(a.any("sample index or value")?)?);
            }
            if args.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentCount, format!("/b_{name} needs samples to write")));
            }
            let command = perform(name, args)?;
            return Ok((vec![command], None));
        }
        Verb::BQuery => {
            let mut commands = vec![perform("query", Vec::new())?];
            while !a.is_empty() {
                commands.push(perform_on(a.int("buffer number")?, "query", Vec::new())?);
            }
            return Ok((commands, None));
        }
        Verb::BGet | Verb::BGetn => {
            let name = if verb == Verb::BGet { "get" } else { "getn" };
            let mut args = Vec::new();
            while !a.is_empty() {
                args.push(number(a.any("sample index or count")?)?);
            }
            if args.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentCount, format!("/b_{name} needs sample indices")));
            }
            return Ok((vec![perform(name, args)?], None));
        }
        Verb::BGen if a.peek_is_string("copy") => {
            // `/b_gen dst copy dst-start src src-start count`: another buffer is held too.
            let _ = a.string("command")?;
            let dst_start = a.int("destination start")?;
            let src = a.int("source buffer")?;
            let src_start = optional_int(a, "source start", 0)?;
            let count = optional_int(a, "sample count", -1)?;
            a.finish()?;
            let args = [dst_start, src_start, count].map(|n| ResourceArg::Int(n.into())).to_vec();
            return Ok((vec![perform_with(&[id, src], "copy", args)?], None));
        }
        Verb::BGen => {
            let command = a.string("command")?.to_owned();
            let flags = a.int("flags")?;
            let mut args = vec![ResourceArg::String(command), ResourceArg::Int(flags.into())];
            while !a.is_empty() {
                args.push(number(a.any("value")?)?);
            }
            let command = perform("gen", args)?;
            return Ok((vec![command], None));
        }
        _ => unreachable!("parse_buffer is called for the buffer verbs only"),
    };
    let completion = a.completion()?.map(<[u8]>::to_vec);
    a.finish()?;
    Ok((vec![command], completion))
}

/// An optional trailing int32 (a blob there is the completion message: the default).
fn optional_int(a: &mut Args<'_>, name: &str, default: i32) -> Result<i32, RequestError> {
    if a.peek_is_blob() {
        return Ok(default);
    }
    a.int_or(name, default)
}

/// The file channels of `/b_allocReadChannel` and `/b_readChannel`, up to the completion
/// message: each a non-negative int32.
fn file_channels(a: &mut Args<'_>) -> Result<Vec<ResourceArg>, RequestError> {
    let mut channels = Vec::new();
    while !a.is_empty() && !a.peek_is_blob() {
        let channel = a.int("file channel")?;
        if channel < 0 {
            return Err(RequestError::new(
                ErrorCode::ArgumentValue,
                format!("file channels are numbered from 0; got {channel}"),
            ));
        }
        channels.push(ResourceArg::Int(channel.into()));
    }
    Ok(channels)
}

/// An optional trailing string.
fn optional_string<'a>(a: &mut Args<'a>, name: &str, default: &'a str) -> Result<&'a str, RequestError> {
    if a.is_empty() || a.peek_is_blob() {
        return Ok(default);
    }
    a.string(name)
}

/// scsynth's `leaveOpen` flag of a read, which only streaming from disk (`DiskIn`, which
/// Oscine lacks) sets.
fn leave_open(a: &mut Args<'_>) -> Result<(), RequestError> {
    if optional_int(a, "leave open", 0)? != 0 {
        return Err(RequestError::new(
            ErrorCode::ArgumentValue,
            "leaving a sound file open for reading (for DiskIn) is not supported: give 0",
        ));
    }
    Ok(())
}

/// A number or an int32 as a resource argument (indices, counts and values alike).
fn number(arg: Arg<'_>) -> Result<ResourceArg, RequestError> {
    Ok(match arg {
        Arg::Int(i) => ResourceArg::Int(i.into()),
        Arg::Long(l) => ResourceArg::Int(l),
        Arg::Float(f) => ResourceArg::Float(f.into()),
        Arg::Double(d) => ResourceArg::Float(d),
        other => {
            return Err(RequestError::new(
                ErrorCode::ArgumentType,
                format!("buffer samples, indices and counts are numbers, got {}", type_name(other)),
            ))
        }
    })
}
