//! The plan itself: carriers for addresses, carrier ports for services, both directions.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use addrspace::Addr;
use serde::Serialize;

/// Why an address or service could not be put on the plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The carrier base is not inside `127.0.0.0/8` or lies in `127.0.0.0/24`.
    #[error("carrier base {base} must be in 127.0.0.0/8 and outside 127.0.0.0/24")]
    BadCarrierBase {
        /// The base given.
        base: Ipv4Addr,
    },
    /// The port base leaves no room for the mapped privileged ports.
    #[error("port base {base} must be at least 1024 and at most {max}")]
    BadPortBase {
        /// The base given.
        base: u16,
        /// The largest base that still fits `base + 2047` under 65536.
        max: u16,
    },
    /// Every carrier up to `127.255.255.254` is taken.
    #[error("no loopback carrier left for {addr} ({used} carriers in use)")]
    CarriersExhausted {
        /// The address that found none.
        addr: Addr,
        /// How many carriers the plan holds.
        used: usize,
    },
    /// No carrier port is free on the address's carrier.
    #[error("no carrier port left on {carrier} for {addr}:{port}")]
    PortsExhausted {
        /// The scenario address.
        addr: Addr,
        /// The scenario port.
        port: u16,
        /// Its carrier.
        carrier: Ipv4Addr,
    },
}

/// One scenario address and its carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarrierEntry {
    /// The scenario address, as BIG-IP writes it (`10.1.1.1%2`).
    #[serde(serialize_with = "ser_display")]
    pub scenario: Addr,
    /// The loopback address that stands for it.
    pub carrier: Ipv4Addr,
    /// What the address is in the scenario (`client`, `vip`, `snat`, `member`), in the
    /// order they were given.
    pub roles: Vec<String>,
}

/// One scenario service (address and port) and its carrier socket address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEntry {
    /// The scenario address.
    #[serde(serialize_with = "ser_display")]
    pub scenario: Addr,
    /// The scenario port.
    pub port: u16,
    /// Where it listens on loopback.
    pub carrier: SocketAddrV4,
    /// What it is (`smtp`, `imap`, `vip SMTP_VS`).
    pub name: String,
}

fn ser_display<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// The address plan: scenario addresses and services on loopback carriers, both ways.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    carrier_base: Ipv4Addr,
    port_base: u16,
    carriers: Vec<CarrierEntry>,
    services: Vec<ServiceEntry>,
    #[serde(skip)]
    by_scenario: HashMap<Addr, usize>,
    #[serde(skip)]
    by_carrier: HashMap<Ipv4Addr, usize>,
    #[serde(skip)]
    by_service: HashMap<(Addr, u16), usize>,
    #[serde(skip)]
    by_carrier_service: HashMap<SocketAddrV4, usize>,
    #[serde(skip)]
    next: u32,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan::new()
    }
}

impl Plan {
    /// The first carrier handed out.
    pub const DEFAULT_CARRIER_BASE: Ipv4Addr = Ipv4Addr::new(127, 10, 0, 1);
    /// Ports below 1024 are carried on `DEFAULT_PORT_BASE + port`.
    pub const DEFAULT_PORT_BASE: u16 = 20000;

    /// An empty plan with the default bases.
    pub fn new() -> Plan {
        Plan::build(Plan::DEFAULT_CARRIER_BASE, Plan::DEFAULT_PORT_BASE)
    }

    /// An empty plan whose carriers start at `carrier_base` and whose privileged ports map
    /// to `port_base + port`. Two labs on one machine use different carrier bases.
    pub fn with_bases(carrier_base: Ipv4Addr, port_base: u16) -> Result<Plan, PlanError> {
        let o = carrier_base.octets();
        if o[0] != 127 || (o[1] == 0 && o[2] == 0) {
            return Err(PlanError::BadCarrierBase { base: carrier_base });
        }
        // Room for the mapped privileged ports plus the same again for clash fallbacks.
        let max = u16::MAX - 2047;
        if !(1024..=max).contains(&port_base) {
            return Err(PlanError::BadPortBase {
                base: port_base,
                max,
            });
        }
        Ok(Plan::build(carrier_base, port_base))
    }

    fn build(carrier_base: Ipv4Addr, port_base: u16) -> Plan {
        Plan {
            carrier_base,
            port_base,
            carriers: Vec::new(),
            services: Vec::new(),
            by_scenario: HashMap::new(),
            by_carrier: HashMap::new(),
            by_service: HashMap::new(),
            by_carrier_service: HashMap::new(),
            next: u32::from(carrier_base),
        }
    }

