//! The vocabulary every flavour answers in: where a configuration entry came from, the
//! session as the server sees it, the SMTP step, and the reply with its trace.

use std::fmt;

use addrspace::Addr;
use serde::Serialize;

use crate::recipient::Destination;

/// Where a configuration entry was read: file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    /// The file name as given to the importer.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl Origin {
    /// The origin of byte `offset` in `text`, read from `file`.
    pub fn at(file: &str, text: &str, offset: usize) -> Origin {
        let (line, column) = line_col(text, offset);
        Origin {
            file: file.to_string(),
            line,
            column,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Line and column lookups in one text: the line by binary search over line starts, the
/// column counted from the previous lookup when it was earlier on the same line. Importers
/// give every entry an origin, so one scan of the text per entry made a 10,000-entry export
/// quadratic.
pub(crate) struct Locator<'t> {
    text: &'t str,
    starts: Vec<usize>,
    /// The last lookup: byte offset, line, column.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'t> Locator<'t> {
    pub(crate) fn new(text: &'t str) -> Locator<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            text,
            starts,
            last: std::cell::Cell::new((0, 1, 1)),
        }
    }

    /// As [`line_col`].
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let (last_off, last_line, last_col) = self.last.get();
        let column = if last_line == line && last_off <= offset && last_off >= line_start {
            last_col + self.text[last_off..offset].chars().count()
        } else {
            self.text[line_start..offset].chars().count() + 1
        };
        self.last.set((offset, line, column));
        (line, column)
    }

    /// As [`Origin::at`].
    pub(crate) fn origin(&self, file: &str, offset: usize) -> Origin {
        let (line, column) = self.line_col(offset);
        Origin {
            file: file.to_string(),
            line,
            column,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A local endpoint: the address and port the client connected to, as the server sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Endpoint {
    /// The local address.
    #[serde(serialize_with = "ser_display")]
    pub addr: Addr,
    /// The local port.
    pub port: u16,
}

impl Endpoint {
    /// An endpoint.
    pub fn new(addr: Addr, port: u16) -> Endpoint {
        Endpoint { addr, port }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr.ip {
            std::net::IpAddr::V6(_) => write!(f, "[{}]:{}", self.addr, self.port),
            std::net::IpAddr::V4(_) => write!(f, "{}:{}", self.addr, self.port),
        }
    }
}

pub(crate) fn ser_display<T: fmt::Display, S: serde::Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Who the client has proved to be.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Identity {
    /// Not authenticated.
    Anonymous,
    /// A user who authenticated with SASL (LOGIN/PLAIN: basic; NTLM/GSSAPI: integrated).
    User {
        /// The account name (`CONTOSO\alice` or `alice@contoso.com`).
        name: String,
        /// Whether it used an integrated (NTLM, Kerberos) mechanism rather than basic.
        integrated: bool,
    },
    /// An Exchange 2007+ server (Exchange server authentication, X-EXPS).
    ExchangeServer {
        /// The server account.
        name: String,
    },
    /// An Exchange 2003 server (member of ExchangeLegacyInterop).
    LegacyExchangeServer {
        /// The server account.
        name: String,
    },
    /// A partner proved by mutual TLS (domain security).
    Partner {
        /// The partner domain of the certificate.
        domain: String,
    },
}

impl Identity {
    /// Whether any authentication happened.
    pub fn is_authenticated(&self) -> bool {
        !matches!(self, Identity::Anonymous)
    }
}

/// What the server knows about a session when it answers a step. The mock SMTP server owns
/// this and updates it as the session goes; the policy never stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionState {
    /// The address and port the client reached.
    pub local: Endpoint,
    /// The client's address as the server sees it (after any SNAT).
    #[serde(serialize_with = "ser_display")]
    pub remote: Addr,
    /// Whether STARTTLS has completed.
    pub tls: bool,
    /// Who the client authenticated as.
    pub identity: Identity,
    /// Recipients accepted so far in this transaction.
    pub recipients: usize,
}

impl SessionState {
    /// A fresh anonymous session without TLS.
    pub fn new(local: Endpoint, remote: Addr) -> SessionState {
        SessionState {
            local,
            remote,
            tls: false,
            identity: Identity::Anonymous,
            recipients: 0,
        }
    }
}

/// One SMTP step the client takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    /// The TCP connection is accepted: the server sends its banner (or refuses).
    Connect,
    /// EHLO (or HELO) with the name the client gave.
    Ehlo(&'a str),
    /// STARTTLS.
    StartTls,
    /// AUTH with a SASL mechanism name (`LOGIN`, `PLAIN`, `NTLM`, `GSSAPI`). The reply
    /// assumes the credentials check out; checking them is the session machine's job.
    Auth(&'a str),
    /// MAIL FROM with the reverse path as written (`<a@b>` or `<>`) and the SIZE parameter.
    Mail {
        /// The reverse path.
        path: &'a str,
        /// The SIZE= parameter, if given.
        size: Option<u64>,
    },
    /// RCPT TO with the forward path as written.
    Rcpt(&'a str),
    /// The end-of-data mark after the message body.
    EndOfData {
        /// The message size in octets.
        size: u64,
        /// Whether the body held a bare LF (an LF not preceded by CR).
        bare_linefeeds: bool,
    },
}

/// An SMTP reply as a value: code, enhanced status code, text lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The RFC 3463 enhanced status code (`5.7.1`), if the server sends one.
    pub enhanced: Option<String>,
    /// The text, one entry per line (EHLO replies have several).
    pub lines: Vec<String>,
}

impl Reply {
    /// A one-line reply.
    pub fn new(code: u16, enhanced: Option<&str>, text: impl Into<String>) -> Reply {
        Reply {
            code,
            enhanced: enhanced.map(str::to_string),
            lines: vec![text.into()],
        }
    }

    /// A multi-line reply without enhanced code (EHLO).
    pub fn multi(code: u16, lines: Vec<String>) -> Reply {
        Reply {
            code,
            enhanced: None,
            lines,
        }
    }

    /// 2xx or 3xx.
    pub fn is_positive(&self) -> bool {
        self.code < 400
    }

    /// 4xx: try again later.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// 5xx: refused for good.
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// The reply as sent on the wire, CRLF-terminated lines, `-` continuation.
    pub fn to_wire(&self) -> String {
        let mut out = String::new();
        let n = self.lines.len().max(1);
        for i in 0..n {
            let sep = if i + 1 == n { ' ' } else { '-' };
            let text = self.lines.get(i).map_or("", String::as_str);
            out.push_str(&self.code.to_string());
            out.push(sep);
            if let Some(e) = &self.enhanced {
                out.push_str(e);
                out.push(' ');
            }
            out.push_str(text);
            out.push_str("\r\n");
        }
        out
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(e) = &self.enhanced {
            write!(f, " {e}")?;
        }
        write!(f, " {}", self.lines.join(" / "))
    }
}

/// What a trace entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TraceKind {
    /// The connector (or virtual server, or Postfix instance) that answered.
    Connector,
    /// An extended right or relay permission.
    Right,
    /// A configuration setting (RequireTLS, AuthMechanism, message size, ...).
    Setting,
    /// An address entry (RemoteIPRange, mynetworks entry, relay list entry).
    Address,
    /// An accepted domain, mydestination or relay_domains entry.
    Domain,
    /// How the recipient was read.
    Recipient,
    /// A Postfix restriction.
    Restriction,
    /// A modelling choice marked UNCONFIRMED in the crate docs.
    Assumption,
}

/// One reason in a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    /// What it is about.
    pub kind: TraceKind,
    /// A human sentence.
    pub detail: String,
    /// The configuration entry it comes from, when it comes from one.
    pub origin: Option<Origin>,
}

