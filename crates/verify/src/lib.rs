//! The prover: for every source address of every SMTP virtual server, what the BIG-IP
//! and the mail servers behind it do, and whether the owner's intent holds.
//!
//! # Overview
//!
//! - A [`Model`] is a parsed BIG-IP configuration, the relay policy of the server behind
//!   each pool member ([`MemberServer`]), the owner's [`Intent`], explicit [`Case`]s and the
//!   violations a pitfall scenario expects.
//! - [`prove()`] splits each virtual's client space (source addresses times source ports,
//!   see [`Region`] and [`ClientSet`]) into regions of clients that get the same answer to
//!   every comparison the iRules make (see `prove::evaluate_all`), decides
//!   one representative per region with [`bigip::decide`] (the code the live balancer
//!   runs), asks each server's policy what it answers on every path (member x SNAT
//!   address), and checks the five [`Property`]s. Regions with the same verdicts form a
//!   [`Class`]; a failing property is a [`Violation`] with its addresses, a counterexample,
//!   the path and the configuration lines involved.
//! - A region is [`Label::Proved`] unless a value derived from the client reached an
//!   operation the model cannot reason about, or the rules read state that earlier
//!   connections may have set; then it is labelled sampled, naming the operation.
//! - `tests/oracle.rs` is what keeps "proved" honest: it generates configurations and
//!   decides clients one by one against the proof.
//! - [`explain::explain`] tells the story of one address, hop by hop.
//! - [`diff::diff`] compares two proofs: the clients whose outcome a change changes.
//!
//! No IO and no async: the harness reads files and renders reports.
//!
//! ```
//! use verify::Property;
//! assert_eq!("no-open-relay".parse::<Property>(), Ok(Property::NoOpenRelay));
//! ```

pub mod clients;
pub mod diff;
pub mod explain;
pub mod intent;
pub mod model;
pub mod prove;
mod search;

pub use clients::{Client, ClientSet, Region};
pub use intent::{Case, Expected, ExpectedViolation, Intent, Property};
pub use model::{Fault, IruleMode, MemberServer, Model, Options};
pub use prove::{
    Class, ConfigLocation, Label, PathVerdict, Proof, ProveError, Violation, VirtualProof,
    describe_clients, prove, who,
};
pub use search::DEFAULT_SEARCH;
