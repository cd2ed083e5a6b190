/// The largest datagram the server reads (the UDP payload limit over IPv4).
pub const MAX_PACKET_SIZE: usize = 65_507;

/// How deeply bundles may nest. rosc decodes nested bundles recursively with no limit, so
/// every packet is checked against this before it reaches the decoder.
pub const MAX_BUNDLE_DEPTH: usize = 8;

/// What is structurally wrong with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Empty, misaligned, or neither a message nor a bundle.
    #[error("malformed OSC packet: {0}")]
    Malformed(&'static str),
    /// A bundle element's size runs past the end of its bundle.
    #[error("truncated OSC packet: a bundle element is longer than the bytes that follow it")]
    Truncated,
    /// Bundles nest too deeply.
    #[error("bundles nested more than {MAX_BUNDLE_DEPTH} deep")]
    TooDeep,
    /// Larger than [`MAX_PACKET_SIZE`].
    #[error("packet larger than {MAX_PACKET_SIZE} bytes")]
    TooLarge,
    /// A message addressed by an integer that is not one of scsynth's command numbers.
    #[error("no command has the number {0} (scsynth's command numbers are 1 to 64)")]
    UnknownCommandNumber(u32),
}

/// Checks a packet's framing without decoding it: sizes and alignment, bundle nesting
/// depth, and that every message has an address (a string, or scsynth's int32 command
/// number) and a type tag string whose array brackets balance (rosc accepts an unclosed
/// `[`).
///
/// Context: NRT (network thread). Iterates bundle elements; recursion is bounded by
/// [`MAX_BUNDLE_DEPTH`].
pub fn check_packet(packet: &[u8]) -> Result<(), PacketError> {
    if packet.len() > MAX_PACKET_SIZE {
        return Err(PacketError::TooLarge);
    }
    check_element(packet, 0)
}

/// As [`check_packet`], without the size limit: for packets that do not come in one
/// datagram (a score's bundles, which may be of any size).
pub fn check_structure(packet: &[u8]) -> Result<(), PacketError> {
    check_element(packet, 0)
}

fn check_element(packet: &[u8], depth: usize) -> Result<(), PacketError> {
    if packet.is_empty() {
        return Err(PacketError::Malformed("empty packet"));
    }
    if !packet.len().is_multiple_of(4) {
        return Err(PacketError::Malformed("size is not a multiple of 4"));
    }
    if packet.starts_with(b"#bundle\0") {
        if depth >= MAX_BUNDLE_DEPTH {
            return Err(PacketError::TooDeep);
        }
        if packet.len() < 16 {
            return Err(PacketError::Truncated);
        }
        let mut pos = 16;
        while pos < packet.len() {
            let Some(size_bytes) = packet.get(pos..pos + 4) else { return Err(PacketError::Truncated) };
            let size = u32::from_be_bytes([size_bytes[0], size_bytes[1], size_bytes[2], size_bytes[3]]) as usize;
            let start = pos + 4;
            let end = start.checked_add(size).ok_or(PacketError::Truncated)?;
            let element = packet.get(start..end).ok_or(PacketError::Truncated)?;
            check_element(element, depth + 1)?;
            pos = end;
        }
        Ok(())
    } else if packet[0] == b'/' {
        let tags_start = padded_string_end(packet, 0).ok_or(PacketError::Malformed("address is not terminated"))?;
        check_tags(packet, tags_start)
    } else if packet[0] == 0 {
        // Addressed by an int32 command number, as scsynth's clients may send it.
        check_tags(packet, 4)
    } else {
        Err(PacketError::Malformed("neither a message (/... or a command number) nor a bundle (#bundle)"))
    }
}

fn padded_string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let nul = bytes[start..].iter().position(|b| *b == 0)?;
    let end = start + nul + 1;
    Some(end.div_ceil(4) * 4)
}

fn check_tags(packet: &[u8], tags_start: usize) -> Result<(), PacketError> {
    if tags_start >= packet.len() {
        // No type tag string: an old-style message with no arguments.
        return Ok(());
    }
    if packet[tags_start] != b',' {
        return Err(PacketError::Malformed("type tag string must start with ','"));
    }
    let nul = packet[tags_start..]
        .iter()
        .position(|b| *b == 0)
        .ok_or(PacketError::Malformed("type tag string is not terminated"))?;
    let mut open = 0usize;
    for tag in &packet[tags_start + 1..tags_start + nul] {
        match tag {
            b'[' => open += 1,
            b']' => open = open.checked_sub(1).ok_or(PacketError::Malformed("']' without '['"))?,
            _ => {}
        }
    }
    if open != 0 {
        return Err(PacketError::Malformed("unclosed '[' in type tags"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(inner: &[u8]) -> Vec<u8> {
        let mut b = b"#bundle\0".to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        b.extend_from_slice(&(inner.len() as u32).to_be_bytes());
        b.extend_from_slice(inner);
        b
    }

    #[test]
    fn accepts_messages_and_nested_bundles_within_the_limit() {
        let msg = b"/status\0,\0\0\0";
        assert_eq!(check_packet(msg), Ok(()));
        let mut p = msg.to_vec();
        for _ in 0..MAX_BUNDLE_DEPTH {
            p = bundle(&p);
        }
        assert_eq!(check_packet(&p), Ok(()));
        assert_eq!(check_packet(&bundle(&p)), Err(PacketError::TooDeep));
    }

    #[test]
    fn rejects_deep_nesting_without_recursing_into_rosc() {
        // ~64 KB of nested bundle headers: what overflows rosc's stack.
        let mut p = Vec::new();
        let depth = 3200;
        for level in 0..depth {
            p.extend_from_slice(b"#bundle\0");
            p.extend_from_slice(&[0; 8]);
            if level + 1 < depth {
                // The rest of the packet is this bundle's single element.
                let remaining = (depth - level - 1) * 20 - 4;
                p.extend_from_slice(&(remaining as u32).to_be_bytes());
            }
        }
        assert!(p.len() > 60_000);
        assert_eq!(check_packet(&p), Err(PacketError::TooDeep));
    }

    #[test]
    fn rejects_truncation_misalignment_and_bad_tags() {
        let mut p = bundle(b"/status\0,\0\0\0");
        p.truncate(p.len() - 4);
        assert_eq!(check_packet(&p), Err(PacketError::Truncated));
        assert!(matches!(check_packet(b"/ab"), Err(PacketError::Malformed(_))));
        assert!(matches!(check_packet(b""), Err(PacketError::Malformed(_))));
        assert!(matches!(check_packet(b"xyz\0"), Err(PacketError::Malformed(_))));
        // A command number's message: the int32, then its type tags.
        assert_eq!(check_packet(b"\0\0\0\x0b,i\0\0\0\0\x03\xe8"), Ok(()));
        assert!(matches!(check_packet(b"\0\0\0\x0bi\0\0\0"), Err(PacketError::Malformed(_))));
        assert!(matches!(check_packet(b"/a\0\0,[i\0\0\0\0\x01"), Err(PacketError::Malformed(_))));
        assert_eq!(check_packet(b"/a\0\0,[i]\0\0\0\0\0\0\0\x01"), Ok(()));
        assert!(matches!(check_packet(b"/a\0\0i\0\0\0"), Err(PacketError::Malformed(_))));
        assert_eq!(check_packet(&vec![0u8; MAX_PACKET_SIZE + 1]), Err(PacketError::TooLarge));
    }
}
