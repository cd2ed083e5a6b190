//! Every address the server answers, written once: the [`Verb`] enum, its addresses and
//! [`VERBS`] all come from the one list below.

use crate::engine::{AddAction, CommandKind, TreeForm};

macro_rules! verbs {
    ($($(#[doc = $doc:literal])* $verb:ident = $address:literal,)*) => {
        /// An address the server answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Verb {
            $($(#[doc = $doc])* $verb,)*
        }

        impl Verb {
            /// Every verb, in the order docs/osc-api.md lists them.
            pub const ALL: &'static [Verb] = &[$(Verb::$verb,)*];

            /// The OSC address.
            pub fn address(self) -> &'static str {
                match self {
                    $(Verb::$verb => $address,)*
                }
            }
        }

        /// Every address the server answers, in the order docs/osc-api.md lists them.
        pub const VERBS: &[&str] = &[$($address,)*];
    };
}

verbs! {
    /// `/group/new`.
    GroupNew = "/group/new",
    /// `/group/freeAll`.
    GroupFreeAll = "/group/freeAll",
    /// `/synth/new`.
    SynthNew = "/synth/new",
    /// `/synth/construct`.
    SynthConstruct = "/synth/construct",
    /// `/synth/activate`.
    SynthActivate = "/synth/activate",
    /// `/synth/map/input`.
    MapInput = "/synth/map/input",
    /// `/synth/map/output`.
    MapOutput = "/synth/map/output",
    /// `/synth/map/output/add`.
    MapOutputAdd = "/synth/map/output/add",
    /// `/synth/property/doneFlags/set`.
    SetDoneFlags = "/synth/property/doneFlags/set",
    /// `/node/set`.
    NodeSet = "/node/set",
    /// `/node/free`.
    NodeFree = "/node/free",
    /// `/node/tree`.
    NodeTree = "/node/tree",
    /// `/synthdef/list`.
    SynthDefList = "/synthdef/list",
    /// `/resource/new`.
    ResourceNew = "/resource/new",
    /// `/resource/free`.
    ResourceFree = "/resource/free",
    /// `/resource/perform`.
    ResourcePerform = "/resource/perform",
    /// `/resource/list`.
    ResourceList = "/resource/list",
    /// `/plugin/load`.
    PluginLoad = "/plugin/load",
    /// `/plugin/reload`.
    PluginReload = "/plugin/reload",
    /// `/plugin/unload`.
    PluginUnload = "/plugin/unload",
    /// `/plugin/list`.
    PluginList = "/plugin/list",
    /// `/notify`.
    Notify = "/notify",
    /// `/acks`.
    Acks = "/acks",
    /// `/status`.
    Status = "/status",
    /// `/sync`.
    Sync = "/sync",
    /// `/version`.
    Version = "/version",
    /// `/quit`.
    Quit = "/quit",
    /// scsynth's `/s_new`.
    SNew = "/s_new",
    /// scsynth's `/n_set`.
    NSet = "/n_set",
    /// scsynth's `/n_free`.
    NFree = "/n_free",
    /// scsynth's `/g_new`.
    GNew = "/g_new",
    /// scsynth's `/g_freeAll`.
    GFreeAll = "/g_freeAll",
    /// scsynth's `/p_new` (a Group).
    PNew = "/p_new",
    /// scsynth's `/n_run`.
    NRun = "/n_run",
    /// scsynth's `/n_before`.
    NBefore = "/n_before",
    /// scsynth's `/n_after`.
    NAfter = "/n_after",
    /// scsynth's `/n_order`.
    NOrder = "/n_order",
    /// scsynth's `/g_head`.
    GHead = "/g_head",
    /// scsynth's `/g_tail`.
    GTail = "/g_tail",
    /// scsynth's `/n_query`.
    NQuery = "/n_query",
    /// scsynth's `/g_deepFree`.
    GDeepFree = "/g_deepFree",
    /// scsynth's `/g_queryTree`.
    GQueryTree = "/g_queryTree",
    /// scsynth's `/g_dumpTree`.
    GDumpTree = "/g_dumpTree",
    /// scsynth's `/n_setn`.
    NSetn = "/n_setn",
    /// scsynth's `/n_fill`.
    NFill = "/n_fill",
    /// scsynth's `/n_map`.
    NMap = "/n_map",
    /// scsynth's `/n_mapn`.
    NMapn = "/n_mapn",
    /// scsynth's `/n_mapa`.
    NMapa = "/n_mapa",
    /// scsynth's `/n_mapan`.
    NMapan = "/n_mapan",
    /// scsynth's `/n_trace`.
    NTrace = "/n_trace",
    /// scsynth's `/s_noid`.
    SNoid = "/s_noid",
    /// scsynth's `/s_get`.
    SGet = "/s_get",
    /// scsynth's `/s_getn`.
    SGetn = "/s_getn",
    /// scsynth's `/c_set`.
    CSet = "/c_set",
    /// scsynth's `/c_setn`.
    CSetn = "/c_setn",
    /// scsynth's `/c_fill`.
    CFill = "/c_fill",
    /// scsynth's `/c_get`.
    CGet = "/c_get",
    /// scsynth's `/c_getn`.
    CGetn = "/c_getn",
    /// scsynth's `/d_recv`.
    DRecv = "/d_recv",
    /// scsynth's `/d_load`.
    DLoad = "/d_load",
    /// scsynth's `/d_loadDir`.
    DLoadDir = "/d_loadDir",
    /// scsynth's `/d_free`.
    DFree = "/d_free",
    /// scsynth's `/b_alloc`.
    BAlloc = "/b_alloc",
    /// scsynth's `/b_allocRead`.
    BAllocRead = "/b_allocRead",
    /// scsynth's `/b_read`.
    BRead = "/b_read",
    /// scsynth's `/b_allocReadChannel`.
    BAllocReadChannel = "/b_allocReadChannel",
    /// scsynth's `/b_readChannel`.
    BReadChannel = "/b_readChannel",
    /// scsynth's `/b_write`.
    BWrite = "/b_write",
    /// scsynth's `/b_free`.
    BFree = "/b_free",
    /// scsynth's `/b_zero`.
    BZero = "/b_zero",
    /// scsynth's `/b_set`.
    BSet = "/b_set",
    /// scsynth's `/b_setn`.
    BSetn = "/b_setn",
    /// scsynth's `/b_fill`.
    BFill = "/b_fill",
    /// scsynth's `/b_gen`.
    BGen = "/b_gen",
    /// scsynth's `/b_close`.
    BClose = "/b_close",
    /// scsynth's `/dumpOSC`.
    DumpOsc = "/dumpOSC",
    /// scsynth's `/clearSched`.
    ClearSched = "/clearSched",
    /// scsynth's `/error`.
    ErrorMode = "/error",
    /// scsynth's `/cmd`.
    Cmd = "/cmd",
    /// scsynth's `/u_cmd`.
    UCmd = "/u_cmd",
    /// scsynth's `/b_query`.
    BQuery = "/b_query",
    /// scsynth's `/b_get`.
    BGet = "/b_get",
    /// scsynth's `/b_getn`.
    BGetn = "/b_getn",
    /// `/midi/list`.
    MidiList = "/midi/list",
    /// `/midi/open`.
    MidiOpen = "/midi/open",
    /// `/midi/virtual`.
    MidiVirtual = "/midi/virtual",
    /// `/midi/close`.
    MidiClose = "/midi/close",
    /// `/midi/notify`.
    MidiNotify = "/midi/notify",
    /// `/midi/map/cc`.
    MidiMapCc = "/midi/map/cc",
    /// `/midi/map/note`.
    MidiMapNote = "/midi/map/note",
    /// `/midi/map/list`.
    MidiMapList = "/midi/map/list",
    /// `/midi/unmap`.
    MidiUnmap = "/midi/unmap",
}

/// How large a verb's reply can be beside its request: what decides whether an address's
/// first datagram may have it (docs/osc-api.md, "Who may talk").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplySize {
    /// An acknowledgement, an error, `/synced`, or a fixed set of values (`/status/reply`,
    /// `/version/reply`): a few hundred bytes at most, whatever the server holds.
    Small,
    /// Grows with what the server holds (nodes, SynthDefs, plugins, samples, an
    /// operation's answer) or with a count the request names: a tree, a list, a read.
    Large,
}

impl Verb {
    /// How large this verb's reply can be.
    ///
    /// ```
    /// use oscine::osc::{ReplySize, Verb};
    /// assert_eq!(Verb::GQueryTree.reply_size(), ReplySize::Large);
    /// assert_eq!(Verb::Status.reply_size(), ReplySize::Small);
    /// ```
    pub fn reply_size(self) -> ReplySize {
        match self {
            Verb::NodeTree
            | Verb::GQueryTree
            | Verb::SynthDefList
            | Verb::ResourceList
            | Verb::PluginList
            | Verb::ResourcePerform
            | Verb::NQuery
            | Verb::SGet
            | Verb::SGetn
            | Verb::CGet
            | Verb::CGetn
            | Verb::BQuery
            | Verb::BGet
            | Verb::BGetn
            | Verb::MidiList
            | Verb::MidiMapList => ReplySize::Large,
            Verb::GroupNew
            | Verb::GroupFreeAll
            | Verb::SynthNew
            | Verb::SynthConstruct
            | Verb::SynthActivate
            | Verb::MapInput
            | Verb::MapOutput
            | Verb::MapOutputAdd
            | Verb::SetDoneFlags
            | Verb::NodeSet
            | Verb::NodeFree
            | Verb::ResourceNew
            | Verb::ResourceFree
            | Verb::PluginLoad
            | Verb::PluginReload
            | Verb::PluginUnload
            | Verb::Notify
            | Verb::Acks
            | Verb::Status
            | Verb::Sync
            | Verb::Version
            | Verb::Quit
            | Verb::SNew
            | Verb::NSet
            | Verb::NFree
            | Verb::GNew
            | Verb::GFreeAll
            | Verb::PNew
            | Verb::NRun
            | Verb::NBefore
            | Verb::NAfter
            | Verb::NOrder
            | Verb::GHead
            | Verb::GTail
            | Verb::GDeepFree
            | Verb::GDumpTree
            | Verb::NSetn
            | Verb::NFill
            | Verb::NMap
            | Verb::NMapn
            | Verb::NMapa
            | Verb::NMapan
            | Verb::NTrace
            | Verb::SNoid
            | Verb::CSet
            | Verb::CSetn
            | Verb::CFill
            | Verb::DRecv
            | Verb::DLoad
            | Verb::DLoadDir
            | Verb::DFree
            | Verb::BAlloc
            | Verb::BAllocRead
            | Verb::BRead
            | Verb::BAllocReadChannel
            | Verb::BReadChannel
            | Verb::BWrite
            | Verb::BFree
            | Verb::BZero
            | Verb::BSet
            | Verb::BSetn
            | Verb::BFill
            | Verb::BGen
            | Verb::BClose
            | Verb::DumpOsc
            | Verb::ClearSched
            | Verb::ErrorMode
            | Verb::Cmd
            | Verb::UCmd
            | Verb::MidiOpen
            | Verb::MidiVirtual
            | Verb::MidiClose
            | Verb::MidiNotify
            | Verb::MidiMapCc
            | Verb::MidiMapNote
            | Verb::MidiUnmap => ReplySize::Small,
        }
    }

    /// The verb with this address.
    ///
    /// ```
    /// use oscine::osc::Verb;
    /// assert_eq!(Verb::from_address("/n_set"), Some(Verb::NSet));
    /// assert_eq!(Verb::from_address("/n_sat"), None);
    /// ```
    pub fn from_address(address: &str) -> Option<Verb> {
        // Every message looks its verb up: one hash of the address and, almost always, one
        // comparison, in an open-addressed table built once with room to spare.
        const SLOTS: usize = 1024;
        static BY_ADDRESS: std::sync::OnceLock<Box<[Option<Verb>; SLOTS]>> = std::sync::OnceLock::new();
        fn hash(address: &[u8]) -> usize {
            let h = crate::control::name_hash::fnv1a(address);
            (h ^ (h >> 32)) as usize
        }
        let table = BY_ADDRESS.get_or_init(|| {
            let mut table = Box::new([None; SLOTS]);
            for &verb in Verb::ALL {
                let mut slot = hash(verb.address().as_bytes()) % SLOTS;
                while table[slot].is_some() {
                    slot = (slot + 1) % SLOTS;
                }
                table[slot] = Some(verb);
            }
            table
        });
        let mut slot = hash(address.as_bytes()) % SLOTS;
        loop {
            match table[slot] {
                Some(verb) if verb.address() == address => return Some(verb),
                Some(_) => slot = (slot + 1) % SLOTS,
                None => return None,
            }
        }
    }

    /// The native verb whose commands are of `kind`: the address replies about them name.
    pub fn native(kind: CommandKind) -> Verb {
        match kind {
            CommandKind::GroupNew => Verb::GroupNew,
            CommandKind::GroupFreeAll => Verb::GroupFreeAll,
            CommandKind::SynthNew => Verb::SynthNew,
            CommandKind::SynthActivate => Verb::SynthActivate,
            CommandKind::MapInput => Verb::MapInput,
            CommandKind::MapOutput => Verb::MapOutput,
            CommandKind::SetDoneFlags => Verb::SetDoneFlags,
            CommandKind::NodeSet => Verb::NodeSet,
            CommandKind::NodeSetn => Verb::NSetn,
            CommandKind::NodeFill => Verb::NFill,
            CommandKind::NodeMap => Verb::NMap,
            CommandKind::NodeMapAudio => Verb::NMapa,
            CommandKind::SynthNoId => Verb::SNoid,
            CommandKind::NodeFree => Verb::NodeFree,
            CommandKind::QueryTree(TreeForm::Oscine) => Verb::NodeTree,
            CommandKind::QueryTree(TreeForm::Scsynth { .. }) => Verb::GQueryTree,
            CommandKind::QueryTree(TreeForm::Dump { .. }) => Verb::GDumpTree,
            CommandKind::QueryTree(TreeForm::Trace) => Verb::NTrace,
            CommandKind::NodeRun => Verb::NRun,
            CommandKind::NodeMove(AddAction::BeforeNode) => Verb::NBefore,
            CommandKind::NodeMove(AddAction::AfterNode) => Verb::NAfter,
            CommandKind::NodeMove(AddAction::HeadOfGroup) => Verb::GHead,
            CommandKind::NodeMove(AddAction::TailOfGroup) => Verb::GTail,
            CommandKind::NodeOrder => Verb::NOrder,
            CommandKind::NodeQuery => Verb::NQuery,
            CommandKind::GroupDeepFree => Verb::GDeepFree,
            CommandKind::SynthGet => Verb::SGet,
            CommandKind::ResourceNew => Verb::ResourceNew,
            CommandKind::ResourceFree => Verb::ResourceFree,
            CommandKind::ResourcePerform => Verb::ResourcePerform,
            CommandKind::ControlBusSet => Verb::CSet,
            CommandKind::ControlBusGet => Verb::CGet,
            CommandKind::ControlBusSetRuns => Verb::CSetn,
            CommandKind::ClearScheduled => Verb::ClearSched,
            CommandKind::Sync => Verb::Sync,
            CommandKind::Shutdown => Verb::Quit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_finds_its_verb_and_nothing_else_finds_one() {
        for &verb in Verb::ALL {
            assert_eq!(Verb::from_address(verb.address()), Some(verb));
            assert_eq!(Verb::from_address(&format!("{}x", verb.address())), None);
        }
        for address in ["", "/", "/zzz", "#bundle", "/a"] {
            assert_eq!(Verb::from_address(address), None, "{address}");
        }
    }
}
