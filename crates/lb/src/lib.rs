//! The live SNAT load balancer: one listener per virtual server on its VIP carrier, the
//! BIG-IP's decisions from [`bigip::decide`] (the same code the prover runs), and the
//! runtime state a real balancer keeps on top of them.
//!
//! # Overview
//!
//! - [`Balancer::start`] binds every virtual's VIP carrier (see [`wire::Plan`]), runs one
//!   round of health monitors, then accepts.
//! - For each connection the iRules run through [`bigip::decide::Plan::decide`], which
//!   lists every possible path (member x SNAT address). The balancer picks one with its
//!   state: member health from the configured monitors, the source-address persistence
//!   table (mask, timeout), round-robin, ratio or least-connections counters, and a
//!   per-SNAT-address source port allocator. `reject` and iRule errors reset the client;
//!   `drop` holds the connection silently until the client gives up.
//! - Both directions are spliced with half-close: an EOF on one side becomes a shutdown of
//!   the other side's write half, so SMTP's QUIT/221 and pipelined endings pass intact.
//! - The iRules run on blocking threads, [`Settings::rule_threads`] per virtual, within a
//!   wall-clock [`Settings::rule_budget`]: a rule that spends its whole step budget delays
//!   its own virtual's clients (reset when over budget), never the async workers that
//!   carry every other connection and monitor. Each listener holds at most
//!   [`Settings::max_connections`] clients and resets a splice idle for
//!   [`Settings::idle_timeout`] (docs/lab-limits.md).
//! - [`Counters`] count connections, bytes, resets and SNAT port exhaustion, per member
//!   and per SNAT address, and connections refused, idled out or over the rule budget.
//!
//! Monitors run at the configured interval times [`Settings::time_scale`], from a self IP's
//! carrier: `smtp` reads the banner, sends `HELO <domain>` and wants a 250; `tcp`,
//! `tcp_half_open` and `gateway_icmp` (no raw sockets here) want a TCP connect. A member is
//! down once `timeout` (scaled) passes without a successful check, as on BIG-IP.

mod balancer;
mod counters;
mod health;
mod idle;
mod ports;
mod select;

pub use balancer::{Balancer, LbError, PinError, Settings};
pub use counters::{Counters, MemberStats, Snapshot};
