//! `relaylab run`: prove, then confirm the proof on the wire. Every address class (its
//! representative and boundary addresses) sends real sessions through the balancer on
//! every path the prover found; each live verdict is compared with the prover's.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;
use std::time::Duration;

use addrspace::Addr;
use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use mailserver::store::Location;
use relaypolicy::policy::Server;
use relaypolicy::session::{Endpoint as PolicyEndpoint, SessionState, Step};
use serde::Serialize;
use verify::prove::{PathVerdict, VerdictWord};
use verify::{Model, Proof};

use crate::cli::ReportFormat;
use crate::lab::{LAB_USER, Lab, LabOptions, PROBE_USER};
use crate::probe::{Reply, Session};
use crate::scenario::{self, Scenario};
use crate::{BadInput, Outcome};

/// How a run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Addresses per class beyond the representative (interval ends).
    pub samples: usize,
    /// Run the relay-trick battery (nmap pairs, DATA-judged, smuggling) on every path.
    pub battery: bool,
    /// Run the fault phase (a member down, a member killed mid-run).
    pub faults: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// First carrier address (labs side by side need their own).
    pub carrier_base: Option<std::net::Ipv4Addr>,
    /// Test only: flip anonymous relay on this connector in the prover's model but not in
    /// the live servers, to show the agreement check can fail.
    pub flip_prover_connector: Option<String>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            samples: 2,
            battery: true,
            faults: true,
            progress: false,
            carrier_base: None,
            flip_prover_connector: None,
        }
    }
}

/// One live observation next to what the prover said.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    /// The virtual server.
    pub virtual_name: String,
    /// The client address.
    pub client: String,
    /// The path (`10.0.1.11:25 as 10.0.0.20`), or `-` when the balancer ends it.
    pub path: String,
    /// What was tried.
    pub probe: String,
    /// What the prover says.
    pub expected: String,
    /// What happened.
    pub live: String,
    /// Whether they agree.
    pub agree: bool,
    /// The session, for disagreements.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<String>,
    /// The prover's path, for disagreements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prover_path: Option<PathVerdict>,
    /// The probe message's Message-ID, when one was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// Who probes: a client address (and its carrier) through one virtual.
#[derive(Clone, Copy)]
struct Client<'t> {
    virtual_name: &'t str,
    vip: SocketAddrV4,
    addr: Addr,
    source: Ipv4Addr,
}

impl<'t> Client<'t> {
    /// A client of the lab, when the address has a carrier there.
    fn new(lab: &Lab, virtual_name: &'t str, vip: SocketAddrV4, addr: Addr) -> Option<Client<'t>> {
        Some(Client {
            virtual_name,
            vip,
            addr,
            source: lab.carrier(&addr)?,
        })
    }
}

impl Observation {
    fn of(
        c: &Client<'_>,
        path: impl Into<String>,
        probe: impl Into<String>,
        expected: impl Into<String>,
        live: impl Into<String>,
        agree: bool,
    ) -> Observation {
        Observation {
            virtual_name: c.virtual_name.into(),
            client: c.addr.to_string(),
            path: path.into(),
            probe: probe.into(),
            expected: expected.into(),
            live: live.into(),
            agree,
            transcript: Vec::new(),
            prover_path: None,
            message_id: None,
        }
    }
}

/// A fault test's result.
#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    /// What was done.
    pub what: String,
    /// Whether every check held.
    pub held: bool,
    /// Figures and findings.
    pub detail: String,
}

/// One scenario's run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The scenario.
    pub scenario: String,
    /// Its file.
    pub path: String,
    /// Whether the proof passes (as `check`).
    pub proof_passes: bool,
    /// Every observation.
    pub observations: Vec<Observation>,
    /// Observations that agree.
    pub agreed: usize,
    /// The fault phase.
    pub faults: Vec<Fault>,
}

impl RunReport {
    /// Whether the run passes: the proof passes, every observation agrees, every fault
    /// check held.
    pub fn passes(&self) -> bool {
        self.proof_passes
            && self.agreed == self.observations.len()
            && self.faults.iter().all(|f| f.held)
    }
}

