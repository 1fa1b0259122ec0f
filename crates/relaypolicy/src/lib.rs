//! What a mail server answers at each SMTP step, and why: Exchange 2007+ receive connectors,
//! the Exchange 2003 SMTP virtual server, and Postfix, read from the files admins already
//! have.
//!
//! relaylab proves that no client address can relay through a load balancer and its mail
//! servers. This crate is the mail-server half of that question. It is pure: no sockets, no
//! clock, no tokio; the only IO is [`import::load_file`] reading a file.
//!
//! # Overview
//!
//! - [`Server`]: one mail server of any flavour ([`exchange::ExchangeServer`],
//!   [`exchange2003::SmtpVirtualServer`], [`postfix::PostfixServer`]).
//! - [`Server::decide`]: given a [`SessionState`] (local endpoint, remote address as the
//!   server sees it, TLS, identity, recipients so far) and a [`Step`] (connect, EHLO,
//!   STARTTLS, AUTH, MAIL, RCPT, end of DATA), the [`Decision`]: the [`Reply`] (code,
//!   enhanced code, text), its [`Effect`] (for RCPT: where the recipient goes and whether
//!   that is relaying) and a [`Trace`] naming the connector, right and configuration entry
//!   (file:line:column). A mock SMTP session machine asks this for every reply.
//! - [`dialogue`]: the client's side of every dialogue (STARTTLS or not, which AUTH
//!   mechanism, MAIL/RCPT/DATA), one sans-IO machine for the prover and the live client;
//!   [`Server::converse`] runs any [`dialogue::Script`] through `decide`.
//! - [`Server::probe`]: the prover's questions for one remote address ([`Probe`]: anonymous
//!   relay, anonymous mail to an accepted domain, authenticated relay with or without TLS),
//!   answered by running the whole dialogue through `decide`, so what is proved is what
//!   the mock server says.
//! - [`Server::decision_sets`]: every address set a decision depends on (RemoteIPRanges,
//!   mynetworks entries, relay lists) as [`addrspace::AddrSet`]s, for the prover's partition.
//! - [`exchange::ExchangeServer::select`]: Exchange's connector selection;
//!   [`exchange::ExchangeServer::config_errors`]: the configurations Exchange refuses.
//! - [`recipient`]: the RCPT path reader and the per-flavour judgement of relay tricks.
//! - [`import`]: `Get-ReceiveConnector`, `Get-ADPermission` and `Get-AcceptedDomain` JSON,
//!   `postconf -n`, and the native TOML form; [`import::load_str`] sniffs the format, and
//!   every error is a miette diagnostic with file, line and column.
//! - [`show`]: `relaylab policy show` as text or JSON.
//!
//! ```
//! use relaypolicy::{Endpoint, Probe, SessionState, Step, Verdict, import};
//!
//! let set = import::load_str(r#"
//! [[server]]
//! name = "EX1"
//! flavour = "exchange"
//!
//! [[server.connector]]
//! name = "Default Frontend EX1"
//! bindings = ["0.0.0.0:25"]
//! remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
//! permission_groups = ["AnonymousUsers"]
//! auth_mechanism = ["Tls"]
//!
//! [[server.connector]]
//! name = "Relay"
//! bindings = ["0.0.0.0:25"]
//! remote_ip_ranges = ["10.0.0.20"]
//! permission_groups = ["AnonymousUsers"]
//!
//! [[server.permission]]
//! connector = "Relay"
//! user = 'NT AUTHORITY\ANONYMOUS LOGON'
//! extended_rights = ["ms-Exch-SMTP-Accept-Any-Recipient"]
//!
//! [[server.accepted_domain]]
//! domain = "contoso.com"
//! "#, "ex1.toml").unwrap();
//! let ex1 = &set.resolved()[0];
//! let local = Endpoint::new("10.0.1.11".parse().unwrap(), 25);
//!
//! // The SNAT address on the relay connector may relay; anyone else may not.
//! let relay = Probe::AnonymousRelay { external_domain: "example.net".into() };
//! assert_eq!(ex1.probe(local, "10.0.0.20".parse().unwrap(), &relay).verdict, Verdict::Relayed);
//! assert_eq!(ex1.probe(local, "203.0.113.9".parse().unwrap(), &relay).verdict, Verdict::Rejected);
//!
//! // One step, with its reply and trace.
//! let state = SessionState::new(local, "203.0.113.9".parse().unwrap());
//! let d = ex1.decide(&state, &Step::Rcpt("<user@example.net>"));
//! assert_eq!(d.reply.to_wire(), "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain\r\n");
//! assert!(d.trace.to_string().contains("Default Frontend EX1"));
//! ```
//!
//! # Relay tricks
//!
//! RCPT paths are read once by [`recipient::parse_path`], which keeps RFC 5321 departures as
//! [`recipient::SyntaxIssue`]s, and judged per flavour by [`recipient::classify`]. `SRV` is
//! the server's own host name, `[IP]` its own address literal, `ext` a foreign domain,
//! `local` an accepted domain. "relay right" means Accept-Any-Recipient (Exchange 2007+),
//! the relay list or authenticated relay (2003), a permit before `*_unauth_destination`
//! (Postfix). Postfix is modelled with its defaults `allow_percent_hack`,
//! `swap_bangpath`, `resolve_dequoted_address` on and `allow_untrusted_routing` off.
//!
//! | Trick (RCPT TO) | Exchange 2007+ | Exchange 2003 | Postfix |
//! |---|---|---|---|
//! | `user@ext` | relay: needs the right | relay: needs the right | relay: needs a permit |
//! | `@SRV:user@ext`, `@[IP]:user@ext` (source route) | route ignored, as `user@ext` | route ignored, as `user@ext` | route ignored, as `user@ext` |
//! | `user%ext@local` / `@SRV` / `@[IP]` (percent hack) | mailbox `user%ext` in `local` (unknown: `550 5.1.10` with a recipient list); `@SRV`/`@[IP]` not accepted: needs the right, and then loops to itself and bounces | taken as local, NDR later (KB Q304897) | rewritten to `user@ext`, routed: relay only with a permit |
//! | `"user@ext"` (quoted, no domain) | `501 5.1.3` (no domain) | taken as local, NDR later | dequoted to `user@ext`, routed: relay only with a permit |
//! | `"user%ext"` | `501 5.1.3` | taken as local, NDR later | percent hack to `user@ext`, routed |
//! | `user@ext@[IP]`, `user@ext@SRV` (double `@`) | `501 5.1.3` | `501 5.5.4` | own literal/name stripped, `user@ext` routed |
//! | `"user@ext"@[IP]` | self-addressed: needs the right, then bounces | taken as local, NDR later | dequoted, as above: routed |
//! | `ext!user` (bang path, no domain) | `501 5.1.3` | taken as local, NDR later | swapped to `user@ext`, routed |
//! | `ext!user@[IP]`, `ext!user@SRV` | self-addressed: needs the right, then bounces (mailbox `ext!user` in `local` when SRV is accepted) | taken as local, NDR later | stripped and swapped: `user@ext` routed |
//! | `user@` (trailing `@`) | `501` | `501` | `501` |
//! | `user@ext.` (trailing dot) | `501 5.1.3` | dot dropped, as `user@ext` | dot dropped, as `user@ext` |
//! | `User@EXT` (case) | domains compared case-insensitively everywhere; local parts kept as written | same | same |
//! | local part > 64, domain > 255, path > 256 octets | `501` (RFC 5321 limits) | `501` | `501` |
//!
//! "Taken as local, NDR later" replies 250 at RCPT: relaylab judges relay on delivery
//! ([`Verdict::AcceptedThenBounced`]), never on a RCPT 250 alone.
//!
//! # Modelling choices (UNCONFIRMED, named settings)
//!
//! - On equally specific RemoteIPRanges, a connector bound to the specific local IP beats
//!   one bound to `0.0.0.0`/`[::]`: [`exchange::SelectionSettings::specific_binding_wins_tie`].
//! - When no Exchange connector takes a connection the real server never accepts it; the
//!   model answers `421 4.3.2` with [`Effect::Close`]. Exchange 2003 connection control
//!   denial is modelled the same way.
//! - An Exchange session authenticated as an account is assumed to hold send-as for its
//!   MAIL FROM address (a mailbox permission outside the connector model); the trace says
//!   so. Exchange 2003 answers STARTTLS with 454 (no certificate is modelled).
//! - Exchange 2003 domain entries in relay or connection lists (reverse DNS) match no
//!   address and are reported as not provable.
//! - Postfix `mynetworks_style` needs the interface prefixes, which `postconf -n` does not
//!   print: pass them, or add a `# relaylab-interfaces: 10.0.1.13/24` comment.
//!   `relay_domains` entries match exactly, and `.example.com` matches subdomains.

pub mod dialogue;
pub mod exchange;
pub mod exchange2003;
pub mod import;
pub mod policy;
pub mod postfix;
pub mod probes;
mod rangeindex;
pub mod recipient;
pub mod session;
pub mod show;

pub use policy::{
    ConnectorId, DecisionSet, Probe, ProbeOutcome, Problem, Sent, Server, Severity, Verdict,
};
pub use session::{
    Decision, Effect, Endpoint, Identity, Origin, Reply, SessionState, Step, Trace, TraceEntry,
    TraceKind,
};