/// Why a reply is what it is: the connector, rights and entries that decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The reasons, in the order they were applied.
    pub entries: Vec<TraceEntry>,
}

impl Trace {
    pub(crate) fn push(
        &mut self,
        kind: TraceKind,
        detail: impl Into<String>,
        origin: Option<&Origin>,
    ) {
        self.entries.push(TraceEntry {
            kind,
            detail: detail.into(),
            origin: origin.cloned(),
        });
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            write!(f, "  - {:?}: {}", e.kind, e.detail)?;
            if let Some(o) = &e.origin {
                write!(f, " ({o})")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// What the step changes beyond the reply, for the session machine to apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Nothing beyond the reply.
    None,
    /// Close the connection after the reply.
    Close,
    /// Begin the TLS handshake after the reply.
    StartTls,
    /// The AUTH exchange may proceed; on valid credentials the client is who it claims.
    Authenticate,
    /// The reverse path was accepted: a transaction begins.
    Transaction,
    /// A recipient was read (accepted when the reply is positive).
    Recipient {
        /// Where it goes.
        destination: Destination,
        /// Whether taking it means relaying to a domain the server does not serve.
        relay: bool,
    },
    /// The message was queued for every accepted recipient.
    Queued,
}

/// The answer to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// What the server sends.
    pub reply: Reply,
    /// What it changes.
    pub effect: Effect,
    /// Why.
    pub trace: Trace,
}
