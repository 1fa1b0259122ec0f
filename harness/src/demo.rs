//! `relaylab demo`: the embedded reference configuration, read and explained.

use crate::input::load_bigip_text;
use crate::{BadInput, Outcome};

/// The published two-SNAT workaround, as DOMAIN.md describes it.
const REFERENCE: &str = include_str!("../../scenarios/two-snat-workaround/bigip.conf");

/// Reads the embedded reference configuration and tells what it does.
pub fn run() -> Result<Outcome, BadInput> {
    let loaded = load_bigip_text("scenarios/two-snat-workaround/bigip.conf (embedded)", REFERENCE, None)?;
    let c = &loaded.config;
    println!("relaylab demo: the SMTP virtual server behind the popular two-SNAT workaround\n");
    println!(
        "An SMTP virtual with `source-address-translation {{ type automap }}` hides every client behind \
         one self IP,\nso Exchange can no longer tell a print server from the internet. The workaround: \
         a data group of\nallowed clients and an iRule that gives them their own SNAT address.\n"
    );
    print!("{}", bigip::show::render(c));
    if let Some(dg) = c.data_groups.get("/Common/smtp_relay_allowed") {
        println!("\nClients allowed to relay (data group {}): {}", dg.group.name, dg.group.addresses());
    }
    if let Some(rule) = c.rules.get("/Common/smtp_irule") {
        println!("\nThe iRule (line {}):\n{}", rule.line, rule.text.trim_end());
    }
    Ok(Outcome::Holds)
}
