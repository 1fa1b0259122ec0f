//! The iRule engine: a Tcl 8.4-dialect lexer, parser and interpreter with BIG-IP's F5
//! commands behind a host trait, and taint tracking of the client address.
//!
//! # Overview
//!
//! - [`parse`] reads one iRule into a [`Rule`]: `when EVENT [priority N] { ... }` blocks,
//!   top-level `proc`s. Every braced body is compiled now, with byte spans into the text
//!   on every node; a [`ParseError`] points at the offending character with a hint.
//! - [`Program::new`] attaches rules to a virtual server (by default a plain TCP one;
//!   [`Settings::profiles`] and [`Settings::modules`] say what else it has) and refuses,
//!   with a [`LoadError`] naming command, event, line and BIG-IP's reason, only what
//!   BIG-IP refuses: a command or event needing a missing profile or module, a Tcl
//!   command F5 disables or Tcl 8.4 lacks, a name that is no command (with the nearest
//!   one). [`catalog`] is F5's reference behind those decisions. A command BIG-IP runs
//!   there but relaylab does not model loads, and is a gap in the model at run time.
//! - iRule text is read as BIG-IP reads it: `}{` is a word boundary (F5's own examples
//!   write `if {...}{`); `}else` and `else{` load with a [`Warning`] ([`Rule::warnings`]).
//!   [`run_tcl`], compared with tclsh, stays strict.
//! - [`Program::init`] runs RULE_INIT and returns the [`Statics`]; [`Program::connect`]
//!   starts a [`Session`] for one [`Connection`], and [`Session::fire`] runs every handler
//!   of an event in priority order (lower first, default 500; ties in attachment order).
//! - [`Session::reset`] and [`Session::fire_into`] evaluate connection after connection
//!   without allocating for each: the path a prover or load generator should take.
//! - The [`Host`] trait is what rules read from the configuration (data groups, pools,
//!   snatpools, the virtual's name); the bigip crate implements it, [`StaticHost`] is an
//!   in-memory one.
//! - An [`Evaluation`] holds the decisions (`snat`, `snatpool`, `pool`, `node`,
//!   `persist`, `LB::select`, `reject`, `drop`/`discard`, `event`) as data, `log` lines,
//!   taint [`Escape`]s, the [`Observed`] address sets, and the error that reset the
//!   connection, if any. Nothing is performed.
//!
//! ```
//! use irule::{Connection, DataGroup, Program, Settings, Snat, StaticHost};
//!
//! let rule = irule::parse("/Common/smtp_irule", r#"
//! when CLIENT_ACCEPTED {
//!   if { [class match [IP::client_addr] equals smtp_relay_allowed] } {
//!     snat 10.0.0.20
//!   } else {
//!     snat automap
//!   }
//! }"#).unwrap();
//! let program = Program::new(vec![rule], Settings::default()).unwrap();
//! let dg = DataGroup::ip("smtp_relay_allowed", &[("10.1.2.0/24", None)]).unwrap();
//! let host = StaticHost::new().with_data_group(dg);
//! let statics = program.init(&host).unwrap();
//! let vip = "10.0.0.10".parse().unwrap();
//!
//! let conn = Connection::new("10.1.2.55".parse().unwrap(), vip, 25);
//! let ev = program.evaluate(&host, &statics, conn, "CLIENT_ACCEPTED");
//! assert_eq!(ev.snat(), Some(&Snat::Addr { addr: "10.0.0.20".parse().unwrap(), port: None }));
//! // The prover cuts the address space at 10.1.2.0/24: one evaluation covers the block.
//! assert_eq!(ev.observed_sets().next().unwrap().cidrs(), ["10.1.2.0/24"]);
//!
//! let conn = Connection::new("192.0.2.7".parse().unwrap(), vip, 25);
//! let ev = program.evaluate(&host, &statics, conn, "CLIENT_ACCEPTED");
//! assert_eq!(ev.snat(), Some(&Snat::Automap));
//! ```
//!
//! # Documented choices
//!
//! - **ip data groups**: `class match <addr> equals <dg>` (and `matchclass`, `class
//!   search`, `class lookup`) is subnet containment: `10.1.2.55` matches a
//!   `10.1.2.0/24` record. An item that is not an address matches no ip record.
//! - **Longest prefix**: with overlapping records, `-value`, `-name`, `-index`,
//!   `-element` and `class lookup` return the most specific record holding the address
//!   (between identical blocks, the first). BIG-IP's documentation does not say; this is
//!   the model's stated choice (UNCONFIRMED). `-all` returns every holding record.
//! - **Route domains**: an address matches only records and `IP::addr` operands of its
//!   own route domain; a record or literal without `%N` is route domain 0, and
//!   `IP::client_addr` renders `%N` for clients outside domain 0. No partition default
//!   route domain is applied (as `IP::addr` on BIG-IP).
//! - **IP::addr**: `IP::addr a[/m] equals b[/m]` compares both addresses under the
//!   shorter of the two prefixes; different families or route domains never match.
//! - **v10 mode** ([`Settings::v10_globals`]): `$::name` naming a data group reads it as
//!   a list and the class commands accept that list. Off (v11+, the default), it is a
//!   run-time error that resets the connection.
//! - **Taint**: `IP::client_addr` (and `IP::remote_addr`) values are marked. Moving them
//!   (`set`, `list`, proc arguments, `log`) keeps the mark. The modelled predicates (ip
//!   data-group `equals` lookups, `IP::addr ... equals`, string equality with a literal
//!   address, `switch -exact`) record the compared [`Observed`] sets and give clean
//!   results, which are constant on every region of the address space cut at those sets.
//!   Anything else a marked value reaches (string and list inspection, arithmetic,
//!   regexp, globs, a condition, a decision argument) records an [`Escape`]: the result
//!   holds for the sampled address only.
//! - **Free inputs**: the source port (`TCP::client_port`, `TCP::remote_port`) is marked
//!   too; a comparison of it with a value independent of the client is decided for every
//!   port with the engine's own comparison and recorded as a [`PortObserved`] set, and
//!   anything else done with it is an escape. Reading a `static::` variable or a global
//!   that a connection event or proc may set (found when the rules load) is an escape:
//!   on BIG-IP its value depends on earlier connections, which the engine does not keep.
//! - **Errors** follow BIG-IP: a Tcl error aborts the rules for the connection and resets
//!   it; `reject`/`drop` are recorded and execution continues; `return` ends one handler.
//! - **Limits**: no input loops forever or exhausts memory or stack; each limit is a
//!   located run-time error that resets the connection (as on BIG-IP), or a parse error.
//!   `catch` cannot intercept the run-time ones. The workspace's `docs/limits.md` lists
//!   them all.
//!   - [`Settings::step_budget`] (1,000,000 per event): a step is a command, a loop
//!     round or an expression node, plus one per 64 bytes a command reads or builds and
//!     one per list element parsed, so a loop over a big value runs out in seconds.
//!   - [`Settings::max_value_len`] (1 MB): any string or list a command returns or
//!     builds, and the `log` lines of one event together.
//!   - [`Settings::max_depth`] (100): nested script evaluations (bodies, `[...]`, procs).
//!   - [`MAX_EXPR_DEPTH`] (128): the depth of an expression tree (`$a+1+1+...` is as
//!     deep as it is long), at parse time and across nested `[expr]` at run time;
//!     100 levels of parentheses and brackets while parsing. Together they fit a 2 MB
//!     thread stack (a tokio worker's) even in a debug build.
//!   - Integers are 64-bit (Tcl's big integers become an `integer overflow` error).
//! - **Regular expressions**: `regexp` and `matches_regex` use Rust's `regex` syntax,
//!   close to Tcl's AREs for common patterns but without backreferences.
//!
//! Errors render as [`miette`] diagnostics: `miette::Report::new(error)`.

