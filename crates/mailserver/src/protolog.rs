//! Exchange-style SMTP receive protocol logs.
//!
//! The CSV has Exchange's fields (`date-time, connector-id, session-id, sequence-number,
//! local-endpoint, remote-endpoint, event, data, context`) and its `#` header lines, so the
//! tools people already point at Exchange logs read these too. The endpoints are the
//! *scenario* addresses the server saw (the SNAT address, not the loopback carrier): that
//! is the evidence the acceptance tests look at.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::smtp::{LogEvent, LogLine};

/// The CSV field names, in order.
pub const FIELDS: &str = "date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

/// Why a log could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The log file could not be created or written.
    #[error("protocol log {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A task panicked while writing; the log is not trusted any more.
    #[error("the protocol log is poisoned by a panic in another task")]
    Poisoned,
}

/// One protocol log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// When (wall clock, stamped by the IO shell).
    pub time: SystemTime,
    /// `SERVER\Connector`.
    pub connector_id: String,
    /// The session id (16 hex digits, unique per log).
    pub session_id: String,
    /// The record's number within its session, from 0.
    pub sequence: u64,
    /// The scenario endpoint the client reached (`10.0.1.11:25`).
    pub local: String,
    /// The scenario endpoint of the client (`10.0.0.20:40312`).
    pub remote: String,
    /// What happened.
    pub event: LogEvent,
    /// The command or reply.
    pub data: String,
    /// Why, or extra information.
    pub context: String,
}

impl LogRecord {
    /// The record as one CSV line (without newline).
    pub fn to_csv(&self) -> String {
        [
            iso8601(self.time),
            csv(&self.connector_id),
            self.session_id.clone(),
            self.sequence.to_string(),
            csv(&self.local),
            csv(&self.remote),
            self.event.symbol().to_string(),
            csv(&self.data),
            csv(&self.context),
        ]
        .join(",")
    }

    /// The remote endpoint's address without the port.
    pub fn remote_addr(&self) -> &str {
        strip_port(&self.remote)
    }
}

fn strip_port(endpoint: &str) -> &str {
    if let Some(rest) = endpoint.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    endpoint.rsplit_once(':').map_or(endpoint, |(a, _)| a)
}

fn csv(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\"").replace(['\r', '\n'], " "))
    } else {
        s.to_string()
    }
}

