//! Commands whose results the BIG-IP decides when the connection runs (the clock, the
//! session table, member health, sideband connections, the payload), and the decisions
//! rules make with `forward`, `TCP::respond`, `TCP::close`, `translate` and friends.
//!
//! A run-time input is a *free input*: nothing in the configuration fixes its value, so
//! the engine returns a plausible sample (the clock at 2026-01-01 00:00:00 UTC, an empty
//! session table, every member up, no payload yet), marks it [`Taint::Free`] and records a
//! [`crate::FreeInput`]. Moving or transforming it stays exact; a decision that depends on
//! it records an escape that names the command, so the prover labels the class sampled
//! instead of pretending the sample is the only case.

use crate::builtins::Builtin;
use crate::error::RuntimeErrorKind;
use crate::interp::{Interp, R};
use crate::outcome::{Decision, Translation};
use crate::span::Span;
use crate::value::{Taint, Value};

/// The clock's sample: 2026-01-01 00:00:00 UTC, in seconds since the epoch.
pub(crate) const SAMPLE_NOW: i64 = 1_767_225_600;

/// The payload's sample: what an SMTP client sends first after the banner.
const PAYLOAD_SAMPLE: &str = "EHLO client.example\r\n";

/// Tcl's default `clock format` layout.
const DEFAULT_CLOCK_FORMAT: &str = "%a %b %d %H:%M:%S %Z %Y";

