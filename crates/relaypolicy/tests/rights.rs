//! Relay rights: permission groups x auth mechanisms, AD permissions, ExternalAuthoritative.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use common::*;
use relaypolicy::exchange::{AuthMechanism as M, ExchangeVersion, PermissionGroup as G};
use relaypolicy::{Effect, Identity, Server, Step};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    BasicUser,
    IntegratedUser,
    ExchangeServer,
    LegacyServer,
    Partner,
}

fn identity(w: Who) -> Identity {
    match w {
        Who::Anonymous => Identity::Anonymous,
        Who::BasicUser => Identity::User {
            name: "CONTOSO\\alice".into(),
            integrated: false,
        },
        Who::IntegratedUser => Identity::User {
            name: "CONTOSO\\alice".into(),
            integrated: true,
        },
        Who::ExchangeServer => Identity::ExchangeServer {
            name: "CONTOSO\\EX2$".into(),
        },
        Who::LegacyServer => Identity::LegacyExchangeServer {
            name: "CONTOSO\\EXCH03$".into(),
        },
        Who::Partner => Identity::Partner {
            domain: "fabrikam.com".into(),
        },
    }
}

/// The table the model must reproduce, written out from Microsoft's permission-group and
/// authentication documentation rather than computed by the code under test.
fn expected(g: G, m: M, w: Who) -> bool {
    // Who can prove what on a connector with mechanism m (after STARTTLS).
    let proves_user = |integrated: bool| match m {
        M::Integrated => integrated,
        M::BasicAuth | M::BasicAuthRequireTLS => !integrated,
        _ => false,
    };
    match (g, w) {
        (_, _) if m == M::ExternalAuthoritative => g == G::ExchangeServers,
        (G::ExchangeUsers, Who::BasicUser) => proves_user(false),
        (G::ExchangeUsers, Who::IntegratedUser) => proves_user(true),
        // Server accounts are authenticated users too.
        (G::ExchangeUsers, Who::ExchangeServer) => m == M::ExchangeServer,
        (G::ExchangeUsers, Who::LegacyServer) => {
            matches!(m, M::Integrated | M::BasicAuth | M::BasicAuthRequireTLS)
        }
        (G::ExchangeServers, Who::ExchangeServer) => m == M::ExchangeServer,
        (G::ExchangeLegacyServers, Who::LegacyServer) => {
            matches!(m, M::Integrated | M::BasicAuth | M::BasicAuthRequireTLS)
        }
        _ => false,
    }
}

