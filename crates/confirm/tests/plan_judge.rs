//! Planning and judging without a lab: what is planned for each class and path, that a
//! port-dependent class is probed from its own ports, and how transcripts are judged.

#![allow(clippy::unwrap_used)] // fixtures are literals here

use addrspace::{AddrSet, PortSet};
use confirm::{
    Landing, Live, NotRun, Options, Predicted, ProbeKind, Question, Readback, Reason, Route,
    SourcePort, Tally, Transcript, Trial, Unplannable, judge, not_run, plan, plan_member_down,
};
use relaypolicy::dialogue::{Ending, Stage};
use verify::prove::VerdictWord;
use verify::{Intent, MemberServer, Model, Options as ModelOptions, prove};

const EXCHANGE: &str = r#"
[[server]]
name = "EX1"
flavour = "exchange"
version = "2016"

[[server.connector]]
name = "Default Frontend"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
permission_groups = ["AnonymousUsers", "ExchangeServers"]
auth_mechanism = ["Tls", "ExchangeServer"]

[[server.connector]]
name = "Relay"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["10.0.0.20"]
permission_groups = ["AnonymousUsers"]
auth_mechanism = ["Tls"]

[[server.permission]]
connector = "Relay"
user = "NT AUTHORITY\\ANONYMOUS LOGON"
extended_rights = ["ms-Exch-SMTP-Accept-Any-Recipient"]

[[accepted_domain]]
domain = "contoso.com"
type = "Authoritative"
"#;

fn model(rule: &str) -> Model {
    let conf = format!(
        "ltm pool /Common/p {{ members {{ /Common/10.0.1.11:25 {{ address 10.0.1.11 }} /Common/10.0.1.12:25 {{ address 10.0.1.12 }} }} }}
ltm rule /Common/r {{
{rule}
}}
ltm virtual /Common/vs {{ destination /Common/10.0.0.10:25 pool /Common/p rules {{ /Common/r }} source-address-translation {{ type automap }} }}
net self /Common/float {{ address 10.0.1.5/24 vlan /Common/internal traffic-group /Common/traffic-group-1 }}"
    );
    let config = bigip::parse("t.conf", &conf).unwrap().config;
    let set = relaypolicy::import::parse_native(EXCHANGE, "ex.toml").unwrap();
    let server = set.resolved().remove(0);
    Model {
        name: "t".into(),
        config: std::sync::Arc::new(config),
        servers: ["10.0.1.11", "10.0.1.12"]
            .iter()
            .map(|m| MemberServer {
                member: m.parse().unwrap(),
                server: server.clone(),
            })
            .collect(),
        intent: Intent {
            relay_allowed: AddrSet::parse("10.1.1.5").unwrap(),
            external_domain: "example.net".into(),
            local_recipient: "postmaster@contoso.com".into(),
            auth_requires_tls: false,
        },
        cases: Vec::new(),
        expected: Vec::new(),
        options: ModelOptions::default(),
    }
}

const WORKAROUND: &str = "when CLIENT_ACCEPTED { if { [IP::addr [IP::client_addr] equals 10.1.1.5] } { snat 10.0.0.20 } else { snat automap } }";

fn no_battery() -> Options {
    Options {
        samples: 2,
        battery: false,
    }
}

