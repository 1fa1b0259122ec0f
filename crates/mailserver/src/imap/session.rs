//! The sans-IO IMAP server session: imap-codec parses commands and encodes responses; this
//! module only decides.

use std::collections::{BTreeSet, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imap_codec::decode::{
    AuthenticateDataDecodeError, CommandDecodeError, Decoder, IdleDoneDecodeError,
};
use imap_codec::encode::Encoder;
use imap_codec::imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_codec::imap_types::command::{Command, CommandBody};
use imap_codec::imap_types::core::{IString, LiteralMode, NString, NonEmptyVec, Tag};
use imap_codec::imap_types::fetch::{
    Macro, MacroOrMessageDataItemNames, MessageDataItem, MessageDataItemName, Section,
};
use imap_codec::imap_types::flag::{Flag, FlagFetch, FlagPerm, StoreResponse, StoreType};
use imap_codec::imap_types::mailbox::Mailbox as ImapMailbox;
use imap_codec::imap_types::response::{
    Capability, Code, CommandContinuationRequest, Data, Greeting, Response, Status,
};
use imap_codec::imap_types::search::SearchKey;
use imap_codec::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};
use imap_codec::{
    AuthenticateDataCodec, CommandCodec, GreetingCodec, IdleDoneCodec, ResponseCodec,
};

use crate::store::{MailboxEntry, Store, header};
use crate::users::{Users, sasl_plain};

/// How long an IMAP session may sit idle outside IDLE (RFC 3501 asks for at least 30 min).
pub const IMAP_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How often an IDLE session looks for new mail.
pub const IDLE_POLL: Duration = Duration::from_millis(200);
/// The most a client may have buffered in one command (literals included).
pub const MAX_COMMAND: usize = 1024 * 1024;

/// What an IMAP session needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// The message store.
    pub store: Store,
    /// Accounts for LOGIN and AUTHENTICATE.
    pub users: Arc<Users>,
    /// Whether STARTTLS can be offered (the server has a certificate).
    pub tls_available: bool,
    /// Whether the transport is TLS from the start (port 993).
    pub implicit_tls: bool,
    /// Whether LOGIN and AUTHENTICATE need TLS first (LOGINDISABLED before it).
    pub login_requires_tls: bool,
}

/// What the session tells its IO shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapEvent {
    /// Flush output, run the TLS handshake, call [`ImapSession::tls_established`].
    StartTls,
    /// Flush output and close.
    Closed,
}

#[derive(Debug)]
enum Auth {
    NotAuthenticated,
    Authenticated {
        mailbox: String,
    },
    Selected {
        mailbox: String,
        read_only: bool,
        view: Vec<u32>,
    },
}

#[derive(Debug)]
enum Phase {
    Command,
    AuthenticatePlain { tag: Tag<'static> },
    Idle { tag: Tag<'static> },
    TlsHandshake,
    Closed,
}

/// One IMAP server session, without sockets or clock.
#[derive(Debug)]
pub struct ImapSession {
    cfg: ImapConfig,
    tls: bool,
    auth: Auth,
    phase: Phase,
    buf: Vec<u8>,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ImapEvent>,
    last_activity: Instant,
}

type Flags = BTreeSet<String>;

/// A selected mailbox's address, whether it is read-only, and the (sequence number, entry)
/// pairs a sequence set names.
type Resolved = (String, bool, Vec<(u32, MailboxEntry)>);

impl ImapSession {
    /// A session for a fresh connection; the greeting is queued at once.
    pub fn new(cfg: ImapConfig, now: Instant) -> ImapSession {
        let tls = cfg.implicit_tls;
        let mut s = ImapSession {
            cfg,
            tls,
            auth: Auth::NotAuthenticated,
            phase: Phase::Command,
            buf: Vec::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            last_activity: now,
        };
        let caps = s.capabilities();
        let greeting = Greeting::ok(Some(Code::Capability(caps)), "relaylab IMAP4rev1 ready");
        match greeting {
            Ok(g) => s.out.push_back(GreetingCodec::default().encode(&g).dump()),
            Err(_) => s
                .out
                .push_back(b"* OK relaylab IMAP4rev1 ready\r\n".to_vec()),
        }
        s
    }

    // ---- getters ---------------------------------------------------------------------

    /// Whether the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// Whether the session runs under TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// When [`ImapSession::handle_timeout`] should run: soon while idling (to report new
    /// mail), else at the idle deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Closed | Phase::TlsHandshake => None,
            Phase::Idle { .. } => Some(self.last_activity + IDLE_POLL),
            _ => Some(self.last_activity + IMAP_IDLE_TIMEOUT),
        }
    }

    // ---- inputs ----------------------------------------------------------------------

