//! scsynth's integer command numbers: a message whose address is an int32 (its first byte
//! 0) in place of a string, as sclang sends `/n_free` (11) and `/n_set` (15). Such
//! packets are rewritten with the address the number stands for before the OSC decoder,
//! which refuses addresses that do not start with `/`, sees them.
//!
//! Context: NRT (the network thread, or the thread reading a score).

use std::borrow::Cow;

use super::PacketError;

/// The addresses of scsynth's command numbers, by number (Server Command Reference,
/// "Command Numbers"); 0 is no command.
const ADDRESSES: [&str; 65] = [
    "",
    "/notify",
    "/status",
    "/quit",
    "/cmd",
    "/d_recv",
    "/d_load",
    "/d_loadDir",
    "/d_freeAll",
    "/s_new",
    "/n_trace",
    "/n_free",
    "/n_run",
    "/n_cmd",
    "/n_map",
    "/n_set",
    "/n_setn",
    "/n_fill",
    "/n_before",
    "/n_after",
    "/u_cmd",
    "/g_new",
    "/g_head",
    "/g_tail",
    "/g_freeAll",
    "/c_set",
    "/c_setn",
    "/c_fill",
    "/b_alloc",
    "/b_allocRead",
    "/b_read",
    "/b_write",
    "/b_free",
    "/b_close",
    "/b_zero",
    "/b_set",
    "/b_setn",
    "/b_fill",
    "/b_gen",
    "/dumpOSC",
    "/c_get",
    "/c_getn",
    "/b_get",
    "/b_getn",
    "/s_get",
    "/s_getn",
    "/n_query",
    "/b_query",
    "/n_mapn",
    "/s_noid",
    "/g_deepFree",
    "/clearSched",
    "/sync",
    "/d_free",
    "/b_allocReadChannel",
    "/b_readChannel",
    "/g_dumpTree",
    "/g_queryTree",
    "/error",
    "/s_newargs",
    "/n_mapa",
    "/n_mapan",
    "/n_order",
    "/p_new",
    "/version",
];

/// The address command number `number` stands for.
///
/// ```
/// use oscine::osc::command_address;
/// assert_eq!(command_address(15), Some("/n_set"));
/// assert_eq!(command_address(64), Some("/version"));
/// assert_eq!(command_address(0), None);
/// assert_eq!(command_address(65), None);
/// ```
pub fn command_address(number: u32) -> Option<&'static str> {
    ADDRESSES.get(number as usize).copied().filter(|a| !a.is_empty())
}

/// `packet` with every message addressed by a command number (its own or inside bundles)
/// readdressed by name; borrowed as it is when it holds none.
///
/// # Errors
/// [`PacketError::UnknownCommandNumber`] for a number with no command, and the framing
/// errors of a bundle whose element sizes do not fit it.
pub fn expand_command_numbers(packet: &[u8]) -> Result<Cow<'_, [u8]>, PacketError> {
    if !holds_numbers(packet, 0)? {
        return Ok(Cow::Borrowed(packet));
    }
    let mut out = Vec::with_capacity(packet.len() + 16);
    rewrite(packet, &mut out)?;
    Ok(Cow::Owned(out))
}

