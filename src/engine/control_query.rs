//! Control-value queries for scsynth's `/s_get` and `/s_getn`.
//!
//! Context: allocated NRT (the network thread), filled RT (the audio thread), read NRT
//! again; each function is marked.

use super::{ControlRef, EngineError, QueryPermit};

/// Which controls of a Synth to read, with storage for their values, allocated on the
/// network side and filled on the audio thread without growing.
#[derive(Debug)]
pub struct ControlQuery {
    /// Each run: its first control and how many values from it on.
    pub runs: Vec<(ControlRef, u32)>,
    /// Each run's first control as the client named it (`None`: by index), for the reply;
    /// the audio thread does not touch it.
    pub names: Vec<Option<String>>,
    /// The values, run after run, filled on the audio thread.
    pub values: Vec<f32>,
    /// Whether the reply is scsynth's `/n_setn` (runs with counts) rather than `/n_set`.
    pub counted: bool,
    /// The client's permit for this query, given back when the query is dropped.
    pub permit: Option<QueryPermit>,
}

impl ControlQuery {
    /// A query for `runs` (each with its name as the client gave it), with room for all
    /// their values. Context: NRT.
    pub fn new(runs: Vec<(ControlRef, u32, Option<String>)>, counted: bool) -> Self {
        let total = runs.iter().map(|&(_, n, _)| n as usize).sum();
        let names = runs.iter().map(|(_, _, name)| name.clone()).collect();
        let runs = runs.into_iter().map(|(control, n, _)| (control, n)).collect();
        ControlQuery { runs, names, values: Vec::with_capacity(total), counted, permit: None }
    }

    /// Fills the values from a Synth's `controls`, `index_of` resolving a run's first
    /// control to its index. Context: RT (never grows the storage).
    pub fn fill(
        &mut self,
        controls: &[f32],
        index_of: impl Fn(ControlRef) -> Option<usize>,
        node: super::NodeId,
    ) -> Result<(), EngineError> {
        self.values.clear();
        for &(control, count) in &self.runs {
            let Some(start) = index_of(control) else {
                return Err(match control {
                    ControlRef::Name(name) => EngineError::ControlName { node, name },
                    ControlRef::Index(index) => EngineError::ControlIndex { index, count: controls.len() },
                });
            };
            let end = start + count as usize;
            if end > controls.len() {
                return Err(EngineError::ControlIndex { index: end as u32 - 1, count: controls.len() });
            }
            if self.values.len() + count as usize > self.values.capacity() {
                return Err(EngineError::ControlIndex { index: end as u32 - 1, count: controls.len() });
            }
            self.values.extend_from_slice(&controls[start..end]);
        }
        Ok(())
    }
}
