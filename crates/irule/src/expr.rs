//! `expr` syntax: Tcl's operators and precedence plus the iRule word operators
//! (`equals starts_with ends_with contains matches_glob matches_regex and or not`).

use std::sync::Arc;

use crate::parse::{MAX_NESTING, PErr, PResult, Parser, Part, Script, VarRef};
use crate::span::Span;
use crate::value::{Num, parse_num};

/// The deepest expression tree accepted (a chain `a+b+c+...` is as deep as it is long).
/// Evaluation recurses once per level, so this bounds the stack an expression can take,
/// together with [`crate::Settings::max_depth`] for scripts; it is sized to leave room on
/// the 2 MB stack of a tokio worker thread even in a debug build.
pub const MAX_EXPR_DEPTH: u32 = 128;

/// A compiled expression node.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// The height of the tree under this node (a leaf is 1).
    pub depth: u32,
}

impl Expr {
    fn new(kind: ExprKind, span: Span) -> Expr {
        let below = match &kind {
            ExprKind::Unary(_, a) => a.depth,
            ExprKind::Binary(_, a, b) => a.depth.max(b.depth),
            ExprKind::Ternary(a, b, c) => a.depth.max(b.depth).max(c.depth),
            ExprKind::Call(_, args) => args.iter().map(|a| a.depth).max().unwrap_or(0),
            _ => 0,
        };
        Expr {
            kind,
            span,
            depth: below + 1,
        }
    }
}

/// Refuses a node deeper than [`MAX_EXPR_DEPTH`], pointing at its operator.
fn bounded(p: &Parser<'_>, e: Expr, op_start: usize, op_end: usize) -> PResult<Expr> {
    if e.depth > MAX_EXPR_DEPTH {
        return Err(p
            .err(
                op_start,
                op_end,
                format!("expression nested deeper than {MAX_EXPR_DEPTH} levels"),
            )
            .with_hint(format!(
                "relaylab evaluates expressions up to {MAX_EXPR_DEPTH} operators deep; split a long chain with intermediate `set`s (or sum a list with `foreach`)"
            )));
    }
    Ok(e)
}

#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    /// A number, its text, and whether the text is the number's canonical form.
    Num(Num, Arc<str>, bool),
    Str(Arc<str>),
    Quoted(Vec<Part>),
    Var(VarRef),
    Cmd(Script),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Arc<str>, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Plus,
    BitNot,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BinOp {
    Pow,
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    StrEq,
    StrNe,
    Equals,
    StartsWith,
    EndsWith,
    Contains,
    MatchesGlob,
    MatchesRegex,
    In,
    Ni,
    BitAnd,
    BitXor,
    BitOr,
    And,
    Or,
}

impl BinOp {
    fn prec(self) -> u8 {
        use BinOp::*;
        match self {
            Or => 1,
            And => 2,
            BitOr => 3,
            BitXor => 4,
            BitAnd => 5,
            In | Ni => 6,
            StrEq | StrNe | Equals | StartsWith | EndsWith | Contains | MatchesGlob
            | MatchesRegex => 7,
            Eq | Ne => 8,
            Lt | Gt | Le | Ge => 9,
            Shl | Shr => 10,
            Add | Sub => 11,
            Mul | Div | Mod => 12,
            Pow => 13,
        }
    }

    /// Whether the operator answers true or false about its operands (and never fails
    /// on their values): the ones a comparison with the client port can be decided for.
    pub(crate) fn is_predicate(self) -> bool {
        use BinOp::*;
        matches!(
            self,
            Lt | Gt
                | Le
                | Ge
                | Eq
                | Ne
                | StrEq
                | StrNe
                | Equals
                | StartsWith
                | EndsWith
                | Contains
                | MatchesGlob
                | MatchesRegex
                | In
                | Ni
        )
    }

    pub(crate) fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Pow => "**",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Add => "+",
            Sub => "-",
            Shl => "<<",
            Shr => ">>",
            Lt => "<",
            Gt => ">",
            Le => "<=",
            Ge => ">=",
            Eq => "==",
            Ne => "!=",
            StrEq => "eq",
            StrNe => "ne",
            Equals => "equals",
            StartsWith => "starts_with",
            EndsWith => "ends_with",
            Contains => "contains",
            MatchesGlob => "matches_glob",
            MatchesRegex => "matches_regex",
            In => "in",
            Ni => "ni",
            BitAnd => "&",
            BitXor => "^",
            BitOr => "|",
            And => "&&",
            Or => "||",
        }
    }
}