    /// Puts `addr` on the plan (once; a second call only adds the role) and returns its
    /// carrier.
    pub fn add_addr(&mut self, addr: Addr, role: &str) -> Result<Ipv4Addr, PlanError> {
        if let Some(&i) = self.by_scenario.get(&addr) {
            let e = &mut self.carriers[i];
            if !role.is_empty() && !e.roles.iter().any(|r| r == role) {
                e.roles.push(role.to_string());
            }
            return Ok(e.carrier);
        }
        let carrier = self.next_carrier(addr)?;
        let i = self.carriers.len();
        self.carriers.push(CarrierEntry {
            scenario: addr,
            carrier,
            roles: if role.is_empty() {
                Vec::new()
            } else {
                vec![role.to_string()]
            },
        });
        self.by_scenario.insert(addr, i);
        self.by_carrier.insert(carrier, i);
        Ok(carrier)
    }

    fn next_carrier(&mut self, addr: Addr) -> Result<Ipv4Addr, PlanError> {
        let last = u32::from(Ipv4Addr::new(127, 255, 255, 254));
        while self.next <= last {
            let c = Ipv4Addr::from(self.next);
            self.next += 1;
            let low = c.octets()[3];
            if low != 0 && low != 255 {
                return Ok(c);
            }
        }
        Err(PlanError::CarriersExhausted {
            addr,
            used: self.carriers.len(),
        })
    }

    /// Puts the service `addr:port` on the plan (adding `addr` if needed; once per service)
    /// and returns its carrier socket address.
    pub fn add_service(
        &mut self,
        addr: Addr,
        port: u16,
        name: &str,
    ) -> Result<SocketAddrV4, PlanError> {
        if let Some(&i) = self.by_service.get(&(addr, port)) {
            return Ok(self.services[i].carrier);
        }
        let carrier = self.add_addr(addr, "")?;
        let taken: BTreeSet<u16> = self
            .services
            .iter()
            .filter(|s| *s.carrier.ip() == carrier)
            .map(|s| s.carrier.port())
            .collect();
        let preferred = if port < 1024 {
            self.port_base + port
        } else {
            port
        };
        let cport = if !taken.contains(&preferred) {
            preferred
        } else {
            (self.port_base + 1024..=u16::MAX)
                .find(|p| !taken.contains(p))
                .ok_or(PlanError::PortsExhausted {
                    addr,
                    port,
                    carrier,
                })?
        };
        let sock = SocketAddrV4::new(carrier, cport);
        let i = self.services.len();
        self.services.push(ServiceEntry {
            scenario: addr,
            port,
            carrier: sock,
            name: name.to_string(),
        });
        self.by_service.insert((addr, port), i);
        self.by_carrier_service.insert(sock, i);
        Ok(sock)
    }

    /// The first carrier the plan hands out.
    pub fn carrier_base(&self) -> Ipv4Addr {
        self.carrier_base
    }

    /// The carrier of a scenario address.
    pub fn carrier(&self, addr: &Addr) -> Option<Ipv4Addr> {
        self.by_scenario
            .get(addr)
            .map(|&i| self.carriers[i].carrier)
    }

    /// The scenario address a carrier stands for.
    pub fn scenario(&self, carrier: Ipv4Addr) -> Option<Addr> {
        self.by_carrier
            .get(&carrier)
            .map(|&i| self.carriers[i].scenario)
    }

    /// The scenario address of a peer seen on a socket (IPv4-mapped IPv6 peers included,
    /// as a dual-stack listener reports them).
    pub fn scenario_of_ip(&self, ip: IpAddr) -> Option<Addr> {
        let v4 = match ip {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(v6) => v6.to_ipv4_mapped()?,
        };
        self.scenario(v4)
    }

    /// The carrier socket address of a scenario service.
    pub fn service_carrier(&self, addr: &Addr, port: u16) -> Option<SocketAddrV4> {
        self.by_service
            .get(&(*addr, port))
            .map(|&i| self.services[i].carrier)
    }

    /// The scenario service a carrier socket address stands for.
    pub fn scenario_service(&self, carrier: SocketAddrV4) -> Option<(Addr, u16)> {
        self.by_carrier_service
            .get(&carrier)
            .map(|&i| (self.services[i].scenario, self.services[i].port))
    }

    /// Like [`Plan::scenario_service`] for any socket address (IPv4-mapped included).
    pub fn scenario_service_of(&self, sock: SocketAddr) -> Option<(Addr, u16)> {
        let v4 = match sock.ip() {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(v6) => v6.to_ipv4_mapped()?,
        };
        self.scenario_service(SocketAddrV4::new(v4, sock.port()))
    }

