//! The address plan: how a scenario's addresses (10.0.0.10, 2001:db8::5, 10.1.1.1%2) ride on
//! loopback so the live lab can run without root.
//!
//! # Overview
//!
//! Scenario addresses cannot be bound on a test machine, but Linux routes all of
//! `127.0.0.0/8` to `lo`, so any `127.a.b.c` can be bound by an ordinary user. A [`Plan`]
//! gives every scenario address (client, VIP, self IP, SNAT address, pool member; IPv4, IPv6
//! or route-domain) a unique IPv4 *carrier* in `127.0.0.0/8`, and every service (scenario
//! address and port) a carrier port. The mapping works both ways: a client binds its carrier
//! as the source, the balancer listens on the VIP's carrier service, and a mock server maps
//! the peer's carrier address back to the scenario address its policy must see.
//!
//! - Carriers are handed out in insertion order from [`Plan::DEFAULT_CARRIER_BASE`]
//!   (`127.10.0.1`) upward, skipping `.0` and `.255` so no carrier looks like a network or
//!   broadcast address. `127.0.0.0/24` (where `127.0.0.1` lives) is never used, so the lab
//!   never collides with services bound on localhost.
//! - Ports below 1024 (which need privileges) become `port_base + port`: with the default
//!   base 20000, SMTP 25 is 20025, IMAP 143 is 20143 and IMAPS 993 is 20993. Ports from
//!   1024 up are kept as they are. Carriers are distinct per address, so two services only
//!   clash when they share a carrier and their carrier ports coincide (a real 20025 next
//!   to a mapped 25); the later one then gets the next free port from `port_base + 1024`.
//!   Everything is deterministic by insertion order.
//! - [`Plan::table`] prints the plan for people, [`Plan::to_json`] for programs.
//!
//! ```
//! use wire::Plan;
//!
//! let mut plan = Plan::new();
//! let vip = "10.0.0.10".parse().unwrap();
//! let carrier = plan.add_addr(vip, "vip").unwrap();
//! assert_eq!(carrier.to_string(), "127.10.0.1");
//! let svc = plan.add_service(vip, 25, "smtp").unwrap();
//! assert_eq!(svc.to_string(), "127.10.0.1:20025");
//!
//! // A route-domain client rides on the next carrier, and maps back exactly.
//! let client = "10.1.1.5%2".parse().unwrap();
//! let c = plan.add_addr(client, "client").unwrap();
//! assert_eq!(plan.scenario(c), Some(client));
//! assert_eq!(plan.scenario_service(svc), Some((vip, 25)));
//! assert!(plan.table().contains("10.1.1.5%2"));
//! ```

mod plan;

pub use plan::{CarrierEntry, Plan, PlanError, ServiceEntry};
