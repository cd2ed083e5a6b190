//! Applying `/node/set` changes to one Synth: controls, and resource ports (bind, re-bind,
//! unbind). Context: RT.

use oscine_plugin_api::{ControlMap, ResourceId};

use super::outbox::Outbox;
use super::synthdef_entry::PortRef;
use super::{
    ClientId, CommandKind, ControlChanges, ControlRef, EngineError, Event, Garbage, NodeId, ResourcePool, SynthInstance,
};

/// An error to send on its own (for all but the last failing change of a `/node/set`).
pub(super) fn outbox_error(client: ClientId, command: CommandKind, error: EngineError) -> Option<Event> {
    Some(Event::Error { client, command, error })
}

/// What a change's value does to a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChangeKind {
    /// Sets it (and unmaps it).
    Set,
    /// Maps it to the control bus the value names (one of `buses`), or unmaps it (-1).
    Map {
        /// How many control buses there are.
        buses: usize,
    },
    /// Maps it to the audio bus the value names (one of `buses`, numbered as graph Synths
    /// number them), or unmaps it (-1).
    MapAudio {
        /// How many audio buses there are.
        buses: usize,
    },
}

/// Applies control changes to one Synth: controls by index or name, resource ports (an
/// integer id binds, -1 unbinds). Each failure goes to `on_error`, which may return an
/// event to send. Context: RT.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_changes(
    synth: &mut SynthInstance,
    node: NodeId,
    changes: &ControlChanges,
    offset: usize,
    kind: ChangeKind,
    pool: &ResourcePool,
    outbox: &mut Outbox,
    on_error: &mut dyn FnMut(EngineError) -> Option<Event>,
) {
    for (control, value) in changes.iter() {
        let port = match control {
            ControlRef::Index(i) => synth.entry().port_by_index(i as usize),
            ControlRef::Name(name) => synth.entry().port_by_name(name),
        };
        let result = match (port, control) {
            (Some(PortRef::Control(index)), _) if kind != ChangeKind::Set => {
                let (buses, map): (usize, fn(u32) -> ControlMap) = match kind {
                    ChangeKind::MapAudio { buses } => (buses, ControlMap::AudioBus),
                    ChangeKind::Map { buses } => (buses, ControlMap::ControlBus),
                    ChangeKind::Set => (0, ControlMap::ControlBus),
                };
                match value {
                    v if v < 0.0 => {
                        synth.map_control(index, ControlMap::None);
                        Ok(())
                    }
                    v if (v as usize) < buses => {
                        synth.map_control(index, map(v as u32));
                        Ok(())
                    }
                    v => Err(EngineError::Bus { bus: v.min(u32::MAX as f32) as u32, count: buses }),
                }
            }
            // A resource port reads no bus.
            (Some(PortRef::Resource(port)), _) if kind != ChangeKind::Set => {
                Err(EngineError::ControlIndex { index: port as u32, count: synth.controls().len() })
            }
            (Some(PortRef::Control(index)), _) => synth
                .set_control_at(index, value, offset)
                .map_err(|e| EngineError::ControlIndex { index: index as u32, count: e.count }),
            // A Group-wide re-bind hands back one old Resource per Synth: more than the
            // reserve taken before the command when the Group is large. Refuse what the
            // workers cannot take instead of freeing here.
            (Some(PortRef::Resource(_)), _) if outbox.workers.free_slots() == 0 => Err(EngineError::WorkersFull),
            (Some(PortRef::Resource(port)), _) if value == -1.0 => {
                if let Some(old) = synth.unbind_resource(port, pool) {
                    outbox.dispose(Garbage::Resource(old));
                }
                Ok(())
            }
            (Some(PortRef::Resource(port)), _) => {
                if value.fract() != 0.0 || !(0.0..=i32::MAX as f32).contains(&value) {
                    Err(EngineError::ResourceIdValue { port: port as u32, value })
                } else {
                    synth.rebind_resource(port, value as ResourceId, pool).map(|old| {
                        if let Some(old) = old {
                            outbox.dispose(Garbage::Resource(old));
                        }
                    })
                }
            }
            (None, ControlRef::Name(name)) => Err(EngineError::ControlName { node, name }),
            (None, ControlRef::Index(index)) => Err(EngineError::ControlIndex { index, count: synth.controls().len() }),
        };
        if let Err(error) = result {
            if let Some(event) = on_error(error) {
                outbox.emit(event);
            }
        }
    }
}