#[test]
fn every_group_and_mechanism() {
    let whos = [
        Who::Anonymous,
        Who::BasicUser,
        Who::IntegratedUser,
        Who::ExchangeServer,
        Who::LegacyServer,
        Who::Partner,
    ];
    let mut checked = 0;
    for &g in G::ALL {
        for &m in M::ALL {
            let mut c = with(connector("C", "0.0.0.0:25", &["0.0.0.0/0"]), &[g], &[m]);
            if m == M::ExternalAuthoritative {
                c.permission_groups = vec![g];
            }
            let s = Server::Exchange(server(vec![c]));
            for w in whos {
                let mut st = state("203.0.113.5");
                st.tls = true;
                st.identity = identity(w);
                let d = s.decide(&st, &Step::Rcpt("<someone@example.net>"));
                let relayed = matches!(d.effect, Effect::Recipient { relay: true, .. })
                    && d.reply.code == 250;
                assert_eq!(
                    relayed,
                    expected(g, m, w),
                    "{g} + {m}, {w:?}: {}\n{}",
                    d.reply,
                    d.trace
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 6 * 6);
}

#[test]
fn basic_auth_require_tls_needs_tls() {
    let c = with(
        connector("C", "0.0.0.0:25", &["0.0.0.0/0"]),
        &[G::ExchangeUsers],
        &[M::Tls, M::BasicAuthRequireTLS],
    );
    let s = Server::Exchange(server(vec![c]));
    let mut st = state("203.0.113.5");
    assert_eq!(s.decide(&st, &Step::Auth("LOGIN")).reply.code, 504);
    let ehlo = s.decide(&st, &Step::Ehlo("client"));
    assert!(ehlo.reply.lines.iter().any(|l| l == "STARTTLS"));
    assert!(!ehlo.reply.lines.iter().any(|l| l.starts_with("AUTH")));
    st.tls = true;
    assert_eq!(s.decide(&st, &Step::Auth("LOGIN")).reply.code, 235);
    // An identity claimed without TLS is not honoured.
    st.tls = false;
    st.identity = identity(Who::BasicUser);
    assert_eq!(
        s.decide(&st, &Step::Rcpt("<x@example.net>")).reply.code,
        550
    );
}

#[test]
fn anonymous_relay_via_add_adpermission() {
    let relay = with(
        connector("Relay", "0.0.0.0:25", &["10.0.0.20"]),
        &[G::AnonymousUsers],
        &[],
    );
    let default = with(
        connector("Default", "0.0.0.0:25", &["0.0.0.0/0"]),
        &[G::AnonymousUsers],
        &[M::Tls],
    );
    let mut ex = server(vec![default, relay]);
    let s = Server::Exchange(ex.clone());
    assert_eq!(
        s.decide(&state("10.0.0.20"), &Step::Rcpt("<a@example.net>"))
            .reply
            .code,
        550
    );
    ex.permissions.push(anonymous_relay_ace("Relay", false));
    let s = Server::Exchange(ex);
    let d = s.decide(&state("10.0.0.20"), &Step::Rcpt("<a@example.net>"));
    assert_eq!(d.reply.code, 250, "{}", d.trace);
    assert!(
        d.trace
            .to_string()
            .contains("ms-Exch-SMTP-Accept-Any-Recipient")
    );
    // Only the relay connector got the right.
    let other = s.decide(&state("10.0.0.21"), &Step::Rcpt("<a@example.net>"));
    assert_eq!(
        other.reply.to_wire(),
        "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain\r\n"
    );
}

#[test]
fn external_authoritative_relays_for_every_session() {
    let c = with(
        connector("Trusted", "0.0.0.0:25", &["10.0.0.20"]),
        &[G::ExchangeServers],
        &[M::ExternalAuthoritative],
    );
    let s = Server::Exchange(server(vec![c]));
    let st = state("10.0.0.20");
    assert_eq!(
        s.decide(
            &st,
            &Step::Mail {
                path: "<x@contoso.com>",
                size: None
            }
        )
        .reply
        .code,
        250
    );
    let d = s.decide(&st, &Step::Rcpt("<a@example.net>"));
    assert_eq!(d.reply.code, 250);
    assert!(d.trace.to_string().contains("ExternalAuthoritative"));
}

#[test]
fn deny_overrides_allow() {
    let relay = with(
        connector("Relay", "0.0.0.0:25", &["10.0.0.20"]),
        &[G::AnonymousUsers, G::ExchangeUsers],
        &[M::BasicAuth],
    );
    let mut ex = server(vec![relay]);
    ex.permissions.push(anonymous_relay_ace("Relay", false));
    ex.permissions.push(anonymous_relay_ace("Relay", true));
    let s = Server::Exchange(ex.clone());
    let d = s.decide(&state("10.0.0.20"), &Step::Rcpt("<a@example.net>"));
    assert_eq!(d.reply.code, 550);
    assert!(d.trace.to_string().contains("deny entry"), "{}", d.trace);
    // A deny on Authenticated Users beats the ExchangeUsers group's allow.
    let mut deny_users = anonymous_relay_ace("Relay", true);
    deny_users.user = relaypolicy::exchange::Principal::parse("NT AUTHORITY\\Authenticated Users");
    ex.permissions = vec![deny_users];
    let s = Server::Exchange(ex);
    let mut st = state("10.0.0.20");
    st.identity = identity(Who::BasicUser);
    assert_eq!(
        s.decide(&st, &Step::Rcpt("<a@example.net>")).reply.code,
        550
    );
}

#[test]
fn version_picks_reply_text() {
    let c = with(
        connector("Default", "0.0.0.0:25", &["0.0.0.0/0"]),
        &[G::AnonymousUsers],
        &[],
    );
    let mut ex = server(vec![c]);
    ex.version = ExchangeVersion::Ex2010;
    let s = Server::Exchange(ex.clone());
    assert_eq!(
        s.decide(&state("1.2.3.4"), &Step::Rcpt("<a@example.net>"))
            .reply
            .to_wire(),
        "550 5.7.1 Unable to relay\r\n"
    );
    assert_eq!(
        s.decide(&state("1.2.3.4"), &Step::Rcpt("<bob@contoso.com>"))
            .reply
            .to_wire(),
        "550 5.1.1 User unknown\r\n"
    );
    ex.version = ExchangeVersion::Ex2013;
    let s = Server::Exchange(ex);
    assert_eq!(
        s.decide(&state("1.2.3.4"), &Step::Rcpt("<bob@contoso.com>"))
            .reply
            .to_wire(),
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\r\n"
    );
    assert_eq!(
        s.decide(&state("1.2.3.4"), &Step::Rcpt("<Alice@CONTOSO.com>"))
            .reply
            .code,
        250
    );
}

#[test]
fn step_replies() {
    let mut c = with(
        connector("Default", "0.0.0.0:25", &["0.0.0.0/0"]),
        &[G::AnonymousUsers],
        &[M::Tls],
    );
    c.require_tls = true;
    c.bare_linefeed_rejection = true;
    c.max_recipients = Some(2);
    c.max_message_size = Some(1000);
    c.banner = Some("220 mail.contoso.com ready".into());
    let none = with(
        connector("Closed", "0.0.0.0:2525", &["0.0.0.0/0"]),
        &[],
        &[],
    );
    let s = Server::Exchange(server(vec![c, none]));
    let mut st = state("198.51.100.7");
    assert_eq!(
        s.decide(&st, &Step::Connect).reply.to_wire(),
        "220 mail.contoso.com ready\r\n"
    );
    assert_eq!(
        s.decide(
            &st,
            &Step::Mail {
                path: "<a@example.net>",
                size: None
            }
        )
        .reply
        .to_wire(),
        "530 5.7.0 Must issue a STARTTLS command first\r\n"
    );
    assert_eq!(
        s.decide(&st, &Step::Auth("XOAUTH")).reply.to_wire(),
        "504 5.7.4 Unrecognized authentication type\r\n"
    );
    assert_eq!(s.decide(&st, &Step::StartTls).effect, Effect::StartTls);
    st.tls = true;
    assert_eq!(
        s.decide(
            &st,
            &Step::Mail {
                path: "<a@example.net>",
                size: Some(5000)
            }
        )
        .reply
        .code,
        552
    );
    assert_eq!(
        s.decide(
            &st,
            &Step::Mail {
                path: "<a@example.net>",
                size: None
            }
        )
        .reply
        .code,
        250
    );
    st.recipients = 2;
    assert_eq!(
        s.decide(&st, &Step::Rcpt("<alice@contoso.com>"))
            .reply
            .to_wire(),
        "452 4.5.3 Too many recipients\r\n"
    );
    assert_eq!(
        s.decide(
            &st,
            &Step::EndOfData {
                size: 10,
                bare_linefeeds: true
            }
        )
        .reply
        .to_wire(),
        "554 5.6.0 Invalid message content, contains bare linefeeds\r\n"
    );
    assert_eq!(
        s.decide(
            &st,
            &Step::EndOfData {
                size: 10,
                bare_linefeeds: false
            }
        )
        .effect,
        Effect::Queued
    );
    // No permission groups: no Submit right.
    let closed = relaypolicy::SessionState::new(
        relaypolicy::Endpoint::new(addr("10.0.1.11"), 2525),
        addr("198.51.100.7"),
    );
    assert_eq!(
        s.decide(
            &closed,
            &Step::Mail {
                path: "<a@example.net>",
                size: None
            }
        )
        .reply
        .to_wire(),
        "530 5.7.1 Client was not authenticated\r\n"
    );
}

#[test]
fn sender_rights() {
    use relaypolicy::exchange::{ExtendedRight, Principal};
    let c = with(
        connector("Default", "0.0.0.0:25", &["0.0.0.0/0"]),
        &[G::AnonymousUsers, G::ExchangeUsers, G::Partners],
        &[M::Tls, M::BasicAuth],
    );
    let mut ex = server(vec![c]);
    let mail = |s: &Server, st: &relaypolicy::SessionState, from: &str| {
        s.decide(
            st,
            &Step::Mail {
                path: from,
                size: None,
            },
        )
        .reply
        .code
    };
    let s = Server::Exchange(ex.clone());
    let anon = state("203.0.113.5");
    assert_eq!(
        mail(&s, &anon, "<ceo@contoso.com>"),
        250,
        "AnonymousUsers grants Accept-Authoritative-Domain-Sender"
    );
    // The usual anti-spoofing change: remove that right from anonymous.
    ex.permissions.push(relaypolicy::exchange::AdPermission {
        connector: "Default".into(),
        server: None,
        user: Principal::Anonymous,
        rights: vec![
            ExtendedRight::AcceptAuthoritativeDomainSender,
            ExtendedRight::AcceptAnySender,
        ],
        deny: true,
        origin: None,
    });
    let s = Server::Exchange(ex);
    assert_eq!(
        s.decide(
            &anon,
            &Step::Mail {
                path: "<ceo@contoso.com>",
                size: None
            }
        )
        .reply
        .to_wire(),
        "550 5.7.1 Client does not have permissions to send as this sender\r\n"
    );
    assert_eq!(mail(&s, &anon, "<someone@example.net>"), 250);
    assert_eq!(mail(&s, &anon, "<>"), 250);
    let mut user = state("203.0.113.5");
    user.identity = identity(Who::BasicUser);
    assert_eq!(
        mail(&s, &user, "<alice@contoso.com>"),
        250,
        "authenticated users send as themselves"
    );
    let mut partner = state("203.0.113.5");
    partner.tls = true;
    partner.identity = identity(Who::Partner);
    assert_eq!(mail(&s, &partner, "<bob@fabrikam.com>"), 250);
}
