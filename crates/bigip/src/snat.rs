//! Which source address a server sees: SNAT automap candidates, SNAT pools and origin
//! SNATs, resolved against the configuration.

use addrspace::Addr;
use serde::Serialize;

use crate::model::{Config, SelfIp, SnatTarget};

/// How automap chose its candidates, in BIG-IP's order of preference (commonly cited as
/// F5 K7336; the order is UNCONFIRMED and a documented setting of the model): a floating
/// self IP on the egress VLAN, then a non-floating one there, then floating self IPs on
/// other VLANs, then any other self IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AutomapTier {
    /// Floating self IPs whose subnet holds the member.
    FloatingEgress,
    /// Non-floating self IPs whose subnet holds the member.
    NonFloatingEgress,
    /// Floating self IPs elsewhere (the member is reached through a gateway).
    FloatingOther,
    /// Any other self IP.
    NonFloatingOther,
}

/// How the model treats automap's choice among self IPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AutomapModel {
    /// Only the most preferred non-empty tier is possible (BIG-IP's documented behaviour).
    #[default]
    PreferredTier,
    /// Every self IP of the member's route domain is possible: the pessimistic reading,
    /// for when the failover state or VLAN layout is not known.
    AnySelfIp,
}

/// The self IPs automap may use toward `member`, with the tier they came from. Empty
/// when the route domain has no self IP at all (BIG-IP then cannot connect).
pub fn automap_candidates<'c>(
    config: &'c Config,
    member: &Addr,
    model: AutomapModel,
) -> Vec<(&'c SelfIp, AutomapTier)> {
    let same_domain = |s: &&SelfIp| s.address.domain() == member.domain();
    // Runs per connection in the balancer and per interval in the prover: plain numbers.
    let holds_member = |s: &SelfIp| {
        let width: u32 = if s.address.ip.is_ipv4() { 32 } else { 128 };
        let host_bits = width.saturating_sub(u32::from(s.prefix_len));
        let mask = if host_bits >= 128 {
            0
        } else {
            u128::MAX << host_bits
        };
        s.address.domain() == member.domain()
            && (s.address.number() & mask) == (member.number() & mask)
    };
    let egress_vlans: Vec<&Option<String>> = config
        .self_ips
        .values()
        .filter(same_domain)
        .filter(|s| holds_member(s))
        .map(|s| &s.vlan)
        .collect();
    let tier = |s: &SelfIp| {
        let egress = egress_vlans.contains(&&s.vlan);
        match (egress, s.floating) {
            (true, true) => AutomapTier::FloatingEgress,
            (true, false) => AutomapTier::NonFloatingEgress,
            (false, true) => AutomapTier::FloatingOther,
            (false, false) => AutomapTier::NonFloatingOther,
        }
    };
    let mut all: Vec<(&SelfIp, AutomapTier)> = config
        .self_ips
        .values()
        .filter(same_domain)
        .map(|s| (s, tier(s)))
        .collect();
    all.sort_by_key(|(s, t)| (*t, s.address));
    if model == AutomapModel::PreferredTier
        && let Some(best) = all.first().map(|(_, t)| *t)
    {
        all.retain(|(_, t)| *t == best);
    }
    all
}

/// The addresses of a SNAT pool (empty if it does not exist).
pub fn snatpool_addresses(config: &Config, pool: &str) -> Vec<Addr> {
    config
        .snatpools
        .get(pool)
        .map(|p| p.members.clone())
        .unwrap_or_default()
}

/// The origin SNAT (`ltm snat`) whose origins hold the client, if any: it applies to
/// traffic that no virtual server translates.
pub fn origin_snat<'c>(config: &'c Config, client: &Addr) -> Option<(&'c str, &'c SnatTarget)> {
    config
        .snats
        .values()
        .find(|s| s.origins.contains(client))
        .and_then(|s| s.target.as_ref().map(|t| (s.name.as_str(), t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let text = "
net self /Common/ext { address 10.0.0.5/24 vlan /Common/external traffic-group /Common/traffic-group-local-only }
net self /Common/int { address 10.0.1.4/24 vlan /Common/internal traffic-group /Common/traffic-group-local-only }
net self /Common/int_float { address 10.0.1.5/24 vlan /Common/internal traffic-group /Common/traffic-group-1 }
net self /Common/rd2 { address 10.0.1.6%2/24 vlan /Common/internal traffic-group /Common/traffic-group-1 }
ltm snat /Common/legacy { automap origins { 172.16.5.0/24 { } } }
";
        crate::parse("t.conf", text).unwrap().config
    }

    #[test]
    fn prefers_floating_on_egress_vlan() {
        let c = config();
        let member: Addr = "10.0.1.11".parse().unwrap();
        let got: Vec<String> = automap_candidates(&c, &member, AutomapModel::PreferredTier)
            .iter()
            .map(|(s, _)| s.address.to_string())
            .collect();
        assert_eq!(got, ["10.0.1.5"]);
        let any = automap_candidates(&c, &member, AutomapModel::AnySelfIp);
        assert_eq!(any.len(), 3, "route domain 2 is not a candidate");
        assert_eq!(any[2].1, AutomapTier::NonFloatingOther);
    }

    #[test]
    fn gateway_routed_member_uses_floating_elsewhere() {
        let c = config();
        let member: Addr = "192.0.2.50".parse().unwrap();
        let got = automap_candidates(&c, &member, AutomapModel::PreferredTier);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, AutomapTier::FloatingOther);
    }

    #[test]
    fn origin_snats() {
        let c = config();
        assert!(origin_snat(&c, &"172.16.5.9".parse().unwrap()).is_some());
        assert!(origin_snat(&c, &"172.16.6.9".parse().unwrap()).is_none());
    }
}