#[test]
fn every_class_path_and_question_is_planned_with_the_provers_verdict() {
    let m = model(WORKAROUND);
    let proof = prove(&m).unwrap();
    let trials = plan(&proof, &m, &no_battery(), 1);
    let classes = &proof.virtuals[0].classes;
    // Each class: its clients (representative and up to two more) x paths x 4 questions.
    let expected: usize = classes
        .iter()
        .map(|c| {
            let clients = 1 + c
                .samples
                .iter()
                .filter(|s| **s != c.representative_client())
                .count()
                .min(2);
            clients * c.paths.len() * 4
        })
        .sum();
    assert_eq!(trials.len(), expected);
    let mut ids: Vec<usize> = trials.iter().map(|t| t.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), trials.len(), "ids are unique");
    for t in &trials {
        let Route::Pinned { path } = &t.route else {
            panic!("every class has paths: {t:?}")
        };
        let ProbeKind::Session { question, script } = &t.probe else {
            panic!("{t:?}")
        };
        assert_eq!(
            t.predicted,
            Predicted::Verdict {
                verdict: question.verdict(path)
            }
        );
        assert_eq!(t.source_port, SourcePort::Any);
        // The script is the prover's own probe's script.
        assert_eq!(*script, question.probe(&m).script());
    }
    // The allowed client relays through 10.0.0.20; an outsider is refused as 10.0.1.5.
    let relay = |addr: &str| {
        trials
            .iter()
            .filter(|t| t.client.addr.to_string() == addr)
            .filter(|t| {
                matches!(
                    t.probe,
                    ProbeKind::Session {
                        question: Question::AnonymousRelay,
                        ..
                    }
                )
            })
            .map(|t| (t.route.to_string(), t.predicted.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        relay("10.1.1.5"),
        [
            (
                "10.0.1.11:25 as 10.0.0.20".to_string(),
                Predicted::Verdict {
                    verdict: VerdictWord::Relayed
                }
            ),
            (
                "10.0.1.12:25 as 10.0.0.20".to_string(),
                Predicted::Verdict {
                    verdict: VerdictWord::Relayed
                }
            ),
        ]
    );
}

#[test]
fn the_battery_plans_nmap_pairs_and_smuggling_once_per_path() {
    let m = model(WORKAROUND);
    let proof = prove(&m).unwrap();
    let all = plan(&proof, &m, &Options::default(), 1);
    let nmap: Vec<&Trial> = all
        .iter()
        .filter(|t| matches!(t.probe, ProbeKind::Nmap { .. }))
        .collect();
    let smuggling = all
        .iter()
        .filter(|t| matches!(t.probe, ProbeKind::Smuggling { .. }))
        .count();
    // Four distinct paths (two members, as 10.0.0.20 and as 10.0.1.5); inbound delivers on each.
    assert_eq!(nmap.len(), 4 * 16);
    assert_eq!(smuggling, 4 * 9);
    // The plain pair relays through the relay SNAT address only; elsewhere RCPT says 550.
    for t in nmap
        .iter()
        .filter(|t| matches!(&t.probe, ProbeKind::Nmap { script } if script.from == "<>"))
    {
        let path = t.route.path().unwrap();
        let relays = path.seen.to_string() == "10.0.0.20";
        assert_eq!(
            t.predicted,
            if relays {
                Predicted::Pair {
                    code: 250,
                    relays: true,
                }
            } else {
                Predicted::Pair {
                    code: 550,
                    relays: false,
                }
            },
            "{}",
            t.route
        );
    }
}

#[test]
fn a_port_dependent_class_is_probed_from_its_own_ports() {
    let m = model(
        "when CLIENT_ACCEPTED { if { [TCP::client_port] == 1025 } { snat 10.0.0.20 } else { snat automap } }",
    );
    let proof = prove(&m).unwrap();
    let trials = plan(&proof, &m, &no_battery(), 1);
    let relays_as = |t: &&Trial| {
        t.route
            .path()
            .is_some_and(|p| p.seen.to_string() == "10.0.0.20")
    };
    let backdoor: Vec<&Trial> = trials.iter().filter(relays_as).collect();
    assert!(!backdoor.is_empty());
    for t in &backdoor {
        assert_eq!(t.source_port, SourcePort::Within(PortSet::single(1025)));
        assert_eq!(t.client.port, 1025);
        // One port: every attempt uses it.
        assert_eq!(t.source_port.candidates(t.id, 8), [1025]);
    }
    let rest: Vec<&Trial> = trials.iter().filter(|t| !relays_as(t)).collect();
    assert!(!rest.is_empty());
    let mut firsts = std::collections::BTreeSet::new();
    for t in &rest {
        let SourcePort::Within(ports) = &t.source_port else {
            panic!("{t:?}")
        };
        assert!(!ports.contains(1025) && ports.contains(t.client.port));
        let c = t.source_port.candidates(t.id, 8);
        assert_eq!(c.len(), 8);
        // Unprivileged ports of the class, different ones from trial to trial.
        assert!(
            c.iter()
                .all(|p| *p >= 1024 && *p != 1025 && ports.contains(*p)),
            "{c:?}"
        );
        firsts.insert(c[0]);
    }
    assert!(firsts.len() > 1, "trials in a row start at different ports");
}

fn relay_trial(m: &Model) -> Trial {
    let proof = prove(m).unwrap();
    plan(&proof, m, &no_battery(), 1)
        .into_iter()
        .find(|t| {
            t.client.addr.to_string() == "10.1.1.5"
                && matches!(
                    t.probe,
                    ProbeKind::Session {
                        question: Question::AnonymousRelay,
                        ..
                    }
                )
        })
        .unwrap()
}

fn sent(landed: Landing) -> Transcript {
    Transcript {
        banner: Some(220),
        ending: Some(Ending::Sent),
        replies: vec![
            (Stage::Banner, 220),
            (Stage::Ehlo, 250),
            (Stage::Mail, 250),
            (Stage::Rcpt, 250),
            (Stage::Data, 250),
        ],
        landed,
        lines: vec!["S: 220 ...".into()],
        ..Transcript::default()
    }
}

#[test]
fn judging_compares_where_the_message_landed() {
    let m = model(WORKAROUND);
    let t = relay_trial(&m);
    assert_eq!(
        t.predicted,
        Predicted::Verdict {
            verdict: VerdictWord::Relayed
        }
    );
    let ok = judge(
        &t,
        &sent(Landing {
            relayed: 1,
            ..Landing::default()
        }),
        None,
    );
    assert!(ok.agree && ok.reason == Reason::Agrees && ok.transcript.is_empty());
    let wrong = judge(
        &t,
        &sent(Landing {
            mailbox: 1,
            ..Landing::default()
        }),
        None,
    );
    assert!(!wrong.agree);
    assert_eq!(wrong.reason, Reason::Differs);
    assert_eq!(
        wrong.live,
        Live::Verdict {
            verdict: VerdictWord::Delivered
        }
    );
    assert!(
        !wrong.transcript.is_empty(),
        "a disagreement keeps the session"
    );
    let lost = judge(&t, &sent(Landing::default()), None);
    assert_eq!(lost.live, Live::Lost);
    let refused = Transcript {
        banner: Some(220),
        ending: Some(Ending::Refused {
            at: Stage::Rcpt,
            code: 451,
        }),
        ..Transcript::default()
    };
    assert_eq!(
        judge(&t, &refused, None).live,
        Live::Verdict {
            verdict: VerdictWord::Deferred
        }
    );
    let ended = judge(&t, &Transcript::default(), None);
    assert_eq!(ended.live, Live::Ended);
    assert!(!ended.agree);
}

#[test]
fn an_inbound_delivery_counts_only_when_the_mailbox_shows_it() {
    let m = model(WORKAROUND);
    let proof = prove(&m).unwrap();
    let t = plan(&proof, &m, &no_battery(), 1)
        .into_iter()
        .find(|t| t.reads_back())
        .unwrap();
    assert_eq!(
        t.predicted,
        Predicted::Verdict {
            verdict: VerdictWord::Delivered
        }
    );
    let mut tr = sent(Landing {
        mailbox: 1,
        ..Landing::default()
    });
    assert_eq!(
        judge(&t, &tr, None).live,
        Live::NotInMailbox,
        "not read back yet"
    );
    tr.readback = Readback::Found;
    assert!(judge(&t, &tr, None).agree);
    tr.readback = Readback::Failed("timed out".into());
    assert!(!judge(&t, &tr, None).agree);
}

#[test]
fn an_unplannable_trial_is_a_disagreement_whatever_the_wire_shows() {
    let m = model(WORKAROUND);
    let mut t = relay_trial(&m);
    t.predicted = Predicted::Unplannable {
        why: Unplannable::NoPath,
    };
    let o = judge(
        &t,
        &sent(Landing {
            relayed: 1,
            ..Landing::default()
        }),
        None,
    );
    assert!(!o.agree);
    assert_eq!(
        o.reason,
        Reason::Unplannable {
            why: Unplannable::NoPath
        }
    );
    assert!(!o.observed());
    let n = not_run(&t, NotRun::PinRefused);
    assert!(!n.agree && !n.observed());
    // Both count: planned 3, observed 1, agreed 1.
    let good = judge(
        &relay_trial(&m),
        &sent(Landing {
            relayed: 1,
            ..Landing::default()
        }),
        None,
    );
    let tally = Tally::of(&[o, n, good]);
    assert_eq!(
        tally,
        Tally {
            planned: 3,
            observed: 1,
            agreed: 1
        }
    );
    assert!(tally.percent() < 34.0);
}

#[test]
fn nmap_pairs_are_judged_on_the_code_and_on_relaying() {
    let m = model(WORKAROUND);
    let proof = prove(&m).unwrap();
    let all = plan(&proof, &m, &Options::default(), 1);
    let t = all
        .iter()
        .find(|t| matches!(t.predicted, Predicted::Pair { code: 550, .. }))
        .unwrap();
    let refused = Transcript {
        banner: Some(220),
        ending: Some(Ending::Refused {
            at: Stage::Rcpt,
            code: 550,
        }),
        replies: vec![
            (Stage::Banner, 220),
            (Stage::Ehlo, 250),
            (Stage::Mail, 250),
            (Stage::Rcpt, 550),
        ],
        ..Transcript::default()
    };
    assert!(judge(t, &refused, None).agree);
    let taken = sent(Landing {
        relayed: 1,
        ..Landing::default()
    });
    let o = judge(t, &taken, None);
    assert_eq!(
        o.live,
        Live::Pair {
            code: 250,
            relayed: true
        }
    );
    assert!(!o.agree);
}

#[test]
fn observations_serialise_with_typed_fields() {
    let m = model(WORKAROUND);
    let t = relay_trial(&m);
    let o = judge(
        &t,
        &sent(Landing {
            relayed: 1,
            ..Landing::default()
        }),
        None,
    );
    let j = serde_json::to_value(&o).unwrap();
    assert_eq!(j["trial"]["route"]["route"], "pinned");
    assert_eq!(j["trial"]["predicted"]["verdict"], "relayed");
    assert_eq!(j["live"]["kind"], "verdict");
    assert_eq!(j["reason"]["reason"], "agrees");
    assert_eq!(
        j["trial"]["route"]["path"]["connector"],
        "connector `Relay`"
    );
}

#[test]
fn the_member_down_fault_asks_each_class_once_on_the_remaining_members() {
    let m = model(WORKAROUND);
    let proof = prove(&m).unwrap();
    let victim = "10.0.1.12".parse().unwrap();
    let trials = plan_member_down(&proof, &m, victim, 500);
    let classes = proof.virtuals[0].classes.len();
    assert_eq!(trials.len(), classes);
    for (i, t) in trials.iter().enumerate() {
        assert_eq!(t.id, 500 + i);
        assert_eq!(t.route, Route::Balanced { avoiding: victim });
        assert!(matches!(
            t.probe,
            ProbeKind::Session {
                question: Question::AnonymousRelay,
                ..
            }
        ));
    }
    let allowed = trials
        .iter()
        .find(|t| t.client.addr.to_string() == "10.1.1.5")
        .unwrap();
    assert_eq!(
        allowed.predicted,
        Predicted::Verdict {
            verdict: VerdictWord::Relayed
        }
    );
}

#[test]
fn the_kill_fault_holds_only_if_every_acknowledged_message_is_stored_once() {
    let m = model(WORKAROUND);
    let proof = prove(&m).unwrap();
    let k = confirm::plan_kill(&proof, &m).unwrap();
    assert_eq!(k.script.rcpt, "<postmaster@contoso.com>");
    // The test pool has no monitor: a BIG-IP would not notice a member down.
    assert!(!confirm::member_down_noticed(
        &m,
        &"10.0.1.12".parse().unwrap()
    ));
    let id = |s: &str| s.to_string();
    let fine = confirm::KillFinding::judge(&[(id("a"), true, 1), (id("b"), false, 0)]);
    assert!(fine.held());
    assert_eq!((fine.sent, fine.acknowledged), (2, 1));
    let lost = confirm::KillFinding::judge(&[(id("a"), true, 0), (id("b"), true, 2)]);
    assert!(!lost.held());
    assert_eq!(lost.wrong, ["a", "b"]);
}