impl<'a> Interp<'_, 'a> {
    /// The run-time input and run-time decision commands.
    pub(crate) fn run_time(
        &mut self,
        b: Builtin,
        args: &[Value<'a>],
        span: Span,
    ) -> R<'a, Value<'a>> {
        use Builtin::*;
        let word = |i: usize| args.get(i).map_or("", |v| v.as_str());
        match b {
            Clock => self.clock(args, span),
            Table => self.table(args, span),
            Session => match word(1) {
                "lookup" => Ok(self.free_input("session lookup", "", span)),
                "add" | "delete" => Ok(Value::empty()),
                _ => self.wrong_args(
                    "session add|lookup|delete <mode> <key> ?<data>? ?<timeout>?",
                    span,
                ),
            },
            // A variable shared by the client and server side of one connection: within
            // the one connection the engine evaluates, an ordinary variable.
            Sharedvar => Ok(Value::empty()),
            After => match word(1) {
                "cancel" => Ok(Value::empty()),
                "info" => Ok(self.free_input("after info", "", span)),
                _ if args.len() == 2 => {
                    // A pause: it changes when, not what.
                    self.int(&args[1], span)?;
                    Ok(Value::empty())
                }
                _ if args.len() >= 3 => Ok(self.free_input("after (a timer)", "after#0", span)),
                _ => self.wrong_args("after <ms> ?-periodic? ?<script>?", span),
            },
            HslOpen => Ok(self.free_input("HSL::open", "hsl0", span)),
            HslSend => Ok(Value::empty()),
            Connect => Ok(self.free_input("connect (a sideband connection)", "sb0", span)),
            Send => Ok(self.free_input("send (a sideband connection)", "0", span)),
            Recv => Ok(self.free_input("recv (a sideband connection)", "", span)),
            Close => Ok(Value::empty()),
            LbServer => Ok(self.free_input("LB::server", "", span)),
            IpServerAddr => Ok(self.free_input("IP::server_addr", "", span)),
            LbStatus => Ok(self.free_input("LB::status", "up", span)),
            ActiveMembers => {
                let sample = self.member_sample(args, span)?;
                Ok(self.free_input("active_members", &sample, span))
            }
            Members => {
                let sample = self.member_sample(args, span)?;
                Ok(self.free_input("members", &sample, span))
            }
            TmmCmpUnit => Ok(self.free_input("TMM::cmp_unit", "0", span)),
            TmmCmpCount => Ok(self.free_input("TMM::cmp_count", "1", span)),
            LinkVlanId => Ok(self.free_input("LINK::vlan_id", "0", span)),
            TcpPayload => {
                // An SMTP client's first command is the payload a collect sees first.
                let sample = PAYLOAD_SAMPLE;
                let text = match &args[1..] {
                    [] => sample.to_string(),
                    [l] if l.as_str() == "length" => sample.len().to_string(),
                    [r, ..] if r.as_str() == "replace" => return Ok(Value::empty()),
                    [n] => {
                        let n = self.int(n, span)?.max(0) as usize;
                        sample.chars().take(n).collect()
                    }
                    [o, n] => {
                        let o = self.int(o, span)?.max(0) as usize;
                        let n = self.int(n, span)?.max(0) as usize;
                        sample.chars().skip(o).take(n).collect()
                    }
                    _ => {
                        return self.wrong_args(
                            "TCP::payload ?<size>|<offset> <size>|length|replace ...?",
                            span,
                        );
                    }
                };
                Ok(self.free_input("TCP::payload", &text, span))
            }
            TcpRelease => Ok(Value::empty()),
            TcpCollect => {
                self.record(Decision::Collect, span);
                Ok(Value::empty())
            }
            TcpRespond => {
                let [_, data] = args else {
                    return self.wrong_args("TCP::respond <data>", span);
                };
                self.decision_taint("TCP::respond", std::slice::from_ref(data), span);
                self.record(Decision::Respond(data.as_str().to_string()), span);
                Ok(Value::empty())
            }
            TcpClose => {
                self.record(Decision::Close, span);
                Ok(Value::empty())
            }
            Forward => {
                self.record(Decision::Forward, span);
                Ok(Value::empty())
            }
            LbReselect => {
                self.record(Decision::LbReselect, span);
                Ok(Value::empty())
            }
            Translate => {
                let what = match word(1) {
                    "address" => Translation::Address,
                    "port" => Translation::Port,
                    "service" => Translation::Service,
                    _ => {
                        return self
                            .wrong_args("translate address|port|service enable|disable", span);
                    }
                };
                let enable = match args.get(2) {
                    Some(v) => self.boolean(v, "enable or disable", span)?,
                    None => {
                        return self
                            .wrong_args("translate address|port|service enable|disable", span);
                    }
                };
                self.record(Decision::Translate { what, enable }, span);
                Ok(Value::empty())
            }
            _ => self.tcl(b, args, span),
        }
    }

    /// `enable`/`disable` (and Tcl's other booleans).
    fn boolean(&self, v: &Value<'a>, expected: &str, span: Span) -> R<'a, bool> {
        match v.as_str().to_ascii_lowercase().as_str() {
            "enable" | "enabled" | "on" | "true" | "yes" | "1" => Ok(true),
            "disable" | "disabled" | "off" | "false" | "no" | "0" => Ok(false),
            _ => self.fail(
                RuntimeErrorKind::BadArgument {
                    command: "translate".into(),
                    value: v.as_str().to_string(),
                    expected: expected.to_string(),
                },
                span,
            ),
        }
    }

    /// `active_members`/`members`: the pool's member count, or its `-list`, with every
    /// member up (health is the free part).
    fn member_sample(&self, args: &[Value<'a>], span: Span) -> R<'a, String> {
        let (list, pool) = match args {
            [_, flag, pool] if flag.as_str() == "-list" => (true, pool),
            [_, pool] => (false, pool),
            _ => return self.wrong_args("active_members ?-list? <pool>", span),
        };
        let host = self.host;
        let members = self
            .resolve_object(pool.as_str(), |p| host.pool_exists(p))
            .and_then(|p| host.pool_members(&p))
            .unwrap_or_default();
        Ok(if list {
            let items: Vec<String> = members
                .iter()
                .map(|(a, p)| crate::value::format_list(&[&a.to_string(), &p.to_string()]))
                .collect();
            crate::value::format_list(&items.iter().map(String::as_str).collect::<Vec<_>>())
        } else {
            members.len().to_string()
        })
    }

    /// `clock seconds|clicks|milliseconds|microseconds|format|scan|add`.
    fn clock(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let usage = "clock seconds|clicks|milliseconds|microseconds|format|scan|add ...";
        let Some(sub) = args.get(1) else {
            return self.wrong_args(usage, span);
        };
        match sub.as_str() {
            "seconds" => Ok(self.free_input("clock seconds", &SAMPLE_NOW.to_string(), span)),
            "milliseconds" => {
                Ok(self.free_input("clock milliseconds", &(SAMPLE_NOW * 1000).to_string(), span))
            }
            "clicks" | "microseconds" => {
                Ok(self.free_input("clock clicks", &(SAMPLE_NOW * 1_000_000).to_string(), span))
            }
            "format" => {
                let Some(t) = args.get(2) else {
                    return self.wrong_args(
                        "clock format clockval ?-format string? ?-gmt boolean?",
                        span,
                    );
                };
                let secs = self.int(t, span)?;
                let mut layout = DEFAULT_CLOCK_FORMAT.to_string();
                let mut i = 3;
                while i + 1 < args.len() {
                    if args[i].as_str() == "-format" {
                        layout = args[i + 1].as_str().to_string();
                    }
                    i += 2;
                }
                let text = format_clock(secs, &layout);
                // The BIG-IP's time zone is its own setting: the text is a run-time input
                // even for a fixed time.
                let v = self.free_input("clock format", &text, span);
                Ok(v.with_taint(t.taint().join(Taint::Free)))
            }
            "scan" => Ok(self.free_input("clock scan", &SAMPLE_NOW.to_string(), span)),
            "add" => {
                let Some(t) = args.get(2) else {
                    return self.wrong_args("clock add clockval ?count unit ...?", span);
                };
                let mut secs = self.int(t, span)?;
                let mut i = 3;
                while i + 1 < args.len() {
                    let n = self.int(&args[i], span)?;
                    let unit = match args[i + 1].as_str().trim_end_matches('s') {
                        "second" => 1,
                        "minute" => 60,
                        "hour" => 3600,
                        "day" => 86_400,
                        "week" => 604_800,
                        _ => 0,
                    };
                    secs = secs.saturating_add(n.saturating_mul(unit));
                    i += 2;
                }
                Ok(self.free_input("clock add", &secs.to_string(), span))
            }
            _ => self.wrong_args(usage, span),
        }
    }

    /// `table` on an empty session table: what the first connection sees.
    fn table(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let Some(sub) = args.get(1) else {
            return self.wrong_args(
                "table set|add|replace|lookup|incr|append|delete|timeout|lifetime|keys ...",
                span,
            );
        };
        // Options come before the key; `-subtable` takes a name.
        let mut rest: Vec<&Value<'a>> = Vec::new();
        let mut count = false;
        let mut i = 2;
        while i < args.len() {
            match args[i].as_str() {
                "-subtable" | "-georedundancy" => i += 1,
                "-count" => count = true,
                "-notouch" | "-mustexist" | "-excl" | "-remaining" | "-all" => {}
                "--" => {
                    rest.extend(&args[i + 1..]);
                    break;
                }
                _ => rest.push(&args[i]),
            }
            i += 1;
        }
        let name = format!("table {}", sub.as_str());
        let sample = match sub.as_str() {
            // The value a fresh table takes is the one given.
            "set" | "add" | "replace" | "append" => rest
                .get(1)
                .map_or(String::new(), |v| v.as_str().to_string()),
            "incr" => rest
                .get(1)
                .map_or("1".to_string(), |v| v.as_str().to_string()),
            "keys" if count => "0".to_string(),
            "timeout" | "lifetime" => "180".to_string(),
            "lookup" | "delete" | "keys" => String::new(),
            _ => {
                return self.fail(
                    RuntimeErrorKind::BadArgument {
                        command: "table".into(),
                        value: sub.as_str().to_string(),
                        expected: "set, add, replace, lookup, incr, append, delete, timeout, lifetime or keys".into(),
                    },
                    span,
                );
            }
        };
        Ok(self.free_input(&name, &sample, span))
    }
}

/// `clock format` in UTC, Tcl's `%` codes read as strftime's (they agree on the common
/// ones; an unknown code is kept as written).
fn format_clock(secs: i64, layout: &str) -> String {
    use std::fmt::Write;
    let Some(t) = chrono::DateTime::from_timestamp(secs, 0) else {
        return String::new();
    };
    let layout = layout.replace("%Z", "UTC");
    let mut out = String::new();
    let items: Vec<chrono::format::Item> = chrono::format::StrftimeItems::new(&layout)
        .map(|item| match item {
            chrono::format::Item::Error => chrono::format::Item::Literal("?"),
            other => other,
        })
        .collect();
    if write!(out, "{}", t.format_with_items(items.into_iter())).is_err() {
        return String::new();
    }
    out
}
