//! Tcl's text and list commands beyond the core: `format`, `scan`, `regsub`, `string is`,
//! `lsort`, `lreplace` and `array`. Each follows tclsh 8.6 (the differential test compares
//! them on generated input); BIG-IP's Tcl 8.4 agrees on everything a rule can reach here.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::error::RuntimeErrorKind;
use crate::interp::{Code, Interp, Owned, R, Var};
use crate::span::Span;
use crate::value::{Num, Taint, Value, format_list, parse_bool, parse_int, parse_list, parse_num};

impl<'a> Interp<'_, 'a> {
    /// A Tcl error with tclsh's message: the rule's own mistake, as BIG-IP reports it.
    pub(crate) fn user_error<T>(&self, message: impl Into<String>, span: Span) -> R<'a, T> {
        self.fail(
            RuntimeErrorKind::User {
                message: message.into(),
            },
            span,
        )
    }

    /// `format formatString ?arg ...?`
    pub(crate) fn format_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let Some(spec) = args.get(1) else {
            return self.wrong_args("format formatString ?arg ...?", span);
        };
        let t = self.taint_op("format", &args[1..], span);
        let values = &args[2..];
        let chars: Vec<char> = spec.as_str().chars().collect();
        let mut out = String::new();
        let mut next = 0usize;
        // None until the first conversion says whether it is positional (`%1$s`).
        let mut positional: Option<bool> = None;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            if c != '%' {
                out.push(c);
                continue;
            }
            if chars.get(i) == Some(&'%') {
                out.push('%');
                i += 1;
                continue;
            }
            // An XPG3 position: digits followed by `$`.
            let mut j = i;
            while chars.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            let this_positional = j > i && chars.get(j) == Some(&'$');
            if *positional.get_or_insert(this_positional) != this_positional {
                return self.user_error("cannot mix \"%\" and \"%n$\" conversion specifiers", span);
            }
            if this_positional {
                let n: usize = chars[i..j]
                    .iter()
                    .collect::<String>()
                    .parse()
                    .unwrap_or(usize::MAX);
                next = n.saturating_sub(1);
                i = j + 1;
            }
            let mut f = Spec::default();
            while let Some(&c) = chars.get(i) {
                match c {
                    '-' => f.left = true,
                    '+' => f.plus = true,
                    ' ' => f.space = true,
                    '0' => f.zero = true,
                    '#' => f.alt = true,
                    _ => break,
                }
                i += 1;
            }
            if chars.get(i) == Some(&'*') {
                let Some(v) = values.get(next) else {
                    return self.user_error("not enough arguments for all format specifiers", span);
                };
                next += 1;
                let w = self.int(v, span)?;
                if w < 0 {
                    f.left = true;
                }
                f.width = usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX);
                i += 1;
            } else {
                f.width = digits(&chars, &mut i);
            }
            if chars.get(i) == Some(&'.') {
                i += 1;
                if chars.get(i) == Some(&'*') {
                    let Some(v) = values.get(next) else {
                        return self
                            .user_error("not enough arguments for all format specifiers", span);
                    };
                    next += 1;
                    f.precision = Some(usize::try_from(self.int(v, span)?.max(0)).unwrap_or(0));
                    i += 1;
                } else {
                    f.precision = Some(digits(&chars, &mut i));
                }
            }
            // Size modifiers: every integer is 64 bits wide here, as in tclsh on a 64-bit
            // host, so they change nothing but must be skipped.
            while matches!(chars.get(i), Some('h' | 'l' | 'L' | 'q' | 'j' | 'z' | 't')) {
                i += 1;
            }
            let Some(&conv) = chars.get(i) else {
                return self.user_error("format string ended in middle of field specifier", span);
            };
            i += 1;
            if !"dicuoxXsfeEgG".contains(conv) {
                return self.user_error(format!("bad field specifier \"{conv}\""), span);
            }
            let Some(v) = values.get(next) else {
                return self.user_error("not enough arguments for all format specifiers", span);
            };
            next += 1;
            // Widths are charged before padding: `%999999999d` must not allocate first.
            self.charge(out.len().saturating_add(f.width), span)?;
            let (sign, body) = match conv {
                'd' | 'i' => {
                    let n = self.int(v, span)?;
                    let sign = if n < 0 {
                        "-"
                    } else if f.plus {
                        "+"
                    } else if f.space {
                        " "
                    } else {
                        ""
                    };
                    (sign.to_string(), n.unsigned_abs().to_string())
                }
                'u' | 'o' | 'x' | 'X' => {
                    let n = self.int(v, span)? as u64;
                    // The `0x` of `%#x` goes before any zero padding, like a sign.
                    let prefix = match conv {
                        'x' if f.alt => "0x",
                        'X' if f.alt => "0X",
                        _ => "",
                    };
                    let body = match conv {
                        'u' => n.to_string(),
                        'o' => format!("{n:o}"),
                        'x' => format!("{n:x}"),
                        _ => format!("{n:X}"),
                    };
                    (prefix.to_string(), body)
                }
                'c' => {
                    let n = self.int(v, span)?;
                    let ch = u32::try_from(n).ok().and_then(char::from_u32);
                    (String::new(), ch.unwrap_or('\u{fffd}').to_string())
                }
                's' => {
                    let s = v.as_str();
                    let body = match f.precision {
                        Some(p) => s.chars().take(p).collect(),
                        None => s.to_string(),
                    };
                    (String::new(), body)
                }
                _ => {
                    let x = match parse_num(v.as_str()) {
                        Some(Num::Int(n)) => n as f64,
                        Some(Num::Float(x)) => x,
                        None => {
                            return self.user_error(
                                format!(
                                    "expected floating-point number but got \"{}\"",
                                    v.as_str()
                                ),
                                span,
                            );
                        }
                    };
                    let sign = if x.is_sign_negative() && !x.is_nan() {
                        "-"
                    } else if f.plus {
                        "+"
                    } else if f.space {
                        " "
                    } else {
                        ""
                    };
                    (sign.to_string(), c_float(x.abs(), conv, f.precision, f.alt))
                }
            };
            // Precision on an integer is a minimum number of digits.
            let body = match (conv, f.precision) {
                ('d' | 'i' | 'u' | 'o' | 'x' | 'X', Some(p)) if body.len() < p => {
                    format!("{}{body}", "0".repeat(p - body.len()))
                }
                _ => body,
            };
            let body = if conv == 'o' && f.alt && !body.starts_with('0') {
                format!("0{body}")
            } else {
                body
            };
            let len = sign.chars().count() + body.chars().count();
            let pad = f.width.saturating_sub(len);
            let int = "diuoxX".contains(conv);
            // tclsh pads integers with zeros even when left-justified (unless a precision
            // is given), and pads strings with zeros on whichever side `-` says; only
            // floats follow C, where `-` wins over `0`.
            let zeros_after_sign = f.zero && if int { f.precision.is_none() } else { !f.left };
            let fill = if f.zero && (conv == 's' || conv == 'c') {
                '0'
            } else {
                ' '
            };
            if zeros_after_sign && fill == ' ' {
                out.push_str(&sign);
                out.extend(std::iter::repeat_n('0', pad));
                out.push_str(&body);
            } else if f.left {
                out.push_str(&sign);
                out.push_str(&body);
                out.extend(std::iter::repeat_n(fill, pad));
            } else {
                out.extend(std::iter::repeat_n(fill, pad));
                out.push_str(&sign);
                out.push_str(&body);
            }
        }
        self.charge(out.len(), span)?;
        Ok(Value::tainted(out, t))
    }

    /// `scan string format ?varName ...?`
    pub(crate) fn scan_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let [_, text, spec, vars @ ..] = args else {
            return self.wrong_args("scan string format ?varName ...?", span);
        };
        // `scan <client address> %d.%d.%d.%d`: the four octets, kept as such.
        if text.taint() == Taint::Client
            && spec.taint() == Taint::Clean
            && spec.as_str() == "%d.%d.%d.%d"
            && self
                .text_view(text)
                .is_some_and(|v| v.domain.family == addrspace::Family::V4)
        {
            let mut clean = args.to_vec();
            clean[1] = text.clone().with_taint(Taint::Clean);
            let out = self.scan_cmd(&clean, span)?;
            if vars.is_empty() {
                let list = self.list(out.as_str(), span)?;
                let split = text
                    .as_str()
                    .split('%')
                    .next()
                    .unwrap_or("")
                    .replace('.', " ");
                let t = if list.join(" ") == split {
                    Taint::Octets
                } else {
                    self.escape("scan on a value derived from the client address", span);
                    Taint::Derived
                };
                return Ok(out.with_taint(t));
            }
            for (k, var) in vars.iter().enumerate().take(4) {
                if let Ok(v) = self.get_var_by_name(var.as_str(), span) {
                    let v = self.octet_value(k as i64, v.as_str(), "scan", span);
                    self.set_var(var.as_str(), v, span)?;
                }
            }
            return Ok(out);
        }
        let t = self.taint_op("scan", &args[1..3], span);
        self.work(text.as_str().len() + spec.as_str().len(), 0, span)?;
        let input: Vec<char> = text.as_str().chars().collect();
        let fmt: Vec<char> = spec.as_str().chars().collect();
        let mut results: Vec<Option<String>> = Vec::new();
        let (mut at, mut i) = (0usize, 0usize);
        let mut converted = 0usize;
        let mut ran_out = false;
        'fmt: while i < fmt.len() {
            let c = fmt[i];
            i += 1;
            if c.is_whitespace() {
                while input.get(at).is_some_and(|c| c.is_whitespace()) {
                    at += 1;
                }
                continue;
            }
            if c != '%' || fmt.get(i) == Some(&'%') {
                if c == '%' {
                    i += 1;
                    while input.get(at).is_some_and(|c| c.is_whitespace()) {
                        at += 1;
                    }
                }
                match input.get(at) {
                    Some(&x) if x == c => at += 1,
                    None => {
                        ran_out = true;
                        break;
                    }
                    Some(_) => break,
                }
                continue;
            }
            let suppress = fmt.get(i) == Some(&'*');
            if suppress {
                i += 1;
            }
            let mut j = i;
            while fmt.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            if j > i && fmt.get(j) == Some(&'$') {
                return self.fail(
                    RuntimeErrorKind::Unsupported {
                        command: "scan with %n$ positions".into(),
                        event: self.event.to_string(),
                    },
                    span,
                );
            }
            let width = digits(&fmt, &mut i);
            while matches!(fmt.get(i), Some('h' | 'l' | 'L')) {
                i += 1;
            }
            let Some(&conv) = fmt.get(i) else {
                return self.user_error("unmatched [ in format string", span);
            };
            i += 1;
            let max = if width == 0 { usize::MAX } else { width };
            let slot = if suppress {
                None
            } else {
                results.push(None);
                Some(results.len() - 1)
            };
            if conv == 'n' {
                if let Some(k) = slot {
                    results[k] = Some(at.to_string());
                    converted += 1;
                }
                continue;
            }
            if conv != 'c' && conv != '[' {
                while input.get(at).is_some_and(|c| c.is_whitespace()) {
                    at += 1;
                }
            }
            if at >= input.len() {
                ran_out = true;
                break;
            }
            let value = match conv {
                'c' => {
                    at += 1;
                    (input[at - 1] as u32).to_string()
                }
                's' => {
                    let start = at;
                    while at < input.len() && at - start < max && !input[at].is_whitespace() {
                        at += 1;
                    }
                    input[start..at].iter().collect()
                }
                '[' => {
                    let (set, negate, next) = match bracket_set(&fmt, i) {
                        Some(s) => s,
                        None => return self.user_error("unmatched [ in format string", span),
                    };
                    i = next;
                    let start = at;
                    while at < input.len()
                        && at - start < max
                        && set_holds(&set, input[at]) != negate
                    {
                        at += 1;
                    }
                    if at == start {
                        break 'fmt;
                    }
                    input[start..at].iter().collect()
                }
                'd' | 'i' | 'u' | 'o' | 'x' | 'X' | 'b' => {
                    let Some((n, used)) = scan_int(&input[at..], conv, max) else {
                        // A lone sign at the end is input running out, not a mismatch.
                        ran_out = width == 0 && matches!(input[at..], ['+' | '-']);
                        break 'fmt;
                    };
                    at += used;
                    if conv == 'u' && n < 0 {
                        (n as u64).to_string()
                    } else {
                        n.to_string()
                    }
                }
                'f' | 'e' | 'E' | 'g' | 'G' => {
                    let Some((x, used)) = scan_float(&input[at..], max) else {
                        ran_out = width == 0
                            && matches!(input[at..], ['+' | '-' | '.'] | ['+' | '-', '.']);
                        break 'fmt;
                    };
                    at += used;
                    crate::value::format_float(x)
                }
                other => {
                    return self
                        .user_error(format!("bad scan conversion character \"{other}\""), span);
                }
            };
            if let Some(k) = slot {
                results[k] = Some(value);
                converted += 1;
            }
        }
        // Conversions never reached still have their place in the answer.
        results.resize(results.len().max(count_conversions(&fmt)), None);
        if vars.is_empty() {
            if ran_out && converted == 0 {
                return Ok(Value::tainted("", t));
            }
            let items: Vec<&str> = results.iter().map(|r| r.as_deref().unwrap_or("")).collect();
            return Ok(Value::tainted(format_list(&items), t));
        }
        if vars.len() != results.len() {
            return self.user_error(
                "different numbers of variable names and field specifiers",
                span,
            );
        }
        for (var, r) in vars.iter().zip(&results) {
            if let Some(v) = r {
                self.set_var(var.as_str(), Value::tainted(v.as_str(), t), span)?;
            }
        }
        let count = if ran_out && converted == 0 {
            -1
        } else {
            converted as i64
        };
        Ok(Value::int(count).with_taint(t))
    }

    /// `regsub ?-all? ?-nocase? ?-start n? ?--? exp string subSpec ?varName?`
    pub(crate) fn regsub_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let usage = "regsub ?-option ...? exp string subSpec ?varName?";
        let (mut all, mut nocase, mut start) = (false, false, 0usize);
        let mut i = 1;
        while i < args.len() && args[i].as_str().starts_with('-') {
            match args[i].as_str() {
                "-all" => all = true,
                "-nocase" => nocase = true,
                "-start" => {
                    i += 1;
                    let Some(s) = args.get(i) else {
                        return self.wrong_args(usage, span);
                    };
                    start = usize::try_from(self.int(s, span)?.max(0)).unwrap_or(0);
                }
                "--" => {
                    i += 1;
                    break;
                }
                "-expanded" | "-line" | "-linestop" | "-lineanchor" => {
                    return self.fail(
                        RuntimeErrorKind::Unsupported {
                            command: format!("regsub {}", args[i].as_str()),
                            event: self.event.to_string(),
                        },
                        span,
                    );
                }
                _ => break,
            }
            i += 1;
        }
        let (Some(pat), Some(text), Some(with)) = (args.get(i), args.get(i + 1), args.get(i + 2))
        else {
            return self.wrong_args(usage, span);
        };
        let var = args.get(i + 3);
        if args.len() > i + 4 {
            return self.wrong_args(usage, span);
        }
        let t = self.taint_op("regsub", &args[i..i + 3], span);
        let re = self.regex(pat.as_str(), nocase, span)?;
        let s = text.as_str();
        if all && start == 0 && pat.as_str().is_empty() && !with.as_str().contains(['&', '\\']) {
            // tclsh takes a literal path for `-all` with a plain pattern and replacement:
            // an empty pattern then matches before each character, not at the end.
            let mut out = String::with_capacity(s.len() * (1 + with.as_str().len()));
            let mut count = 0i64;
            for c in s.chars() {
                out.push_str(with.as_str());
                out.push(c);
                count += 1;
            }
            return self.regsub_result(out, count, var, t, span);
        }
        let sub: Vec<char> = with.as_str().chars().collect();
        let mut offset = s.char_indices().nth(start).map_or(s.len(), |(b, _)| b);
        let mut out = String::from(&s[..offset]);
        let mut count = 0i64;
        // A start past the end finds nothing, not an empty match at the end.
        let past_end = start > s.chars().count();
        while let Some(caps) = re.captures_at(s, offset).filter(|_| !past_end) {
            let m = caps.get(0).expect("group 0 is the match");
            count += 1;
            out.push_str(&s[offset..m.start()]);
            let mut k = 0;
            while k < sub.len() {
                let c = sub[k];
                k += 1;
                let group = match c {
                    '&' => Some(0),
                    '\\' => match sub.get(k) {
                        Some(d) if d.is_ascii_digit() => {
                            k += 1;
                            Some(*d as usize - '0' as usize)
                        }
                        Some(&x @ ('&' | '\\')) => {
                            k += 1;
                            out.push(x);
                            None
                        }
                        _ => {
                            out.push('\\');
                            None
                        }
                    },
                    _ => {
                        out.push(c);
                        None
                    }
                };
                if let Some(g) = group {
                    out.push_str(caps.get(g).map_or("", |m| m.as_str()));
                }
            }
            self.charge(out.len(), span)?;
            if m.end() == m.start() {
                // An empty match copies one character and moves on, as Tcl does; at the
                // very end there is nothing left to try.
                match s[m.end()..].chars().next() {
                    Some(c) => {
                        out.push(c);
                        offset = m.end() + c.len_utf8();
                    }
                    None => {
                        offset = s.len();
                        break;
                    }
                }
            } else {
                offset = m.end();
            }
            // Tcl tries once more at the very end of the string (`x*` matches there).
            if !all || offset > s.len() {
                break;
            }
        }
        out.push_str(&s[offset..]);
        self.regsub_result(out, count, var, t, span)
    }

    /// What `regsub` returns: the result, or with `varName` the count, the result
    /// stored.
    fn regsub_result(
        &mut self,
        out: String,
        count: i64,
        var: Option<&Value<'a>>,
        t: Taint,
        span: Span,
    ) -> R<'a, Value<'a>> {
        self.charge(out.len(), span)?;
        match var {
            Some(v) => {
                self.set_var(v.as_str(), Value::tainted(out, t), span)?;
                Ok(Value::int(count).with_taint(t))
            }
            None => Ok(Value::tainted(out, t)),
        }
    }

    /// `string is class ?-strict? ?-failindex varname? string`
    pub(crate) fn string_is(&mut self, rest: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let usage = "string is class ?-strict? ?-failindex var? str";
        let Some((class, rest)) = rest.split_first() else {
            return self.wrong_args(usage, span);
        };
        let Some((s, opts)) = rest.split_last() else {
            return self.wrong_args(usage, span);
        };
        let mut strict = false;
        let mut k = 0;
        while k < opts.len() {
            match opts[k].as_str() {
                "-strict" => strict = true,
                "-failindex" if k + 1 < opts.len() => {
                    return self.fail(
                        RuntimeErrorKind::Unsupported {
                            command: "string is -failindex".into(),
                            event: self.event.to_string(),
                        },
                        span,
                    );
                }
                _ => return self.wrong_args(usage, span),
            }
            k += 1;
        }
        let t = self.taint_op(
            &format!("string is {}", class.as_str()),
            std::slice::from_ref(s),
            span,
        );
        let text = s.as_str();
        self.work(text.len(), 0, span)?;
        let all = |f: fn(char) -> bool| text.chars().all(f);
        let ok = match class.as_str() {
            "alnum" => all(char::is_alphanumeric),
            "alpha" => all(char::is_alphabetic),
            "ascii" => all(|c| c.is_ascii()),
            "control" => all(char::is_control),
            "digit" => all(|c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())),
            "lower" => all(char::is_lowercase),
            "upper" => all(char::is_uppercase),
            "space" => all(char::is_whitespace),
            "xdigit" => all(|c| c.is_ascii_hexdigit()),
            "wordchar" => all(|c| c.is_alphanumeric() || c == '_'),
            "print" => all(|c| !c.is_control()),
            "graph" => all(|c| !c.is_control() && !c.is_whitespace()),
            "punct" => all(|c| c.is_ascii_punctuation()),
            "boolean" => text.is_empty() || strict_bool(text).is_some(),
            "true" => text.is_empty() || strict_bool(text) == Some(true),
            "false" => text.is_empty() || strict_bool(text) == Some(false),
            "integer" => {
                text.is_empty() || parse_int(text).is_some_and(|n| i32::try_from(n).is_ok())
            }
            "wideinteger" | "entier" => text.is_empty() || parse_int(text).is_some(),
            "double" => text.is_empty() || parse_num(text).is_some(),
            "list" => parse_list(text).is_ok(),
            other => {
                return self.user_error(
                    format!(
                        "bad class \"{other}\": must be alnum, alpha, ascii, control, boolean, digit, double, entier, false, graph, integer, list, lower, print, punct, space, true, upper, wideinteger, wordchar, or xdigit"
                    ),
                    span,
                );
            }
        };
        // `-strict` refuses the empty string, except as a list: it is the empty list.
        let strict_empty = strict && text.is_empty() && class.as_str() != "list";
        Ok(Value::bool(ok && !strict_empty).with_taint(t))
    }

    /// `lsort ?options? list`
    pub(crate) fn lsort_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let Some((list, opts)) = args[1..].split_last() else {
            return self.wrong_args("lsort ?-option value ...? list", span);
        };
        #[derive(Clone, Copy, PartialEq)]
        enum By {
            Ascii,
            Dictionary,
            Integer,
            Real,
        }
        let (mut by, mut decreasing, mut unique, mut nocase) = (By::Ascii, false, false, false);
        for o in opts {
            match o.as_str() {
                "-ascii" => by = By::Ascii,
                "-dictionary" => by = By::Dictionary,
                "-integer" => by = By::Integer,
                "-real" => by = By::Real,
                "-increasing" => decreasing = false,
                "-decreasing" => decreasing = true,
                "-unique" => unique = true,
                "-nocase" => nocase = true,
                other => {
                    return self.fail(
                        RuntimeErrorKind::Unsupported {
                            command: format!("lsort {other}"),
                            event: self.event.to_string(),
                        },
                        span,
                    );
                }
            }
        }
        let t = self.taint_op("lsort", std::slice::from_ref(list), span);
        let items = self.list(list.as_str(), span)?;
        let n = items.len().max(2);
        self.work(0, n.saturating_mul(n.ilog2() as usize), span)?;
        let mut keyed: Vec<(Key, String)> = Vec::with_capacity(items.len());
        for it in items {
            let key = match by {
                By::Integer => match parse_int(&it) {
                    Some(n) => Key::Int(n),
                    None => {
                        return self.user_error(format!("expected integer but got \"{it}\""), span);
                    }
                },
                By::Real => match parse_num(&it) {
                    Some(Num::Int(n)) => Key::Real(n as f64),
                    Some(Num::Float(x)) => Key::Real(x),
                    None => {
                        return self.user_error(
                            format!("expected floating-point number but got \"{it}\""),
                            span,
                        );
                    }
                },
                By::Dictionary => Key::Dict,
                By::Ascii if nocase => Key::Text(it.to_lowercase()),
                By::Ascii => Key::Ascii,
            };
            keyed.push((key, it));
        }
        let cmp = |a: &(Key, String), b: &(Key, String)| -> Ordering {
            let o = match (&a.0, &b.0) {
                (Key::Int(x), Key::Int(y)) => x.cmp(y),
                (Key::Real(x), Key::Real(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
                (Key::Text(x), Key::Text(y)) => x.cmp(y),
                (Key::Dict, Key::Dict) => dictionary_cmp(&a.1, &b.1),
                _ => a.1.cmp(&b.1),
            };
            if decreasing { o.reverse() } else { o }
        };
        keyed.sort_by(cmp);
        if unique {
            // Tcl keeps the last of a run of equal elements.
            let mut kept: Vec<(Key, String)> = Vec::with_capacity(keyed.len());
            for item in keyed {
                match kept.last_mut() {
                    Some(last) if cmp(last, &item) == Ordering::Equal => *last = item,
                    _ => kept.push(item),
                }
            }
            keyed = kept;
        }
        let out: Vec<&str> = keyed.iter().map(|(_, s)| s.as_str()).collect();
        Ok(Value::tainted(format_list(&out), t))
    }

    /// `lreplace list first last ?element ...?`
    pub(crate) fn lreplace_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let [_, list, first, last, with @ ..] = args else {
            return self.wrong_args("lreplace list first last ?element ...?", span);
        };
        let t = self.taint_op("lreplace", &args[1..], span);
        let items = self.list(list.as_str(), span)?;
        let len = items.len();
        let a = self.index(first.as_str(), len, span)?.max(0) as usize;
        let b = self.index(last.as_str(), len, span)?;
        let a = a.min(len);
        let end = if b < a as i64 {
            a
        } else {
            (b as usize + 1).min(len)
        };
        self.spliced(items, a..end, with, t, span)
    }

    /// `items` with `range` replaced by `with`, as a list.
    fn spliced(
        &mut self,
        mut items: Vec<String>,
        range: std::ops::Range<usize>,
        with: &[Value<'a>],
        t: Taint,
        span: Span,
    ) -> R<'a, Value<'a>> {
        items.splice(range, with.iter().map(|v| v.as_str().to_string()));
        let text = format_list(&items);
        self.charge(text.len(), span)?;
        Ok(Value::tainted(text, t))
    }

    /// `linsert list index ?element ...?`
    pub(crate) fn linsert_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let [_, list, index, with @ ..] = args else {
            return self.wrong_args("linsert list index ?element ...?", span);
        };
        let t = self.taint_op("linsert", &args[1..], span);
        let items = self.list(list.as_str(), span)?;
        let len = items.len();
        // `end` inserts after the last element: indices count as if the list were one
        // longer.
        let at = self
            .index(index.as_str(), len + 1, span)?
            .clamp(0, len as i64) as usize;
        self.spliced(items, at..at, with, t, span)
    }

    /// The frame a level names, counted from the current one (`1`: the caller; `#0`:
    /// the globals, where an event's body runs). None: no such level.
    fn level_frame(&self, level: &str) -> Option<Option<usize>> {
        let depth = self.st.frames.len();
        let target = match level.strip_prefix('#') {
            Some(abs) => abs.parse::<usize>().ok()?,
            None => depth.checked_sub(level.parse::<usize>().ok()?)?,
        };
        match target {
            0 => Some(None),
            t if t <= depth => Some(Some(t - 1)),
            _ => None,
        }
    }

    fn looks_like_level(text: &str) -> bool {
        text.starts_with('#') || text.starts_with(|c: char| c.is_ascii_digit())
    }

    /// `upvar ?level? otherVar myVar ?otherVar myVar ...?`
    pub(crate) fn upvar_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let usage = "upvar ?level? otherVar localVar ?otherVar localVar ...?";
        let rest = &args[1..];
        let (level, pairs) = match rest.first() {
            Some(l) if Self::looks_like_level(l.as_str()) && rest.len() % 2 == 1 => {
                (l.as_str(), &rest[1..])
            }
            _ => ("1", rest),
        };
        if pairs.is_empty() || pairs.len() % 2 != 0 {
            return self.wrong_args(usage, span);
        }
        let Some(at) = self.level_frame(level) else {
            return self.user_error(format!("bad level \"{level}\""), span);
        };
        let here = self.st.frames.len().checked_sub(1);
        for pair in pairs.chunks(2) {
            let (other, local) = (pair[0].as_str(), pair[1].as_str());
            if other.starts_with("static::") || other.contains('(') || local.contains('(') {
                return self.fail(
                    RuntimeErrorKind::Unsupported {
                        command: "upvar of a static or array element".into(),
                        event: self.event.to_string(),
                    },
                    span,
                );
            }
            let (to, target) = self.resolve_from(at, other);
            let target = target.into_owned();
            if to == here && target == local {
                return self.user_error("can't upvar from variable to itself", span);
            }
            let frame = self.frame_mut(here);
            if let Some(Var::Scalar(_) | Var::Array(_)) = frame.get(local) {
                return self.user_error(format!("variable \"{local}\" already exists"), span);
            }
            let (frame, key) = self.frame_for_name_at(here, local);
            frame.insert(key, Var::Link(to, target.into()));
        }
        Ok(Value::empty())
    }

    /// `uplevel ?level? arg ?arg ...?`
    pub(crate) fn uplevel_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let rest = &args[1..];
        let (level, words) = match rest.first() {
            Some(l) if Self::looks_like_level(l.as_str()) && rest.len() > 1 => {
                (l.as_str(), &rest[1..])
            }
            _ => ("1", rest),
        };
        if words.is_empty() {
            return self.wrong_args("uplevel ?level? command ?arg ...?", span);
        }
        let Some(at) = self.level_frame(level) else {
            return self.user_error(format!("bad level \"{level}\""), span);
        };
        let script = if words.len() == 1 {
            words[0].clone()
        } else {
            let parts: Vec<&str> = words.iter().map(|w| w.as_str().trim()).collect();
            let taint = words.iter().fold(Taint::Clean, |t, w| t.join(w.taint()));
            Value::tainted(parts.join(" "), taint)
        };
        if script.taint().is_tainted() {
            let what = format!("uplevel of {}", self.derived_from(script.taint()));
            self.escape(&what, span);
        }
        // The frames above the target are set aside while the script runs there.
        let keep = at.map_or(0, |i| i + 1);
        let above: Vec<_> = self.st.frames.drain(keep..).collect();
        let r = self.eval_code(&Code::Text(script, span), Owned);
        self.st.frames.extend(above);
        r
    }

    /// `array set|get|names|size|exists|unset arrayName ...`
    pub(crate) fn array_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let usage = "array option arrayName ?arg ...?";
        let (Some(sub), Some(name)) = (args.get(1), args.get(2)) else {
            return self.wrong_args(usage, span);
        };
        let name = name.as_str();
        if name.starts_with("static::") {
            return self.fail(
                RuntimeErrorKind::Unsupported {
                    command: "array on a static:: variable".into(),
                    event: self.event.to_string(),
                },
                span,
            );
        }
        let pattern = args.get(3).map(|v| v.as_str().to_string());
        match sub.as_str() {
            "set" => {
                let Some(list) = args.get(3) else {
                    return self.wrong_args("array set arrayName list", span);
                };
                let items = self.list(list.as_str(), span)?;
                if items.len() % 2 != 0 {
                    return self.user_error("list must have an even number of elements", span);
                }
                let t = list.taint();
                for pair in items.chunks(2) {
                    let full = format!("{name}({})", pair[0]);
                    self.set_var(&full, Value::tainted(pair[1].as_str(), t), span)?;
                }
                if items.is_empty() && !self.var_exists(name) {
                    let (frame, key) = self.frame_for_name(name);
                    frame.insert(key, Var::Array(Default::default()));
                }
                Ok(Value::empty())
            }
            "exists" => Ok(Value::bool(self.array_entries(name).is_some())),
            "size" => Ok(Value::int(
                self.array_entries(name).map_or(0, |e| e.len() as i64),
            )),
            "names" | "get" => {
                let entries = self.array_entries(name).unwrap_or_default();
                let mut out: Vec<String> = Vec::new();
                let mut t = Taint::Clean;
                for (k, v) in entries {
                    if let Some(p) = &pattern
                        && !crate::value::glob_match(p, &k, false)
                    {
                        continue;
                    }
                    if sub.as_str() == "get" {
                        t = t.join(v.taint());
                        out.push(k);
                        out.push(v.as_str().to_string());
                    } else {
                        out.push(k);
                    }
                }
                let text = format_list(&out);
                self.charge(text.len(), span)?;
                let t = if t.is_tainted() { Taint::Derived } else { t };
                Ok(Value::tainted(text, t))
            }
            "unset" => {
                match pattern {
                    None => {
                        self.unset_var(name);
                    }
                    Some(p) => {
                        for (k, _) in self.array_entries(name).unwrap_or_default() {
                            if crate::value::glob_match(&p, &k, false) {
                                self.unset_var(&format!("{name}({k})"));
                            }
                        }
                    }
                }
                Ok(Value::empty())
            }
            other => self.fail(
                RuntimeErrorKind::BadArgument {
                    command: "array".into(),
                    value: other.to_string(),
                    expected: "set, get, names, size, exists or unset".into(),
                },
                span,
            ),
        }
    }
}

