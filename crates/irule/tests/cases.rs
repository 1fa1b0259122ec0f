//! iRule test cases: the reference rule and its broken copies, every command and operator,
//! events, priorities, RULE_INIT/static::, procs, catch, taint, and each error kind.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod common;

use common::*;
use irule::{Decision, LoadErrorKind, ObservedBy, Persist, RuntimeErrorKind, Settings, Snat};

fn addr(s: &str) -> addrspace::Addr {
    s.parse().unwrap()
}

fn snat_addr(s: &str) -> Snat {
    Snat::Addr {
        addr: addr(s),
        port: None,
    }
}

// ---- the reference rule (DOMAIN.md §3) -----------------------------------------------

#[test]
fn reference_rule_relays_listed_clients_through_the_relay_snat() {
    let ev = accepted(REFERENCE, "10.1.2.55");
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert_eq!(ev.snat(), Some(&snat_addr("10.0.0.20")));
    assert!(!ev.is_sampled());
    let sets: Vec<Vec<String>> = ev.observed_sets().map(|s| s.cidrs()).collect();
    assert_eq!(sets, vec![vec!["10.1.1.5/32"], vec!["10.1.2.0/24"]]);
    assert!(
        matches!(&ev.observed[0].by, ObservedBy::DataGroup(n) if &**n == "/Common/smtp_relay_allowed")
    );
    assert_eq!(ev.decisions[0].origin.at.line, 5);
}

#[test]
fn reference_rule_automaps_everyone_else() {
    for client in [
        "192.0.2.7",
        "10.1.1.6",
        "10.1.3.0",
        "2001:db8::7",
        "10.1.2.55%2",
    ] {
        let ev = accepted(REFERENCE, client);
        assert_eq!(ev.snat(), Some(&Snat::Automap), "{client}");
        assert!(!ev.resets());
    }
    let ev = accepted(REFERENCE, "10.1.1.5");
    assert_eq!(ev.snat(), Some(&snat_addr("10.0.0.20")));
}

#[test]
fn reference_rule_without_the_data_group_automaps() {
    let p = program(REFERENCE);
    let h = irule::StaticHost::new();
    let s = p.init(&h).unwrap();
    let ev = p.evaluate(&h, &s, conn("10.1.2.55"), "CLIENT_ACCEPTED");
    assert_eq!(ev.snat(), Some(&Snat::Automap));
}

#[test]
fn lost_braces_are_a_parse_error_at_the_unclosed_if_body() {
    let broken = r#"when CLIENT_ACCEPTED {
  set accepted_snat "10.0.0.20"
  if { [class exists smtp_relay_allowed] } {
    if { [class match [IP::client_addr] equals smtp_relay_allowed] } {
      snat $accepted_snat
    } else {
      snat automap

  } else {
    snat automap

}
"#;
    let e = irule::parse("/Common/smtp_irule", broken).unwrap_err();
    assert_eq!(e.message, "missing close-brace");
    let line3 = broken.lines().nth(2).unwrap();
    assert_eq!((e.at.line, e.at.col), (3, line3.len()));
    assert_eq!(&broken[e.span.start..e.span.end], "{");
    let hint = e.hint.clone().unwrap();
    assert!(hint.contains("line 3"), "{hint}");
    let (rel, _) = e.related.clone().unwrap();
    assert_eq!(rel.start, broken.find('{').unwrap());
    assert!(e.to_string().starts_with("/Common/smtp_irule:3:"), "{e}");
}

#[test]
fn empty_accepted_snat_is_a_runtime_error_for_relay_clients_only() {
    let broken = REFERENCE.replace("\"10.0.0.20\"", "\"\"");
    let ev = accepted(&broken, "10.1.2.55");
    let e = ev.error.clone().expect("snat \"\" must fail");
    assert!(
        matches!(&e.kind, RuntimeErrorKind::BadArgument { command, value, .. } if command == "snat" && value.is_empty())
    );
    assert_eq!(e.at.line, 5);
    assert_eq!(&*e.event, "CLIENT_ACCEPTED");
    assert!(ev.resets());
    assert_eq!(ev.snat(), None);
    let ok = accepted(&broken, "192.0.2.7");
    assert!(ok.error.is_none());
    assert_eq!(ok.snat(), Some(&Snat::Automap));
}

const GLOBAL_REF: &str = r#"when CLIENT_ACCEPTED {
  if { [matchclass [IP::client_addr] equals $::smtp_relay_allowed] } {
    snat 10.0.0.20
  } else {
    snat automap
  }
}
"#;

#[test]
fn global_data_group_reference_fails_in_v11_mode() {
    let ev = accepted(GLOBAL_REF, "192.0.2.7");
    let e = ev.error.clone().unwrap();
    assert_eq!(
        e.kind,
        RuntimeErrorKind::GlobalDataGroupReference {
            name: "smtp_relay_allowed".into()
        }
    );
    let line2 = GLOBAL_REF.lines().nth(1).unwrap();
    assert_eq!((e.at.line, e.at.col), (2, line2.find('$').unwrap() + 1));
    assert!(ev.resets());
    assert!(e.kind.to_string().contains("no such variable"));
}

