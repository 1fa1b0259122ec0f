//! Mock mail servers for the live lab: SMTP receive connectors that answer exactly what
//! relaypolicy decides, and IMAP, both over one message store.
//!
//! relaylab proves statically that no client can relay through a load balancer; this crate
//! is the far end of the live confirmation. Every SMTP reply that depends on policy comes
//! from [`relaypolicy`] (through the one adapter, [`policy::Policy`]), so the mock says on
//! the wire what the prover reasoned about, and the protocol log shows the *scenario*
//! address each server saw (the SNAT address, not the loopback carrier).
//!
//! # Overview
//!
//! - [`smtp::SmtpSession`]: a sans-IO SMTP server session in the style of quinn-proto:
//!   `handle_input(bytes, now)`, `handle_timeout(now)`, `poll_reply()`, `poll_event()`,
//!   `poll_log()`; no sockets, no clock. Framing ([`smtp::frame`]) is apart from parsing
//!   ([`smtp::command`]); only CRLF ends a line and only CRLF.CRLF ends DATA, so SMTP
//!   smuggling cannot start a second message. A message's 250 is held until the shell has
//!   stored it ([`smtp::Event::Deliver`] then [`smtp::SmtpSession::message_stored`]).
//! - [`store::Store`]: mailboxes per accepted-domain recipient, the relay sink (the
//!   evidence of relay) and the bounce list; queries by Message-ID and exactly-once counts.
//! - [`protolog::ProtocolLog`]: Exchange's SMTP receive protocol log (CSV), in memory or in
//!   a file, flushed on shutdown.
//! - [`imap::ImapSession`]: a sans-IO IMAP4rev1 session over the store, parsed and encoded
//!   with imap-codec.
//! - [`server::SmtpServer`] and [`imap::ImapServer`]: the tokio shells. They bind the
//!   carriers of a [`wire::Plan`], map each peer's carrier back to its scenario address, do
//!   STARTTLS and implicit TLS with [`tls::Pki`] certificates made by rcgen at start-up, and
//!   stop cleanly: `shutdown().await` says 421 (SMTP) or BYE (IMAP) to open sessions, waits
//!   [`server::SHUTDOWN_GRACE`], aborts what is left, and flushes the log.
//!
//! # A session in memory
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//!
//! use mailserver::policy::Policy;
//! use mailserver::smtp::{Event, SessionConfig, SmtpSession};
//! use mailserver::store::Store;
//! use mailserver::users::Users;
//! use relaypolicy::{Endpoint, import};
//!
//! let set = import::load_str(r#"
//! [[server]]
//! name = "EX1"
//! flavour = "exchange"
//! [[server.connector]]
//! name = "Default Frontend EX1"
//! bindings = ["0.0.0.0:25"]
//! remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
//! permission_groups = ["AnonymousUsers"]
//! [[server.accepted_domain]]
//! domain = "contoso.com"
//! "#, "ex1.toml").unwrap();
//! let policy = Arc::new(Policy::new(set.resolved().remove(0)));
//! let store = Store::new();
//! let now = Instant::now();
//! let mut s = SmtpSession::new(SessionConfig {
//!     policy,
//!     users: Arc::new(Users::new()),
//!     local: Endpoint::new("10.0.1.11".parse().unwrap(), 25),
//!     remote: "203.0.113.9".parse().unwrap(),
//!     tls_available: false,
//!     implicit_tls: false,
//! }, now);
//! s.handle_input(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@example.net>\r\n\
//!                  RCPT TO:<bob@contoso.com>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n", now);
//! let mut codes = Vec::new();
//! // Drain everything the session has to say (bounded, as every loop in a test should be).
//! for _ in 0..100 {
//!     if let Some(Event::Deliver(d)) = s.poll_event() {
//!         let id = store.deliver(d).map_err(|e| e.to_string());
//!         s.message_stored(id);
//!     }
//!     if let Some(r) = s.poll_reply() {
//!         codes.push(r.code);
//!     }
//! }
//! // Banner, EHLO, MAIL, relay denied, local recipient, DATA, queued, bye.
//! assert_eq!(codes, [220, 250, 250, 550, 250, 354, 250, 221]);
//! assert!(store.relayed().is_empty());
//! assert_eq!(store.mailbox("bob@contoso.com").unwrap().entries.len(), 1);
//! ```
//!
//! # Servers on loopback
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::sync::Arc;
//! use mailserver::{policy::Policy, protolog::ProtocolLog, server, store::Store, users::Users};
//!
//! let set = relaypolicy::import::load_str(r#"
//! [[server]]
//! name = "EX1"
//! flavour = "exchange"
//! [[server.connector]]
//! name = "Default"
//! bindings = ["0.0.0.0:25"]
//! permission_groups = ["AnonymousUsers"]
//! "#, "ex1.toml").unwrap();
//! let policy = Arc::new(Policy::new(set.resolved().remove(0)));
//! let member = "10.0.1.11".parse().unwrap();
//! let mut plan = wire::Plan::with_bases("127.78.0.1".parse().unwrap(), 20000).unwrap();
//! server::add_to_plan(&mut plan, member, &policy).unwrap();
//! let smtp = server::SmtpServer::start(server::SmtpServerConfig {
//!     policy,
//!     member,
//!     plan: Arc::new(plan),
//!     store: Store::new(),
//!     log: ProtocolLog::memory(),
//!     users: Arc::new(Users::new()),
//!     tls: None,
//!     limits: server::Limits::default(),
//! }).await.unwrap();
//! assert_eq!(smtp.carrier_for_port(25).unwrap().to_string(), "127.78.0.1:20025");
//! let stats = smtp.shutdown().await.unwrap();
//! assert_eq!(stats.connections, 0);
//! # }
//! ```
//!
//! # Known differences from the real servers
//!
//! - The EHLO list is cut to what the mock implements (no BDAT/CHUNKING, DSN, NTLM);
//!   STARTTLS is offered only with a certificate. HELO answers the first EHLO line.
//! - A command line with a bare LF is not a line: it stays buffered until CRLF. In DATA a
//!   bare LF is data and is flagged; the connector's BareLinefeedRejectionEnabled decides.
//! - A text line over 1000 octets makes the whole message fail with `500 5.5.2` after the
//!   end of data (the body is read to its end so the session stays in step). Postfix would
//!   split the line and deliver; the mock refuses so no client can rely on it.
//! - Limits hold while reading: the octets of an over-long line are counted, not kept,
//!   and a body over the message size limit is let go as soon as it passes the limit and
//!   read on to its end, where the policy answers `552 5.3.4` (as Postfix does; Exchange
//!   is UNCONFIRMED). A session holds at most the limit plus one line, however much a
//!   client sends. Connections beyond [`server::Limits::max_connections`] get the
//!   modelled server's "too many connections" reply and are closed. See
//!   `docs/lab-limits.md`.
//! - IMAP has one mailbox, INBOX; FETCH does UID, FLAGS, RFC822.SIZE, RFC822(.HEADER/.TEXT),
//!   `BODY[]`, `BODY[HEADER]`, `BODY[TEXT]` (and PEEK); ENVELOPE, INTERNALDATE, BODYSTRUCTURE,
//!   partial fetches and date SEARCH keys answer BAD, so a client never gets a made-up
//!   value.

pub mod imap;
pub mod policy;
pub mod protolog;
pub mod server;
pub mod smtp;
pub mod store;
pub mod tls;
pub mod users;
