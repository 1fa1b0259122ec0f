//! Load-time refusals follow BIG-IP: a rule is refused only where BIG-IP refuses it
//! (a missing profile or module, a disabled or post-8.4 Tcl command, a name that is no
//! command, an event that cannot fire), with BIG-IP's reason, and the catalogue of F5's
//! iRules reference behind those decisions is whole and consistent.

// The load error carries the rule's text so it renders on its own, as in the library.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;

use irule::catalog::{self, Requirement};
use irule::{LoadError, LoadErrorKind, Program, Settings, WarningKind};

fn load(text: &str, settings: Settings) -> Result<Program, LoadError> {
    let rule = irule::parse("/Common/r", text).unwrap_or_else(|e| panic!("{e}"));
    Program::new(vec![rule], settings)
}

fn refusal(text: &str) -> LoadError {
    match load(text, Settings::default()) {
        Ok(_) => panic!("loaded: {text}"),
        Err(e) => e,
    }
}

fn with(profiles: &[&str], modules: &[&str]) -> Settings {
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    Settings {
        profiles: set(profiles),
        modules: set(modules),
        ..Settings::default()
    }
}

/// The text the error's span covers.
fn underlined<'t>(text: &'t str, e: &LoadError) -> &'t str {
    &text[e.span.start..e.span.end]
}

const HTTP_RULE: &str =
    "when HTTP_REQUEST {\n  if { [HTTP::uri] starts_with \"/api\" } { pool api }\n}";

#[test]
fn http_uri_on_a_tcp_virtual_names_the_http_profile() {
    let text = "when CLIENT_ACCEPTED {\n  log local0. [HTTP::uri]\n}";
    let e = refusal(text);
    let LoadErrorKind::NeedsProfile {
        command, profile, ..
    } = &e.kind
    else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(command, "HTTP::uri");
    assert!(profile.split('|').any(|p| p == "http"), "{profile}");
    let msg = e.to_string();
    assert!(msg.contains("needs an http"), "{msg}");
    assert!(msg.contains("which this virtual does not have"), "{msg}");
    assert!(!msg.contains("not supported"), "{msg}");
    assert_eq!(underlined(text, &e), "HTTP::uri");
    assert_eq!(e.at.line, 2);
}

#[test]
fn with_an_http_profile_an_http_rule_loads_and_runs_to_a_model_gap() {
    // Without the profile, the event is refused first, naming the profile.
    let e = refusal(HTTP_RULE);
    assert!(
        matches!(&e.kind, LoadErrorKind::EventNeedsProfile { event, .. } if event == "HTTP_REQUEST"),
        "{:?}",
        e.kind
    );
    assert!(e.to_string().contains("http"), "{e}");
    assert_eq!(underlined(HTTP_RULE, &e), "HTTP_REQUEST");

    let p = load(HTTP_RULE, with(&["http"], &[])).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.handles("HTTP_REQUEST"));
    // The engine does not model HTTP::uri: running it is a gap in relaylab's model, not
    // an error of the rule.
    let h = irule::StaticHost::new();
    let s = p.init(&h).unwrap();
    let conn = irule::Connection::new("10.1.2.3".parse().unwrap(), "10.0.0.1".parse().unwrap(), 80);
    let ev = p.evaluate(&h, &s, conn, "HTTP_REQUEST");
    let err = ev.error.expect("HTTP::uri is not modelled");
    assert!(err.kind.is_model_gap(), "{err}");

    // fasthttp serves as well.
    assert!(load(HTTP_RULE, with(&["fasthttp"], &[])).is_ok());
    // Another profile does not.
    assert!(load(HTTP_RULE, with(&["client-ssl"], &[])).is_err());
}