/// `relaylab run <scenario|dir>`.
pub fn run(path: &Path, format: ReportFormat, opts: RunOptions) -> Result<Outcome, BadInput> {
    let show_bar = opts.progress
        && format == ReportFormat::Text
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let reports = run_all(path, &opts, show_bar)?;
    let text = match format {
        ReportFormat::Text => reports
            .iter()
            .map(render_text)
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Json => serde_json::to_string_pretty(&reports)
            .map_err(|e| BadInput::message(format!("cannot render JSON: {e}"), None))?,
        ReportFormat::Junit => junit(&reports),
    };
    outln!("{text}");
    let (agreed, total): (usize, usize) = reports
        .iter()
        .fold((0, 0), |(a, t), r| (a + r.agreed, t + r.observations.len()));
    if format == ReportFormat::Text {
        let pct = if total == 0 {
            100.0
        } else {
            100.0 * agreed as f64 / total as f64
        };
        outln!(
            "{} of {} scenarios pass; agreement {agreed}/{total} ({pct:.1}%)",
            reports.iter().filter(|r| r.passes()).count(),
            reports.len()
        );
    }
    Ok(if reports.iter().all(RunReport::passes) {
        Outcome::Holds
    } else {
        Outcome::Violated
    })
}

/// Runs every scenario found at `path`; the reports, in scenario order.
pub fn run_all(path: &Path, opts: &RunOptions, show_bar: bool) -> Result<Vec<RunReport>, BadInput> {
    let files = scenario::discover(path)?;
    let mut scenarios = Vec::new();
    for f in &files {
        scenarios.push(scenario::load(f)?);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| BadInput::message(format!("cannot start the runtime: {e}"), None))?;
    let bar = if show_bar {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} sessions ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut reports = Vec::new();
    for s in &scenarios {
        bar.set_message(s.model.name.clone());
        reports.push(rt.block_on(run_scenario(s, opts, &bar))?);
    }
    bar.finish_and_clear();
    Ok(reports)
}

/// The prover's model, with the test-only flip applied.
fn prover_model(model: &Model, flip: Option<&str>) -> Model {
    let mut m = model.clone();
    let Some(name) = flip else { return m };
    for s in &mut m.servers {
        if let Server::Exchange(ex) = &mut s.server
            && ex
                .connectors
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(name))
        {
            let anon_relay = |p: &relaypolicy::exchange::AdPermission| {
                p.connector.eq_ignore_ascii_case(name)
                    && format!("{:?}", p.rights).contains("AcceptAnyRecipient")
            };
            if ex.permissions.iter().any(anon_relay) {
                ex.permissions.retain(|p| !anon_relay(p));
            } else if let Ok(set) = relaypolicy::import::parse_native(
                &format!(
                    "[[server]]\nname = \"x\"\nflavour = \"exchange\"\n[[server.connector]]\nname = \"{name}\"\n[[server.permission]]\nconnector = \"{name}\"\nuser = \"NT AUTHORITY\\\\ANONYMOUS LOGON\"\nextended_rights = [\"ms-Exch-SMTP-Accept-Any-Recipient\"]\n"
                ),
                "flip.toml",
            ) && let Some(Server::Exchange(x)) = set.resolved().into_iter().next()
            {
                ex.permissions.extend(x.permissions);
            }
        }
    }
    m
}

