//! A configuration saved in several files (bigip_base.conf, bigip.conf, partition files)
//! reads as one: references cross files, names are one namespace, and every line and
//! problem is reported against the file it is in.

#![allow(clippy::unwrap_used)] // a test that cannot read its own fixtures should stop loudly

const BASE: &str = "\
#TMSH-VERSION: 15.1.0
net vlan /Common/internal {
    interfaces { 1.1 { } }
}
net self /Common/self_int {
    address 10.0.1.5/24
    vlan /Common/internal
}
";

const MAIN: &str = "\
ltm pool /Common/smtp_pool {
    members {
        /Common/10.0.1.11:25 { address 10.0.1.11 }
    }
}
ltm virtual /Common/smtp_vs {
    destination /Common/10.0.0.10:25
    pool /Common/smtp_pool
    rules { /Common/r }
    source-address-translation { type automap }
}
";

const RULE: &str = "\
ltm rule /Common/r {
when CLIENT_ACCEPTED {
  snat automap
}
}
";

#[test]
fn objects_keep_their_own_file_and_line() {
    let l = bigip::parse_files(&[
        ("base.conf", BASE),
        ("main.conf", MAIN),
        ("rules.conf", RULE),
    ])
    .unwrap();
    let c = &l.config;
    assert_eq!(c.self_ips.len(), 1);
    let s = c.self_ips.values().next().unwrap();
    assert_eq!(c.place(s.line), ("base.conf", 5));
    let v = &c.virtuals["/Common/smtp_vs"];
    assert_eq!(c.place(v.line), ("main.conf", 6));
    let r = &c.rules["/Common/r"];
    assert_eq!(c.place(r.line), ("rules.conf", 1));
    let placed = c.rule_placed(r);
    assert_eq!((&*placed.file, placed.line), ("rules.conf", 1));
    // The virtual names a rule defined in a later file: references cross files.
    assert_eq!(v.rules, ["/Common/r"]);
    assert_eq!(c.tmsh_version.as_deref(), Some("15.1.0"));
    assert_eq!(l.warnings.len(), 3);
    assert!(c.automap_without_self_ips().is_none());
}

#[test]
fn one_file_reads_as_before() {
    let one = bigip::parse("bigip.conf", &format!("{BASE}{MAIN}{RULE}")).unwrap();
    let split = bigip::parse_files(&[("a", BASE), ("b", MAIN), ("c", RULE)]).unwrap();
    assert!(one.config.sources.is_empty());
    assert_eq!(one.config.place(7), ("bigip.conf", 7));
    let names = |c: &bigip::Config| {
        (
            c.virtuals.keys().cloned().collect::<Vec<_>>(),
            c.pools.keys().cloned().collect::<Vec<_>>(),
            c.self_ips.keys().cloned().collect::<Vec<_>>(),
            c.rules.keys().cloned().collect::<Vec<_>>(),
        )
    };
    assert_eq!(names(&one.config), names(&split.config));
    // Lines count through the files in order, so one file and the same text split give
    // the same model lines.
    for (name, v) in &one.config.virtuals {
        assert_eq!(v.line, split.config.virtuals[name].line);
    }
}

#[test]
fn automap_without_any_self_ip_names_what_uses_it() {
    let l = bigip::parse_files(&[("main.conf", MAIN), ("rules.conf", RULE)]).unwrap();
    let who = l.config.automap_without_self_ips().unwrap();
    assert!(
        who.contains("/Common/smtp_vs") && who.contains("main.conf line 6"),
        "{who}"
    );
    // Only the iRule names automap: it is named, with the virtual it runs on.
    let main = MAIN.replace("source-address-translation { type automap }", "");
    let l = bigip::parse_files(&[("main.conf", &main), ("rules.conf", RULE)]).unwrap();
    let who = l.config.automap_without_self_ips().unwrap();
    assert!(who.contains("iRule /Common/r (rules.conf line 1)"), "{who}");
    // No automap anywhere: no self IP is needed.
    let quiet = RULE.replace("automap", "none");
    let l = bigip::parse_files(&[("main.conf", &main), ("rules.conf", &quiet)]).unwrap();
    assert!(l.config.automap_without_self_ips().is_none());
}

#[test]
fn a_name_defined_in_two_files_is_an_error_naming_both() {
    let again = "ltm pool /Common/smtp_pool { }\n";
    let e = bigip::parse_files(&[
        ("main.conf", MAIN),
        ("rules.conf", RULE),
        ("extra.conf", again),
    ])
    .unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].name, "extra.conf");
    let p = &e[0].problems[0];
    assert_eq!(p.line, 1);
    assert!(p.message.contains("main.conf line 1"), "{}", p.message);
}

#[test]
fn a_problem_is_reported_in_its_own_file() {
    // A reference to nothing, in the second file, at its own line 3.
    let broken = "ltm virtual /Common/other {\n    destination /Common/10.0.0.11:25\n    pool /Common/nope\n}\n";
    let e = bigip::parse_files(&[("base.conf", BASE), ("broken.conf", broken)]).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].name, "broken.conf");
    assert_eq!((e[0].problems[0].line, e[0].problems[0].column), (3, 10));
    assert_eq!(
        &e[0].text[e[0].problems[0].span.clone()],
        "/Common/nope",
        "the span points into the file's own text"
    );
}

#[test]
fn an_open_brace_in_one_file_does_not_swallow_the_next() {
    let open = "ltm pool /Common/p {\n    members {\n";
    let e = bigip::parse_files(&[("open.conf", open), ("main.conf", MAIN)]).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].name, "open.conf");
    // And a file that is no configuration at all is named as such.
    let e = bigip::parse_files(&[("main.conf", MAIN), ("notes.txt", "hello world\n")]).unwrap_err();
    assert_eq!(e[0].name, "notes.txt");
    assert!(
        e[0].problems[0]
            .message
            .contains("not a tmsh configuration")
    );
}

#[test]
fn an_irule_error_names_its_file_and_line() {
    let bad = "ltm rule /Common/r {\nwhen CLIENT_ACCEPTED {\n  if { 1 } {\n}\n}\n";
    let e = bigip::parse_files(&[
        ("base.conf", BASE),
        ("main.conf", MAIN),
        ("rules.conf", bad),
    ]);
    let e = e.unwrap_err();
    let text: String = e.iter().map(|f| f.to_string()).collect();
    assert!(text.contains("rules.conf"), "{text}");
    assert!(!text.contains("base.conf"), "{text}");
}