/// `2026-11-21T23:50:28.123Z` without a date crate: days to civil date (Howard Hinnant's
/// algorithm).
pub fn iso8601(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[derive(Debug)]
struct Inner {
    records: Vec<LogRecord>,
    file: Option<(PathBuf, BufWriter<File>)>,
}

/// A protocol log shared by every session of one or more servers; clones are handles.
#[derive(Debug, Clone)]
pub struct ProtocolLog {
    inner: Arc<Mutex<Inner>>,
    next_session: Arc<AtomicU64>,
}

impl ProtocolLog {
    /// A log kept in memory only.
    pub fn memory() -> ProtocolLog {
        ProtocolLog {
            inner: Arc::new(Mutex::new(Inner {
                records: Vec::new(),
                file: None,
            })),
            next_session: Arc::new(AtomicU64::new(0x08DE_0000_0000_0001)),
        }
    }

    /// A log written to `path` (created or truncated) and kept in memory for queries.
    pub fn file(path: &Path) -> Result<ProtocolLog, LogError> {
        let io = |source| LogError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut w = BufWriter::new(File::create(path).map_err(io)?);
        write!(
            w,
            "#Software: relaylab mailserver\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n#Date: {}\r\n#Fields: {FIELDS}\r\n",
            iso8601(SystemTime::now())
        )
        .map_err(io)?;
        let log = ProtocolLog::memory();
        log.lock()?.file = Some((path.to_path_buf(), w));
        Ok(log)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, LogError> {
        self.inner.lock().map_err(|_| LogError::Poisoned)
    }

    /// A fresh session id.
    pub fn next_session_id(&self) -> String {
        format!("{:016X}", self.next_session.fetch_add(1, Ordering::Relaxed))
    }

    /// Appends a record.
    pub fn write(&self, record: LogRecord) -> Result<(), LogError> {
        let mut g = self.lock()?;
        if let Some((path, w)) = g.file.as_mut() {
            let line = record.to_csv();
            w.write_all(line.as_bytes())
                .and_then(|()| w.write_all(b"\r\n"))
                .map_err(|source| LogError::Io {
                    path: path.clone(),
                    source,
                })?;
        }
        g.records.push(record);
        Ok(())
    }

    /// Writes buffered lines to the file.
    pub fn flush(&self) -> Result<(), LogError> {
        let mut g = self.lock()?;
        if let Some((path, w)) = g.file.as_mut() {
            w.flush().map_err(|source| LogError::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<LogRecord> {
        self.lock().map(|g| g.records.clone()).unwrap_or_default()
    }

    /// The records as CSV with Exchange's header.
    pub fn to_csv(&self) -> String {
        let mut out = format!("#Fields: {FIELDS}\r\n");
        for r in self.records() {
            out.push_str(&r.to_csv());
            out.push_str("\r\n");
        }
        out
    }

    /// The remote addresses (scenario, without port) of every session, in order of
    /// connection.
    pub fn remote_addrs(&self) -> Vec<String> {
        self.records()
            .iter()
            .filter(|r| r.event == LogEvent::Connect)
            .map(|r| r.remote_addr().to_string())
            .collect()
    }
}

/// Stamps one session's log lines with time, ids and sequence numbers.
#[derive(Debug)]
pub struct SessionLogger {
    log: ProtocolLog,
    connector_id: String,
    session_id: String,
    sequence: u64,
    local: String,
    remote: String,
}

impl SessionLogger {
    /// A logger for one session.
    pub fn new(
        log: ProtocolLog,
        connector_id: String,
        local: String,
        remote: String,
    ) -> SessionLogger {
        let session_id = log.next_session_id();
        SessionLogger {
            log,
            connector_id,
            session_id,
            sequence: 0,
            local,
            remote,
        }
    }

    /// The session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Writes one line.
    pub fn write(&mut self, line: LogLine, time: SystemTime) -> Result<(), LogError> {
        let r = LogRecord {
            time,
            connector_id: self.connector_id.clone(),
            session_id: self.session_id.clone(),
            sequence: self.sequence,
            local: self.local.clone(),
            remote: self.remote.clone(),
            event: line.event,
            data: line.data,
            context: line.context,
        };
        self.sequence += 1;
        self.log.write(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_iso8601_utc() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_123);
        assert_eq!(iso8601(t), "2024-02-29T23:59:59.123Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso8601(t), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_files_get_the_header() {
        let dir = std::env::temp_dir().join(format!("relaylab-protolog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("RECV.LOG");
        let log = ProtocolLog::file(&path).expect("create log");
        let mut s = SessionLogger::new(
            log.clone(),
            "EX1\\Relay".into(),
            "10.0.1.11:25".into(),
            "[2001:db8::5]:4000".into(),
        );
        s.write(
            LogLine {
                event: LogEvent::Receive,
                data: "EHLO a,b".into(),
                context: "say \"hi\"".into(),
            },
            UNIX_EPOCH,
        )
        .expect("write");
        log.flush().expect("flush");
        let text = std::fs::read_to_string(&path).expect("read back");
        assert!(text.contains("#Fields: date-time,connector-id"), "{text}");
        assert!(
            text.contains(",EX1\\Relay,")
                && text.contains(
                    ",0,10.0.1.11:25,[2001:db8::5]:4000,<,\"EHLO a,b\",\"say \"\"hi\"\"\""
                ),
            "{text}"
        );
        assert_eq!(log.records()[0].remote_addr(), "2001:db8::5");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
