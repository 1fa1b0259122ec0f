//! Shared fixtures: one Exchange server with a frontend, a relay connector for the SNAT
//! address, a TLS-only client connector and a strict connector, and an in-memory driver.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mailserver::policy::Policy;
use mailserver::smtp::{Event, SessionConfig, SmtpSession};
use mailserver::store::Store;
use mailserver::users::Users;
use relaypolicy::{Endpoint, Reply};

pub const EX1: &str = r#"
[[server]]
name = "EX1"
flavour = "exchange"

[[server.connector]]
name = "Default Frontend EX1"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
permission_groups = ["AnonymousUsers", "ExchangeUsers"]
auth_mechanism = ["Tls", "BasicAuth", "BasicAuthRequireTLS"]
fqdn = "ex1.contoso.com"

[[server.connector]]
name = "Relay"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["10.0.0.20"]
permission_groups = ["AnonymousUsers"]
fqdn = "ex1.contoso.com"

[[server.connector]]
name = "Client Frontend EX1"
bindings = ["0.0.0.0:587"]
remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
permission_groups = ["ExchangeUsers"]
auth_mechanism = ["Tls", "BasicAuthRequireTLS"]
require_tls = true
fqdn = "ex1.contoso.com"

[[server.connector]]
name = "Strict"
bindings = ["0.0.0.0:2525"]
remote_ip_ranges = ["0.0.0.0-255.255.255.255"]
permission_groups = ["AnonymousUsers"]
bare_linefeed_rejection_enabled = true
fqdn = "ex1.contoso.com"

[[server.permission]]
connector = "Relay"
user = 'NT AUTHORITY\ANONYMOUS LOGON'
extended_rights = ["ms-Exch-SMTP-Accept-Any-Recipient"]

[[server.accepted_domain]]
domain = "contoso.com"
"#;

pub const MEMBER: &str = "10.0.1.11";
pub const RELAY_SNAT: &str = "10.0.0.20";
pub const AUTOMAP: &str = "10.0.1.5";
pub const OUTSIDE: &str = "203.0.113.9";

pub fn policy() -> Arc<Policy> {
    let set = relaypolicy::import::load_str(EX1, "ex1.toml").expect("fixture policy parses");
    let server = set.resolved().into_iter().next().expect("one server");
    Arc::new(Policy::new(server))
}

pub fn users() -> Arc<Users> {
    Arc::new(Users::new().with("alice", "secret", "alice@contoso.com"))
}

/// A server session and a store, driven by a scripted client on a virtual clock.
pub struct Driver {
    pub session: SmtpSession,
    pub store: Store,
    pub now: Instant,
    pub events: Vec<Event>,
    pub log: Vec<mailserver::smtp::LogLine>,
    /// When false, deliveries are left pending (to show no 250 goes out before storing).
    pub auto_store: bool,
}

impl Driver {
    pub fn new(remote: &str, port: u16, tls_available: bool) -> Driver {
        let now = Instant::now();
        let cfg = SessionConfig {
            policy: policy(),
            users: users(),
            local: Endpoint::new(MEMBER.parse().expect("addr"), port),
            remote: remote.parse().expect("addr"),
            tls_available,
            implicit_tls: false,
        };
        Driver {
            session: SmtpSession::new(cfg, now),
            store: Store::new(),
            now,
            events: Vec::new(),
            log: Vec::new(),
            auto_store: true,
        }
    }

    /// Everything the server has to say now (bounded: a session never queues 10,000 items).
    pub fn drain(&mut self) -> Vec<Reply> {
        let mut out = Vec::new();
        for _ in 0..10_000 {
            if let Some(r) = self.session.poll_reply() {
                out.push(r);
                continue;
            }
            if let Some(ev) = self.session.poll_event() {
                if let (Event::Deliver(d), true) = (&ev, self.auto_store) {
                    let res = self.store.deliver(d.clone()).map_err(|e| e.to_string());
                    self.session.message_stored(res);
                }
                self.events.push(ev);
                continue;
            }
            if let Some(l) = self.session.poll_log() {
                self.log.push(l);
                continue;
            }
            return out;
        }
        panic!("session kept producing output");
    }

    pub fn send(&mut self, bytes: &[u8]) -> Vec<Reply> {
        self.now += Duration::from_millis(10);
        self.session.handle_input(bytes, self.now);
        self.drain()
    }

    /// Sends one command line and returns the single reply's code.
    pub fn cmd(&mut self, line: &str) -> Reply {
        let mut r = self.send(format!("{line}\r\n").as_bytes());
        assert_eq!(r.len(), 1, "{line}: expected one reply, got {r:?}");
        r.remove(0)
    }

    /// Banner then EHLO; returns the EHLO lines.
    pub fn ehlo(&mut self) -> Vec<String> {
        let banner = self.drain();
        assert!(banner.is_empty() || banner[0].code == 220, "{banner:?}");
        let r = self.cmd("EHLO client.example");
        assert_eq!(r.code, 250, "{r:?}");
        r.lines
    }

    pub fn codes(replies: &[Reply]) -> Vec<u16> {
        replies.iter().map(|r| r.code).collect()
    }
}

/// A lab on loopback: the plan (member, clients), the PKI, the store, the log, a server.
pub struct Lab {
    pub plan: Arc<wire::Plan>,
    pub pki: mailserver::tls::Pki,
    pub store: Store,
    pub log: mailserver::protolog::ProtocolLog,
    pub server: mailserver::server::SmtpServer,
}

pub const CLIENTS: [&str; 4] = [OUTSIDE, RELAY_SNAT, AUTOMAP, "10.1.1.5%2"];

/// Each test passes its own `lab_id` so parallel tests never share carriers.
pub async fn start_lab(lab_id: u8) -> Lab {
    start_lab_with_log(lab_id, mailserver::protolog::ProtocolLog::memory()).await
}

pub async fn start_lab_with_log(lab_id: u8, log: mailserver::protolog::ProtocolLog) -> Lab {
    start_lab_with(lab_id, log, mailserver::server::Limits::default()).await
}

pub async fn start_lab_with(
    lab_id: u8,
    log: mailserver::protolog::ProtocolLog,
    limits: mailserver::server::Limits,
) -> Lab {
    let mut plan =
        wire::Plan::with_bases(std::net::Ipv4Addr::new(127, 77, lab_id, 1), 20000).expect("bases");
    let policy = policy();
    let member: addrspace::Addr = MEMBER.parse().expect("addr");
    mailserver::server::add_to_plan(&mut plan, member, &policy).expect("plan");
    for c in CLIENTS {
        plan.add_addr(c.parse().expect("addr"), "client")
            .expect("plan");
    }
    let plan = Arc::new(plan);
    let pki = mailserver::tls::Pki::generate(&["ex1.contoso.com", "localhost"]).expect("pki");
    let store = Store::new();
    let server = mailserver::server::SmtpServer::start(mailserver::server::SmtpServerConfig {
        policy,
        member,
        plan: Arc::clone(&plan),
        store: store.clone(),
        log: log.clone(),
        users: users(),
        tls: Some(pki.server_config().expect("server tls")),
        limits,
    })
    .await
    .expect("server starts");
    Lab {
        plan,
        pki,
        store,
        log,
        server,
    }
}

impl Lab {
    pub fn carrier(&self, scenario: &str) -> std::net::IpAddr {
        std::net::IpAddr::V4(
            self.plan
                .carrier(&scenario.parse().expect("addr"))
                .expect("on plan"),
        )
    }
}
