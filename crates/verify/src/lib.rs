//! The prover (in progress).

pub mod explain;
pub mod intent;
pub mod model;
pub mod prove;

pub use intent::{Case, Expected, ExpectedViolation, Intent, Property};
pub use model::{IruleMode, MemberServer, Model, Options};
pub use prove::{Class, Label, PathVerdict, Proof, ProveError, Violation, VirtualProof, prove};
