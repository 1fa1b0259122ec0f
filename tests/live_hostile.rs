//! The live lab under hostile clients, each bounded in count and time: slowloris, an
//! endless DATA line, pipelined garbage, idle sockets up to and past every limit, resets
//! mid-DATA. Afterwards a normal session still succeeds, and every acknowledged message is
//! stored exactly once (and nothing unacknowledged is stored).

#![allow(clippy::unwrap_used)] // a lab that cannot start should stop the test loudly

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::Duration;

use addrspace::Addr;
use relaylab::lab::{Lab, LabOptions};
use relaylab::scenario;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};

const LIMIT: Duration = Duration::from_secs(120);
/// Per read: a reply that does not come within this is a failure, not a hang.
const READ: Duration = Duration::from_secs(10);
const CLIENT: &str = "192.0.2.7";
const RCPT: &str = "postmaster@contoso.com";

/// Mock server limits for the test: low, so the floods below stay small.
const SERVER_MAX: usize = 30;
const SERVER_IDLE: Duration = Duration::from_secs(3);
/// Balancer listener limits (idle shorter than the servers', so the balancer's own timer
/// is the one that fires for idle clients of the VIP).
const LB_MAX: usize = 20;
const LB_IDLE: Duration = Duration::from_millis(1500);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn addr(s: &str) -> Addr {
    s.parse().unwrap()
}

async fn connect(lab: &Lab, to: SocketAddrV4) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(
        lab.carrier(&addr(CLIENT)).unwrap().into(),
        0,
    ))?;
    socket.connect(SocketAddr::V4(to)).await
}

struct Smtp {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
}

impl Smtp {
    async fn open(lab: &Lab, to: SocketAddrV4) -> (Smtp, String) {
        Smtp::try_open(lab, to).await.unwrap()
    }

    /// A reset can arrive before `connect` returns.
    async fn try_open(lab: &Lab, to: SocketAddrV4) -> std::io::Result<(Smtp, String)> {
        let (r, w) = connect(lab, to).await?.into_split();
        let mut s = Smtp {
            r: BufReader::new(r),
            w,
        };
        let banner = s.reply().await;
        Ok((s, banner))
    }

