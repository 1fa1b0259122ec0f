//! Every input error names its line and column; no input panics.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

use proptest::prelude::*;

fn err(text: &str) -> bigip::FileProblems {
    match bigip::parse("t.conf", text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

fn first(text: &str) -> (usize, usize, String, Option<String>) {
    let e = err(text);
    let p = &e.problems[0];
    (p.line, p.column, p.message.clone(), p.help.clone())
}

#[test]
fn missing_references_point_at_the_reference() {
    let base =
        "ltm pool /Common/smtp_pool { members { /Common/10.0.1.11:25 { address 10.0.1.11 } } }\n";
    let cases = [
        (
            "ltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    pool /Common/smtp_pol\n}\n",
            4,
            10,
            "pool `/Common/smtp_pol`",
            Some("did you mean `/Common/smtp_pool`?"),
        ),
        (
            "ltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    rules { /Common/nope }\n}\n",
            4,
            13,
            "iRule `/Common/nope`",
            None,
        ),
        (
            "ltm pool /Common/p2 { monitor /Common/smtp_mon }\n",
            2,
            31,
            "monitor `/Common/smtp_mon`",
            None,
        ),
        (
            "ltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    source-address-translation { pool /Common/relay_snat type snat }\n}\n",
            4,
            39,
            "snatpool `/Common/relay_snat`",
            None,
        ),
        (
            "ltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    persist { /Common/my_src { default yes } }\n}\n",
            4,
            15,
            "persistence profile `/Common/my_src`",
            None,
        ),
        (
            "ltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    fallback-persistence /Common/nope\n}\n",
            4,
            26,
            "persistence profile",
            None,
        ),
        (
            "ltm snatpool /Common/s { members { /Common/outbound } }\n",
            2,
            36,
            "snat-translation `/Common/outbound`",
            None,
        ),
    ];
    for (text, line, col, what, help) in cases {
        let full = format!("{base}{text}");
        let (l, c, msg, h) = first(&full);
        assert_eq!((l, c), (line, col), "{msg}");
        assert!(
            msg.contains(what) && msg.contains("does not exist"),
            "{msg}"
        );
        if let Some(help) = help {
            assert_eq!(h.as_deref(), Some(help));
        }
    }
}

#[test]
fn bad_values_and_syntax() {
    let cases: [(&str, usize, usize, &str); 10] = [
        (
            "ltm virtual /Common/v { destination /Common/10.0.0.300:25 }",
            1,
            37,
            "not an address and port",
        ),
        (
            "ltm virtual /Common/v { destination /Common/10.0.0.3:smtpx }",
            1,
            37,
            "`smtpx` is not a port",
        ),
        (
            "ltm virtual /Common/v { pool none }",
            1,
            13,
            "no usable destination",
        ),
        (
            "ltm data-group internal /Common/d {\n  records { 10.1.2.0/33 { } }\n  type ip\n}",
            2,
            13,
            "prefix length 33",
        ),
        (
            "ltm data-group internal /Common/d { records { abc { } } type integer }",
            1,
            47,
            "not an integer",
        ),
        (
            "ltm virtual /Common/v {\n  destination /Common/10.0.0.1:25\n",
            1,
            23,
            "never closed",
        ),
        ("ltm pool /Common/p { }\n}\n", 2, 1, "closes nothing"),
        (
            "ltm virtual /Common/v { description \"open\n",
            1,
            37,
            "never closed",
        ),
        (
            "net self /Common/s { address 10.0.0.5 }",
            1,
            30,
            "not address/prefix-length",
        ),
        (
            "ltm rule /Common/r {\nwhen CLIENT_ACCEPTED {\n  if { 1 } {\n}\n",
            1,
            20,
            "iRule body is never closed",
        ),
    ];
    for (text, line, col, what) in cases {
        let (l, c, msg, _) = first(text);
        assert!(msg.contains(what), "{text}\n=> {msg}");
        assert_eq!((l, c), (line, col), "{text}\n=> {msg}");
    }
}

#[test]
fn all_errors_are_reported_not_just_the_first() {
    let e = err(
        "ltm virtual /Common/a { destination /Common/10.0.0.1:25 pool /Common/x }\nltm virtual /Common/b { destination /Common/10.0.0.2:25 pool /Common/y }\n",
    );
    assert_eq!(e.problems.len(), 2);
    assert_eq!(e.to_string().lines().count(), 2);
    assert!(e.to_string().starts_with("t.conf:1:62: error:"), "{e}");
}

#[test]
fn miette_renders_the_snippet() {
    let e = err(
        "ltm virtual /Common/v {\n    destination /Common/10.0.0.10:25\n    pool /Common/smtp_pol\n}\n",
    );
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    for d in e.diagnostics() {
        handler.render_report(&mut out, &d).unwrap();
    }
    assert!(out.contains("t.conf:3:10"), "{out}");
    assert!(out.contains("pool /Common/smtp_pol"), "{out}");
    assert!(out.contains("no such pool"), "{out}");
}

const VALID: &str = include_str!("../../../scenarios/two-snat-workaround/bigip.conf");

fn check_located(text: &str) {
    let located = |p: &bigip::Problem| p.line >= 1 && p.column >= 1 && p.span.start <= text.len();
    match bigip::parse("fuzz.conf", text) {
        Ok(l) => assert!(l.warnings.problems.iter().all(located)),
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert!(e.problems.iter().all(located));
            // Rendering must not panic either.
            let handler = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            );
            for d in e.diagnostics() {
                let mut out = String::new();
                handler.render_report(&mut out, &d).unwrap();
            }
        }
    }
}

proptest! {
    #[test]
    fn garbage_never_panics(text in "[ -~\\n\\t{}\"\\\\%/:.]{0,400}") {
        check_located(&text);
    }

    #[test]
    fn truncations_never_panic(cut in 0usize..VALID.len()) {
        let mut end = cut;
        while !VALID.is_char_boundary(end) { end -= 1; }
        check_located(&VALID[..end]);
    }

    #[test]
    fn brace_deletions_never_panic(picks in prop::collection::vec(any::<prop::sample::Index>(), 1..4)) {
        let braces: Vec<usize> = VALID.match_indices(['{', '}']).map(|(i, _)| i).collect();
        let mut drop: Vec<usize> = picks.iter().map(|p| braces[p.index(braces.len())]).collect();
        drop.sort_unstable();
        drop.dedup();
        let text: String = VALID.char_indices().filter(|(i, _)| !drop.contains(i)).map(|(_, c)| c).collect();
        check_located(&text);
        // Deleting one brace unbalances the file: it must be an error, not a quiet misread.
        if drop.len() == 1 {
            prop_assert!(bigip::parse("x.conf", &text).is_err());
        }
    }

    #[test]
    fn token_soup_never_panics(words in prop::collection::vec(prop::sample::select(vec![
        "ltm", "virtual", "pool", "members", "{", "}", "\n", "address", "10.0.0.1", "/Common/x:25",
        "destination", "data-group", "internal", "records", "type", "ip", "net", "self", "rule",
        "monitor", "min", "1", "of", "snatpool", "class", "host", "network", "mask", "\"q\"",
        "source-address-translation", "automap", "persist", "10.1.2.0/24", "%2", "::1.25",
    ]), 0..60)) {
        check_located(&words.join(" "));
    }
}
