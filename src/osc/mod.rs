//! The OSC protocol: what the server, the score reader and the renderer share. Packet
//! checks before decoding, reading a message's arguments, parsing verbs into engine
//! commands, the replies and their encoding, and the errors they carry (their codes are the
//! crate's [`error_code`](crate::error_code) table, re-exported here).
//!
//! Context: NRT (the network thread, or the thread rendering a score).

mod args;
mod buffer_verbs;
mod bus_verbs;
mod command_list;
mod command_numbers;
mod decode;
mod dialect;
mod live_resources;
mod midi_replies;
mod midi_verbs;
mod network_status;
mod node_verbs;
mod packet_check;
mod packet_view;
pub mod replies;
mod request_error;
mod verb;
mod verbs;

pub use crate::error_code::ErrorCode;
pub use command_list::CommandList;
pub use command_numbers::{command_address, expand_command_numbers};
pub use decode::{decode_packet, message_to_rosc, to_rosc, DecodeError};
pub use dialect::Dialect;
pub use live_resources::LiveResources;
pub use midi_replies::{midi_inputs, midi_mappings, midi_notification};
pub use midi_verbs::MidiRequest;
pub use network_status::NetworkStatus;
pub use node_verbs::MAX_QUERIED_VALUES;
pub use packet_check::{check_packet, check_structure, PacketError, MAX_BUNDLE_DEPTH, MAX_PACKET_SIZE};
pub use packet_view::{read_packet, Arg, ArgList, BundleView, MessageView, PacketView};
pub use request_error::RequestError;
pub use verb::{ReplySize, Verb, VERBS};
pub use verbs::{parse, PluginRequest, Request, MAX_IDS_PER_MESSAGE};
