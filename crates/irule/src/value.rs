//! Tcl values (strings with a taint mark), numbers, booleans, lists and glob patterns.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

/// How a value relates to the client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Taint {
    /// Independent of the client address.
    #[default]
    Clean,
    /// The client address as `IP::client_addr` renders it (possibly with a literal
    /// `/mask` appended): the modelled predicates can reason about it exactly.
    Client,
    /// The client's source port as `TCP::client_port` returns it: comparisons with a
    /// value independent of the client are decided for every port at once.
    Port,
    /// `IP::addr <client> mask <m>`: the client address masked to a prefix of this
    /// length, as text; text tests on it are answered for every address.
    Masked(u8),
    /// The decimal text of one octet (0 first) of the client's IPv4 address, as `split`
    /// and `lindex`, `getfield` or `scan` take it out: comparisons with a value
    /// independent of the client are decided for every octet at once.
    Octet(u8),
    /// The client's IPv4 address split at its dots (a list of the four octets).
    Octets,
    /// Characters `from..=to` of the client address's text (`string range`).
    Range(u8, u8),
    /// Computed from the client address or port by an operation the model cannot follow.
    Derived,
    /// Computed only from run-time inputs the BIG-IP decides when the connection runs
    /// (`clock`, `rand()`, `table`, `active_members`, ...), never from the client. Moving
    /// and transforming it is exact; where it decides something (a condition, a switch, a
    /// decision's argument), the result holds for the sampled input only.
    Free,
}

impl Taint {
    /// The taint of a value combined from two others.
    pub fn join(self, other: Taint) -> Taint {
        match (self, other) {
            (Taint::Clean, t) | (t, Taint::Clean) => t,
            (Taint::Free, Taint::Free) => Taint::Free,
            _ => Taint::Derived,
        }
    }

    /// Whether the value depends on the client (address or port) at all.
    pub fn is_tainted(self) -> bool {
        self != Taint::Clean
    }
}

/// The text of a value: borrowed from the compiled rule (literals, statics) for the life
/// of the evaluation, or made at run time. Values never cross threads, so run-time text
/// is reference-counted without atomics: on the per-connection path every literal and
/// variable copy is then free, where shared atomic counts cost more than the rest of an
/// evaluation together.
#[derive(Debug, Clone)]
pub(crate) enum Text<'a> {
    Lit(&'a str),
    Made(Rc<str>),
}

impl Text<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Text::Lit(s) => s,
            Text::Made(s) => s,
        }
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text<'_> {}

impl std::hash::Hash for Text<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// A Tcl value: an immutable string plus its [`Taint`]. Three words: values are moved
/// and copied on every command, and a fourth word made each copy a pair of vector moves
/// that stall on the field-by-field stores that built the value. The taint rides in the
/// tag's word, so a tainted value costs one allocation, as a clean one does.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    /// Clean text borrowed from the compiled rule or the statics.
    Lit(&'a str),
    /// Clean text made at run time.
    Made(Rc<str>),
    /// Text that depends on the client address, or on a run-time input.
    Tainted(Rc<str>, Taint),
}

const _: () = assert!(std::mem::size_of::<Value<'static>>() == 3 * std::mem::size_of::<usize>());

impl Default for Value<'_> {
    fn default() -> Self {
        Value::empty()
    }
}