#[test]
fn global_data_group_reference_works_in_v10_mode() {
    let p = program_with(
        &[("/Common/old", GLOBAL_REF)],
        Settings {
            v10_globals: true,
            ..Settings::default()
        },
    );
    let h = host();
    let s = p.init(&h).unwrap();
    let ev = p.evaluate(&h, &s, conn("10.1.2.9"), "CLIENT_ACCEPTED");
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert_eq!(ev.snat(), Some(&snat_addr("10.0.0.20")));
    let ev = p.evaluate(&h, &s, conn("10.1.3.9"), "CLIENT_ACCEPTED");
    assert_eq!(ev.snat(), Some(&Snat::Automap));
}

// ---- data groups -----------------------------------------------------------------------

#[test]
fn ip_data_groups_match_by_containment_and_longest_prefix() {
    let out = logged(
        r#"set a [IP::client_addr]
log [class match $a equals nested]
log [class match -value $a equals nested]
log [class match -name $a equals nested]
log [class match -index $a equals nested]
log [class match -element -- $a equals nested]
log [class match -all -value $a equals nested]
log [class lookup 10.1.9.9 nested]
log [class lookup 10.200.0.1 nested]
log [class match -value 192.0.2.1 equals nested]
log [class match -index 192.0.2.1 equals nested]
log [class match 192.0.2.1 equals nested]
log [class match -value 10.1.2.3%2 equals nested]"#,
        "10.1.2.3",
    );
    assert_eq!(
        out,
        [
            "1",
            "narrow",
            "10.1.2.0/24",
            "2",
            "10.1.2.0/24 narrow",
            "wide mid narrow",
            "mid",
            "wide",
            "",
            "-1",
            "0",
            "rd2"
        ]
    );
}

#[test]
fn route_domain_clients_match_only_their_domain() {
    let out = logged(
        r#"log [IP::client_addr]
log [class match -value [IP::client_addr] equals nested]
log [class match [IP::client_addr] equals smtp_relay_allowed]"#,
        "10.1.2.3%2",
    );
    assert_eq!(out, ["10.1.2.3%2", "rd2", "0"]);
}

#[test]
fn class_subcommands_cover_search_exists_size_names_get_element_type() {
    let out = logged(
        r#"log [class exists domains]
log [class exists /Common/domains]
log [class exists nope]
log [class size nested]
log [class names domains]
log [class names nested 10.1.*]
log [class get domains c*]
log [class element 1 domains]
log [class element -name 0 domains]
log [class element -value 0 domains]
log [class type domains]
log [class search -value domains ends_with "mail.contoso.com"]
log [class search -name domains starts_with "mail.example"]
log [class match -all -name "mail.example.contoso.com" contains domains]
log [class match "contoso.com" equals domains]
log [class match "Contoso.com" equals domains]
log [class match -nocase "Contoso.com" equals domains]
log [class match -nocase -name "MAIL.EXAMPLE.NET" starts_with domains]"#,
        "192.0.2.1",
    );
    assert_eq!(
        out,
        [
            "1",
            "1",
            "0",
            "4",
            "contoso.com example mail.",
            "10.1.0.0/16 10.1.2.0/24 10.1.2.0%2/24",
            "{contoso.com internal}",
            "example ext",
            "contoso.com",
            "internal",
            "string",
            "internal",
            "mail.",
            "contoso.com example mail.",
            "1",
            "0",
            "1",
            "mail."
        ]
    );
}

#[test]
fn matchclass_and_findclass() {
    let out = logged(
        r#"log [matchclass [IP::client_addr] equals smtp_relay_allowed]
log [matchclass smtp_relay_allowed equals 10.1.1.5]
log [matchclass 192.0.2.1 equals smtp_relay_allowed]
log [findclass contoso domains]
log [findclass mail domains]
log [findclass nothing domains]"#,
        "10.1.2.200",
    );
    assert_eq!(out, ["2", "1", "0", "internal", "mail.", ""]);
}

#[test]
fn missing_data_group_is_a_runtime_error() {
    let ev = accepted(
        "when CLIENT_ACCEPTED {\n  class match 1.2.3.4 equals nope\n}",
        "192.0.2.1",
    );
    assert!(
        matches!(ev.error.unwrap().kind, RuntimeErrorKind::NoSuchDataGroup { name } if name == "nope")
    );
}

// ---- addresses, ports, decisions -------------------------------------------------------

#[test]
fn ip_and_tcp_commands() {
    let out = logged(
        r#"log [IP::client_addr]
log [IP::remote_addr]
log [IP::local_addr]
log [TCP::client_port]
log [TCP::local_port]
log [IP::addr [IP::client_addr] equals 10.1.0.0/16]
log [IP::addr [IP::client_addr]/8 equals 10.200.0.0]
log [IP::addr [IP::client_addr] equals 10.1.2.0/255.255.255.0]
log [IP::addr 10.1.2.3%2 equals 10.1.2.3]
log [IP::addr [IP::client_addr] mask 255.255.0.0]
log [IP::addr 10.1.2.3 equals ::ffff:10.1.2.3]
log [virtual name]"#,
        "10.1.2.3",
    );
    assert_eq!(
        out,
        [
            "10.1.2.3",
            "10.1.2.3",
            "10.0.0.10",
            "40000",
            "25",
            "1",
            "1",
            "1",
            "0",
            "10.1.0.0",
            "1",
            "/Common/SMTP_VS"
        ]
    );
}

