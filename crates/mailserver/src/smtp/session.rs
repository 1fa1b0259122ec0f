//! The sans-IO SMTP server session: bytes in, replies, events and log lines out.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use addrspace::Addr;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use relaypolicy::recipient::Destination;
use relaypolicy::{Decision, Effect, Endpoint, Identity, Reply, SessionState, Step};

use super::command::{Request, SyntaxError};
use super::frame::{DataReceiver, DataStatus, Line, LineReceiver};
use super::reply;
use crate::policy::Policy;
use crate::users::{Users, sasl_plain};

/// Bodies kept in memory when the policy sets no size limit.
pub const DEFAULT_KEEP_LIMIT: u64 = 64 * 1024 * 1024;
/// How long a session may sit idle before the server says 421 and closes.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// What a session needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The modelled server.
    pub policy: Arc<Policy>,
    /// The accounts AUTH checks.
    pub users: Arc<Users>,
    /// The scenario endpoint the client reached.
    pub local: Endpoint,
    /// The scenario address of the client as the server sees it.
    pub remote: Addr,
    /// Whether the server has a certificate (STARTTLS is offered only then).
    pub tls_available: bool,
    /// Whether the transport is already TLS (implicit TLS, port 465 style).
    pub implicit_tls: bool,
}

/// A recipient the server took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The forward path as written (`<user@example.net>`).
    pub path: String,
    /// Where the policy said it goes.
    pub destination: Destination,
    /// Whether taking it is relaying.
    pub relay: bool,
}

/// A message that passed end of data and must be stored before the 250 goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The reverse path as written.
    pub from: String,
    /// The recipients taken.
    pub recipients: Vec<Recipient>,
    /// The message, dot-stuffing removed, exactly as the client meant it.
    pub data: Vec<u8>,
    /// The scenario address of the client.
    pub remote: Addr,
    /// The scenario endpoint it reached.
    pub local: Endpoint,
    /// The server's name.
    pub server: String,
    /// Whether the session was under TLS.
    pub tls: bool,
    /// The authenticated user, if any.
    pub user: Option<String>,
}

/// What the session tells its IO shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Store this message and call [`SmtpSession::message_stored`]; the reply waits.
    Deliver(Delivery),
    /// The 250 for a stored message is queued.
    Queued {
        /// The store's id for it.
        id: u64,
        /// How many recipients were relayed (outside the server's domains).
        relayed: usize,
        /// How many were delivered locally.
        local: usize,
    },
    /// Flush the queued replies, then run the TLS handshake and call
    /// [`SmtpSession::tls_established`].
    StartTls,
    /// The session is over: flush the queued replies and close.
    Closed,
}

/// The kind of a protocol log line, as Exchange writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogEvent {
    /// `+`: connected.
    Connect,
    /// `-`: disconnected.
    Disconnect,
    /// `<`: received from the client.
    Receive,
    /// `>`: sent to the client.
    Send,
    /// `*`: information.
    Info,
}

impl LogEvent {
    /// The one-character form in the CSV.
    pub fn symbol(self) -> &'static str {
        match self {
            LogEvent::Connect => "+",
            LogEvent::Disconnect => "-",
            LogEvent::Receive => "<",
            LogEvent::Send => ">",
            LogEvent::Info => "*",
        }
    }
}

/// One protocol log line before the shell stamps time, connector, session and sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// What happened.
    pub event: LogEvent,
    /// The command or reply text (AUTH payloads masked).
    pub data: String,
    /// Why (policy trace) or extra information.
    pub context: String,
}

#[derive(Debug)]
enum Phase {
    Command,
    Data(DataReceiver),
    AuthPlain {
        held: Reply,
    },
    AuthLoginUser {
        held: Reply,
    },
    AuthLoginPass {
        held: Reply,
        login: String,
    },
    TlsHandshake,
    Storing {
        held: Reply,
        relayed: usize,
        local: usize,
    },
    Closed,
}