#[test]
fn ssl_commands_name_the_ssl_profiles() {
    let e = refusal("when CLIENT_ACCEPTED { log local0. [SSL::cipher name] }");
    let msg = e.to_string();
    assert!(msg.contains("client-ssl or server-ssl profile"), "{msg}");
    assert!(
        load(
            "when CLIENT_ACCEPTED { log local0. [SSL::cipher name] }",
            with(&["server-ssl"], &[])
        )
        .is_ok()
    );
}

#[test]
fn ilx_call_names_the_module_and_loads_with_it() {
    let text = "when CLIENT_ACCEPTED {\n  set h [ILX::init plugin ext]\n  ILX::call $h method\n}";
    let e = refusal(text);
    assert_eq!(
        e.kind,
        LoadErrorKind::NeedsModule {
            command: "ILX::init".into(),
            module: "ilx".into(),
            event: "CLIENT_ACCEPTED".into(),
            line: 2,
        }
    );
    assert!(e.to_string().contains("iRules LX"), "{e}");
    assert_eq!(underlined(text, &e), "ILX::init");
    // A profile of that name is not the module.
    assert!(load(text, with(&["ilx"], &[])).is_err());
    assert!(load(text, with(&[], &["ilx"])).is_ok());
}

#[test]
fn ip_intelligence_needs_its_licence_and_whereis_runs_anywhere() {
    let e = refusal("when CLIENT_ACCEPTED { log local0. [IP::reputation [IP::client_addr]] }");
    assert!(
        matches!(&e.kind, LoadErrorKind::NeedsModule { module, .. } if module == "ip-intelligence"),
        "{:?}",
        e.kind
    );
    // Geolocation ships with LTM: accepted at load (run time is another matter).
    assert!(
        load(
            "when CLIENT_ACCEPTED { log local0. [whereis [IP::client_addr] country] }",
            Settings::default()
        )
        .is_ok()
    );
}

#[test]
fn exec_is_disabled_by_f5() {
    let text = "when CLIENT_ACCEPTED {\n  exec /bin/true\n}";
    let e = refusal(text);
    assert_eq!(
        e.kind,
        LoadErrorKind::DisabledCommand {
            command: "exec".into(),
            event: "CLIENT_ACCEPTED".into(),
            line: 2,
        }
    );
    assert!(e.to_string().contains("F5 disables"), "{e}");
    for cmd in ["socket", "vwait", "open", "file", "source"] {
        let e = refusal(&format!("when CLIENT_ACCEPTED {{ {cmd} x }}"));
        assert!(
            matches!(e.kind, LoadErrorKind::DisabledCommand { .. }),
            "{cmd}: {:?}",
            e.kind
        );
    }
}

#[test]
fn dict_names_tcl_8_5() {
    let text = "when CLIENT_ACCEPTED {\n  set d [dict create a 1]\n}";
    let e = refusal(text);
    assert_eq!(
        e.kind,
        LoadErrorKind::LaterTclCommand {
            command: "dict".into(),
            version: "8.5".into(),
            event: "CLIENT_ACCEPTED".into(),
            line: 2,
        }
    );
    let msg = e.to_string();
    assert!(msg.contains("Tcl 8.5") && msg.contains("Tcl 8.4"), "{msg}");
    assert_eq!(underlined(text, &e), "dict");
    let e = refusal("when CLIENT_ACCEPTED { lmap x {1 2} { set x } }");
    assert!(
        matches!(&e.kind, LoadErrorKind::LaterTclCommand { version, .. } if version == "8.6"),
        "{:?}",
        e.kind
    );
}

