//! Reading OSC packets in place: a packet is checked whole by [`read_packet`], then its
//! bundles, messages and arguments are read straight from its bytes as they are walked,
//! strings and blobs borrowed, nothing allocated.
//!
//! Context: NRT (network thread, score reader, renderer).

use std::fmt;

use super::DecodeError;
use crate::engine::Timetag;

/// How deeply arrays may nest inside one message's arguments.
const MAX_ARRAY_DEPTH: usize = 16;

/// A packet read in place: a message, or a bundle of packets.
#[derive(Debug, Clone, Copy)]
pub enum PacketView<'a> {
    /// A message.
    Message(MessageView<'a>),
    /// A bundle.
    Bundle(BundleView<'a>),
}

/// A bundle read in place.
#[derive(Clone, Copy)]
pub struct BundleView<'a> {
    /// Its timetag.
    pub timetag: Timetag,
    /// Its elements, each a big-endian size and the packet.
    elements: &'a [u8],
}

/// A message read in place.
#[derive(Debug, Clone, Copy)]
pub struct MessageView<'a> {
    /// Its address.
    pub addr: &'a str,
    /// Its arguments.
    pub args: ArgList<'a>,
}

/// One argument of a message, borrowed from the packet's bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    /// `i`
    Int(i32),
    /// `f`
    Float(f32),
    /// `s`
    String(&'a str),
    /// `b`
    Blob(&'a [u8]),
    /// `h`
    Long(i64),
    /// `d`
    Double(f64),
    /// `t`: the timetag's 64 bits.
    Time(u64),
    /// `c`
    Char(char),
    /// `r`: red, green, blue, alpha.
    Color([u8; 4]),
    /// `m`: port, status, data 1, data 2.
    Midi([u8; 4]),
    /// `T` or `F`
    Bool(bool),
    /// `N`
    Nil,
    /// `I`
    Inf,
    /// `[` ... `]`
    Array(ArgList<'a>),
}

/// The arguments of a message (or of an array in one), read one by one from the bytes.
/// An iterator of [`Arg`]s; copying it copies the position.
#[derive(Clone, Copy)]
pub struct ArgList<'a> {
    /// The type tags still to read at this level; an array's stop before its `]`.
    tags: &'a [u8],
    /// The argument data from the next argument on.
    data: Reader<'a>,
    /// How many arrays enclose these arguments.
    depth: usize,
}

/// Reads and checks a whole packet: a message, or a bundle of packets. Every byte must
/// belong to it: a bundle element or message that does not decode, or bytes left over
/// after one, refuse the whole packet. A message without a type tag string has no
/// arguments. Nesting is as deep as the packet's own (callers bound it with
/// [`check_packet`](super::check_packet) first).
pub fn read_packet(bytes: &[u8]) -> Result<PacketView<'_>, DecodeError> {
    let packet = view_packet::<UNCHECKED>(bytes)?;
    check(packet)?;
    Ok(packet)
}

/// Reading bytes not checked yet: every string's UTF-8 is checked.
const UNCHECKED: bool = false;
/// Reading the bytes of a packet [`read_packet`] has checked whole: strings are known to
/// be UTF-8. Every view is made by `read_packet` (their fields are private), so every
/// view's bytes are checked ones.
const CHECKED: bool = true;

/// The packet's outline: a bundle's timetag, or a message's address and where its
/// arguments are; the rest is read as it is walked.
fn view_packet<const C: bool>(bytes: &[u8]) -> Result<PacketView<'_>, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"#bundle\0") {
        let mut r = Reader { bytes: rest, pos: 0 };
        let timetag = Timetag(r.u64()?);
        return Ok(PacketView::Bundle(BundleView { timetag, elements: &rest[8..] }));
    }
    view_message::<C>(bytes).map(PacketView::Message)
}

fn view_message<const C: bool>(bytes: &[u8]) -> Result<MessageView<'_>, DecodeError> {
    if bytes.first() != Some(&b'/') {
        return Err(DecodeError("neither a message (its address starts with '/') nor a bundle"));
    }
    let mut r = Reader { bytes, pos: 0 };
    let addr = r.str::<C>()?;
    if r.at_end() {
        return Ok(MessageView { addr, args: ArgList::EMPTY });
    }
    let (tags, _) = r.c_string()?;
    let Some((b',', tags)) = tags.split_first() else {
        return Err(DecodeError("the type tag string does not start with ','"));
    };
    Ok(MessageView { addr, args: ArgList { tags, data: r, depth: 0 } })
}

