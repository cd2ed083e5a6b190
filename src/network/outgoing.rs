//! A reply or notification waiting to be sent: most are OSC packets; the `/ack` of a
//! successful command, the most frequent reply by far, is kept as its two values and
//! encoded straight into the datagram, with nothing allocated for it.
//!
//! Context: NRT (network thread).

use rosc::OscPacket;

use crate::osc::replies;

/// One reply or notification for one destination.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// Any packet.
    Packet(OscPacket),
    /// `/ack s:address i:id`.
    Ack {
        /// The verb acknowledged.
        address: &'static str,
        /// The node (or other id) it was about.
        id: i32,
    },
}

impl Outgoing {
    /// Appends the encoded packet to `buf`, as rosc encodes it.
    pub fn encode_into(&self, buf: &mut Vec<u8>) {
        match self {
            Outgoing::Packet(packet) => {
                if let Err(e) = rosc::encoder::encode_into(packet, buf) {
                    match e {}
                }
            }
            Outgoing::Ack { address, id } => {
                buf.extend_from_slice(b"/ack\0\0\0\0,si\0");
                buf.extend_from_slice(address.as_bytes());
                // The string's NUL, then padding to a multiple of 4 bytes.
                let pad = 4 - address.len() % 4;
                buf.extend_from_slice(&[0; 4][..pad]);
                buf.extend_from_slice(&id.to_be_bytes());
            }
        }
    }

    /// The packet itself.
    pub fn into_packet(self) -> OscPacket {
        match self {
            Outgoing::Packet(packet) => packet,
            Outgoing::Ack { address, id } => replies::ack(address, id),
        }
    }
}

impl From<OscPacket> for Outgoing {
    fn from(packet: OscPacket) -> Self {
        Outgoing::Packet(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ack_encodes_as_rosc_encodes_its_packet() {
        for address in ["/s_new", "/n_free", "/synth/new", "/node/free", "/g", "/abc", "/abcdefg"] {
            for id in [0, 1, -1, 1000, i32::MAX] {
                let ack = Outgoing::Ack { address, id };
                let mut ours = Vec::new();
                ack.encode_into(&mut ours);
                assert_eq!(ours, rosc::encoder::encode(&ack.clone().into_packet()).unwrap(), "{address} {id}");
            }
        }
    }
}
