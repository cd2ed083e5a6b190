//! Decoding OSC packets into rosc's types, for what keeps packets (scores) or builds
//! them (tests): read in place by [`read_packet`], then copied out, one allocation for a
//! message's address, one for its arguments, one for each string or blob argument.
//!
//! Context: NRT (score reader, tests).

use rosc::{OscArray, OscBundle, OscColor, OscMessage, OscMidiMessage, OscPacket, OscTime, OscType};

use super::packet_view::{read_packet, Arg, ArgList, MessageView, PacketView};

/// Why a packet could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub &'static str);

/// Decodes a whole packet: a message, or a bundle of packets, refused whole as
/// [`read_packet`] refuses it.
pub fn decode_packet(bytes: &[u8]) -> Result<OscPacket, DecodeError> {
    read_packet(bytes).map(to_rosc)
}

/// A packet read in place as rosc's packet.
pub fn to_rosc(packet: PacketView<'_>) -> OscPacket {
    match packet {
        PacketView::Message(m) => OscPacket::Message(message_to_rosc(m)),
        PacketView::Bundle(b) => {
            let (seconds, fractional) = ((b.timetag.0 >> 32) as u32, b.timetag.0 as u32);
            OscPacket::Bundle(OscBundle {
                timetag: OscTime { seconds, fractional },
                content: b.elements().map(to_rosc).collect(),
            })
        }
    }
}

/// A message read in place as rosc's message.
pub fn message_to_rosc(m: MessageView<'_>) -> OscMessage {
    OscMessage { addr: m.addr.to_owned(), args: args_to_rosc(m.args) }
}