#[test]
fn a_misspelt_command_gets_a_suggestion() {
    let text = "when CLIENT_ACCEPTED {\n  if { [clsas match [IP::client_addr] equals relays] } { snat automap }\n}";
    let e = refusal(text);
    assert_eq!(
        e.kind,
        LoadErrorKind::UnknownCommand {
            name: "clsas".into(),
            did_you_mean: Some("class".into()),
            event: "CLIENT_ACCEPTED".into(),
            line: 2,
        }
    );
    assert!(e.to_string().contains("did you mean `class`?"), "{e}");
    assert_eq!(underlined(text, &e), "clsas");
    // A proc of the rules is a candidate too.
    let e = refusal("proc normalise {x} { return $x }\nwhen CLIENT_ACCEPTED { normalize 1 }");
    assert!(
        matches!(&e.kind, LoadErrorKind::UnknownCommand { did_you_mean: Some(s), .. } if s == "normalise"),
        "{:?}",
        e.kind
    );
    // Nothing close: no suggestion.
    let e = refusal("when CLIENT_ACCEPTED { frobnicate_the_widgets }");
    assert!(
        matches!(
            &e.kind,
            LoadErrorKind::UnknownCommand {
                did_you_mean: None,
                ..
            }
        ),
        "{:?}",
        e.kind
    );
}

#[test]
fn a_no_break_space_in_a_name_is_named() {
    let text = "when CLIENT_ACCEPTED {\n  if { [class\u{a0}match [IP::client_addr] equals relays] } { snat automap }\n}";
    let e = refusal(text);
    let LoadErrorKind::UnknownCommand {
        name, did_you_mean, ..
    } = &e.kind
    else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(name, "class\u{a0}match");
    assert_eq!(did_you_mean.as_deref(), Some("class match"));
    let msg = e.to_string();
    assert!(msg.contains("U+00A0 NO-BREAK SPACE"), "{msg}");
    // The name is shown with the character escaped, so the message shows it.
    assert!(msg.contains("`class\\u{a0}match`"), "{msg}");
    assert_eq!(underlined(text, &e), "class\u{a0}match");
    let report = format!("{:?}", miette::Report::new(e));
    assert!(report.contains("retype"), "{report}");

    let e = refusal("when CLIENT_ACCEPTED { snat\u{200b} automap }");
    assert!(e.to_string().contains("U+200B ZERO WIDTH SPACE"), "{e}");
}

#[test]
fn an_unknown_event_is_refused_with_a_suggestion() {
    let text = "when CLIENT_ACEPTED { snat automap }";
    let e = refusal(text);
    assert_eq!(
        e.kind,
        LoadErrorKind::UnknownEvent {
            event: "CLIENT_ACEPTED".into(),
            did_you_mean: Some("CLIENT_ACCEPTED".into()),
            line: 1,
        }
    );
    assert!(e.to_string().contains("not an iRules event"), "{e}");
    assert_eq!(underlined(text, &e), "CLIENT_ACEPTED");
}

#[test]
fn events_of_modules_and_profiles_name_them() {
    let e = refusal("when ACCESS_POLICY_COMPLETED { log local0. done }");
    assert!(
        matches!(&e.kind, LoadErrorKind::EventNeedsModule { module, .. } if module == "apm"),
        "{:?}",
        e.kind
    );
    assert!(e.to_string().contains("Access Policy Manager"), "{e}");
    assert!(
        load(
            "when ACCESS_POLICY_COMPLETED { log local0. done }",
            with(&[], &["apm"])
        )
        .is_ok()
    );
    let e = refusal("when DNS_REQUEST { log local0. q }");
    assert!(e.to_string().contains("a dns profile"), "{e}");
}

#[test]
fn flow_init_and_the_other_tcp_events_load() {
    for event in [
        "FLOW_INIT",
        "SERVER_INIT",
        "USER_REQUEST",
        "USER_RESPONSE",
        "NAME_RESOLVED",
        "CLIENT_ACCEPTED",
        "PERSIST_DOWN",
    ] {
        let text = format!("when {event} {{ log local0. hello }}");
        assert!(
            load(&text, Settings::default()).is_ok(),
            "{event}: {:?}",
            load(&text, Settings::default()).err()
        );
    }
}

