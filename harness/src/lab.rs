//! The live lab of a scenario: the address plan, one mock mail server (SMTP, and IMAP
//! where a pool serves 143/993) per pool member over one message store, and the SNAT
//! balancer in front, all on loopback carriers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use addrspace::Addr;
use mailserver::imap::{ImapServer, ImapServerConfig, add_imap_to_plan};
use mailserver::policy::Policy;
use mailserver::protolog::ProtocolLog;
use mailserver::server::{SmtpServer, SmtpServerConfig, add_to_plan};
use mailserver::store::Store;
use mailserver::tls::Pki;
use mailserver::users::Users;
use verify::Model;

/// The account every lab server accepts for AUTH and IMAP login.
pub const LAB_USER: (&str, &str) = ("alice", "secret");

/// How to build a lab.
#[derive(Debug, Clone, Default)]
pub struct LabOptions {
    /// Where protocol logs and the lab CA go (None: in memory only).
    pub out: Option<PathBuf>,
    /// Balancer settings (time scale for monitors and persistence, SNAT ports).
    pub lb: lb::Settings,
    /// Client addresses to give carriers besides those the scenario names.
    pub clients: Vec<Addr>,
    /// The first carrier address. None: a free block `127.X.0.1` is picked (see
    /// [`Lab::start`]), so labs running side by side never share carriers.
    pub carrier_base: Option<std::net::Ipv4Addr>,
    /// Start IMAP (143 and 993) on every member, not only where a pool serves IMAP, so a
    /// live run can read back what was delivered.
    pub imap_everywhere: bool,
    /// Connection and idle limits of every mock server (see docs/lab-limits.md).
    pub server_limits: mailserver::server::Limits,
}

/// The account whose mailbox is the intent's local recipient, for reading probes back.
pub const PROBE_USER: (&str, &str) = ("probe", "probe");

