//! The SMTP session machine driven in memory: no sockets, a virtual clock.

mod common;

use std::time::Duration;

use common::{AUTOMAP, Driver, OUTSIDE, RELAY_SNAT};
use mailserver::smtp::{Event, LogEvent};
use mailserver::store::Location;

const MSG: &str = "From: a@example.org\r\nTo: alice@contoso.com\r\nMessage-ID: <m1@example.org>\r\nSubject: hi\r\n\r\n..leading dot\r\nbody\r\n";

fn stuffed(body: &str) -> String {
    body.replace("\r\n.", "\r\n..")
}

#[test]
fn banner_and_ehlo_come_from_the_policy_cut_to_what_the_mock_implements() {
    let mut d = Driver::new(OUTSIDE, 25, true);
    let banner = d.drain();
    assert_eq!(
        banner[0].to_wire(),
        "220 ex1.contoso.com Microsoft ESMTP MAIL Service ready\r\n"
    );
    let lines = d.ehlo();
    assert_eq!(lines[0], format!("ex1.contoso.com Hello [{OUTSIDE}]"));
    for ext in [
        "PIPELINING",
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
        "STARTTLS",
        "AUTH LOGIN PLAIN",
    ] {
        assert!(
            lines.iter().any(|l| l == ext),
            "{ext} missing from {lines:?}"
        );
    }
    assert!(lines.iter().any(|l| l.starts_with("SIZE ")), "{lines:?}");
    for unimplemented in ["CHUNKING", "BINARYMIME", "DSN"] {
        assert!(
            !lines.iter().any(|l| l == unimplemented),
            "{unimplemented} offered: {lines:?}"
        );
    }
    // Without a certificate there is no STARTTLS, and STARTTLS is refused.
    let mut d = Driver::new(OUTSIDE, 25, false);
    assert!(!d.ehlo().iter().any(|l| l == "STARTTLS"));
    assert_eq!(d.cmd("STARTTLS").code, 454);
    // HELO: one line.
    let mut d = Driver::new(OUTSIDE, 25, true);
    d.drain();
    let r = d.cmd("HELO client.example");
    assert_eq!((r.code, r.lines.len()), (250, 1));
}

#[test]
fn anonymous_mail_to_an_accepted_domain_is_stored_byte_identical() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.ehlo();
    assert_eq!(d.cmd("MAIL FROM:<a@example.org>").code, 250);
    assert_eq!(d.cmd("RCPT TO:<alice@contoso.com>").code, 250);
    assert_eq!(d.cmd("DATA").code, 354);
    let r = d.send(format!("{}.\r\n", stuffed(MSG)).as_bytes());
    assert_eq!(r[0].to_wire(), "250 2.6.0 Queued mail for delivery\r\n");
    let mb = d
        .store
        .mailbox("alice@contoso.com")
        .expect("mailbox made on delivery");
    assert_eq!(mb.entries.len(), 1);
    assert_eq!(mb.entries[0].message.delivery.data, MSG.as_bytes());
    assert_eq!(d.store.accepted_count("<m1@example.org>"), 1);
    assert!(d.store.relayed().is_empty());
    assert!(d.events.iter().any(|e| matches!(
        e,
        Event::Queued {
            relayed: 0,
            local: 1,
            ..
        }
    )));
}

#[test]
fn relay_is_refused_for_outsiders_and_the_automap_address_but_taken_from_the_relay_snat() {
    for (who, relays) in [(OUTSIDE, false), (AUTOMAP, false), (RELAY_SNAT, true)] {
        let mut d = Driver::new(who, 25, false);
        d.ehlo();
        assert_eq!(d.cmd("MAIL FROM:<printer@contoso.com>").code, 250);
        let r = d.cmd("RCPT TO:<someone@example.net>");
        if !relays {
            assert_eq!(
                r.to_wire(),
                "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain\r\n",
                "{who}"
            );
            assert_eq!(d.cmd("DATA").code, 503, "{who}: DATA without recipients");
            assert!(d.store.relayed().is_empty());
            continue;
        }
        assert_eq!(r.code, 250, "{who}");
        assert_eq!(d.cmd("DATA").code, 354);
        let r = d.send(b"Message-ID: <relay@x>\r\n\r\nhi\r\n.\r\n");
        assert_eq!(r[0].code, 250);
        let sink = d.store.relayed();
        assert_eq!(sink.len(), 1);
        assert_eq!(
            sink[0].recipients,
            vec!["<someone@example.net>".to_string()]
        );
        assert_eq!(sink[0].message.delivery.remote.to_string(), RELAY_SNAT);
        assert_eq!(
            d.store.find_by_message_id("relay@x")[0].0,
            Location::Relayed
        );
    }
}

