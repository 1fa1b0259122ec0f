//! The client's side of every SMTP dialogue relaylab has, in one place: which commands a
//! probe sends, in which order, whether it does STARTTLS, which AUTH mechanism it picks
//! from the EHLO keywords, and where the dialogue ends.
//!
//! Three users drive the same [`Dialogue`]: the prover ([`crate::Server::converse`] feeds
//! it the policy's decisions), the live run's client (feeds it the replies read from the
//! socket) and the live run's battery prediction. Before this module they chose
//! differently (the prover took the first mechanism in EHLO order, NTLM on Exchange, while
//! the live client spoke PLAIN or LOGIN), so the proof and the wire could disagree about
//! the same connector. The client modelled here speaks only the basic mechanisms
//! ([`Mechanism::PREFERENCE`]): that is what submission clients, scanners and
//! applications use, and what the lab's mail servers can check.
//!
//! The machine is sans-IO: [`Dialogue::next`] takes the reply to the last command (the
//! banner first) and answers with the next [`Command`] or the [`Ending`].
//!
//! ```
//! use relaypolicy::dialogue::{Command, Dialogue, Ending, Mechanism, Next, Script};
//!
//! let mut d = Dialogue::new(Script::authenticated("<relaytest@example.net>", false));
//! assert_eq!(d.next(220, &[]), Next::Send(Command::Ehlo));
//! let ehlo = ["mx Hello".to_string(), "AUTH NTLM GSSAPI LOGIN".to_string()];
//! // NTLM comes first, but the client speaks LOGIN.
//! assert_eq!(d.next(250, &ehlo), Next::Send(Command::Auth(Mechanism::Login)));
//! ```

use std::fmt;

use serde::Serialize;

/// The name the client gives in EHLO.
pub const EHLO_NAME: &str = "probe.relaylab.invalid";

/// The reverse path of every probe message.
pub const REVERSE_PATH: &str = "<probe@relaylab.invalid>";

/// A SASL mechanism the client can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Mechanism {
    /// AUTH PLAIN (RFC 4616).
    Plain,
    /// AUTH LOGIN.
    Login,
}

impl Mechanism {
    /// The client's mechanisms, most preferred first. Integrated mechanisms (NTLM,
    /// GSSAPI) are left out on purpose: see the module documentation.
    pub const PREFERENCE: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

    /// The name as EHLO and AUTH write it.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a probe client means to do in one session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Script {
    /// STARTTLS first, when the server offers it (else go on in the clear, as a client
    /// with opportunistic TLS does).
    pub starttls: bool,
    /// Authenticate before MAIL.
    pub authenticate: bool,
    /// The reverse path as written (`<a@b>` or `<>`).
    pub from: String,
    /// The forward path as written (`<user@example.net>`).
    pub rcpt: String,
}

impl Script {
    /// An anonymous client sending from [`REVERSE_PATH`] to `rcpt` (a path as written).
    pub fn anonymous(rcpt: impl Into<String>) -> Script {
        Script {
            starttls: false,
            authenticate: false,
            from: REVERSE_PATH.to_string(),
            rcpt: rcpt.into(),
        }
    }

    /// An authenticated client, with or without STARTTLS first.
    pub fn authenticated(rcpt: impl Into<String>, starttls: bool) -> Script {
        Script {
            starttls,
            authenticate: true,
            ..Script::anonymous(rcpt)
        }
    }

    /// A MAIL FROM / RCPT TO pair as written (nmap's relay pairs).
    pub fn pair(from: impl Into<String>, rcpt: impl Into<String>) -> Script {
        Script {
            from: from.into(),
            ..Script::anonymous(rcpt)
        }
    }
}

/// A command the client sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Command {
    /// `EHLO` [`EHLO_NAME`].
    Ehlo,
    /// `STARTTLS`; on a positive reply the transport turns to TLS before the next command.
    StartTls,
    /// `AUTH` with a mechanism (the credentials are the transport's business).
    Auth(Mechanism),
    /// `MAIL FROM:` the path.
    Mail(String),
    /// `RCPT TO:` the path.
    Rcpt(String),
    /// `DATA`, the message and its end: the reply is the one to the end of data (or to
    /// `DATA` itself when that refuses).
    Data,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Ehlo => write!(f, "EHLO {EHLO_NAME}"),
            Command::StartTls => f.write_str("STARTTLS"),
            Command::Auth(m) => write!(f, "AUTH {m}"),
            Command::Mail(p) => write!(f, "MAIL FROM:{p}"),
            Command::Rcpt(p) => write!(f, "RCPT TO:{p}"),
            Command::Data => f.write_str("DATA ... ."),
        }
    }
}