/// Sample addresses of a class: its representative, then interval ends up to `samples`.
fn samples(class: &verify::Class, extra: usize) -> Vec<Addr> {
    let mut out: Vec<Addr> = vec![class.representative];
    if class.label == verify::Label::Proved {
        for a in class.samples.iter().map(|s| s.addr) {
            if out.len() > extra {
                break;
            }
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

async fn run_scenario(
    s: &Scenario,
    opts: &RunOptions,
    bar: &ProgressBar,
) -> Result<RunReport, BadInput> {
    let prover = prover_model(&s.model, opts.flip_prover_connector.as_deref());
    let proof = verify::prove(&prover)
        .map_err(|e| BadInput::message(format!("{}: {e}", s.path.display()), None))?;
    let mut clients: Vec<Addr> = Vec::new();
    for v in &proof.virtuals {
        for c in &v.classes {
            clients.extend(samples(c, opts.samples));
        }
    }
    clients.push(Addr::new(std::net::Ipv4Addr::new(192, 0, 2, 250).into()));
    let lab_opts = LabOptions {
        lb: lb::Settings {
            time_scale: 1.0 / 200.0,
            ..lb::Settings::default()
        },
        clients: clients.clone(),
        carrier_base: opts.carrier_base,
        imap_everywhere: true,
        ..LabOptions::default()
    };
    let mut lab = Lab::start(&s.model, lab_opts).await.map_err(|e| {
        BadInput::message(
            format!("{}: cannot start the lab: {e}", s.path.display()),
            None,
        )
    })?;
    let planned: u64 = proof
        .virtuals
        .iter()
        .flat_map(|v| &v.classes)
        .map(|c| (samples(c, opts.samples).len() * c.paths.len().max(1) * 4) as u64)
        .sum();
    bar.inc_length(planned);
    let mut obs = Vec::new();
    let mut seq = 0usize;
    for v in &proof.virtuals {
        let Some(vip) = vip_of(&lab, &s.model, &v.name) else {
            continue;
        };
        for class in &v.classes {
            for addr in samples(class, opts.samples) {
                let Some(client) = Client::new(&lab, &v.name, vip, addr) else {
                    continue;
                };
                obs.extend(probe_class(&lab, &s.model, &client, class, &mut seq, bar).await);
            }
        }
    }
    let mut faults = Vec::new();
    if opts.battery {
        obs.extend(battery(&lab, &s.model, &proof, &mut seq, bar).await);
    }
    confirm_inbound(&lab, &mut obs).await;
    if opts.faults {
        faults.extend(fault_member_down(&mut lab, &s.model, &proof, &mut seq, &mut obs).await);
        faults.extend(fault_kill_mid_run(&mut lab, &s.model, &proof, &mut seq).await);
    }
    let _ = lab.shutdown().await;
    let agreed = obs.iter().filter(|o| o.agree).count();
    Ok(RunReport {
        scenario: s.model.name.clone(),
        path: s.path.display().to_string(),
        proof_passes: proof.check.passes(),
        observations: obs,
        agreed,
        faults,
    })
}

/// The four probes of one class from one client, on every path.
async fn probe_class(
    lab: &Lab,
    model: &Model,
    c: &Client<'_>,
    class: &verify::Class,
    seq: &mut usize,
    bar: &ProgressBar,
) -> Vec<Observation> {
    let mut out = Vec::new();
    let (client, source, vip) = (c.addr, c.source, c.vip);
    let Some(balancer) = lab.balancer.as_ref() else {
        return out;
    };
    if class.end.is_some() {
        // The prover says the balancer ends the connection: no banner may come back.
        let got = Session::open(source, vip).await;
        bar.inc(4);
        let live = if got.is_some() {
            "banner".to_string()
        } else {
            "ended".to_string()
        };
        let agree = got.is_none();
        let transcript = match got {
            Some((s, _)) => s.quit().await,
            None => Vec::new(),
        };
        out.push(Observation {
            transcript,
            ..Observation::of(
                c,
                "-",
                "connect",
                format!("ended ({:?})", class.end),
                live,
                agree,
            )
        });
        return out;
    }
    for path in &class.paths {
        let (member, seen) = (path.member, path.translated);
        balancer.pin(client, member, Some(seen));
        let ext = &model.intent.external_domain;
        let local = &model.intent.local_recipient;
        let probes: [(&str, VerdictWord, String, Option<bool>); 4] = [
            (
                "anonymous relay",
                path.relay,
                format!("relaytest@{ext}"),
                None,
            ),
            ("inbound", path.local, local.clone(), None),
            (
                "auth relay with TLS",
                path.auth_tls,
                format!("relaytest@{ext}"),
                Some(true),
            ),
            (
                "auth relay without TLS",
                path.auth_plain,
                format!("relaytest@{ext}"),
                Some(false),
            ),
        ];
        for (name, expected, rcpt, auth) in probes {
            *seq += 1;
            let id = format!("run-{seq}@relaylab.invalid");
            let (live, transcript) = session(lab, source, vip, &rcpt, &id, auth).await;
            bar.inc(1);
            let agree = live == expected_word(expected);
            out.push(Observation {
                transcript: if agree { Vec::new() } else { transcript },
                prover_path: (!agree).then(|| path.clone()),
                message_id: Some(id),
                ..Observation::of(
                    c,
                    format!("{} as {}", path.member, path.seen),
                    name,
                    expected.to_string(),
                    live,
                    agree,
                )
            });
        }
        balancer.unpin(&client);
    }
    out
}

/// The carrier a virtual server listens on in the lab.
fn vip_of(lab: &Lab, model: &Model, virtual_name: &str) -> Option<SocketAddrV4> {
    let d = model.config.virtuals.get(virtual_name)?.destination?;
    lab.service(&d.addr, d.port)
}

/// What the live side can see of each prover verdict.
fn expected_word(v: VerdictWord) -> &'static str {
    match v {
        VerdictWord::Relayed => "relayed",
        VerdictWord::Delivered => "delivered",
        VerdictWord::Bounced => "bounced",
        VerdictWord::Rejected => "rejected",
        VerdictWord::Deferred => "deferred",
    }
}

/// One probe session, judged on the final reply and where the message landed.
async fn session(
    lab: &Lab,
    source: std::net::Ipv4Addr,
    vip: std::net::SocketAddrV4,
    rcpt: &str,
    id: &str,
    auth: Option<bool>,
) -> (&'static str, Vec<String>) {
    let Some((mut s, _)) = Session::open(source, vip).await else {
        return ("rejected", vec!["(no banner: the connection ended)".into()]);
    };
    let refused = |r: &Reply| {
        if (400..500).contains(&r.code) {
            "deferred"
        } else {
            "rejected"
        }
    };
    let r = s.cmd("EHLO probe.relaylab.invalid").await;
    if !r.ok() {
        return (refused(&r), s.quit().await);
    }
    if let Some(tls) = auth {
        let mut ehlo = r.text.clone();
        if tls {
            if !r.text.contains("STARTTLS") {
                // Same as the prover: without STARTTLS offered, go on in the clear.
            } else {
                let Ok(config) = lab.pki.client_config() else {
                    return ("rejected", s.quit().await);
                };
                match s.starttls(config, "localhost").await {
                    Ok((tls_session, _)) => s = tls_session,
                    Err(r) => return (refused(&r), vec![r.text]),
                }
                let r = s.cmd("EHLO probe.relaylab.invalid").await;
                if !r.ok() {
                    return (refused(&r), s.quit().await);
                }
                ehlo = r.text;
            }
        }
        // The mechanism the server offers, as the prover's probe picks it.
        let offered = |m: &str| {
            ehlo.split(" / ").any(|l| {
                l.get(4..).is_some_and(|rest| {
                    rest.starts_with("AUTH") && rest.split_whitespace().any(|w| w == m)
                })
            })
        };
        let r = if offered("PLAIN") {
            s.auth_plain(LAB_USER.0, LAB_USER.1).await
        } else if offered("LOGIN") {
            s.auth_login(LAB_USER.0, LAB_USER.1).await
        } else {
            return ("rejected", s.quit().await);
        };
        if !r.ok() {
            return (refused(&r), s.quit().await);
        }
    }
    for cmd in [
        "MAIL FROM:<probe@relaylab.invalid>".to_string(),
        format!("RCPT TO:<{rcpt}>"),
    ] {
        let r = s.cmd(&cmd).await;
        if !r.ok() {
            return (refused(&r), s.quit().await);
        }
    }
    let r = s.data(id).await;
    if !r.ok() {
        return (refused(&r), s.quit().await);
    }
    let transcript = s.quit().await;
    let landed = lab.store.find_by_message_id(id);
    let word = if landed.iter().any(|(l, _)| *l == Location::Relayed) {
        "relayed"
    } else if landed
        .iter()
        .any(|(l, _)| matches!(l, Location::Mailbox(_)))
    {
        "delivered"
    } else if landed.iter().any(|(l, _)| *l == Location::Bounced) {
        "bounced"
    } else {
        // A 250 for a message that is nowhere: the loss the store must never allow.
        "lost"
    };
    (word, transcript)
}

/// Reads every delivered inbound probe back over IMAP: a delivery counts only if the
/// recipient's mailbox really holds it.
async fn confirm_inbound(lab: &Lab, obs: &mut [Observation]) {
    let delivered: Vec<usize> = obs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.probe == "inbound" && o.live == "delivered" && o.message_id.is_some())
        .map(|(i, _)| i)
        .collect();
    if delivered.is_empty() {
        return;
    }
    let headers = imap_message_ids(lab).await;
    for i in delivered {
        let id = obs[i].message_id.clone().unwrap_or_default();
        let seen = match &headers {
            Ok(h) => h.iter().any(|line| line.contains(&id)),
            Err(_) => false,
        };
        if !seen {
            obs[i].live = match &headers {
                Ok(_) => "delivered, but not in the mailbox over IMAP".into(),
                Err(e) => format!("delivered, but IMAP failed: {e}"),
            };
            obs[i].agree = false;
        }
    }
}

async fn imap_message_ids(lab: &Lab) -> Result<BTreeSet<String>, String> {
    let member = lab
        .members
        .iter()
        .find(|m| m.imap.is_some())
        .ok_or("no IMAP server")?;
    let imap = member.imap.as_ref().ok_or("no IMAP server")?;
    let addr = imap.carrier_for_port(993).ok_or("IMAPS not bound")?;
    let run = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let config = lab.pki.client_config().map_err(|e| e.to_string())?;
        let name =
            rustls::pki_types::ServerName::try_from("localhost").map_err(|e| e.to_string())?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let mut client = async_imap::Client::new(stream);
        client.read_response().await.map_err(|e| e.to_string())?;
        let mut session = client
            .login(PROBE_USER.0, PROBE_USER.1)
            .await
            .map_err(|(e, _)| e.to_string())?;
        session.select("INBOX").await.map_err(|e| e.to_string())?;
        let fetched: Vec<_> = session
            .fetch("1:*", "BODY[]")
            .await
            .map_err(|e| e.to_string())?
            .try_collect()
            .await
            .map_err(|e| e.to_string())?;
        let ids = fetched
            .iter()
            .filter_map(|f| {
                f.body().map(|b| {
                    String::from_utf8_lossy(b)
                        .lines()
                        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                        .unwrap_or_default()
                        .to_string()
                })
            })
            .collect();
        let _ = session.logout().await;
        Ok::<_, String>(ids)
    };
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .map_err(|_| "IMAP timed out".to_string())?
}

