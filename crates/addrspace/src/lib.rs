//! Address sets over the IPv4 and IPv6 spaces, tagged with BIG-IP route domains, and the
//! interval partition that lets relaylab prove a property for every source address at once.
//!
//! # Overview
//!
//! - [`Addr`]: one address with its route domain (`10.1.1.1`, `10.1.1.1%2`, `2001:db8::5`).
//! - [`Domain`]: an address family in a route domain; the unit a set is cut into.
//! - [`AddrSet`]: a set of addresses, built from the forms that bigip.conf, iRules, Exchange
//!   and Postfix write (`a`, `a/len`, `a-b`, `a mask m`, `a/m.m.m.m`, `network a prefixlen n`,
//!   `host a`), with union, intersection, difference, complement and rendering as a minimal
//!   CIDR list.
//! - [`Partition`]: given any number of sets, the coarsest cut of the address space into
//!   intervals on which membership in every set is constant. One evaluation per interval
//!   then covers every address of the interval.
//! - [`PortSet`]: a set of client source ports, the client space's second dimension (a
//!   rule can read `TCP::client_port`).
//!
//! ```
//! use addrspace::{AddrSet, Domain, Partition};
//!
//! let allowed = AddrSet::parse("10.1.2.0/24").unwrap();
//! let printer = AddrSet::parse("10.1.1.5").unwrap();
//! let part = Partition::new([&allowed, &printer], &[Domain::V4]);
//! // 0.0.0.0-10.1.1.4, 10.1.1.5, 10.1.1.6-10.1.1.255, 10.1.2.0/24, 10.1.3.0-255.255.255.255
//! assert_eq!(part.len(), 5);
//! let i = part.locate(&"10.1.2.77".parse().unwrap()).unwrap();
//! assert_eq!(part.intervals()[i].cidrs(), vec!["10.1.2.0/24".to_string()]);
//! ```
//!
//! # IPv4-mapped IPv6 addresses
//!
//! An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) *is* the IPv4 address it maps: parsing
//! folds it into the IPv4 space of the same route domain, and a range or CIDR that overlaps
//! `::ffff:0:0/96` has that part folded into IPv4 too. The IPv6 space of every set and of
//! every partition therefore has a hole at `::ffff:0:0/96`. This is what a dual-stack
//! listener sees (a v4 client accepted on a `[::]` socket shows up as `::ffff:a.b.c.d`), it
//! is how HAProxy matches IPv4 patterns against such clients, and it means a relay
//! restriction written for `10.1.2.0/24` cannot be side-stepped by writing the same client
//! as `::ffff:10.1.2.5`.
//!
//! # Route domains
//!
//! A set holds explicit ranges for the domains it mentions and one flag, `rest`, for every
//! domain it does not (false for every set built from text; true after a complement). So
//! the complement of `10.0.0.0/8` also holds every address of every other route domain,
//! and every set law holds exactly.

mod addr;
mod partition;
mod ports;
mod ranges;
mod set;

pub use addr::{Addr, AddrError, Domain, Family};
pub use partition::{Interval, Partition};
pub use ports::{FIRST_PORT, LAST_PORT, PortSet};
pub use set::AddrSet;