    /// Every address on the plan, in insertion order.
    pub fn carriers(&self) -> &[CarrierEntry] {
        &self.carriers
    }

    /// Every service on the plan, in insertion order.
    pub fn services(&self) -> &[ServiceEntry] {
        &self.services
    }

    /// The plan as a text table for people: addresses, then services.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let w = self
            .carriers
            .iter()
            .map(|c| c.scenario.to_string().len())
            .chain(self.services.iter().map(|s| service_label(s).len()))
            .chain([8])
            .max()
            .unwrap_or(8);
        let _ = writeln!(out, "{:<w$}  {:<15}  roles", "address", "carrier");
        for c in &self.carriers {
            let _ = writeln!(
                out,
                "{:<w$}  {:<15}  {}",
                c.scenario.to_string(),
                c.carrier.to_string(),
                c.roles.join(", ")
            );
        }
        if !self.services.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "{:<w$}  {:<21}  name", "service", "carrier");
            for s in &self.services {
                let _ = writeln!(
                    out,
                    "{:<w$}  {:<21}  {}",
                    service_label(s),
                    s.carrier.to_string(),
                    s.name
                );
            }
        }
        out
    }

    /// The plan as JSON: `{"carrier_base", "port_base", "carriers": [..], "services": [..]}`.
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain data with string keys cannot fail; fall back to null rather than
        // panic should serde_json ever change that.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

