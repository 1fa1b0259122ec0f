//! The host: what a rule can ask of the BIG-IP configuration and of the connection.

use crate::fx::{FxMap, FxSet};

use addrspace::Addr;

use crate::datagroup::{DataGroup, IndexedDataGroup};

/// What the engine asks of the configuration. The bigip crate implements it over its
/// parsed `Config`; [`StaticHost`] is a small implementation for tests and benches.
///
/// Names arrive as full paths (`/Common/smtp_relay_allowed`): the engine resolves a bare
/// name to the rule's partition first, then to `/Common/`.
pub trait Host {
    /// The data group with this full path.
    fn data_group(&self, path: &str) -> Option<&IndexedDataGroup>;
    /// Whether a pool with this full path exists.
    fn pool_exists(&self, path: &str) -> bool;
    /// Whether a snatpool with this full path exists.
    fn snatpool_exists(&self, path: &str) -> bool;
    /// The full path of the virtual server the rules are attached to.
    fn virtual_name(&self) -> &str;
    /// Whether `node <addr>` may send to this address. BIG-IP accepts any address for
    /// `node` (it needs no configured node object), hence the default; a host that
    /// wants to flag unknown nodes can say no, and the command then fails.
    fn node_exists(&self, addr: &Addr) -> bool {
        let _ = addr;
        true
    }
    /// The members of a pool (full path), with their ports, if the host knows them:
    /// `members` and `active_members` count them (health is a run-time input).
    fn pool_members(&self, path: &str) -> Option<Vec<(Addr, u16)>> {
        let _ = path;
        None
    }
}

/// A [`Host`] holding its objects in memory.
#[derive(Debug, Clone, Default)]
pub struct StaticHost {
    groups: FxMap<String, IndexedDataGroup>,
    pools: FxSet<String>,
    snatpools: FxSet<String>,
    virtual_name: String,
}

fn full_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/Common/{name}")
    }
}

impl StaticHost {
    /// An empty host for the virtual `/Common/vs`.
    pub fn new() -> StaticHost {
        StaticHost {
            virtual_name: "/Common/vs".into(),
            ..StaticHost::default()
        }
    }

    /// Adds a data group (a bare name is put in `/Common/`).
    pub fn with_data_group(mut self, mut group: DataGroup) -> StaticHost {
        group.name = full_path(&group.name);
        self.groups
            .insert(group.name.clone(), IndexedDataGroup::new(group));
        self
    }

    /// Adds a pool.
    pub fn with_pool(mut self, name: &str) -> StaticHost {
        self.pools.insert(full_path(name));
        self
    }

    /// Adds a snatpool.
    pub fn with_snatpool(mut self, name: &str) -> StaticHost {
        self.snatpools.insert(full_path(name));
        self
    }

    /// Names the virtual server.
    pub fn with_virtual(mut self, name: &str) -> StaticHost {
        self.virtual_name = full_path(name);
        self
    }
}

impl Host for StaticHost {
    fn data_group(&self, path: &str) -> Option<&IndexedDataGroup> {
        self.groups.get(path)
    }
    fn pool_exists(&self, path: &str) -> bool {
        self.pools.contains(path)
    }
    fn snatpool_exists(&self, path: &str) -> bool {
        self.snatpools.contains(path)
    }
    fn virtual_name(&self) -> &str {
        &self.virtual_name
    }
}

/// The connection a clientside event runs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    /// The client's address (`IP::client_addr`, `IP::remote_addr` clientside).
    pub client: Addr,
    /// The client's port (`TCP::client_port`).
    pub client_port: u16,
    /// The virtual server's address (`IP::local_addr` clientside).
    pub local: Addr,
    /// The virtual server's port (`TCP::local_port`).
    pub local_port: u16,
}

impl Connection {
    /// A connection from `client` to the virtual at `local:local_port`, from an arbitrary
    /// client port.
    pub fn new(client: Addr, local: Addr, local_port: u16) -> Connection {
        Connection {
            client,
            client_port: 49152,
            local,
            local_port,
        }
    }
}
