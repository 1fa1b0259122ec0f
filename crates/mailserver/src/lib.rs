//! Mock mail servers for the live lab (docs written below once the API settles).

pub mod imap;
pub mod policy;
pub mod protolog;
pub mod server;
pub mod smtp;
pub mod store;
pub mod tls;
pub mod users;
