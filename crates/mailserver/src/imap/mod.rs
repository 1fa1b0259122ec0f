//! IMAP over the same store: the sans-IO session and its tokio shell.

pub mod server;
pub mod session;

pub use server::{IMAP_PORT, IMAPS_PORT, ImapServer, ImapServerConfig, add_imap_to_plan};
pub use session::{ImapConfig, ImapEvent, ImapSession};