#[test]
fn ip_addr_records_the_compared_block() {
    let ev = accepted(
        "when CLIENT_ACCEPTED {\n  if {[IP::addr [IP::client_addr]/24 equals 10.1.2.77]} { snat none }\n}",
        "10.1.2.3",
    );
    assert_eq!(ev.snat(), Some(&Snat::None));
    assert!(!ev.is_sampled());
    let sets: Vec<Vec<String>> = ev.observed_sets().map(|s| s.cidrs()).collect();
    assert_eq!(sets, vec![vec!["10.1.2.0/24"]]);
}

#[test]
fn decisions_are_recorded_in_order_and_execution_continues() {
    let ev = accepted(
        r#"when CLIENT_ACCEPTED {
  snat automap
  snat none
  snat 10.0.0.21 2525
  snatpool relay_snat
  snatpool relay_snat member 10.0.0.20
  pool smtp_pool
  pool /Common/smtp_pool member 10.0.1.11 25
  pool smtp_pool member 10.0.1.12:25
  node 10.0.1.13 25
  persist source_addr 255.255.255.0 1800
  persist none
  LB::select
  reject
  drop
  discard
  log local0. "after reject"
}"#,
        "192.0.2.1",
    );
    assert!(ev.error.is_none(), "{:?}", ev.error);
    let d: Vec<Decision> = ev.decisions.iter().map(|r| r.decision.clone()).collect();
    assert_eq!(
        d,
        vec![
            Decision::Snat(Snat::Automap),
            Decision::Snat(Snat::None),
            Decision::Snat(Snat::Addr {
                addr: addr("10.0.0.21"),
                port: Some(2525)
            }),
            Decision::Snat(Snat::Pool {
                name: "/Common/relay_snat".into(),
                member: None
            }),
            Decision::Snat(Snat::Pool {
                name: "/Common/relay_snat".into(),
                member: Some(addr("10.0.0.20"))
            }),
            Decision::Pool {
                name: "/Common/smtp_pool".into(),
                member: None
            },
            Decision::Pool {
                name: "/Common/smtp_pool".into(),
                member: Some((addr("10.0.1.11"), Some(25)))
            },
            Decision::Pool {
                name: "/Common/smtp_pool".into(),
                member: Some((addr("10.0.1.12"), Some(25)))
            },
            Decision::Node {
                addr: addr("10.0.1.13"),
                port: Some(25)
            },
            Decision::Persist(Persist::SourceAddr {
                mask: Some("255.255.255.0".into()),
                timeout: Some(1800)
            }),
            Decision::Persist(Persist::None),
            Decision::LbSelect,
            Decision::Reject,
            Decision::Drop,
            Decision::Drop,
        ]
    );
    assert!(ev.resets());
    assert_eq!(ev.logs[0].facility.as_deref(), Some("local0."));
    assert_eq!(ev.logs[0].message, "after reject");
    assert_eq!(ev.logs[0].origin.at.line, 17);
    assert!(matches!(ev.target(), Some(Decision::Node { .. })));
}

#[test]
fn missing_pool_and_bad_addresses_are_runtime_errors() {
    for (body, want) in [
        ("pool nope", "no pool named `nope`"),
        ("snatpool nope", "no snatpool named `nope`"),
        ("snat 10.0.0.300", "snat: bad argument \"10.0.0.300\""),
        ("node banana", "bad argument \"banana\""),
        ("snat 10.0.0.1 99999", "port number"),
    ] {
        let ev = accepted(
            &format!("when CLIENT_ACCEPTED {{\n  {body}\n}}"),
            "192.0.2.1",
        );
        let e = ev.error.unwrap_or_else(|| panic!("{body} should fail"));
        assert!(e.to_string().contains(want), "{body}: {e}");
        assert_eq!(e.at.line, 2);
    }
}

// ---- events, priorities, statics, sessions ---------------------------------------------

#[test]
fn several_rules_run_in_priority_order_all_of_them() {
    let a = r#"when CLIENT_ACCEPTED priority 600 { log "a600" }
when CLIENT_ACCEPTED { log "a500" ; return ; log "never" }
when LB_SELECTED { log "a-lb" }"#;
    let b = r#"priority 100
when CLIENT_ACCEPTED { log "b100" }
when CLIENT_ACCEPTED priority 500 { log "b500" ; reject }
when CLIENT_ACCEPTED priority 900 { log "b900" }"#;
    let p = program_with(&[("/Common/a", a), ("/Common/b", b)], Settings::default());
    let h = host();
    let s = p.init(&h).unwrap();
    let mut sess = p.connect(&h, &s, conn("192.0.2.1"));
    let ev = sess.fire("CLIENT_ACCEPTED");
    assert_eq!(logs(&ev), ["b100", "a500", "b500", "a600", "b900"]);
    assert!(ev.resets());
    let ev = sess.fire("LB_SELECTED");
    assert_eq!(logs(&ev), ["a-lb"]);
    assert!(sess.fire("SERVER_CONNECTED").logs.is_empty());
    assert!(p.handles("LB_SELECTED") && !p.handles("CLIENT_DATA"));
}