impl<'a> Value<'a> {
    /// The empty string.
    pub(crate) fn empty() -> Value<'a> {
        Value::Lit("")
    }

    /// A clean value borrowing its text.
    pub(crate) fn lit(text: &'a str) -> Value<'a> {
        Value::Lit(text)
    }

    /// A clean value.
    pub(crate) fn new(text: impl Into<Rc<str>>) -> Value<'a> {
        Value::Made(text.into())
    }

    /// A value with the given taint.
    pub(crate) fn tainted(text: impl Into<Rc<str>>, taint: Taint) -> Value<'a> {
        match taint {
            Taint::Clean => Value::Made(text.into()),
            t => Value::Tainted(text.into(), t),
        }
    }

    /// A clean `"1"` or `"0"`.
    pub(crate) fn bool(b: bool) -> Value<'a> {
        Value::Lit(if b { "1" } else { "0" })
    }

    /// A clean decimal integer.
    pub(crate) fn int(n: i64) -> Value<'a> {
        match n {
            -1 => Value::Lit("-1"),
            0 => Value::Lit("0"),
            1 => Value::Lit("1"),
            _ => Value::new(n.to_string()),
        }
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Value::Lit(s) => s,
            Value::Made(s) => s,
            Value::Tainted(s, _) => s,
        }
    }

    /// The text as a map key, without copying it.
    pub(crate) fn key(&self) -> Text<'a> {
        match self {
            Value::Lit(s) => Text::Lit(s),
            Value::Made(s) => Text::Made(s.clone()),
            Value::Tainted(s, _) => Text::Made(s.clone()),
        }
    }

    /// Whether both are the very same tainted value (one `IP::client_addr` result).
    pub(crate) fn same_tainted(&self, other: &Value<'_>) -> bool {
        matches!((self, other), (Value::Tainted(a, t), Value::Tainted(b, u)) if Rc::ptr_eq(a, b) && t == u)
    }

    /// The taint.
    pub(crate) fn taint(&self) -> Taint {
        match self {
            Value::Tainted(_, t) => *t,
            _ => Taint::Clean,
        }
    }

    /// The same text with another taint.
    pub(crate) fn with_taint(self, taint: Taint) -> Value<'a> {
        if taint == self.taint() {
            return self;
        }
        match (self, taint) {
            (Value::Tainted(s, _), Taint::Clean) => Value::Made(s),
            (Value::Tainted(s, _) | Value::Made(s), taint) => Value::Tainted(s, taint),
            (Value::Lit(s), taint) => Value::Tainted(Rc::from(s), taint),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A number as Tcl's `expr` sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Tcl integer syntax: optional sign, then decimal, `0x` hex, `0o`/leading-zero octal or
/// `0b` binary; surrounding whitespace allowed.
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    // Most integers are short plain decimals: no trimming, no radix, no allocation.
    let b = text.as_bytes();
    if !b.is_empty()
        && b.len() < 19
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1)
    {
        return Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
    }
    let t = text.trim_matches(is_space);
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(h) = lower.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(body, radix).ok()?;
    if neg {
        if mag == 1u64 << 63 {
            Some(i64::MIN)
        } else {
            i64::try_from(mag).ok().map(|m| -m)
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// A Tcl number: an integer, or a decimal float (`1.5`, `2e3`, `.5`, `Inf`, `NaN`).
pub(crate) fn parse_num(text: &str) -> Option<Num> {
    if let Some(i) = parse_int(text) {
        return Some(Num::Int(i));
    }
    let t = text.trim_matches(is_space);
    let body = t.trim_start_matches(['+', '-']);
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        let v = if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Num::Float(v));
    }
    if body.eq_ignore_ascii_case("nan") {
        return Some(Num::Float(f64::NAN));
    }
    let ok = !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    // `09` is an invalid octal integer to Tcl, not the float 9.0.
    let bad_octal =
        body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| b.is_ascii_digit());
    if !ok || bad_octal {
        return None;
    }
    t.parse::<f64>().ok().map(Num::Float)
}

/// Tcl's boolean words (`1 0 true false yes no on off` and unique prefixes) and numbers.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if let Some(n) = parse_num(text) {
        return Some(match n {
            Num::Int(i) => i != 0,
            Num::Float(f) => f != 0.0,
        });
    }
    let t = text.trim_matches(is_space).to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    let is_prefix = |w: &str, min: usize| t.len() >= min && w.starts_with(t.as_str());
    if is_prefix("true", 1) || is_prefix("yes", 1) || t == "on" {
        Some(true)
    } else if is_prefix("false", 1) || is_prefix("no", 1) || is_prefix("off", 2) {
        Some(false)
    } else {
        None
    }
}

