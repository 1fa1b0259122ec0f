//! The 16 MAIL/RCPT pairs of nmap's smtp-open-relay.nse against every flavour, with and
//! without relay rights.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use common::*;
use relaypolicy::exchange::{AuthMechanism, PermissionGroup};
use relaypolicy::exchange2003::{AccessList, SmtpVirtualServer};
use relaypolicy::import::parse_postconf;
use relaypolicy::recipient::Destination;
use relaypolicy::{Effect, Server, SessionState, Step};

const SRV: &str = "ex1.contoso.com";
const IP: &str = "10.0.1.11";
const EXT: &str = "nmap.scanme.org";

/// nmap's pairs, in its order.
fn pairs() -> Vec<(String, String)> {
    let u = format!("relaytest@{EXT}");
    vec![
        ("<>".into(), format!("<{u}>")),
        (format!("<antispam@{EXT}>"), format!("<{u}>")),
        (format!("<antispam@{SRV}>"), format!("<{u}>")),
        (format!("<antispam@[{IP}]>"), format!("<{u}>")),
        (
            format!("<antispam@[{IP}]>"),
            format!("<relaytest%{EXT}@[{IP}]>"),
        ),
        (
            format!("<antispam@[{IP}]>"),
            format!("<relaytest%{EXT}@{SRV}>"),
        ),
        (format!("<antispam@[{IP}]>"), format!("<\"{u}\">")),
        (
            format!("<antispam@[{IP}]>"),
            format!("<\"relaytest%{EXT}\">"),
        ),
        (format!("<antispam@[{IP}]>"), format!("<{u}@[{IP}]>")),
        (format!("<antispam@[{IP}]>"), format!("<\"{u}\"@[{IP}]>")),
        (format!("<antispam@[{IP}]>"), format!("<{u}@{SRV}>")),
        (format!("<antispam@[{IP}]>"), format!("<@[{IP}]:{u}>")),
        (format!("<antispam@[{IP}]>"), format!("<@{SRV}:{u}>")),
        (format!("<antispam@[{IP}]>"), format!("<{EXT}!relaytest>")),
        (
            format!("<antispam@[{IP}]>"),
            format!("<{EXT}!relaytest@[{IP}]>"),
        ),
        (
            format!("<antispam@[{IP}]>"),
            format!("<{EXT}!relaytest@{SRV}>"),
        ),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Out {
    /// 250 and sent on to nmap.scanme.org.
    Relayed,
    /// 250 at RCPT, never delivered to the target (loops back or NDR).
    Bounces,
    /// 5xx or 4xx.
    Refused,
}

fn run(s: &Server, remote: &str) -> Vec<Out> {
    let st = SessionState::new(relaypolicy::Endpoint::new(addr(IP), 25), addr(remote));
    pairs()
        .iter()
        .map(|(from, to)| {
            let m = s.decide(
                &st,
                &Step::Mail {
                    path: from,
                    size: None,
                },
            );
            if !m.reply.is_positive() {
                return Out::Refused;
            }
            let d = s.decide(&st, &Step::Rcpt(to));
            match (&d.reply.code, &d.effect) {
                (
                    250 | 251,
                    Effect::Recipient {
                        relay: true,
                        destination,
                    },
                ) => {
                    match destination {
                        Destination::Remote { domain, .. } => {
                            assert_eq!(domain, EXT, "{to} relays only to the trick's target")
                        }
                        other => panic!("relay to {other:?}"),
                    }
                    Out::Relayed
                }
                (250 | 251, _) => Out::Bounces,
                _ => Out::Refused,
            }
        })
        .collect()
}

fn exchange(relay: bool) -> Server {
    let mut c = with(
        connector("Default Frontend EX1", "0.0.0.0:25", &["0.0.0.0/0"]),
        &[PermissionGroup::AnonymousUsers],
        &[AuthMechanism::Tls],
    );
    c.fqdn = Some(SRV.into());
    let mut ex = server(vec![c]);
    if relay {
        ex.permissions
            .push(anonymous_relay_ace("Default Frontend EX1", false));
    }
    Server::Exchange(ex)
}

fn exchange2003(relay: bool) -> Server {
    let mut v = SmtpVirtualServer::new("EX1", SRV);
    v.local_domains = vec!["contoso.com".into()];
    v.relay = if relay {
        AccessList::everyone()
    } else {
        AccessList::no_one()
    };
    Server::Exchange2003(v)
}

fn postfix(relay: bool) -> Server {
    let nets = if relay { "0.0.0.0/0" } else { "127.0.0.0/8" };
    let text = format!("myhostname = {SRV}\nmynetworks = {nets}\n");
    Server::Postfix(parse_postconf(&text, "main.cf", &[(IP.parse().unwrap(), 24)]).unwrap())
}

use Out::{Bounces as B, Refused as R, Relayed as Y};

#[test]
fn without_relay_rights_nothing_relays() {
    for (name, s) in [
        ("exchange", exchange(false)),
        ("exchange2003", exchange2003(false)),
        ("postfix", postfix(false)),
    ] {
        let out = run(&s, "203.0.113.50");
        assert_eq!(out.len(), 16);
        for (i, o) in out.iter().enumerate() {
            assert_ne!(
                *o,
                Y,
                "{name}: nmap test {} ({:?}) relayed",
                i + 1,
                pairs()[i]
            );
        }
    }
}

#[test]
fn exchange_with_relay_right() {
    assert_eq!(
        run(&exchange(true), "203.0.113.50"),
        vec![Y, Y, Y, Y, B, B, R, R, R, B, R, Y, Y, R, B, B]
    );
}

#[test]
fn exchange_without_relay_right_exact_replies() {
    // Self-addressed recipients need the relay right too; syntax tricks are 501.
    assert_eq!(run(&exchange(false), "203.0.113.50"), vec![R; 16]);
    let s = exchange(false);
    let st = state("203.0.113.50");
    assert_eq!(
        s.decide(&st, &Step::Rcpt("<nmap.scanme.org!relaytest>"))
            .reply
            .to_wire(),
        "501 5.1.3 Invalid address\r\n"
    );
}

#[test]
fn exchange2003_takes_tricks_as_local_and_bounces() {
    assert_eq!(
        run(&exchange2003(true), "203.0.113.50"),
        vec![Y, Y, Y, Y, B, B, B, B, R, B, R, Y, Y, B, B, B]
    );
    assert_eq!(
        run(&exchange2003(false), "203.0.113.50"),
        vec![R, R, R, R, B, B, B, B, R, B, R, R, R, B, B, B]
    );
}

#[test]
fn postfix_trusted_clients_relay_every_rewrite() {
    // allow_percent_hack, swap_bangpath and resolve_dequoted_address turn every trick into
    // user@ext, which Postfix relays for mynetworks clients and refuses for others.
    assert_eq!(run(&postfix(true), "203.0.113.50"), vec![Y; 16]);
    assert_eq!(run(&postfix(false), "203.0.113.50"), vec![R; 16]);
}

#[test]
fn other_syntax_tricks() {
    let s = exchange(true);
    let st = state("203.0.113.50");
    let code = |p: &str| s.decide(&st, &Step::Rcpt(p)).reply.code;
    assert_eq!(code("<user@>"), 501);
    assert_eq!(code("<user@example.net.>"), 501);
    assert_eq!(code(&format!("<{}@example.net>", "a".repeat(65))), 501);
    assert_eq!(code(&format!("<a@{}.net>", "b".repeat(260))), 501);
    assert_eq!(code("<ALICE@Contoso.COM>"), 250);
    assert_eq!(code("<>"), 501);
    let p = postfix(false);
    // Trailing dot dropped by Postfix: still a relay attempt, still refused.
    assert_eq!(
        p.decide(&st, &Step::Rcpt("<user@example.net.>")).reply.code,
        454
    );
    assert_eq!(p.decide(&st, &Step::Rcpt("<user@>")).reply.code, 501);
    // The percent hack in an accepted domain: Exchange looks up the mailbox `user%ext`.
    let pct = "<relaytest%nmap.scanme.org@contoso.com>";
    assert_eq!(code(pct), 550);
    assert!(s.decide(&st, &Step::Rcpt(pct)).reply.lines[0].contains("RecipientNotFound"));
    let old = exchange2003(false);
    let d = old.decide(&st, &Step::Rcpt(pct));
    assert_eq!(d.reply.code, 250);
    assert!(matches!(
        d.effect,
        Effect::Recipient {
            relay: false,
            destination: Destination::LocalThenNdr { .. }
        }
    ));
    let trusted = postfix(true);
    let d = trusted.decide(
        &st,
        &Step::Rcpt(&format!("<relaytest%nmap.scanme.org@{SRV}>")),
    );
    assert!(matches!(d.effect, Effect::Recipient { relay: true, .. }));
}
