//! `relaylab run`: prove, then confirm the proof on the wire. The pure crate `confirm`
//! plans the trials (every class's representative and boundary clients, from a source
//! port the class holds, on every path the prover found) and judges what the wire showed;
//! this module only wires them to the lab: carriers, source ports, balancer pins,
//! sessions driven by the shared client dialogue, IMAP read-back, faults, and reports.

use std::collections::BTreeSet;
use std::net::SocketAddrV4;
use std::path::Path;
use std::time::Duration;

use addrspace::Addr;
use confirm::{
    Landing, NotRun, Observation, ProbeKind, Readback, Route, SourcePort, Tally, Transcript, Trial,
};
use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use mailserver::store::Location;
use relaypolicy::dialogue::{Command, Dialogue, Ending, Mechanism, Next, Script, Stage};
use relaypolicy::policy::Server;
use serde::Serialize;
use verify::{Model, Proof};

use crate::cli::ReportFormat;
use crate::lab::{LAB_USER, Lab, LabOptions, PROBE_USER};
use crate::probe::{Reply, Session};
use crate::scenario::{self, Scenario};
use crate::{BadInput, Outcome};

/// How a run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Clients per class beyond the representative (its boundary clients).
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
    /// Test only: trials to add to each scenario's plan, as they are (a trial the model
    /// cannot predict shows that it counts as a disagreement).
    pub extra_trials: Vec<Trial>,
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
            extra_trials: Vec::new(),
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
    /// Trials planned, run and judged, and agreeing.
    pub tally: Tally,
    /// One observation per planned trial.
    pub observations: Vec<Observation>,
    /// The fault phase.
    pub faults: Vec<Fault>,
    /// The proof the run confirmed (for SARIF's located violations).
    #[serde(skip)]
    pub proof: Option<verify::Proof>,
}

