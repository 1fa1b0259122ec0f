//! `relaylab explain`: every hop for one source address, with the iRule lines and the
//! configuration entries that decided it.

use std::fmt::Write;

use addrspace::Addr;
use bigip::decide::{DataGroupIndex, End};
use relaypolicy::policy::Probe;
use relaypolicy::session::Endpoint as PolicyEndpoint;

use crate::model::Model;
use crate::prove::{
    ProveError, branch_text, plan, server_of, server_view, snat_text, virtual_names,
};

/// The whole story of one client (address and source port) through every checked virtual
/// (or one).
pub fn explain(
    model: &Model,
    client: Addr,
    port: u16,
    only: Option<&str>,
) -> Result<String, ProveError> {
    let index = std::sync::Arc::new(DataGroupIndex::new(&model.config));
    let mut o = String::new();
    let allowed = model.intent.relay_allowed.contains(&client);
    let _ = writeln!(
        o,
        "{client} from source port {port}: {} by the intent of \"{}\"",
        if allowed {
            "allowed to relay"
        } else {
            "not allowed to relay"
        },
        model.name
    );
    let names = match only {
        Some(v) => vec![v.to_string()],
        None => virtual_names(model),
    };
    for name in names {
        let plan = plan(model, &index, &name)?;
        let v = &plan.virtual_server;
        let dest = v.destination.map(|d| d.to_string()).unwrap_or_default();
        let (file, line) = model.config.place(v.line);
        let _ = writeln!(o, "\nvirtual {name} {dest} ({file} line {line})");
        let out = plan.decide(client, port);
        if matches!(out.end, Some(End::NotAccepted)) {
            let _ = writeln!(
                o,
                "  does not accept this client: its source is {}",
                v.source
            );
            continue;
        }
        if let Some(ev) = &out.evaluation {
            let _ = writeln!(o, "  iRules ({}): {}", ev.event, branch_text(Some(ev)));
            for ob in &ev.observed {
                let _ = writeln!(
                    o,
                    "    compared the client with {:?} at {} line {}",
                    ob.by, ob.origin.rule, ob.origin.at.line
                );
            }
            for ob in &ev.observed_ports {
                let _ = writeln!(
                    o,
                    "    compared the source port ({} {}: true for {}) at {} line {}",
                    port, ob.test, ob.ports, ob.origin.rule, ob.origin.at.line
                );
            }
            for esc in &ev.escapes {
                let _ = writeln!(
                    o,
                    "    sampled, not proved: {} at {} line {}",
                    esc.operation, esc.origin.rule, esc.origin.at.line
                );
            }
            for l in &ev.logs {
                let _ = writeln!(
                    o,
                    "    log: {} ({} line {})",
                    l.message, l.origin.rule, l.origin.at.line
                );
            }
            for f in &ev.free_inputs {
                let _ = writeln!(
                    o,
                    "    read a run-time input: `{}` at {} line {}",
                    f.command, f.origin.rule, f.origin.at.line
                );
            }
        } else {
            let _ = writeln!(o, "  no iRules");
        }
        if let Some(end) = &out.end {
            let _ = writeln!(o, "  the connection ends here: {end}");
            continue;
        }
        for p in &out.paths {
            let server = server_of(model, &name, p)?;
            let seen = server_view(&p.seen);
            let by = match &p.snat_source {
                bigip::decide::SnatSource::Irule { rule, line } => {
                    format!(", set by {rule} line {line}")
                }
                bigip::decide::SnatSource::Virtual => ", the virtual's setting".to_string(),
                bigip::decide::SnatSource::Origin => {
                    ", an ltm snat for the client's origin".to_string()
                }
                bigip::decide::SnatSource::Nothing => String::new(),
            };
            let _ = writeln!(
                o,
                "  path: {} -> {} ({}) on {} [{}]{by}; the server sees {seen}",
                snat_text(p),
                p.member,
                p.member_name,
                server.name(),
                server.flavour()
            );
            let local = PolicyEndpoint::new(server_view(&p.member.addr), p.member.port);
            let probes = [
                (
                    "anonymous relay",
                    Probe::AnonymousRelay {
                        external_domain: model.intent.external_domain.clone(),
                    },
                ),
                (
                    "inbound",
                    Probe::AnonymousLocal {
                        recipient: model.intent.local_recipient.clone(),
                    },
                ),
            ];
            for (what, probe) in probes {
                let res = server.probe(local, seen, &probe);
                let _ = writeln!(o, "    {what}: {:?}", res.verdict);
                let mut said: Vec<String> = Vec::new();
                for (cmd, d) in &res.steps {
                    let _ = writeln!(o, "      C: {cmd}");
                    let _ = writeln!(o, "      S: {}", d.reply);
                    for e in &d.trace.entries {
                        let at = e
                            .origin
                            .as_ref()
                            .map(|x| format!(" ({x})"))
                            .unwrap_or_default();
                        let line = format!("because {:?}: {}{at}", e.kind, e.detail);
                        // Each reason once per dialogue: the connector choice stands for
                        // every step.
                        if !said.contains(&line) {
                            let _ = writeln!(o, "         {line}");
                            said.push(line);
                        }
                    }
                }
            }
        }
    }
    Ok(o)
}