fn args_to_rosc(args: ArgList<'_>) -> Vec<OscType> {
    let mut out = Vec::with_capacity(args.len());
    out.extend(args.map(|arg| match arg {
        Arg::Int(i) => OscType::Int(i),
        Arg::Float(f) => OscType::Float(f),
        Arg::String(s) => OscType::String(s.to_owned()),
        Arg::Blob(b) => OscType::Blob(b.to_vec()),
        Arg::Long(l) => OscType::Long(l),
        Arg::Double(d) => OscType::Double(d),
        Arg::Time(t) => OscType::Time(OscTime { seconds: (t >> 32) as u32, fractional: t as u32 }),
        Arg::Char(c) => OscType::Char(c),
        Arg::Color([red, green, blue, alpha]) => OscType::Color(OscColor { red, green, blue, alpha }),
        Arg::Midi([port, status, data1, data2]) => OscType::Midi(OscMidiMessage { port, status, data1, data2 }),
        Arg::Bool(b) => OscType::Bool(b),
        Arg::Nil => OscType::Nil,
        Arg::Inf => OscType::Inf,
        Arg::Array(items) => OscType::Array(OscArray { content: args_to_rosc(items) }),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arg() -> impl Strategy<Value = OscType> {
        let leaf = prop_oneof![
            any::<i32>().prop_map(OscType::Int),
            any::<f32>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()).prop_map(OscType::Float),
            "[a-z/ é]{0,9}".prop_map(OscType::String),
            proptest::collection::vec(any::<u8>(), 0..9).prop_map(OscType::Blob),
            any::<i64>().prop_map(OscType::Long),
            any::<f64>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()).prop_map(OscType::Double),
            (any::<u32>(), any::<u32>()).prop_map(|(s, f)| OscType::Time(OscTime { seconds: s, fractional: f })),
            any::<char>().prop_map(OscType::Char),
            any::<[u8; 4]>().prop_map(|[red, green, blue, alpha]| OscType::Color(OscColor { red, green, blue, alpha })),
            any::<[u8; 4]>().prop_map(|[port, status, data1, data2]| OscType::Midi(OscMidiMessage {
                port,
                status,
                data1,
                data2
            })),
            any::<bool>().prop_map(OscType::Bool),
            Just(OscType::Nil),
            Just(OscType::Inf),
        ];
        leaf.prop_recursive(2, 12, 4, |inner| {
            proptest::collection::vec(inner, 0..4).prop_map(|content| OscType::Array(OscArray { content }))
        })
    }

    fn packet() -> impl Strategy<Value = OscPacket> {
        let message = ("/[a-z_/]{0,12}", proptest::collection::vec(arg(), 0..6))
            .prop_map(|(addr, args)| OscPacket::Message(OscMessage { addr, args }));
        message.prop_recursive(3, 16, 4, |inner| {
            (any::<u32>(), any::<u32>(), proptest::collection::vec(inner, 0..4)).prop_map(|(s, f, content)| {
                OscPacket::Bundle(OscBundle { timetag: OscTime { seconds: s, fractional: f }, content })
            })
        })
    }

    proptest! {
        #[test]
        fn decodes_what_rosc_encodes(p in packet()) {
            let bytes = rosc::encoder::encode(&p).unwrap();
            prop_assert_eq!(decode_packet(&bytes), Ok(p));
        }

        #[test]
        fn agrees_with_rosc_on_every_packet_rosc_reads_whole(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(([], packet)) = rosc::decoder::decode_udp(&bytes) {
                // rosc also reads a bundle element with bytes left over after its message;
                // those are refused here.
                if let Ok(ours) = decode_packet(&bytes) {
                    prop_assert_eq!(ours, packet);
                }
            }
        }

        #[test]
        fn agrees_with_rosc_on_packets_with_one_byte_changed(p in packet(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = rosc::encoder::encode(&p).unwrap();
            let at = at % bytes.len();
            bytes[at] = byte;
            // Where rosc reads every byte (it drops what it cannot read at the end of an
            // inner bundle), the packets agree; compared encoded, as a changed byte may
            // make a NaN, which equals nothing.
            if let Ok(([], theirs)) = rosc::decoder::decode_udp(&bytes) {
                let theirs = rosc::encoder::encode(&theirs).unwrap();
                if theirs == bytes {
                    let ours = decode_packet(&bytes);
                    prop_assert!(ours.is_ok(), "{:?}", ours);
                    prop_assert_eq!(rosc::encoder::encode(&ours.unwrap()).unwrap(), theirs);
                }
            }
        }

        #[test]
        fn every_prefix_of_a_packet_is_refused_or_read_without_panicking(p in packet(), cut in 0usize..200) {
            let bytes = rosc::encoder::encode(&p).unwrap();
            let _ = decode_packet(&bytes[..cut.min(bytes.len())]);
        }
    }

    #[test]
    fn a_message_without_type_tags_has_no_arguments() {
        let m = decode_packet(b"/status\0").unwrap();
        assert_eq!(m, OscPacket::Message(OscMessage { addr: "/status".into(), args: vec![] }));
    }

    #[test]
    fn refuses_what_is_malformed_with_a_reason() {
        for (bytes, reason) in [
            (&b"status\0\0,\0\0\0"[..], "neither a message"),
            (b"/a\0\0i\0\0\0", "does not start with ','"),
            (b"/a\0\0,i\0\0\0\0\0", "ends inside an argument"),
            (b"/a\0\0,s\0\0abcd", "not terminated"),
            (b"/a\0\0,x\0\0", "does not know"),
            (b"/a\0\0,[i\0\0\0\0\0\x01", "unclosed"),
            (b"/a\0\0,]\0\0", "without '['"),
            (b"/a\0\0,\0\0\0\0\0\0\0", "left over"),
            (b"/\xff\0\0,\0\0\0", "UTF-8"),
            (b"#bundle\0\0\0\0\0\0\0\0\x01\0\0\0\x10/a\0\0", "longer than"),
        ] {
            let e = decode_packet(bytes).unwrap_err();
            assert!(e.0.contains(reason), "{bytes:?}: {e}");
        }
    }
}