#[test]
fn a_tcp_command_the_engine_does_not_model_loads() {
    // TCP::option and ROUTE::age run on a TCP virtual; relaylab does not model them, which
    // is for run time to report, not a reason to refuse the rule.
    for cmd in [
        "TCP::option get 28",
        "ROUTE::age",
        "timing on",
        "ISTATS::get x",
    ] {
        let text = format!("when CLIENT_ACCEPTED {{ {cmd} }}");
        assert!(
            catalog::runs_on_tcp(cmd.split(' ').next().unwrap_or("")),
            "{cmd}"
        );
        assert!(load(&text, Settings::default()).is_ok(), "{cmd}");
    }
}

#[test]
fn brace_brace_without_a_space_loads_as_bigip_does() {
    let text = "when CLIENT_ACCEPTED {\n  if {[IP::addr [IP::client_addr] equals 10.0.0.0/8]}{\n    snat automap\n  }\n}";
    let rule = irule::parse("/Common/r", text).unwrap_or_else(|e| panic!("{e}"));
    // F5's own reference examples write `}{`: no warning.
    assert!(rule.warnings().is_empty(), "{:?}", rule.warnings());
    let p = Program::new(vec![rule], Settings::default()).unwrap();
    let h = irule::StaticHost::new();
    let s = p.init(&h).unwrap();
    let conn = irule::Connection::new("10.1.2.3".parse().unwrap(), "10.0.0.1".parse().unwrap(), 25);
    let ev = p.evaluate(&h, &s, conn, "CLIENT_ACCEPTED");
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert_eq!(ev.snat(), Some(&irule::Snat::Automap));

    // Plain Tcl (the mode compared with tclsh) stays strict.
    let r = irule::run_tcl("if {1}{set x 1}", &Settings::default());
    let err = r.result.unwrap_err().to_string();
    assert!(err.contains("extra characters after close-brace"), "{err}");
}

#[test]
fn else_without_a_blank_loads_with_a_warning_on_the_spot() {
    let text = "when CLIENT_ACCEPTED {\n  if {[IP::addr [IP::client_addr] equals 10.0.0.0/8]} {\n    snat automap\n  }else{\n    snat none\n  }\n}";
    let rule = irule::parse("/Common/r", text).unwrap_or_else(|e| panic!("{e}"));
    let w = rule.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, WarningKind::MissingBlank { between: "}else{" });
    assert_eq!(&text[w[0].span.start..w[0].span.end], "}else{");
    assert_eq!(w[0].at.line, 4);
    assert!(w[0].to_string().contains("warning"), "{}", w[0]);
    // Each form on its own.
    for (body, between) in [
        ("if {1} {set a 1}else {set a 2}", "}else"),
        ("if {1} {set a 1} else{set a 2}", "else{"),
        ("if {1} {set a 1}elseif {0} {set a 2}", "}elseif"),
        ("if {1} {set a 1} elseif{0} {set a 2}", "elseif{"),
    ] {
        let t = format!("when CLIENT_ACCEPTED {{\n{body}\n}}");
        let rule = irule::parse("/Common/r", &t).unwrap_or_else(|e| panic!("{body}: {e}"));
        let w = rule.warnings();
        assert_eq!(w.len(), 1, "{body}: {w:?}");
        assert_eq!(w[0].kind, WarningKind::MissingBlank { between }, "{body}");
        assert_eq!(&t[w[0].span.start..w[0].span.end], between, "{body}");
        assert!(load(&t, Settings::default()).is_ok(), "{body}");
    }
    let p = Program::new(vec![rule], Settings::default()).unwrap();
    let h = irule::StaticHost::new();
    let s = p.init(&h).unwrap();
    let conn = irule::Connection::new(
        "192.0.2.1".parse().unwrap(),
        "10.0.0.1".parse().unwrap(),
        25,
    );
    let ev = p.evaluate(&h, &s, conn, "CLIENT_ACCEPTED");
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert_eq!(ev.snat(), Some(&irule::Snat::None));

    // Outside an `if`, `else{` is an ordinary word.
    let rule = irule::parse("/Common/r", "when CLIENT_ACCEPTED { log local0. else{x} }").unwrap();
    assert!(rule.warnings().is_empty());

    // Plain Tcl stays strict.
    let r = irule::run_tcl("if {0} {set x 1}else{set x 2}", &Settings::default());
    assert!(r.result.is_err());
}

