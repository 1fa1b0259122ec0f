//! A JSON reader that keeps the byte span of every value, so a semantic error can point at
//! the value that caused it. serde_json checks the syntax first (its error positions are
//! the ones reported); this reader only runs on text serde_json accepted.

use std::ops::Range;

/// A JSON value with its span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Byte range in the source.
    pub span: Range<usize>,
    /// The value.
    pub v: J,
}

/// JSON values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Node>),
    Obj(Vec<(String, Node)>),
}

impl Node {
    /// A property of an object, case-insensitively (PowerShell property names are).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            J::Obj(m) => m
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The first present, non-null property of `keys`.
    pub fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter()
            .find_map(|k| self.get(k).filter(|n| n.v != J::Null))
    }

    /// A short description of the value's type for error messages.
    pub fn type_name(&self) -> String {
        match &self.v {
            J::Null => "null".into(),
            J::Bool(b) => format!("boolean {b}"),
            J::Num(n) => format!("number {n}"),
            J::Str(s) => format!("string \"{s}\""),
            J::Arr(_) => "an array".into(),
            J::Obj(_) => "an object".into(),
        }
    }
}

/// The deepest nesting of arrays and objects read, as serde_json's default limit: exports
/// nest four or five levels, and the reader recurses once per level.
pub const MAX_JSON_DEPTH: usize = 128;

struct P<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
    /// Where nesting went past [`MAX_JSON_DEPTH`], if it did.
    too_deep: Option<usize>,
}

/// Why the text could not be read: unreadable at a byte offset, or nested too deep there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Not the JSON serde_json accepted (should not happen).
    Syntax,
    /// An array or object opened past [`MAX_JSON_DEPTH`] at this byte offset.
    TooDeep(usize),
}

/// Reads `text` (already accepted by serde_json).
pub(crate) fn parse(text: &str) -> Result<Node, Unread> {
    let mut p = P {
        s: text.as_bytes(),
        text,
        i: 0,
        depth: 0,
        too_deep: None,
    };
    p.ws();
    match (p.value(), p.too_deep) {
        (_, Some(at)) => Err(Unread::TooDeep(at)),
        (Some(n), None) => Ok(n),
        (None, None) => Err(Unread::Syntax),
    }
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
        // A UTF-8 BOM from PowerShell's Out-File.
        if self.text[self.i..].starts_with('\u{feff}') {
            self.i += 3;
            self.ws();
        }
    }

    fn value(&mut self) -> Option<Node> {
        let start = self.i;
        if matches!(self.s.get(self.i), Some(b'{' | b'[')) {
            if self.depth >= MAX_JSON_DEPTH {
                self.too_deep = Some(start);
                return None;
            }
            self.depth += 1;
            let v = self.node();
            self.depth -= 1;
            return v;
        }
        self.node()
    }

    /// One value; nested ones through [`P::value`], which counts the depth.
    fn node(&mut self) -> Option<Node> {
        let start = self.i;
        let v = match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return None;
                        }
                        self.i += 1;
                        self.ws();
                        let v = self.value()?;
                        m.push((k, v));
                        self.ws();
                        match self.s.get(self.i)? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                J::Obj(m)
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        a.push(self.value()?);
                        self.ws();
                        match self.s.get(self.i)? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                J::Arr(a)
            }
            b'"' => J::Str(self.string()?),
            b't' => {
                self.i += 4;
                J::Bool(true)
            }
            b'f' => {
                self.i += 5;
                J::Bool(false)
            }
            b'n' => {
                self.i += 4;
                J::Null
            }
            _ => {
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                J::Num(self.text[start..self.i].to_string())
            }
        };
        Some(Node {
            span: start..self.i,
            v,
        })
    }

    fn string(&mut self) -> Option<String> {
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.i..];
            let c = rest.chars().next()?;
            self.i += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let hex = self.text.get(self.i..self.i + 4)?;
                            self.i += 4;
                            let mut cp = u32::from_str_radix(hex, 16).ok()?;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.text[self.i..].starts_with("\\u")
                            {
                                let lo =
                                    u32::from_str_radix(self.text.get(self.i + 2..self.i + 6)?, 16)
                                        .ok()?;
                                self.i += 6;
                                cp = 0x10000
                                    + ((cp - 0xd800) << 10)
                                    + (lo.wrapping_sub(0xdc00) & 0x3ff);
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        other => out.push(other as char),
                    }
                }
                c => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        let t = format!("{}{}", "[".repeat(7000), "]".repeat(7000));
        assert_eq!(parse(&t), Err(Unread::TooDeep(MAX_JSON_DEPTH)));
        let t = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert!(parse(&t).is_ok());
    }

    #[test]
    fn spans() {
        let t = r#"[{"A": "x\u0027y", "B": [1, true]}]"#;
        let n = parse(t).unwrap();
        let J::Arr(a) = &n.v else { panic!() };
        let s = a[0].get("a").unwrap();
        assert_eq!(s.v, J::Str("x'y".into()));
        assert_eq!(&t[s.span.clone()], r#""x\u0027y""#);
    }
}
