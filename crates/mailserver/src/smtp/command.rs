//! SMTP command parsing: one [`Request`] variant per verb, and syntax errors that name the
//! grammar the client should have written.

/// One SMTP command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `EHLO domain`.
    Ehlo(String),
    /// `HELO domain`.
    Helo(String),
    /// `MAIL FROM:<reverse-path> [SIZE=n] [BODY=8BITMIME] ...`.
    Mail {
        /// The path as written, angle brackets included.
        path: String,
        /// The SIZE parameter.
        size: Option<u64>,
    },
    /// `RCPT TO:<forward-path> [parameters]`.
    Rcpt {
        /// The path as written, angle brackets included.
        path: String,
    },
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `NOOP [string]`.
    Noop,
    /// `QUIT`.
    Quit,
    /// `VRFY string`.
    Vrfy(String),
    /// `STARTTLS`.
    StartTls,
    /// `AUTH mechanism [initial-response]`.
    Auth {
        /// The mechanism, upper-cased.
        mechanism: String,
        /// The initial response (base64), if given.
        initial: Option<String>,
    },
}

/// Why a command line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// The verb is not one this server knows.
    #[error("unrecognized command")]
    Unknown,
    /// The arguments do not fit the verb's grammar.
    #[error("syntax: {grammar}")]
    Arguments {
        /// The grammar the verb expects (`MAIL FROM:<reverse-path> [parameters]`).
        grammar: &'static str,
    },
    /// The line is not UTF-8 (SMTPUTF8 is not offered).
    #[error("command is not valid text")]
    NotText,
}

/// The grammar of each verb, as quoted in syntax errors.
pub mod grammar {
    /// EHLO.
    pub const EHLO: &str = "EHLO domain";
    /// HELO.
    pub const HELO: &str = "HELO domain";
    /// MAIL.
    pub const MAIL: &str = "MAIL FROM:<reverse-path> [parameters]";
    /// RCPT.
    pub const RCPT: &str = "RCPT TO:<forward-path> [parameters]";
    /// VRFY.
    pub const VRFY: &str = "VRFY string";
    /// AUTH.
    pub const AUTH: &str = "AUTH mechanism [initial-response]";
    /// Verbs without arguments.
    pub const BARE: &str = "verb without arguments";
}

impl Request {
    /// Parses one command line (without its CRLF).
    pub fn parse(line: &[u8]) -> Result<Request, SyntaxError> {
        let text = std::str::from_utf8(line).map_err(|_| SyntaxError::NotText)?;
        let (verb, rest) = match text.find(' ') {
            Some(i) => (&text[..i], text[i + 1..].trim()),
            None => (text, ""),
        };
        let bad = |grammar| Err(SyntaxError::Arguments { grammar });
        let bare = |r: Request| {
            if rest.is_empty() {
                Ok(r)
            } else {
                bad(grammar::BARE)
            }
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" if !rest.is_empty() && !rest.contains(' ') => {
                Ok(Request::Ehlo(rest.to_string()))
            }
            "EHLO" => bad(grammar::EHLO),
            "HELO" if !rest.is_empty() && !rest.contains(' ') => {
                Ok(Request::Helo(rest.to_string()))
            }
            "HELO" => bad(grammar::HELO),
            "MAIL" => {
                let Some((path, params)) = path_after(rest, "FROM:") else {
                    return bad(grammar::MAIL);
                };
                let mut size = None;
                for p in params.split_whitespace() {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    if k.eq_ignore_ascii_case("SIZE") {
                        match v.parse() {
                            Ok(n) => size = Some(n),
                            Err(_) => return bad(grammar::MAIL),
                        }
                    }
                }
                Ok(Request::Mail { path, size })
            }
            "RCPT" => match path_after(rest, "TO:") {
                Some((path, _)) => Ok(Request::Rcpt { path }),
                None => bad(grammar::RCPT),
            },
            "DATA" => bare(Request::Data),
            "RSET" => bare(Request::Rset),
            "QUIT" => bare(Request::Quit),
            "STARTTLS" => bare(Request::StartTls),
            "NOOP" => Ok(Request::Noop),
            "VRFY" if !rest.is_empty() => Ok(Request::Vrfy(rest.to_string())),
            "VRFY" => bad(grammar::VRFY),
            "AUTH" => {
                let mut words = rest.split_whitespace();
                let Some(mechanism) = words.next() else {
                    return bad(grammar::AUTH);
                };
                let initial = words.next().map(str::to_string);
                if words.next().is_some() {
                    return bad(grammar::AUTH);
                }
                Ok(Request::Auth {
                    mechanism: mechanism.to_ascii_uppercase(),
                    initial,
                })
            }
            _ => Err(SyntaxError::Unknown),
        }
    }
}

