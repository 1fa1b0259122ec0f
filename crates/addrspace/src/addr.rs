//! Single addresses, families and route domains.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The start of the IPv4-mapped block `::ffff:0:0/96` as a 128-bit number.
pub(crate) const MAPPED_FIRST: u128 = 0xffff_u128 << 32;
/// The last address of the IPv4-mapped block.
pub(crate) const MAPPED_LAST: u128 = MAPPED_FIRST | 0xffff_ffff;

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Family {
    /// IPv4: numbers 0 to 2^32-1.
    V4,
    /// IPv6: numbers 0 to 2^128-1, less the IPv4-mapped block (see the crate docs).
    V6,
}

impl Family {
    /// The highest address number of the family.
    pub fn max(self) -> u128 {
        match self {
            Family::V4 => u32::MAX as u128,
            Family::V6 => u128::MAX,
        }
    }

    /// The sub-ranges of the number line that hold this family's addresses.
    pub(crate) fn universe(self) -> &'static [(u128, u128)] {
        const V4: [(u128, u128); 1] = [(0, u32::MAX as u128)];
        const V6: [(u128, u128); 2] = [(0, MAPPED_FIRST - 1), (MAPPED_LAST + 1, u128::MAX)];
        match self {
            Family::V4 => &V4,
            Family::V6 => &V6,
        }
    }
}

/// An address family inside one BIG-IP route domain (0 is the default domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Domain {
    /// The family.
    pub family: Family,
    /// The route domain id.
    pub route_domain: u16,
}

impl Domain {
    /// IPv4 in the default route domain.
    pub const V4: Domain = Domain {
        family: Family::V4,
        route_domain: 0,
    };
    /// IPv6 in the default route domain.
    pub const V6: Domain = Domain {
        family: Family::V6,
        route_domain: 0,
    };

    /// IPv4 and IPv6 of one route domain: the client space of a virtual server in it.
    pub fn both(route_domain: u16) -> [Domain; 2] {
        [
            Domain {
                family: Family::V4,
                route_domain,
            },
            Domain {
                family: Family::V6,
                route_domain,
            },
        ]
    }

    /// The address with number `n` in this domain.
    pub fn addr(self, n: u128) -> Addr {
        let ip = match self.family {
            Family::V4 => IpAddr::V4(Ipv4Addr::from(n as u32)),
            Family::V6 => IpAddr::V6(Ipv6Addr::from(n)),
        };
        Addr {
            ip,
            route_domain: self.route_domain,
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fam = match self.family {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        };
        if self.route_domain == 0 {
            f.write_str(fam)
        } else {
            write!(f, "{fam} in route domain {}", self.route_domain)
        }
    }
}

/// One address with its route domain. Displays as BIG-IP writes it: `10.1.1.1%2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Addr {
    /// The IP address, never an IPv4-mapped IPv6 address.
    pub ip: IpAddr,
    /// The route domain id (0: default).
    pub route_domain: u16,
}

impl Addr {
    /// An address in the default route domain; IPv4-mapped IPv6 addresses become IPv4.
    pub fn new(ip: IpAddr) -> Addr {
        Addr::in_domain(ip, 0)
    }

    /// An address in route domain `route_domain`; IPv4-mapped IPv6 addresses become IPv4.
    pub fn in_domain(ip: IpAddr, route_domain: u16) -> Addr {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            },
            v4 => v4,
        };
        Addr { ip, route_domain }
    }

    /// The domain (family and route domain) the address lives in.
    pub fn domain(&self) -> Domain {
        let family = match self.ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        };
        Domain {
            family,
            route_domain: self.route_domain,
        }
    }

    /// The address as a number within its family.
    pub fn number(&self) -> u128 {
        match self.ip {
            IpAddr::V4(v4) => u32::from(v4) as u128,
            IpAddr::V6(v6) => u128::from(v6),
        }
    }
}

impl From<IpAddr> for Addr {
    fn from(ip: IpAddr) -> Addr {
        Addr::new(ip)
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.route_domain == 0 {
            write!(f, "{}", self.ip)
        } else {
            write!(f, "{}%{}", self.ip, self.route_domain)
        }
    }
}

impl FromStr for Addr {
    type Err = AddrError;

    /// Parses `a.b.c.d`, an IPv6 address, `[v6]`, each optionally followed by `%N`.
    fn from_str(text: &str) -> Result<Addr, AddrError> {
        let (ip_text, rd) = split_route_domain(text)?;
        let ip_text = ip_text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(ip_text);
        let ip: IpAddr = ip_text
            .parse()
            .map_err(|_| AddrError::BadAddress(text.to_string()))?;
        Ok(Addr::in_domain(ip, rd))
    }
}

/// Splits `addr%N` into the address text and route domain `N` (0 when absent).
pub(crate) fn split_route_domain(text: &str) -> Result<(&str, u16), AddrError> {
    match text.split_once('%') {
        None => Ok((text, 0)),
        Some((ip, rd)) => {
            let rd = rd
                .parse::<u16>()
                .map_err(|_| AddrError::BadRouteDomain(text.to_string()))?;
            Ok((ip, rd))
        }
    }
}

/// Why an address, range or CIDR could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddrError {
    /// Not an IPv4 or IPv6 address.
    #[error("`{0}` is not an IPv4 or IPv6 address")]
    BadAddress(String),
    /// The `%N` suffix is not a route domain id (0 to 65535).
    #[error("`{0}` has a route domain suffix that is not a number from 0 to 65535")]
    BadRouteDomain(String),
    /// A prefix length beyond the family's width.
    #[error("prefix length {len} is too long for `{text}` (at most {max})")]
    BadPrefix {
        /// The whole entry.
        text: String,
        /// The prefix length given.
        len: String,
        /// The family's width.
        max: u8,
    },
    /// A netmask that is not a run of ones followed by zeros.
    #[error("`{0}` is not a contiguous netmask")]
    BadMask(String),
    /// Host bits are set below the prefix (`10.1.2.3/24`).
    #[error("`{text}` has host bits set below the /{len} prefix; did you mean {network}?")]
    HostBitsSet {
        /// The whole entry.
        text: String,
        /// The prefix length.
        len: u8,
        /// The network the entry probably meant.
        network: String,
    },
    /// A range whose ends are of different families or domains, or reversed.
    #[error(
        "`{0}` is not a range: both ends must be of one family and route domain, low end first"
    )]
    BadRange(String),
    /// Nothing that looks like an address form.
    #[error(
        "`{0}` is not an address form (expected a, a/len, a-b, a mask m, a/m.m.m.m, host a or network a prefixlen n)"
    )]
    Unrecognised(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_route_domains() {
        let a: Addr = "10.1.1.1%11".parse().unwrap();
        assert_eq!(a.route_domain, 11);
        assert_eq!(a.to_string(), "10.1.1.1%11");
        let b: Addr = "[2001:db8::5]".parse().unwrap();
        assert_eq!(b.to_string(), "2001:db8::5");
        assert!("10.1.1.1%x".parse::<Addr>().is_err());
        assert!("10.1.1.1%70000".parse::<Addr>().is_err());
    }

    #[test]
    fn mapped_v6_is_v4() {
        let a: Addr = "::ffff:10.1.2.5".parse().unwrap();
        assert_eq!(a, "10.1.2.5".parse().unwrap());
        assert_eq!(a.domain(), Domain::V4);
    }
}