/// nmap's 16 pairs (RCPT judged, then DATA judged) and the smuggling variants, on every
/// path the proof found, from a client whose class takes that path.
async fn battery(
    lab: &Lab,
    model: &Model,
    proof: &Proof,
    seq: &mut usize,
    bar: &ProgressBar,
) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut done: BTreeSet<(bigip::Endpoint, Addr)> = BTreeSet::new();
    let Some(balancer) = lab.balancer.as_ref() else {
        return out;
    };
    for v in &proof.virtuals {
        let Some(vip) = vip_of(lab, model, &v.name) else {
            continue;
        };
        for class in v
            .classes
            .iter()
            .filter(|c| c.end.is_none() && c.label == verify::Label::Proved)
        {
            let addr = class.representative;
            let Some(client) = Client::new(lab, &v.name, vip, addr) else {
                continue;
            };
            for path in &class.paths {
                if !done.insert((path.member, path.seen)) {
                    continue;
                }
                let (member, seen_full) = (path.member, path.translated);
                let Some(server) = model.server_for(&member.addr) else {
                    continue;
                };
                balancer.pin(addr, member, Some(seen_full));
                let route = Route {
                    member,
                    seen: Addr {
                        route_domain: 0,
                        ..seen_full
                    },
                    tag: format!("{} as {}", path.member, path.seen),
                };
                out.extend(nmap_battery(lab, model, server, &client, &route, seq).await);
                out.extend(smuggling_battery(lab, model, &client, &route.tag, seq).await);
                bar.inc(2);
                balancer.unpin(&addr);
            }
        }
    }
    out
}