/// Parses a whole expression from the parser's range.
pub(crate) fn parse_expr(mut p: Parser<'_>) -> PResult<Expr> {
    let start = p.pos;
    let e = expr(&mut p, 0)?;
    skip(&mut p);
    if p.pos < p.end {
        let tok_end = token_end(&p);
        return Err(p
            .err(
                p.pos,
                tok_end,
                format!(
                    "syntax error in expression \"{}\"",
                    &p.src[start..p.end].trim()
                ),
            )
            .with_hint(format!(
                "unexpected `{}` here: an operator or the end of the expression was expected",
                &p.src[p.pos..tok_end]
            )));
    }
    Ok(e)
}

fn token_end(p: &Parser<'_>) -> usize {
    let mut e = p.pos + 1;
    while e < p.end && !p.src.is_char_boundary(e) {
        e += 1;
    }
    while e < p.end && p.b[e].is_ascii_alphanumeric() {
        e += 1;
    }
    e.min(p.end)
}

fn skip(p: &mut Parser<'_>) {
    while p.pos < p.end {
        let c = p.b[p.pos];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            p.pos += 1;
        } else if c == b'\\' && p.pos + 1 < p.end && p.b[p.pos + 1] == b'\n' {
            p.pos += 2;
        } else {
            break;
        }
    }
}

fn word_at<'a>(p: &Parser<'a>) -> &'a str {
    let mut e = p.pos;
    while e < p.end && (p.b[e].is_ascii_alphanumeric() || p.b[e] == b'_') {
        e += 1;
    }
    &p.src[p.pos..e]
}

fn peek_binop(p: &Parser<'_>) -> Option<(BinOp, usize)> {
    use BinOp::*;
    let rest = &p.b[p.pos..p.end];
    let two = |a: &[u8]| rest.starts_with(a);
    let sym = if two(b"**") {
        Some((Pow, 2))
    } else if two(b"<<") {
        Some((Shl, 2))
    } else if two(b">>") {
        Some((Shr, 2))
    } else if two(b"<=") {
        Some((Le, 2))
    } else if two(b">=") {
        Some((Ge, 2))
    } else if two(b"==") {
        Some((Eq, 2))
    } else if two(b"!=") {
        Some((Ne, 2))
    } else if two(b"&&") {
        Some((And, 2))
    } else if two(b"||") {
        Some((Or, 2))
    } else {
        match rest.first() {
            Some(b'*') => Some((Mul, 1)),
            Some(b'/') => Some((Div, 1)),
            Some(b'%') => Some((Mod, 1)),
            Some(b'+') => Some((Add, 1)),
            Some(b'-') => Some((Sub, 1)),
            Some(b'<') => Some((Lt, 1)),
            Some(b'>') => Some((Gt, 1)),
            Some(b'&') => Some((BitAnd, 1)),
            Some(b'^') => Some((BitXor, 1)),
            Some(b'|') => Some((BitOr, 1)),
            _ => None,
        }
    };
    if sym.is_some() {
        return sym;
    }
    let w = word_at(p);
    let op = match w {
        "eq" => StrEq,
        "ne" => StrNe,
        "in" => In,
        "ni" => Ni,
        "equals" => Equals,
        "starts_with" => StartsWith,
        "ends_with" => EndsWith,
        "contains" => Contains,
        "matches_glob" => MatchesGlob,
        "matches_regex" => MatchesRegex,
        "and" => And,
        "or" => Or,
        _ => return None,
    };
    Some((op, w.len()))
}

fn expr(p: &mut Parser<'_>, min_prec: u8) -> PResult<Expr> {
    let start = p.pos;
    let mut lhs = unary(p)?;
    loop {
        skip(p);
        if min_prec == 0 && p.pos < p.end && p.b[p.pos] == b'?' {
            let op = p.pos;
            p.pos += 1;
            let yes = expr_nested(p, 0)?;
            skip(p);
            if p.pos >= p.end || p.b[p.pos] != b':' {
                return Err(p
                    .err(p.pos, (p.pos + 1).min(p.end), "missing \":\" in ternary")
                    .with_hint("`cond ? a : b` needs the `:` part"));
            }
            p.pos += 1;
            let no = expr_nested(p, 0)?;
            let node = Expr::new(
                ExprKind::Ternary(Box::new(lhs), Box::new(yes), Box::new(no)),
                p.span(start, p.pos),
            );
            lhs = bounded(p, node, op, op + 1)?;
            continue;
        }
        let Some((op, len)) = peek_binop(p) else {
            return Ok(lhs);
        };
        let prec = op.prec();
        if prec < min_prec.max(1) {
            return Ok(lhs);
        }
        let op_start = p.pos;
        p.pos += len;
        // `**` is right-associative; everything else is left-associative.
        let next = if op == BinOp::Pow { prec } else { prec + 1 };
        let rhs = expr_nested(p, next)?;
        let node = Expr::new(
            ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            p.span(start, p.pos),
        );
        lhs = bounded(p, node, op_start, op_start + len)?;
    }
}