/// Formats a float the way Tcl 8.6 prints it (shortest round-trip, always with a `.` or
/// an exponent).
pub(crate) fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e17).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{}", exp.abs());
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// Splits a Tcl list into its elements.
pub(crate) fn parse_list(text: &str) -> Result<Vec<String>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    loop {
        while i < b.len() && ws(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        match b[i] {
            b'{' => {
                let mut depth = 1;
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        b'\\' => j += 1,
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= b.len() {
                    return Err("unmatched open brace in list".into());
                }
                out.push(subst_backslash_newlines(&text[i + 1..j]));
                i = j + 1;
                if i < b.len() && !ws(b[i]) {
                    return Err(format!(
                        "list element in braces followed by \"{}\" instead of space",
                        trailing(&text[i..])
                    ));
                }
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                if j >= b.len() {
                    return Err("unmatched open quote in list".into());
                }
                out.push(backslash_subst(&text[i + 1..j]));
                i = j + 1;
                if i < b.len() && !ws(b[i]) {
                    return Err(format!(
                        "list element in quotes followed by \"{}\" instead of space",
                        trailing(&text[i..])
                    ));
                }
            }
            _ => {
                let mut j = i;
                while j < b.len() && !ws(b[j]) {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let j = j.min(b.len());
                out.push(backslash_subst(&text[i..j]));
                i = j;
            }
        }
    }
}

fn trailing(s: &str) -> String {
    s.split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_string()
}

/// Inside braces only backslash-newline (with the following blanks) is replaced.
pub(crate) fn subst_backslash_newlines(s: &str) -> String {
    if !s.contains("\\\n") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('\n') => {
                    chars.next();
                    while matches!(chars.peek(), Some(' ' | '\t')) {
                        chars.next();
                    }
                    out.push(' ');
                }
                Some(&n) => {
                    out.push('\\');
                    out.push(n);
                    chars.next();
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads one backslash sequence starting just after the backslash; returns the
/// replacement and the number of bytes consumed after the backslash.
pub(crate) fn backslash_at(s: &str) -> (String, usize) {
    let mut it = s.char_indices();
    let Some((_, c)) = it.next() else {
        return ("\\".into(), 0);
    };
    let simple = |ch: char| (ch.to_string(), c.len_utf8());
    match c {
        'a' => simple('\x07'),
        'b' => simple('\x08'),
        'f' => simple('\x0c'),
        'n' => simple('\n'),
        'r' => simple('\r'),
        't' => simple('\t'),
        'v' => simple('\x0b'),
        '\n' => {
            let rest = &s[1..];
            let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            (" ".into(), 1 + blanks)
        }
        'x' | 'u' | 'U' => {
            let max = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let hex: String = s[1..]
                .chars()
                .take(max)
                .take_while(|h| h.is_ascii_hexdigit())
                .collect();
            if hex.is_empty() {
                return simple(c);
            }
            let v = u32::from_str_radix(&hex, 16).unwrap_or(0xfffd);
            let ch = char::from_u32(v).unwrap_or('\u{fffd}');
            (ch.to_string(), 1 + hex.len())
        }
        '0'..='7' => {
            let oct: String = s.chars().take(3).take_while(|d| d.is_digit(8)).collect();
            let v = u32::from_str_radix(&oct, 8).unwrap_or(0) & 0xff;
            let ch = char::from_u32(v).unwrap_or('\u{fffd}');
            (ch.to_string(), oct.len())
        }
        other => (other.to_string(), other.len_utf8()),
    }
}

/// Full backslash substitution of a string (as in a quoted list element).
pub(crate) fn backslash_subst(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(off) = s[i..].find('\\') {
        out.push_str(&s[i..i + off]);
        let (rep, used) = backslash_at(&s[i + off + 1..]);
        out.push_str(&rep);
        i += off + 1 + used;
    }
    out.push_str(&s[i..]);
    out
}

/// Quotes one element so that [`parse_list`] reads it back unchanged.
pub(crate) fn quote_element(e: &str, first: bool) -> Cow<'_, str> {
    if e.is_empty() {
        return Cow::Borrowed("{}");
    }
    let special = |c: char| {
        matches!(
            c,
            ' ' | '\t'
                | '\n'
                | '\r'
                | '\x0b'
                | '\x0c'
                | '{'
                | '}'
                | '['
                | ']'
                | '$'
                | ';'
                | '\\'
                | '"'
        )
    };
    // Braces inside an element need nothing while they balance (`a{}b`); at its start,
    // or unbalanced, they do.
    let mut level: i64 = 0;
    let mut unbalanced = false;
    for c in e.chars() {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                unbalanced |= level < 0;
            }
            _ => {}
        }
    }
    unbalanced |= level != 0;
    let needs = e.chars().any(|c| special(c) && c != '{' && c != '}')
        || e.starts_with('{')
        || unbalanced
        || (first && e.starts_with('#'));
    if !needs {
        return Cow::Borrowed(e);
    }
    // Tcl escapes a quote or `]` inside an element that needs nothing else (`a\"b`,
    // `a\]b`), and braces one that starts with a quote or has other special characters.
    let leads_with_quote_or_brace = e.starts_with(['"', '{']);
    let hash_first = first && e.starts_with('#');
    let prefer_escape = !(leads_with_quote_or_brace || unbalanced || hash_first)
        && e.chars()
            .all(|c| matches!(c, '"' | ']' | '{' | '}') || !special(c));
    let mut depth: i64 = 0;
    let mut balanced = !prefer_escape;
    for c in e.chars() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    balanced = false;
                }
            }
            _ => {}
        }
    }
    let ends_backslash = e.ends_with('\\') && !e.ends_with("\\\\");
    if balanced && depth == 0 && !ends_backslash && !e.contains("\\\n") {
        return Cow::Owned(format!("{{{e}}}"));
    }
    let mut out = String::with_capacity(e.len() * 2);
    for c in e.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '{' | '}' if prefer_escape => out.push(c),
            c if special(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Builds a list's canonical text from its elements.
pub(crate) fn format_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&quote_element(e.as_ref(), i == 0));
    }
    out
}