/// One path as the battery walks it: the member, the address its server sees (without
/// route domain), and how reports name it.
struct Route {
    member: bigip::Endpoint,
    seen: Addr,
    tag: String,
}

/// What the policy predicts for one MAIL/RCPT pair: RCPT's code and whether taking it
/// means relaying.
fn predict(
    server: &Server,
    member: Addr,
    port: u16,
    seen: Addr,
    from: &str,
    rcpt: &str,
) -> (u16, bool) {
    let member = Addr {
        route_domain: 0,
        ..member
    };
    let state = SessionState::new(PolicyEndpoint::new(member, port), seen);
    let _ = server.decide(&state, &Step::Connect);
    let _ = server.decide(&state, &Step::Ehlo("probe.relaylab.invalid"));
    let mail = server.decide(
        &state,
        &Step::Mail {
            path: from,
            size: None,
        },
    );
    if !mail.reply.is_positive() {
        return (mail.reply.code, false);
    }
    let r = server.decide(&state, &Step::Rcpt(rcpt));
    let relay = matches!(
        r.effect,
        relaypolicy::session::Effect::Recipient { relay: true, .. }
    );
    (r.reply.code, relay && r.reply.is_positive())
}

async fn nmap_battery(
    lab: &Lab,
    model: &Model,
    server: &Server,
    c: &Client<'_>,
    route: &Route,
    seq: &mut usize,
) -> Vec<Observation> {
    let mut out = Vec::new();
    let (source, vip, member, port, seen) = (
        c.source,
        c.vip,
        route.member.addr,
        route.member.port,
        route.seen,
    );
    let srv = format!("{}.lab.invalid", server.name().to_ascii_lowercase());
    let dom = model
        .intent
        .local_recipient
        .rsplit('@')
        .next()
        .unwrap_or("lab.invalid");
    let pairs = relaypolicy::probes::nmap_pairs(
        &srv,
        &Addr {
            route_domain: 0,
            ..member
        }
        .to_string(),
        &model.intent.external_domain,
        dom,
    );
    let Some((mut s, _)) = Session::open(source, vip).await else {
        return out;
    };
    let _ = s.cmd("EHLO probe.relaylab.invalid").await;
    for (from, rcpt) in pairs {
        *seq += 1;
        let (code, relays) = predict(server, member, port, seen, &from, &rcpt);
        let mail = s.cmd(&format!("MAIL FROM:{from}")).await;
        let got = if mail.ok() {
            s.cmd(&format!("RCPT TO:{rcpt}")).await
        } else {
            mail
        };
        // RCPT judged: the same code as the policy predicts.
        let rcpt_agree = got.code == code;
        let mut live = format!("RCPT {}", got.code);
        let mut agree = rcpt_agree;
        if got.ok() {
            // DATA judged: relayed only if the policy's RCPT effect said relay.
            let id = format!("nmap-{seq}@relaylab.invalid");
            let r = s.data(&id).await;
            let landed = lab.store.find_by_message_id(&id);
            let relayed = landed.iter().any(|(l, _)| *l == Location::Relayed);
            live = format!(
                "{live}, DATA {} ({})",
                r.code,
                if relayed {
                    "relayed"
                } else if landed.is_empty() {
                    "not kept"
                } else {
                    "not relayed"
                }
            );
            agree &= relayed == relays;
        }
        let _ = s.cmd("RSET").await;
        let expected = format!("RCPT {code}{}", if relays { ", relayed" } else { "" });
        out.push(Observation::of(
            c,
            route.tag.as_str(),
            format!("nmap MAIL FROM:{from} RCPT TO:{rcpt}"),
            expected,
            live,
            agree,
        ));
    }
    let _ = s.quit().await;
    out
}

