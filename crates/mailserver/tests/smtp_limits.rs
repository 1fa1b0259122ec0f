//! Connection and idle limits of the mock SMTP server: a crowd of idle connections is
//! refused and timed out with the replies a real server gives, and a normal session still
//! gets through afterwards with its message stored exactly once.

mod common;

use std::time::Duration;

use common::{OUTSIDE, start_lab_with};
use mailserver::protolog::ProtocolLog;
use mailserver::server::Limits;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const MAX: usize = 50;
const CROWD: usize = 80;
const IDLE: Duration = Duration::from_secs(1);
const LIMIT: Duration = Duration::from_secs(60);

async fn connect(lab: &common::Lab) -> TcpStream {
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let sock = TcpSocket::new_v4().expect("socket");
    sock.bind(std::net::SocketAddr::new(lab.carrier(OUTSIDE), 0))
        .expect("bind client carrier");
    sock.connect(smtp).await.expect("connect")
}

async fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    r.read_line(&mut l).await.expect("read");
    l
}

/// One complete session; returns the reply to the end of data.
async fn send_one(lab: &common::Lab, id: &str) -> String {
    let mut r = BufReader::new(connect(lab).await);
    assert!(line(&mut r).await.starts_with("220"));
    r.get_mut()
        .write_all(b"HELO client.example\r\n")
        .await
        .expect("write");
    assert!(line(&mut r).await.starts_with("250"));
    let body = format!(
        "MAIL FROM:<printer@example.org>\r\nRCPT TO:<bob@contoso.com>\r\nDATA\r\n\
         Message-ID: <{id}>\r\nSubject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n"
    );
    r.get_mut().write_all(body.as_bytes()).await.expect("write");
    for want in ["250", "250", "354"] {
        let got = line(&mut r).await;
        assert!(got.starts_with(want), "{got}");
    }
    let queued = line(&mut r).await;
    assert!(line(&mut r).await.starts_with("221"));
    queued
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_crowd_is_refused_then_timed_out_and_a_session_still_succeeds() {
    let limits = Limits {
        max_connections: MAX,
        idle_timeout: IDLE,
    };
    let lab = start_lab_with(42, ProtocolLog::memory(), limits).await;
    let run = async {
        let mut held = Vec::new();
        let (mut banners, mut refused) = (0, 0);
        for _ in 0..CROWD {
            let mut r = BufReader::new(connect(&lab).await);
            let first = line(&mut r).await;
            if first.starts_with("220") {
                banners += 1;
                held.push(r);
            } else {
                assert!(
                    first.starts_with(
                        "421 4.3.2 The maximum number of concurrent connections has exceeded a limit"
                    ),
                    "{first}"
                );
                // Refused connections are closed by the server, not left open.
                assert_eq!(line(&mut r).await, "", "closed after the refusal");
                refused += 1;
            }
        }
        assert_eq!((banners, refused), (MAX, CROWD - MAX));
        // The idle ones are told and closed by the idle timer.
        for r in &mut held {
            let got = line(r).await;
            assert!(got.starts_with("421 4.4.1"), "{got}");
            assert_eq!(line(r).await, "", "closed after the idle timeout");
        }
        // Room again: a normal session gets through, once.
        let queued = send_one(&lab, "after-the-crowd@example.org").await;
        assert!(queued.starts_with("250"), "{queued}");
    };
    tokio::time::timeout(LIMIT, run)
        .await
        .expect("bounded in time");
    let stats = lab.server.shutdown().await.expect("shutdown");
    assert_eq!(stats.refused, (CROWD - MAX) as u64);
    assert_eq!(stats.messages, 1);
    let mailbox = lab.store.mailbox("bob@contoso.com").expect("mailbox");
    assert_eq!(mailbox.entries.len(), 1, "stored exactly once");
}

#[test]
fn each_flavour_refuses_a_connection_over_the_limit_in_its_own_words() {
    let set = relaypolicy::import::load_str(
        r#"
[[server]]
name = "MX1"
flavour = "postfix"
interfaces = ["10.0.1.13/24"]
postconf = '''
myhostname = mx1.example.com
mydestination = example.com
'''
"#,
        "mx1.toml",
    )
    .expect("fixture");
    let postfix = mailserver::policy::Policy::new(set.resolved().remove(0));
    let client = "203.0.113.9".parse().expect("addr");
    assert_eq!(
        postfix.too_many_connections(&client).to_wire(),
        "421 4.7.0 Error: too many connections from 203.0.113.9\r\n"
    );
    assert_eq!(
        common::policy().too_many_connections(&client).to_wire(),
        "421 4.3.2 The maximum number of concurrent connections has exceeded a limit, \
         closing transmission channel\r\n"
    );
}