/// Tcl glob matching (`*`, `?`, `[a-z]`, `\x`), as `string match` does it.
pub(crate) fn glob_match(pattern: &str, text: &str, nocase: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if nocase {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    glob(&p, &t)
}

fn glob(p: &[char], t: &[char]) -> bool {
    // Iterative with one backtrack point for `*`: linear-ish, never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((ok, next)) = class_match(p, pi, t[ti])
                        && ok
                    {
                        pi = next;
                        ti += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Matches `c` against the bracket class starting at `p[start] == '['`; returns whether it
/// matched and the index after the class.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let mut ok = false;
    while i < p.len() && p[i] != ']' {
        let mut lo = p[i];
        if lo == '\\' && i + 1 < p.len() {
            i += 1;
            lo = p[i];
        }
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            let mut hi = p[i + 2];
            if hi == '\\' && i + 3 < p.len() {
                i += 1;
                hi = p[i + 2];
            }
            let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
            if (a..=b).contains(&c) {
                ok = true;
            }
            i += 3;
        } else {
            if lo == c {
                ok = true;
            }
            i += 1;
        }
    }
    if i >= p.len() {
        return Some((ok, i));
    }
    Some((ok, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_int(" 42 "), Some(42));
        assert_eq!(parse_int("0x1f"), Some(31));
        assert_eq!(parse_int("010"), Some(8));
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int("1.5"), None);
        assert_eq!(parse_num("1.5"), Some(Num::Float(1.5)));
        assert_eq!(parse_num("abc"), None);
        assert_eq!(format_float(2.0), "2.0");
        assert_eq!(format_float(1e20), "1e+20");
        assert_eq!(format_float(0.1), "0.1");
    }

    #[test]
    fn lists() {
        assert_eq!(parse_list("a {b c} \"d e\"").unwrap(), ["a", "b c", "d e"]);
        assert_eq!(format_list(&["a", "b c", ""]), "a {b c} {}");
        assert_eq!(format_list(&["a}"]), "a\\}");
        assert!(parse_list("{a").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match("a*c", "abbbc", false));
        assert!(glob_match("10.1.*", "10.1.2.3", false));
        assert!(!glob_match("a?c", "ac", false));
        assert!(glob_match("[a-c]x", "bx", false));
        assert!(glob_match("A*", "abc", true));
    }
}
