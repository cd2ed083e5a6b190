/// How often a UGen computes, or how often an input or output changes: SuperCollider's
/// calculation rates, as SCgf files number them.
///
/// Context: any (plain data).
///
/// ```
/// use oscine_plugin_api::Rate;
/// assert_eq!(Rate::from_code(2), Some(Rate::Audio));
/// assert_eq!(Rate::Control.code(), 1);
/// assert!(Rate::Scalar < Rate::Audio);
/// assert_eq!(Rate::from_code(4), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rate {
    /// Computed once, when the Synth starts (`.ir`).
    Scalar,
    /// Computed once per block: one value per block (`.kr`).
    Control,
    /// Computed every sample: a block of values (`.ar`).
    Audio,
    /// Computed when a demand-rate reader asks (`.dr`).
    Demand,
}

impl Rate {
    /// The rate with this SCgf code: 0 scalar, 1 control, 2 audio, 3 demand.
    pub const fn from_code(code: u8) -> Option<Rate> {
        match code {
            0 => Some(Rate::Scalar),
            1 => Some(Rate::Control),
            2 => Some(Rate::Audio),
            3 => Some(Rate::Demand),
            _ => None,
        }
    }

    /// The SCgf code of the rate.
    pub const fn code(self) -> u8 {
        match self {
            Rate::Scalar => 0,
            Rate::Control => 1,
            Rate::Audio => 2,
            Rate::Demand => 3,
        }
    }

    /// The rate's suffix in SuperCollider: `ir`, `kr`, `ar` or `dr`.
    pub const fn suffix(self) -> &'static str {
        match self {
            Rate::Scalar => "ir",
            Rate::Control => "kr",
            Rate::Audio => "ar",
            Rate::Demand => "dr",
        }
    }
}
