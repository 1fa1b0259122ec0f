//! A mock Exchange server (SMTP on 25/587, IMAP on 143/993) on loopback carriers, to drive
//! by hand with swaks, openssl s_client, Python's smtplib or telnet. Ctrl-C stops it cleanly
//! and leaves the protocol log behind.
//!
//! ```text
//! cargo run -p mailserver --example mocklab [policy.toml] [out-dir]
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use mailserver::imap::{ImapServer, ImapServerConfig, add_imap_to_plan};
use mailserver::policy::Policy;
use mailserver::protolog::ProtocolLog;
use mailserver::server::{SmtpServer, SmtpServerConfig, add_to_plan};
use mailserver::store::Store;
use mailserver::tls::Pki;
use mailserver::users::Users;

const DEFAULT_POLICY: &str = r#"
[[server]]
name = "EX1"
flavour = "exchange"

[[server.connector]]
name = "Default Frontend EX1"
bindings = ["0.0.0.0:25"]
permission_groups = ["AnonymousUsers", "ExchangeUsers"]
auth_mechanism = ["Tls", "BasicAuth", "BasicAuthRequireTLS"]
fqdn = "ex1.contoso.com"

[[server.connector]]
name = "Relay"
bindings = ["0.0.0.0:25"]
remote_ip_ranges = ["10.0.0.20"]
permission_groups = ["AnonymousUsers"]
fqdn = "ex1.contoso.com"

[[server.connector]]
name = "Client Frontend EX1"
bindings = ["0.0.0.0:587"]
permission_groups = ["ExchangeUsers"]
auth_mechanism = ["Tls", "BasicAuthRequireTLS"]
require_tls = true
fqdn = "ex1.contoso.com"

[[server.permission]]
connector = "Relay"
user = 'NT AUTHORITY\ANONYMOUS LOGON'
extended_rights = ["ms-Exch-SMTP-Accept-Any-Recipient"]

[[server.accepted_domain]]
domain = "contoso.com"
"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (text, file) = match args.next() {
        Some(p) => (std::fs::read_to_string(&p)?, p),
        None => (DEFAULT_POLICY.to_string(), "embedded.toml".to_string()),
    };
    let out = PathBuf::from(args.next().unwrap_or_else(|| {
        std::env::temp_dir()
            .join("relaylab-mocklab")
            .display()
            .to_string()
    }));
    std::fs::create_dir_all(&out)?;
    let server = relaypolicy::import::load_str(&text, &file)?
        .resolved()
        .into_iter()
        .next()
        .ok_or("no server in the policy")?;
    let policy = Arc::new(Policy::new(server));

    let member = "10.0.1.11".parse()?;
    let mut plan = wire::Plan::new();
    add_to_plan(&mut plan, member, &policy)?;
    add_imap_to_plan(&mut plan, member, true)?;
    for (client, role) in [
        ("10.0.0.20", "relay SNAT"),
        ("10.0.1.5", "automap self IP"),
        ("203.0.113.9", "outside client"),
    ] {
        plan.add_addr(client.parse()?, role)?;
    }
    let plan = Arc::new(plan);

    let pki = Pki::generate(&["ex1.contoso.com", "localhost"])?;
    let ca = out.join("lab-ca.pem");
    std::fs::write(&ca, pki.ca_pem())?;
    let store = Store::new();
    let log_path = out.join("RECV.LOG");
    let log = ProtocolLog::file(&log_path)?;
    let users = Arc::new(Users::new().with("alice", "secret", "alice@contoso.com"));
    let tls = Some(pki.server_config()?);
    let smtp = SmtpServer::start(SmtpServerConfig {
        policy,
        member,
        plan: Arc::clone(&plan),
        store: store.clone(),
        log,
        users: Arc::clone(&users),
        tls: tls.clone(),
        limits: mailserver::server::Limits::default(),
    })
    .await?;
    let imap = ImapServer::start(ImapServerConfig {
        name: "EX1 IMAP".into(),
        addr: member,
        plan: Arc::clone(&plan),
        store: store.clone(),
        users,
        tls,
        login_requires_tls: true,
        limits: mailserver::server::Limits::default(),
    })
    .await?;

    let carrier = |a: &str| {
        a.parse()
            .ok()
            .and_then(|a| plan.carrier(&a))
            .map(|c| c.to_string())
            .unwrap_or_default()
    };
    let smtp25 = smtp
        .carrier_for_port(25)
        .map(|s| s.to_string())
        .unwrap_or_default();
    println!("{}", plan.table());
    println!(
        "user alice / secret (mailbox alice@contoso.com); CA: {}",
        ca.display()
    );
    println!("protocol log: {}\n", log_path.display());
    println!("relay from the relay SNAT (taken):");
    println!(
        "  swaks --server {smtp25} --local-interface {} --to someone@example.net",
        carrier("10.0.0.20")
    );
    println!("relay from outside (550 5.7.54):");
    println!(
        "  swaks --server {smtp25} --local-interface {} --to someone@example.net",
        carrier("203.0.113.9")
    );
    println!("STARTTLS + AUTH:");
    println!(
        "  swaks --server {smtp25} --tls --tls-ca-path {} --auth PLAIN --auth-user alice --auth-password secret --to alice@contoso.com",
        ca.display()
    );
    println!(
        "by hand:  nc -s {} {}",
        carrier("203.0.113.9"),
        smtp25.replace(':', " ")
    );
    if let Some(s) = imap.carrier_for_port(993) {
        println!(
            "IMAPS:    openssl s_client -quiet -connect {s} -CAfile {}",
            ca.display()
        );
    }
    println!("\nCtrl-C stops the lab.");

    tokio::signal::ctrl_c().await?;
    let s = smtp.shutdown().await?;
    imap.shutdown().await?;
    println!(
        "stopped: {} SMTP connections, {} messages stored, {} relayed",
        s.connections,
        store.count(),
        store.relayed().len()
    );
    Ok(())
}