#[test]
fn an_error_stops_every_later_rule() {
    let a = "when CLIENT_ACCEPTED priority 10 { log first ; error boom ; log never }";
    let b = "when CLIENT_ACCEPTED priority 20 { log second }";
    let p = program_with(&[("/Common/a", a), ("/Common/b", b)], Settings::default());
    let h = host();
    let s = p.init(&h).unwrap();
    let ev = p.evaluate(&h, &s, conn("192.0.2.1"), "CLIENT_ACCEPTED");
    assert_eq!(logs(&ev), ["first"]);
    let e = ev.error.unwrap();
    assert_eq!(
        e.kind,
        RuntimeErrorKind::User {
            message: "boom".into()
        }
    );
    assert_eq!(&*e.rule, "/Common/a");
}

#[test]
fn rule_init_sets_statics_for_every_connection() {
    let text = r#"when RULE_INIT {
  set static::relay_snat 10.0.0.20
  set static::hits 0
}
when CLIENT_ACCEPTED {
  if { [class match [IP::client_addr] equals smtp_relay_allowed] } {
    snat $static::relay_snat
  }
  incr static::hits
  log $static::hits
}"#;
    let p = program(text);
    let h = host();
    let s = p.init(&h).unwrap();
    assert_eq!(s.get("relay_snat"), Some("10.0.0.20"));
    for _ in 0..2 {
        let ev = p.evaluate(&h, &s, conn("10.1.1.5"), "CLIENT_ACCEPTED");
        assert_eq!(ev.snat(), Some(&snat_addr("10.0.0.20")));
        // Writes outside RULE_INIT stay with their connection.
        assert_eq!(logs(&ev), ["1"]);
    }
}

#[test]
fn connection_commands_fail_in_rule_init() {
    let p = program("when RULE_INIT { set static::me [IP::client_addr] }");
    let e = p.init(&host()).unwrap_err();
    assert!(matches!(e.kind, RuntimeErrorKind::NoConnection { .. }));
    assert_eq!(&*e.event, "RULE_INIT");
}

#[test]
fn variables_live_for_the_connection_and_events_can_be_disabled() {
    let text = r#"when CLIENT_ACCEPTED {
  set who [IP::client_addr]
  event SERVER_CONNECTED disable
}
when LB_SELECTED { log "lb $who" ; event disable }
when SERVER_CONNECTED { log "never" }"#;
    let p = program(text);
    let h = host();
    let s = p.init(&h).unwrap();
    let mut sess = p.connect(&h, &s, conn("10.9.9.9"));
    let ev = sess.fire("CLIENT_ACCEPTED");
    assert!(
        matches!(&ev.decisions[0].decision, Decision::Event(e) if e == "SERVER_CONNECTED disable")
    );
    assert_eq!(logs(&sess.fire("LB_SELECTED")), ["lb 10.9.9.9"]);
    assert!(sess.fire("LB_SELECTED").logs.is_empty());
    assert!(sess.fire("SERVER_CONNECTED").logs.is_empty());
    let ev = accepted(
        "when CLIENT_ACCEPTED { event disable all ; log [event info] }",
        "10.0.0.1",
    );
    assert_eq!(logs(&ev), ["CLIENT_ACCEPTED"]);
}

// ---- procs and catch -------------------------------------------------------------------

#[test]
fn procs_with_call_defaults_args_and_recursion() {
    let text = r#"proc fact {n} {
  if {$n <= 1} { return 1 }
  return [expr {$n * [call fact [expr {$n - 1}]]}]
}
proc greet {who {greeting hello} args} {
  return "$greeting $who [llength $args]"
}
when CLIENT_ACCEPTED {
  log [call fact 10]
  log [call greet bob]
  log [call greet bob hi 1 2 3]
  log [call /Common/test_rule::fact 3]
  log [fact 4]
}"#;
    let ev = accepted(text, "10.0.0.1");
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert_eq!(logs(&ev), ["3628800", "hello bob 0", "hi bob 3", "6", "24"]);
    let ev = accepted(
        "proc f {a} { return $a }\nwhen CLIENT_ACCEPTED { call f }",
        "10.0.0.1",
    );
    assert_eq!(
        ev.error.unwrap().kind,
        RuntimeErrorKind::WrongArgs {
            usage: "f a".into()
        }
    );
}

