//! Control bus values a client reads or writes in runs (scsynth's `/c_get`, `/c_getn`,
//! `/c_setn`): storage made on the control side, carried in a command, filled or read by
//! the audio thread, and handed back in an event, so the audio thread never allocates.
//!
//! Context: made NRT, filled RT, read NRT.

use super::QueryPermit;

/// Runs of consecutive control buses and a value for each of their buses.
#[derive(Debug)]
pub struct BusValues {
    /// `(first bus, count)` per run, in the client's order.
    pub runs: Box<[(u32, u32)]>,
    /// One value per bus of the runs, run after run.
    pub values: Box<[f32]>,
    /// How the reply lists them: as (bus, value) pairs (`/c_set`, answering `/c_get`),
    /// or as runs (`/c_setn`, answering `/c_getn`).
    pub as_pairs: bool,
    /// The client's permit for a read, given back when the values are dropped.
    pub permit: Option<QueryPermit>,
}

impl BusValues {
    /// Runs to read, their values 0 until the audio thread fills them.
    ///
    /// ```
    /// use oscine::engine::BusValues;
    /// let read = BusValues::to_read(vec![(3, 2), (10, 1)], false);
    /// assert_eq!(read.values.len(), 3);
    /// ```
    pub fn to_read(runs: Vec<(u32, u32)>, as_pairs: bool) -> BusValues {
        let total = runs.iter().map(|&(_, n)| n as usize).sum();
        BusValues { runs: runs.into(), values: vec![0.0; total].into(), as_pairs, permit: None }
    }

    /// The last bus any run reaches, if there is one.
    pub fn last_bus(&self) -> Option<u64> {
        self.runs.iter().filter(|&&(_, n)| n > 0).map(|&(first, n)| u64::from(first) + u64::from(n) - 1).max()
    }

    /// Sets each bus's value to `read(bus)`, run after run. Context: RT.
    pub fn fill(&mut self, read: impl Fn(u32) -> f32) {
        let mut values = self.values.iter_mut();
        for &(first, n) in self.runs.iter() {
            for (bus, value) in (first..first.saturating_add(n)).zip(values.by_ref()) {
                *value = read(bus);
            }
        }
    }

    /// Each bus of the runs, run after run, with the index of its value.
    pub fn buses(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.runs.iter().flat_map(|&(first, n)| first..first.saturating_add(n)).enumerate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_count_their_buses() {
        let read = BusValues::to_read(vec![(3, 2), (10, 1), (7, 0)], true);
        assert_eq!(read.values.len(), 3);
        assert_eq!(read.last_bus(), Some(10));
        assert_eq!(BusValues::to_read(vec![], true).last_bus(), None);
        assert_eq!(read.buses().collect::<Vec<_>>(), [(0, 3), (1, 4), (2, 10)]);
    }
}
