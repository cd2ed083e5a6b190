//! Packing the replies one UDP client is owed in one pass of the network thread into as
//! few datagrams as fit: consecutive replies travel in one bundle timed "immediately",
//! which a client reads as the same messages in the same order.
//!
//! Context: NRT (network thread).

use super::outgoing::Outgoing;

/// The largest datagram of coalesced replies, in bytes. A reply larger than this alone
/// (a tree in parts is at most 65,000 bytes a part) still goes as one datagram of its own.
pub const REPLY_DATAGRAM_BUDGET: usize = 8192;

/// `#bundle\0` and the timetag "immediately" (1).
const BUNDLE_HEADER: [u8; 16] = *b"#bundle\0\0\0\0\0\0\0\0\x01";

/// Encodes replies into datagrams, reusing one buffer from pass to pass.
#[derive(Debug, Default)]
pub struct ReplyPacker {
    /// The bundle being filled: room for its header, then its elements, each a big-endian
    /// size and the encoded packet.
    buf: Vec<u8>,
    elements: usize,
}

impl ReplyPacker {
    /// A packer with an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The datagrams that carry `packets`, in order: each packet alone when it is the only
    /// one or would not fit a datagram with others, else consecutive packets in a bundle
    /// of at most `budget` bytes (0: every packet alone). `send` gets each datagram's bytes.
    pub fn pack<'p>(
        &mut self,
        packets: impl IntoIterator<Item = &'p Outgoing>,
        budget: usize,
        mut send: impl FnMut(&[u8]),
    ) {
        self.buf.clear();
        self.buf.extend_from_slice(&BUNDLE_HEADER);
        self.elements = 0;
        for packet in packets {
            let start = self.buf.len();
            self.buf.extend_from_slice(&[0; 4]);
            packet.encode_into(&mut self.buf);
            let size = self.buf.len() - start - 4;
            self.buf[start..start + 4].copy_from_slice(&(size as u32).to_be_bytes());
            if self.elements > 0 && self.buf.len() > budget {
                // The new element does not fit with the others: they go first.
                self.send_elements(start, &mut send);
                self.buf.copy_within(start.., BUNDLE_HEADER.len());
                self.buf.truncate(BUNDLE_HEADER.len() + 4 + size);
                self.elements = 0;
            }
            self.elements += 1;
        }
        let end = self.buf.len();
        self.send_elements(end, &mut send);
    }

    /// Sends the elements before `end`: a lone one as the bare packet, several as the
    /// bundle.
    fn send_elements(&self, end: usize, send: &mut impl FnMut(&[u8])) {
        match self.elements {
            0 => {}
            1 => send(&self.buf[BUNDLE_HEADER.len() + 4..end]),
            _ => send(&self.buf[..end]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::{OscMessage, OscPacket, OscType};

    fn ack(id: i32) -> Outgoing {
        Outgoing::Ack { address: "/node/free", id }
    }

    fn encode(o: &Outgoing) -> Vec<u8> {
        let mut bytes = Vec::new();
        o.encode_into(&mut bytes);
        bytes
    }

    fn packet(id: i32) -> OscPacket {
        ack(id).into_packet()
    }

    fn messages_of(datagram: &[u8]) -> Vec<OscPacket> {
        let (_, packet) = rosc::decoder::decode_udp(datagram).unwrap();
        match packet {
            OscPacket::Bundle(b) => {
                assert_eq!((b.timetag.seconds, b.timetag.fractional), (0, 1), "timed immediately");
                b.content
            }
            message => vec![message],
        }
    }

    #[test]
    fn a_lone_reply_goes_bare_and_many_go_in_bundles_within_the_budget_in_order() {
        let mut packer = ReplyPacker::new();
        let mut datagrams = Vec::new();
        packer.pack(&[ack(1)], 8192, |d| datagrams.push(d.to_vec()));
        assert_eq!(datagrams, vec![encode(&ack(1))]);

        let replies: Vec<Outgoing> = (0..1000).map(ack).collect();
        datagrams.clear();
        packer.pack(&replies, 1024, |d| datagrams.push(d.to_vec()));
        assert!(datagrams.iter().all(|d| d.len() <= 1024));
        let element = encode(&ack(0)).len() + 4;
        let per_datagram = (1024 - BUNDLE_HEADER.len()) / element;
        assert_eq!(datagrams.len(), 1000usize.div_ceil(per_datagram));
        let received: Vec<OscPacket> = datagrams.iter().flat_map(|d| messages_of(d)).collect();
        assert_eq!(received, (0..1000).map(packet).collect::<Vec<_>>());
    }

    #[test]
    fn a_reply_larger_than_the_budget_goes_alone_between_its_neighbours() {
        let big = OscPacket::Message(OscMessage { addr: "/big".into(), args: vec![OscType::Blob(vec![7; 3000])] });
        let replies = vec![ack(1), ack(2), Outgoing::Packet(big.clone()), ack(3)];
        let mut packer = ReplyPacker::new();
        let mut datagrams = Vec::new();
        packer.pack(&replies, 1024, |d| datagrams.push(d.to_vec()));
        assert_eq!(datagrams.len(), 3);
        assert_eq!(messages_of(&datagrams[0]), vec![packet(1), packet(2)]);
        assert_eq!(datagrams[1], rosc::encoder::encode(&big).unwrap());
        assert_eq!(messages_of(&datagrams[2]), vec![packet(3)]);

        datagrams.clear();
        packer.pack(&replies, 0, |d| datagrams.push(d.to_vec()));
        let each: Vec<Vec<u8>> = replies.iter().map(encode).collect();
        assert_eq!(datagrams, each, "a budget of 0 sends each reply alone");
    }
}