/// nmap smtp-open-relay.nse's 16 MAIL/RCPT pairs, with RSET between and DATA whenever RCPT
/// was taken (Metasploit judges on the final 250).
fn nmap_pairs() -> Vec<(String, String)> {
    relaypolicy::probes::nmap_pairs("ex1.contoso.com", "10.0.1.11", "example.net", "contoso.com")
}

fn run_nmap(who: &str) -> (usize, mailserver::store::Store) {
    let mut d = Driver::new(who, 25, false);
    d.ehlo();
    let pairs = nmap_pairs();
    assert_eq!(pairs.len(), 16);
    let mut queued = 0;
    for (from, rcpt) in &pairs {
        assert_eq!(d.cmd(&format!("MAIL FROM:{from}")).code, 250, "{from}");
        let r = d.cmd(&format!("RCPT TO:{rcpt}"));
        if r.code == 250 {
            assert_eq!(d.cmd("DATA").code, 354);
            if d.send(b"Subject: relay test\r\n\r\nx\r\n.\r\n")[0].code == 250 {
                queued += 1;
            }
        }
        assert_eq!(d.cmd("RSET").code, 250);
    }
    (queued, d.store)
}

#[test]
fn nmap_relay_probe_pairs_never_relay_for_an_outsider() {
    let (_, store) = run_nmap(OUTSIDE);
    assert!(store.relayed().is_empty(), "relayed: {:?}", store.relayed());
    // Whatever was taken went to a local mailbox or can only bounce: never out.
    for m in store.messages() {
        assert!(m.delivery.recipients.iter().all(|r| !r.relay), "{m:?}");
    }
    // The positive control: the same pairs from the relay SNAT address do relay.
    let (queued, store) = run_nmap(RELAY_SNAT);
    assert!(queued >= 1 && !store.relayed().is_empty());
}

const VARIANTS: &[&[u8]] = &relaypolicy::probes::SMUGGLING_END_OF_DATA;

fn smuggle(port: u16, variant: &[u8]) -> Driver {
    let mut d = Driver::new(OUTSIDE, port, false);
    d.ehlo();
    // Everything pipelined, the way a smuggling client sends it.
    let mut bytes = b"MAIL FROM:<a@example.org>\r\nRCPT TO:<alice@contoso.com>\r\nDATA\r\nSubject: first\r\n\r\nfirst".to_vec();
    bytes.extend_from_slice(variant);
    bytes.extend_from_slice(b"MAIL FROM:<ceo@contoso.com>\r\nRCPT TO:<alice@contoso.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n");
    let replies = d.send(&bytes);
    let codes = Driver::codes(&replies);
    assert_eq!(codes[..3], [250, 250, 354], "{variant:?}: {codes:?}");
    assert_eq!(codes.last(), Some(&221), "{variant:?}: {codes:?}");
    assert_eq!(
        codes.len(),
        5,
        "{variant:?}: one end-of-data reply only: {codes:?}"
    );
    d
}

#[test]
fn smtp_smuggling_end_of_data_variants_never_make_a_second_message() {
    for v in VARIANTS {
        let d = smuggle(25, v);
        assert_eq!(d.store.count(), 1, "{v:?}");
        let m = &d.store.messages()[0];
        let body = String::from_utf8_lossy(&m.delivery.data);
        assert!(
            body.contains("Subject: first") && body.contains("Subject: smuggled"),
            "{v:?}: the smuggled text stays inside: {body:?}"
        );
        assert!(mailserver::store::header(&m.delivery.data, "subject").as_deref() == Some("first"));
    }
}

