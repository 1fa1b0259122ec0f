//! Tcl's `binary scan` and `binary format`, as tclsh 8.6 has them (the differential test
//! compares them on generated calls). Rules use them on the payload (`TCP::payload`),
//! digests (`md5`) and addresses. Values are Tcl byte strings: one character per byte.

use crate::error::RuntimeErrorKind;
use crate::interp::{Interp, R};
use crate::span::Span;
use crate::value::{Num, Value, format_float, format_list, parse_num};

/// A field's count: absent, a number, or `*`.
#[derive(Clone, Copy, PartialEq)]
enum Count {
    None,
    N(usize),
    All,
}

/// One field of a format string.
struct Field {
    kind: char,
    unsigned: bool,
    count: Count,
}

/// Parses a format string into fields; `Err` holds tclsh's message.
fn fields(spec: &str) -> Result<Vec<Field>, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let kind = chars[i];
        i += 1;
        if kind.is_whitespace() {
            continue;
        }
        if !"aAbBhHcsStiInwWmfrRdqQxX@".contains(kind) {
            return Err(format!("bad field specifier \"{kind}\""));
        }
        let unsigned = chars.get(i) == Some(&'u');
        if unsigned {
            i += 1;
        }
        let count = match chars.get(i) {
            Some('*') => {
                i += 1;
                Count::All
            }
            Some(c) if c.is_ascii_digit() => {
                let mut n: usize = 0;
                while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
                    i += 1;
                }
                Count::N(n)
            }
            _ => Count::None,
        };
        if kind == '@' && count == Count::None {
            return Err("missing count for \"@\" field specifier".into());
        }
        out.push(Field {
            kind,
            unsigned,
            count,
        });
    }
    Ok(out)
}

/// The width in bytes of a numeric field, and whether it is little-endian and a float.
fn numeric(kind: char) -> Option<(usize, bool, bool)> {
    Some(match kind {
        'c' => (1, true, false),
        's' | 't' => (2, true, false),
        'S' => (2, false, false),
        'i' | 'n' => (4, true, false),
        'I' => (4, false, false),
        'w' | 'm' => (8, true, false),
        'W' => (8, false, false),
        'f' | 'r' => (4, true, true),
        'R' => (4, false, true),
        'd' | 'q' => (8, true, true),
        'Q' => (8, false, true),
        _ => return None,
    })
}

/// A Tcl string as the bytes `binary` reads: the low byte of each character.
fn low_bytes(s: &str) -> Vec<u8> {
    s.chars().map(|c| (c as u32 & 0xff) as u8).collect()
}

fn byte_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

