//! Who may talk to the server: `--allow ADDR[/PREFIX]`, repeatable. Datagrams and TCP
//! connections from any other source are ignored, without a reply, and counted.
//!
//! Context: NRT (network thread; parsed on the main thread from the command line).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One `--allow` entry: an IPv4 or IPv6 address and how many of its leading bits a
/// source's address must share (all of them when no prefix is written).
///
/// ```
/// use oscine::network::AddressRange;
/// let lan: AddressRange = "10.0.0.0/8".parse().unwrap();
/// assert!(lan.contains("10.20.30.40".parse().unwrap()));
/// assert!(!lan.contains("11.0.0.1".parse().unwrap()));
/// let local: AddressRange = "::1".parse().unwrap();
/// assert!(local.contains("::1".parse().unwrap()));
/// assert!("10.1.0.0/8".parse::<AddressRange>().is_err(), "bits set past the prefix");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    addr: IpAddr,
    prefix: u8,
}

/// Why an `--allow` entry cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressRangeError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("'{0}' is not an IPv4 or IPv6 address")]
    Address(String),
    /// The part after `/` is not a number of bits the address has.
    #[error("'{prefix}' is not a prefix length for {addr} (0 to {max})")]
    Prefix {
        /// The address.
        addr: IpAddr,
        /// The prefix as written.
        prefix: String,
        /// The address's bit count.
        max: u8,
    },
    /// The address has bits set past the prefix, so it names no range as written.
    #[error("{addr}/{prefix} has bits set past the prefix; the range is {network}/{prefix}")]
    HostBits {
        /// The address as written.
        addr: IpAddr,
        /// The prefix length.
        prefix: u8,
        /// The address with those bits cleared.
        network: IpAddr,
    },
}

impl AddressRange {
    /// Whether `ip` is in the range. An IPv4 address written as IPv6 (`::ffff:a.b.c.d`,
    /// as a dual-stack socket reports IPv4 sources) is compared as the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(range), IpAddr::V4(ip)) => {
                mask(range.to_bits().into(), 32, self.prefix) == mask(ip.to_bits().into(), 32, self.prefix)
            }
            (IpAddr::V6(range), IpAddr::V6(ip)) => {
                mask(range.to_bits(), 128, self.prefix) == mask(ip.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// `bits` (an address of `width` bits) with every bit past the first `prefix` cleared.
fn mask(bits: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let keep = u128::MAX << (width - prefix);
    bits & keep & (u128::MAX >> (128 - width))
}

impl FromStr for AddressRange {
    type Err = AddressRangeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let written: IpAddr = addr_text.parse().map_err(|_| AddressRangeError::Address(addr_text.to_owned()))?;
        let max = if written.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(AddressRangeError::Prefix { addr: written, prefix: p.to_owned(), max }),
            },
        };
        let network = match written {
            IpAddr::V4(a) => IpAddr::V4((mask(a.to_bits().into(), 32, prefix) as u32).into()),
            IpAddr::V6(a) => IpAddr::V6(mask(a.to_bits(), 128, prefix).into()),
        };
        if network != written {
            return Err(AddressRangeError::HostBits { addr: written, prefix, network });
        }
        // `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8, as sources are compared.
        let mapped = match written {
            IpAddr::V6(a) if prefix >= 96 => a.to_ipv4_mapped(),
            _ => None,
        };
        Ok(match mapped {
            Some(v4) => AddressRange { addr: IpAddr::V4(v4), prefix: prefix - 96 },
            None => AddressRange { addr: written, prefix },
        })
    }
}

impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The sources the server takes datagrams and connections from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AllowList {
    /// Any source (no `--allow`): what the bound address can be reached from.
    #[default]
    Everyone,
    /// Only sources in one of these ranges.
    Only(Vec<AddressRange>),
}

impl AllowList {
    /// Everyone when `ranges` is empty, else only those ranges.
    pub fn new(ranges: Vec<AddressRange>) -> AllowList {
        if ranges.is_empty() {
            AllowList::Everyone
        } else {
            AllowList::Only(ranges)
        }
    }

    /// Whether a datagram or connection from `ip` is taken.
    pub fn allows(&self, ip: IpAddr) -> bool {
        match self {
            AllowList::Everyone => true,
            AllowList::Only(ranges) => ranges.iter().any(|r| r.contains(ip)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> AddressRange {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn prefixes_match_their_leading_bits_only() {
        assert!(range("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!range("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(range("192.168.4.0/22").contains(ip("192.168.7.255")));
        assert!(!range("192.168.4.0/22").contains(ip("192.168.8.0")));
        assert!(range("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(!range("0.0.0.0/0").contains(ip("::1")), "an IPv4 range holds no IPv6 address");
        assert!(range("fd00::/8").contains(ip("fd12:3456::1")));
        assert!(!range("fd00::/8").contains(ip("fe80::1")));
        assert!(range("::/0").contains(ip("2001:db8::1")));
    }

    #[test]
    fn ipv4_sources_seen_through_a_dual_stack_socket_match_ipv4_ranges() {
        assert!(range("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
        assert_eq!(range("::ffff:10.0.0.0/104"), range("10.0.0.0/8"));
        assert!(range("::ffff:10.0.0.0/104").contains(ip("10.9.9.9")));
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        assert_eq!("host".parse::<AddressRange>(), Err(AddressRangeError::Address("host".into())));
        assert!(matches!("10.0.0.0/33".parse::<AddressRange>(), Err(AddressRangeError::Prefix { max: 32, .. })));
        assert!(matches!("::/129".parse::<AddressRange>(), Err(AddressRangeError::Prefix { max: 128, .. })));
        assert!(matches!("10.0.0.0/x".parse::<AddressRange>(), Err(AddressRangeError::Prefix { .. })));
        let e = "10.1.2.3/8".parse::<AddressRange>().unwrap_err();
        assert_eq!(e.to_string(), "10.1.2.3/8 has bits set past the prefix; the range is 10.0.0.0/8");
    }

    #[test]
    fn no_entry_allows_everyone() {
        assert!(AllowList::new(Vec::new()).allows(ip("203.0.113.9")));
        let only = AllowList::new(vec![range("127.0.0.1"), range("::1")]);
        assert!(only.allows(ip("127.0.0.1")) && only.allows(ip("::1")));
        assert!(!only.allows(ip("127.0.0.2")));
    }
}