/// The elements of a bundle: each element's bytes, sizes checked.
fn elements(bundle: &[u8]) -> impl Iterator<Item = Result<&[u8], PacketError>> {
    let mut pos = 16.min(bundle.len());
    std::iter::from_fn(move || {
        if pos >= bundle.len() {
            return None;
        }
        let element = bundle
            .get(pos..pos + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
            .and_then(|size| bundle.get(pos + 4..(pos + 4).checked_add(size)?).map(|e| (e, size)));
        match element {
            Some((e, size)) => {
                pos += 4 + size;
                Some(Ok(e))
            }
            None => {
                pos = bundle.len();
                Some(Err(PacketError::Truncated))
            }
        }
    })
}

fn is_bundle(element: &[u8]) -> bool {
    element.starts_with(b"#bundle\0")
}

/// Whether `element` or anything inside it is addressed by a number.
fn holds_numbers(element: &[u8], depth: usize) -> Result<bool, PacketError> {
    if is_bundle(element) {
        if depth >= super::MAX_BUNDLE_DEPTH {
            return Err(PacketError::TooDeep);
        }
        for e in elements(element) {
            if holds_numbers(e?, depth + 1)? {
                return Ok(true);
            }
        }
        Ok(false)
    } else {
        Ok(element.first() == Some(&0) && element.len() >= 4)
    }
}

/// Writes `element` readdressed into `out`; its nesting was bounded by [`holds_numbers`].
fn rewrite(element: &[u8], out: &mut Vec<u8>) -> Result<(), PacketError> {
    if is_bundle(element) {
        if element.len() < 16 {
            return Err(PacketError::Truncated);
        }
        out.extend_from_slice(&element[..16]);
        for e in elements(element) {
            let e = e?;
            let size_at = out.len();
            out.extend_from_slice(&[0; 4]);
            rewrite(e, out)?;
            let size = (out.len() - size_at - 4) as u32;
            out[size_at..size_at + 4].copy_from_slice(&size.to_be_bytes());
        }
    } else if element.first() == Some(&0) && element.len() >= 4 {
        let number = u32::from_be_bytes([element[0], element[1], element[2], element[3]]);
        let address = command_address(number).ok_or(PacketError::UnknownCommandNumber(number))?;
        out.extend_from_slice(address.as_bytes());
        // The address's NUL, padded to a multiple of four.
        let padded = (address.len() + 1).div_ceil(4) * 4;
        out.resize(out.len() + padded - address.len(), 0);
        out.extend_from_slice(&element[4..]);
    } else {
        out.extend_from_slice(element);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::{OscMessage, OscPacket, OscType};

    fn numbered(number: u32, args_bytes: &[u8]) -> Vec<u8> {
        let mut m = number.to_be_bytes().to_vec();
        m.extend_from_slice(args_bytes);
        m
    }

    fn bundle(elements: &[Vec<u8>]) -> Vec<u8> {
        let mut b = b"#bundle\0".to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        for e in elements {
            b.extend_from_slice(&(e.len() as u32).to_be_bytes());
            b.extend_from_slice(e);
        }
        b
    }

    fn decoded(bytes: &[u8]) -> OscPacket {
        rosc::decoder::decode_udp(bytes).unwrap().1
    }

    #[test]
    fn a_numbered_message_gets_its_address() {
        // `Node.free`: 11, then ",i" 1000.
        let free = numbered(11, b",i\0\0\0\0\x03\xe8");
        let out = expand_command_numbers(&free).unwrap();
        assert_eq!(
            decoded(&out),
            OscPacket::Message(OscMessage { addr: "/n_free".into(), args: vec![OscType::Int(1000)] })
        );
        // A message with no arguments (and no type tags).
        assert_eq!(&*expand_command_numbers(&numbered(52, b"")).unwrap(), b"/sync\0\0\0");
    }

    #[test]
    fn bundles_are_rewritten_with_their_sizes() {
        let set = numbered(15, b",isf\0\0\0\0\0\0\x03\xe8freq\0\0\0\0\x43\xdc\0\0");
        let named = b"/status\0,\0\0\0".to_vec();
        let inner = bundle(std::slice::from_ref(&set));
        let outer = bundle(&[named.clone(), inner, set]);
        let out = expand_command_numbers(&outer).unwrap();
        assert_eq!(super::super::check_packet(&out), Ok(()));
        let OscPacket::Bundle(b) = decoded(&out) else { panic!("a bundle") };
        let addresses: Vec<String> = b
            .content
            .iter()
            .map(|p| match p {
                OscPacket::Message(m) => m.addr.clone(),
                OscPacket::Bundle(inner) => match &inner.content[0] {
                    OscPacket::Message(m) => format!("inner {}", m.addr),
                    _ => unreachable!(),
                },
            })
            .collect();
        assert_eq!(addresses, ["/status", "inner /n_set", "/n_set"]);
    }

    #[test]
    fn packets_without_numbers_are_borrowed_and_bad_ones_refused() {
        let named = b"/status\0,\0\0\0";
        assert!(matches!(expand_command_numbers(named).unwrap(), Cow::Borrowed(_)));
        assert_eq!(expand_command_numbers(&numbered(65, b"")), Err(PacketError::UnknownCommandNumber(65)));
        assert_eq!(expand_command_numbers(&numbered(0, b"")), Err(PacketError::UnknownCommandNumber(0)));
        let mut cut = bundle(&[numbered(11, b",i\0\0\0\0\x03\xe8")]);
        cut.truncate(cut.len() - 4);
        assert_eq!(expand_command_numbers(&cut), Err(PacketError::Truncated));
    }
}