/// Reads every element and argument of `packet` once, refusing it at the first problem.
fn check(packet: PacketView<'_>) -> Result<(), DecodeError> {
    match packet {
        PacketView::Message(m) => {
            let mut args = m.args;
            while args.skip_next()? {}
            if !args.data.at_end() {
                return Err(DecodeError("bytes left over after the message's arguments"));
            }
            Ok(())
        }
        PacketView::Bundle(b) => {
            let mut elements = ElementReader { r: Reader { bytes: b.elements, pos: 0 } };
            while let Some(element) = elements.read_next()? {
                check(view_packet::<UNCHECKED>(element)?)?;
            }
            Ok(())
        }
    }
}

impl<'a> BundleView<'a> {
    /// The bundle's elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = PacketView<'a>> + 'a {
        let mut elements = ElementReader { r: Reader { bytes: self.elements, pos: 0 } };
        // Checked whole by `read_packet`: nothing here fails.
        std::iter::from_fn(move || elements.read_next().ok().flatten().and_then(|e| view_packet::<CHECKED>(e).ok()))
    }
}

impl fmt::Debug for BundleView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleView")
            .field("timetag", &self.timetag)
            .field("elements", &self.elements().collect::<Vec<_>>())
            .finish()
    }
}

/// The elements of a bundle, each a big-endian size and that many bytes.
struct ElementReader<'a> {
    r: Reader<'a>,
}

impl<'a> ElementReader<'a> {
    fn read_next(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        if self.r.at_end() {
            return Ok(None);
        }
        let size = self.r.u32()? as usize;
        self.r.take(size).map(Some).ok_or(DecodeError("a bundle element is longer than the bytes that follow it"))
    }
}

impl<'a> ArgList<'a> {
    /// No arguments.
    pub const EMPTY: ArgList<'static> = ArgList { tags: &[], data: Reader { bytes: &[], pos: 0 }, depth: 0 };

    /// Whether every argument has been read.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// How many arguments are left at this level (an array counts as one).
    pub fn len(&self) -> usize {
        let mut depth = 0usize;
        let mut count = 0;
        for &tag in self.tags {
            match tag {
                b'[' => {
                    if depth == 0 {
                        count += 1;
                    }
                    depth += 1;
                }
                b']' => depth = depth.saturating_sub(1),
                _ if depth == 0 => count += 1,
                _ => {}
            }
        }
        count
    }

    /// The next argument without reading past it.
    pub fn peek(&self) -> Option<Arg<'a>> {
        self.clone().next()
    }

    /// The next argument, or why it cannot be read.
    fn read_next<const C: bool>(&mut self) -> Result<Option<Arg<'a>>, DecodeError> {
        let Some((&tag, rest)) = self.tags.split_first() else { return Ok(None) };
        self.tags = rest;
        let r = &mut self.data;
        let arg = match tag {
            b'i' => Arg::Int(r.u32()? as i32),
            b'f' => Arg::Float(f32::from_bits(r.u32()?)),
            b's' => Arg::String(r.str::<C>()?),
            b'b' => {
                let size = r.u32()? as usize;
                let blob = r.take(size).ok_or(DecodeError("a blob is longer than the bytes that follow it"))?;
                r.align()?;
                Arg::Blob(blob)
            }
            b'h' => Arg::Long(r.u64()? as i64),
            b'd' => Arg::Double(f64::from_bits(r.u64()?)),
            b't' => Arg::Time(r.u64()?),
            b'c' => Arg::Char(char::from_u32(r.u32()?).ok_or(DecodeError("a char argument is not a character"))?),
            b'r' => Arg::Color(r.u32()?.to_be_bytes()),
            b'm' => Arg::Midi(r.u32()?.to_be_bytes()),
            b'T' => Arg::Bool(true),
            b'F' => Arg::Bool(false),
            b'N' => Arg::Nil,
            b'I' => Arg::Inf,
            b'[' => {
                if self.depth >= MAX_ARRAY_DEPTH {
                    return Err(DecodeError("arrays nest too deeply"));
                }
                let end = closing_bracket(self.tags).ok_or(DecodeError("an unclosed '[' in the type tags"))?;
                let items = ArgList { tags: &self.tags[..end], data: self.data, depth: self.depth + 1 };
                // Past the array's data: read its items once.
                let mut past = items;
                while past.read_next::<C>()?.is_some() {}
                self.data = past.data;
                self.tags = &self.tags[end + 1..];
                Arg::Array(items)
            }
            b']' => return Err(DecodeError("']' without '[' in the type tags")),
            _ => return Err(DecodeError("a type tag this server does not know")),
        };
        Ok(Some(arg))
    }
}

