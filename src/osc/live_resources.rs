use std::collections::HashMap;

use oscine_plugin_api::ResourceId;

use crate::engine::{Event, ResourceDefId};

/// Which ResourceDef each Live resource id has, as the control side knows it: recorded
/// from the audio thread's own reports (`/resource/ready` until `/resource/error` or
/// `/resource/destroyed`), so it stays bounded by the pool and current. `/resource/perform`
/// resolves its operation name against it.
///
/// Context: NRT (the network thread, or the thread rendering a score).
#[derive(Debug, Default)]
pub struct LiveResources {
    defs: HashMap<ResourceId, ResourceDefId>,
}

impl LiveResources {
    /// Knowing of no Resource.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes note of what an event says about a Resource; other events change nothing.
    pub fn observe(&mut self, event: &Event) {
        match *event {
            Event::ResourceReady { id, def, .. } => {
                self.defs.insert(id, def);
            }
            Event::ResourceFailed { id, .. } | Event::ResourceDestroyed { id, .. } => {
                self.defs.remove(&id);
            }
            _ => {}
        }
    }

    /// The ResourceDef of Live resource `id`.
    pub fn def_of(&self, id: ResourceId) -> Option<ResourceDefId> {
        self.defs.get(&id).copied()
    }
}
