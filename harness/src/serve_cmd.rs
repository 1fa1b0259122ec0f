//! `relaylab serve`: the live lab of one scenario, for people to drive by hand.

use std::path::{Path, PathBuf};

use crate::lab::{LAB_USER, Lab, LabOptions};
use crate::{BadInput, Outcome, scenario};

/// The lab's resource limits, as `serve` takes them (docs/lab-limits.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServeLimits {
    /// Sessions open at once per mock server.
    pub server_connections: usize,
    /// Client connections open at once per virtual server.
    pub listener_connections: usize,
    /// Idle timeout of SMTP sessions and of balancer connections.
    pub idle_timeout: std::time::Duration,
    /// Wall-clock budget of one iRule decision.
    pub rule_budget: std::time::Duration,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        let server = mailserver::server::Limits::default();
        let lb = lb::Settings::default();
        ServeLimits {
            server_connections: server.max_connections,
            listener_connections: lb.max_connections,
            idle_timeout: server.idle_timeout,
            rule_budget: lb.rule_budget,
        }
    }
}

/// Starts the lab, prints the plan and commands to try, runs until Ctrl-C.
pub fn serve(
    path: &Path,
    out: Option<PathBuf>,
    time_scale: f64,
    limits: ServeLimits,
    carrier_base: Option<std::net::Ipv4Addr>,
) -> Result<Outcome, BadInput> {
    let file = &scenario::discover_one(path, "serve")?;
    let s = scenario::load(file)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            BadInput::environment(
                format!("cannot start the runtime: {e}"),
                "the system refused threads or an event loop; check ulimits",
            )
        })?;
    rt.block_on(async move {
        let opts = LabOptions {
            out: out.clone(),
            lb: lb::Settings {
                time_scale,
                max_connections: limits.listener_connections,
                idle_timeout: limits.idle_timeout,
                rule_budget: limits.rule_budget,
                ..lb::Settings::default()
            },
            clients: vec![
                "192.0.2.7"
                    .parse()
                    .map_err(|_| BadInput::message("bad built-in client", None))?,
            ],
            carrier_base,
            imap_everywhere: false,
            server_limits: mailserver::server::Limits {
                max_connections: limits.server_connections,
                idle_timeout: limits.idle_timeout,
            },
        };
        let lab = Lab::start(&s.model, opts)
            .await
            .map_err(|e| e.to_bad_input(file))?;
        out!("{}", guide(&s.model, &lab, out.as_deref()));
        let files = lab
            .open_files
            .map_or_else(|| "unlimited".to_string(), |n| n.to_string());
        outln!(
            "\nLimits (docs/lab-limits.md): {} sessions per mail server, {} connections per \
             virtual, idle timeout {:?}, iRule budget {:?}; open files {files}.",
            limits.server_connections,
            limits.listener_connections,
            limits.idle_timeout,
            limits.rule_budget
        );
        outln!("\nThe lab runs until Ctrl-C.");
        stopped().await;
        errln!("stopping: closing sessions and flushing protocol logs ...");
        match lab.shutdown().await {
            Ok(Some(c)) => errln!(
                "stopped. balancer: {} connections, {} resets, {} SNAT port exhaustions, \
                 {} refused at the connection limit, {} idle timeouts, {} iRule decisions \
                 over budget",
                c.connections,
                c.resets,
                c.snat_exhausted,
                c.refused,
                c.idle_timeouts,
                c.rule_timeouts
            ),
            Ok(None) => errln!("stopped."),
            Err(e) => return Err(BadInput::message(format!("shutdown: {e}"), None)),
        }
        Ok(Outcome::Holds)
    })
}

/// The address plan and ready-to-paste commands.
pub fn guide(model: &verify::Model, lab: &Lab, out: Option<&Path>) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "relaylab serve: {}\n", model.name);
    let _ = writeln!(
        o,
        "carrier block from {} (choose another with --carrier-base)\n",
        lab.carrier_base()
    );
    let _ = writeln!(o, "{}", lab.plan.table());
    if let Some(b) = &lab.balancer {
        for (v, carrier) in b.listening() {
            let _ = writeln!(o, "virtual {v} listens on {carrier}");
        }
    }
    let allowed = lab.plan.carriers().iter().find(|c| {
        model.intent.relay_allowed.contains(&c.scenario) && c.roles.iter().any(|r| r == "client")
    });
    let outside = lab.plan.carriers().iter().find(|c| {
        !model.intent.relay_allowed.contains(&c.scenario) && c.roles.iter().any(|r| r == "client")
    });
    let vip = model
        .config
        .virtuals
        .values()
        .find_map(|v| v.destination.filter(|d| d.port == 25));
    if let Some(vip) = vip.and_then(|d| lab.service(&d.addr, d.port)) {
        let _ = writeln!(
            o,
            "\nTry (swaks and nc bind the client's carrier as their source):"
        );
        let ext = &model.intent.external_domain;
        if let Some(a) = allowed {
            let _ = writeln!(o, "  # {} is allowed to relay:", a.scenario);
            let _ = writeln!(
                o,
                "  swaks --server {vip} --local-interface {} --to someone@{ext} --from app@{ext}",
                a.carrier
            );
        }
        if let Some(c) = outside {
            let _ = writeln!(o, "  # {} is not:", c.scenario);
            let _ = writeln!(
                o,
                "  swaks --server {vip} --local-interface {} --to someone@{ext} --from spam@{ext}",
                c.carrier
            );
            let _ = writeln!(o, "  nc -s {} {} {}", c.carrier, vip.ip(), vip.port());
        }
        let _ = writeln!(o, "  # inbound:");
        let from = outside.map(|c| c.carrier.to_string()).unwrap_or_default();
        let _ = writeln!(
            o,
            "  swaks --server {vip} --local-interface {from} --to {}",
            model.intent.local_recipient
        );
    }
    let _ = writeln!(o, "\nAUTH and IMAP login: {} / {}", LAB_USER.0, LAB_USER.1);
    if let Some(ca) = &lab.ca_file {
        let _ = writeln!(
            o,
            "lab CA (for --tls-ca-path, openssl -CAfile): {}",
            ca.display()
        );
    }
    match out {
        Some(dir) => {
            let _ = writeln!(
                o,
                "protocol logs: {}/<server>/RECV.LOG (Exchange receive log format)",
                dir.display()
            );
        }
        None => {
            let _ = writeln!(
                o,
                "protocol logs are kept in memory; pass --out DIR to write them"
            );
        }
    }
    o
}

/// Ctrl-C, or SIGTERM from a supervisor: either stops the lab cleanly.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