/// One `%` conversion's flags, width and precision.
#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
    width: usize,
    precision: Option<usize>,
}

/// What `lsort` orders by.
enum Key {
    Ascii,
    Dict,
    Text(String),
    Int(i64),
    Real(f64),
}

fn digits(chars: &[char], i: &mut usize) -> usize {
    let mut n: usize = 0;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        *i += 1;
    }
    n
}

/// C's `%f`, `%e` and `%g` of a non-negative number.
fn c_float(x: f64, conv: char, precision: Option<usize>, alt: bool) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return "Inf".into();
    }
    let p = precision.unwrap_or(6).min(340);
    let upper = conv.is_ascii_uppercase();
    let s = match conv.to_ascii_lowercase() {
        'f' => format!("{x:.p$}"),
        'e' => {
            let s = exp_form(x, p);
            match s.find('e') {
                Some(k) if alt && p == 0 => format!("{}.{}", &s[..k], &s[k..]),
                _ => s,
            }
        }
        _ => {
            let p = if p == 0 { 1 } else { p };
            // The exponent %e would print decides between the two forms.
            let e = exp_form(x, p - 1);
            let exp: i32 = e
                .rsplit('e')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let mut s = if exp < -4 || exp >= p as i32 {
                e
            } else {
                format!("{x:.*}", (p as i32 - 1 - exp).max(0) as usize)
            };
            if !alt {
                s = strip_zeros(&s);
            } else if !s.contains('.') {
                s = match s.find('e') {
                    Some(k) => format!("{}.{}", &s[..k], &s[k..]),
                    None => format!("{s}."),
                };
            }
            s
        }
    };
    let s = if alt && p == 0 && conv.eq_ignore_ascii_case(&'f') {
        format!("{s}.")
    } else {
        s
    };
    if upper { s.to_uppercase() } else { s }
}

