/// What a unit asks the engine to do with its Synth (and its neighbours) once it is done:
/// SuperCollider's done actions, by number.
///
/// Context: any (plain data).
///
/// ```
/// use oscine_plugin_api::DoneAction;
/// assert_eq!(DoneAction::from_code(2.0), Some(DoneAction::FreeSelf));
/// assert_eq!(DoneAction::from_code(14.0), Some(DoneAction::FreeGroup));
/// assert_eq!(DoneAction::from_code(15.0), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DoneAction {
    /// 0: nothing.
    None,
    /// 1: pause this Synth.
    PauseSelf,
    /// 2: free this Synth.
    FreeSelf,
    /// 3: free this Synth and the node before it.
    FreeSelfAndPrevious,
    /// 4: free this Synth and the node after it.
    FreeSelfAndNext,
    /// 5: free this Synth, and the node before it (every node in it, if it is a Group).
    FreeSelfAndFreeAllInPrevious,
    /// 6: free this Synth, and the node after it (every node in it, if it is a Group).
    FreeSelfAndFreeAllInNext,
    /// 7: free this Synth and every node before it in its Group.
    FreeSelfToHead,
    /// 8: free this Synth and every node after it in its Group.
    FreeSelfToTail,
    /// 9: free this Synth and pause the node before it.
    FreeSelfPausePrevious,
    /// 10: free this Synth and pause the node after it.
    FreeSelfPauseNext,
    /// 11: free this Synth, and the node before it with everything inside it.
    FreeSelfAndDeepFreePrevious,
    /// 12: free this Synth, and the node after it with everything inside it.
    FreeSelfAndDeepFreeNext,
    /// 13: free every node of this Synth's Group, this Synth included.
    FreeAllInGroup,
    /// 14: free this Synth's Group and everything in it.
    FreeGroup,
}

impl DoneAction {
    /// The done action a unit's input asks for (its value, truncated), if it is one of 0–14.
    pub fn from_code(value: f32) -> Option<DoneAction> {
        if !(0.0..15.0).contains(&value) {
            return None;
        }
        Some(match value as u8 {
            0 => DoneAction::None,
            1 => DoneAction::PauseSelf,
            2 => DoneAction::FreeSelf,
            3 => DoneAction::FreeSelfAndPrevious,
            4 => DoneAction::FreeSelfAndNext,
            5 => DoneAction::FreeSelfAndFreeAllInPrevious,
            6 => DoneAction::FreeSelfAndFreeAllInNext,
            7 => DoneAction::FreeSelfToHead,
            8 => DoneAction::FreeSelfToTail,
            9 => DoneAction::FreeSelfPausePrevious,
            10 => DoneAction::FreeSelfPauseNext,
            11 => DoneAction::FreeSelfAndDeepFreePrevious,
            12 => DoneAction::FreeSelfAndDeepFreeNext,
            13 => DoneAction::FreeAllInGroup,
            _ => DoneAction::FreeGroup,
        })
    }

    /// The action's number.
    pub const fn code(self) -> u8 {
        self as u8
    }
}
