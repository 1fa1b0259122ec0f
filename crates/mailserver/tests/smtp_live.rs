//! Real clients against the mock SMTP server on loopback carriers.

mod common;

use std::time::Duration;

use common::{OUTSIDE, RELAY_SNAT, start_lab};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const LIMIT: Duration = Duration::from_secs(20);

fn tls_params(lab: &common::Lab) -> TlsParameters {
    let ca = Certificate::from_der(lab.pki.ca_der().to_vec()).expect("CA der");
    TlsParameters::builder("ex1.contoso.com".into())
        .add_root_certificate(ca)
        .build_rustls()
        .expect("tls parameters")
}

fn message(id: &str, to: &str) -> Message {
    Message::builder()
        .from("Printer <printer@example.org>".parse().expect("from"))
        .to(to.parse().expect("to"))
        .subject("lab test")
        .message_id(Some(format!("<{id}>")))
        .body(String::from(
            "line one\r\n.line with a leading dot\r\nlast line\r\n",
        ))
        .expect("message")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lettre_sends_with_starttls_and_auth_plain_from_a_client_carrier() {
    let lab = start_lab(1).await;
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let hello = ClientId::Domain("client.example".into());
    let run = async {
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            smtp,
            Some(LIMIT),
            &hello,
            None,
            Some(lab.carrier(OUTSIDE)),
        )
        .await
        .expect("connect");
        assert!(conn.can_starttls());
        conn.starttls(tls_params(&lab), &hello)
            .await
            .expect("starttls");
        assert!(conn.is_encrypted());
        conn.auth(
            &[Mechanism::Plain],
            &Credentials::new("alice".into(), "secret".into()),
        )
        .await
        .expect("auth plain");
        let msg = message("lettre-1@example.org", "alice@contoso.com");
        // relaypolicy refuses an authenticated user's own sender (see the crate docs), so
        // the envelope uses the null sender.
        let env = Envelope::new(None, vec!["alice@contoso.com".parse().expect("rcpt")])
            .expect("envelope");
        let raw = msg.formatted();
        let r = conn.send(&env, &raw).await.expect("send");
        assert_eq!(r.code().to_string(), "250");
        conn.quit().await.expect("quit");
        raw
    };
    let raw = tokio::time::timeout(LIMIT, run)
        .await
        .expect("within the time limit");
    let mb = lab.store.mailbox("alice@contoso.com").expect("mailbox");
    assert_eq!(mb.entries.len(), 1);
    let stored = &mb.entries[0].message;
    // lettre writes the formatted message and then CRLF.CRLF; that first CRLF ends the
    // message's last line (RFC 5321 4.1.1.4), so it is part of what the client sent.
    let on_the_wire = [raw.as_slice(), b"\r\n"].concat();
    assert_eq!(
        stored.delivery.data, on_the_wire,
        "stored byte-identical to what lettre sent before the final dot"
    );
    assert!(stored.delivery.tls && stored.delivery.user.as_deref() == Some("alice"));
    assert_eq!(stored.delivery.remote.to_string(), OUTSIDE);
    let stats = lab.server.shutdown().await.expect("clean shutdown");
    assert_eq!(
        (stats.connections, stats.messages, stats.aborted),
        (1, 1, 0)
    );
    let log = lab.log.to_csv();
    assert!(
        log.contains(&format!(",10.0.1.11:25,{OUTSIDE}:")),
        "the log shows scenario endpoints:\n{log}"
    );
    assert!(log.contains("TLS negotiated"), "{log}");
    assert!(
        !log.contains("AGFsaWNl"),
        "credentials must not be logged:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lettre_transport_with_required_tls_from_localhost() {
    let lab = start_lab(2).await;
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.ip().to_string())
        .port(smtp.port())
        .tls(Tls::Required(tls_params(&lab)))
        .credentials(Credentials::new("alice".into(), "secret".into()))
        .authentication(vec![Mechanism::Plain])
        .timeout(Some(LIMIT))
        .build();
    let msg = message("lettre-2@example.org", "alice@contoso.com");
    let env =
        Envelope::new(None, vec!["alice@contoso.com".parse().expect("rcpt")]).expect("envelope");
    let raw = msg.formatted();
    let r = tokio::time::timeout(LIMIT, transport.send_raw(&env, &raw))
        .await
        .expect("in time")
        .expect("sent");
    assert!(r.is_positive());
    drop(transport);
    assert_eq!(lab.store.accepted_count("lettre-2@example.org"), 1);
    // 127.0.0.1 is not on the plan: the policy saw it as itself, and the log says so.
    let stats = lab.server.shutdown().await.expect("clean shutdown");
    assert_eq!(stats.aborted, 0);
    assert!(lab.log.to_csv().contains("not on the address plan"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_from_an_outsider_is_denied_and_from_the_relay_snat_lands_in_the_sink() {
    let lab = start_lab(3).await;
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let hello = ClientId::Domain("printer.example".into());
    let env = Envelope::new(
        Some("printer@example.org".parse().expect("from")),
        vec!["someone@example.net".parse().expect("rcpt")],
    )
    .expect("envelope");
    let run = async {
        let mut out = Vec::new();
        for who in [OUTSIDE, RELAY_SNAT] {
            let mut conn = AsyncSmtpConnection::connect_tokio1(
                smtp,
                Some(LIMIT),
                &hello,
                None,
                Some(lab.carrier(who)),
            )
            .await
            .expect("connect");
            let raw =
                message(&format!("relay-{who}@example.org"), "someone@example.net").formatted();
            out.push(
                conn.send(&env, &raw)
                    .await
                    .map(|r| r.code().to_string())
                    .map_err(|e| e.to_string()),
            );
            let _ = conn.quit().await;
        }
        out
    };
    let results = tokio::time::timeout(LIMIT, run).await.expect("in time");
    let denied = results[0].as_ref().expect_err("outsider must not relay");
    assert!(
        denied.contains("5.7.54")
            && denied.contains("Unable to relay recipient in non-accepted domain"),
        "{denied}"
    );
    assert_eq!(results[1].as_deref(), Ok("250"));
    let sink = lab.store.relayed();
    assert_eq!(
        sink.len(),
        1,
        "only the relay SNAT's message is in the sink"
    );
    assert_eq!(sink[0].message.delivery.remote.to_string(), RELAY_SNAT);
    assert_eq!(
        lab.store
            .accepted_count(&format!("relay-{OUTSIDE}@example.org")),
        0
    );
    lab.server.shutdown().await.expect("clean shutdown");
    let remotes = lab.log.remote_addrs();
    assert_eq!(remotes, vec![OUTSIDE.to_string(), RELAY_SNAT.to_string()]);
    let relay_connector = lab
        .log
        .records()
        .iter()
        .any(|r| r.connector_id == "EX1\\Relay" && r.remote_addr() == RELAY_SNAT);
    assert!(relay_connector, "{}", lab.log.to_csv());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_says_421_to_open_sessions_and_leaves_no_listener() {
    let lab = start_lab(4).await;
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.bind(std::net::SocketAddr::new(lab.carrier(OUTSIDE), 0))
        .expect("bind client carrier");
    let stream = tokio::time::timeout(LIMIT, sock.connect(smtp))
        .await
        .expect("in time")
        .expect("connect");
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    tokio::time::timeout(LIMIT, r.read_line(&mut line))
        .await
        .expect("in time")
        .expect("banner");
    assert!(line.starts_with("220 "), "{line}");
    w.write_all(b"EHLO hand.example\r\nMAIL FROM:<a@example.org>\r\n")
        .await
        .expect("write");
    // Read the EHLO lines and the MAIL reply, then stop the server mid-transaction.
    let mut seen = Vec::new();
    for _ in 0..20 {
        line.clear();
        tokio::time::timeout(LIMIT, r.read_line(&mut line))
            .await
            .expect("in time")
            .expect("reply");
        seen.push(line.clone());
        if line.starts_with("250 2.1.0") {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.starts_with("250 2.1.0")), "{seen:?}");
    let stop = tokio::spawn(lab.server.shutdown());
    line.clear();
    tokio::time::timeout(LIMIT, r.read_line(&mut line))
        .await
        .expect("in time")
        .expect("421");
    assert!(line.starts_with("421 4.3.2"), "{line}");
    let stats = tokio::time::timeout(LIMIT, stop)
        .await
        .expect("in time")
        .expect("joined")
        .expect("clean");
    assert_eq!((stats.connections, stats.aborted), (1, 0));
    assert!(
        tokio::net::TcpStream::connect(smtp).await.is_err(),
        "listener still open after shutdown"
    );
    assert_eq!(lab.store.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_stuck_in_a_tls_handshake_is_aborted_after_the_grace_period() {
    let lab = start_lab(5).await;
    let smtp = lab.server.carrier_for_port(25).expect("port 25 bound");
    let stream = tokio::time::timeout(LIMIT, tokio::net::TcpStream::connect(smtp))
        .await
        .expect("in time")
        .expect("connect");
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"EHLO stuck.example\r\nSTARTTLS\r\n")
        .await
        .expect("write");
    let mut line = String::new();
    for _ in 0..20 {
        line.clear();
        tokio::time::timeout(LIMIT, r.read_line(&mut line))
            .await
            .expect("in time")
            .expect("reply");
        if line.starts_with("220 2.0.0") {
            break;
        }
    }
    assert!(line.starts_with("220 2.0.0"), "{line}");
    // The client never sends a ClientHello: the server waits in the handshake.
    let started = std::time::Instant::now();
    let stats = tokio::time::timeout(LIMIT, lab.server.shutdown())
        .await
        .expect("shutdown ends")
        .expect("clean");
    let took = started.elapsed();
    assert_eq!(
        stats.aborted, 1,
        "the stuck session was aborted, not orphaned"
    );
    assert!(
        took >= mailserver::server::SHUTDOWN_GRACE
            && took < mailserver::server::SHUTDOWN_GRACE + Duration::from_secs(3),
        "{took:?}"
    );
    drop(w);
}