#[test]
fn bare_linefeed_rejection_refuses_the_bare_lf_variants_and_stores_nothing() {
    for v in VARIANTS {
        let d = smuggle(2525, v);
        let bare = v
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || v[i - 1] != b'\r'));
        let end = d
            .log
            .iter()
            .filter(|l| l.event == LogEvent::Send)
            .map(|l| l.data.clone())
            .collect::<Vec<_>>();
        if bare {
            assert_eq!(d.store.count(), 0, "{v:?}");
            assert!(
                end.iter()
                    .any(|l| l == "554 5.6.0 Invalid message content, contains bare linefeeds"),
                "{v:?}: {end:?}"
            );
        } else {
            assert_eq!(d.store.count(), 1, "{v:?}");
        }
    }
}

#[test]
fn pipelined_commands_get_replies_in_order() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.drain();
    let r = d.send(b"EHLO a\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice@contoso.com>\r\nRCPT TO:<x@example.net>\r\nDATA\r\nhi\r\n.\r\nNOOP\r\nVRFY alice\r\nQUIT\r\n");
    assert_eq!(
        Driver::codes(&r),
        vec![250, 250, 250, 550, 354, 250, 250, 252, 221]
    );
    assert!(d.session.is_closed());
    assert!(d.events.contains(&Event::Closed));
    assert_eq!(d.store.count(), 1);
}

#[test]
fn sequencing_errors_and_syntax_errors_name_what_was_expected() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.drain();
    assert_eq!(
        d.cmd("MAIL FROM:<a@b.example>").to_wire(),
        "503 5.5.2 Send hello first\r\n"
    );
    d.cmd("EHLO a");
    assert_eq!(d.cmd("RCPT TO:<alice@contoso.com>").code, 503);
    assert_eq!(d.cmd("DATA").code, 503);
    assert_eq!(
        d.cmd("MAIL FROM:a@b").to_wire(),
        "501 5.5.4 Invalid arguments; syntax: MAIL FROM:<reverse-path> [parameters]\r\n"
    );
    assert_eq!(d.cmd("MAIL FROM:<a@example.org>").code, 250);
    assert_eq!(d.cmd("MAIL FROM:<a@example.org>").code, 503);
    assert_eq!(d.cmd("RCPT TO:<alice@contoso.com>").code, 250);
    assert_eq!(d.cmd("RSET").code, 250);
    assert_eq!(d.cmd("DATA").code, 503, "RSET ended the transaction");
    assert_eq!(d.cmd("BDAT 10 LAST").code, 500);
    assert_eq!(d.cmd("NOOP").code, 250);
}

#[test]
fn rfc5321_limits() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.ehlo();
    let long = format!("NOOP {}", "x".repeat(505)); // 512 with CRLF: fine
    assert_eq!(d.cmd(&long).code, 250);
    let too_long = format!("NOOP {}", "x".repeat(506));
    assert_eq!(d.cmd(&too_long).to_wire(), "500 5.5.2 Line too long\r\n");
    assert_eq!(d.cmd("MAIL FROM:<a@example.org>").code, 250);
    let local65 = format!("<{}@contoso.com>", "a".repeat(65));
    assert_eq!(d.cmd(&format!("RCPT TO:{local65}")).code, 501);
    let domain256 = format!("<a@{}.com>", "d".repeat(252));
    assert_eq!(d.cmd(&format!("RCPT TO:{domain256}")).code, 501);
    // A 1001-octet text line: read to the end, refused, nothing stored.
    assert_eq!(d.cmd("RCPT TO:<alice@contoso.com>").code, 250);
    assert_eq!(d.cmd("DATA").code, 354);
    let r = d.send(format!("{}\r\n.\r\n", "y".repeat(999)).as_bytes());
    assert_eq!(r[0].code, 500);
    assert_eq!(d.store.count(), 0);
}