#[test]
fn catch_returns_codes_and_messages() {
    let out = tcl(r#"puts [catch {error "boom"} m]; puts $m
puts [catch {set nope} m]; puts $m
puts [catch {expr {1/0}} m]; puts $m
puts [catch {return 7} m]; puts $m
puts [catch {break}] ; puts [catch {continue}]
puts [catch {set ok 3} m]; puts $m
puts [catch {incr ok x} m]; puts $m
puts [catch {lindex {a b} q} m]; puts $m
puts [catch {nosuchcommand 1} m]; puts $m
proc p {} { return -code error "from proc" }
puts [catch p m]; puts $m"#);
    assert_eq!(
        out,
        "1\nboom\n1\ncan't read \"nope\": no such variable\n1\ndivide by zero\n2\n7\n3\n4\n0\n3\n1\nexpected integer but got \"x\"\n1\nbad index \"q\": must be integer?[+-]integer? or end?[+-]integer?\n1\ninvalid command name \"nosuchcommand\"\n1\nfrom proc\n"
    );
}

// ---- Tcl commands and expr -------------------------------------------------------------

#[test]
fn expr_operators_and_precedence() {
    let cases = [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("-7 / 2", "-4"),
        ("-7 % 2", "1"),
        ("7 % -2", "-1"),
        ("2 ** 3 ** 2", "512"),
        ("-2 ** 2", "-4"),
        ("2 ** -1", "0"),
        ("1 << 4 | 1", "17"),
        ("0xff & 0x0f ^ 3", "12"),
        ("~5", "-6"),
        ("!0 + !5", "1"),
        ("7 > 3 && 2 >= 2", "1"),
        ("1 < 0 || 0", "0"),
        ("3 == 3.0", "1"),
        ("\"abc\" < \"abd\"", "1"),
        ("\"a\" eq \"a\"", "1"),
        ("\"a\" ne \"b\"", "1"),
        ("01 eq 1", "0"),
        ("01 == 1", "1"),
        ("1 ? \"yes\" : \"no\"", "yes"),
        ("0 ? 1 : 0 ? 2 : 3", "3"),
        ("10 / 4.0", "2.5"),
        ("1.5 * 2", "3.0"),
        ("abs(-3) + int(2.7) + round(2.5)", "8"),
        ("double(1) / 4", "0.25"),
        ("max(1, 5, 3) - min(4, 2)", "3"),
        ("\"b\" in {a b c}", "1"),
        ("\"d\" ni {a b c}", "1"),
        ("true && yes", "1"),
        ("1e3 + 1", "1001.0"),
        ("\" 3 \" * 2", "6"),
    ];
    let script: String = cases
        .iter()
        .map(|(e, _)| format!("puts [expr {{{e}}}]\n"))
        .collect();
    let want: String = cases.iter().map(|(_, r)| format!("{r}\n")).collect();
    assert_eq!(tcl(&script), want);
}

#[test]
fn irule_expression_operators() {
    let out = logged(
        r#"set h "mail.contoso.com"
log [expr {$h equals "mail.contoso.com"}]
log [expr {$h starts_with "mail."}]
log [expr {$h ends_with ".com" and $h contains "contoso"}]
log [expr {$h matches_glob "*.contoso.*"}]
log [expr {$h matches_regex {^mail\.[a-z]+\.com$}}]
log [expr {not ($h contains "x") or 0}]
if { $h starts_with "smtp" } { log bad } elseif { $h ends_with "com" } { log elseif } else { log bad }"#,
        "10.0.0.1",
    );
    assert_eq!(out, ["1", "1", "1", "1", "1", "1", "elseif"]);
}

#[test]
fn string_commands() {
    let out = tcl(r#"puts [string length "héllo"]
puts [string tolower ABC][string toupper def]
puts [string range "hello world" 6 end]
puts [string range abc 1 end-1]
puts [string first l hello][string last l hello]
puts [string first z hello]
puts [string match {*.example.[cn]*} mail.example.com]
puts [string match -nocase A* abc]
puts [string map {a 1 bb 2} "abba"]
puts [string equal abc abc][string equal -nocase ABC abc]
puts [string trim "  x  "]|[string trimleft "xxy" x]|[string trimright "yxx" x]
puts [string index hello 1][string index hello end]
puts [string compare a b][string repeat ab 3]"#);
    assert_eq!(
        out,
        "5\nabcDEF\nworld\nb\n23\n-1\n1\n1\n121\n11\nx|y|y\neo\n-1ababab\n"
    );
}

#[test]
fn list_commands() {
    let out = tcl(r#"set l [list a "b c" {} d]
puts $l
puts [llength $l]
puts [lindex $l 1][lindex $l end]
puts [lindex {a {b c} d} 1 0]
lappend l e f
puts $l
puts [split "a,b,,c" ,]
puts [join {a b c} -]
puts [lrange {a b c d} 1 2]
puts [lsearch {a b c} c][concat {a b} {c}]"#);
    assert_eq!(
        out,
        "a {b c} {} d\n4\nb cd\nb\na {b c} {} d e f\na b {} c\na-b-c\nb c\n2a b c\n"
    );
}

#[test]
fn control_flow_commands() {
    let out = tcl(r#"set s 0
for {set i 0} {$i < 10} {incr i} { if {$i == 3} continue ; if {$i == 6} break ; incr s $i }
puts $s
set n 0
while {1} { incr n 2 ; if {$n > 7} { break } }
puts $n
foreach {k v} {a 1 b 2} x {p q} { puts "$k=$v $x" }
foreach w {x y z} { append acc $w }
puts $acc
switch -glob -- "mail.example.com" { *.contoso.* { puts c } *.example.* - x { puts e } default { puts d } }
switch -exact q { a { puts a } default { puts dflt } }
switch b a {puts a} b {puts b}
set arr(k) v ; puts $arr(k)[info exists arr(k)][info exists arr(z)][info exists nope]
unset arr ; puts [info exists arr]
set x 5 ; incr x -2 ; puts $x
puts [if {0} {set a 1} else {set a 2}]
eval puts {"from eval"}"#);
    assert_eq!(
        out,
        "12\n8\na=1 p\nb=2 q\nxyz\ne\ndflt\nb\nv100\n0\n3\n2\nfrom eval\n"
    );
}

#[test]
fn substitution_rules() {
    let out = tcl(r#"set a 1 ; set b(x) 2 ; set k x ; set ::g 3
puts "$a $b(x) $b($k) ${a}z $::g \$a \[x\] \x41\u00e9 \t|"
puts {$a [nope] \n}
puts [set a]foo[set a]
# a comment ; puts "not printed"
puts "multi\
   line"
puts a;puts b
set s {a\
   b}
puts $s"#);
    assert_eq!(
        out,
        "1 2 2 1z 3 $a [x] A\u{e9} \t|\n$a [nope] \\n\n1foo1\nmulti line\na\nb\na b\n"
    );
}

// ---- taint -----------------------------------------------------------------------------

#[test]
fn taint_escapes_are_recorded_with_operation_and_line() {
    let ev = accepted(
        r#"when CLIENT_ACCEPTED {
  set c [IP::client_addr]
  log "client $c"
  if { [string range $c 0 end-3] eq "10.1." } { snat automap }
}"#,
        "10.1.2.3",
    );
    assert!(ev.error.is_none());
    assert!(ev.is_sampled());
    // The slice, the comparison of the slice, and the branch taken on it.
    assert_eq!(ev.escapes.len(), 3, "{:?}", ev.escapes);
    assert_eq!(ev.escapes[0].operation, "string range");
    assert_eq!(ev.escapes[0].origin.at.line, 4);
    assert!(ev.escapes[1].operation.contains("eq"));
}

#[test]
fn modelled_predicates_do_not_escape() {
    let ev = accepted(
        r#"when CLIENT_ACCEPTED {
  set c [IP::client_addr]
  set copy $c
  log "client $c"
  if { $copy eq "10.1.2.3" || [string equal $c 192.0.2.1] } { snat none }
  if { [IP::addr $c equals 10.0.0.0/8] } { pool smtp_pool }
  switch $c { 10.1.2.4 { snat automap } default {} }
  if { [class match $c equals smtp_relay_allowed] } { snatpool relay_snat }
}"#,
        // Not 10.1.2.3: `||` would stop after the first comparison, as Tcl does.
        "10.1.2.9",
    );
    assert!(ev.error.is_none(), "{:?}", ev.error);
    assert!(!ev.is_sampled(), "{:?}", ev.escapes);
    let by: Vec<String> = ev
        .observed
        .iter()
        .map(|o| {
            format!(
                "{:?} {}",
                o.by,
                o.sets
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            "Equality(\"10.1.2.3\") 10.1.2.3/32",
            "Equality(\"192.0.2.1\") 192.0.2.1/32",
            "IpAddr(\"10.0.0.0/8\") 10.0.0.0/8",
            "Equality(\"10.1.2.4\") 10.1.2.4/32",
            "DataGroup(\"/Common/smtp_relay_allowed\") 10.1.1.5/32,10.1.2.0/24"
        ]
    );
}

#[test]
fn derived_values_escape_at_the_predicate() {
    for (body, client) in [
        // Counted from an end that moves with the address.
        (
            "if { [string range [IP::client_addr] end-1 end] eq \".3\" } { snat none }",
            "10.1.2.3",
        ),
        (
            "set x \"[IP::client_addr]0\"\nif { [class match $x equals smtp_relay_allowed] } { snat none }",
            "10.1.2.3",
        ),
        ("snat [IP::client_addr]", "10.1.2.3"),
        (
            "foreach o [split [IP::client_addr] .] { incr n $o }",
            "10.1.2.3",
        ),
        // A window that is a number compares as one: `10.0` equals "10", unfollowed.
        (
            "if { [string range [IP::client_addr] 0 1] == 10.0 } { snat none }",
            "10.1.2.3",
        ),
        // Arithmetic on an octet is outside the model.
        (
            "if { [lindex [split [IP::client_addr] .] 0] * 2 > 10 } { snat none }",
            "10.1.2.3",
        ),
        // The last field carries the route domain: not an octet's text.
        (
            "if { [lindex [split [IP::client_addr] .] 3] == 3 } { snat none }",
            "10.1.2.3%2",
        ),
        // What a regexp captured is the client's text, which the model does not follow.
        (
            "regexp {^(\\d+)\\.} [IP::client_addr] -> first\nif { $first == 10 } { snat none }",
            "10.1.2.3",
        ),
    ] {
        let ev = accepted(&format!("when CLIENT_ACCEPTED {{\n{body}\n}}"), client);
        assert!(ev.is_sampled(), "{body}");
        assert!(ev.error.is_none(), "{body}: {:?}", ev.error);
    }
}

#[test]
fn text_operators_with_a_literal_on_the_address_are_exact() {
    for body in [
        "if { [IP::client_addr] starts_with \"10.1.\" } { snat none }",
        "if { [IP::client_addr] ends_with \".1.2.3\" } { snat none }",
        "if { [IP::client_addr] contains \"10.1.\" } { snat none }",
        "if { [string match {10.1.*} [IP::client_addr]] } { snat none }",
        "switch -glob [IP::client_addr] { \"10.1.*\" { snat none } default { snat automap } }",
        "if { [regexp {^10\\.1\\.} [IP::client_addr]] } { snat none }",
        "switch -regexp [IP::client_addr] { {^10\\.1\\.} { snat none } default { snat automap } }",
        "if { [lindex [split [IP::client_addr] .] 0] == 10 } { snat none }",
        "if { [getfield [IP::client_addr] . 2] < 5 } { snat none }",
        "scan [IP::client_addr] %d.%d.%d.%d a b c d\nif { $a == 10 && $b >= 1 } { snat none }",
        "if { [string length [IP::client_addr]] > 8 } { snat none }",
        "if { [string first \"10.1.\" [IP::client_addr]] == 0 } { snat none }",
        "if { [class match [IP::client_addr] starts_with domains] } { snat none }",
        "if { [string match {10.1.*} [IP::addr [IP::client_addr] mask 255.255.0.0]] } { snat none }",
        "if { [string tolower [IP::client_addr]] eq \"10.1.2.3\" } { snat none }",
        "if { [string range [IP::client_addr] 0 4] eq \"10.1.\" } { snat none }",
        "if { [class match [string range [IP::client_addr] 0 4] starts_with domains] } { snat none }",
        "if { \"[IP::client_addr]/24\" eq \"10.1.2.3/24\" } { snat none }",
        "if { [class match [IP::addr [IP::client_addr] mask 255.255.255.0] equals nested] } { snat none }",
        "if { [class match -value [IP::addr [IP::client_addr] mask 255.255.0.0] equals nested] eq \"mid\" } { snat none }",
        "if { [IP::addr [IP::addr [IP::client_addr] mask 255.255.0.0] equals 10.1.0.0/16] } { snat none }",
    ] {
        // In route domain 2 the text carries `%2`: exact too.
        for client in ["10.1.2.3", "10.1.2.3%2"] {
            let ev = accepted(&format!("when CLIENT_ACCEPTED {{\n{body}\n}}"), client);
            assert!(!ev.is_sampled(), "{body} for {client}: {:?}", ev.escapes);
            assert!(ev.error.is_none(), "{body}: {:?}", ev.error);
            assert!(!ev.observed.is_empty(), "{body} for {client}");
        }
    }
    // IPv6 text, where the `::` placement keeps the set whole.
    let ev = accepted(
        "when CLIENT_ACCEPTED {\nif { [string match {2001:db8:*} [IP::client_addr]] } { snat none }\n}",
        "2001:db8::25",
    );
    assert!(!ev.is_sampled(), "{:?}", ev.escapes);
    // One address in every /24 is millions of ranges: too ragged to hold, sampled.
    let ev = accepted(
        "when CLIENT_ACCEPTED {\nif { [IP::client_addr] ends_with \".3\" } { snat none }\n}",
        "10.1.2.3",
    );
    assert!(ev.is_sampled());
}

// ---- load and parse errors -------------------------------------------------------------

#[test]
fn commands_and_events_needing_a_profile_are_refused_at_load_with_the_profile() {
    let rule = irule::parse(
        "/Common/web",
        "when CLIENT_ACCEPTED {\n  snat automap\n  if {[HTTP::uri] eq \"/\"} { drop }\n}",
    )
    .unwrap();
    let e = irule::Program::new(vec![rule], Settings::default()).unwrap_err();
    assert_eq!(
        e.kind,
        LoadErrorKind::NeedsProfile {
            command: "HTTP::uri".into(),
            profile: "http|fasthttp".into(),
            event: "CLIENT_ACCEPTED".into(),
            line: 3
        }
    );
    assert!(
        e.to_string()
            .contains("`HTTP::uri` (event CLIENT_ACCEPTED, line 3) needs an http or fasthttp profile, which this virtual does not have"),
        "{e}"
    );
    let text = "\nwhen HTTP_REQUEST { pool smtp_pool }";
    let rule = irule::parse("/Common/web", text).unwrap();
    let e = irule::Program::new(vec![rule], Settings::default()).unwrap_err();
    assert_eq!(
        e.kind,
        LoadErrorKind::EventNeedsProfile {
            event: "HTTP_REQUEST".into(),
            profile: "http|fasthttp".into(),
            line: 2
        }
    );
    // The span is the event's name, not the whole `when`.
    assert_eq!(&text[e.span.start..e.span.end], "HTTP_REQUEST");
}

#[test]
fn unsupported_command_at_run_time_names_command_and_event() {
    let ev = accepted(
        "when CLIENT_ACCEPTED {\n  set c HTTP::host\n  $c\n}",
        "10.0.0.1",
    );
    let e = ev.error.unwrap();
    assert_eq!(
        e.kind,
        RuntimeErrorKind::Unsupported {
            command: "HTTP::host".into(),
            event: "CLIENT_ACCEPTED".into()
        }
    );
    assert_eq!(e.at.line, 3);
}

#[test]
fn parse_errors_point_at_the_offending_character() {
    let cases: &[(&str, &str, (usize, usize))] = &[
        (
            "when CLIENT_ACCEPTED {\n  set a {x}y\n}",
            "extra characters after close-brace",
            (2, 12),
        ),
        (
            "when CLIENT_ACCEPTED {\n  set a \"x\"y\n}",
            "extra characters after close-quote",
            (2, 12),
        ),
        (
            "when CLIENT_ACCEPTED {\n  set a [IP::client_addr\n}",
            "missing close-bracket",
            (2, 9),
        ),
        (
            "when CLIENT_ACCEPTED {\n  if { 1 + } { }\n}",
            "missing operand in expression",
            (2, 12),
        ),
        (
            "when CLIENT_ACCEPTED {\n  if { $a == foo } { }\n}",
            "invalid bareword \"foo\"",
            (2, 14),
        ),
        (
            "when CLIENT_ACCEPTED {\n  if { ($a } { }\n}",
            "missing close parenthesis in expression",
            (2, 8),
        ),
        (
            "set x 1\nwhen CLIENT_ACCEPTED {}",
            "`set` cannot stand at the top level of an iRule",
            (1, 1),
        ),
        (
            "when CLIENT_ACCEPTED priority 5000 {}",
            "bad priority",
            (1, 31),
        ),
        (
            "when CLIENT_ACCEPTED {\n  set a \"open\n}",
            "missing \"",
            (2, 9),
        ),
    ];
    for (text, msg, (line, col)) in cases {
        let e = irule::parse("/Common/r", text).unwrap_err();
        assert_eq!(&e.message, msg, "{text}");
        assert_eq!((e.at.line, e.at.col), (*line, *col), "{text}: {e}");
        assert!(e.hint.is_some(), "{text}");
    }
}

#[test]
fn errors_render_as_miette_diagnostics() {
    let e = irule::parse(
        "/Common/r",
        "when CLIENT_ACCEPTED {\n  if { $a == foo } { }\n}",
    )
    .unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &e)
        .unwrap();
    assert!(out.contains("irule::parse"), "{out}");
    assert!(out.contains("if { $a == foo }"), "{out}");
    assert!(out.contains("should it be \"foo\""), "{out}");
    let ev = accepted(&REFERENCE.replace("\"10.0.0.20\"", "\"\""), "10.1.2.55");
    let err = irule::Error::from(ev.error.unwrap());
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &err)
        .unwrap();
    assert!(out.contains("snat $accepted_snat"), "{out}");
    assert!(
        out.contains("is the variable holding the SNAT address empty"),
        "{out}"
    );
}

// ---- limits ------------------------------------------------------------------------------

#[test]
fn endless_loops_hit_the_step_budget_and_catch_cannot_hide_it() {
    for body in [
        "while 1 {}",
        "while 1 { catch { while 1 {} } }",
        "for {} {1} {} { set x 1 }",
        "proc f {} { f }\nf",
    ] {
        let r = irule::run_tcl(
            body,
            &Settings {
                step_budget: 10_000,
                ..Settings::default()
            },
        );
        let e = r.result.unwrap_err().to_string();
        assert!(
            e.contains("step budget") || e.contains("too many nested"),
            "{body}: {e}"
        );
    }
}

#[test]
fn deep_nesting_and_huge_values_are_errors_not_crashes() {
    let deep = format!("puts {}1{}", "[expr ".repeat(300), "]".repeat(300));
    assert!(irule::run_tcl(&deep, &Settings::default()).result.is_err());
    let r = irule::run_tcl("set s x\nwhile 1 { append s $s }", &Settings::default());
    assert!(
        r.result
            .unwrap_err()
            .to_string()
            .contains("exceeds the limit")
    );
    let r = irule::run_tcl("string repeat x 100000000000", &Settings::default());
    assert!(r.result.is_err());
}

#[test]
fn program_and_results_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<irule::Program>();
    send_sync::<irule::Rule>();
    send_sync::<irule::Statics>();
    send_sync::<irule::StaticHost>();
    send_sync::<irule::Evaluation>();
    send_sync::<irule::Error>();
}
