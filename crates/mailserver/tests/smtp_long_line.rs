//! A DATA line that never ends: the server must count it, not keep it.
//!
//! Alone in its test binary because it measures the process's peak resident memory
//! (VmHWM), which other tests running beside it would move.

mod common;

use std::time::Duration;

use common::{OUTSIDE, start_lab};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;

/// What the client sends without a CRLF: far more than any limit the server may hold.
const FLOOD: usize = 50 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;
/// Memory the server may grow by while the flood passes (read buffers, socket buffers,
/// allocator slack); the old server grew by the whole line.
const GROWTH_BOUND_KB: u64 = 16 * 1024;
const LIMIT: Duration = Duration::from_secs(90);

/// The process's peak resident set so far, in kB (Linux).
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_data_line_is_counted_not_buffered() {
    let lab = start_lab(41).await;
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let run = async {
        let sock = TcpSocket::new_v4().expect("socket");
        sock.bind(std::net::SocketAddr::new(lab.carrier(OUTSIDE), 0))
            .expect("bind client carrier");
        let stream = sock.connect(smtp).await.expect("connect");
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        let mut line = String::new();
        let reply = async |r: &mut BufReader<_>, line: &mut String| {
            // Multi-line replies: read until the last line (code followed by a space).
            loop {
                line.clear();
                r.read_line(line).await.expect("read reply");
                if line.len() < 4 || line.as_bytes()[3] == b' ' {
                    return line.clone();
                }
            }
        };
        assert!(reply(&mut r, &mut line).await.starts_with("220"));
        for (cmd, want) in [
            ("EHLO client.example", "250"),
            ("MAIL FROM:<printer@example.org>", "250"),
            ("RCPT TO:<bob@contoso.com>", "250"),
            ("DATA", "354"),
        ] {
            w.write_all(format!("{cmd}\r\n").as_bytes())
                .await
                .expect("write");
            let got = reply(&mut r, &mut line).await;
            assert!(got.starts_with(want), "{cmd}: {got}");
        }
        let before = peak_rss_kb();
        let chunk = vec![b'x'; CHUNK];
        for _ in 0..FLOOD / CHUNK {
            w.write_all(&chunk).await.expect("the server keeps reading");
        }
        w.write_all(b"\r\n.\r\n").await.expect("end of data");
        let got = reply(&mut r, &mut line).await;
        let grown = peak_rss_kb().saturating_sub(before);
        // The line is over the connector's MaxMessageSize (36 MB) and over 1000 octets; the
        // size check answers first, as Exchange does.
        assert!(
            got.starts_with("552 5.3.4 Message size exceeds fixed maximum message size"),
            "{got}"
        );
        assert!(
            grown < GROWTH_BOUND_KB,
            "the server grew by {grown} kB while a {} MB line passed",
            FLOOD >> 20
        );
        // The session stays in step: the next command is answered.
        w.write_all(b"QUIT\r\n").await.expect("write");
        assert!(reply(&mut r, &mut line).await.starts_with("221"));
        grown
    };
    let grown = tokio::time::timeout(LIMIT, run)
        .await
        .expect("the flood passes in bounded time");
    let stats = lab.server.shutdown().await.expect("shutdown");
    eprintln!(
        "{} MB line: peak RSS grew {grown} kB, one session held at most {} octets",
        FLOOD >> 20,
        stats.peak_buffered
    );
    assert!(
        stats.peak_buffered < 64 * 1024,
        "one session held {} octets",
        stats.peak_buffered
    );
    assert_eq!(stats.messages, 0);
    assert!(lab.store.relayed().is_empty());
}