    /// Bytes from the client.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if self.is_closed() || matches!(self.phase, Phase::TlsHandshake) {
            return;
        }
        self.last_activity = now;
        self.buf.extend_from_slice(bytes);
        self.process();
    }

    /// The timer fired: report new mail while idling, or close an idle session.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Phase::Idle { .. } = self.phase {
            self.report_new_mail();
            self.last_activity = now;
            return;
        }
        if !self.is_closed() && now >= self.last_activity + IMAP_IDLE_TIMEOUT {
            self.untagged_bye("Autologout; idle for too long");
            self.close();
        }
    }

    /// The TLS handshake after STARTTLS completed.
    pub fn tls_established(&mut self, now: Instant) {
        if matches!(self.phase, Phase::TlsHandshake) {
            self.tls = true;
            self.phase = Phase::Command;
            self.last_activity = now;
        }
    }

    // ---- commands --------------------------------------------------------------------

    /// The server is shutting down: BYE and close.
    pub fn shutdown(&mut self) {
        if !self.is_closed() {
            self.untagged_bye("Server shutting down");
            self.close();
        }
    }

    /// The connection is gone.
    pub fn connection_lost(&mut self) {
        if !self.is_closed() {
            self.close();
        }
    }

    // ---- outputs ---------------------------------------------------------------------

    /// The next bytes to send.
    pub fn poll_output(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event for the shell.
    pub fn poll_event(&mut self) -> Option<ImapEvent> {
        self.events.pop_front()
    }

    // ---- internals -------------------------------------------------------------------

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.events.push_back(ImapEvent::Closed);
    }

    fn send(&mut self, r: &Response<'_>) {
        self.out
            .push_back(ResponseCodec::default().encode(r).dump());
    }

    fn tagged(&mut self, tag: &Tag<'_>, kind: Kind, code: Option<Code<'_>>, text: &str) {
        let tag = Some(tag.clone());
        let s = match kind {
            Kind::Ok => Status::ok(tag, code, text),
            Kind::No => Status::no(tag, code, text),
            Kind::Bad => Status::bad(tag, code, text),
        };
        match s {
            Ok(s) => self.send(&Response::Status(s)),
            // Only fixed texts reach here; a bad one is a bug, answered without the text.
            Err(_) => self.out.push_back(b"* BAD internal error\r\n".to_vec()),
        }
    }

    fn untagged_ok(&mut self, code: Option<Code<'_>>, text: &str) {
        if let Ok(s) = Status::ok(None, code, text) {
            self.send(&Response::Status(s));
        }
    }

    fn untagged_bye(&mut self, text: &str) {
        if let Ok(s) = Status::bye(None, text) {
            self.send(&Response::Status(s));
        }
    }

    fn data(&mut self, d: Data<'_>) {
        self.send(&Response::Data(d));
    }

    fn capabilities(&self) -> NonEmptyVec<Capability<'static>> {
        let mut caps = vec![Capability::Imap4Rev1, Capability::Idle, Capability::SaslIr];
        if self.cfg.tls_available && !self.tls {
            caps.push(Capability::StartTls);
        }
        if self.login_disabled() {
            caps.push(Capability::LoginDisabled);
        } else {
            caps.push(Capability::Auth(AuthMechanism::Plain));
        }
        NonEmptyVec::try_from(caps).unwrap_or_else(|_| NonEmptyVec::from(Capability::Imap4Rev1))
    }

    fn login_disabled(&self) -> bool {
        self.cfg.login_requires_tls && !self.tls
    }

    fn process(&mut self) {
        // Each turn consumes input or stops, and the buffer is finite: the loop ends.
        loop {
            let consumed = match &self.phase {
                Phase::Command => self.next_command(),
                Phase::AuthenticatePlain { .. } => self.next_auth_data(),
                Phase::Idle { .. } => self.next_idle_done(),
                Phase::TlsHandshake | Phase::Closed => false,
            };
            if !consumed {
                return;
            }
        }
    }

    fn bad_line(&mut self) {
        // An unparsable command: answer BAD with its tag (if it has one) and drop its line.
        let end = self
            .buf
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(self.buf.len(), |i| i + 2);
        let line: Vec<u8> = self.buf.drain(..end).collect();
        let tag = line
            .split(|b| *b == b' ')
            .next()
            .and_then(|t| Tag::try_from(String::from_utf8_lossy(t).into_owned()).ok());
        match tag {
            Some(t) => self.tagged(&t, Kind::Bad, None, "Command syntax error"),
            None => {
                if let Ok(s) = Status::bad(None, None, "Command syntax error") {
                    self.send(&Response::Status(s));
                }
            }
        }
    }

    fn next_command(&mut self) -> bool {
        if self.buf.is_empty() {
            return false;
        }
        let decoded = CommandCodec::default()
            .decode_static(&self.buf)
            .map(|(rem, cmd)| (self.buf.len() - rem.len(), cmd));
        match decoded {
            Ok((used, cmd)) => {
                self.buf.drain(..used);
                self.command(cmd);
                true
            }
            Err(CommandDecodeError::Incomplete) => {
                if self.buf.len() > MAX_COMMAND {
                    self.buf.clear();
                    if let Ok(s) = Status::bad(None, None, "Command too long") {
                        self.send(&Response::Status(s));
                    }
                }
                false
            }
            Err(CommandDecodeError::LiteralFound { length, mode, tag }) => {
                if length as usize > MAX_COMMAND {
                    self.buf.clear();
                    self.tagged(&tag, Kind::Bad, None, "Literal too large");
                    return true;
                }
                if mode == LiteralMode::Sync {
                    match CommandContinuationRequest::basic(None, "Ready for literal data") {
                        Ok(c) => self.send(&Response::CommandContinuationRequest(c)),
                        Err(_) => self.out.push_back(b"+ Ready\r\n".to_vec()),
                    }
                }
                false
            }
            Err(_) => {
                self.bad_line();
                true
            }
        }
    }

    fn next_auth_data(&mut self) -> bool {
        let Phase::AuthenticatePlain { tag } = std::mem::replace(&mut self.phase, Phase::Command)
        else {
            return false;
        };
        if self.buf.starts_with(b"*\r\n") {
            self.buf.drain(..3);
            self.tagged(&tag, Kind::Bad, None, "AUTHENTICATE cancelled");
            return true;
        }
        let decoded = AuthenticateDataCodec::default()
            .decode(&self.buf)
            .map(|(rem, AuthenticateData(d))| (self.buf.len() - rem.len(), d.declassify().clone()));
        match decoded {
            Ok((used, data)) => {
                self.buf.drain(..used);
                self.finish_plain(&tag, &data);
                true
            }
            Err(AuthenticateDataDecodeError::Incomplete) => {
                self.phase = Phase::AuthenticatePlain { tag };
                false
            }
            Err(_) => {
                let end = self
                    .buf
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .map_or(self.buf.len(), |i| i + 2);
                self.buf.drain(..end);
                self.tagged(&tag, Kind::Bad, None, "Invalid base64 in AUTHENTICATE");
                true
            }
        }
    }

    fn next_idle_done(&mut self) -> bool {
        let Phase::Idle { tag } = std::mem::replace(&mut self.phase, Phase::Command) else {
            return false;
        };
        match IdleDoneCodec::default()
            .decode(&self.buf)
            .map(|(rem, _)| self.buf.len() - rem.len())
        {
            Ok(used) => {
                self.buf.drain(..used);
                self.report_new_mail();
                self.tagged(&tag, Kind::Ok, None, "IDLE terminated");
                true
            }
            Err(IdleDoneDecodeError::Incomplete) => {
                self.phase = Phase::Idle { tag };
                false
            }
            Err(_) => {
                self.bad_line();
                self.phase = Phase::Idle { tag };
                true
            }
        }
    }

    fn command(&mut self, cmd: Command<'static>) {
        let tag = cmd.tag;
        match cmd.body {
            CommandBody::Capability => {
                let caps = self.capabilities();
                self.data(Data::Capability(caps));
                self.tagged(&tag, Kind::Ok, None, "CAPABILITY completed");
            }
            CommandBody::Noop => {
                self.report_new_mail();
                self.tagged(&tag, Kind::Ok, None, "NOOP completed");
            }
            CommandBody::Logout => {
                self.untagged_bye("Logging out");
                self.tagged(&tag, Kind::Ok, None, "LOGOUT completed");
                self.close();
            }
            CommandBody::StartTLS => {
                if !self.cfg.tls_available || self.tls {
                    return self.tagged(&tag, Kind::Bad, None, "STARTTLS not available");
                }
                self.tagged(&tag, Kind::Ok, None, "Begin TLS negotiation now");
                // Nothing sent in the clear after STARTTLS may be obeyed.
                self.buf.clear();
                self.phase = Phase::TlsHandshake;
                self.events.push_back(ImapEvent::StartTls);
            }
            CommandBody::Login { username, password } => {
                if !matches!(self.auth, Auth::NotAuthenticated) {
                    return self.tagged(&tag, Kind::Bad, None, "Already authenticated");
                }
                if self.login_disabled() {
                    return self.tagged(
                        &tag,
                        Kind::No,
                        Some(Code::Other(privacy_required())),
                        "LOGIN disabled until TLS",
                    );
                }
                let user = String::from_utf8_lossy(username.as_ref()).into_owned();
                let pass = String::from_utf8_lossy(password.declassify().as_ref()).into_owned();
                self.login(&tag, &user, &pass);
            }
            CommandBody::Authenticate {
                mechanism,
                initial_response,
            } => {
                if !matches!(self.auth, Auth::NotAuthenticated) {
                    return self.tagged(&tag, Kind::Bad, None, "Already authenticated");
                }
                if self.login_disabled() {
                    return self.tagged(
                        &tag,
                        Kind::No,
                        Some(Code::Other(privacy_required())),
                        "AUTHENTICATE disabled until TLS",
                    );
                }
                if mechanism != AuthMechanism::Plain {
                    return self.tagged(
                        &tag,
                        Kind::No,
                        None,
                        "Unsupported authentication mechanism",
                    );
                }
                match initial_response {
                    Some(ir) => {
                        let data = ir.declassify().to_vec();
                        self.finish_plain(&tag, &data);
                    }
                    None => {
                        self.send(&Response::CommandContinuationRequest(
                            CommandContinuationRequest::base64(b"".as_slice()),
                        ));
                        self.phase = Phase::AuthenticatePlain { tag };
                    }
                }
            }
            CommandBody::Select { mailbox } => self.select(&tag, &mailbox, false),
            CommandBody::Examine { mailbox } => self.select(&tag, &mailbox, true),
            CommandBody::Fetch {
                sequence_set,
                macro_or_item_names,
                uid,
            } => self.fetch(&tag, &sequence_set, macro_or_item_names, uid),
            CommandBody::Search { criteria, uid, .. } => self.search(&tag, &criteria, uid),
            CommandBody::Store {
                sequence_set,
                kind,
                response,
                flags,
                uid,
            } => self.store(&tag, &sequence_set, kind, response, &flags, uid),
            CommandBody::Expunge => self.expunge(&tag),
            CommandBody::Idle => {
                if matches!(self.auth, Auth::NotAuthenticated) {
                    return self.tagged(&tag, Kind::Bad, None, "Authenticate first");
                }
                match CommandContinuationRequest::basic(None, "idling") {
                    Ok(c) => self.send(&Response::CommandContinuationRequest(c)),
                    Err(_) => self.out.push_back(b"+ idling\r\n".to_vec()),
                }
                self.phase = Phase::Idle { tag };
            }
            CommandBody::Close | CommandBody::Unselect => {
                if let Auth::Selected { mailbox, .. } = &self.auth {
                    self.auth = Auth::Authenticated {
                        mailbox: mailbox.clone(),
                    };
                }
                self.tagged(&tag, Kind::Ok, None, "Completed");
            }
            other => {
                let name = other.name();
                self.tagged(
                    &tag,
                    Kind::Bad,
                    None,
                    &format!("{name} is not supported by this mock"),
                );
            }
        }
    }

    fn login(&mut self, tag: &Tag<'_>, user: &str, pass: &str) {
        match self.cfg.users.check(user, pass) {
            Some(u) => {
                let mailbox = u.mailbox.clone();
                let _ = self.cfg.store.ensure_mailbox(&mailbox);
                self.auth = Auth::Authenticated { mailbox };
                let caps = self.capabilities();
                self.tagged(tag, Kind::Ok, Some(Code::Capability(caps)), "Logged in");
            }
            None => self.tagged(
                tag,
                Kind::No,
                Some(Code::Other(authentication_failed())),
                "Invalid credentials",
            ),
        }
    }

    fn finish_plain(&mut self, tag: &Tag<'_>, decoded: &[u8]) {
        match sasl_plain(decoded) {
            Some((user, pass)) => self.login(tag, &user, &pass),
            None => self.tagged(tag, Kind::Bad, None, "Malformed PLAIN response"),
        }
    }

    fn user_mailbox(&self) -> Option<String> {
        match &self.auth {
            Auth::NotAuthenticated => None,
            Auth::Authenticated { mailbox } | Auth::Selected { mailbox, .. } => {
                Some(mailbox.clone())
            }
        }
    }

    fn select(&mut self, tag: &Tag<'_>, name: &ImapMailbox<'_>, read_only: bool) {
        let Some(mailbox) = self.user_mailbox() else {
            return self.tagged(tag, Kind::Bad, None, "Authenticate first");
        };
        if !matches!(name, ImapMailbox::Inbox) {
            self.auth = Auth::Authenticated { mailbox };
            return self.tagged(tag, Kind::No, None, "Only INBOX exists here");
        }
        let snapshot = self.cfg.store.with_mailbox(&mailbox, |mb| {
            let recent = mb
                .entries
                .iter()
                .filter(|e| e.flags.contains("\\Recent"))
                .count();
            if !read_only {
                for e in &mut mb.entries {
                    e.flags.remove("\\Recent");
                }
            }
            let unseen = mb.entries.iter().position(|e| !e.flags.contains("\\Seen"));
            (
                mb.entries.iter().map(|e| e.uid).collect::<Vec<u32>>(),
                recent,
                unseen,
                mb.uid_validity,
                mb.uid_next,
            )
        });
        let Ok((view, recent, unseen, validity, next)) = snapshot else {
            return self.tagged(tag, Kind::No, None, "Mailbox unavailable");
        };
        let system = [
            Flag::Answered,
            Flag::Flagged,
            Flag::Deleted,
            Flag::Seen,
            Flag::Draft,
        ];
        self.data(Data::Flags(system.to_vec()));
        self.data(Data::Exists(view.len() as u32));
        self.data(Data::Recent(recent as u32));
        if let Some(i) = unseen.and_then(|i| NonZeroU32::new(i as u32 + 1)) {
            self.untagged_ok(Some(Code::Unseen(i)), "First unseen");
        }
        let mut perm: Vec<FlagPerm<'_>> = system.iter().cloned().map(FlagPerm::Flag).collect();
        perm.push(FlagPerm::Asterisk);
        self.untagged_ok(
            Some(Code::PermanentFlags(if read_only {
                Vec::new()
            } else {
                perm
            })),
            "Flags permitted",
        );
        if let Some(v) = NonZeroU32::new(validity) {
            self.untagged_ok(Some(Code::UidValidity(v)), "UIDs valid");
        }
        if let Some(n) = NonZeroU32::new(next) {
            self.untagged_ok(Some(Code::UidNext(n)), "Predicted next UID");
        }
        self.auth = Auth::Selected {
            mailbox,
            read_only,
            view,
        };
        let (code, text) = if read_only {
            (Code::ReadOnly, "EXAMINE completed")
        } else {
            (Code::ReadWrite, "SELECT completed")
        };
        self.tagged(tag, Kind::Ok, Some(code), text);
    }

    /// New messages since the view was taken: `* n EXISTS`.
    fn report_new_mail(&mut self) {
        let Auth::Selected { mailbox, view, .. } = &self.auth else {
            return;
        };
        let mailbox = mailbox.clone();
        let known: BTreeSet<u32> = view.iter().copied().collect();
        let fresh = self
            .cfg
            .store
            .with_mailbox(&mailbox, |mb| {
                mb.entries
                    .iter()
                    .map(|e| e.uid)
                    .filter(|u| !known.contains(u))
                    .collect::<Vec<u32>>()
            })
            .unwrap_or_default();
        if fresh.is_empty() {
            return;
        }
        let n = if let Auth::Selected { view, .. } = &mut self.auth {
            view.extend(fresh);
            view.len()
        } else {
            0
        };
        self.data(Data::Exists(n as u32));
    }

    /// The (sequence number, entry) pairs of the view the set names.
    fn resolve(&self, set: &SequenceSet, uid: bool) -> Option<Resolved> {
        let Auth::Selected {
            mailbox,
            read_only,
            view,
        } = &self.auth
        else {
            return None;
        };
        let entries = self
            .cfg
            .store
            .with_mailbox(mailbox, |mb| {
                mb.entries
                    .iter()
                    .filter(|e| view.contains(&e.uid))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .ok()?;
        let largest = if uid {
            view.iter().copied().max().unwrap_or(0)
        } else {
            view.len() as u32
        };
        let mut out = Vec::new();
        for (i, uid_of) in view.iter().enumerate() {
            let seq = i as u32 + 1;
            let key = if uid { *uid_of } else { seq };
            if set_contains(set, key, largest)
                && let Some(e) = entries.iter().find(|e| e.uid == *uid_of)
            {
                out.push((seq, e.clone()));
            }
        }
        Some((mailbox.clone(), *read_only, out))
    }

    fn fetch(
        &mut self,
        tag: &Tag<'_>,
        set: &SequenceSet,
        items: MacroOrMessageDataItemNames<'_>,
        uid: bool,
    ) {
        let Some((mailbox, read_only, hits)) = self.resolve(set, uid) else {
            return self.tagged(tag, Kind::Bad, None, "Select a mailbox first");
        };
        let mut names = match items {
            MacroOrMessageDataItemNames::Macro(m) => match m {
                Macro::Fast | Macro::All | Macro::Full => {
                    vec![MessageDataItemName::Flags, MessageDataItemName::Rfc822Size]
                }
                _ => vec![MessageDataItemName::Flags],
            },
            MacroOrMessageDataItemNames::MessageDataItemNames(v) => v,
        };
        if uid && !names.contains(&MessageDataItemName::Uid) {
            names.insert(0, MessageDataItemName::Uid);
        }
        for n in &names {
            let ok = matches!(
                n,
                MessageDataItemName::Uid
                    | MessageDataItemName::Flags
                    | MessageDataItemName::Rfc822Size
                    | MessageDataItemName::Rfc822
                    | MessageDataItemName::Rfc822Header
                    | MessageDataItemName::Rfc822Text
            ) || matches!(
                n,
                MessageDataItemName::BodyExt {
                    section: None | Some(Section::Header(None)) | Some(Section::Text(None)),
                    partial: None,
                    ..
                }
            );
            if !ok {
                return self.tagged(tag, Kind::Bad, None, "Fetch item not supported by this mock (supported: UID FLAGS RFC822.SIZE RFC822 BODY[] BODY[HEADER] BODY[TEXT])");
            }
        }
        for (seq, entry) in hits {
            let sets_seen = !read_only
                && !entry.flags.contains("\\Seen")
                && names.iter().any(|n| {
                    matches!(
                        n,
                        MessageDataItemName::BodyExt { peek: false, .. }
                            | MessageDataItemName::Rfc822
                            | MessageDataItemName::Rfc822Text
                    )
                });
            let mut flags = entry.flags.clone();
            if sets_seen {
                flags.insert("\\Seen".to_string());
                let _ = self.cfg.store.with_mailbox(&mailbox, |mb| {
                    if let Some(e) = mb.entries.iter_mut().find(|e| e.uid == entry.uid) {
                        e.flags.insert("\\Seen".to_string());
                    }
                });
            }
            let data = &entry.message.delivery.data;
            let (head, text) = split_header(data);
            let mut out: Vec<MessageDataItem<'_>> = Vec::new();
            for n in &names {
                match n {
                    MessageDataItemName::Uid => {
                        if let Some(u) = NonZeroU32::new(entry.uid) {
                            out.push(MessageDataItem::Uid(u));
                        }
                    }
                    MessageDataItemName::Flags => {
                        out.push(MessageDataItem::Flags(flag_fetch(&flags)))
                    }
                    MessageDataItemName::Rfc822Size => {
                        out.push(MessageDataItem::Rfc822Size(data.len() as u32))
                    }
                    MessageDataItemName::Rfc822 => out.push(MessageDataItem::Rfc822(nstring(data))),
                    MessageDataItemName::Rfc822Header => {
                        out.push(MessageDataItem::Rfc822Header(nstring(head)))
                    }
                    MessageDataItemName::Rfc822Text => {
                        out.push(MessageDataItem::Rfc822Text(nstring(text)))
                    }
                    MessageDataItemName::BodyExt { section, .. } => {
                        let bytes = match section {
                            Some(Section::Header(None)) => head,
                            Some(Section::Text(None)) => text,
                            _ => data.as_slice(),
                        };
                        out.push(MessageDataItem::BodyExt {
                            section: section.clone(),
                            origin: None,
                            data: nstring(bytes),
                        });
                    }
                    _ => {}
                }
            }
            if sets_seen && !names.contains(&MessageDataItemName::Flags) {
                out.push(MessageDataItem::Flags(flag_fetch(&flags)));
            }
            let (Some(seq), Ok(items)) = (NonZeroU32::new(seq), NonEmptyVec::try_from(out)) else {
                continue;
            };
            self.data(Data::Fetch { seq, items });
        }
        self.tagged(tag, Kind::Ok, None, "FETCH completed");
    }

    fn search(&mut self, tag: &Tag<'_>, key: &SearchKey<'_>, uid: bool) {
        let all = SequenceSet(NonEmptyVec::from(Sequence::Range(
            SeqOrUid::Value(NonZeroU32::MIN),
            SeqOrUid::Asterisk,
        )));
        let Some((_, _, hits)) = self.resolve(&all, false) else {
            return self.tagged(tag, Kind::Bad, None, "Select a mailbox first");
        };
        let largest_uid = hits.iter().map(|(_, e)| e.uid).max().unwrap_or(0);
        let count = hits.len() as u32;
        let mut found = Vec::new();
        for (seq, e) in &hits {
            match matches_key(key, *seq, e, count, largest_uid) {
                Some(true) => found.push(if uid { e.uid } else { *seq }),
                Some(false) => {}
                None => {
                    return self.tagged(
                        tag,
                        Kind::Bad,
                        None,
                        "Search key not supported by this mock",
                    );
                }
            }
        }
        self.data(Data::Search(
            found.into_iter().filter_map(NonZeroU32::new).collect(),
        ));
        self.tagged(tag, Kind::Ok, None, "SEARCH completed");
    }

    fn store(
        &mut self,
        tag: &Tag<'_>,
        set: &SequenceSet,
        kind: StoreType,
        response: StoreResponse,
        flags: &[Flag<'_>],
        uid: bool,
    ) {
        let Some((mailbox, read_only, hits)) = self.resolve(set, uid) else {
            return self.tagged(tag, Kind::Bad, None, "Select a mailbox first");
        };
        if read_only {
            return self.tagged(tag, Kind::No, None, "Mailbox is read-only");
        }
        let given: Flags = flags.iter().map(|f| f.to_string()).collect();
        let mut updated = Vec::new();
        let _ = self.cfg.store.with_mailbox(&mailbox, |mb| {
            for (seq, hit) in &hits {
                if let Some(e) = mb.entries.iter_mut().find(|e| e.uid == hit.uid) {
                    let recent = e.flags.contains("\\Recent");
                    match kind {
                        StoreType::Replace => e.flags = given.clone(),
                        StoreType::Add => e.flags.extend(given.iter().cloned()),
                        StoreType::Remove => e.flags.retain(|f| !given.contains(f)),
                    }
                    if recent {
                        e.flags.insert("\\Recent".to_string());
                    }
                    updated.push((*seq, e.uid, e.flags.clone()));
                }
            }
        });
        if response == StoreResponse::Answer {
            for (seq, u, f) in updated {
                let mut items = vec![MessageDataItem::Flags(flag_fetch(&f))];
                if uid && let Some(u) = NonZeroU32::new(u) {
                    items.push(MessageDataItem::Uid(u));
                }
                if let (Some(seq), Ok(items)) = (NonZeroU32::new(seq), NonEmptyVec::try_from(items))
                {
                    self.data(Data::Fetch { seq, items });
                }
            }
        }
        self.tagged(tag, Kind::Ok, None, "STORE completed");
    }

    fn expunge(&mut self, tag: &Tag<'_>) {
        let Auth::Selected {
            mailbox,
            read_only,
            view,
        } = &self.auth
        else {
            return self.tagged(tag, Kind::Bad, None, "Select a mailbox first");
        };
        if *read_only {
            return self.tagged(tag, Kind::No, None, "Mailbox is read-only");
        }
        let mailbox = mailbox.clone();
        let view = view.clone();
        let removed = self
            .cfg
            .store
            .with_mailbox(&mailbox, |mb| {
                let gone: Vec<u32> = mb
                    .entries
                    .iter()
                    .filter(|e| e.flags.contains("\\Deleted"))
                    .map(|e| e.uid)
                    .collect();
                mb.entries.retain(|e| !gone.contains(&e.uid));
                gone
            })
            .unwrap_or_default();
        // Highest sequence number first, so each number is valid when the client reads it.
        let mut new_view = view.clone();
        for (i, u) in view.iter().enumerate().rev() {
            if removed.contains(u) {
                new_view.remove(i);
                if let Some(seq) = NonZeroU32::new(i as u32 + 1) {
                    self.data(Data::Expunge(seq));
                }
            }
        }
        if let Auth::Selected { view, .. } = &mut self.auth {
            *view = new_view;
        }
        self.tagged(tag, Kind::Ok, None, "EXPUNGE completed");
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Ok,
    No,
    Bad,
}

fn privacy_required() -> imap_codec::imap_types::response::CodeOther<'static> {
    imap_codec::imap_types::response::CodeOther::unvalidated(b"PRIVACYREQUIRED".as_slice())
}

fn authentication_failed() -> imap_codec::imap_types::response::CodeOther<'static> {
    imap_codec::imap_types::response::CodeOther::unvalidated(b"AUTHENTICATIONFAILED".as_slice())
}

fn nstring(bytes: &[u8]) -> NString<'static> {
    // A literal carries any octet but NUL; a message with NUL would need BINARY (not offered).
    match imap_codec::imap_types::core::Literal::try_from(bytes.to_vec()) {
        Ok(l) => NString(Some(IString::Literal(l))),
        Err(_) => NString(None),
    }
}

