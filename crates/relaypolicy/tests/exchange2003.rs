//! Exchange 2003 relay restrictions.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;
use common::*;
use relaypolicy::exchange2003::{AccessList, ListEntry, ListMode, SmtpVirtualServer};
use relaypolicy::{Identity, Probe, Server, Step, Verdict};

fn vs(relay: AccessList) -> Server {
    let mut s = SmtpVirtualServer::new("EXCH03", "exch03.contoso.com");
    s.local_domains = vec!["contoso.com".into()];
    s.relay = relay;
    s.relay_for_auth = false;
    Server::Exchange2003(s)
}

fn relay_probe() -> Probe {
    Probe::AnonymousRelay {
        external_domain: "example.net".into(),
    }
}

#[test]
fn all_except_empty_list_relays_for_everyone() {
    let s = vs(AccessList::everyone());
    for remote in ["203.0.113.9", "10.1.1.5", "2001:db8::1"] {
        let o = s.probe(local(), addr(remote), &relay_probe());
        assert_eq!(o.verdict, Verdict::Relayed, "{remote}");
    }
    assert!(s.decision_sets()[0].set.contains(&addr("198.51.100.1")));
}

#[test]
fn only_the_list_with_one_address() {
    let mut list = AccessList::no_one();
    list.entries.push(ListEntry::parse("10.1.1.5").unwrap());
    let s = vs(list);
    assert_eq!(
        s.probe(local(), addr("10.1.1.5"), &relay_probe()).verdict,
        Verdict::Relayed
    );
    for other in ["10.1.1.4", "10.1.1.6", "203.0.113.9"] {
        let o = s.probe(local(), addr(other), &relay_probe());
        assert_eq!(o.verdict, Verdict::Rejected, "{other}");
        assert_eq!(
            o.last().unwrap().reply.to_wire(),
            "550 5.7.1 Unable to relay for relaytest@example.net\r\n"
        );
    }
    // Local delivery is not relaying and needs no listing.
    let local_probe = Probe::AnonymousLocal {
        recipient: "alice@contoso.com".into(),
    };
    assert_eq!(
        s.probe(local(), addr("203.0.113.9"), &local_probe).verdict,
        Verdict::Delivered
    );
}

#[test]
fn ip_and_mask_entries_and_exclusions() {
    let mut list = AccessList::no_one();
    list.entries
        .push(ListEntry::parse("10.1.2.0 255.255.255.0").unwrap());
    let s = vs(list.clone());
    assert_eq!(
        s.probe(local(), addr("10.1.2.77"), &relay_probe()).verdict,
        Verdict::Relayed
    );
    list.mode = ListMode::AllExceptList;
    let s = vs(list);
    assert_eq!(
        s.probe(local(), addr("10.1.2.77"), &relay_probe()).verdict,
        Verdict::Rejected
    );
    assert_eq!(
        s.probe(local(), addr("10.1.3.1"), &relay_probe()).verdict,
        Verdict::Relayed
    );
}

#[test]
fn authenticated_relay_with_the_tick_box() {
    let s = vs(AccessList::no_one());
    let auth = Probe::AuthenticatedRelay {
        external_domain: "example.net".into(),
        tls: false,
    };
    assert_eq!(
        s.probe(local(), addr("203.0.113.9"), &auth).verdict,
        Verdict::Rejected
    );
    let Server::Exchange2003(mut v) = s else {
        unreachable!()
    };
    v.relay_for_auth = true;
    let s = Server::Exchange2003(v);
    let o = s.probe(local(), addr("203.0.113.9"), &auth);
    assert_eq!(o.verdict, Verdict::Relayed, "{:#?}", o.steps);
    // Without authentication the tick box changes nothing.
    assert_eq!(
        s.probe(local(), addr("203.0.113.9"), &relay_probe())
            .verdict,
        Verdict::Rejected
    );
    let mut st = state("203.0.113.9");
    st.identity = Identity::User {
        name: "alice".into(),
        integrated: false,
    };
    assert!(
        s.decide(&st, &Step::Rcpt("<x@example.net>"))
            .trace
            .to_string()
            .contains("authenticate")
    );
}

#[test]
fn connection_control_is_separate_and_never_grants_relay() {
    let mut s = SmtpVirtualServer::new("EXCH03", "exch03.contoso.com");
    s.local_domains = vec!["contoso.com".into()];
    s.relay_for_auth = false;
    s.connection = AccessList {
        mode: ListMode::OnlyList,
        entries: vec![ListEntry::parse("10.1.1.5").unwrap()],
        origin: None,
    };
    let s = Server::Exchange2003(s);
    // Allowed to connect, still not allowed to relay.
    assert_eq!(
        s.probe(local(), addr("10.1.1.5"), &relay_probe()).verdict,
        Verdict::Rejected
    );
    let o = s.probe(local(), addr("10.1.1.6"), &relay_probe());
    assert_eq!(o.verdict, Verdict::Deferred);
    assert_eq!(o.steps.len(), 1, "refused at connect");
}

#[test]
fn domain_entries_are_reported_not_provable() {
    let mut list = AccessList::no_one();
    list.entries
        .push(ListEntry::parse("printers.contoso.com").unwrap());
    let s = vs(list);
    let p = s.problems();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].severity, relaypolicy::Severity::NotProvable);
    assert_eq!(
        s.probe(local(), addr("10.1.1.5"), &relay_probe()).verdict,
        Verdict::Rejected
    );
}
