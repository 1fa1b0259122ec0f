//! Issue 11, the iRule engine's rows: work that grows a value or scans a big one costs
//! steps in proportion, values are capped, deep expressions are a located parse error at a
//! stated depth, and 64-bit overflow is an error, never a panic.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

use std::time::{Duration, Instant};

use irule::{Error, RuntimeErrorKind, Settings};

/// Generous: a bound on behaviour (seconds, not a day), not a timing.
const BEHAVIOUR_BOUND: Duration = Duration::from_secs(10);

/// The stack `relaylab serve` gives a tokio worker, where rules are evaluated.
const WORKER_STACK: usize = 2 << 20;

fn run(script: &str) -> (Result<String, Error>, Duration) {
    let start = Instant::now();
    let r = irule::run_tcl(script, &Settings::default()).result;
    (r, start.elapsed())
}

fn runtime_kind(r: &Result<String, Error>) -> &RuntimeErrorKind {
    match r {
        Err(Error::Runtime(e)) => &e.kind,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

fn on_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// Each of these doubled a value per round at no cost: gigabytes within seconds.
#[test]
fn growing_a_value_without_bound_hits_the_value_cap() {
    for script in [
        "set s x; while 1 { set s [concat $s $s] }",
        "set s x; while 1 { set s [string map {x xx} $s] }",
        "set s x; while 1 { set s [list $s $s] }",
        "set s x; while 1 { set s [join [list $s $s] {}] }",
        "set s x; while 1 { set s [lrange [list $s $s] 0 end] }",
        "set s x; while 1 { set s [split $s$s {}] }",
        "set s x; while 1 { set s [string toupper $s$s] }",
        "set s x; while 1 { append s $s }",
        "set s x; while 1 { lappend s $s }",
        "set s x; while 1 { set s [eval list $s $s] }",
    ] {
        let (r, took) = run(script);
        let kind = runtime_kind(&r);
        assert!(
            matches!(kind, RuntimeErrorKind::TooLarge { limit, .. } if *limit == Settings::default().max_value_len),
            "{script}: {kind:?}"
        );
        assert!(took < BEHAVIOUR_BOUND, "{script}: {took:?}");
    }
}

/// `log` kept every line: a loop logging a big value filled memory at one step a line.
#[test]
fn logging_in_a_loop_is_bounded() {
    let start = Instant::now();
    let rule = irule::parse(
        "/Common/chatty",
        "when CLIENT_ACCEPTED {\n set s [string repeat x 100000]\n while 1 { log local0. $s }\n}",
    )
    .unwrap();
    let p = irule::Program::new(vec![rule], Settings::default()).unwrap();
    let host = irule::StaticHost::new();
    let statics = p.init(&host).unwrap();
    let conn = irule::Connection::new(
        "192.0.2.1".parse().unwrap(),
        "10.0.0.10".parse().unwrap(),
        25,
    );
    let ev = p.evaluate(&host, &statics, conn, "CLIENT_ACCEPTED");
    let took = start.elapsed();
    let kept: usize = ev.logs.iter().map(|l| l.message.len()).sum();
    assert!(
        kept <= Settings::default().max_value_len,
        "{kept} bytes of logs kept"
    );
    let e = ev.error.expect("the loop never ends by itself");
    assert_eq!((e.at.line, e.at.col), (3, 12), "{e}");
    let kind = &e.kind;
    assert!(
        matches!(kind, RuntimeErrorKind::LogTooLarge { .. }),
        "{kind:?}"
    );
    assert!(took < BEHAVIOUR_BOUND, "{took:?}");
}

/// Each `lsearch` of a 500,000-element list cost one step: about a day per evaluation.
#[test]
fn scanning_a_big_list_costs_steps_per_element() {
    for script in [
        "set h [string repeat {a } 500000]; while 1 { lsearch $h b }",
        "set h [string repeat {a } 500000]; while 1 { llength $h }",
        "set h [string repeat {a } 500000]; while 1 { lindex $h end }",
        "set h [string repeat {a } 500000]; while 1 { expr {{b} in $h} }",
        "set h [string repeat {a } 500000]; while 1 { string first b $h }",
        "set h [string repeat {a } 500000]; while 1 { string length $h }",
        "set h [string repeat {a } 500000]; while 1 { string match *b $h }",
        "set h [string repeat {a } 500000]; while 1 { regexp {b} $h }",
        "set h [string repeat {a } 500000]; while 1 { foreach x $h { break } }",
    ] {
        let (r, took) = run(script);
        let kind = runtime_kind(&r);
        assert!(
            matches!(kind, RuntimeErrorKind::StepBudget { .. }),
            "{script}: {kind:?}"
        );
        assert!(took < BEHAVIOUR_BOUND, "{script}: {took:?}");
    }
}

/// Matching that took the product of two big lengths cost a few steps: a search for a
/// long needle in a long haystack, a `*` glob that backtracks at every position.
#[test]
fn quadratic_matching_is_charged_or_linear() {
    for script in [
        "set h [string repeat a 1000000]; set n [string repeat a 400000]b; string first $n $h",
        "set h [string repeat a 1000000]; set n b[string repeat a 400000]; string last $n $h",
        "set h [string repeat a 1000000]; set p *[string repeat a 400000]b; string match $p $h",
        "set h [string repeat a 1000000]; set p *[string repeat a 400000]b; expr {$h matches_glob $p}",
        "set h [string repeat a 1000000]; set p *[string repeat a 400000]b; switch -glob -- $h $p {} default {}",
        "set h [list [string repeat a 1000000]]; set p *[string repeat a 400000]b; lsearch $h $p",
    ] {
        let (r, took) = run(script);
        assert!(took < BEHAVIOUR_BOUND, "{script}: {took:?}");
        match &r {
            Ok(v) => assert!(v == "-1" || v == "0" || v.is_empty(), "{script}: {v}"),
            Err(_) => assert!(
                matches!(runtime_kind(&r), RuntimeErrorKind::StepBudget { .. }),
                "{script}: {r:?}"
            ),
        }
    }
    let (r, _) = run("string first b aab 1");
    assert_eq!(r.unwrap(), "2");
    let (r, _) = run("string first é xéyé 2");
    assert_eq!(r.unwrap(), "3");
    let (r, _) = run("string last é xéyé");
    assert_eq!(r.unwrap(), "3");
}

fn chain(terms: usize) -> String {
    format!("set y 1\nset z [expr {{$y{}}}]\n", "+1".repeat(terms - 1))
}

/// The deepest expression accepted, inside the deepest script nesting accepted, runs on a
/// worker's stack (a debug build's frames are the largest).
#[test]
fn the_deepest_expr_in_the_deepest_script_fits_a_2mb_stack() {
    let deepest = irule::MAX_EXPR_DEPTH as usize;
    let nest = Settings::default().max_depth as usize - 3;
    let script = format!(
        "{}{}{}",
        "if 1 {".repeat(nest),
        chain(deepest),
        "}".repeat(nest)
    );
    let r = on_worker_stack(move || {
        irule::run_tcl(&script, &Settings::default())
            .result
            .map_err(|e| e.to_string())
    });
    assert_eq!(r.unwrap(), deepest.to_string());
    // Proc calls are the deepest frames: recurse as far as the budget allows, then
    // evaluate the deepest expression.
    let script = format!(
        "proc f {{n}} {{ if {{$n > 0}} {{ return [f [expr {{$n - 1}}]] }} else {{ {} }} }}\nf {}",
        chain(deepest).replace('\n', "; "),
        nest / 3 - 2
    );
    let r = on_worker_stack(move || {
        irule::run_tcl(&script, &Settings::default())
            .result
            .map_err(|e| e.to_string())
    });
    assert_eq!(r.unwrap(), deepest.to_string());
    // The same through `[expr]` nested in an expression: the depth is counted across.
    let inner = format!("[expr {{$y{}}}]", "+1".repeat(deepest - 1));
    let script = format!("set y 1\nexpr {{1+{inner}}}");
    let r = on_worker_stack(move || {
        irule::run_tcl(&script, &Settings::default())
            .result
            .map_err(|e| e.to_string())
    });
    assert!(r.unwrap_err().contains("expression nested deeper than"));
}

/// In `serve` a 700-term expression overflowed a tokio worker's stack and aborted the lab.
#[test]
fn a_700_term_expr_is_a_located_error_on_a_2mb_stack() {
    let rule = format!("when CLIENT_ACCEPTED {{\n{}}}\n", chain(700));
    let e = on_worker_stack(move || {
        let e = irule::parse("/Common/long", &rule).unwrap_err();
        (e.to_string(), e.at.line, e.at.col)
    });
    let col = 14 + 2 * irule::MAX_EXPR_DEPTH as usize;
    assert_eq!((e.1, e.2), (3, col), "{}", e.0);
    assert!(
        e.0.contains("expression nested deeper than 128 levels"),
        "{}",
        e.0
    );
}

/// Past the stated depth an expression is a parse error at the operator that went too
/// deep, with its line and column, never a stack overflow.
#[test]
fn a_1200_term_expr_is_a_located_parse_error() {
    for (terms, nested) in [(1200, false), (5000, false), (1200, true)] {
        let text = if nested {
            // The same depth through parentheses and brackets mixed with operators.
            format!(
                "set z [expr {{{}1{}}}]\n",
                "1+(".repeat(terms / 2),
                ")".repeat(terms / 2)
            )
        } else {
            chain(terms)
        };
        let r = on_worker_stack(move || {
            let e = irule::parse(
                "/Common/long",
                &format!("when CLIENT_ACCEPTED {{\n{text}}}"),
            )
            .unwrap_err();
            (e.to_string(), e.at.line, e.at.col)
        });
        assert!(
            r.0.contains("nested deeper than"),
            "{terms} {nested}: {}",
            r.0
        );
        assert_eq!(r.1, if nested { 2 } else { 3 }, "{r:?}");
        assert!(r.2 > 10, "{r:?}");
    }
}

/// Expressions evaluated from run-time text (`expr $e`, `if $c`) meet the same depth.
#[test]
fn a_deep_expr_built_at_run_time_is_an_error_not_an_overflow() {
    let r = on_worker_stack(|| {
        let r = irule::run_tcl(
            "set e 1; for {set i 0} {$i < 5000} {incr i} { append e +1 }; expr $e",
            &Settings::default(),
        );
        r.result.map_err(|e| e.to_string())
    });
    let e = r.unwrap_err();
    assert!(e.contains("nested deeper than"), "{e}");
}

/// Tcl (8.6, with bignums) would give big results; relaylab's integers are 64-bit and
/// report `integer overflow`. Nothing here may panic, even in a debug build.
#[test]
fn integer_overflow_is_an_error_never_a_panic() {
    let overflow = [
        "expr {-9223372036854775807 - 1 << 1}",
        "expr {9223372036854775807 << 1}",
        "expr {1 << 9223372036854775807}",
        "expr {-1 << 63 << 1}",
        "expr {-9223372036854775807 - 2}",
        "expr {9223372036854775807 + 1}",
        "expr {-(-9223372036854775807 - 1)}",
        "expr {abs(-9223372036854775807 - 1)}",
        "expr {(-9223372036854775807 - 1) / -1}",
        "expr {(-9223372036854775807 - 1) * -1}",
        "expr {2 ** 63}",
        "expr {(-2) ** 65}",
        "expr {3 ** 9223372036854775807}",
        "set i 9223372036854775807; incr i",
        "set i -9223372036854775807; incr i -2",
        "expr {int(1e300)}",
        "expr {round(-1e300)}",
    ];
    for script in overflow {
        let (r, _) = run(script);
        let kind = runtime_kind(&r);
        assert!(
            matches!(kind, RuntimeErrorKind::IntegerOverflow),
            "{script}: {kind:?}"
        );
    }
    // A literal beyond 64 bits reads as a double, as Tcl 8.4 reads it; shifting one is
    // Tcl's own error.
    let (r, _) = run("expr {-9223372036854775808 << 1}");
    let e = r.unwrap_err().to_string();
    assert!(
        e.ends_with("can't use floating-point value as operand of \"<<\""),
        "{e}"
    );
    // What tclsh 8.6 answers within 64 bits, relaylab answers the same.
    let exact = [
        ("expr {(-9223372036854775807 - 1) % -1}", "0"),
        (
            "expr {-9223372036854775807 - 1 >> 1}",
            "-4611686018427387904",
        ),
        (
            "expr {-9223372036854775807 - 1 >> 9223372036854775807}",
            "-1",
        ),
        ("expr {-1 << 63}", "-9223372036854775808"),
        ("expr {0 << 9223372036854775807}", "0"),
        ("expr {1 >> 64}", "0"),
        (
            "expr {(-9223372036854775807 - 1) / 1}",
            "-9223372036854775808",
        ),
        ("expr {(-9223372036854775807 - 1) % 3}", "1"),
        ("expr {(-2) ** 63}", "-9223372036854775808"),
        ("expr {1 ** -9223372036854775807}", "1"),
        ("expr {(-1) ** -9223372036854775807}", "-1"),
        ("expr {~(-9223372036854775807 - 1)}", "9223372036854775807"),
    ];
    for (script, want) in exact {
        let (r, _) = run(script);
        assert_eq!(
            r.map_err(|e| e.to_string()).as_deref(),
            Ok(want),
            "{script}"
        );
    }
    // tclsh 8.6 calls these bad indexes (its indexes are 32-bit); a clamped result or a
    // bad-index error will do, a panic will not.
    for script in [
        "lindex {a b} end-9223372036854775807",
        "lindex {a b} end--9223372036854775807",
        "lindex {a b} -9223372036854775807-9223372036854775807",
        "lindex {a b} 9223372036854775807+9223372036854775807",
        "lindex {a b} 0x8000000000000000-1",
        "string range abc -9223372036854775807 end--9223372036854775807",
        "string index abc end+9223372036854775807",
        "lrange {a b c} end-9223372036854775807 9223372036854775807",
        "string repeat ab -9223372036854775807",
    ] {
        let (r, _) = run(script);
        assert!(
            r.is_ok()
                || matches!(&r, Err(Error::Runtime(e)) if matches!(e.kind, RuntimeErrorKind::BadIndex { .. })),
            "{script}: {r:?}"
        );
    }
}

/// A rule that builds a new pattern on every round of a loop: each pattern's set of
/// addresses is walked once, within a step budget per walk and per program, so the
/// evaluation ends in bounded time and the patterns past the budget sample instead.
#[test]
fn endless_patterns_on_the_address_are_walked_within_a_budget() {
    let rule = r#"when CLIENT_ACCEPTED {
  for { set i 0 } { $i < 5000 } { incr i } {
    if { [string match "*$i*" [IP::client_addr]] || [regexp "$i\[0-9\]*$i" [IP::client_addr]] } {
      incr hits
    }
  }
  snat automap
}"#;
    let p = irule::Program::new(
        vec![irule::parse("/Common/endless", rule).unwrap()],
        Settings::default(),
    )
    .unwrap();
    let host = irule::StaticHost::new();
    let statics = p.init(&host).unwrap();
    let conn = irule::Connection {
        client: "10.1.2.3".parse().unwrap(),
        client_port: 40000,
        local: "10.0.0.10".parse().unwrap(),
        local_port: 25,
    };
    let start = Instant::now();
    let ev = p.evaluate(&host, &statics, conn, "CLIENT_ACCEPTED");
    let took = start.elapsed();
    assert!(ev.error.is_none(), "{:?}", ev.error);
    // Ragged patterns (a digit anywhere) cannot be held as ranges: sampled, never
    // wrongly proved.
    assert!(ev.is_sampled());
    assert!(took < BEHAVIOUR_BOUND, "{took:?}");
}
