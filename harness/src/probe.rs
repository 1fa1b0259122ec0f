//! A small SMTP client for live probes: from a client's carrier (and a chosen source port),
//! through the balancer, every command and reply kept as a transcript. What to send and when
//! is not decided here: `run_cmd` drives these calls with `relaypolicy::dialogue`, the
//! machine the prover runs too.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;

/// How long one reply may take before the session counts as hung.
const REPLY: Duration = Duration::from_secs(10);

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One SMTP session's transcript and state.
pub struct Session {
    stream: BufReader<Box<dyn Io>>,
    /// `C: ...` and `S: ...` lines, in order.
    pub transcript: Vec<String>,
}

/// A reply: its code and last line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code (0 when the connection ended instead).
    pub code: u16,
    /// The whole reply, lines joined by ` / `.
    pub text: String,
    /// The reply's lines without their codes (EHLO keywords for the dialogue).
    pub lines: Vec<String>,
}

impl Reply {
    /// No reply: the connection ended (or never carried one), with what happened.
    pub fn ended(what: &str) -> Reply {
        Reply {
            code: 0,
            text: what.to_string(),
            lines: Vec::new(),
        }
    }

    /// 2xx or 3xx.
    pub fn ok(&self) -> bool {
        (200..400).contains(&self.code)
    }
}

/// A client socket bound to its carrier and source port, not yet connected.
pub struct Bound {
    socket: TcpSocket,
    /// The source port (the system's choice when 0 was asked for).
    pub port: u16,
}

/// Binds a client socket to `source` and `port` (0: any). SO_REUSEADDR lets a port whose
/// last connection is still in TIME_WAIT be bound again; a connect that would repeat that
/// connection's addresses still fails, and the caller moves to another port.
pub fn bind(source: Ipv4Addr, port: u16) -> std::io::Result<Bound> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::new(source.into(), port))?;
    let port = socket.local_addr()?.port();
    Ok(Bound { socket, port })
}

/// Whether a connect error means the source address and port cannot be used now (taken, or
/// the same connection still in TIME_WAIT), rather than that the peer refused.
pub fn source_unusable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::AddrInUse | std::io::ErrorKind::AddrNotAvailable
    )
}

