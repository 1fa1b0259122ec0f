//! Rendering proofs: text for people, JSON for programs, JUnit for CI.

use std::fmt::Write;

use verify::prove::{CaseResult, Class, Label, Proof, Violation};

/// Text of one scenario's proof.
pub fn text(proof: &Proof, path: &str, verbose: bool) -> String {
    let mut o = String::new();
    let _ = write_text(&mut o, proof, path, verbose);
    o
}

fn label(l: &Label) -> String {
    match l {
        Label::Proved => "proved".into(),
        Label::Sampled { operation, at } => format!("sampled, not proved: `{operation}` at {at}"),
        Label::NotDecided { reason, at } => format!("not decided: {reason} at {at}"),
    }
}

fn blocks(addresses: &[String], total: usize) -> String {
    let mut s = addresses.join(", ");
    if total > addresses.len() {
        let _ = write!(s, " (+{} more blocks)", total - addresses.len());
    }
    s
}

fn write_class(o: &mut String, c: &Class) -> std::fmt::Result {
    let allowed = if c.allowed {
        "relay allowed"
    } else {
        "not allowed"
    };
    writeln!(
        o,
        "  - {}  [{allowed}; {}; e.g. {}]",
        blocks(&c.addresses, c.address_blocks),
        label(&c.label),
        c.who()
    )?;
    writeln!(o, "      iRule   {}", c.branch)?;
    if let Some(end) = &c.end {
        writeln!(o, "      ends    {end}")?;
    }
    for p in &c.paths {
        writeln!(
            o,
            "      {} -> {} {} sees {} -> {}: relay {}, inbound {}, auth+TLS {}, auth {}",
            p.snat,
            p.member,
            p.server,
            p.seen,
            p.connector,
            p.relay,
            p.local,
            p.auth_tls,
            p.auth_plain
        )?;
    }
    Ok(())
}

fn write_violation(o: &mut String, v: &Violation) -> std::fmt::Result {
    // A client of a sampled class the representative did not speak for.
    let found = if v.found_by_search {
        "; found by search"
    } else {
        ""
    };
    writeln!(
        o,
        "  ✗ {} on {} [{}{found}]",
        v.property,
        v.virtual_name,
        label(&v.label)
    )?;
    writeln!(o, "      {}", v.what)?;
    writeln!(
        o,
        "      addresses  {}",
        blocks(&v.addresses, v.address_blocks)
    )?;
    writeln!(o, "      iRule      {}", v.branch)?;
    if let Some(p) = &v.path {
        writeln!(
            o,
            "      path       {} -> {} ({}) sees {} -> {}",
            p.snat, p.member, p.server, p.seen, p.connector
        )?;
        writeln!(o, "      server     {}", p.relay_reply)?;
    }
    for l in v.config_lines.iter().take(8) {
        writeln!(o, "      config     {l}")?;
    }
    Ok(())
}

fn write_case(o: &mut String, c: &CaseResult) -> std::fmt::Result {
    let (mark, note) = match (c.passed, c.not_decided) {
        (true, _) => ("✓", ""),
        (false, true) => ("?", " (not decided: not shown to hold)"),
        (false, false) => ("✗", ""),
    };
    writeln!(
        o,
        "  {mark} line {}: {} -> {} expect {}{note}",
        c.line, c.from, c.rcpt, c.expect
    )?;
    if !c.passed {
        for obs in &c.observed {
            writeln!(o, "      {obs}")?;
        }
    }
    Ok(())
}

fn write_text(o: &mut String, p: &Proof, path: &str, verbose: bool) -> std::fmt::Result {
    writeln!(o, "== {}  ({path})", p.scenario)?;
    for v in &p.virtuals {
        let mut unproved = Vec::new();
        if v.sampled_regions > 0 {
            unproved.push(format!("{} sampled, not proved", v.sampled_regions));
        }
        if v.not_decided_regions > 0 {
            unproved.push(format!(
                "{} not decided (relaylab cannot follow them; no verdict)",
                v.not_decided_regions
            ));
        }
        let sampled = if unproved.is_empty() {
            "all proved".to_string()
        } else {
            unproved.join(", ")
        };
        writeln!(
            o,
            "virtual {} {}: {} address classes over {} regions ({} evaluations), {sampled}",
            v.name,
            v.destination,
            v.classes.len(),
            v.regions,
            v.evaluations
        )?;
        if verbose || v.classes.len() <= 12 {
            for c in &v.classes {
                write_class(o, c)?;
            }
        } else {
            writeln!(o, "  ({} classes; --verbose lists them)", v.classes.len())?;
        }
    }
    let violations: Vec<&Violation> = p.violations().collect();
    if violations.is_empty() {
        writeln!(o, "violations: none")?;
    } else {
        writeln!(o, "violations:")?;
        for v in violations {
            write_violation(o, v)?;
        }
    }
    if !p.cases.is_empty() {
        let ok = p.cases.iter().filter(|c| c.passed).count();
        writeln!(o, "cases: {ok}/{} as written", p.cases.len())?;
        for c in &p.cases {
            write_case(o, c)?;
        }
    }
    for n in &p.notes {
        writeln!(o, "note: {n}")?;
    }
    let c = &p.check;
    let verdict = if !c.passes() {
        let mut why = Vec::new();
        if !c.unexpected.is_empty() {
            why.push(format!("violated: {}", names(&c.unexpected)));
        }
        if !c.missing.is_empty() {
            why.push(format!("expected but not found: {}", names(&c.missing)));
        }
        if !c.examples_not_covered.is_empty() {
            why.push(format!(
                "expected counterexamples not found: {}",
                c.examples_not_covered.join(", ")
            ));
        }
        if !c.failed_cases.is_empty() {
            why.push(format!("cases failed at lines {:?}", c.failed_cases));
        }
        format!("FAIL ({})", why.join("; "))
    } else if c.found.is_empty() {
        "HOLDS".to_string()
    } else {
        format!(
            "PASS (found exactly the expected violations: {})",
            names(&c.found)
        )
    };
    writeln!(o, "result: {verdict}")
}

fn names(ps: &[verify::Property]) -> String {
    ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
}

/// JUnit XML for a set of proofs: one suite per scenario, one test per property per
/// virtual, one per case.
pub fn junit(proofs: &[(String, Proof)]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("relaylab check");
    for (path, p) in proofs {
        let mut suite = TestSuite::new(p.scenario.clone());
        suite.add_property(quick_junit::Property::new("path", path.clone()));
        let expected = |prop: verify::Property| {
            p.check.found.contains(&prop) || p.check.missing.contains(&prop)
        };
        for v in &p.virtuals {
            for prop in verify::Property::ALL {
                let found: Vec<&Violation> =
                    v.violations.iter().filter(|x| x.property == prop).collect();
                let ok = found.is_empty() != expected(prop);
                let status = if ok {
                    TestCaseStatus::success()
                } else {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let msg = match found.first() {
                        Some(x) => x.what.clone(),
                        None => format!("expected a {prop} violation; none found"),
                    };
                    s.set_message(msg);
                    s
                };
                suite.add_test_case(TestCase::new(format!("{} {}", v.name, prop.name()), status));
            }
        }
        for c in &p.cases {
            let status = if c.passed {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(c.observed.join("; "));
                s
            };
            suite.add_test_case(TestCase::new(
                format!("case line {}: {} -> {}", c.line, c.from, c.rcpt),
                status,
            ));
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->\n"))
}
