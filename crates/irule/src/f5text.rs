//! F5's string and hash helpers (`getfield`, `findstr`, `substr`, `domain`,
//! `URI::encode`, `b64encode`, `md5`, `crc32`, ...) and the connection facts a TCP
//! virtual fixes (`IP::version`, `IP::protocol`), as F5's iRules reference documents them.
//!
//! Binary results (digests, decoded base64) are Tcl byte strings: one character per byte,
//! U+0000 to U+00FF, which is what `b64encode` or `binary scan` read back.

use std::sync::Arc;

use base64::Engine as _;
use md5::Digest as _;

use crate::builtins::Builtin;
use crate::interp::{Code, Interp, Owned, R};
use crate::outcome::{Answer, ObservedBy};
use crate::span::Span;
use crate::value::{Taint, Value};

impl<'a> Interp<'_, 'a> {
    pub(crate) fn f5_text(
        &mut self,
        b: Builtin,
        args: &[Value<'a>],
        span: Span,
    ) -> R<'a, Value<'a>> {
        use Builtin::*;
        let name = b.name();
        match b {
            IpProtocol => {
                // A TCP virtual server: every connection is TCP, IANA protocol 6.
                Ok(Value::int(6))
            }
            IpVersion => {
                let c = self.conn.ok_or(()).or_else(|_| {
                    self.fail(
                        crate::error::RuntimeErrorKind::NoConnection {
                            command: name.into(),
                        },
                        span,
                    )
                })?;
                let d = c.client.domain();
                // The answer is the same for every address of the client's family and
                // route domain: that whole space is what the prover must not cut across.
                let whole = addrspace::AddrSet::range(d, 0, d.family.max());
                self.observe(
                    ObservedBy::IpAddr(Arc::from("IP::version")),
                    Arc::from(vec![whole]),
                    Answer::AnyHolds,
                    span,
                );
                let v = if d.family == addrspace::Family::V4 {
                    4
                } else {
                    6
                };
                Ok(Value::int(v))
            }
            Clientside => match args {
                [_, body] => {
                    // The script sees the client side whichever event runs it.
                    let event = std::mem::replace(&mut self.event, "CLIENT_ACCEPTED");
                    let r = self.eval_code(&Code::Text(body.clone(), span), Owned);
                    self.event = event;
                    r
                }
                _ => self.wrong_args("clientside <script>", span),
            },
            _ => self.text_helper(b, args, span),
        }
    }

    fn text_helper(&mut self, b: Builtin, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        use Builtin::{
            B64decode, B64encode, Crc32, DecodeUri, Domain, Findstr, Getfield, Htonl, Htons, Md5,
            Ntohl, Ntohs, Sha1, Sha256, Sha384, Sha512, Substr, UriDecode, UriEncode,
        };
        // `getfield <client address> . k`: octet k, kept as such.
        if let (Getfield, [_, a, sep, field]) = (b, args)
            && a.taint() == Taint::Client
            && sep.as_str() == "."
            && field.taint() == Taint::Clean
            && self
                .text_view(a)
                .is_some_and(|v| v.domain.family == addrspace::Family::V4)
        {
            let clean = [
                args[0].clone(),
                a.clone().with_taint(Taint::Clean),
                sep.clone(),
                field.clone(),
            ];
            let out = self.f5_text(b, &clean, span)?;
            let k = self.int(field, span)?;
            return Ok(self.octet_value(k - 1, out.as_str(), "getfield", span));
        }
        let t = self.taint_op(b.name(), &args[1..], span);
        if let Some(first) = args.get(1) {
            self.work(first.as_str().len(), 0, span)?;
        }
        let out: String = match (b, args) {
            (Getfield, [_, s, sep, field]) => {
                let k = self.int(field, span)?;
                let s = s.as_str();
                match usize::try_from(k) {
                    Ok(k) if k >= 1 && !sep.as_str().is_empty() => {
                        s.split(sep.as_str()).nth(k - 1).unwrap_or("").to_string()
                    }
                    _ => String::new(),
                }
            }
            (Getfield, _) => {
                return self.wrong_args("getfield <string> <split> <field_number>", span);
            }
            (Findstr, [_, s, search, rest @ ..]) if rest.len() <= 2 => {
                let s = s.as_str();
                match s.find(search.as_str()) {
                    None => String::new(),
                    Some(at) => {
                        let skip = match rest.first() {
                            Some(k) => self.int(k, span)?.max(0) as usize,
                            None => 0,
                        };
                        let tail = skip_chars(&s[at..], skip);
                        self.terminate(tail, rest.get(1))
                    }
                }
            }
            (Findstr, _) => {
                return self.wrong_args(
                    "findstr <string> <search_string> ?<skip_count>? ?<terminator>?",
                    span,
                );
            }
            (Substr, [_, s, skip, rest @ ..]) if rest.len() <= 1 => {
                let skip = self.int(skip, span)?.max(0) as usize;
                let tail = skip_chars(s.as_str(), skip);
                self.terminate(tail, rest.first())
            }
            (Substr, _) => {
                return self.wrong_args("substr <string> <skip_count> ?<terminator>?", span);
            }
            (Domain, [_, s, count]) => {
                let k = self.int(count, span)?.max(0) as usize;
                let labels: Vec<&str> = s.as_str().split('.').collect();
                labels[labels.len().saturating_sub(k)..].join(".")
            }
            (Domain, _) => return self.wrong_args("domain <string> <count>", span),
            (UriEncode, [_, s]) => {
                let mut out = String::new();
                for byte in s.as_str().bytes() {
                    if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                        out.push(byte as char);
                    } else {
                        out.push_str(&format!("%{byte:02X}"));
                    }
                }
                out
            }
            (UriDecode | DecodeUri, [_, s]) => {
                let bytes = s.as_str().as_bytes();
                let mut out = Vec::with_capacity(bytes.len());
                let mut i = 0;
                while i < bytes.len() {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match (bytes[i], hex) {
                        (b'%', Some(h)) => {
                            out.push(h);
                            i += 3;
                        }
                        (c, _) => {
                            out.push(c);
                            i += 1;
                        }
                    }
                }
                String::from_utf8_lossy(&out).into_owned()
            }
            (UriEncode | UriDecode, _) => {
                return self.wrong_args(&format!("{} <uri>", b.name()), span);
            }
            (B64encode, [_, s]) => {
                base64::engine::general_purpose::STANDARD.encode(tcl_bytes(s.as_str()))
            }
            (B64decode, [_, s]) => {
                // F5: an undecodable string gives the empty string, not an error.
                match base64::engine::general_purpose::STANDARD.decode(s.as_str().trim()) {
                    Ok(bytes) => byte_string(&bytes),
                    Err(_) => String::new(),
                }
            }
            (Md5, [_, s]) => byte_string(&md5::Md5::digest(tcl_bytes(s.as_str()))),
            (Sha1, [_, s]) => byte_string(&sha1::Sha1::digest(tcl_bytes(s.as_str()))),
            (Sha256, [_, s]) => byte_string(&sha2::Sha256::digest(tcl_bytes(s.as_str()))),
            (Sha384, [_, s]) => byte_string(&sha2::Sha384::digest(tcl_bytes(s.as_str()))),
            (Sha512, [_, s]) => byte_string(&sha2::Sha512::digest(tcl_bytes(s.as_str()))),
            (Crc32, [_, s]) => crc32fast::hash(&tcl_bytes(s.as_str())).to_string(),
            // BIG-IP runs on little-endian x86: host to network order swaps the bytes.
            (Htonl | Ntohl, [_, n]) => (self.int(n, span)? as u32).swap_bytes().to_string(),
            (Htons | Ntohs, [_, n]) => (self.int(n, span)? as u16).swap_bytes().to_string(),
            _ => return self.wrong_args(&format!("{} <string>", b.name()), span),
        };
        self.charge(out.len(), span)?;
        Ok(Value::tainted(out, t))
    }

    /// The end of a `findstr`/`substr` result: a count of characters, or the text up to
    /// (not including) a terminator string; without one, the rest.
    fn terminate(&self, tail: &str, term: Option<&Value<'a>>) -> String {
        let Some(term) = term else {
            return tail.to_string();
        };
        if let Some(n) = crate::value::parse_int(term.as_str()) {
            return tail.chars().take(n.max(0) as usize).collect();
        }
        match tail.find(term.as_str()) {
            Some(end) if !term.as_str().is_empty() => tail[..end].to_string(),
            _ => tail.to_string(),
        }
    }
}

fn skip_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or("", |(b, _)| &s[b..])
}

/// The bytes Tcl hands a byte-oriented command: a byte string (every character below
/// U+0100) as its bytes, other text as UTF-8.
fn tcl_bytes(s: &str) -> Vec<u8> {
    if s.chars().all(|c| (c as u32) < 0x100) {
        s.chars().map(|c| c as u8).collect()
    } else {
        s.as_bytes().to_vec()
    }
}

/// Bytes as a Tcl byte string.
fn byte_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_strings_round_trip() {
        let b = [0u8, 1, 127, 128, 255];
        assert_eq!(tcl_bytes(&byte_string(&b)), b);
        assert_eq!(tcl_bytes("é€"), "é€".as_bytes());
    }
}
