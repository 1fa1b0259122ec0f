//! SMTP: framing, command parsing, the replies the machine writes itself, and the session.

pub mod command;
pub mod frame;
pub mod reply;
pub mod session;

pub use command::{Request, SyntaxError};
pub use session::{Delivery, Event, LogEvent, LogLine, Recipient, SessionConfig, SmtpSession};