/// One SMTP server session, without sockets or clock.
#[derive(Debug)]
pub struct SmtpSession {
    cfg: SessionConfig,
    state: SessionState,
    phase: Phase,
    lines: LineReceiver,
    greeted: bool,
    mail_from: Option<String>,
    recipients: Vec<Recipient>,
    replies: VecDeque<Reply>,
    events: VecDeque<Event>,
    log: VecDeque<LogLine>,
    last_activity: Instant,
    idle_timeout: Duration,
    keep_limit: u64,
    logged_reasons: std::collections::HashSet<String>,
}

impl SmtpSession {
    /// A session for a fresh connection; the banner (or refusal) is queued at once.
    pub fn new(cfg: SessionConfig, now: Instant) -> SmtpSession {
        let mut state = SessionState::new(cfg.local, cfg.remote);
        state.tls = cfg.implicit_tls;
        let keep_limit = cfg
            .policy
            .max_message_size(&cfg.local, &cfg.remote)
            .unwrap_or(DEFAULT_KEEP_LIMIT);
        let mut s = SmtpSession {
            cfg,
            state,
            phase: Phase::Command,
            lines: LineReceiver::default(),
            greeted: false,
            mail_from: None,
            recipients: Vec::new(),
            replies: VecDeque::new(),
            events: VecDeque::new(),
            log: VecDeque::new(),
            last_activity: now,
            idle_timeout: IDLE_TIMEOUT,
            keep_limit,
            logged_reasons: std::collections::HashSet::new(),
        };
        s.log_line(LogEvent::Connect, "", "");
        let d = s.cfg.policy.decide(&s.state, &Step::Connect);
        s.log_trace(&d);
        let close = d.effect == Effect::Close;
        s.reply(d.reply);
        if close {
            s.close("policy refused the connection");
        }
        s
    }

    // ---- getters -------------------------------------------------------------------

    /// What the server knows about the session (for policy questions in tests).
    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// Whether the session is over (after the queued replies are flushed).
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// Octets of client input held in memory now: the unframed command bytes and the DATA
    /// body and line being received. Bounded by the message size limit plus one text line,
    /// however much a client sends.
    pub fn buffered(&self) -> usize {
        let data = match &self.phase {
            Phase::Data(rx) => rx.buffered(),
            _ => 0,
        };
        self.lines.pending() + data
    }

