//! A snatpool member names an `ltm snat-translation`; the address used is the object's
//! `address`, whatever its name says.
#![allow(clippy::unwrap_used)] // fixtures are literals here

#[test]
fn a_translation_named_like_an_address_translates_to_its_address_attribute() {
    let conf = "ltm snat-translation /Common/10.0.0.20 { address 10.0.0.99 traffic-group /Common/traffic-group-1 }
ltm snatpool /Common/relay { members { /Common/10.0.0.20 /Common/10.0.0.21 } }
";
    let c = bigip::parse("bigip.conf", conf).unwrap().config;
    let members: Vec<String> = c.snatpools["/Common/relay"]
        .members
        .iter()
        .map(|a| a.to_string())
        .collect();
    // The first names the translation (address 10.0.0.99); the second names no object
    // and is itself the address, as BIG-IP reads a bare member.
    assert_eq!(members, ["10.0.0.99", "10.0.0.21"]);
}