fn service_label(s: &ServiceEntry) -> String {
    match s.scenario.ip {
        IpAddr::V6(_) => format!("[{}]:{}", s.scenario, s.port),
        IpAddr::V4(_) => format!("{}:{}", s.scenario, s.port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Addr {
        s.parse().expect("test address")
    }

    #[test]
    fn carriers_are_unique_deterministic_and_reversible() {
        let mut p = Plan::new();
        let addrs = [
            "10.0.0.10",
            "2001:db8::5",
            "10.1.1.1%2",
            "10.1.1.1",
            "10.0.0.20",
        ];
        let cs: Vec<Ipv4Addr> = addrs
            .iter()
            .map(|s| p.add_addr(a(s), "x").expect("room"))
            .collect();
        assert_eq!(cs[0], Ipv4Addr::new(127, 10, 0, 1));
        assert_eq!(cs[4], Ipv4Addr::new(127, 10, 0, 5));
        let unique: BTreeSet<_> = cs.iter().collect();
        assert_eq!(
            unique.len(),
            addrs.len(),
            "route domain 2 and 0 must not share a carrier"
        );
        for (s, c) in addrs.iter().zip(&cs) {
            assert_eq!(p.scenario(*c), Some(a(s)));
            assert_eq!(p.carrier(&a(s)), Some(*c));
        }
        let mut q = Plan::new();
        for s in addrs {
            q.add_addr(a(s), "y").expect("room");
        }
        assert_eq!(
            q.carriers().iter().map(|c| c.carrier).collect::<Vec<_>>(),
            cs
        );
    }

    #[test]
    fn adding_twice_keeps_the_carrier_and_collects_roles() {
        let mut p = Plan::new();
        let c1 = p.add_addr(a("10.0.0.5"), "self").expect("room");
        let c2 = p.add_addr(a("10.0.0.5"), "snat").expect("room");
        let c3 = p.add_addr(a("10.0.0.5"), "snat").expect("room");
        assert_eq!((c1, c2), (c2, c3));
        assert_eq!(p.carriers()[0].roles, vec!["self", "snat"]);
        assert_eq!(p.carriers().len(), 1);
    }

    #[test]
    fn ipv4_mapped_peers_map_back() {
        let mut p = Plan::new();
        let c = p.add_addr(a("10.0.0.20"), "snat").expect("room");
        let mapped = IpAddr::V6(c.to_ipv6_mapped());
        assert_eq!(p.scenario_of_ip(mapped), Some(a("10.0.0.20")));
        assert_eq!(p.scenario_of_ip("127.0.0.1".parse().expect("ip")), None);
    }

    #[test]
    fn carriers_skip_network_and_broadcast_looking_addresses() {
        let mut p = Plan::with_bases(Ipv4Addr::new(127, 10, 0, 253), 20000).expect("valid bases");
        let got: Vec<_> = (0..3)
            .map(|i| p.add_addr(a(&format!("10.9.9.{i}")), "").expect("room"))
            .collect();
        assert_eq!(
            got,
            vec![
                Ipv4Addr::new(127, 10, 0, 253),
                Ipv4Addr::new(127, 10, 0, 254),
                Ipv4Addr::new(127, 10, 1, 1)
            ]
        );
    }

    #[test]
    fn carriers_run_out_with_an_error() {
        let mut p =
            Plan::with_bases(Ipv4Addr::new(127, 255, 255, 253), 20000).expect("valid bases");
        p.add_addr(a("10.0.0.1"), "").expect("room");
        p.add_addr(a("10.0.0.2"), "").expect("room");
        let e = p.add_addr(a("10.0.0.3"), "").expect_err("no room left");
        assert!(
            matches!(e, PlanError::CarriersExhausted { used: 2, .. }),
            "{e}"
        );
    }

    #[test]
    fn bad_bases_are_refused() {
        assert!(Plan::with_bases(Ipv4Addr::new(10, 0, 0, 1), 20000).is_err());
        assert!(Plan::with_bases(Ipv4Addr::new(127, 0, 0, 2), 20000).is_err());
        assert!(Plan::with_bases(Ipv4Addr::new(127, 10, 0, 1), 80).is_err());
        assert!(Plan::with_bases(Ipv4Addr::new(127, 10, 0, 1), 65000).is_err());
        assert!(Plan::with_bases(Ipv4Addr::new(127, 1, 0, 1), 30000).is_ok());
    }

    #[test]
    fn service_ports_map_privileged_ports_and_keep_high_ones() {
        let mut p = Plan::new();
        let m = a("10.0.1.11");
        let smtp = p.add_service(m, 25, "smtp").expect("room");
        let imap = p.add_service(m, 143, "imap").expect("room");
        let sub = p.add_service(m, 2525, "submission").expect("room");
        assert_eq!(smtp.port(), 20025);
        assert_eq!(imap.port(), 20143);
        assert_eq!(sub.port(), 2525);
        assert_eq!(smtp.ip(), imap.ip());
        assert_eq!(p.add_service(m, 25, "again").expect("room"), smtp);
        assert_eq!(p.scenario_service(imap), Some((m, 143)));
        assert_eq!(p.service_carrier(&m, 2525), Some(sub));
        // Another address gets its own carrier, so the same carrier port is fine there.
        let other = p.add_service(a("10.0.1.12"), 25, "smtp").expect("room");
        assert_eq!(other.port(), 20025);
        assert_ne!(other.ip(), smtp.ip());
    }

    #[test]
    fn a_clash_on_one_carrier_moves_the_later_service() {
        let mut p = Plan::new();
        let m = a("2001:db8::25");
        let high = p.add_service(m, 20025, "odd").expect("room");
        let low = p.add_service(m, 25, "smtp").expect("room");
        assert_eq!(high.port(), 20025);
        assert_eq!(low.port(), 21024);
        assert_eq!(p.scenario_service(low), Some((m, 25)));
        assert_eq!(p.scenario_service(high), Some((m, 20025)));
    }

    #[test]
    fn table_and_json_show_every_entry() {
        let mut p = Plan::new();
        p.add_addr(a("10.1.1.5"), "client").expect("room");
        p.add_service(a("2001:db8::5"), 25, "smtp").expect("room");
        let t = p.table();
        assert!(
            t.contains("10.1.1.5") && t.contains("127.10.0.1") && t.contains("client"),
            "{t}"
        );
        assert!(
            t.contains("[2001:db8::5]:25") && t.contains("127.10.0.2:20025"),
            "{t}"
        );
        let j = p.to_json();
        assert_eq!(j["carriers"][0]["scenario"], "10.1.1.5");
        assert_eq!(j["carriers"][1]["carrier"], "127.10.0.2");
        assert_eq!(j["services"][0]["carrier"], "127.10.0.2:20025");
        assert_eq!(j["services"][0]["port"], 25);
        assert_eq!(j["port_base"], 20000);
    }

    #[test]
    fn carriers_are_bindable_without_root() {
        let mut p = Plan::new();
        let svc = p.add_service(a("10.0.0.10"), 25, "smtp").expect("room");
        // Port 0: the test only proves the carrier address itself is bindable.
        let l = std::net::TcpListener::bind(SocketAddrV4::new(*svc.ip(), 0))
            .expect("127/8 routes to lo");
        let c = std::net::TcpStream::connect(l.local_addr().expect("bound")).expect("connect");
        assert_eq!(c.peer_addr().expect("peer").ip(), IpAddr::V4(*svc.ip()));
    }
}
