//! The IMAP session machine driven in memory over a store filled by SMTP deliveries.

mod common;

use std::time::{Duration, Instant};

use mailserver::imap::{ImapConfig, ImapEvent, ImapSession};
use mailserver::smtp::{Delivery, Recipient};
use mailserver::store::Store;
use relaypolicy::recipient::Destination;

struct Imap {
    s: ImapSession,
    now: Instant,
}

impl Imap {
    fn new(store: &Store, implicit_tls: bool) -> (Imap, String) {
        let cfg = ImapConfig {
            store: store.clone(),
            users: common::users(),
            tls_available: true,
            implicit_tls,
            login_requires_tls: true,
        };
        let now = Instant::now();
        let mut i = Imap {
            s: ImapSession::new(cfg, now),
            now,
        };
        let greeting = i.out();
        (i, greeting)
    }

    fn out(&mut self) -> String {
        let mut o = Vec::new();
        // Bounded: a session never queues this much for one input.
        for _ in 0..10_000 {
            match self.s.poll_output() {
                Some(b) => o.extend(b),
                None => return String::from_utf8_lossy(&o).into_owned(),
            }
        }
        panic!("session kept producing output");
    }

    fn send(&mut self, text: &str) -> String {
        self.now += Duration::from_millis(5);
        self.s.handle_input(text.as_bytes(), self.now);
        self.out()
    }
}

fn deliver(store: &Store, id: &str, body: &str) -> Vec<u8> {
    let data = format!("Message-ID: <{id}>\r\nSubject: {id}\r\n\r\n{body}\r\n").into_bytes();
    store
        .deliver(Delivery {
            from: "<a@example.org>".into(),
            recipients: vec![Recipient {
                path: "<alice@contoso.com>".into(),
                destination: Destination::Local {
                    domain: "contoso.com".into(),
                    mailbox: "alice".into(),
                },
                relay: false,
            }],
            data: data.clone(),
            remote: common::OUTSIDE.parse().expect("addr"),
            local: relaypolicy::Endpoint::new(common::MEMBER.parse().expect("addr"), 25),
            server: "EX1".into(),
            tls: false,
            user: None,
        })
        .expect("stored");
    data
}

fn logged_in(store: &Store) -> Imap {
    let (mut i, _) = Imap::new(store, true);
    let r = i.send("a1 LOGIN alice secret\r\n");
    assert!(r.starts_with("a1 OK"), "{r}");
    i
}

#[test]
fn logindisabled_before_tls_then_starttls_then_login() {
    let store = Store::new();
    let (mut i, greeting) = Imap::new(&store, false);
    assert!(
        greeting.starts_with("* OK [CAPABILITY IMAP4REV1")
            || greeting.starts_with("* OK [CAPABILITY IMAP4rev1"),
        "{greeting}"
    );
    assert!(
        greeting.contains("LOGINDISABLED") && greeting.contains("STARTTLS"),
        "{greeting}"
    );
    assert!(!greeting.contains("AUTH=PLAIN"), "{greeting}");
    let r = i.send("a1 LOGIN alice secret\r\n");
    assert!(r.starts_with("a1 NO [PRIVACYREQUIRED]"), "{r}");
    let r = i.send("a2 AUTHENTICATE PLAIN\r\n");
    assert!(r.starts_with("a2 NO"), "{r}");
    let r = i.send("a3 STARTTLS\r\na4 LOGIN alice secret\r\n");
    assert_eq!(
        r, "a3 OK Begin TLS negotiation now\r\n",
        "the pipelined LOGIN must be dropped"
    );
    assert_eq!(i.s.poll_event(), Some(ImapEvent::StartTls));
    i.s.tls_established(i.now);
    let r = i.send("a5 CAPABILITY\r\n");
    assert!(
        r.contains("AUTH=PLAIN") && !r.contains("LOGINDISABLED") && !r.contains("STARTTLS"),
        "{r}"
    );
    assert!(
        i.send("a6 LOGIN alice wrong\r\n")
            .starts_with("a6 NO [AUTHENTICATIONFAILED]")
    );
    assert!(i.send("a7 LOGIN alice secret\r\n").starts_with("a7 OK"));
}

