//! A human summary of a configuration: virtuals, their pools and members, SNAT, rules,
//! data groups, self IPs, and what was not modelled.

use std::fmt::Write;

use crate::model::{Config, SourceTranslation};

/// Renders the `relaylab config show` text.
pub fn render(config: &Config) -> String {
    let mut out = String::new();
    let _ = render_into(config, &mut out);
    out
}

fn render_into(c: &Config, o: &mut String) -> std::fmt::Result {
    // "line N" for one file; "FILE line N" when the configuration spans several.
    let at = |line: usize| {
        if c.sources.is_empty() {
            format!("line {line}")
        } else {
            let (file, line) = c.place(line);
            format!("{file} line {line}")
        }
    };
    if c.sources.is_empty() {
        writeln!(o, "{}", c.source_name)?;
    } else {
        let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
        writeln!(o, "{}", names.join(" + "))?;
    }
    if let Some(v) = &c.tmsh_version {
        writeln!(o, "  tmsh version {v}")?;
    }
    writeln!(o)?;
    writeln!(o, "Virtual servers ({})", c.virtuals.len())?;
    for v in c.virtuals.values() {
        let dest = v
            .destination
            .map(|d| d.to_string())
            .unwrap_or_else(|| "?".into());
        let state = if v.disabled { "  [disabled]" } else { "" };
        writeln!(o, "  {}  {dest}  ({}){state}", v.name, at(v.line))?;
        if !v.source.holds_other_domains() || v.source.domains().next().is_some() {
            writeln!(o, "    accepts clients from {}", v.source)?;
        }
        let snat = match &v.source_translation {
            SourceTranslation::None => "none (servers see the client's own address)".to_string(),
            SourceTranslation::Automap => {
                let selfs: Vec<String> = c
                    .self_ips
                    .values()
                    .map(|s| format!("{}{}", s.address, if s.floating { " floating" } else { "" }))
                    .collect();
                format!(
                    "automap (a self IP: {})",
                    if selfs.is_empty() {
                        "none defined!".into()
                    } else {
                        selfs.join(", ")
                    }
                )
            }
            SourceTranslation::Snat { pool } => {
                let members = c.snatpools.get(pool).map(|p| {
                    p.members
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                format!("snatpool {pool} ({})", members.unwrap_or_default())
            }
        };
        writeln!(o, "    SNAT   {snat}")?;
        if !v.rules.is_empty() {
            writeln!(o, "    rules  {}", v.rules.join(", "))?;
        }
        if !v.persist.is_empty() {
            writeln!(o, "    persist {}", v.persist.join(", "))?;
        }
        match v.pool.as_ref().and_then(|p| c.pools.get(p)) {
            Some(p) => {
                let mon = if p.monitors.is_empty() {
                    "no monitor".to_string()
                } else {
                    format!("monitor {}", p.monitors.join(" and "))
                };
                writeln!(o, "    pool   {}  {}  {mon}", p.name, p.load_balancing_mode)?;
                for m in &p.members {
                    let dis = if m.disabled { "  [disabled]" } else { "" };
                    writeln!(o, "      -> {}{dis}", m.endpoint)?;
                }
            }
            None => writeln!(o, "    pool   (none: the iRule must choose one)")?,
        }
    }
    if !c.data_groups.is_empty() {
        writeln!(o, "\nData groups ({})", c.data_groups.len())?;
        for d in c.data_groups.values() {
            let ext = d
                .external_file
                .as_ref()
                .map(|f| format!(", file {f}"))
                .unwrap_or_default();
            writeln!(
                o,
                "  {}  type {}, {} records ({}{ext})",
                d.group.name,
                format!("{:?}", d.group.kind).to_lowercase(),
                d.group.records.len(),
                d.origin
            )?;
        }
    }
    if !c.snatpools.is_empty() {
        writeln!(o, "\nSNAT pools")?;
        for p in c.snatpools.values() {
            let m: Vec<String> = p.members.iter().map(|a| a.to_string()).collect();
            writeln!(o, "  {}  {}", p.name, m.join(", "))?;
        }
    }
    if !c.snats.is_empty() {
        writeln!(o, "\nOrigin SNATs")?;
        for s in c.snats.values() {
            writeln!(o, "  {}  from {}  -> {:?}", s.name, s.origins, s.target)?;
        }
    }
    if !c.self_ips.is_empty() {
        writeln!(o, "\nSelf IPs")?;
        for s in c.self_ips.values() {
            let kind = if s.floating {
                "floating"
            } else {
                "non-floating"
            };
            writeln!(
                o,
                "  {}  {}/{}  vlan {}  {kind}",
                s.name,
                s.address,
                s.prefix_len,
                s.vlan.as_deref().unwrap_or("-")
            )?;
        }
    }
    if !c.route_domains.is_empty() {
        writeln!(o, "\nRoute domains")?;
        for r in c.route_domains.values() {
            writeln!(o, "  {}  id {}  vlans {}", r.name, r.id, r.vlans.join(", "))?;
        }
    }
    if !c.rules.is_empty() {
        writeln!(o, "\niRules")?;
        for r in c.rules.values() {
            writeln!(
                o,
                "  {}  ({}, {} lines of Tcl)",
                r.name,
                at(r.line),
                r.text.lines().count()
            )?;
        }
    }
    if !c.unmodelled.is_empty() {
        writeln!(
            o,
            "\nNot modelled ({}; read past, see the warnings)",
            c.unmodelled.len()
        )?;
        for u in c.unmodelled.iter().take(20) {
            match &u.file {
                Some(file) => writeln!(o, "  {file} line {}: {}", u.line, u.what)?,
                None => writeln!(o, "  line {}: {}", u.line, u.what)?,
            }
        }
        if c.unmodelled.len() > 20 {
            writeln!(o, "  ... and {} more", c.unmodelled.len() - 20)?;
        }
    }
    Ok(())
}
