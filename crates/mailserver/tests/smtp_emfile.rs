//! Out of file descriptors: the accept loop backs off and comes back, it never dies.
//!
//! Alone in its test binary because it lowers the process's open-file limit.

mod common;

use std::time::Duration;

use common::{OUTSIDE, start_lab};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const LIMIT: Duration = Duration::from_secs(60);
/// Descriptors left free above what the process uses when the test starts.
const HEADROOM: u64 = 40;
/// The most clients the test opens (each costs two descriptors in this process).
const CLIENTS: usize = 200;

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}

async fn connect(lab: &common::Lab) -> std::io::Result<TcpStream> {
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let sock = TcpSocket::new_v4()?;
    sock.bind(std::net::SocketAddr::new(lab.carrier(OUTSIDE), 0))?;
    sock.connect(smtp).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accept_loop_outlives_running_out_of_descriptors() {
    let lab = start_lab(43).await;
    let before = getrlimit(Resource::Nofile);
    let tight = open_fds() + HEADROOM;
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(tight),
            maximum: before.maximum,
        },
    )
    .expect("lower the soft limit");
    let run = async {
        // Fill every descriptor: the kernel still completes handshakes into the listen
        // queue, so clients connect while the server's accept fails with EMFILE.
        let mut held = Vec::new();
        for _ in 0..CLIENTS {
            match connect(&lab).await {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        // Give the accept loop time to run into the wall.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let starved = lab.server.stats().accept_errors;
        drop(held);
        // Room again, under the same limit: a whole session goes through.
        let mut stream = None;
        for _ in 0..50 {
            if let Ok(s) = connect(&lab).await {
                stream = Some(s);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut r = BufReader::new(stream.expect("connects again"));
        let mut line = String::new();
        r.read_line(&mut line).await.expect("banner");
        assert!(line.starts_with("220"), "{line}");
        r.get_mut()
            .write_all(
                b"HELO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@contoso.com>\r\n\
                  DATA\r\nMessage-ID: <after-emfile@example.org>\r\n\r\nhi\r\n.\r\nQUIT\r\n",
            )
            .await
            .expect("write");
        let mut rest = String::new();
        let _ = r.read_to_string(&mut rest).await;
        (starved, rest)
    };
    let outcome = tokio::time::timeout(LIMIT, run).await;
    setrlimit(Resource::Nofile, before).expect("restore the limit");
    let (starved, rest) = outcome.expect("bounded in time");
    assert!(
        starved > 0,
        "the test never ran the server out of descriptors"
    );
    let codes: Vec<&str> = rest.lines().map(|l| &l[..3.min(l.len())]).collect();
    assert_eq!(codes, ["250", "250", "250", "354", "250", "221"], "{rest}");
    assert_eq!(lab.store.accepted_count("after-emfile@example.org"), 1);
    let stats = lab.server.shutdown().await.expect("shutdown");
    eprintln!(
        "{starved} accept errors while starved; {} connections accepted in all",
        stats.connections
    );
}