fn expr_nested(p: &mut Parser<'_>, min_prec: u8) -> PResult<Expr> {
    if p.depth >= MAX_NESTING {
        return Err(p
            .err(
                p.pos,
                p.pos,
                format!("expression nested deeper than {MAX_NESTING} levels"),
            )
            .with_hint(format!(
                "relaylab stops at {MAX_NESTING} levels of nested parentheses and operators"
            )));
    }
    p.depth += 1;
    let r = expr(p, min_prec);
    p.depth -= 1;
    r
}

fn unary(p: &mut Parser<'_>) -> PResult<Expr> {
    skip(p);
    let start = p.pos;
    let op = match p.b.get(p.pos).filter(|_| p.pos < p.end) {
        Some(b'-') => Some((UnOp::Neg, 1)),
        Some(b'+') => Some((UnOp::Plus, 1)),
        Some(b'~') => Some((UnOp::BitNot, 1)),
        Some(b'!') => Some((UnOp::Not, 1)),
        _ if word_at(p) == "not" => Some((UnOp::Not, 3)),
        _ => None,
    };
    if let Some((op, len)) = op {
        p.pos += len;
        if p.depth >= MAX_NESTING {
            return Err(p
                .err(
                    start,
                    p.pos,
                    format!("expression nested deeper than {MAX_NESTING} levels"),
                )
                .with_hint(format!(
                    "relaylab stops at {MAX_NESTING} levels of nested parentheses and operators"
                )));
        }
        p.depth += 1;
        let inner = unary(p);
        p.depth -= 1;
        let inner = inner?;
        // `**` binds tighter than unary minus in Tcl: -2**2 is -4.
        let inner = pow_tail(p, inner, start)?;
        let node = Expr::new(ExprKind::Unary(op, Box::new(inner)), p.span(start, p.pos));
        return bounded(p, node, start, start + len);
    }
    let prim = primary(p)?;
    Ok(prim)
}

fn pow_tail(p: &mut Parser<'_>, lhs: Expr, start: usize) -> PResult<Expr> {
    skip(p);
    if p.b[p.pos..p.end].starts_with(b"**") {
        let op = p.pos;
        p.pos += 2;
        let rhs = expr_nested(p, BinOp::Pow.prec())?;
        let node = Expr::new(
            ExprKind::Binary(BinOp::Pow, Box::new(lhs), Box::new(rhs)),
            p.span(start, p.pos),
        );
        return bounded(p, node, op, op + 2);
    }
    Ok(lhs)
}