#[test]
fn no_250_before_the_store_has_the_message_and_a_store_failure_is_a_451() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.auto_store = false;
    d.ehlo();
    d.cmd("MAIL FROM:<a@example.org>");
    d.cmd("RCPT TO:<alice@contoso.com>");
    d.cmd("DATA");
    let r = d.send(b"hi\r\n.\r\nNOOP\r\n");
    assert!(r.is_empty(), "replies before the store answered: {r:?}");
    let Some(Event::Deliver(delivery)) = d.events.pop() else {
        panic!("no delivery event: {:?}", d.events);
    };
    let id = d.store.deliver(delivery).expect("stored");
    d.session.message_stored(Ok(id));
    assert_eq!(
        Driver::codes(&d.drain()),
        vec![250, 250],
        "the 250 and then the pipelined NOOP"
    );
    d.cmd("MAIL FROM:<a@example.org>");
    d.cmd("RCPT TO:<alice@contoso.com>");
    d.cmd("DATA");
    assert!(d.send(b"hi\r\n.\r\n").is_empty());
    d.session.message_stored(Err("disk full".into()));
    assert_eq!(
        d.drain()[0].to_wire(),
        "451 4.3.0 Message not stored; try again later\r\n"
    );
}

#[test]
fn starttls_discards_pipelined_cleartext_and_resets_the_session() {
    let mut d = Driver::new(OUTSIDE, 587, true);
    let lines = d.ehlo();
    assert!(lines.iter().any(|l| l == "STARTTLS"));
    assert!(
        !lines.iter().any(|l| l.starts_with("AUTH")),
        "BasicAuthRequireTLS: no AUTH before TLS: {lines:?}"
    );
    assert_eq!(
        d.cmd("MAIL FROM:<a@contoso.com>").to_wire(),
        "530 5.7.0 Must issue a STARTTLS command first\r\n"
    );
    assert_eq!(d.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==").code, 504);
    // Injected commands after STARTTLS in the same packet must not be obeyed.
    let r = d.send(b"STARTTLS\r\nMAIL FROM:<evil@example.net>\r\n");
    assert_eq!(Driver::codes(&r), vec![220]);
    assert!(d.events.contains(&Event::StartTls));
    assert!(d.send(b"\x16\x03\x01 handshake bytes").is_empty());
    d.session.tls_established(d.now, "TLS1.3");
    assert!(d.session.state().tls);
    assert_eq!(
        d.cmd("MAIL FROM:<a@contoso.com>").code,
        503,
        "EHLO is needed again after TLS"
    );
    let lines = d.cmd("EHLO again").lines;
    assert!(lines.iter().any(|l| l == "AUTH LOGIN PLAIN"), "{lines:?}");
    assert!(!lines.iter().any(|l| l == "STARTTLS"));
}

#[test]
fn auth_plain_and_login_check_the_user_table_and_grant_relay() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.ehlo();
    // alice:wrong
    assert_eq!(
        d.cmd("AUTH PLAIN AGFsaWNlAHdyb25n").to_wire(),
        "535 5.7.3 Authentication unsuccessful\r\n"
    );
    assert_eq!(d.cmd("AUTH LOGIN").to_wire(), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(d.cmd("YWxpY2U=").to_wire(), "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(
        d.cmd("c2VjcmV0").to_wire(),
        "235 2.7.0 Authentication successful\r\n"
    );
    assert_eq!(
        d.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==").code,
        503,
        "already authenticated"
    );
    assert!(
        d.log.iter().all(|l| !l.data.contains("c2VjcmV0")),
        "the password must not reach the log"
    );
    // relaypolicy gives an authenticated user no Accept-Authoritative-Domain-Sender right
    // (reported upstream), so the null sender is used here.
    let r = d.cmd("MAIL FROM:<>");
    assert_eq!(r.code, 250, "{r:?}");
    assert_eq!(
        d.cmd("RCPT TO:<bob@example.net>").code,
        250,
        "ExchangeUsers may relay"
    );
    d.cmd("DATA");
    assert_eq!(d.send(b"x\r\n.\r\n")[0].code, 250);
    assert_eq!(
        d.store.relayed()[0].message.delivery.user.as_deref(),
        Some("alice")
    );
    // PLAIN with a challenge, and a cancel.
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.ehlo();
    assert_eq!(d.cmd("AUTH PLAIN").to_wire(), "334 \r\n");
    assert_eq!(d.cmd("*").code, 501);
    assert_eq!(d.cmd("AUTH PLAIN").code, 334);
    assert_eq!(d.cmd("AGFsaWNlAHNlY3JldA==").code, 235);
    assert_eq!(d.cmd("AUTH NTLM").code, 503);
}

#[test]
fn idle_sessions_time_out_on_the_virtual_clock() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.drain();
    let start = d.now;
    d.session.handle_timeout(start + Duration::from_secs(299));
    assert!(d.drain().is_empty() && !d.session.is_closed());
    let at = d.session.poll_timeout().expect("a timer while open");
    d.session.handle_timeout(at);
    assert_eq!(d.drain()[0].code, 421);
    assert!(d.session.is_closed() && d.session.poll_timeout().is_none());
}

