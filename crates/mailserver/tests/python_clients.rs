//! Python's smtplib and imaplib (real, independent client implementations) against the mock
//! servers: relay from the relay SNAT is taken, from outside refused with Exchange's reply,
//! STARTTLS + AUTH on the TLS-only connector, and the message read back over IMAPS.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailserver::imap::{IMAPS_PORT, ImapServer, ImapServerConfig, add_imap_to_plan};

const SCRIPT: &str = r#"
import smtplib, imaplib, ssl, sys
host, p25, p587, p993, relay_src, outside_src, ca = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False  # connecting by carrier IP; the certificate names ex1.contoso.com
for src in (relay_src, outside_src):
    s = smtplib.SMTP(host, int(p25), source_address=(src, 0), timeout=10)
    try:
        s.sendmail("printer@example.org", ["someone@example.net"], "Subject: relay\r\nMessage-ID: <py-%s@x>\r\n\r\nhi\r\n" % src)
        print("relay", src, "taken")
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients["someone@example.net"]
        print("relay", src, "refused", code, text.decode())
    s.quit()
s = smtplib.SMTP(host, int(p587), source_address=(outside_src, 0), timeout=10)
s.ehlo()
print("auth before tls", s.has_extn("auth"))
s.starttls(context=ctx)
s.ehlo()
print("auth after tls", s.esmtp_features.get("auth", "").strip())
s.login("alice", "secret")
s.sendmail("", ["alice@contoso.com"], "Subject: via 587\r\nMessage-ID: <py-587@x>\r\n\r\nbody line\r\n")
s.quit()
m = imaplib.IMAP4_SSL(host, int(p993), ssl_context=ctx, timeout=10)
m.login("alice", "secret")
m.select("INBOX")
typ, data = m.fetch(b"1", "(BODY[])")
print("imap body", repr(data[0][1]))
m.logout()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_smtplib_and_imaplib_against_the_mock() {
    let lab = common::start_lab(31).await;
    let member: addrspace::Addr = common::MEMBER.parse().expect("addr");
    let mut plan = (*lab.plan).clone();
    add_imap_to_plan(&mut plan, member, true).expect("plan");
    let imap = ImapServer::start(ImapServerConfig {
        name: "imap".into(),
        addr: member,
        plan: Arc::new(plan),
        store: lab.store.clone(),
        users: common::users(),
        tls: Some(lab.pki.server_config().expect("tls")),
        login_requires_tls: true,
        limits: mailserver::server::Limits::default(),
    })
    .await
    .expect("imap");
    let dir = std::env::temp_dir().join(format!("relaylab-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, lab.pki.ca_pem()).expect("ca");
    let p25 = lab.server.carrier_for_port(25).expect("25");
    let p587 = lab.server.carrier_for_port(587).expect("587");
    let p993 = imap.carrier_for_port(IMAPS_PORT).expect("993");
    let args = [
        p25.ip().to_string(),
        p25.port().to_string(),
        p587.port().to_string(),
        p993.port().to_string(),
        lab.carrier(common::RELAY_SNAT).to_string(),
        lab.carrier(common::OUTSIDE).to_string(),
        ca.display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(SCRIPT)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 is on the machine image");
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().expect("output")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let relay = lab.carrier(common::RELAY_SNAT);
    let outside = lab.carrier(common::OUTSIDE);
    assert!(stdout.contains(&format!("relay {relay} taken")), "{stdout}");
    assert!(stdout.contains(&format!("relay {outside} refused 550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain")), "{stdout}");
    assert!(
        stdout.contains("auth before tls False") && stdout.contains("auth after tls LOGIN PLAIN"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            r"imap body b'Subject: via 587\r\nMessage-ID: <py-587@x>\r\n\r\nbody line\r\n'"
        ),
        "{stdout}"
    );
    assert_eq!(lab.store.relayed().len(), 1);
    assert_eq!(
        lab.store.relayed()[0].message.delivery.remote.to_string(),
        common::RELAY_SNAT
    );
    imap.shutdown().await.expect("imap stops");
    lab.server.shutdown().await.expect("smtp stops");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
