//! The virtual's profiles and the system's provisioned modules decide which iRule commands
//! load, as on BIG-IP: read from `ltm profile KIND NAME`, BIG-IP's built-in profile names
//! and `sys provision`.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bigip::decide::{DataGroupIndex, Plan};
use bigip::snat::AutomapModel;
use irule::Settings;

fn plan(extra: &str, profiles: &str, rule: &str) -> Result<Plan, String> {
    let text = format!(
        "ltm pool /Common/p {{ members {{ /Common/10.0.1.11:25 {{ address 10.0.1.11 }} }} }}
ltm rule /Common/r {{
{rule}
}}
ltm virtual /Common/vs {{ destination /Common/10.0.0.10:25 pool /Common/p profiles {{ {profiles} }} rules {{ /Common/r }} }}
{extra}"
    );
    let config = Arc::new(bigip::parse("t.conf", &text).unwrap().config);
    let index = Arc::new(DataGroupIndex::new(&config));
    Plan::new(
        &config,
        &index,
        "/Common/vs",
        Settings::default(),
        AutomapModel::default(),
    )
    .map_err(|e| {
        // The reason is in the error's sources.
        let mut text = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            text.push_str(&format!(": {s}"));
            src = s.source();
        }
        text
    })
}

const HTTP_RULE: &str = "when HTTP_REQUEST { if { [HTTP::uri] eq \"/\" } { reject } }";

#[test]
fn an_http_rule_loads_only_with_an_http_profile() {
    let err = plan("", "/Common/tcp { }", HTTP_RULE).err().unwrap();
    assert!(err.contains("http"), "{err}");
    plan("", "/Common/tcp { } /Common/http { }", HTTP_RULE).unwrap();
    plan(
        "ltm profile http /Common/my_http { defaults-from /Common/http }",
        "/Common/tcp { } /Common/my_http { }",
        HTTP_RULE,
    )
    .unwrap();
}

#[test]
fn a_module_command_loads_only_where_the_module_is_provisioned() {
    let rule = "when CLIENT_ACCEPTED { if { [ILX::call [ILX::init p e] m] eq \"x\" } { reject } }";
    let err = plan("", "/Common/tcp { }", rule).err().unwrap();
    assert!(err.contains("ilx"), "{err}");
    let err = plan("sys provision ilx { level none }", "/Common/tcp { }", rule)
        .err()
        .unwrap();
    assert!(err.contains("ilx"), "{err}");
    plan(
        "sys provision ilx { level nominal }",
        "/Common/tcp { }",
        rule,
    )
    .unwrap();
}
