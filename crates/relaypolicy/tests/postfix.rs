//! Postfix relay restrictions from `postconf -n`.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use common::*;
use relaypolicy::import::parse_postconf;
use relaypolicy::{Identity, Probe, Server, Step, Verdict};

fn pf(text: &str) -> Server {
    let ifaces = [
        ("10.0.1.13".parse().unwrap(), 24u8),
        ("2001:db8:1::13".parse().unwrap(), 64u8),
    ];
    Server::Postfix(parse_postconf(text, "main.cf", &ifaces).unwrap())
}

fn relay(s: &Server, remote: &str) -> Verdict {
    let local = relaypolicy::Endpoint::new(addr("10.0.1.13"), 25);
    s.probe(
        local,
        addr(remote),
        &Probe::AnonymousRelay {
            external_domain: "example.net".into(),
        },
    )
    .verdict
}

#[test]
fn default_restrictions_with_subnet_style() {
    let s = pf("myhostname = mx.example.com\nmynetworks_style = subnet\n");
    assert_eq!(relay(&s, "10.0.1.200"), Verdict::Relayed);
    assert_eq!(relay(&s, "127.0.0.1"), Verdict::Relayed);
    assert_eq!(relay(&s, "2001:db8:1::99"), Verdict::Relayed);
    // defer_unauth_destination is the 2.10+ default: 454, not 554.
    assert_eq!(relay(&s, "10.0.2.1"), Verdict::Deferred);
    let d = s.decide(&state("10.0.2.1"), &Step::Rcpt("<a@example.net>"));
    assert_eq!(
        d.reply.to_wire(),
        "454 4.7.1 <a@example.net>: Relay access denied\r\n"
    );
}

#[test]
fn default_restrictions_with_host_style() {
    let s = pf("myhostname = mx.example.com\nmynetworks_style = host\n");
    assert_eq!(relay(&s, "10.0.1.13"), Verdict::Relayed);
    assert_eq!(relay(&s, "10.0.1.200"), Verdict::Deferred);
    // host is the default since 3.0.
    let s = pf("myhostname = mx.example.com\n");
    assert_eq!(relay(&s, "10.0.1.200"), Verdict::Deferred);
    let class = pf("myhostname = mx.example.com\nmynetworks_style = class\n");
    assert_eq!(relay(&class, "10.200.0.1"), Verdict::Relayed);
}

#[test]
fn explicit_mynetworks_with_exclusions_first_match() {
    let s =
        pf("mynetworks = 127.0.0.0/8 [::1]/128, !10.1.2.5 10.1.2.0/24 !10.1.0.0/16 10.0.0.0/8\n");
    assert_eq!(relay(&s, "10.1.2.4"), Verdict::Relayed);
    assert_eq!(
        relay(&s, "10.1.2.5"),
        Verdict::Deferred,
        "excluded before the /24 matches"
    );
    assert_eq!(relay(&s, "10.1.3.1"), Verdict::Deferred, "excluded /16");
    assert_eq!(relay(&s, "10.2.0.1"), Verdict::Relayed);
    assert_eq!(relay(&s, "::1"), Verdict::Relayed);
    let Server::Postfix(p) = &s else {
        unreachable!()
    };
    let set = p.mynetworks_set();
    assert!(
        set.contains(&addr("10.1.2.4"))
            && !set.contains(&addr("10.1.2.5"))
            && !set.contains(&addr("10.1.9.9"))
    );
    let d = s.decide(&state("10.1.2.5"), &Step::Rcpt("<a@example.net>"));
    let t = d.trace.to_string();
    assert!(t.contains("!10.1.2.5") && t.contains("main.cf:1:"), "{t}");
}

#[test]
fn reject_is_554_and_defer_is_454() {
    let s = pf(
        "mynetworks = 10.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n",
    );
    let d = s.decide(&state("192.0.2.1"), &Step::Rcpt("<a@example.net>"));
    assert_eq!(
        d.reply.to_wire(),
        "554 5.7.1 <a@example.net>: Relay access denied\r\n"
    );
    let s = pf(
        "mynetworks = 10.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, defer_unauth_destination\n",
    );
    assert_eq!(
        s.decide(&state("192.0.2.1"), &Step::Rcpt("<a@example.net>"))
            .reply
            .code,
        454
    );
    // The classic pre-2.10 form in smtpd_recipient_restrictions.
    let s = pf(
        "mynetworks = 10.0.0.0/8\nsmtpd_relay_restrictions =\nsmtpd_recipient_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination\n",
    );
    assert_eq!(
        s.decide(&state("192.0.2.1"), &Step::Rcpt("<a@example.net>"))
            .reply
            .code,
        554
    );
    assert_eq!(
        s.decide(&state("10.9.9.9"), &Step::Rcpt("<a@example.net>"))
            .reply
            .code,
        250
    );
    // Plain permit/reject.
    let open = pf("smtpd_relay_restrictions = permit\n");
    assert_eq!(relay(&open, "203.0.113.1"), Verdict::Relayed);
    let closed = pf("smtpd_relay_restrictions = reject\n");
    assert_eq!(
        closed
            .decide(&state("10.0.1.13"), &Step::Rcpt("<a@mx.example.com>"))
            .reply
            .code,
        554
    );
}

#[test]
fn local_and_relay_domains_need_no_permit() {
    let s = pf(
        "myhostname = mx.example.com\nmydestination = $myhostname, localhost.$mydomain, example.com\nrelay_domains = partner.example\n",
    );
    for rcpt in [
        "<a@example.com>",
        "<a@mx.example.com>",
        "<a@localhost.example.com>",
        "<a@partner.example>",
    ] {
        assert_eq!(
            s.decide(&state("203.0.113.1"), &Step::Rcpt(rcpt))
                .reply
                .code,
            250,
            "{rcpt}"
        );
    }
    assert_eq!(
        s.decide(&state("203.0.113.1"), &Step::Rcpt("<a@other.example>"))
            .reply
            .code,
        454
    );
}

#[test]
fn sasl_and_unknown_restrictions() {
    let s = pf(
        "smtpd_sasl_auth_enable = yes\nsmtpd_relay_restrictions = permit_sasl_authenticated, check_client_access hash:/etc/postfix/access, reject_unauth_destination\nsmtpd_upstream_proxy_protocol = haproxy\n",
    );
    let mut st = state("203.0.113.1");
    st.identity = Identity::User {
        name: "alice".into(),
        integrated: false,
    };
    assert_eq!(
        s.decide(&st, &Step::Rcpt("<a@example.net>")).reply.code,
        250
    );
    let anon = s.decide(&state("203.0.113.1"), &Step::Rcpt("<a@example.net>"));
    assert_eq!(
        anon.reply.to_wire(),
        "451 4.3.5 Server configuration error\r\n"
    );
    let p = s.problems();
    assert_eq!(p.len(), 1);
    assert!(p[0].message.contains("check_client_access"));
    assert_eq!(p[0].origin.as_ref().unwrap().line, 2);
    let Server::Postfix(pfx) = &s else {
        unreachable!()
    };
    assert_eq!(pfx.upstream_proxy_protocol.as_deref(), Some("haproxy"));
}

#[test]
fn interfaces_from_comment() {
    let text = "# relaylab-interfaces: 192.168.7.2/24\nmynetworks_style = subnet\n";
    let s = Server::Postfix(parse_postconf(text, "pc.txt", &[]).unwrap());
    assert_eq!(relay(&s, "192.168.7.99"), Verdict::Relayed);
    assert_eq!(relay(&s, "192.168.8.99"), Verdict::Deferred);
}