/// What the client is waiting for: the reply it reads next is to this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The greeting after connect.
    Banner,
    /// EHLO.
    Ehlo,
    /// STARTTLS.
    StartTls,
    /// EHLO again inside TLS.
    EhloAfterTls,
    /// AUTH.
    Auth,
    /// MAIL.
    Mail,
    /// RCPT.
    Rcpt,
    /// DATA and the end of data.
    Data,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Banner => "banner",
            Stage::Ehlo => "EHLO",
            Stage::StartTls => "STARTTLS",
            Stage::EhloAfterTls => "EHLO after STARTTLS",
            Stage::Auth => "AUTH",
            Stage::Mail => "MAIL",
            Stage::Rcpt => "RCPT",
            Stage::Data => "DATA",
        })
    }
}

/// How a dialogue ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "ending", rename_all = "kebab-case")]
pub enum Ending {
    /// A reply refused the step (code 0: the connection ended instead of a reply).
    Refused {
        /// The step refused.
        at: Stage,
        /// The reply's code.
        code: u16,
    },
    /// The script authenticates, and the server offers none of the client's mechanisms.
    NoMechanism,
    /// The end of data was accepted: the message was queued.
    Sent,
}

impl Ending {
    /// Whether the refusal is temporary (4xx): a deferral rather than a rejection.
    pub fn is_transient(&self) -> bool {
        matches!(self, Ending::Refused { code, .. } if (400..500).contains(code))
    }
}

/// The client's next move.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Next {
    /// Send this command and read its reply.
    Send(Command),
    /// The dialogue is over (the caller says QUIT if the connection is still up).
    Done(Ending),
}

/// Whether an EHLO reply (its lines without codes, greeting first) offers a keyword.
pub fn offers(ehlo: &[String], keyword: &str) -> bool {
    ehlo.iter().skip(1).any(|l| {
        l.split_whitespace()
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
    })
}

/// The mechanism the client uses given an EHLO reply: its most preferred one among those
/// the `AUTH` keyword lists; None when the server offers none of them.
pub fn choose_mechanism(ehlo: &[String]) -> Option<Mechanism> {
    let offered: Vec<&str> = ehlo
        .iter()
        .skip(1)
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            words
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("AUTH"))
                .then_some(words)
        })
        .flatten()
        .collect();
    Mechanism::PREFERENCE
        .into_iter()
        .find(|m| offered.iter().any(|o| o.eq_ignore_ascii_case(m.name())))
}

/// One client session's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialogue {
    script: Script,
    waiting: Stage,
    tls: bool,
}

impl Dialogue {
    /// A dialogue about to read the banner.
    pub fn new(script: Script) -> Dialogue {
        Dialogue {
            script,
            waiting: Stage::Banner,
            tls: false,
        }
    }

    /// The script.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// What the next reply answers.
    pub fn waiting_for(&self) -> Stage {
        self.waiting
    }

