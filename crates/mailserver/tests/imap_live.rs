//! lettre delivers over SMTP (STARTTLS, AUTH PLAIN); async-imap reads it back over TLS.

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use mailserver::imap::{IMAP_PORT, IMAPS_PORT, ImapServer, ImapServerConfig, add_imap_to_plan};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

const LIMIT: Duration = Duration::from_secs(20);

async fn send_with_lettre(lab: &common::Lab, id: &str) -> Vec<u8> {
    let smtp = lab.server.carrier_for_port(25).expect("smtp bound");
    let hello = ClientId::Domain("client.example".into());
    let ca = Certificate::from_der(lab.pki.ca_der().to_vec()).expect("ca");
    let tls = TlsParameters::builder("ex1.contoso.com".into())
        .add_root_certificate(ca)
        .build_rustls()
        .expect("tls");
    let mut conn = AsyncSmtpConnection::connect_tokio1(
        smtp,
        Some(LIMIT),
        &hello,
        None,
        Some(lab.carrier(common::OUTSIDE)),
    )
    .await
    .expect("connect");
    conn.starttls(tls, &hello).await.expect("starttls");
    conn.auth(
        &[Mechanism::Plain],
        &Credentials::new("alice".into(), "secret".into()),
    )
    .await
    .expect("auth");
    let msg = lettre::Message::builder()
        .from("Printer <printer@example.org>".parse().expect("from"))
        .to("alice@contoso.com".parse().expect("to"))
        .subject("fetch me back")
        .message_id(Some(format!("<{id}>")))
        .body(String::from("first line\r\n.dot line\r\nünïcode line\r\n"))
        .expect("message");
    let raw = msg.formatted();
    let env =
        Envelope::new(None, vec!["alice@contoso.com".parse().expect("rcpt")]).expect("envelope");
    conn.send(&env, &raw).await.expect("send");
    conn.quit().await.expect("quit");
    // The CRLF of lettre's final CRLF.CRLF ends the last line: it is part of the message.
    [raw.as_slice(), b"\r\n"].concat()
}

async fn start_imap(lab: &common::Lab, lab_id: u8) -> (ImapServer, Arc<wire::Plan>) {
    let mut plan = (*lab.plan).clone();
    let member: addrspace::Addr = common::MEMBER.parse().expect("addr");
    add_imap_to_plan(&mut plan, member, true).expect("plan");
    let plan = Arc::new(plan);
    let server = ImapServer::start(ImapServerConfig {
        name: format!("imap-{lab_id}"),
        addr: member,
        plan: Arc::clone(&plan),
        store: lab.store.clone(),
        users: common::users(),
        tls: Some(lab.pki.server_config().expect("tls")),
        login_requires_tls: true,
        limits: mailserver::server::Limits::default(),
    })
    .await
    .expect("imap starts");
    (server, plan)
}

fn connector(lab: &common::Lab) -> (TlsConnector, ServerName<'static>) {
    let cfg = lab.pki.client_config().expect("client config");
    (
        TlsConnector::from(cfg),
        ServerName::try_from("ex1.contoso.com").expect("name"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_imap_over_implicit_tls_fetches_the_lettre_message_byte_identical() {
    let lab = common::start_lab(11).await;
    let (imap, _) = start_imap(&lab, 11).await;
    let run = async {
        let sent = send_with_lettre(&lab, "fetch-1@example.org").await;
        let (tls, name) = connector(&lab);
        let tcp = TcpStream::connect(imap.carrier_for_port(IMAPS_PORT).expect("993 bound"))
            .await
            .expect("connect");
        let stream = tls.connect(name, tcp).await.expect("tls handshake");
        let mut client = async_imap::Client::new(stream);
        let greeting = client
            .read_response()
            .await
            .expect("read")
            .expect("greeting");
        assert!(
            format!("{:?}", greeting.parsed()).contains("Ok"),
            "{:?}",
            greeting.parsed()
        );
        let mut session = client
            .login("alice", "secret")
            .await
            .map_err(|(e, _)| e)
            .expect("login");
        let mb = session.select("INBOX").await.expect("select");
        assert_eq!(mb.exists, 1);
        let fetched: Vec<_> = session
            .fetch("1", "(UID RFC822.SIZE FLAGS BODY[])")
            .await
            .expect("fetch")
            .try_collect()
            .await
            .expect("collect");
        assert_eq!(fetched.len(), 1);
        let body = fetched[0].body().expect("BODY[]").to_vec();
        assert_eq!(fetched[0].uid, Some(1));
        assert_eq!(fetched[0].size, Some(sent.len() as u32));
        let ids = session
            .search("HEADER Message-ID fetch-1@example.org")
            .await
            .expect("search");
        assert_eq!(ids.len(), 1);
        session.logout().await.expect("logout");
        (sent, body)
    };
    let (sent, body) = tokio::time::timeout(LIMIT, run)
        .await
        .expect("within the time limit");
    assert_eq!(body, sent, "IMAP returns exactly what lettre sent");
    assert_eq!(lab.store.accepted_count("fetch-1@example.org"), 1);
    let stats = imap.shutdown().await.expect("imap stops");
    assert_eq!(stats.aborted, 0);
    lab.server.shutdown().await.expect("smtp stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_starttls_on_143_after_logindisabled() {
    let lab = common::start_lab(12).await;
    let (imap, _) = start_imap(&lab, 12).await;
    let run = async {
        let sent = send_with_lettre(&lab, "fetch-2@example.org").await;
        let tcp = TcpStream::connect(imap.carrier_for_port(IMAP_PORT).expect("143 bound"))
            .await
            .expect("connect");
        let mut r = BufReader::new(tcp);
        let mut line = String::new();
        r.read_line(&mut line).await.expect("greeting");
        assert!(
            line.contains("LOGINDISABLED") && line.contains("STARTTLS"),
            "{line}"
        );
        r.get_mut()
            .write_all(b"t1 LOGIN alice secret\r\nt2 STARTTLS\r\n")
            .await
            .expect("write");
        line.clear();
        r.read_line(&mut line).await.expect("login refused");
        assert!(line.starts_with("t1 NO"), "{line}");
        line.clear();
        r.read_line(&mut line).await.expect("starttls ok");
        assert!(line.starts_with("t2 OK"), "{line}");
        let (tls, name) = connector(&lab);
        let stream = tls
            .connect(name, r.into_inner())
            .await
            .expect("tls handshake");
        // No greeting after STARTTLS: the client speaks first.
        let client = async_imap::Client::new(stream);
        let mut session = client
            .login("alice", "secret")
            .await
            .map_err(|(e, _)| e)
            .expect("login after tls");
        session.select("INBOX").await.expect("select");
        let fetched: Vec<_> = session
            .uid_fetch("1", "BODY.PEEK[]")
            .await
            .expect("fetch")
            .try_collect()
            .await
            .expect("collect");
        let body = fetched[0].body().expect("body").to_vec();
        session.logout().await.expect("logout");
        (sent, body)
    };
    let (sent, body) = tokio::time::timeout(LIMIT, run)
        .await
        .expect("within the time limit");
    assert_eq!(body, sent);
    imap.shutdown().await.expect("imap stops");
    lab.server.shutdown().await.expect("smtp stops");
}