#[test]
fn select_fetch_search_store_expunge() {
    let store = Store::new();
    let m1 = deliver(&store, "one@x", "first body");
    let m2 = deliver(&store, "two@x", "second body");
    let mut i = logged_in(&store);
    let r = i.send("b1 SELECT INBOX\r\n");
    for want in [
        "* 2 EXISTS",
        "* 2 RECENT",
        "[UIDVALIDITY 1]",
        "[UIDNEXT 3]",
        "[UNSEEN 1]",
        "b1 OK [READ-WRITE]",
    ] {
        assert!(r.contains(want), "{want} missing: {r}");
    }
    let r = i.send("b2 FETCH 1 (UID RFC822.SIZE FLAGS BODY[])\r\n");
    let literal = format!(
        "BODY[] {{{}}}\r\n{}",
        m1.len(),
        String::from_utf8_lossy(&m1)
    );
    assert!(r.contains(&literal), "{r}");
    assert!(
        r.contains(&format!("RFC822.SIZE {}", m1.len())) && r.contains("UID 1"),
        "{r}"
    );
    assert!(r.contains("\\Seen"), "BODY[] sets \\Seen: {r}");
    let r = i.send("b3 UID FETCH 2 (BODY.PEEK[])\r\n");
    assert!(
        r.contains("* 2 FETCH (UID 2 BODY[] {")
            && r.contains(&String::from_utf8_lossy(&m2).into_owned()),
        "{r}"
    );
    assert!(i.send("b4 SEARCH UNSEEN\r\n").contains("* SEARCH 2\r\n"));
    assert!(
        i.send("b5 SEARCH HEADER Message-ID <two@x>\r\n")
            .contains("* SEARCH 2\r\n")
    );
    assert!(
        i.send("b6 UID SEARCH BODY \"first\"\r\n")
            .contains("* SEARCH 1\r\n")
    );
    assert!(
        i.send("b7 SEARCH SENTBEFORE 1-Jan-2020\r\n")
            .starts_with("b7 BAD"),
        "unsupported keys say so"
    );
    let r = i.send("b8 STORE 1 +FLAGS (\\Deleted)\r\n");
    assert!(
        r.contains("* 1 FETCH (FLAGS (") && r.contains("\\Deleted"),
        "{r}"
    );
    let r = i.send("b9 EXPUNGE\r\n");
    assert!(r.starts_with("* 1 EXPUNGE\r\nb9 OK"), "{r}");
    let mb = store.mailbox("alice@contoso.com").expect("mailbox");
    assert_eq!(
        mb.entries.iter().map(|e| e.uid).collect::<Vec<_>>(),
        vec![2]
    );
    // Sequence numbers moved down: message 2 is now 1.
    assert!(i.send("c1 FETCH 1 (UID)\r\n").contains("* 1 FETCH (UID 2)"));
    assert!(i.send("c2 FETCH 1:* (ENVELOPE)\r\n").starts_with("c2 BAD"));
}

#[test]
fn examine_is_read_only() {
    let store = Store::new();
    deliver(&store, "ro@x", "body");
    let mut i = logged_in(&store);
    assert!(i.send("a EXAMINE INBOX\r\n").contains("a OK [READ-ONLY]"));
    i.send("b FETCH 1 BODY[]\r\n");
    assert!(
        !store.mailbox("alice@contoso.com").expect("mb").entries[0]
            .flags
            .contains("\\Seen")
    );
    assert!(
        i.send("c STORE 1 +FLAGS (\\Deleted)\r\n")
            .starts_with("c NO")
    );
    assert!(i.send("d EXPUNGE\r\n").starts_with("d NO"));
    assert!(i.send("e SELECT Archive\r\n").starts_with("e NO"));
}

#[test]
fn authenticate_plain_with_continuation_and_with_sasl_ir_and_literals() {
    let store = Store::new();
    let (mut i, _) = Imap::new(&store, true);
    assert_eq!(i.send("a AUTHENTICATE PLAIN\r\n"), "+ \r\n");
    assert!(i.send("AGFsaWNlAHNlY3JldA==\r\n").starts_with("a OK"));
    let (mut i, _) = Imap::new(&store, true);
    assert!(
        i.send("a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n")
            .starts_with("a OK")
    );
    let (mut i, _) = Imap::new(&store, true);
    assert_eq!(i.send("a AUTHENTICATE PLAIN\r\n"), "+ \r\n");
    assert!(i.send("*\r\n").starts_with("a BAD"));
    // A synchronising literal: the server asks for it, then reads it.
    let (mut i, _) = Imap::new(&store, true);
    assert!(i.send("l LOGIN {5}\r\n").starts_with("+ "));
    assert!(i.send("alice secret\r\n").starts_with("l OK"));
}

#[test]
fn idle_reports_new_mail_and_ends_on_done() {
    let store = Store::new();
    deliver(&store, "before@x", "x");
    let mut i = logged_in(&store);
    i.send("s SELECT INBOX\r\n");
    assert_eq!(i.send("i IDLE\r\n"), "+ idling\r\n");
    let at = i.s.poll_timeout().expect("idle timer");
    i.s.handle_timeout(at);
    assert_eq!(i.out(), "", "no news yet");
    deliver(&store, "during@x", "y");
    let at = i.s.poll_timeout().expect("idle timer");
    i.s.handle_timeout(at);
    assert_eq!(i.out(), "* 2 EXISTS\r\n");
    assert_eq!(i.send("DONE\r\n"), "i OK IDLE terminated\r\n");
}

#[test]
fn bad_commands_get_bad_and_logout_says_bye() {
    let store = Store::new();
    let (mut i, _) = Imap::new(&store, true);
    assert!(i.send("x1 FROB\r\n").starts_with("x1 BAD"));
    assert!(
        i.send("x2 SELECT INBOX\r\n").starts_with("x2 BAD"),
        "not authenticated"
    );
    assert!(i.send("x3 CREATE foo\r\n").starts_with("x3 BAD"));
    let r = i.send("x4 LOGOUT\r\n");
    assert!(r.starts_with("* BYE") && r.contains("x4 OK"), "{r}");
    assert_eq!(i.s.poll_event(), Some(ImapEvent::Closed));
    assert!(i.s.is_closed());
}