impl ArgList<'_> {
    /// Steps past the next argument, checking it as [`read_next`](Self::read_next) reads
    /// bytes not checked yet (an array's items too), without making an [`Arg`] of it;
    /// whether there was one.
    fn skip_next(&mut self) -> Result<bool, DecodeError> {
        let Some((&tag, rest)) = self.tags.split_first() else { return Ok(false) };
        self.tags = rest;
        let r = &mut self.data;
        match tag {
            b'i' | b'f' | b'r' | b'm' => {
                r.u32()?;
            }
            b'h' | b'd' | b't' => {
                r.u64()?;
            }
            b's' => {
                r.str::<UNCHECKED>()?;
            }
            b'b' => {
                let size = r.u32()? as usize;
                r.take(size).ok_or(DecodeError("a blob is longer than the bytes that follow it"))?;
                r.align()?;
            }
            b'c' => {
                char::from_u32(r.u32()?).ok_or(DecodeError("a char argument is not a character"))?;
            }
            b'T' | b'F' | b'N' | b'I' => {}
            b'[' => {
                if self.depth >= MAX_ARRAY_DEPTH {
                    return Err(DecodeError("arrays nest too deeply"));
                }
                let end = closing_bracket(self.tags).ok_or(DecodeError("an unclosed '[' in the type tags"))?;
                let mut items = ArgList { tags: &self.tags[..end], data: self.data, depth: self.depth + 1 };
                while items.skip_next()? {}
                self.data = items.data;
                self.tags = &self.tags[end + 1..];
            }
            b']' => return Err(DecodeError("']' without '[' in the type tags")),
            _ => return Err(DecodeError("a type tag this server does not know")),
        }
        Ok(true)
    }
}

/// Where the `]` that closes an array whose `[` came just before `tags` is.
fn closing_bracket(tags: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &tag) in tags.iter().enumerate() {
        match tag {
            b'[' => depth += 1,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            _ => {}
        }
    }
    None
}

impl<'a> Iterator for ArgList<'a> {
    type Item = Arg<'a>;

    /// The next argument. Checked whole by [`read_packet`]: an argument that could not be
    /// read (of a list not made by it) ends the list.
    fn next(&mut self) -> Option<Arg<'a>> {
        match self.read_next::<CHECKED>() {
            Ok(arg) => arg,
            Err(_) => {
                self.tags = &[];
                None
            }
        }
    }
}

impl PartialEq for ArgList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.eq_args(other)
    }
}

impl ArgList<'_> {
    fn eq_args(&self, other: &Self) -> bool {
        Iterator::eq(*self, *other)
    }
}

impl fmt::Debug for ArgList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(*self).finish()
    }
}