fn flag_fetch(flags: &Flags) -> Vec<FlagFetch<'_>> {
    flags
        .iter()
        .filter_map(|f| {
            if f == "\\Recent" {
                return Some(FlagFetch::Recent);
            }
            Flag::try_from(f.as_str()).ok().map(FlagFetch::Flag)
        })
        .collect()
}

fn split_header(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => data.split_at(i + 4),
        None => (data, &[]),
    }
}

fn set_contains(set: &SequenceSet, n: u32, largest: u32) -> bool {
    let expand = |s: &SeqOrUid| match s {
        SeqOrUid::Value(v) => v.get(),
        SeqOrUid::Asterisk => largest,
    };
    set.0.as_ref().iter().any(|s| match s {
        Sequence::Single(v) => expand(v) == n,
        Sequence::Range(a, b) => {
            let (a, b) = (expand(a), expand(b));
            (a.min(b)..=a.max(b)).contains(&n)
        }
    })
}

fn contains_ci(hay: &str, needle: &[u8]) -> bool {
    let needle = String::from_utf8_lossy(needle).to_lowercase();
    hay.to_lowercase().contains(&needle)
}

/// Whether entry `e` (sequence number `seq`) matches; `None` for keys the mock does not do.
fn matches_key(
    key: &SearchKey<'_>,
    seq: u32,
    e: &MailboxEntry,
    count: u32,
    largest_uid: u32,
) -> Option<bool> {
    let data = &e.message.delivery.data;
    let has = |f: &str| e.flags.contains(f);
    let hdr = |name: &str| header(data, name).unwrap_or_default();
    Some(match key {
        SearchKey::All => true,
        SearchKey::And(keys) => {
            for k in keys.as_ref() {
                if !matches_key(k, seq, e, count, largest_uid)? {
                    return Some(false);
                }
            }
            true
        }
        SearchKey::Or(a, b) => {
            matches_key(a, seq, e, count, largest_uid)?
                || matches_key(b, seq, e, count, largest_uid)?
        }
        SearchKey::Not(k) => !matches_key(k, seq, e, count, largest_uid)?,
        SearchKey::SequenceSet(s) => set_contains(s, seq, count),
        SearchKey::Uid(s) => set_contains(s, e.uid, largest_uid),
        SearchKey::Seen => has("\\Seen"),
        SearchKey::Unseen => !has("\\Seen"),
        SearchKey::Deleted => has("\\Deleted"),
        SearchKey::Undeleted => !has("\\Deleted"),
        SearchKey::Flagged => has("\\Flagged"),
        SearchKey::Unflagged => !has("\\Flagged"),
        SearchKey::Answered => has("\\Answered"),
        SearchKey::Unanswered => !has("\\Answered"),
        SearchKey::Draft => has("\\Draft"),
        SearchKey::Undraft => !has("\\Draft"),
        SearchKey::Recent => has("\\Recent"),
        SearchKey::New => has("\\Recent") && !has("\\Seen"),
        SearchKey::Old => !has("\\Recent"),
        SearchKey::Keyword(k) => has(k.as_ref()),
        SearchKey::Unkeyword(k) => !has(k.as_ref()),
        SearchKey::Larger(n) => data.len() as u32 > *n,
        SearchKey::Smaller(n) => (data.len() as u32) < *n,
        SearchKey::Header(name, value) => {
            let name = String::from_utf8_lossy(name.as_ref()).into_owned();
            match header(data, &name.to_ascii_lowercase()) {
                Some(v) => contains_ci(&v, value.as_ref()),
                None => false,
            }
        }
        SearchKey::Subject(v) => contains_ci(&hdr("subject"), v.as_ref()),
        SearchKey::From(v) => contains_ci(&hdr("from"), v.as_ref()),
        SearchKey::To(v) => contains_ci(&hdr("to"), v.as_ref()),
        SearchKey::Cc(v) => contains_ci(&hdr("cc"), v.as_ref()),
        SearchKey::Bcc(v) => contains_ci(&hdr("bcc"), v.as_ref()),
        SearchKey::Body(v) => {
            contains_ci(&String::from_utf8_lossy(split_header(data).1), v.as_ref())
        }
        SearchKey::Text(v) => contains_ci(&String::from_utf8_lossy(data), v.as_ref()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use imap_codec::decode::Decoder;

    fn set(text: &str) -> SequenceSet {
        let cmd = format!("a FETCH {text} UID\r\n");
        let (_, c) = CommandCodec::default()
            .decode(cmd.as_bytes())
            .expect("valid fetch");
        match c.body {
            CommandBody::Fetch { sequence_set, .. } => sequence_set,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sequence_sets_with_star_and_reversed_ranges() {
        let cases: &[(&str, u32, &[u32])] = &[
            ("1", 5, &[1]),
            ("2:4", 5, &[2, 3, 4]),
            ("4:2", 5, &[2, 3, 4]),
            ("*", 5, &[5]),
            ("3:*", 5, &[3, 4, 5]),
            ("*:3", 5, &[3, 4, 5]),
            ("1,3,5:*", 6, &[1, 3, 5, 6]),
            ("1:4294967295", 3, &[1, 2, 3]),
        ];
        for (text, largest, want) in cases {
            let s = set(text);
            let got: Vec<u32> = (1..=*largest)
                .filter(|n| set_contains(&s, *n, *largest))
                .collect();
            assert_eq!(&got, want, "{text}");
        }
    }

    #[test]
    fn header_and_text_split_at_the_first_empty_line() {
        assert_eq!(
            split_header(b"A: 1\r\n\r\nbody\r\n\r\nmore"),
            (&b"A: 1\r\n\r\n"[..], &b"body\r\n\r\nmore"[..])
        );
        assert_eq!(split_header(b"A: 1\r\n"), (&b"A: 1\r\n"[..], &b""[..]));
    }
}