    /// The last line of one reply; empty on EOF, reset or silence.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            match tokio::time::timeout(READ, self.r.read_line(&mut line)).await {
                Ok(Ok(n)) if n > 0 => {
                    if line.len() < 4 || line.as_bytes()[3] != b'-' {
                        return line.trim_end().to_string();
                    }
                }
                _ => return String::new(),
            }
        }
    }

    async fn cmd(&mut self, c: &str) -> String {
        if self
            .w
            .write_all(format!("{c}\r\n").as_bytes())
            .await
            .is_err()
        {
            return String::new();
        }
        self.reply().await
    }

    /// Up to DATA's 354 for a local recipient.
    async fn open_data(&mut self) {
        for (c, want) in [
            ("EHLO client.example", "250"),
            ("MAIL FROM:<printer@example.org>", "250"),
            (&format!("RCPT TO:<{RCPT}>"), "250"),
            ("DATA", "354"),
        ] {
            let got = self.cmd(c).await;
            assert!(got.starts_with(want), "{c}: {got}");
        }
    }

    /// Reads to EOF (bounded); true when the peer closed or reset.
    async fn closed(&mut self) -> bool {
        let mut sink = vec![0u8; 4096];
        loop {
            match tokio::time::timeout(READ, self.r.read(&mut sink)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }
}

/// One normal message; returns whether it was acknowledged (250 after the end of data).
async fn normal_message(lab: &Lab, vip: SocketAddrV4, id: &str) -> bool {
    let (mut s, banner) = Smtp::open(lab, vip).await;
    assert!(banner.starts_with("220"), "banner: {banner}");
    s.open_data().await;
    let end = s
        .cmd(&format!(
            "Message-ID: <{id}>\r\nSubject: normal\r\n\r\nhello\r\n."
        ))
        .await;
    assert!(s.cmd("QUIT").await.starts_with("221"));
    end.starts_with("250")
}

async fn slowloris(lab: &Lab, vip: SocketAddrV4) -> String {
    let (mut s, banner) = Smtp::open(lab, vip).await;
    assert!(banner.starts_with("220"), "{banner}");
    // One byte every 300 ms: under every idle timeout, so the session stays; it costs one
    // slot, nothing more.
    for b in b"EHLO slow.example\r\n" {
        s.w.write_all(&[*b]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    s.reply().await
}

async fn endless_line(lab: &Lab, vip: SocketAddrV4) -> String {
    let (mut s, _) = Smtp::open(lab, vip).await;
    s.open_data().await;
    let chunk = vec![b'z'; 64 * 1024];
    // 40 MB: over the connectors' 36 MB MaxMessageSize.
    for _ in 0..640 {
        s.w.write_all(&chunk).await.unwrap();
    }
    s.cmd("\r\n.").await
}

async fn garbage(lab: &Lab, vip: SocketAddrV4) -> Vec<String> {
    let (mut s, _) = Smtp::open(lab, vip).await;
    let mut junk = Vec::new();
    for i in 0..2000u32 {
        match i % 5 {
            0 => junk.extend_from_slice(b"\x00\xff\xfe garbage \x1b[0m\r\n"),
            1 => junk.extend_from_slice(b"MAIL FROM:<<<>>>\r\n"),
            2 => junk.extend_from_slice(&[b'A'; 700]),
            3 => junk.extend_from_slice(b"\r\nDATA\r\n"),
            _ => junk.extend_from_slice(b"RCPT TO:<x@example.net>\n\r\n"),
        }
    }
    junk.extend_from_slice(b"QUIT\r\n");
    // Write and read at once: the server answers each line and must not stall on a client
    // that pipelines faster than it reads.
    let (r, w) = (&mut s.r, &mut s.w);
    let writer = async {
        let _ = w.write_all(&junk).await;
    };
    let reader = async {
        let mut codes = Vec::new();
        loop {
            let mut line = String::new();
            match tokio::time::timeout(READ, r.read_line(&mut line)).await {
                Ok(Ok(n)) if n > 0 => codes.push(line.get(..3).unwrap_or("").to_string()),
                _ => return codes,
            }
        }
    };
    let ((), codes) = tokio::join!(writer, reader);
    codes
}

async fn reset_mid_data(lab: &Lab, vip: SocketAddrV4, id: &str) {
    let (mut s, _) = Smtp::open(lab, vip).await;
    s.open_data().await;
    s.w.write_all(format!("Message-ID: <{id}>\r\nSubject: cut\r\n\r\nhalf a mess").as_bytes())
        .await
        .unwrap();
    let stream = s.r.into_inner().reunite(s.w).unwrap();
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_leave_the_lab_serving_and_every_acknowledged_message_stored_once() {
    let s = scenario::load(&root().join("scenarios/two-snat-workaround/scenario.toml"))
        .unwrap_or_else(|e| {
            e.report();
            panic!("scenario loads")
        });
    let opts = LabOptions {
        carrier_base: Some(Ipv4Addr::new(127, 112, 0, 1)),
        clients: vec![addr(CLIENT)],
        server_limits: mailserver::server::Limits {
            max_connections: SERVER_MAX,
            idle_timeout: SERVER_IDLE,
        },
        lb: lb::Settings {
            max_connections: LB_MAX,
            idle_timeout: LB_IDLE,
            ..lb::Settings::default()
        },
        ..LabOptions::default()
    };
    let lab = Lab::start(&s.model, opts).await.unwrap();
    let vip = lab.service(&addr("10.0.0.10"), 25).unwrap();
    let member = lab.service(&addr("10.0.1.11"), 25).unwrap();
    let mut acked = Vec::new();
    let mut cut = Vec::new();
    let run = async {
        assert!(normal_message(&lab, vip, "before@hostile.test").await);
        acked.push("before@hostile.test".to_string());

        // Phase 1, at once: slowloris, an endless line, garbage, resets mid-DATA, and a
        // normal message in the middle of it all.
        let cut_ids: Vec<String> = (0..5).map(|i| format!("cut-{i}@hostile.test")).collect();
        cut.extend(cut_ids.iter().cloned());
        let lab = &lab;
        let slow = async {
            let mut v = Vec::new();
            let mut set = Vec::new();
            for _ in 0..3 {
                set.push(slowloris(lab, vip));
            }
            for f in set {
                v.push(f.await);
            }
            v
        };
        let resets = async {
            for id in &cut_ids {
                reset_mid_data(lab, vip, id).await;
            }
        };
        let (slow, long, junk, (), during) = tokio::join!(
            slow,
            endless_line(lab, vip),
            garbage(lab, vip),
            resets,
            normal_message(lab, vip, "during@hostile.test"),
        );
        for r in &slow {
            assert!(r.starts_with("250"), "slowloris EHLO: {r}");
        }
        assert!(
            long.starts_with("552 5.3.4"),
            "a 40 MB line is refused for its size: {long}"
        );
        assert!(!junk.is_empty(), "garbage is answered");
        assert!(
            !junk.iter().any(|c| c == "354"),
            "garbage never opens DATA (no MAIL was taken): {junk:?}"
        );
        assert_eq!(junk.last().map(String::as_str), Some("221"), "{junk:?}");
        assert!(during);
        acked.push("during@hostile.test".to_string());

        // Phase 2: idle sockets on the VIP, past the listener's limit.
        let mut held = Vec::new();
        let mut refused = 0;
        for _ in 0..LB_MAX + 5 {
            match Smtp::try_open(lab, vip).await {
                Ok((s, banner)) if banner.starts_with("220") => held.push(s),
                Ok((_, banner)) => {
                    assert_eq!(banner, "", "refused at the listener: a reset");
                    refused += 1;
                }
                Err(_) => refused += 1,
            }
        }
        assert_eq!((held.len(), refused), (LB_MAX, 5));
        // The balancer's idle timer resets them all.
        for s in &mut held {
            assert!(s.closed().await, "idle client of the VIP closed");
        }
        drop(held);

        // Phase 3: idle sockets straight at one mock server, past its limit.
        let mut held = Vec::new();
        let mut refusals = Vec::new();
        for _ in 0..SERVER_MAX + 5 {
            let (s, banner) = Smtp::open(lab, member).await;
            if banner.starts_with("220") {
                held.push(s);
            } else {
                refusals.push(banner);
            }
        }
        assert_eq!(held.len(), SERVER_MAX, "{refusals:?}");
        for r in &refusals {
            assert!(
                r.starts_with("421 4.3.2 The maximum number of concurrent connections"),
                "{r}"
            );
        }
        for s in &mut held {
            let r = s.reply().await;
            assert!(r.starts_with("421 4.4.1"), "idle timeout reply: {r}");
        }
        drop(held);

        // Afterwards: the lab serves as before.
        assert!(normal_message(lab, vip, "after@hostile.test").await);
        acked.push("after@hostile.test".to_string());
    };
    tokio::time::timeout(LIMIT, run)
        .await
        .expect("the hostile run ends in bounded time");

    for id in &acked {
        assert_eq!(lab.store.accepted_count(id), 1, "{id} stored exactly once");
    }
    for id in &cut {
        assert_eq!(
            lab.store.accepted_count(id),
            0,
            "{id} was never acknowledged"
        );
    }
    assert_eq!(lab.store.count(), acked.len(), "nothing else was stored");
    let mut peak = 0;
    for m in &lab.members {
        if let Some(smtp) = &m.smtp {
            peak = peak.max(smtp.stats().peak_buffered);
        }
    }
    let counters = lab.shutdown().await.unwrap().unwrap();
    eprintln!(
        "balancer: {} connections, {} refused, {} idle timeouts, {} resets; \
         one session held at most {peak} octets",
        counters.connections, counters.refused, counters.idle_timeouts, counters.resets
    );
    assert!(peak < 64 * 1024, "a session held {peak} octets");
    assert_eq!(counters.refused, 5);
    assert!(counters.idle_timeouts >= LB_MAX as u64);
}