    /// Whether STARTTLS completed.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// Takes the reply to the last command (`code`, and the reply's lines without codes,
    /// which matter after EHLO) and gives the next move. Every call moves the dialogue
    /// forward, so a caller loop ends after at most eight calls.
    pub fn next(&mut self, code: u16, lines: &[String]) -> Next {
        let at = self.waiting;
        if !(200..400).contains(&code) {
            return Next::Done(Ending::Refused { at, code });
        }
        let send = |me: &mut Dialogue, stage: Stage, c: Command| {
            me.waiting = stage;
            Next::Send(c)
        };
        match at {
            Stage::Banner => send(self, Stage::Ehlo, Command::Ehlo),
            Stage::Ehlo if self.script.starttls && offers(lines, "STARTTLS") => {
                send(self, Stage::StartTls, Command::StartTls)
            }
            Stage::StartTls => {
                self.tls = true;
                send(self, Stage::EhloAfterTls, Command::Ehlo)
            }
            Stage::Ehlo | Stage::EhloAfterTls if self.script.authenticate => {
                match choose_mechanism(lines) {
                    Some(m) => send(self, Stage::Auth, Command::Auth(m)),
                    None => Next::Done(Ending::NoMechanism),
                }
            }
            Stage::Ehlo | Stage::EhloAfterTls | Stage::Auth => {
                let from = self.script.from.clone();
                send(self, Stage::Mail, Command::Mail(from))
            }
            Stage::Mail => {
                let rcpt = self.script.rcpt.clone();
                send(self, Stage::Rcpt, Command::Rcpt(rcpt))
            }
            Stage::Rcpt => send(self, Stage::Data, Command::Data),
            Stage::Data => Next::Done(Ending::Sent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    /// Runs a dialogue against canned replies per stage; the commands sent and the end.
    fn run(script: Script, reply: impl Fn(Stage) -> (u16, Vec<String>)) -> (Vec<Command>, Ending) {
        let mut d = Dialogue::new(script);
        let mut sent = Vec::new();
        for _ in 0..10 {
            let (code, l) = reply(d.waiting_for());
            match d.next(code, &l) {
                Next::Send(c) => sent.push(c),
                Next::Done(e) => return (sent, e),
            }
        }
        panic!("the dialogue did not end: {sent:?}");
    }

    fn exchange_ehlo(tls: bool) -> Vec<String> {
        // Integrated plus BasicAuthRequireTLS: basic mechanisms only inside TLS.
        if tls {
            lines(&["mx Hello", "AUTH NTLM GSSAPI LOGIN PLAIN"])
        } else {
            lines(&["mx Hello", "STARTTLS", "AUTH NTLM GSSAPI"])
        }
    }

    #[test]
    fn the_client_prefers_its_own_mechanisms_over_ehlo_order() {
        assert_eq!(
            choose_mechanism(&lines(&["x", "AUTH NTLM LOGIN PLAIN"])),
            Some(Mechanism::Plain)
        );
        assert_eq!(
            choose_mechanism(&lines(&["x", "auth gssapi login"])),
            Some(Mechanism::Login)
        );
        assert_eq!(choose_mechanism(&lines(&["x", "AUTH NTLM GSSAPI"])), None);
        // The greeting line is not a keyword line.
        assert_eq!(choose_mechanism(&lines(&["AUTH PLAIN"])), None);
    }

    #[test]
    fn integrated_only_in_the_clear_means_no_mechanism() {
        let script = Script::authenticated("<r@example.net>", false);
        let (sent, end) = run(script, |s| match s {
            Stage::Ehlo => (250, exchange_ehlo(false)),
            _ => (250, Vec::new()),
        });
        assert_eq!(sent, [Command::Ehlo]);
        assert_eq!(end, Ending::NoMechanism);
    }

    #[test]
    fn starttls_then_basic_auth_then_the_message() {
        let script = Script::authenticated("<r@example.net>", true);
        let (sent, end) = run(script, |s| match s {
            Stage::Ehlo => (250, exchange_ehlo(false)),
            Stage::EhloAfterTls => (250, exchange_ehlo(true)),
            Stage::StartTls => (220, Vec::new()),
            Stage::Auth => (235, Vec::new()),
            _ => (250, Vec::new()),
        });
        assert_eq!(
            sent,
            [
                Command::Ehlo,
                Command::StartTls,
                Command::Ehlo,
                Command::Auth(Mechanism::Plain),
                Command::Mail(REVERSE_PATH.into()),
                Command::Rcpt("<r@example.net>".into()),
                Command::Data
            ]
        );
        assert_eq!(end, Ending::Sent);
    }

    #[test]
    fn without_starttls_offered_the_client_goes_on_in_the_clear() {
        let script = Script::authenticated("<r@example.net>", true);
        let (sent, end) = run(script, |s| match s {
            Stage::Ehlo => (250, lines(&["mx", "AUTH LOGIN"])),
            _ => (250, Vec::new()),
        });
        assert_eq!(sent[1], Command::Auth(Mechanism::Login));
        assert_eq!(end, Ending::Sent);
    }

    #[test]
    fn a_refusal_ends_the_dialogue_where_it_happens() {
        let (_, end) = run(Script::anonymous("<r@example.net>"), |s| match s {
            Stage::Rcpt => (550, Vec::new()),
            _ => (250, Vec::new()),
        });
        assert_eq!(
            end,
            Ending::Refused {
                at: Stage::Rcpt,
                code: 550
            }
        );
        let (sent, end) = run(Script::anonymous("<r@example.net>"), |_| (421, Vec::new()));
        assert!(sent.is_empty());
        assert!(end.is_transient());
    }
}
