//! The prover (in progress).

pub mod intent;
pub mod model;

pub use intent::{Case, Expected, ExpectedViolation, Intent, Property};
pub use model::{IruleMode, MemberServer, Model, Options};