/// Why a lab cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// The address plan ran out of carriers or ports.
    #[error("address plan: {0}")]
    Plan(#[from] wire::PlanError),
    /// A mail server could not start.
    #[error("mail server: {0}")]
    Server(#[from] mailserver::server::ServerError),
    /// The balancer could not start.
    #[error("balancer: {0}")]
    Balancer(#[from] lb::LbError),
    /// Certificates could not be made.
    #[error("certificates: {0}")]
    Tls(#[from] mailserver::tls::TlsError),
    /// A protocol log could not be opened, or the output folder made.
    #[error("{0}")]
    Io(String),
    /// The proof that lists every reachable SNAT address failed.
    #[error("{0}")]
    Prove(#[from] verify::ProveError),
    /// No carrier block was free.
    #[error("no free carrier block after trying {tried:?} (the last: {last})")]
    NoFreeBlock {
        /// The bases tried.
        tried: Vec<std::net::Ipv4Addr>,
        /// The last block's error.
        last: Box<LabError>,
    },
}

impl LabError {
    /// Whether a carrier address and port were already taken (by another lab, say).
    pub fn in_use(&self) -> bool {
        let taken = |e: &std::io::Error| e.kind() == std::io::ErrorKind::AddrInUse;
        match self {
            LabError::Server(mailserver::server::ServerError::Bind { source, .. }) => taken(source),
            LabError::Balancer(lb::LbError::Bind { source, .. }) => taken(source),
            _ => false,
        }
    }

    /// Whether the machine is at fault rather than the scenario or the options: binding,
    /// certificates, files.
    pub fn is_environment(&self) -> bool {
        match self {
            LabError::Server(mailserver::server::ServerError::Bind { .. })
            | LabError::Balancer(lb::LbError::Bind { .. })
            | LabError::Tls(_)
            | LabError::Io(_)
            | LabError::NoFreeBlock { .. } => true,
            LabError::Server(_)
            | LabError::Balancer(_)
            | LabError::Plan(_)
            | LabError::Prove(_) => false,
        }
    }

    /// The error as the CLI reports it: exit 3 with a hint when the machine is in the way,
    /// else bad input.
    pub fn to_bad_input(&self, scenario: &Path) -> crate::BadInput {
        let text = format!("{}: cannot start the lab: {self}", scenario.display());
        if !self.is_environment() {
            return crate::BadInput::message(text, None);
        }
        let hint = if self.in_use() {
            "another process (another relaylab lab?) holds this carrier: pass --carrier-base 127.N.0.1 with another N, or leave it out to have relaylab pick a free block"
        } else if matches!(self, LabError::NoFreeBlock { .. }) {
            "every carrier block tried was in use: stop other labs, or pass --carrier-base 127.N.0.1 with a block you know is free"
        } else {
            "the machine refused a socket, certificate or file the lab needs; see the error above"
        };
        crate::BadInput::environment(text, hint)
    }
}

/// Carrier blocks tried when none is given.
const AUTO_BLOCKS: usize = 8;

/// Carrier bases to try: `127.X.0.1`, X from a start that differs between processes (so
/// labs started at once begin apart) and stepping by a prime through 20..=99 and
/// 120..=249. 127.10 is the plan's default and 127.100-119 are left to whoever names a
/// block (tests that hold one on purpose, people who pass --carrier-base).
fn auto_bases() -> impl Iterator<Item = std::net::Ipv4Addr> {
    let seed = std::process::id() as usize
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as usize);
    (0..AUTO_BLOCKS).map(move |i| {
        let x = 20 + (seed + i * 53) % 210;
        let x = if x >= 100 { x + 20 } else { x };
        std::net::Ipv4Addr::new(127, u8::try_from(x).unwrap_or(20), 0, 1)
    })
}

/// One member's mail server.
pub struct MemberLab {
    /// The pool member address.
    pub member: Addr,
    /// Its server's name.
    pub name: String,
    /// SMTP.
    pub smtp: Option<SmtpServer>,
    /// IMAP, when some pool sends 143/993 to this member.
    pub imap: Option<ImapServer>,
    /// The protocol log.
    pub log: ProtocolLog,
}

/// A running lab.
pub struct Lab {
    /// The address plan.
    pub plan: Arc<wire::Plan>,
    /// The balancer.
    pub balancer: Option<lb::Balancer>,
    /// Mail servers, one per pool member address.
    pub members: Vec<MemberLab>,
    /// Every server's accepted mail and the relay sink.
    pub store: Store,
    /// The lab CA and server certificates.
    pub pki: Pki,
    /// Where the lab CA was written, if anywhere.
    pub ca_file: Option<PathBuf>,
    /// The open-file limit the lab runs under (None: unlimited); see
    /// [`raise_open_file_limit`].
    pub open_files: Option<u64>,
}

/// Every address a scenario talks about, in a stable order: VIPs, self IPs, SNAT
/// addresses the proof can reach, clients (intent, cases, extra).
fn addresses(model: &Model, proof: &verify::Proof, extra: &[Addr]) -> Vec<(Addr, &'static str)> {
    let mut out: Vec<(Addr, &'static str)> = Vec::new();
    let mut add = |a: Addr, role: &'static str| {
        if !out.iter().any(|(x, _)| *x == a) {
            out.push((a, role));
        }
    };
    for v in model.config.virtuals.values() {
        if let Some(d) = v.destination {
            add(d.addr, "VIP");
        }
    }
    for s in model.config.self_ips.values() {
        add(s.address, "self IP");
    }
    for p in model.config.snatpools.values() {
        for a in &p.members {
            add(*a, "SNAT address");
        }
    }
    for v in &proof.virtuals {
        for c in &v.classes {
            add(c.representative, "client");
            for p in &c.paths {
                add(p.translated, "SNAT address");
            }
        }
    }
    for c in &model.cases {
        add(c.from, "client");
    }
    for a in extra {
        add(*a, "client");
    }
    out
}

impl Lab {
    /// Builds the plan, starts every member's servers, then the balancer. Without a
    /// carrier base, tries free-looking blocks until one binds: a block whose carrier is
    /// in use is given up (what was started on it is stopped) and the next one tried.
    pub async fn start(model: &Model, opts: LabOptions) -> Result<Lab, LabError> {
        if let Some(base) = opts.carrier_base {
            return Lab::start_at(model, &opts, base).await;
        }
        let mut tried = Vec::new();
        let mut last = None;
        for base in auto_bases() {
            tried.push(base);
            match Lab::start_at(model, &opts, base).await {
                Err(e) if e.in_use() => last = Some(e),
                other => return other,
            }
        }
        Err(LabError::NoFreeBlock {
            tried,
            last: Box::new(last.unwrap_or(LabError::Io("no block tried".into()))),
        })
    }

    /// The first carrier address of the lab's block.
    pub fn carrier_base(&self) -> std::net::Ipv4Addr {
        self.plan.carrier_base()
    }

    async fn start_at(
        model: &Model,
        opts: &LabOptions,
        base: std::net::Ipv4Addr,
    ) -> Result<Lab, LabError> {
        let open_files = raise_open_file_limit();
        let proof = verify::prove(model)?;
        let mut plan = wire::Plan::with_bases(base, wire::Plan::DEFAULT_PORT_BASE)?;
        let config = model.config.clone();
        for v in config.virtuals.values() {
            if let Some(d) = v.destination {
                plan.add_addr(d.addr, "VIP")?;
                plan.add_service(d.addr, d.port, &format!("virtual {}", v.name))?;
            }
        }
        let imap_members: Vec<Addr> = config
            .pools
            .values()
            .flat_map(|p| p.members.iter())
            .filter(|m| opts.imap_everywhere || matches!(m.endpoint.port, 143 | 993))
            .map(|m| m.endpoint.addr)
            .chain(
                model
                    .servers
                    .iter()
                    .map(|s| s.member)
                    .filter(|_| opts.imap_everywhere),
            )
            .collect();
        let mut policies = Vec::new();
        for s in &model.servers {
            let policy = Arc::new(Policy::new(s.server.clone()));
            add_to_plan(&mut plan, s.member, &policy)?;
            if imap_members.contains(&s.member) {
                add_imap_to_plan(&mut plan, s.member, true)?;
            }
            policies.push((s.member, policy, imap_members.contains(&s.member)));
        }
        for (a, role) in addresses(model, &proof, &opts.clients) {
            plan.add_addr(a, role)?;
        }
        let plan = Arc::new(plan);

        let names: Vec<String> = std::iter::once("localhost".to_string())
            .chain(
                model
                    .servers
                    .iter()
                    .map(|s| format!("{}.lab.invalid", s.server.name().to_ascii_lowercase())),
            )
            .collect();
        let pki = Pki::generate(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
        let ca_file = match &opts.out {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| LabError::Io(format!("cannot create {}: {e}", dir.display())))?;
                let f = dir.join("lab-ca.pem");
                std::fs::write(&f, pki.ca_pem())
                    .map_err(|e| LabError::Io(format!("cannot write {}: {e}", f.display())))?;
                Some(f)
            }
            None => None,
        };
        let store = Store::new();
        let domain = model
            .intent
            .local_recipient
            .rsplit('@')
            .next()
            .unwrap_or("lab.invalid")
            .to_string();
        let users = Arc::new(
            Users::new()
                .with(LAB_USER.0, LAB_USER.1, &format!("{}@{domain}", LAB_USER.0))
                .with(PROBE_USER.0, PROBE_USER.1, &model.intent.local_recipient),
        );
        let tls = Some(pki.server_config()?);
        let mut members = Vec::new();
        for (member, policy, imap) in policies {
            match start_member(opts, &plan, &store, &users, &tls, (member, imap), policy).await {
                Ok(m) => members.push(m),
                Err(e) => {
                    stop_members(members).await;
                    return Err(e);
                }
            }
        }
        let mut lb_settings = opts.lb.clone();
        lb_settings.v10_globals = model.options.irule_mode == verify::IruleMode::V10;
        lb_settings.automap = model.options.automap;
        let balancer = match lb::Balancer::start(config, plan.clone(), lb_settings).await {
            Ok(b) => b,
            Err(e) => {
                stop_members(members).await;
                return Err(e.into());
            }
        };
        Ok(Lab {
            plan,
            balancer: Some(balancer),
            members,
            store,
            pki,
            ca_file,
            open_files,
        })
    }

    /// The carrier a scenario address rides on.
    pub fn carrier(&self, addr: &Addr) -> Option<std::net::Ipv4Addr> {
        self.plan.carrier(addr)
    }

    /// The carrier socket of a scenario service (a VIP and port, or a member and port).
    pub fn service(&self, addr: &Addr, port: u16) -> Option<std::net::SocketAddrV4> {
        self.plan.service_carrier(addr, port)
    }

    /// The member whose server carries this name.
    pub fn member(&self, name: &str) -> Option<&MemberLab> {
        self.members
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// Stops one member's SMTP server (a member going down).
    pub async fn stop_member(&mut self, member: &Addr) -> Result<(), LabError> {
        if let Some(m) = self.members.iter_mut().find(|m| m.member == *member)
            && let Some(s) = m.smtp.take()
        {
            s.shutdown().await?;
        }
        Ok(())
    }

    /// Stops the balancer, then every server; logs are flushed.
    pub async fn shutdown(mut self) -> Result<Option<lb::Snapshot>, LabError> {
        let counters = match self.balancer.take() {
            Some(b) => Some(b.shutdown().await),
            None => None,
        };
        for m in self.members.drain(..) {
            if let Some(s) = m.smtp {
                s.shutdown().await?;
            }
            if let Some(i) = m.imap {
                i.shutdown().await?;
            }
            let _ = m.log.flush();
        }
        Ok(counters)
    }
}

/// Raises the soft limit on open files to the hard limit and returns the limit now in force
/// (None: unlimited). Every lab connection costs up to three descriptors (client side and
/// server side at the balancer, the mock server's), and the common soft default of 1024 is
/// spent by a few hundred clients, far below the lab's own connection limits. The hard
/// limit is the administrator's: it is never exceeded.
pub fn raise_open_file_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let now = getrlimit(Resource::Nofile);
    if now.current == now.maximum {
        return now.current;
    }
    let raised = Rlimit {
        current: now.maximum,
        maximum: now.maximum,
    };
    // An unlimited hard limit is still capped by the kernel (fs.nr_open); then stay put.
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => raised.current,
        Err(_) => now.current,
    }
}

/// Starts one member's SMTP (and IMAP) server.
async fn start_member(
    opts: &LabOptions,
    plan: &Arc<wire::Plan>,
    store: &Store,
    users: &Arc<Users>,
    tls: &Option<Arc<rustls::ServerConfig>>,
    (member, imap_wanted): (Addr, bool),
    policy: Arc<Policy>,
) -> Result<MemberLab, LabError> {
    let name = policy.name().to_string();
    let log = match &opts.out {
        Some(dir) => log_file(dir, &name)?,
        None => ProtocolLog::memory(),
    };
    let smtp = SmtpServer::start(SmtpServerConfig {
        policy,
        member,
        plan: plan.clone(),
        store: store.clone(),
        log: log.clone(),
        users: users.clone(),
        tls: tls.clone(),
        limits: opts.server_limits,
    })
    .await?;
    let imap = if imap_wanted {
        let started = ImapServer::start(ImapServerConfig {
            name: format!("{name} IMAP"),
            addr: member,
            plan: plan.clone(),
            store: store.clone(),
            users: users.clone(),
            tls: tls.clone(),
            login_requires_tls: true,
            limits: opts.server_limits,
        })
        .await;
        match started {
            Ok(i) => Some(i),
            Err(e) => {
                let _ = smtp.shutdown().await;
                return Err(e.into());
            }
        }
    } else {
        None
    };
    Ok(MemberLab {
        member,
        name,
        smtp: Some(smtp),
        imap,
        log,
    })
}

/// Stops what was started of a lab that could not start in full.
async fn stop_members(members: Vec<MemberLab>) {
    for m in members {
        if let Some(s) = m.smtp {
            let _ = s.shutdown().await;
        }
        if let Some(i) = m.imap {
            let _ = i.shutdown().await;
        }
    }
}

fn log_file(dir: &Path, server: &str) -> Result<ProtocolLog, LabError> {
    let folder = dir.join(server.replace(['/', '\\', ' '], "_"));
    std::fs::create_dir_all(&folder)
        .map_err(|e| LabError::Io(format!("cannot create {}: {e}", folder.display())))?;
    let path = folder.join("RECV.LOG");
    ProtocolLog::file(&path)
        .map_err(|e| LabError::Io(format!("cannot open {}: {e}", path.display())))
}
