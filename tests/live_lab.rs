//! The live lab on loopback: the blog post's telnet test, swaks, lettre and async-imap
//! through the balancer, round-robin with persistence, a member going down, and SNAT port
//! exhaustion. Every wait is bounded.

#![allow(clippy::unwrap_used)] // a lab that cannot start should stop the test loudly

use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use addrspace::Addr;
use futures_util::TryStreamExt;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use relaylab::lab::{LAB_USER, Lab, LabOptions};
use relaylab::scenario;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const LIMIT: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn addr(s: &str) -> Addr {
    s.parse().unwrap()
}

/// Each lab picks a free carrier block of its own, so tests can run side by side.
async fn lab(scenario_dir: &str, opts: LabOptions) -> (Lab, verify::Model) {
    let s = scenario::load(&root().join(scenario_dir).join("scenario.toml")).unwrap_or_else(|e| {
        e.report();
        panic!("scenario loads")
    });
    let lab = Lab::start(&s.model, opts).await.unwrap();
    (lab, s.model)
}

fn vip(lab: &Lab, port: u16) -> SocketAddrV4 {
    lab.service(&addr("10.0.0.10"), port).unwrap()
}

async fn connect_from(lab: &Lab, client: &str, to: SocketAddrV4) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(
        lab.carrier(&addr(client)).unwrap().into(),
        0,
    ))?;
    socket.connect(SocketAddr::V4(to)).await
}

/// One SMTP dialogue; returns the last line of every reply.
async fn smtp(lab: &Lab, client: &str, to: SocketAddrV4, commands: &[&str]) -> Vec<String> {
    let stream = connect_from(lab, client, to).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    let mut replies = vec![last_line(&mut lines).await.unwrap_or_default()];
    for c in commands {
        w.write_all(format!("{c}\r\n").as_bytes()).await.unwrap();
        replies.push(last_line(&mut lines).await.unwrap_or_default());
    }
    replies
}

/// The last line of one (possibly multi-line) reply.
async fn last_line(
    lines: &mut tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
) -> Option<String> {
    loop {
        let l = lines.next_line().await.ok()??;
        if l.as_bytes().get(3) != Some(&b'-') {
            return Some(l);
        }
    }
}