fn primary(p: &mut Parser<'_>) -> PResult<Expr> {
    skip(p);
    let start = p.pos;
    let Some(&c) = p.b.get(p.pos).filter(|_| p.pos < p.end) else {
        return Err(p
            .err(start, start, "missing operand in expression")
            .with_hint("the expression ends where a value was expected"));
    };
    let kind = match c {
        b'(' => {
            p.pos += 1;
            let inner = expr_nested(p, 0)?;
            skip(p);
            if p.pos >= p.end || p.b[p.pos] != b')' {
                return Err(p
                    .err(start, start + 1, "missing close parenthesis in expression")
                    .with_hint("this `(` is never closed"));
            }
            p.pos += 1;
            return Ok(Expr {
                span: p.span(start, p.pos),
                kind: inner.kind,
                depth: inner.depth,
            });
        }
        b'$' => match p.var_ref()? {
            Some(v) => ExprKind::Var(v),
            None => {
                return Err(p
                    .err(start, start + 1, "invalid character \"$\" in expression")
                    .with_hint("a `$` must be followed by a variable name"));
            }
        },
        b'[' => {
            let mut sub = p.sub(start + 1, p.end)?;
            let script = sub.script(true)?;
            if sub.pos >= sub.end || sub.b[sub.pos] != b']' {
                return Err(p
                    .err(start, start + 1, "missing close-bracket")
                    .with_hint("this `[` command substitution is never closed"));
            }
            p.pos = sub.pos + 1;
            ExprKind::Cmd(script)
        }
        b'"' => {
            let mut sub = p.sub(start, p.end)?;
            let w = sub.quoted_parts()?;
            if sub.pos >= sub.end || sub.b[sub.pos] != b'"' {
                return Err(p
                    .err(start, start + 1, "missing \"")
                    .with_hint("this quote is never closed"));
            }
            p.pos = sub.pos + 1;
            match w.as_slice() {
                [] => ExprKind::Str(Arc::from("")),
                [Part::Lit(s)] => ExprKind::Str(s.clone()),
                _ => ExprKind::Quoted(w),
            }
        }
        b'{' => {
            let close = p.find_close_brace(start)?;
            p.pos = close + 1;
            ExprKind::Str(Arc::from(crate::value::subst_backslash_newlines(
                &p.src[start + 1..close],
            )))
        }
        c if c.is_ascii_digit()
            || (c == b'.' && p.b.get(p.pos + 1).is_some_and(u8::is_ascii_digit)) =>
        {
            let mut e = p.pos;
            while e < p.end && (p.b[e].is_ascii_alphanumeric() || p.b[e] == b'.') {
                let hexy = p.src[p.pos..e].to_ascii_lowercase().starts_with("0x");
                if matches!(p.b[e], b'e' | b'E')
                    && !hexy
                    && e + 1 < p.end
                    && matches!(p.b[e + 1], b'+' | b'-')
                {
                    e += 2;
                    continue;
                }
                e += 1;
            }
            let text = &p.src[p.pos..e];
            let Some(n) = parse_num(text) else {
                return Err(p
                    .err(start, e, format!("invalid number \"{text}\""))
                    .with_hint("numbers are decimal, 0x hex, 0o octal or 0b binary integers, or decimal floats"));
            };
            p.pos = e;
            let canonical = matches!(n, Num::Int(i) if i.to_string() == text);
            ExprKind::Num(n, Arc::from(text), canonical)
        }
        c if c.is_ascii_alphabetic() || c == b'_' => {
            let w = word_at(p).to_string();
            p.pos += w.len();
            let save = p.pos;
            skip(p);
            if p.pos < p.end && p.b[p.pos] == b'(' {
                p.pos += 1;
                let mut args = Vec::new();
                skip(p);
                if p.pos < p.end && p.b[p.pos] == b')' {
                    p.pos += 1;
                } else {
                    loop {
                        args.push(expr_nested(p, 0)?);
                        skip(p);
                        match p.b.get(p.pos).filter(|_| p.pos < p.end) {
                            Some(b',') => p.pos += 1,
                            Some(b')') => {
                                p.pos += 1;
                                break;
                            }
                            _ => {
                                return Err(p
                                    .err(
                                        start,
                                        p.pos,
                                        format!(
                                            "missing close parenthesis after arguments of {w}()"
                                        ),
                                    )
                                    .with_hint(
                                        "function arguments are separated by `,` and closed by `)`",
                                    ));
                            }
                        }
                    }
                }
                ExprKind::Call(Arc::from(w.as_str()), args)
            } else {
                p.pos = save;
                let lower = w.to_ascii_lowercase();
                if matches!(
                    lower.as_str(),
                    "true" | "false" | "yes" | "no" | "on" | "off" | "inf" | "nan"
                ) {
                    ExprKind::Str(Arc::from(w.as_str()))
                } else {
                    return Err(invalid_bareword(p, start, &w));
                }
            }
        }
        _ => {
            let e = token_end(p);
            return Err(p
                .err(start, e, format!("invalid character \"{}\" in expression", &p.src[start..e]))
                .with_hint("a number, `$variable`, `[command]`, quoted or braced string, or `(` was expected"));
        }
    };
    let prim = Expr::new(kind, p.span(start, p.pos));
    bounded(p, prim, start, p.pos)
}

fn invalid_bareword(p: &Parser<'_>, start: usize, w: &str) -> PErr {
    p.err(start, start + w.len(), format!("invalid bareword \"{w}\""))
        .with_hint(format!(
            "in an expression a string must be quoted: should it be \"{w}\", {{{w}}} or $${w}?"
        ))
}
