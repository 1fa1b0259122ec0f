//! Relay policy (placeholder docs).
pub mod exchange;
pub mod recipient;
pub mod session;
pub mod exchange2003;
pub mod postfix;
pub mod policy;
pub mod import;
pub mod show;