#[test]
fn timing_at_the_top_level_and_in_when_loads() {
    let text = "timing on\nwhen CLIENT_ACCEPTED timing off {\n  snat automap\n}\ntiming off\nwhen SERVER_CONNECTED timing on priority 100 { log local0. x }";
    let p = load(text, Settings::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.handles("CLIENT_ACCEPTED") && p.handles("SERVER_CONNECTED"));
    let e = irule::parse("/Common/r", "timing sideways").unwrap_err();
    assert!(e.to_string().contains("timing"), "{e}");
}

#[test]
fn coverage_is_plausible() {
    let c = catalog::coverage();
    assert!(c.commands > 900, "{c}");
    assert!(c.events > 150, "{c}");
    assert_eq!(
        c.commands,
        c.commands_any
            + c.commands_profile
            + c.commands_module
            + c.commands_disabled
            + c.commands_later_tcl
    );
    assert!(c.commands_profile > 300 && c.commands_module > 100, "{c}");
    assert!(c.commands_any > 200, "{c}");
    assert!(
        c.commands_disabled >= 30 && c.commands_later_tcl >= 10,
        "{c}"
    );
    let line = c.to_string();
    assert!(
        line.contains("commands") && line.contains("events"),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[test]
fn the_catalogue_knows_what_the_reference_says() {
    use Requirement::*;
    let needs = |n: &str| catalog::command(n).map(|c| c.needs);
    assert_eq!(needs("HTTP::uri"), Some(Profile("http|fasthttp")));
    assert_eq!(needs("ILX::call"), Some(Module("ilx")));
    assert_eq!(needs("BWC::rate"), Some(Module("bwc")));
    assert_eq!(needs("DNS::question"), Some(Profile("dns")));
    assert_eq!(needs("exec"), Some(Disabled));
    assert_eq!(needs("dict"), Some(LaterTcl("8.5")));
    assert_eq!(needs("whereis"), Some(Any));
    assert_eq!(needs("::class"), Some(Any));
    assert_eq!(needs("no_such_command"), None);
    assert_eq!(
        catalog::event("HTTP_REQUEST").map(|e| e.needs),
        Some(Profile("http|fasthttp"))
    );
    assert_eq!(catalog::event("FLOW_INIT").map(|e| e.needs), Some(Any));
    assert!(catalog::event("NO_SUCH_EVENT").is_none());
}

#[test]
fn tcp_events_are_the_catalogues_any_events() {
    let any: BTreeSet<&str> = catalog::EVENTS
        .iter()
        .filter(|e| e.needs == Requirement::Any)
        .map(|e| e.name)
        .collect();
    let tcp: BTreeSet<&str> = irule::TCP_EVENTS.iter().copied().collect();
    assert_eq!(any, tcp);
}

#[test]
fn every_command_the_engine_implements_runs_on_tcp() {
    // The engine models these for a TCP virtual; the catalogue must agree, or a rule the
    // engine can run would be described as needing something else.
    for name in [
        "set",
        "if",
        "switch",
        "foreach",
        "class",
        "matchclass",
        "IP::client_addr",
        "IP::addr",
        "TCP::client_port",
        "snat",
        "snatpool",
        "pool",
        "node",
        "persist",
        "LB::select",
        "reject",
        "drop",
        "discard",
        "event",
        "virtual",
        "table",
        "session",
        "after",
        "HSL::open",
        "HSL::send",
        "connect",
        "send",
        "recv",
        "close",
        "TCP::payload",
        "TCP::collect",
        "TCP::release",
        "TCP::respond",
        "TCP::close",
        "log",
        "call",
    ] {
        assert!(catalog::runs_on_tcp(name), "{name}");
    }
}
