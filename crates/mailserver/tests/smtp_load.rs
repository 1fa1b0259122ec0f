//! Many concurrent sessions on loopback: every acknowledged message is stored exactly once,
//! and the protocol log file is complete after shutdown.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const SESSIONS: usize = 20;
const PER_SESSION: usize = 10;
const LIMIT: Duration = Duration::from_secs(60);

async fn expect(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) {
    // A reply may span lines; read until its last line (bounded).
    for _ in 0..32 {
        let mut line = String::new();
        let n = r.read_line(&mut line).await.expect("read");
        assert!(n > 0, "server closed while waiting for {code}");
        assert!(line.starts_with(code), "wanted {code}, got {line}");
        if line.as_bytes().get(3) == Some(&b' ') {
            return;
        }
    }
    panic!("reply for {code} did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sessions_store_every_acknowledged_message_once_and_log_to_a_file() {
    let dir = std::env::temp_dir().join(format!("relaylab-mailserver-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("RECV.LOG");
    let log = mailserver::protolog::ProtocolLog::file(&path).expect("log file");
    let lab = common::start_lab_with_log(21, log).await;
    let smtp = lab.server.carrier_for_port(25).expect("bound");
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for s in 0..SESSIONS {
        let source = lab.carrier(common::CLIENTS[s % common::CLIENTS.len()]);
        tasks.spawn(async move {
            let sock = tokio::net::TcpSocket::new_v4().expect("socket");
            sock.bind(std::net::SocketAddr::new(source, 0)).expect("bind carrier");
            let stream = sock.connect(smtp).await.expect("connect");
            let (r, mut w) = stream.into_split();
            let mut r = BufReader::new(r);
            expect(&mut r, "220").await;
            w.write_all(b"EHLO load.example\r\n").await.expect("write");
            expect(&mut r, "250").await;
            for m in 0..PER_SESSION {
                // Pipelined, as PIPELINING allows: MAIL, RCPT, DATA in one write.
                w.write_all(b"MAIL FROM:<load@example.org>\r\nRCPT TO:<alice@contoso.com>\r\nDATA\r\n").await.expect("write");
                expect(&mut r, "250").await;
                expect(&mut r, "250").await;
                expect(&mut r, "354").await;
                let body = format!("Message-ID: <load-{s}-{m}@example.org>\r\n\r\nmessage {m} of session {s}\r\n.\r\n");
                w.write_all(body.as_bytes()).await.expect("write");
                expect(&mut r, "250").await;
            }
            w.write_all(b"QUIT\r\n").await.expect("write");
            expect(&mut r, "221").await;
        });
    }
    let all = async {
        while let Some(r) = tasks.join_next().await {
            r.expect("client task");
        }
    };
    tokio::time::timeout(LIMIT, all)
        .await
        .expect("within the time limit");
    let elapsed = started.elapsed();
    let total = SESSIONS * PER_SESSION;
    println!(
        "{total} messages in {SESSIONS} concurrent sessions: {elapsed:?} ({:.0} messages/s)",
        total as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(lab.store.count(), total);
    for s in 0..SESSIONS {
        for m in 0..PER_SESSION {
            assert_eq!(
                lab.store
                    .accepted_count(&format!("load-{s}-{m}@example.org")),
                1,
                "{s}/{m}"
            );
        }
    }
    let stats = lab.server.shutdown().await.expect("clean shutdown");
    assert_eq!(
        (stats.connections, stats.messages, stats.aborted),
        (SESSIONS as u64, total as u64, 0)
    );
    let text = std::fs::read_to_string(&path).expect("log file");
    let records: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        records.len(),
        lab.log.records().len(),
        "every record reached the file by shutdown"
    );
    assert_eq!(
        records
            .iter()
            .filter(|l| l.split(',').nth(6) == Some("+"))
            .count(),
        SESSIONS
    );
    for c in common::CLIENTS {
        // Route domains are BIG-IP's: the server sees 10.1.1.5%2 as 10.1.1.5.
        let c = c.split('%').next().unwrap_or(c);
        assert!(
            records.iter().any(|l| l
                .split(',')
                .nth(5)
                .is_some_and(|r| r.starts_with(&format!("{c}:")))),
            "{c} missing from the log"
        );
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