#[test]
fn the_log_records_every_command_and_reply_with_the_policy_trace() {
    let mut d = Driver::new(OUTSIDE, 25, false);
    d.ehlo();
    d.cmd("MAIL FROM:<a@example.org>");
    d.cmd("RCPT TO:<x@example.net>");
    d.cmd("QUIT");
    let kinds: Vec<_> = d.log.iter().map(|l| l.event).collect();
    assert_eq!(kinds.first(), Some(&LogEvent::Connect));
    assert_eq!(kinds.last(), Some(&LogEvent::Disconnect));
    assert!(
        d.log
            .iter()
            .any(|l| l.event == LogEvent::Receive && l.data == "RCPT TO:<x@example.net>")
    );
    assert!(
        d.log
            .iter()
            .any(|l| l.event == LogEvent::Info && l.context.contains("Default Frontend EX1")),
        "{:?}",
        d.log
    );
}

#[test]
fn no_matching_connector_means_421_and_close() {
    let set = relaypolicy::import::load_str(
        r#"
[[server]]
name = "EX2"
flavour = "exchange"
[[server.connector]]
name = "Internal only"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["10.0.0.0/8"]
permission_groups = ["AnonymousUsers"]
"#,
        "ex2.toml",
    )
    .expect("fixture");
    let policy = std::sync::Arc::new(mailserver::policy::Policy::new(set.resolved().remove(0)));
    let cfg = mailserver::smtp::SessionConfig {
        policy,
        users: common::users(),
        local: relaypolicy::Endpoint::new(common::MEMBER.parse().expect("addr"), 25),
        remote: OUTSIDE.parse().expect("addr"),
        tls_available: false,
        implicit_tls: false,
    };
    let mut s = mailserver::smtp::SmtpSession::new(cfg, std::time::Instant::now());
    assert_eq!(s.poll_reply().map(|r| r.code), Some(421));
    assert!(s.is_closed());
    assert_eq!(s.poll_event(), Some(Event::Closed));
    s.handle_input(b"EHLO x\r\n", std::time::Instant::now());
    assert_eq!(s.poll_reply(), None, "a closed session answers nothing");
}

#[test]
fn postfix_flavour_answers_with_postfix_replies() {
    let set = relaypolicy::import::load_str(
        r#"
[[server]]
name = "MX1"
flavour = "postfix"
interfaces = ["10.0.1.13/24"]
postconf = '''
myhostname = mx1.example.com
mydestination = example.com
mynetworks_style = subnet
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
'''
"#,
        "mx1.toml",
    )
    .expect("fixture");
    let policy = std::sync::Arc::new(mailserver::policy::Policy::new(set.resolved().remove(0)));
    let run = |remote: &str| {
        let cfg = mailserver::smtp::SessionConfig {
            policy: policy.clone(),
            users: common::users(),
            local: relaypolicy::Endpoint::new("10.0.1.13".parse().expect("addr"), 25),
            remote: remote.parse().expect("addr"),
            tls_available: false,
            implicit_tls: false,
        };
        let mut s = mailserver::smtp::SmtpSession::new(cfg, std::time::Instant::now());
        s.handle_input(
            b"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<someone@example.net>\r\n",
            std::time::Instant::now(),
        );
        let mut last = None;
        for _ in 0..50 {
            match s.poll_reply() {
                Some(r) => last = Some(r),
                None => break,
            }
        }
        last.expect("a RCPT reply")
    };
    let outside = run(OUTSIDE);
    assert_eq!(outside.code, 554, "{outside:?}");
    assert!(
        outside.to_wire().contains("Relay access denied"),
        "{outside:?}"
    );
    assert_eq!(
        run("10.0.1.50").code,
        250,
        "mynetworks_style subnet covers the interface's /24"
    );
}