impl Session {
    /// Connects a bound socket to `to`. `Err` when the source cannot be used (see
    /// [`source_unusable`]); `Ok(None)` when the connection is refused or reset before the
    /// banner (the balancer ended it).
    pub async fn connect(
        bound: Bound,
        to: SocketAddrV4,
    ) -> std::io::Result<Option<(Session, Reply)>> {
        let tcp = match tokio::time::timeout(REPLY, bound.socket.connect(SocketAddr::V4(to))).await
        {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) if source_unusable(&e) => return Err(e),
            Ok(Err(_)) | Err(_) => return Ok(None),
        };
        let mut s = Session {
            stream: BufReader::new(Box::new(tcp)),
            transcript: Vec::new(),
        };
        let banner = s.read().await;
        Ok((banner.code != 0).then_some((s, banner)))
    }

    /// Connects from `source` (a carrier, any port) to `to`; None when the connection is
    /// refused or reset before the banner (the balancer ended it).
    pub async fn open(source: Ipv4Addr, to: SocketAddrV4) -> Option<(Session, Reply)> {
        let bound = bind(source, 0).ok()?;
        let tcp = tokio::time::timeout(REPLY, bound.socket.connect(SocketAddr::V4(to)))
            .await
            .ok()?
            .ok()?;
        let mut s = Session {
            stream: BufReader::new(Box::new(tcp)),
            transcript: Vec::new(),
        };
        let banner = s.read().await;
        (banner.code != 0).then_some((s, banner))
    }

    async fn read(&mut self) -> Reply {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            match tokio::time::timeout(REPLY, self.stream.read_line(&mut line)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => {
                    self.transcript.push("S: (connection ended)".into());
                    return Reply {
                        code: 0,
                        text: "(connection ended)".into(),
                        lines: Vec::new(),
                    };
                }
            }
            let line = line.trim_end().to_string();
            self.transcript.push(format!("S: {line}"));
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line);
            if !more {
                break;
            }
        }
        let code = lines
            .last()
            .and_then(|l| l.get(..3))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Reply {
            code,
            text: lines.join(" / "),
            lines: lines
                .iter()
                .map(|l| l.get(4..).unwrap_or_default().to_string())
                .collect(),
        }
    }

    /// Sends one command line and reads the reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        self.transcript.push(format!("C: {line}"));
        if self
            .stream
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .is_err()
        {
            self.transcript.push("S: (connection ended)".into());
            return Reply {
                code: 0,
                text: "(connection ended)".into(),
                lines: Vec::new(),
            };
        }
        self.read().await
    }

    /// Sends raw bytes (a message body with its end-of-data) and reads one reply.
    pub async fn raw(&mut self, bytes: &[u8], shown: &str) -> Reply {
        self.transcript.push(format!("C: {shown}"));
        if self.stream.get_mut().write_all(bytes).await.is_err() {
            return Reply {
                code: 0,
                text: "(connection ended)".into(),
                lines: Vec::new(),
            };
        }
        self.read().await
    }

    /// STARTTLS, trusting `tls`; the session continues encrypted. On failure, the reply
    /// (code 0 when the handshake failed after a 220) and the transcript so far.
    pub async fn starttls(
        mut self,
        tls: Arc<rustls::ClientConfig>,
        name: &str,
    ) -> Result<(Session, Reply), (Reply, Vec<String>)> {
        let r = self.cmd("STARTTLS").await;
        if r.code != 220 {
            return Err((r, self.transcript));
        }
        let mut transcript = self.transcript;
        let Ok(server) = rustls::pki_types::ServerName::try_from(name.to_string()) else {
            transcript.push("(bad TLS name)".into());
            return Err((Reply::ended("bad TLS name"), transcript));
        };
        let inner = self.stream.into_inner();
        let connector = tokio_rustls::TlsConnector::from(tls);
        match connector.connect(server, inner).await {
            Ok(stream) => {
                transcript.push("(TLS established)".into());
                Ok((
                    Session {
                        stream: BufReader::new(Box::new(stream)),
                        transcript,
                    },
                    r,
                ))
            }
            Err(e) => {
                let why = format!("TLS handshake failed: {e}");
                transcript.push(format!("({why})"));
                Err((Reply::ended(&why), transcript))
            }
        }
    }

    /// Sends a line that must not show in the transcript (credentials); reads the reply.
    async fn secret(&mut self, line: &str, shown: &str) -> Reply {
        self.transcript.push(format!("C: {shown}"));
        if self
            .stream
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .is_err()
        {
            return Reply {
                code: 0,
                text: "(connection ended)".into(),
                lines: Vec::new(),
            };
        }
        self.read().await
    }

    /// AUTH PLAIN with a login and password.
    pub async fn auth_plain(&mut self, login: &str, password: &str) -> Reply {
        let token = b64(&format!("\0{login}\0{password}"));
        self.secret(&format!("AUTH PLAIN {token}"), "AUTH PLAIN (credentials)")
            .await
    }

    /// AUTH LOGIN: the user name and password as two base64 answers.
    pub async fn auth_login(&mut self, login: &str, password: &str) -> Reply {
        let r = self.cmd("AUTH LOGIN").await;
        if r.code != 334 {
            return r;
        }
        let r = self.secret(&b64(login), "(user name)").await;
        if r.code != 334 {
            return r;
        }
        self.secret(&b64(password), "(password)").await
    }

    /// DATA, then a small message with this Message-ID, ended by CRLF.CRLF.
    pub async fn data(&mut self, message_id: &str) -> Reply {
        let r = self.cmd("DATA").await;
        if r.code != 354 {
            return r;
        }
        let msg = format!(
            "Message-ID: <{message_id}>\r\nSubject: relaylab live probe\r\n\r\nprobe {message_id}\r\n.\r\n"
        );
        self.raw(msg.as_bytes(), "(message) .").await
    }

    /// QUIT, ignoring the answer.
    pub async fn quit(mut self) -> Vec<String> {
        let _ = self.cmd("QUIT").await;
        self.transcript
    }
}

fn b64(text: &str) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, text)
}
