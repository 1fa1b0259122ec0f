//! `relaylab diff`: what a change to the configuration does, client by client, before it
//! is deployed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use verify::diff::{ChangeKind, Diff, Direction, Presence};

use crate::cli::ReportFormat;
use crate::scenario::{self, Scenario};
use crate::{BadInput, Outcome};

/// What `--allow` may name: a kind of change, or a property whose regression is
/// expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// A kind of change.
    Change(ChangeKind),
    /// A property's regression.
    Property(verify::Property),
}

impl std::str::FromStr for Allowed {
    type Err = String;
    fn from_str(s: &str) -> Result<Allowed, String> {
        if let Ok(p) = s.parse::<verify::Property>() {
            return Ok(Allowed::Property(p));
        }
        s.parse::<ChangeKind>().map(Allowed::Change).map_err(|_| {
            let kinds: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.name()).collect();
            let props: Vec<&str> = verify::Property::ALL.iter().map(|p| p.name()).collect();
            format!(
                "`{s}` is neither a kind of change ({}) nor a property ({})",
                kinds.join(", "),
                props.join(", ")
            )
        })
    }
}

/// The two sides: `before` and `after` scenarios, or `before` with its BIG-IP
/// configuration replaced by `bigip`.
pub struct Sides<'p> {
    /// The scenario before the change.
    pub before: &'p Path,
    /// The scenario after, if given as one.
    pub after: Option<&'p Path>,
    /// The BIG-IP configuration after, replacing the before scenario's.
    pub bigip: &'p [PathBuf],
    /// Policy files after, each replacing the before scenario's file of the same name.
    pub policy: &'p [PathBuf],
}

/// Compares the two sides; exit 1 on a regression (or, with `fail_on_change`, any
/// change) that `allow` does not name.
pub fn diff(
    sides: Sides<'_>,
    format: ReportFormat,
    allow: &[Allowed],
    fail_on_change: bool,
    out: Option<&Path>,
) -> Result<Outcome, BadInput> {
    let before_path = one_scenario(sides.before)?;
    let before = scenario::load(&before_path)?;
    let replacing = scenario::Replacing {
        bigip: sides.bigip,
        policy: sides.policy,
    };
    let replaces = !(sides.bigip.is_empty() && sides.policy.is_empty());
    let (after, after_name) = match (sides.after, replaces) {
        (Some(a), false) => {
            let p = one_scenario(a)?;
            (scenario::load(&p)?, p.display().to_string())
        }
        (None, true) => {
            let names: Vec<String> = sides
                .bigip
                .iter()
                .chain(sides.policy)
                .map(|p| p.display().to_string())
                .collect();
            (
                scenario::load_replacing(&before_path, replacing)?,
                format!("{} with {}", before_path.display(), names.join(" ")),
            )
        }
        (Some(_), true) => {
            return Err(BadInput::message(
                "give the after side once: a second scenario, or --bigip/--policy with the changed files",
                Some(
                    "relaylab diff before/ after/, or relaylab diff before/ --bigip new-bigip.conf"
                        .into(),
                ),
            ));
        }
        (None, false) => {
            return Err(BadInput::message(
                "nothing to compare the scenario with",
                Some("relaylab diff before/ after/, or relaylab diff before/ --bigip new-bigip.conf --policy new-receive-connectors.json".into()),
            ));
        }
    };
    for s in [&before, &after] {
        crate::input::print_files_warnings(&s.warnings);
    }
    let d = verify::diff::diff(&prove(&before)?, &prove(&after)?);
    let regressions = d
        .regressions()
        .filter(|r| !allow.contains(&Allowed::Property(r.property)))
        .count();
    let unallowed_changes = d
        .virtuals
        .iter()
        .map(|v| {
            let presence = usize::from(v.presence != Presence::Both);
            let changes = v
                .changes
                .iter()
                .filter(|c| !allow.contains(&Allowed::Change(c.kind)))
                .count();
            let properties = v
                .properties
                .iter()
                .filter(|p| !allow.contains(&Allowed::Property(p.property)))
                .count();
            presence + changes + properties
        })
        .sum::<usize>();
    let rendered = match format {
        ReportFormat::Text => text(&d, &before_path.display().to_string(), &after_name),
        ReportFormat::Json => {
            let doc = serde_json::json!({
                "before": before_path.display().to_string(),
                "after": after_name,
                "regressions": regressions,
                "diff": d,
            });
            serde_json::to_string_pretty(&doc)
                .map_err(|e| BadInput::message(format!("cannot render JSON: {e}"), None))?
                + "\n"
        }
        ReportFormat::Junit => junit(&d, allow),
        ReportFormat::Sarif => crate::sarif::diff(&d),
    };
    crate::check_cmd::emit_named(&rendered, out, format, "diff")?;
    Ok(
        if regressions > 0 || (fail_on_change && unallowed_changes > 0) {
            Outcome::Violated
        } else {
            Outcome::Holds
        },
    )
}