/// `FROM:<path> params` (a space after the colon is tolerated, as most servers do): the path
/// as written, angle brackets and quoted parts intact, and the parameters after it.
fn path_after(rest: &str, keyword: &str) -> Option<(String, String)> {
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let after = rest[keyword.len()..].trim_start();
    if !after.starts_with('<') {
        return None;
    }
    // The closing bracket outside any quoted local part ends the path.
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in after.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => {
                let path = after[..=i].to_string();
                let params = after[i + 1..].to_string();
                if !params.is_empty() && !params.starts_with(' ') {
                    return None;
                }
                return Some((path, params.trim().to_string()));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let mail = |p: &str, size| {
            Ok(Request::Mail {
                path: p.into(),
                size,
            })
        };
        let rcpt = |p: &str| Ok(Request::Rcpt { path: p.into() });
        let args = |grammar| Err(SyntaxError::Arguments { grammar });
        let cases: Vec<(&str, Result<Request, SyntaxError>)> = vec![
            (
                "EHLO client.example",
                Ok(Request::Ehlo("client.example".into())),
            ),
            ("ehlo [10.1.1.5]", Ok(Request::Ehlo("[10.1.1.5]".into()))),
            ("EHLO", args(grammar::EHLO)),
            ("HELO x", Ok(Request::Helo("x".into()))),
            ("MAIL FROM:<a@b.c>", mail("<a@b.c>", None)),
            (
                "mail from: <a@b.c> SIZE=1000 BODY=8BITMIME",
                mail("<a@b.c>", Some(1000)),
            ),
            ("MAIL FROM:<>", mail("<>", None)),
            ("MAIL FROM:<a@b.c> SIZE=x", args(grammar::MAIL)),
            ("MAIL FROM:a@b.c", args(grammar::MAIL)),
            ("MAIL TO:<a@b.c>", args(grammar::MAIL)),
            ("MAIL FROM:<a@b.c>junk", args(grammar::MAIL)),
            ("RCPT TO:<user@ext.example>", rcpt("<user@ext.example>")),
            (
                "RCPT TO:<\"user@ext\"@[10.0.1.11]>",
                rcpt("<\"user@ext\"@[10.0.1.11]>"),
            ),
            ("RCPT TO:<\"a>b\"@c.d> NOTIFY=NEVER", rcpt("<\"a>b\"@c.d>")),
            (
                "RCPT TO:<@srv:user@ext.example>",
                rcpt("<@srv:user@ext.example>"),
            ),
            ("RCPT TO:<ext!user>", rcpt("<ext!user>")),
            ("RCPT TO:user@x", args(grammar::RCPT)),
            ("RCPT FROM:<a@b>", args(grammar::RCPT)),
            ("DATA", Ok(Request::Data)),
            ("DATA now", args(grammar::BARE)),
            ("RSET", Ok(Request::Rset)),
            ("NOOP anything", Ok(Request::Noop)),
            ("QUIT", Ok(Request::Quit)),
            ("VRFY postmaster", Ok(Request::Vrfy("postmaster".into()))),
            ("VRFY", args(grammar::VRFY)),
            ("STARTTLS", Ok(Request::StartTls)),
            (
                "AUTH plain AGFsaWNlAHNlY3JldA==",
                Ok(Request::Auth {
                    mechanism: "PLAIN".into(),
                    initial: Some("AGFsaWNlAHNlY3JldA==".into()),
                }),
            ),
            (
                "AUTH LOGIN",
                Ok(Request::Auth {
                    mechanism: "LOGIN".into(),
                    initial: None,
                }),
            ),
            ("AUTH", args(grammar::AUTH)),
            ("BDAT 10 LAST", Err(SyntaxError::Unknown)),
            ("", Err(SyntaxError::Unknown)),
        ];
        for (input, want) in cases {
            assert_eq!(Request::parse(input.as_bytes()), want, "{input}");
        }
        assert_eq!(Request::parse(b"NOOP \xff"), Err(SyntaxError::NotText));
    }
}