async fn smuggling_battery(
    lab: &Lab,
    model: &Model,
    c: &Client<'_>,
    tag: &str,
    seq: &mut usize,
) -> Vec<Observation> {
    let mut out = Vec::new();
    let (source, vip) = (c.source, c.vip);
    for (i, eod) in relaypolicy::probes::SMUGGLING_END_OF_DATA
        .iter()
        .enumerate()
    {
        *seq += 1;
        let outer = format!("smuggle-outer-{seq}@relaylab.invalid");
        let inner = format!("smuggle-inner-{seq}@relaylab.invalid");
        let Some((mut s, _)) = Session::open(source, vip).await else {
            continue;
        };
        let _ = s.cmd("EHLO probe.relaylab.invalid").await;
        let _ = s.cmd("MAIL FROM:<probe@relaylab.invalid>").await;
        let rcpt = s
            .cmd(&format!("RCPT TO:<{}>", model.intent.local_recipient))
            .await;
        let data = if rcpt.ok() {
            s.cmd("DATA").await
        } else {
            rcpt.clone()
        };
        if data.code != 354 {
            let _ = s.quit().await;
            continue;
        }
        let mut body =
            format!("Message-ID: <{outer}>\r\nSubject: smuggling probe\r\n\r\nouter").into_bytes();
        body.extend_from_slice(eod);
        body.extend_from_slice(
            format!(
                "MAIL FROM:<ceo@relaylab.invalid>\r\nRCPT TO:<smuggled@{}>\r\nDATA\r\nMessage-ID: <{inner}>\r\n\r\nsmuggled\r\n.\r\n",
                model.intent.external_domain
            )
            .as_bytes(),
        );
        let _ = s.raw(&body, "(smuggling body)").await;
        let transcript = s.quit().await;
        // However the server ended the first message, the smuggled one must not exist.
        let inner_count = lab.store.accepted_count(&inner);
        let outer_count = lab.store.accepted_count(&outer);
        let agree = inner_count == 0 && outer_count <= 1;
        let probe = format!(
            "smuggling variant {} ({:?})",
            i + 1,
            String::from_utf8_lossy(eod)
        );
        let live = format!("outer kept {outer_count}x, smuggled kept {inner_count}x");
        out.push(Observation {
            transcript: if agree { Vec::new() } else { transcript },
            ..Observation::of(
                c,
                tag,
                probe,
                "at most one message, nothing smuggled",
                live,
                agree,
            )
        });
    }
    out
}