// Errors carry the rule's name, text and location so they render as diagnostics on
// their own; they are returned once per failed parse or evaluation, never in a loop.
#![allow(clippy::result_large_err)]

mod addrtext;
mod builtins;
pub mod catalog;
pub mod datagroup;
mod error;
mod expr;
mod f5;
mod f5text;
mod frame;
mod free;
mod fx;
mod host;
mod interp;
mod outcome;
mod parse;
mod program;
mod shared;
pub mod span;
mod tclbinary;
mod tclcmds;
mod tcltext;
mod textset;
mod textset6;
mod value;

pub use datagroup::{DataGroup, DataGroupKind, IndexedDataGroup, MatchOp, Record, RecordKey};
pub use error::{
    Error, LoadError, LoadErrorKind, ParseError, Placed, RuntimeError, RuntimeErrorKind, Source,
    Warning, WarningKind,
};
pub use expr::MAX_EXPR_DEPTH;
pub use host::{Connection, Host, StaticHost};
pub use outcome::{
    Answer, Decision, Escape, Evaluation, FreeInput, LogLine, Observed, ObservedBy, Origin,
    Persist, PortObserved, Recorded, Snat, Translation,
};
pub use program::{
    Handler, Program, Rule, Session, Settings, Statics, TCP_EVENTS, TclRun, parse, parse_placed,
    run_tcl,
};
pub use span::{Location, Span};
pub use value::Taint;