impl RunReport {
    /// Whether the run passes: the proof passes, every planned trial was observed and
    /// agrees, every fault check held.
    pub fn passes(&self) -> bool {
        self.proof_passes
            && self.tally.agreed == self.tally.planned
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
        ReportFormat::Sarif => crate::sarif::run(&reports),
    };
    outln!("{text}");
    let all = reports.iter().fold(Tally::default(), |t, r| t + r.tally);
    if format == ReportFormat::Text {
        outln!(
            "{} of {} scenarios pass; planned {}, observed {}, agreement {}/{} ({:.1}%)",
            reports.iter().filter(|r| r.passes()).count(),
            reports.len(),
            all.planned,
            all.observed,
            all.agreed,
            all.planned,
            all.percent()
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
        .map_err(|e| {
            BadInput::environment(
                format!("cannot start the runtime: {e}"),
                "the system refused threads or an event loop; check ulimits",
            )
        })?;
    let bar = if show_bar {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} trials ({elapsed})")
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

async fn run_scenario(
    s: &Scenario,
    opts: &RunOptions,
    bar: &ProgressBar,
) -> Result<RunReport, BadInput> {
    let prover = prover_model(&s.model, opts.flip_prover_connector.as_deref());
    let proof = verify::prove(&prover)
        .map_err(|e| BadInput::message(format!("{}: {e}", s.path.display()), None))?;
    let confirm_opts = confirm::Options {
        samples: opts.samples,
        battery: opts.battery,
    };
    let mut trials = confirm::plan(&proof, &prover, &confirm_opts, 1);
    trials.extend(opts.extra_trials.iter().cloned());
    let mut clients: Vec<Addr> = trials.iter().map(|t| t.client.addr).collect();
    clients.sort();
    clients.dedup();
    let lab_opts = LabOptions {
        lb: lb::Settings {
            time_scale: 1.0 / 200.0,
            ..lb::Settings::default()
        },
        clients,
        carrier_base: opts.carrier_base,
        imap_everywhere: true,
        ..LabOptions::default()
    };
    let mut lab = Lab::start(&s.model, lab_opts)
        .await
        .map_err(|e| e.to_bad_input(&s.path))?;
    bar.inc_length(trials.len() as u64);
    let mut ran = Vec::new();
    for t in &trials {
        ran.push(run_trial(&lab, &s.model, t).await);
        bar.inc(1);
    }
    read_back(&lab, &trials, &mut ran).await;
    let mut obs: Vec<Observation> = trials.iter().zip(ran).map(judged).collect();
    let mut faults = Vec::new();
    if opts.faults {
        let next = trials.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        faults.extend(fault_member_down(&mut lab, &s.model, &proof, next, &mut obs).await);
        faults.extend(fault_kill_mid_run(&mut lab, &s.model, &proof).await);
    }
    let _ = lab.shutdown().await;
    Ok(RunReport {
        scenario: s.model.name.clone(),
        path: s.path.display().to_string(),
        proof_passes: proof.check.passes(),
        tally: Tally::of(&obs),
        observations: obs,
        faults,
        proof: Some(proof),
    })
}

/// What running a trial gave: the transcript and the source port chosen, or why it
/// could not run.
type Ran = Result<(Transcript, Option<u16>), NotRun>;

fn judged((trial, ran): (&Trial, Ran)) -> Observation {
    match ran {
        Ok((t, port)) => confirm::judge(trial, &t, port),
        Err(why) => confirm::not_run(trial, why),
    }
}

/// The carrier a virtual server listens on in the lab.
fn vip_of(lab: &Lab, model: &Model, virtual_name: &str) -> Option<SocketAddrV4> {
    let d = model.config.virtuals.get(virtual_name)?.destination?;
    lab.service(&d.addr, d.port)
}

/// Binding attempts per trial: enough to step past ports still in TIME_WAIT.
const BIND_ATTEMPTS: usize = 8;

/// Runs one trial: bind the client's carrier and a source port the class holds, pin the
/// balancer to the trial's path (refused unless the decision allows it), then the probe.
async fn run_trial(lab: &Lab, model: &Model, trial: &Trial) -> Ran {
    let vip = vip_of(lab, model, &trial.virtual_name).ok_or(NotRun::NoVipCarrier)?;
    let source = lab
        .carrier(&trial.client.addr)
        .ok_or(NotRun::NoClientCarrier)?;
    let balancer = lab.balancer.as_ref().ok_or(NotRun::NoBalancer)?;
    let candidates = trial.source_port.candidates(trial.id, BIND_ATTEMPTS);
    if matches!(trial.source_port, SourcePort::Within(_)) && candidates.is_empty() {
        return Err(NotRun::NoSourcePort { tried: Vec::new() });
    }
    let mut tried = Vec::new();
    for attempt in 0..BIND_ATTEMPTS {
        let want = if candidates.is_empty() {
            0
        } else {
            candidates[attempt % candidates.len()]
        };
        if attempt >= candidates.len().max(1) {
            // Every candidate tried once: give TIME_WAIT a moment before the next round.
            tokio::time::sleep(Duration::from_millis(100 * attempt as u64)).await;
        }
        let Ok(bound) = crate::probe::bind(source, want) else {
            tried.push(want);
            continue;
        };
        let port = bound.port;
        if let Route::Pinned { path } = &trial.route
            && balancer
                .pin(
                    &trial.virtual_name,
                    trial.client.addr,
                    port,
                    path.member,
                    path.translated,
                )
                .is_err()
        {
            return Err(NotRun::PinRefused);
        }
        let opened = Session::connect(bound, vip).await;
        let result = match opened {
            Err(_) => {
                balancer.unpin(&trial.client.addr);
                tried.push(port);
                continue;
            }
            Ok(session) => probe(lab, model, trial, session).await,
        };
        balancer.unpin(&trial.client.addr);
        let chosen = (want != 0).then_some(port);
        return Ok((result, chosen));
    }
    Err(NotRun::NoSourcePort { tried })
}

/// Runs the trial's probe on an opened connection.
async fn probe(
    lab: &Lab,
    model: &Model,
    trial: &Trial,
    opened: Option<(Session, Reply)>,
) -> Transcript {
    let Some((session, banner)) = opened else {
        return Transcript {
            lines: vec!["(no banner: the connection ended)".into()],
            ..Transcript::default()
        };
    };
    let tls = lab.pki.client_config().ok();
    let id = trial.message_id().unwrap_or_default();
    match &trial.probe {
        ProbeKind::Connect => Transcript {
            banner: Some(banner.code),
            lines: session.quit().await,
            ..Transcript::default()
        },
        ProbeKind::Session { script, .. } | ProbeKind::Nmap { script } => {
            let mut t = converse(session, &banner, script, tls, Payload::Probe(&id)).await;
            t.landed = landing(lab, &id);
            t
        }
        ProbeKind::Smuggling { variant } => {
            let inner = trial.smuggled_id().unwrap_or_default();
            let script = Script::anonymous(format!("<{}>", model.intent.local_recipient));
            let payload = Payload::Smuggling {
                outer: &id,
                inner: &inner,
                variant: *variant,
                external_domain: &model.intent.external_domain,
            };
            let mut t = converse(session, &banner, &script, tls, payload).await;
            if t.replies.contains(&(Stage::Data, 354)) {
                // However the server ended the first message, the smuggled one must not exist.
                t.smuggled = Some((
                    lab.store.accepted_count(&id),
                    lab.store.accepted_count(&inner),
                ));
            }
            t
        }
    }
}

/// What the client sends after DATA.
enum Payload<'a> {
    /// A small message with this Message-ID.
    Probe(&'a str),
    /// A message whose body ends with a smuggling variant and a second message after it.
    Smuggling {
        outer: &'a str,
        inner: &'a str,
        variant: usize,
        external_domain: &'a str,
    },
}

/// Drives the shared client dialogue over a live session, from its banner.
async fn converse(
    mut s: Session,
    banner: &Reply,
    script: &Script,
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    payload: Payload<'_>,
) -> Transcript {
    let mut d = Dialogue::new(script.clone());
    let mut t = Transcript {
        banner: Some(banner.code),
        ..Transcript::default()
    };
    let mut reply = banner.clone();
    // The dialogue ends after at most eight replies; the bound only guards the loop.
    for _ in 0..16 {
        t.replies.push((d.waiting_for(), reply.code));
        let command = match d.next(reply.code, &reply.lines) {
            Next::Send(c) => c,
            Next::Done(e) => {
                t.ending = Some(e);
                break;
            }
        };
        reply = match &command {
            Command::StartTls => {
                let Some(config) = tls.clone() else {
                    t.ending = Some(Ending::Refused {
                        at: Stage::StartTls,
                        code: 0,
                    });
                    break;
                };
                match s.starttls(config, "localhost").await {
                    Ok((tls_session, r)) => {
                        s = tls_session;
                        r
                    }
                    Err((r, lines)) => {
                        t.replies.push((Stage::StartTls, r.code));
                        t.ending = Some(Ending::Refused {
                            at: Stage::StartTls,
                            code: r.code,
                        });
                        t.lines = lines;
                        return t;
                    }
                }
            }
            Command::Auth(Mechanism::Plain) => s.auth_plain(LAB_USER.0, LAB_USER.1).await,
            Command::Auth(Mechanism::Login) => s.auth_login(LAB_USER.0, LAB_USER.1).await,
            Command::Data => match &payload {
                Payload::Probe(id) => s.data(id).await,
                Payload::Smuggling {
                    outer,
                    inner,
                    variant,
                    external_domain,
                } => {
                    let r = s.cmd("DATA").await;
                    if r.code != 354 {
                        r
                    } else {
                        t.replies.push((Stage::Data, 354));
                        let eod = relaypolicy::probes::SMUGGLING_END_OF_DATA
                            .get(*variant)
                            .copied()
                            .unwrap_or(b"\r\n.\r\n");
                        let mut body = format!(
                            "Message-ID: <{outer}>\r\nSubject: smuggling probe\r\n\r\nouter"
                        )
                        .into_bytes();
                        body.extend_from_slice(eod);
                        body.extend_from_slice(
                            format!(
                                "MAIL FROM:<ceo@relaylab.invalid>\r\nRCPT TO:<smuggled@{external_domain}>\r\nDATA\r\nMessage-ID: <{inner}>\r\n\r\nsmuggled\r\n.\r\n"
                            )
                            .as_bytes(),
                        );
                        s.raw(&body, "(smuggling body)").await
                    }
                }
            },
            Command::Ehlo | Command::Mail(_) | Command::Rcpt(_) => {
                s.cmd(&command.to_string()).await
            }
        };
    }
    t.lines = s.quit().await;
    t
}

/// Where the store holds a message.
fn landing(lab: &Lab, id: &str) -> Landing {
    let mut l = Landing::default();
    for (at, _) in lab.store.find_by_message_id(id) {
        match at {
            Location::Relayed => l.relayed += 1,
            Location::Mailbox(_) => l.mailbox += 1,
            Location::Bounced => l.bounced += 1,
        }
    }
    l
}

/// Reads every delivered inbound trial's message back over IMAP: a delivery counts only if
/// the recipient's mailbox really holds it.
async fn read_back(lab: &Lab, trials: &[Trial], ran: &mut [Ran]) {
    let wanted: Vec<usize> = trials
        .iter()
        .zip(ran.iter())
        .enumerate()
        .filter(|(_, (t, r))| {
            t.reads_back() && r.as_ref().is_ok_and(|(tr, _)| tr.landed.mailbox > 0)
        })
        .map(|(i, _)| i)
        .collect();
    if wanted.is_empty() {
        return;
    }
    let headers = imap_message_ids(lab).await;
    for i in wanted {
        let id = trials[i].message_id().unwrap_or_default();
        if let Ok((t, _)) = &mut ran[i] {
            t.readback = match &headers {
                Ok(h) if h.iter().any(|line| line.contains(&id)) => Readback::Found,
                Ok(_) => Readback::Missing,
                Err(e) => Readback::Failed(e.clone()),
            };
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

/// A member stopped before probing: once the monitor marks it down, every class whose
/// remaining paths agree on the relay verdict is asked again, balanced normally.
async fn fault_member_down(
    lab: &mut Lab,
    model: &Model,
    proof: &Proof,
    first_id: usize,
    obs: &mut Vec<Observation>,
) -> Option<Fault> {
    if lab.members.len() < 2 {
        return None;
    }
    let victim = lab.members.last()?.member;
    if !confirm::member_down_noticed(model, &victim) {
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
    let trials = confirm::plan_member_down(proof, model, victim, first_id);
    let mut held = true;
    for t in &trials {
        let o = judged((t, run_trial(lab, model, t).await));
        held &= o.agree;
        obs.push(o);
    }
    Some(Fault {
        what: format!("member {victim} down before probing"),
        held,
        detail: format!(
            "marked down after {:.2} s (time-scaled monitor); {} classes probed on the remaining members",
            marked.as_secs_f64(),
            trials.len()
        ),
    })
}

/// Messages in flight while a member is killed: every one acknowledged with 250 is found
/// exactly once; the rest saw an error.
async fn fault_kill_mid_run(lab: &mut Lab, model: &Model, proof: &Proof) -> Option<Fault> {
    if lab.members.len() < 2 {
        return None;
    }
    let plan = confirm::plan_kill(proof, model)?;
    let source = lab.carrier(&plan.client.addr)?;
    let vip = vip_of(lab, model, &plan.virtual_name)?;
    let victim = lab.members.iter().rev().find(|m| m.smtp.is_some())?.member;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..plan.messages {
        let id = format!("kill-{i}@relaylab.invalid");
        let script = plan.script.clone();
        sends.spawn(async move {
            // Spread the sessions over the kill.
            tokio::time::sleep(Duration::from_millis(5 * i as u64)).await;
            let Some((s, banner)) = Session::open(source, vip).await else {
                return (id, false);
            };
            let t = converse(s, &banner, &script, None, Payload::Probe(&id)).await;
            (id, t.ending == Some(Ending::Sent))
        });
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    lab.stop_member(&victim).await.ok()?;
    let mut sent = Vec::new();
    while let Some(r) = sends.join_next().await {
        // A task that panicked is a message whose fate is unknown: not acknowledged.
        let (id, acked) = r.unwrap_or_default();
        let copies = lab.store.accepted_count(&id);
        sent.push((id, acked, copies));
    }
    let f = confirm::KillFinding::judge(&sent);
    Some(Fault {
        what: format!("member {victim} killed mid-run"),
        held: f.held(),
        detail: format!(
            "{} messages sent, {} acknowledged with 250 and each found exactly once{}, {} refused or cut off (the client saw an error)",
            f.sent,
            f.acknowledged,
            if f.wrong.is_empty() {
                String::new()
            } else {
                format!(" EXCEPT {:?}", f.wrong)
            },
            f.sent - f.acknowledged
        ),
    })
}

/// The client as the report shows it: the address, and the source port when the class
/// depends on it.
fn client_text(o: &Observation) -> String {
    match (&o.trial.source_port, o.source_port) {
        (SourcePort::Any, _) => o.trial.client.addr.to_string(),
        (SourcePort::Within(_), Some(p)) => format!("{} from source port {p}", o.trial.client.addr),
        (SourcePort::Within(ports), None) => {
            format!("{} from a source port in {ports}", o.trial.client.addr)
        }
    }
}

fn render_text(r: &RunReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let t = r.tally;
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
        "trials: {} planned, {} observed; agreement {}/{} ({:.1}%)",
        t.planned,
        t.observed,
        t.agreed,
        t.planned,
        t.percent()
    );
    for d in r.observations.iter().filter(|o| !o.agree) {
        let _ = writeln!(
            o,
            "  ✗ DISAGREEMENT {} from {} via {}: prover says {}, live says {} ({})",
            d.trial.probe,
            client_text(d),
            d.trial.route,
            d.trial.predicted,
            d.live,
            d.reason
        );
        if let Some(p) = d.trial.route.path() {
            let _ = writeln!(
                o,
                "      prover: {} -> {} ({}) sees {} -> {}: {}",
                p.snat, p.member, p.server, p.seen, p.connector, p.relay_reply
            );
        }
        for line in &d.transcript {
            let _ = writeln!(o, "      live:   {line}");
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
        suite.add_property(quick_junit::Property::new(
            "planned",
            r.tally.planned.to_string(),
        ));
        suite.add_property(quick_junit::Property::new(
            "observed",
            r.tally.observed.to_string(),
        ));
        for o in &r.observations {
            let status = if o.agree {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!(
                    "prover says {}, live says {} ({})",
                    o.trial.predicted, o.live, o.reason
                ));
                s
            };
            suite.add_test_case(TestCase::new(
                format!(
                    "{} {} from {} via {}",
                    o.trial.virtual_name,
                    o.trial.probe,
                    client_text(o),
                    o.trial.route
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