/// A member stopped before probing: once the monitor marks it down, every class's relay
/// verdict through the remaining members still matches the prover.
async fn fault_member_down(
    lab: &mut Lab,
    model: &Model,
    proof: &Proof,
    seq: &mut usize,
    obs: &mut Vec<Observation>,
) -> Option<Fault> {
    if lab.members.len() < 2 {
        return None;
    }
    let victim = lab.members.last()?.member;
    let monitored = model
        .config
        .pools
        .values()
        .any(|p| !p.monitors.is_empty() && p.members.iter().any(|m| m.endpoint.addr == victim));
    if !monitored {
        return Some(Fault {
            what: format!("member {victim} down"),
            held: true,
            detail: "skipped: its pool has no monitor, so BIG-IP would not notice either".into(),
        });
    }
    lab.stop_member(&victim).await.ok()?;
    let port = model
        .config
        .pools
        .values()
        .flat_map(|p| &p.members)
        .find(|m| m.endpoint.addr == victim)
        .map_or(25, |m| m.endpoint.port);
    let ep = bigip::Endpoint { addr: victim, port };
    let balancer = lab.balancer.as_ref()?;
    let started = std::time::Instant::now();
    while balancer.member_up(ep) {
        if started.elapsed() > Duration::from_secs(20) {
            return Some(Fault {
                what: format!("member {victim} down"),
                held: false,
                detail: "the monitor never marked it down".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let marked = started.elapsed();
    let mut checked = 0;
    let mut held = true;
    for v in &proof.virtuals {
        let Some(vip) = vip_of(lab, model, &v.name) else {
            continue;
        };
        for class in v.classes.iter().filter(|c| c.end.is_none()) {
            let remaining: Vec<&PathVerdict> = class
                .paths
                .iter()
                .filter(|p| p.member.addr != victim)
                .collect();
            let Some(expected) = remaining.first().map(|p| p.relay) else {
                continue;
            };
            if remaining.iter().any(|p| p.relay != expected) {
                continue; // Several verdicts remain possible: the class says which is open.
            }
            let client = class.representative;
            let Some(source) = lab.carrier(&client) else {
                continue;
            };
            *seq += 1;
            let id = format!("down-{seq}@relaylab.invalid");
            let (live, transcript) = session(
                lab,
                source,
                vip,
                &format!("relaytest@{}", model.intent.external_domain),
                &id,
                None,
            )
            .await;
            let agree = live == expected_word(expected);
            held &= agree;
            checked += 1;
            obs.push(Observation {
                virtual_name: v.name.clone(),
                client: client.to_string(),
                path: format!("any member but {victim}"),
                probe: "anonymous relay, member down".into(),
                expected: expected.to_string(),
                live: live.into(),
                agree,
                transcript: if agree { Vec::new() } else { transcript },
                prover_path: None,
                message_id: Some(id),
            });
        }
    }
    Some(Fault {
        what: format!("member {victim} down before probing"),
        held,
        detail: format!(
            "marked down after {:.2} s (time-scaled monitor); {checked} classes probed on the remaining members",
            marked.as_secs_f64()
        ),
    })
}

/// Messages in flight while a member is killed: every one acknowledged with 250 is found
/// exactly once; the rest saw an error.
async fn fault_kill_mid_run(
    lab: &mut Lab,
    model: &Model,
    proof: &Proof,
    seq: &mut usize,
) -> Option<Fault> {
    if lab.members.len() < 2 {
        return None;
    }
    let v = proof.virtuals.first()?;
    let class = v
        .classes
        .iter()
        .find(|c| c.end.is_none() && c.paths.iter().all(|p| p.local == VerdictWord::Delivered))?;
    let client = class.representative;
    let source = lab.carrier(&client)?;
    let vip = vip_of(lab, model, &v.name)?;
    let victim = lab.members.iter().rev().find(|m| m.smtp.is_some())?.member;
    let rcpt = model.intent.local_recipient.clone();
    let mut sends = tokio::task::JoinSet::new();
    let total = 40;
    for i in 0..total {
        *seq += 1;
        let id = format!("kill-{seq}@relaylab.invalid");
        let rcpt = rcpt.clone();
        sends.spawn(async move {
            // Spread the sessions over the kill.
            tokio::time::sleep(Duration::from_millis(5 * i)).await;
            let Some((mut s, _)) = Session::open(source, vip).await else {
                return (id, false);
            };
            let _ = s.cmd("EHLO probe.relaylab.invalid").await;
            let m = s.cmd("MAIL FROM:<probe@relaylab.invalid>").await;
            let r = if m.ok() {
                s.cmd(&format!("RCPT TO:<{rcpt}>")).await
            } else {
                m
            };
            let acked = r.ok() && s.data(&id).await.code == 250;
            let _ = s.quit().await;
            (id, acked)
        });
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    lab.stop_member(&victim).await.ok()?;
    let mut acked = Vec::new();
    let mut failed = 0;
    while let Some(r) = sends.join_next().await {
        match r {
            Ok((id, true)) => acked.push(id),
            _ => failed += 1,
        }
    }
    let wrong: Vec<String> = acked
        .iter()
        .filter(|id| lab.store.accepted_count(id) != 1)
        .cloned()
        .collect();
    Some(Fault {
        what: format!("member {victim} killed mid-run"),
        held: wrong.is_empty(),
        detail: format!(
            "{total} messages sent, {} acknowledged with 250 and each found exactly once{}, {failed} refused or cut off (the client saw an error)",
            acked.len(),
            if wrong.is_empty() {
                String::new()
            } else {
                format!(" EXCEPT {wrong:?}")
            }
        ),
    })
}

fn render_text(r: &RunReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let total = r.observations.len();
    let pct = if total == 0 {
        100.0
    } else {
        100.0 * r.agreed as f64 / total as f64
    };
    let _ = writeln!(o, "== {}  ({})", r.scenario, r.path);
    let _ = writeln!(
        o,
        "proof: {}",
        if r.proof_passes {
            "passes"
        } else {
            "FAILS (see relaylab check)"
        }
    );
    let _ = writeln!(
        o,
        "agreement: {}/{total} observations ({pct:.1}%)",
        r.agreed
    );
    for d in r.observations.iter().filter(|o| !o.agree) {
        let _ = writeln!(
            o,
            "  ✗ DISAGREEMENT {} from {} via {}: prover says {}, live says {}",
            d.probe, d.client, d.path, d.expected, d.live
        );
        if let Some(p) = &d.prover_path {
            let _ = writeln!(
                o,
                "      prover: {} -> {} ({}) sees {} -> {}: {}",
                p.snat, p.member, p.server, p.seen, p.connector, p.relay_reply
            );
        }
        for t in &d.transcript {
            let _ = writeln!(o, "      live:   {t}");
        }
    }
    for f in &r.faults {
        let _ = writeln!(
            o,
            "fault: {} -> {} ({})",
            f.what,
            if f.held { "held" } else { "FAILED" },
            f.detail
        );
    }
    let _ = writeln!(o, "result: {}", if r.passes() { "PASS" } else { "FAIL" });
    o
}

fn junit(reports: &[RunReport]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("relaylab run");
    for r in reports {
        let mut suite = TestSuite::new(r.scenario.clone());
        for o in &r.observations {
            let status = if o.agree {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!("prover says {}, live says {}", o.expected, o.live));
                s
            };
            suite.add_test_case(TestCase::new(
                format!(
                    "{} {} from {} via {}",
                    o.virtual_name, o.probe, o.client, o.path
                ),
                status,
            ));
        }
        for f in &r.faults {
            let status = if f.held {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.detail.clone());
                s
            };
            suite.add_test_case(TestCase::new(f.what.clone(), status));
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->"))
}