fn prove(s: &Scenario) -> Result<verify::Proof, BadInput> {
    crate::check_cmd::prove(s)
}

/// The one scenario a path names (a scenario.toml or a folder holding one).
fn one_scenario(path: &Path) -> Result<PathBuf, BadInput> {
    scenario::discover_one(path, "diff")
}

/// The diff for people: regressions first, then what is fixed, then every other change.
pub fn text(d: &Diff, before: &str, after: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "relaylab diff\n  before {before}\n  after  {after}\n");
    if d.is_empty() {
        let _ = writeln!(o, "No client's outcome changes.");
        return o;
    }
    let blocks = |addresses: &[String], n: usize| {
        let mut s = addresses.join(", ");
        if n > addresses.len() {
            let _ = write!(s, " (and {} more blocks)", n - addresses.len());
        }
        s
    };
    for v in &d.virtuals {
        let presence = match v.presence {
            Presence::Both => "",
            Presence::Added => " (added)",
            Presence::Removed => " (removed)",
        };
        let _ = writeln!(o, "virtual {}{presence}", v.name);
        for p in v
            .properties
            .iter()
            .filter(|p| p.direction == Direction::Regression)
        {
            let _ = writeln!(
                o,
                "  REGRESSION {}: {}\n    e.g. {}",
                p.property.name(),
                blocks(&p.addresses, p.address_blocks),
                p.what
            );
        }
        for p in v
            .properties
            .iter()
            .filter(|p| p.direction == Direction::Fixed)
        {
            let _ = writeln!(
                o,
                "  fixed {}: {}",
                p.property.name(),
                blocks(&p.addresses, p.address_blocks)
            );
        }
        for c in &v.changes {
            let labels = if c.labels.0 == c.labels.1 {
                format!("[{}]", c.labels.0)
            } else {
                format!("[{} -> {}]", c.labels.0, c.labels.1)
            };
            let _ = writeln!(
                o,
                "  {}: {}\n    before: {}\n    after:  {}  {labels}",
                c.kind.name(),
                blocks(&c.addresses, c.address_blocks),
                c.before,
                c.after
            );
        }
        let _ = writeln!(o);
    }
    let regressions = d.regressions().count();
    let changes: usize = d.virtuals.iter().map(|v| v.changes.len()).sum();
    let _ = writeln!(
        o,
        "{regressions} regression{}, {changes} change{} in {} virtual server{}",
        if regressions == 1 { "" } else { "s" },
        if changes == 1 { "" } else { "s" },
        d.virtuals.len(),
        if d.virtuals.len() == 1 { "" } else { "s" }
    );
    o
}

/// One test case per virtual and property (a regression fails it, unless allowed), and
/// one per change for dashboards that list them.
fn junit(d: &Diff, allow: &[Allowed]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("relaylab diff");
    let mut suite = TestSuite::new(format!("{} -> {}", d.before, d.after));
    for v in &d.virtuals {
        for prop in verify::Property::ALL {
            let regression = v
                .properties
                .iter()
                .find(|p| p.property == prop && p.direction == Direction::Regression);
            let status = match regression {
                Some(r) if !allow.contains(&Allowed::Property(prop)) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("{}: {}", r.addresses.join(", "), r.what));
                    s
                }
                _ => TestCaseStatus::success(),
            };
            suite.add_test_case(TestCase::new(
                format!("{} {} does not regress", v.name, prop.name()),
                status,
            ));
        }
        for c in &v.changes {
            let mut case = TestCase::new(
                format!("{} {} {}", v.name, c.kind.name(), c.addresses.join(" ")),
                TestCaseStatus::success(),
            );
            case.set_system_out(format!("before: {}\nafter: {}", c.before, c.after));
            suite.add_test_case(case);
        }
    }
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render JUnit: {e} -->\n"))
}