    /// When [`SmtpSession::handle_timeout`] should be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.is_closed()).then(|| self.last_activity + self.idle_timeout)
    }

    // ---- inputs --------------------------------------------------------------------

    /// How long the session may sit without input before it says 421 and closes (default
    /// [`IDLE_TIMEOUT`]).
    pub fn set_idle_timeout(&mut self, idle: Duration) {
        self.idle_timeout = idle;
    }

    /// Bytes from the client.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if self.is_closed() {
            return;
        }
        self.last_activity = now;
        if matches!(self.phase, Phase::TlsHandshake) {
            // Whatever arrives before the handshake is the handshake; the shell never
            // passes it here, and nothing sent in the clear after STARTTLS may be obeyed.
            return;
        }
        if let Phase::Data(rx) = &mut self.phase {
            match rx.push(bytes) {
                DataStatus::NeedsMoreData => return,
                DataStatus::Done(rest) => {
                    self.lines.push(&rest);
                    self.end_of_data();
                }
            }
        } else {
            self.lines.push(bytes);
        }
        self.process();
    }

    /// The idle timer fired (or not yet: then nothing happens).
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(at) = self.poll_timeout()
            && now >= at
        {
            self.reply(Reply::new(421, Some("4.4.1"), "Connection timed out"));
            self.close("idle timeout");
        }
    }

    /// The store's answer to [`Event::Deliver`]: its id for the message, or why not.
    pub fn message_stored(&mut self, result: Result<u64, String>) {
        let Phase::Storing {
            held,
            relayed,
            local,
        } = std::mem::replace(&mut self.phase, Phase::Command)
        else {
            return;
        };
        match result {
            Ok(id) => {
                self.log_line(
                    LogEvent::Info,
                    &format!("message {id}"),
                    "stored before replying",
                );
                self.reply(held);
                self.events.push_back(Event::Queued { id, relayed, local });
            }
            Err(why) => {
                self.log_line(LogEvent::Info, "", &format!("store failed: {why}"));
                self.reply(reply::store_failed());
            }
        }
        self.process();
    }

    /// The TLS handshake after STARTTLS completed: the session starts over (RFC 3207:
    /// forget EHLO and any AUTH).
    pub fn tls_established(&mut self, now: Instant, detail: &str) {
        if !matches!(self.phase, Phase::TlsHandshake) {
            return;
        }
        self.last_activity = now;
        self.state.tls = true;
        self.state.identity = Identity::Anonymous;
        self.greeted = false;
        self.reset_transaction();
        self.phase = Phase::Command;
        self.log_line(LogEvent::Info, "", &format!("TLS negotiated: {detail}"));
    }

    // ---- commands ------------------------------------------------------------------

    /// The server is shutting down: 421 and close.
    pub fn shutdown(&mut self) {
        if !self.is_closed() {
            self.reply(reply::shutting_down());
            self.close("server shutdown");
        }
    }

    /// The connection is gone (peer closed or IO error).
    pub fn connection_lost(&mut self, why: &str) {
        if !self.is_closed() {
            self.close(why);
        }
    }

    // ---- outputs -------------------------------------------------------------------

    /// The next reply to send.
    pub fn poll_reply(&mut self) -> Option<Reply> {
        self.replies.pop_front()
    }

    /// The next event for the shell.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next protocol log line.
    pub fn poll_log(&mut self) -> Option<LogLine> {
        self.log.pop_front()
    }

    // ---- internals -----------------------------------------------------------------

    fn reply(&mut self, r: Reply) {
        for line in r.to_wire().split("\r\n").filter(|l| !l.is_empty()) {
            self.log_line(LogEvent::Send, line, "");
        }
        self.replies.push_back(r);
    }

    fn log_line(&mut self, event: LogEvent, data: &str, context: &str) {
        self.log.push_back(LogLine {
            event,
            data: data.to_string(),
            context: context.to_string(),
        });
    }

    fn log_trace(&mut self, d: &Decision) {
        // Connector selection repeats in every decision of a session: each reason is logged
        // the first time only, so the log shows every reason once, in order.
        let mut why = Vec::new();
        for e in &d.trace.entries {
            if self.logged_reasons.insert(e.detail.clone()) {
                why.push(e.detail.clone());
            }
        }
        if !why.is_empty() {
            self.log_line(LogEvent::Info, "", &why.join("; "));
        }
    }

    fn close(&mut self, why: &str) {
        self.phase = Phase::Closed;
        self.log_line(LogEvent::Disconnect, "", why);
        self.events.push_back(Event::Closed);
    }

    fn reset_transaction(&mut self) {
        self.mail_from = None;
        self.recipients.clear();
        self.state.recipients = 0;
    }

    fn process(&mut self) {
        loop {
            match self.phase {
                Phase::Command
                | Phase::AuthPlain { .. }
                | Phase::AuthLoginUser { .. }
                | Phase::AuthLoginPass { .. } => {}
                _ => return,
            }
            let Some(line) = self.lines.next_line() else {
                return;
            };
            let line = match line {
                Line::TooLong => {
                    self.log_line(LogEvent::Receive, "(line over 512 octets)", "");
                    self.reply(reply::line_too_long());
                    continue;
                }
                Line::Complete(l) => l,
            };
            match std::mem::replace(&mut self.phase, Phase::Command) {
                Phase::AuthPlain { held } => {
                    self.log_line(LogEvent::Receive, "****", "");
                    self.finish_plain(&line, held);
                }
                Phase::AuthLoginUser { held } => {
                    self.log_line(LogEvent::Receive, "****", "");
                    match decode_b64_text(&line) {
                        _ if line == b"*" => self.reply(reply::auth_cancelled()),
                        Some(login) => {
                            self.reply(reply::challenge("UGFzc3dvcmQ6"));
                            self.phase = Phase::AuthLoginPass { held, login };
                        }
                        None => self.reply(reply::auth_failed()),
                    }
                }
                Phase::AuthLoginPass { held, login } => {
                    self.log_line(LogEvent::Receive, "****", "");
                    match decode_b64_text(&line) {
                        _ if line == b"*" => self.reply(reply::auth_cancelled()),
                        Some(password) => self.check_credentials(&login, &password, held),
                        None => self.reply(reply::auth_failed()),
                    }
                }
                _ => self.command(&line),
            }
        }
    }

    fn command(&mut self, line: &[u8]) {
        let shown = log_text(line);
        self.log_line(LogEvent::Receive, &shown, "");
        let req = match Request::parse(line) {
            Ok(r) => r,
            Err(SyntaxError::Arguments { grammar }) => return self.reply(reply::syntax(grammar)),
            Err(SyntaxError::Unknown | SyntaxError::NotText) => {
                return self.reply(reply::unrecognized());
            }
        };
        match req {
            Request::Ehlo(name) => self.hello(&name, false),
            Request::Helo(name) => self.hello(&name, true),
            Request::Mail { path, size } => {
                if !self.greeted {
                    return self.reply(reply::need_hello());
                }
                if self.mail_from.is_some() {
                    return self.reply(reply::sender_already_given());
                }
                let d = self
                    .cfg
                    .policy
                    .decide(&self.state, &Step::Mail { path: &path, size });
                self.log_trace(&d);
                if d.reply.is_positive() {
                    self.mail_from = Some(path);
                }
                self.reply(d.reply);
            }
            Request::Rcpt { path } => {
                if self.mail_from.is_none() {
                    return self.reply(reply::need_mail());
                }
                let d = self.cfg.policy.decide(&self.state, &Step::Rcpt(&path));
                self.log_trace(&d);
                if d.reply.is_positive()
                    && let Effect::Recipient { destination, relay } = &d.effect
                {
                    self.recipients.push(Recipient {
                        path,
                        destination: destination.clone(),
                        relay: *relay,
                    });
                    self.state.recipients += 1;
                }
                self.reply(d.reply);
            }
            Request::Data => {
                if self.mail_from.is_none() {
                    return self.reply(reply::need_mail());
                }
                if self.recipients.is_empty() {
                    return self.reply(reply::need_rcpt());
                }
                self.reply(reply::start_data());
                let mut rx = DataReceiver::new(self.keep_limit);
                let rest = self.lines.take_rest();
                match rx.push(&rest) {
                    DataStatus::NeedsMoreData => self.phase = Phase::Data(rx),
                    DataStatus::Done(after) => {
                        self.phase = Phase::Data(rx);
                        self.lines.push(&after);
                        self.end_of_data();
                    }
                }
            }
            Request::Rset => {
                self.reset_transaction();
                self.reply(reply::reset());
            }
            Request::Noop => self.reply(reply::ok()),
            Request::Vrfy(_) => self.reply(reply::cannot_vrfy()),
            Request::Quit => {
                self.reply(reply::closing());
                self.close("client quit");
            }
            Request::StartTls => {
                let d = self.cfg.policy.decide(&self.state, &Step::StartTls);
                self.log_trace(&d);
                if d.effect != Effect::StartTls {
                    return self.reply(d.reply);
                }
                if !self.cfg.tls_available {
                    return self.reply(reply::tls_unavailable());
                }
                self.reply(d.reply);
                let dropped = self.lines.clear();
                if dropped > 0 {
                    self.log_line(
                        LogEvent::Info,
                        "",
                        &format!("discarded {dropped} octets pipelined after STARTTLS"),
                    );
                }
                self.phase = Phase::TlsHandshake;
                self.events.push_back(Event::StartTls);
            }
            Request::Auth { mechanism, initial } => self.auth(&mechanism, initial.as_deref()),
        }
    }

    fn hello(&mut self, name: &str, helo: bool) {
        self.reset_transaction();
        let d = self.cfg.policy.ehlo(
            &self.state,
            name,
            self.cfg.tls_available && !self.state.tls,
            helo,
        );
        if d.reply.is_positive() {
            self.greeted = true;
        }
        self.reply(d.reply);
    }

    fn auth(&mut self, mechanism: &str, initial: Option<&str>) {
        if !self.greeted {
            return self.reply(reply::need_hello());
        }
        if self.mail_from.is_some() {
            return self.reply(reply::auth_in_transaction());
        }
        let d = self.cfg.policy.decide(&self.state, &Step::Auth(mechanism));
        self.log_trace(&d);
        if !d.reply.is_positive() || d.effect != Effect::Authenticate {
            return self.reply(d.reply);
        }
        if !Policy::implements_mechanism(mechanism) {
            return self.reply(reply::unknown_mechanism());
        }
        let held = d.reply;
        match (mechanism, initial) {
            ("PLAIN", Some(i)) => self.finish_plain(i.as_bytes(), held),
            ("PLAIN", None) => {
                self.reply(reply::challenge(""));
                self.phase = Phase::AuthPlain { held };
            }
            (_, Some(i)) => match decode_b64_text(i.as_bytes()) {
                Some(login) => {
                    self.reply(reply::challenge("UGFzc3dvcmQ6"));
                    self.phase = Phase::AuthLoginPass { held, login };
                }
                None => self.reply(reply::auth_failed()),
            },
            (_, None) => {
                self.reply(reply::challenge("VXNlcm5hbWU6"));
                self.phase = Phase::AuthLoginUser { held };
            }
        }
    }

    fn finish_plain(&mut self, b64: &[u8], held: Reply) {
        if b64 == b"*" {
            return self.reply(reply::auth_cancelled());
        }
        let creds = B64.decode(b64).ok().and_then(|d| sasl_plain(&d));
        match creds {
            Some((login, password)) => self.check_credentials(&login, &password, held),
            None => self.reply(reply::auth_failed()),
        }
    }

    fn check_credentials(&mut self, login: &str, password: &str, held: Reply) {
        let user = self
            .cfg
            .users
            .check(login, password)
            .map(|u| u.login.clone());
        match user {
            Some(name) => {
                self.log_line(LogEvent::Info, "", &format!("authenticated as {name}"));
                self.state.identity = Identity::User {
                    name,
                    integrated: false,
                };
                self.reply(held);
            }
            None => {
                self.log_line(
                    LogEvent::Info,
                    "",
                    &format!("authentication failed for {login}"),
                );
                self.reply(reply::auth_failed());
            }
        }
    }

    fn end_of_data(&mut self) {
        let Phase::Data(rx) = std::mem::replace(&mut self.phase, Phase::Command) else {
            return;
        };
        let body = rx.finish();
        self.log_line(
            LogEvent::Receive,
            ".",
            &format!("{} octets, bare LF: {}", body.size, body.bare_linefeeds),
        );
        let d = self.cfg.policy.decide(
            &self.state,
            &Step::EndOfData {
                size: body.size,
                bare_linefeeds: body.bare_linefeeds,
            },
        );
        self.log_trace(&d);
        let from = self.mail_from.take().unwrap_or_default();
        let recipients = std::mem::take(&mut self.recipients);
        self.state.recipients = 0;
        if !d.reply.is_positive() {
            return self.reply(d.reply);
        }
        if body.line_too_long {
            return self.reply(reply::text_line_too_long());
        }
        if body.truncated {
            return self.reply(reply::too_big());
        }
        let relayed = recipients.iter().filter(|r| r.relay).count();
        let local = recipients.len() - relayed;
        let user = match &self.state.identity {
            Identity::User { name, .. } => Some(name.clone()),
            _ => None,
        };
        self.events.push_back(Event::Deliver(Delivery {
            from,
            recipients,
            data: body.data,
            remote: self.state.remote,
            local: self.state.local,
            server: self.cfg.policy.name().to_string(),
            tls: self.state.tls,
            user,
        }));
        self.phase = Phase::Storing {
            held: d.reply,
            relayed,
            local,
        };
    }
}

fn decode_b64_text(b: &[u8]) -> Option<String> {
    B64.decode(b).ok().and_then(|d| String::from_utf8(d).ok())
}

/// The command as the log shows it: AUTH initial responses masked.
fn log_text(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line).into_owned();
    let mut words = text.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(v), Some(m), Some(_)) if v.eq_ignore_ascii_case("AUTH") => format!("{v} {m} ****"),
        _ => text,
    }
}