impl<'a> Interp<'_, 'a> {
    /// `binary scan|format ...`
    pub(crate) fn binary_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        match args.get(1).map(|v| v.as_str()) {
            Some("scan") => self.binary_scan(args, span),
            Some("format") => self.binary_format(args, span),
            Some(other) => self.fail(
                RuntimeErrorKind::Unsupported {
                    command: format!("binary {other}"),
                    event: self.event.to_string(),
                },
                span,
            ),
            None => self.wrong_args("binary option ?arg ...?", span),
        }
    }

    fn binary_scan(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let [_, _, data, spec, vars @ ..] = args else {
            return self.wrong_args("binary scan value formatString ?varName ...?", span);
        };
        let t = self.taint_op("binary scan", &args[2..4], span);
        let bytes = low_bytes(data.as_str());
        self.work(bytes.len(), 0, span)?;
        let fields = match fields(spec.as_str()) {
            Ok(f) => f,
            Err(m) => return self.user_error(m, span),
        };
        let mut pos = 0usize;
        let mut vars = vars.iter();
        let mut set = 0i64;
        for f in &fields {
            let rest = bytes.len().saturating_sub(pos);
            match f.kind {
                'x' => {
                    // Skipping past the end stops at the end, as tclsh does.
                    pos = match f.count {
                        Count::All => bytes.len(),
                        Count::None => pos + 1,
                        Count::N(n) => pos.saturating_add(n),
                    }
                    .min(bytes.len());
                }
                'X' => {
                    pos = match f.count {
                        Count::All => 0,
                        Count::None => pos.saturating_sub(1),
                        Count::N(n) => pos.saturating_sub(n),
                    }
                    .min(bytes.len());
                }
                '@' => {
                    pos = match f.count {
                        Count::N(n) => n,
                        _ => bytes.len(),
                    };
                }
                _ => {
                    let Some(var) = vars.next() else {
                        return self
                            .user_error("not enough arguments for all format specifiers", span);
                    };
                    let Some(v) = self.scan_field(f, &bytes, &mut pos, rest) else {
                        break;
                    };
                    self.set_var(var.as_str(), Value::tainted(v.as_str(), t), span)?;
                    set += 1;
                }
            }
        }
        Ok(Value::int(set).with_taint(t))
    }

    /// One field's value, advancing `pos`; None when the data runs out.
    fn scan_field(&self, f: &Field, bytes: &[u8], pos: &mut usize, rest: usize) -> Option<String> {
        let from = (*pos).min(bytes.len());
        match f.kind {
            'a' | 'A' => {
                let n = match f.count {
                    Count::All => rest,
                    Count::None => 1,
                    Count::N(n) => n,
                };
                if n > rest {
                    return None;
                }
                *pos = from + n;
                let mut s = &bytes[from..from + n];
                if f.kind == 'A' {
                    while let [head @ .., b' ' | 0] = s {
                        s = head;
                    }
                }
                Some(byte_string(s))
            }
            'b' | 'B' | 'h' | 'H' => {
                let per = if f.kind.eq_ignore_ascii_case(&'b') {
                    8
                } else {
                    2
                };
                let n = match f.count {
                    Count::All => rest * per,
                    Count::None => 1,
                    Count::N(n) => n,
                };
                if n.div_ceil(per) > rest {
                    return None;
                }
                let mut out = String::with_capacity(n);
                for k in 0..n {
                    let byte = bytes[from + k / per];
                    let digit = match f.kind {
                        'b' => (byte >> (k % 8)) & 1,
                        'B' => (byte >> (7 - k % 8)) & 1,
                        'h' => (byte >> (4 * (k % 2))) & 0xf,
                        _ => (byte >> (4 * (1 - k % 2))) & 0xf,
                    };
                    out.push(char::from_digit(u32::from(digit), 16).unwrap_or('0'));
                }
                *pos = from + n.div_ceil(per);
                Some(out)
            }
            kind => {
                let (width, little, float) = numeric(kind)?;
                let n = match f.count {
                    Count::All => rest / width,
                    Count::None | Count::N(1) => 1,
                    Count::N(n) => n,
                };
                if n.saturating_mul(width) > rest {
                    return None;
                }
                let mut items = Vec::with_capacity(n);
                for k in 0..n {
                    let at = from + k * width;
                    let mut b = [0u8; 8];
                    b[..width].copy_from_slice(&bytes[at..at + width]);
                    if !little {
                        b[..width].reverse();
                    }
                    let raw = u64::from_le_bytes(b);
                    let text = if float {
                        let x = if width == 4 {
                            f64::from(f32::from_bits(raw as u32))
                        } else {
                            f64::from_bits(raw)
                        };
                        format_float(x)
                    } else if f.unsigned {
                        raw.to_string()
                    } else {
                        let shift = 64 - 8 * width as u32;
                        (((raw << shift) as i64) >> shift).to_string()
                    };
                    items.push(text);
                }
                *pos = from + n * width;
                Some(if f.count == Count::None {
                    items.pop().unwrap_or_default()
                } else {
                    format_list(&items)
                })
            }
        }
    }

    fn binary_format(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let [_, _, spec, values @ ..] = args else {
            return self.wrong_args("binary format formatString ?arg ...?", span);
        };
        let t = self.taint_op("binary format", &args[2..], span);
        let fields = match fields(spec.as_str()) {
            Ok(f) => f,
            Err(m) => return self.user_error(m, span),
        };
        let mut out: Vec<u8> = Vec::new();
        let mut pos = 0usize;
        let mut values = values.iter();
        let not_enough = || "not enough arguments for all format specifiers".to_string();
        // Writes at the position (which `X` and `@` move), growing the output.
        let write = |out: &mut Vec<u8>, pos: &mut usize, data: &[u8]| {
            let end = *pos + data.len();
            if out.len() < end {
                out.resize(end, 0);
            }
            out[*pos..end].copy_from_slice(data);
            *pos = end;
        };
        for f in &fields {
            match f.kind {
                'x' => {
                    let n = match f.count {
                        Count::None => 1,
                        Count::N(n) => n,
                        Count::All => {
                            return self
                                .user_error("cannot use \"*\" in format string with \"x\"", span);
                        }
                    };
                    self.charge(pos.saturating_add(n), span)?;
                    write(&mut out, &mut pos, &vec![0; n]);
                }
                'X' => {
                    pos = match f.count {
                        Count::All => 0,
                        Count::None => pos.saturating_sub(1),
                        Count::N(n) => pos.saturating_sub(n),
                    };
                }
                '@' => {
                    pos = match f.count {
                        Count::N(n) => n,
                        _ => out.len(),
                    };
                    self.charge(pos, span)?;
                    if out.len() < pos {
                        out.resize(pos, 0);
                    }
                }
                'a' | 'A' => {
                    let Some(v) = values.next() else {
                        return self.user_error(not_enough(), span);
                    };
                    let data = low_bytes(v.as_str());
                    let n = match f.count {
                        Count::All => data.len(),
                        Count::None => 1,
                        Count::N(n) => n,
                    };
                    self.charge(pos.saturating_add(n), span)?;
                    let pad = if f.kind == 'a' { 0 } else { b' ' };
                    let mut field: Vec<u8> = data.into_iter().take(n).collect();
                    field.resize(n, pad);
                    write(&mut out, &mut pos, &field);
                }
                'b' | 'B' | 'h' | 'H' => {
                    let Some(v) = values.next() else {
                        return self.user_error(not_enough(), span);
                    };
                    let digits: Vec<char> = v.as_str().chars().collect();
                    let n = match f.count {
                        Count::All => digits.len(),
                        Count::None => 1,
                        Count::N(n) => n,
                    };
                    let per = if f.kind.eq_ignore_ascii_case(&'b') {
                        8
                    } else {
                        2
                    };
                    self.charge(pos.saturating_add(n.div_ceil(per)), span)?;
                    let mut field = vec![0u8; n.div_ceil(per)];
                    for (k, c) in digits.iter().take(n).enumerate() {
                        let d = if per == 8 {
                            match c {
                                '0' => 0,
                                '1' => 1,
                                _ => {
                                    return self.user_error(
                                        format!(
                                            "expected binary string but got \"{}\" instead",
                                            v.as_str()
                                        ),
                                        span,
                                    );
                                }
                            }
                        } else {
                            match c.to_digit(16) {
                                Some(d) => d as u8,
                                None => {
                                    return self.user_error(
                                        format!(
                                            "expected hexadecimal string but got \"{}\" instead",
                                            v.as_str()
                                        ),
                                        span,
                                    );
                                }
                            }
                        };
                        let shift = match f.kind {
                            'b' => k % 8,
                            'B' => 7 - k % 8,
                            'h' => 4 * (k % 2),
                            _ => 4 * (1 - k % 2),
                        };
                        field[k / per] |= d << shift;
                    }
                    write(&mut out, &mut pos, &field);
                }
                kind => {
                    let Some((width, little, float)) = numeric(kind) else {
                        return self.user_error(format!("bad field specifier \"{kind}\""), span);
                    };
                    let Some(v) = values.next() else {
                        return self.user_error(not_enough(), span);
                    };
                    let items: Vec<String> = if f.count == Count::None {
                        vec![v.as_str().to_string()]
                    } else {
                        self.list(v.as_str(), span)?
                    };
                    let n = match f.count {
                        Count::All => items.len(),
                        Count::None => 1,
                        Count::N(n) => n,
                    };
                    if items.len() < n {
                        return self
                            .user_error("number of elements in list does not match count", span);
                    }
                    self.charge(pos.saturating_add(n.saturating_mul(width)), span)?;
                    for item in items.iter().take(n) {
                        let raw: u64 = if float {
                            let x = match parse_num(item) {
                                Some(Num::Int(i)) => i as f64,
                                Some(Num::Float(x)) => x,
                                None => {
                                    return self.user_error(
                                        format!(
                                            "expected floating-point number but got \"{item}\""
                                        ),
                                        span,
                                    );
                                }
                            };
                            if width == 4 {
                                u64::from((x as f32).to_bits())
                            } else {
                                x.to_bits()
                            }
                        } else {
                            self.int(&Value::new(item.as_str()), span)? as u64
                        };
                        let le = raw.to_le_bytes();
                        let mut b = le[..width].to_vec();
                        if !little {
                            b.reverse();
                        }
                        write(&mut out, &mut pos, &b);
                    }
                }
            }
        }
        Ok(Value::tainted(byte_string(&out), t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_counts_and_the_unsigned_flag() {
        let f = fields("a2 cu* H").unwrap();
        assert_eq!(f.len(), 3);
        assert!(f[1].unsigned && f[1].count == Count::All);
        assert!(f[2].count == Count::None);
        assert!(fields("y").is_err());
        assert!(fields("@").is_err());
    }
}