/// `d.ddde±XX`.
fn exp_form(x: f64, p: usize) -> String {
    let s = format!("{x:.p$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = String::from(mant);
    let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    out
}

/// `%g` drops trailing zeros of the fraction, and the point with them.
fn strip_zeros(s: &str) -> String {
    let (num, exp) = match s.find('e') {
        Some(k) => (&s[..k], &s[k..]),
        None => (s, ""),
    };
    let num = if num.contains('.') {
        num.trim_end_matches('0').trim_end_matches('.')
    } else {
        num
    };
    format!("{num}{exp}")
}

/// An integer at the start of `input` for `scan`, and how many characters it used.
fn scan_int(input: &[char], conv: char, max: usize) -> Option<(i64, usize)> {
    let mut k = 0;
    let neg = match input.first() {
        Some('-') => {
            k = 1;
            true
        }
        Some('+') => {
            k = 1;
            false
        }
        _ => false,
    };
    let mut radix = match conv {
        'o' => 8,
        'x' | 'X' => 16,
        'b' => 2,
        _ => 10,
    };
    let lower = |i: usize| input.get(i).map(|c| c.to_ascii_lowercase());
    if conv == 'i' && lower(k) == Some('0') && k + 1 < max {
        match lower(k + 1) {
            Some('x') if input.get(k + 2).is_some_and(char::is_ascii_hexdigit) => {
                radix = 16;
                k += 2;
            }
            _ => radix = 8,
        }
    } else if radix == 16
        && lower(k) == Some('0')
        && lower(k + 1) == Some('x')
        && input.get(k + 2).is_some_and(char::is_ascii_hexdigit)
        && k + 2 < max
    {
        k += 2;
    }
    let start = k;
    let mut n: i64 = 0;
    while k < max && k < input.len() {
        let Some(d) = input[k].to_digit(radix) else {
            break;
        };
        n = n.wrapping_mul(i64::from(radix)).wrapping_add(i64::from(d));
        k += 1;
    }
    if k == start {
        return None;
    }
    Some((if neg { n.wrapping_neg() } else { n }, k))
}

/// A floating-point number at the start of `input` for `scan`.
fn scan_float(input: &[char], max: usize) -> Option<(f64, usize)> {
    let limit = max.min(input.len());
    let mut best = None;
    let mut s = String::new();
    for (k, c) in input[..limit].iter().enumerate() {
        if !(c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E')) {
            break;
        }
        s.push(*c);
        if let Ok(x) = s.parse::<f64>() {
            // Digits alone are read as an integer: `-0` scans as 0.0, not -0.0.
            let x = if s.contains(['.', 'e', 'E']) {
                x
            } else {
                x + 0.0
            };
            best = Some((x, k + 1));
        }
    }
    best
}

/// Inclusive character ranges.
type CharRanges = Vec<(char, char)>;

/// A `%[...]` set: its ranges, whether it is negated, and where the format resumes.
fn bracket_set(fmt: &[char], mut i: usize) -> Option<(CharRanges, bool, usize)> {
    let negate = fmt.get(i) == Some(&'^');
    if negate {
        i += 1;
    }
    let mut set = Vec::new();
    let mut first = true;
    loop {
        let c = *fmt.get(i)?;
        if c == ']' && !first {
            return Some((set, negate, i + 1));
        }
        first = false;
        if fmt.get(i + 1) == Some(&'-') && fmt.get(i + 2).is_some_and(|&e| e != ']') {
            let e = fmt[i + 2];
            set.push((c.min(e), c.max(e)));
            i += 3;
        } else {
            set.push((c, c));
            i += 1;
        }
    }
}

/// A boolean as `string is boolean` takes it: `0`, `1` or a word, untrimmed (where `if`
/// also takes any number).
fn strict_bool(text: &str) -> Option<bool> {
    match text {
        "0" => Some(false),
        "1" => Some(true),
        _ if text.trim() != text || parse_num(text).is_some() => None,
        _ => parse_bool(text),
    }
}

/// The conversions of a `scan` format that store a value (not `%%`, not `%*`).
fn count_conversions(fmt: &[char]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < fmt.len() {
        if fmt[i] != '%' {
            i += 1;
            continue;
        }
        i += 1;
        match fmt.get(i) {
            Some('%') => {
                i += 1;
                continue;
            }
            Some('*') => {}
            Some(_) => n += 1,
            None => break,
        }
        while fmt
            .get(i)
            .is_some_and(|c| c.is_ascii_digit() || "*hlL".contains(*c))
        {
            i += 1;
        }
        if fmt.get(i) == Some(&'[') {
            i = bracket_set(fmt, i + 1).map_or(fmt.len(), |(_, _, next)| next);
        } else {
            i += 1;
        }
    }
    n
}

fn set_holds(set: &[(char, char)], c: char) -> bool {
    set.iter().any(|&(a, b)| a <= c && c <= b)
}

/// Tcl's `-dictionary` order: case folded except to break ties, digit runs compared as
/// numbers.
fn dictionary_cmp(a: &str, b: &str) -> Ordering {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut tie = Ordering::Equal;
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let x: String = a[si..i].iter().collect::<String>();
            let y: String = b[sj..j].iter().collect::<String>();
            let (xt, yt) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            let o = xt.len().cmp(&yt.len()).then_with(|| xt.cmp(yt));
            if o != Ordering::Equal {
                return o;
            }
            if tie == Ordering::Equal {
                // Fewer leading zeros sort first, once all else is equal.
                tie = x.len().cmp(&y.len());
            }
            continue;
        }
        let (x, y) = (a[i], b[j]);
        let (lx, ly) = (
            x.to_lowercase().next().unwrap_or(x),
            y.to_lowercase().next().unwrap_or(y),
        );
        if lx != ly {
            return lx.cmp(&ly);
        }
        if tie == Ordering::Equal && x != y {
            // Upper case sorts before lower case.
            tie = x.cmp(&y);
        }
        i += 1;
        j += 1;
    }
    (a.len() - i).cmp(&(b.len() - j)).then(tie)
}