fn relay_attempt<'a>(marker: &'a str, rcpt: &'a str) -> [String; 5] {
    [
        "EHLO client.example".to_string(),
        format!("MAIL FROM:<{marker}@example.org>"),
        format!("RCPT TO:<{rcpt}>"),
        "RSET".to_string(),
        "QUIT".to_string(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blog_telnet_test_protocol_log_shows_the_snat_addresses() {
    let (lab, _) = lab("scenarios/two-snat-workaround", LabOptions::default()).await;
    let run = async {
        let allowed = relay_attempt("allowed-client", "someone@example.net");
        let r = smtp(
            &lab,
            "10.1.2.55",
            vip(&lab, 25),
            &allowed.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await;
        assert!(r[0].starts_with("220"), "{r:?}");
        assert!(
            r[3].starts_with("250"),
            "the allowed client may relay: {r:?}"
        );
        let other = relay_attempt("outside-client", "someone@example.net");
        let r = smtp(
            &lab,
            "192.0.2.7",
            vip(&lab, 25),
            &other.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await;
        assert!(r[3].starts_with("550 5.7.54"), "{r:?}");
    };
    tokio::time::timeout(LIMIT, run).await.unwrap();
    // Which address did the servers see for each session? Find each marker's session.
    // Session ids are unique per server's log: look in each log on its own.
    let seen = |marker: &str| -> Vec<String> {
        let mut a: Vec<String> = Vec::new();
        for m in &lab.members {
            let records = m.log.records();
            let sessions: Vec<&str> = records
                .iter()
                .filter(|r| r.data.contains(marker))
                .map(|r| r.session_id.as_str())
                .collect();
            a.extend(
                records
                    .iter()
                    .filter(|r| sessions.contains(&r.session_id.as_str()))
                    .map(|r| r.remote_addr().to_string()),
            );
        }
        a.dedup();
        a
    };
    assert_eq!(seen("allowed-client"), ["10.0.0.20"]);
    assert_eq!(
        seen("outside-client"),
        ["10.0.1.5"],
        "automap's floating self IP"
    );
    lab.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaks_relays_from_the_allowed_client_only() {
    let Some(swaks) = which("swaks") else {
        assert!(
            std::env::var("CI").is_err(),
            "swaks is missing in CI: make test installs it"
        );
        println!("SKIPPED: swaks not found (install it with apt-get install swaks)");
        return;
    };
    let (lab, _) = lab("scenarios/two-snat-workaround", LabOptions::default()).await;
    let server = vip(&lab, 25);
    let run = |client: &str, id: &str| {
        let carrier = lab.carrier(&addr(client)).unwrap();
        std::process::Command::new(&swaks)
            .args([
                "--server",
                &server.ip().to_string(),
                "--port",
                &server.port().to_string(),
            ])
            .args(["--local-interface", &carrier.to_string()])
            .args(["--from", "app@example.org", "--to", "someone@example.net"])
            .args([
                "--header",
                &format!("Message-Id: <{id}>"),
                "--timeout",
                "10",
            ])
            .output()
            .unwrap()
    };
    let ok = tokio::task::block_in_place(|| run("10.1.2.55", "swaks-allowed@example.org"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let denied = tokio::task::block_in_place(|| run("192.0.2.7", "swaks-outside@example.org"));
    assert!(!denied.status.success());
    let out = String::from_utf8_lossy(&denied.stdout);
    assert!(
        out.contains("550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain"),
        "{out}"
    );
    let relayed: Vec<String> = lab
        .store
        .relayed()
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    assert_eq!(
        lab.store.accepted_count("swaks-allowed@example.org"),
        1,
        "in the relay sink: {relayed:?}"
    );
    assert!(
        relayed.iter().any(|r| r.contains("swaks-allowed")),
        "{relayed:?}"
    );
    assert_eq!(lab.store.accepted_count("swaks-outside@example.org"), 0);
    lab.shutdown().await.unwrap();
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.is_file())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lettre_submits_and_async_imap_fetches_back_through_the_balancer() {
    let (lab, _) = lab(
        "tests/fixtures/lab",
        LabOptions {
            clients: vec![addr("198.51.100.23")],
            ..LabOptions::default()
        },
    )
    .await;
    let run = async {
        // Submission on 587: STARTTLS, then AUTH PLAIN, through the balancer.
        let hello = ClientId::Domain("laptop.example".into());
        let ca = Certificate::from_der(lab.pki.ca_der().to_vec()).unwrap();
        let tls = TlsParameters::builder("localhost".into())
            .add_root_certificate(ca)
            .build_rustls()
            .unwrap();
        let source = lab
            .carrier(&addr("198.51.100.23"))
            .map(std::net::IpAddr::V4);
        let mut conn =
            AsyncSmtpConnection::connect_tokio1(vip(&lab, 587), Some(LIMIT), &hello, None, source)
                .await
                .unwrap();
        conn.starttls(tls, &hello).await.unwrap();
        conn.auth(
            &[Mechanism::Plain],
            &Credentials::new(LAB_USER.0.into(), LAB_USER.1.into()),
        )
        .await
        .unwrap();
        let msg = lettre::Message::builder()
            .from("Laptop <laptop@example.org>".parse().unwrap())
            .to("alice@contoso.com".parse().unwrap())
            .subject("through the balancer")
            .message_id(Some("<lettre-lb-1@example.org>".into()))
            .body(String::from("line one\r\n.leading dot\r\nünïcode\r\n"))
            .unwrap();
        let raw = msg.formatted();
        let env = Envelope::new(
            Some("laptop@example.org".parse().unwrap()),
            vec!["alice@contoso.com".parse().unwrap()],
        )
        .unwrap();
        conn.send(&env, &raw).await.unwrap();
        conn.quit().await.unwrap();
        let sent = [raw.as_slice(), b"\r\n"].concat();

        // IMAPS on 993 through the balancer, trusting only the lab CA.
        let tcp = connect_from(&lab, "198.51.100.23", vip(&lab, 993))
            .await
            .unwrap();
        let connector = tokio_rustls::TlsConnector::from(lab.pki.client_config().unwrap());
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let stream = connector.connect(name, tcp).await.unwrap();
        let mut client = async_imap::Client::new(stream);
        client.read_response().await.unwrap().unwrap();
        let mut session = client
            .login(LAB_USER.0, LAB_USER.1)
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        session.select("INBOX").await.unwrap();
        let fetched: Vec<_> = session
            .fetch("1", "(UID BODY[])")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let body = fetched[0].body().unwrap().to_vec();
        session.logout().await.unwrap();
        (sent, body)
    };
    let (sent, body) = tokio::time::timeout(LIMIT, run).await.unwrap();
    assert_eq!(
        body, sent,
        "byte-identical through SMTP, the store and IMAP"
    );
    assert_eq!(lab.store.accepted_count("lettre-lb-1@example.org"), 1);
    let counters = lab.shutdown().await.unwrap().unwrap();
    assert!(counters.connections >= 2);
}

async fn banner_only(lab: &Lab, client: &str) -> std::io::Result<String> {
    let mut s = connect_from(lab, client, vip(lab, 25)).await?;
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .map_err(|_| std::io::ErrorKind::TimedOut)??;
    s.write_all(b"QUIT\r\n").await?;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn member_connections(c: &lb::Snapshot, member: &str) -> u64 {
    c.members.get(member).map_or(0, |m| m.connections)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_with_source_persistence() {
    let clients: Vec<Addr> = (10..60).map(|i| addr(&format!("192.0.2.{i}"))).collect();
    let (lab, _) = lab(
        "scenarios/two-snat-workaround",
        LabOptions {
            clients: clients.clone(),
            ..LabOptions::default()
        },
    )
    .await;
    let run = async {
        for _ in 0..100 {
            assert!(
                banner_only(&lab, "10.1.2.55")
                    .await
                    .unwrap()
                    .starts_with("220")
            );
        }
        let c = lab.balancer.as_ref().unwrap().counters();
        let (a, b) = (
            member_connections(&c, "10.0.1.11:25"),
            member_connections(&c, "10.0.1.12:25"),
        );
        assert_eq!(
            (a + b, a.min(b)),
            (100, 0),
            "100 sessions from one client stick to one member: {a} / {b}"
        );
        for cl in &clients {
            assert!(
                banner_only(&lab, &cl.to_string())
                    .await
                    .unwrap()
                    .starts_with("220")
            );
        }
        let c2 = lab.balancer.as_ref().unwrap().counters();
        let (a2, b2) = (
            member_connections(&c2, "10.0.1.11:25") - a,
            member_connections(&c2, "10.0.1.12:25") - b,
        );
        assert_eq!(a2 + b2, 50);
        assert!(
            a2.abs_diff(b2) <= 1,
            "round-robin spreads 50 new clients evenly: {a2} / {b2}"
        );
    };
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .unwrap();
    lab.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_member_is_marked_down_and_avoided() {
    // The reference monitor: interval 120 s, timeout 361 s; at 1/200 of real time that is
    // 0.6 s and 1.8 s.
    let scale = 1.0 / 200.0;
    let opts = LabOptions {
        lb: lb::Settings {
            time_scale: scale,
            ..lb::Settings::default()
        },
        ..LabOptions::default()
    };
    let (mut lab, _) = lab("scenarios/two-snat-workaround", opts).await;
    let ex2 = bigip::Endpoint {
        addr: addr("10.0.1.12"),
        port: 25,
    };
    assert!(lab.balancer.as_ref().unwrap().member_up(ex2));
    lab.stop_member(&addr("10.0.1.12")).await.unwrap();
    let stopped = Instant::now();
    let allowed = Duration::from_secs_f64((361.0 + 120.0) * scale) + Duration::from_secs(2);
    while lab.balancer.as_ref().unwrap().member_up(ex2) {
        assert!(
            stopped.elapsed() < allowed,
            "still up after {:?}",
            stopped.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = lab.balancer.as_ref().unwrap().counters();
    for _ in 0..10 {
        assert!(
            banner_only(&lab, "192.0.2.7")
                .await
                .unwrap()
                .starts_with("220"),
            "sessions still served"
        );
    }
    let after = lab.balancer.as_ref().unwrap().counters();
    assert_eq!(
        member_connections(&after, "10.0.1.12:25"),
        member_connections(&before, "10.0.1.12:25")
    );
    assert_eq!(
        member_connections(&after, "10.0.1.11:25") - member_connections(&before, "10.0.1.11:25"),
        10
    );
    lab.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snat_port_exhaustion_resets_then_recovers() {
    let opts = LabOptions {
        lb: lb::Settings {
            snat_ports: 41000..=41001,
            ..lb::Settings::default()
        },
        ..LabOptions::default()
    };
    let (lab, _) = lab("scenarios/two-snat-workaround", opts).await;
    let run = async {
        // Two sessions through the relay SNAT address hold both ports.
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut s = connect_from(&lab, "10.1.2.55", vip(&lab, 25))
                .await
                .unwrap();
            let mut buf = [0u8; 256];
            let n = s.read(&mut buf).await.unwrap();
            assert!(buf[..n].starts_with(b"220"));
            held.push(s);
        }
        // The third is reset: no banner, an error or EOF.
        // The reset can arrive before connect() returns.
        if let Ok(mut third) = connect_from(&lab, "10.1.2.55", vip(&lab, 25)).await {
            let mut buf = [0u8; 256];
            let got = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
                .await
                .unwrap();
            assert!(
                matches!(got, Ok(0) | Err(_)),
                "no banner through an exhausted SNAT address"
            );
        }
        let c = lab.balancer.as_ref().unwrap().counters();
        assert_eq!(c.snat_exhausted, 1);
        assert!(c.resets >= 1);
        // Free one port: the lab serves again.
        let mut one = held.pop().unwrap();
        one.write_all(b"QUIT\r\n").await.unwrap();
        let mut rest = Vec::new();
        let _ = one.read_to_end(&mut rest).await;
        drop(one);
        let mut ok = false;
        for _ in 0..50 {
            if banner_only(&lab, "10.1.2.55")
                .await
                .is_ok_and(|b| b.starts_with("220"))
            {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ok, "a freed port is used again");
    };
    tokio::time::timeout(LIMIT, run).await.unwrap();
    lab.shutdown().await.unwrap();
}