/// A position in a packet's bytes, always at a multiple of 4 between reads.
#[derive(Debug, Clone, Copy)]
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let taken = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(taken)
    }

    fn align(&mut self) -> Result<(), DecodeError> {
        let padded = self.pos.div_ceil(4) * 4;
        if padded > self.bytes.len() {
            return Err(DecodeError("the packet ends inside the padding after a blob"));
        }
        self.pos = padded;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4).ok_or(DecodeError("the packet ends inside an argument"))?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(((self.u32()? as u64) << 32) | self.u32()? as u64)
    }

    /// A NUL-terminated string padded to a multiple of 4 bytes, as bytes, and whether it
    /// is ASCII. Read four bytes at a time: OSC pads every string to a multiple of 4.
    fn c_string(&mut self) -> Result<(&'a [u8], bool), DecodeError> {
        const LOW: u32 = 0x0101_0101;
        const HIGH: u32 = 0x8080_8080;
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        let mut ascii = true;
        for (i, word) in rest.chunks_exact(4).enumerate() {
            let w = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            // The lowest bit set marks the word's first zero byte (bytes in memory order).
            let zeros = w.wrapping_sub(LOW) & !w & HIGH;
            if zeros != 0 {
                let before = zeros.trailing_zeros() / 8;
                let text_bits = if before == 0 { 0 } else { u32::MAX >> (32 - 8 * before) };
                ascii &= w & HIGH & text_bits == 0;
                self.pos += 4 * (i + 1);
                return Ok((&rest[..4 * i + before as usize], ascii));
            }
            ascii &= w & HIGH == 0;
        }
        if rest.contains(&0) {
            Err(DecodeError("the packet ends inside the padding after a string"))
        } else {
            Err(DecodeError("a string is not terminated"))
        }
    }

    /// A NUL-terminated UTF-8 string padded to a multiple of 4 bytes; its UTF-8 checked
    /// unless it is ASCII or `C` says the packet's bytes have been.
    fn str<const C: bool>(&mut self) -> Result<&'a str, DecodeError> {
        let (text, ascii) = self.c_string()?;
        if ascii || C {
            // SAFETY: ASCII is UTF-8; and `C` is `CHECKED` only when reading a packet
            // `read_packet` has read whole with `UNCHECKED`, which refused it unless this
            // string is UTF-8.
            Ok(unsafe { std::str::from_utf8_unchecked(text) })
        } else {
            std::str::from_utf8(text).map_err(|_| DecodeError("a string is not UTF-8"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosc::{OscArray, OscMessage, OscPacket, OscType};

    fn encoded(args: Vec<OscType>) -> Vec<u8> {
        rosc::encoder::encode(&OscPacket::Message(OscMessage { addr: "/m".into(), args })).unwrap()
    }

    fn array(content: Vec<OscType>) -> OscType {
        OscType::Array(OscArray { content })
    }

    #[test]
    fn arguments_after_nested_arrays_are_read_where_they_are() {
        let bytes = encoded(vec![
            OscType::String("abcde".into()),
            array(vec![OscType::Int(1), array(vec![OscType::Blob(vec![1, 2, 3, 4, 5])]), OscType::String("x".into())]),
            OscType::Float(0.5),
        ]);
        let Ok(PacketView::Message(m)) = read_packet(&bytes) else { panic!("a message") };
        assert_eq!(m.addr, "/m");
        let mut args = m.args;
        assert_eq!(args.len(), 3, "an array counts as one");
        assert_eq!(args.next(), Some(Arg::String("abcde")));
        assert_eq!(args.len(), 2);
        let Some(Arg::Array(items)) = args.peek() else { panic!("an array next") };
        assert_eq!(args.len(), 2, "peeking reads nothing");
        args.next();
        assert_eq!(args.collect::<Vec<_>>(), [Arg::Float(0.5)]);
        let mut items = items;
        assert_eq!(items.len(), 3);
        assert_eq!(items.next(), Some(Arg::Int(1)));
        let Some(Arg::Array(inner)) = items.next() else { panic!("the inner array") };
        assert_eq!(inner.collect::<Vec<_>>(), [Arg::Blob(&[1, 2, 3, 4, 5])]);
        assert_eq!(items.collect::<Vec<_>>(), [Arg::String("x")]);
    }

    #[test]
    fn a_bundle_is_refused_whole_for_one_bad_element_and_walked_in_order_when_good() {
        let message = |n: i32| encoded(vec![OscType::Int(n)]);
        let bundle = |elements: &[Vec<u8>]| {
            let mut b = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
            for e in elements {
                b.extend_from_slice(&(e.len() as u32).to_be_bytes());
                b.extend_from_slice(e);
            }
            b
        };
        let good = bundle(&[message(1), bundle(&[message(2)]), message(3)]);
        let Ok(PacketView::Bundle(b)) = read_packet(&good) else { panic!("a bundle") };
        assert_eq!(b.timetag, Timetag::IMMEDIATE);
        let mut ints = Vec::new();
        fn walk(p: PacketView<'_>, ints: &mut Vec<Arg<'static>>) {
            match p {
                PacketView::Message(m) => ints.extend(m.args.map(|a| match a {
                    Arg::Int(i) => Arg::Int(i),
                    _ => Arg::Nil,
                })),
                PacketView::Bundle(b) => b.elements().for_each(|e| walk(e, ints)),
            }
        }
        walk(PacketView::Bundle(b), &mut ints);
        assert_eq!(ints, [Arg::Int(1), Arg::Int(2), Arg::Int(3)]);

        let mut bad_string = encoded(vec![OscType::String("ab".into())]);
        let at = bad_string.len() - 4;
        bad_string[at] = 0xff;
        let bad = bundle(&[message(1), bundle(&[bad_string])]);
        assert_eq!(read_packet(&bad).unwrap_err(), DecodeError("a string is not UTF-8"));
    }

    #[test]
    fn checking_arguments_refuses_what_reading_them_refuses_and_ends_where_reading_ends() {
        // What checking stood for: every argument read as bytes not checked yet, an
        // array's items once more.
        fn read_all(args: &mut ArgList<'_>) -> Result<(), DecodeError> {
            while let Some(arg) = args.read_next::<UNCHECKED>()? {
                if let Arg::Array(mut items) = arg {
                    read_all(&mut items)?;
                }
            }
            Ok(())
        }
        let good = encoded(vec![
            OscType::Int(7),
            OscType::String("é".into()),
            OscType::Blob(vec![1, 2, 3]),
            array(vec![OscType::Float(0.5), array(vec![OscType::Long(5), OscType::Char('x')])]),
            OscType::Double(2.0),
            OscType::Time((1, 2).into()),
            OscType::Color(rosc::OscColor { red: 1, green: 2, blue: 3, alpha: 4 }),
            OscType::Midi(rosc::OscMidiMessage { port: 0, status: 0x90, data1: 60, data2: 100 }),
            OscType::Bool(true),
            OscType::Nil,
            OscType::Inf,
            OscType::String("sine".into()),
        ]);
        let mut packets = Vec::new();
        for at in 0..good.len() {
            for byte in [0x00, 0x01, 0x7f, 0x80, 0xff, b'[', b']', b's', b'b', b'c', b'q'] {
                let mut bytes = good.clone();
                bytes[at] = byte;
                packets.push(bytes);
            }
            packets.push(good[..at].to_vec());
        }
        packets.push(good);
        let mut refused = 0;
        for bytes in &packets {
            let Ok(PacketView::Message(m)) = view_packet::<UNCHECKED>(bytes) else { continue };
            let (mut read, mut skipped) = (m.args, m.args);
            let by_reading = read_all(&mut read);
            let by_skipping = (|| {
                while skipped.skip_next()? {}
                Ok(())
            })();
            assert_eq!(by_skipping, by_reading, "{bytes:?}");
            if by_reading.is_ok() {
                assert_eq!(skipped.data.pos, read.data.pos, "{bytes:?}");
            } else {
                refused += 1;
            }
        }
        assert!(refused > 100, "the mutations reach the checks ({refused} refused)");
    }

    #[test]
    fn strings_of_every_length_and_byte_are_read_as_a_bytewise_reader_reads_them() {
        let bytewise = |rest: &[u8]| -> Result<(usize, bool), DecodeError> {
            let nul = rest.iter().position(|b| *b == 0).ok_or(DecodeError("a string is not terminated"))?;
            if (nul + 1).div_ceil(4) * 4 > rest.len() {
                return Err(DecodeError("the packet ends inside the padding after a string"));
            }
            Ok((nul, rest[..nul].is_ascii()))
        };
        for len in 0..20 {
            for byte in [b'a', 0x7f, 0x80, 0xc3, 0xff] {
                for at in 0..len.max(1) {
                    for size in 0..24 {
                        let mut bytes = vec![b'x'; len];
                        if at < len {
                            bytes[at] = byte;
                        }
                        bytes.resize(size.max(len), 0);
                        bytes.truncate(size);
                        let mut r = Reader { bytes: &bytes, pos: 0 };
                        let ours = r.c_string().map(|(text, ascii)| (text.len(), ascii));
                        assert_eq!(ours, bytewise(&bytes), "{bytes:?}");
                        if let Ok((n, _)) = ours {
                            assert_eq!(r.pos, (n + 1).div_ceil(4) * 4, "{bytes:?}");
                        }
                    }
                }
            }
        }
    }
}
