//! The Tcl lexer and parser: text to the compiled form ([`Script`]), spans on every node.
//!
//! Parsing follows Tcl's twelve rules: commands end at a newline or `;`, words are split
//! by blanks, `{...}` is literal (only backslash-newline is replaced), `"..."`, bare words
//! and array indexes undergo `$`, `[...]` and backslash substitution, `#` starts a comment
//! only where a command may start. The bodies of `if`, `while`, `for`, `foreach`,
//! `switch`, `catch`, `proc` and the argument of `expr` are compiled ahead when written in
//! braces, so their spans point into the rule text and their errors show at load time.

use std::sync::Arc;

use crate::builtins::Builtin;
use crate::expr::Expr;
use crate::span::Span;
use crate::value::{backslash_at, subst_backslash_newlines};

/// The deepest nesting of brackets, braces compiled ahead and expression parentheses; deep
/// enough for any real rule, shallow enough that the parser never exhausts the stack.
pub(crate) const MAX_NESTING: u32 = 100;

/// A compiled script: a sequence of commands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Script {
    pub cmds: Vec<Cmd>,
}

/// One command.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    pub words: Vec<Word>,
    pub span: Span,
    /// The builtin the first word names, when it is a literal.
    pub builtin: Option<Builtin>,
    /// Arguments compiled ahead, when written in braces.
    pub op: Op,
}

/// Parts of a command compiled ahead.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Nothing compiled ahead: words are substituted and the command called.
    Call,
    /// `if`: conditions with bodies, then the else body.
    If(Vec<(Expr, Script)>, Option<Script>),
    /// `while cond body`.
    While(Expr, Script),
    /// `for init cond next body`.
    For(Script, Expr, Script, Script),
    /// `foreach ... body`: the last word.
    Foreach(Script),
    /// `catch body ?var?`.
    Catch(Script),
    /// `expr {...}`.
    Expr(Expr),
    /// `switch ... { pattern body ... }`: patterns and bodies (`None` for `-`).
    Switch(Vec<(Arc<str>, Option<Script>)>),
    /// `proc name args body`.
    Proc(Arc<Script>),
}

/// A word.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    pub span: Span,
    pub kind: WordKind,
}

/// A word's content.
#[derive(Debug, Clone)]
pub(crate) enum WordKind {
    /// A literal; for braced words also the span of the text inside the braces.
    Lit(Arc<str>, Option<Span>),
    /// Parts to substitute and concatenate.
    Parts(Vec<Part>),
}

impl Word {
    pub(crate) fn literal(&self) -> Option<&Arc<str>> {
        match &self.kind {
            WordKind::Lit(s, _) => Some(s),
            WordKind::Parts(_) => None,
        }
    }

    fn braced(&self) -> Option<Span> {
        match &self.kind {
            WordKind::Lit(_, inner) => *inner,
            WordKind::Parts(_) => None,
        }
    }
}

/// A piece of a substituted word.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// Literal text.
    Lit(Arc<str>),
    /// `$name`, `${name}` or `$name(index)`.
    Var(VarRef),
    /// `[script]`.
    Cmd(Script),
}

/// A variable reference.
#[derive(Debug, Clone)]
pub(crate) struct VarRef {
    pub name: Arc<str>,
    pub index: Option<Vec<Part>>,
    pub span: Span,
}

/// A parse failure before it is tied to a rule: what, where, and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PErr {
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
    pub related: Option<(Span, String)>,
}

pub(crate) type PResult<T> = Result<T, PErr>;

/// Something the parser accepted in iRule mode that plain Tcl refuses, before it is tied
/// to a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PWarn {
    pub span: Span,
    pub kind: crate::error::WarningKind,
}

/// Where the parsers of one rule (the top level and every nested body) put warnings.
pub(crate) type WarnSink = std::rc::Rc<std::cell::RefCell<Vec<PWarn>>>;

/// The parser over one text. Positions are absolute byte offsets into `src`; a nested
/// body is parsed by a parser limited to the body's range, so its spans are absolute too.
pub(crate) struct Parser<'a> {
    pub src: &'a str,
    pub b: &'a [u8],
    pub pos: usize,
    pub end: usize,
    pub depth: u32,
    /// For text built at run time: every span is replaced by the span of the word that
    /// produced the text, which is the only place the rule's reader can look at.
    pub clamp: Option<Span>,
    /// iRule mode: BIG-IP's parser, which takes `}{` as a word boundary and is lenient
    /// about `}else` and `else{` (with a warning). Off, the parser is plain Tcl's,
    /// which the differential tests compare with tclsh.
    pub irule: bool,
    /// Whether the command being parsed is an `if` (so `else` words may be split off).
    in_if: bool,
    /// Where warnings go; `None` drops them (text built at run time).
    pub warnings: Option<WarnSink>,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, start: usize, end: usize, depth: u32) -> Parser<'a> {
        Parser {
            src,
            b: src.as_bytes(),
            pos: start,
            end: end.min(src.len()),
            depth,
            clamp: None,
            irule: false,
            in_if: false,
            warnings: None,
        }
    }

    /// The parser in iRule mode, its warnings going to `sink`.
    pub(crate) fn irule_mode(mut self, sink: Option<WarnSink>) -> Parser<'a> {
        self.irule = true;
        self.warnings = sink;
        self
    }

    fn warn(&self, start: usize, end: usize, kind: crate::error::WarningKind) {
        if let Some(w) = &self.warnings {
            w.borrow_mut().push(PWarn {
                span: self.span(start, end),
                kind,
            });
        }
    }

    /// The length of `else`/`elseif` at the current position when a word boundary
    /// (a blank, `{`, the end of the line or of the text) follows it, in an `if`.
    fn else_here(&self) -> Option<usize> {
        if !self.in_if {
            return None;
        }
        let rest = &self.b[self.pos..self.end];
        for kw in [&b"elseif"[..], &b"else"[..]] {
            if rest.starts_with(kw) {
                let after = rest.get(kw.len()).copied();
                if after.is_none_or(|c| c == b'{' || is_blank(c) || c == b'\n' || c == b';') {
                    return Some(kw.len());
                }
            }
        }
        None
    }

    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        self.clamp.unwrap_or(Span::new(start, end))
    }

    pub(crate) fn err(&self, start: usize, end: usize, message: impl Into<String>) -> PErr {
        PErr {
            span: self.span(start, end),
            message: message.into(),
            hint: None,
            related: None,
        }
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.b[self.pos])
    }

    pub(crate) fn sub(&self, start: usize, end: usize) -> PResult<Parser<'a>> {
        if self.depth >= MAX_NESTING {
            return Err(self.err(start, end, "nesting too deep").with_hint(format!(
                "relaylab stops at {MAX_NESTING} levels of nested brackets, braces and parentheses"
            )));
        }
        let mut p = Parser::new(self.src, start, end, self.depth + 1);
        p.clamp = self.clamp;
        p.irule = self.irule;
        p.warnings = self.warnings.clone();
        Ok(p)
    }

    /// Skips blanks and backslash-newlines; with `newlines`, also `;` and newlines.
    fn skip_space(&mut self, newlines: bool) {
        while self.pos < self.end {
            let c = self.b[self.pos];
            if is_blank(c) || (newlines && (c == b'\n' || c == b';')) {
                self.pos += 1;
            } else if c == b'\\' && self.pos + 1 < self.end && self.b[self.pos + 1] == b'\n' {
                self.pos += 2;
            } else {
                break;
            }
        }
    }

    /// Parses commands up to the end of the range, or up to an unmatched `]` if `nested`.
    pub(crate) fn script(&mut self, nested: bool) -> PResult<Script> {
        let mut cmds = Vec::new();
        loop {
            self.skip_space(true);
            let Some(c) = self.peek() else { break };
            if nested && c == b']' {
                break;
            }
            if c == b'#' {
                self.skip_comment();
                continue;
            }
            if let Some(cmd) = self.command(nested)? {
                cmds.push(cmd);
            }
        }
        Ok(Script { cmds })
    }

    fn skip_comment(&mut self) {
        while self.pos < self.end {
            match self.b[self.pos] {
                b'\\' => self.pos += 2,
                b'\n' => {
                    self.pos += 1;
                    return;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.pos.min(self.end);
    }

    fn at_word_end(&self, nested: bool) -> bool {
        match self.peek() {
            None => true,
            Some(c) => {
                is_blank(c)
                    || c == b'\n'
                    || c == b';'
                    || (nested && c == b']')
                    || (c == b'\\' && self.pos + 1 < self.end && self.b[self.pos + 1] == b'\n')
            }
        }
    }

    fn command(&mut self, nested: bool) -> PResult<Option<Cmd>> {
        let start = self.pos;
        let mut words = Vec::new();
        loop {
            self.skip_space(false);
            match self.peek() {
                None | Some(b'\n') | Some(b';') => break,
                Some(b']') if nested => break,
                _ => {}
            }
            self.in_if = words
                .first()
                .and_then(|w: &Word| w.literal())
                .is_some_and(|n| n.as_ref() == "if");
            words.push(self.word(nested)?);
        }
        self.in_if = false;
        if words.is_empty() {
            return Ok(None);
        }
        let span = self.span(start, self.pos);
        let builtin = words[0].literal().and_then(|n| Builtin::lookup(n));
        let op = self.compile_op(&words)?;
        Ok(Some(Cmd {
            words,
            span,
            builtin,
            op,
        }))
    }

    pub(crate) fn word(&mut self, nested: bool) -> PResult<Word> {
        let start = self.pos;
        match self.peek() {
            Some(b'{') => {
                let close = self.find_close_brace(start)?;
                self.pos = close + 1;
                if self.irule && self.peek() == Some(b'{') {
                    // `}{`: F5's own reference examples write `if {...}{` (HTTP::is_keepalive,
                    // IP::reputation, LB::snat, TMM::cmp_unit, UDP::drop, X509::subject) and
                    // BIG-IP loads them, so the brace ends the word as a blank would.
                } else if self.irule
                    && let Some(len) = self.else_here()
                {
                    // `}else`: plain Tcl refuses it and F5 documents nothing either way;
                    // accepted, with a warning on the spot (one for `}else{` as a whole).
                    let brace = self.b.get(self.pos + len) == Some(&b'{');
                    let between = match (len, brace) {
                        (4, false) => "}else",
                        (4, true) => "}else{",
                        (_, false) => "}elseif",
                        (_, true) => "}elseif{",
                    };
                    self.warn(
                        close,
                        self.pos + len + usize::from(brace),
                        crate::error::WarningKind::MissingBlank { between },
                    );
                } else if !self.at_word_end(nested) {
                    return Err(self
                        .err(self.pos, self.pos + 1, "extra characters after close-brace")
                        .with_hint("a word in braces must be followed by a blank, `;` or the end of the line; is a space missing?"));
                }
                let text = subst_backslash_newlines(&self.src[start + 1..close]);
                Ok(Word {
                    span: self.span(start, self.pos),
                    kind: WordKind::Lit(
                        Arc::from(text),
                        Some(Span::new(start + 1, close)).filter(|_| self.clamp.is_none()),
                    ),
                })
            }
            Some(b'"') => {
                self.pos += 1;
                let parts = self.parts(Term::Quote, nested)?;
                if self.peek() != Some(b'"') {
                    return Err(self
                        .err(start, start + 1, "missing \"")
                        .with_hint("this quote is never closed"));
                }
                self.pos += 1;
                if !self.at_word_end(nested) {
                    return Err(self
                        .err(self.pos, self.pos + 1, "extra characters after close-quote")
                        .with_hint(
                            "a quoted word must be followed by a blank, `;` or the end of the line",
                        ));
                }
                Ok(self.make_word(start, parts))
            }
            _ => {
                if self.irule
                    && let Some(len) = self.else_here()
                    && self.b.get(self.pos + len) == Some(&b'{')
                {
                    // `else{`: the keyword is split from the brace that follows it, as
                    // for `}else` above (which already warned for `}else{`).
                    if start == 0 || self.b[start - 1] != b'}' {
                        self.warn(
                            start,
                            start + len + 1,
                            crate::error::WarningKind::MissingBlank {
                                between: if len == 4 { "else{" } else { "elseif{" },
                            },
                        );
                    }
                    self.pos += len;
                    return Ok(Word {
                        span: self.span(start, self.pos),
                        kind: WordKind::Lit(Arc::from(&self.src[start..self.pos]), None),
                    });
                }
                let parts = self.parts(Term::Bare, nested)?;
                Ok(self.make_word(start, parts))
            }
        }
    }

    fn make_word(&self, start: usize, parts: Vec<Part>) -> Word {
        let span = self.span(start, self.pos);
        let kind = match parts.as_slice() {
            [] => WordKind::Lit(Arc::from(""), None),
            [Part::Lit(s)] => WordKind::Lit(s.clone(), None),
            _ => WordKind::Parts(parts),
        };
        Word { span, kind }
    }

    /// Finds the `}` matching the `{` at `open`, or explains which brace is never closed.
    pub(crate) fn find_close_brace(&self, open: usize) -> PResult<usize> {
        let mut stack = vec![open];
        let mut i = open + 1;
        while i < self.end {
            match self.b[i] {
                b'\\' => i += 1,
                b'{' => stack.push(i),
                b'}' => {
                    stack.pop();
                    if stack.is_empty() {
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        // The innermost brace still open is where the reader has to look: every outer one
        // only failed because that one swallowed their closing braces.
        let inner = stack.last().copied().unwrap_or(open);
        let mut e = self.err(inner, inner + 1, "missing close-brace");
        let line_of = |pos: usize| self.src[..pos].matches('\n').count() + 1;
        let hint = format!(
            "the `{{` on line {} is never closed; {} brace{} still open at the end of the text, so a `}}` is missing after this block",
            line_of(inner),
            stack.len(),
            if stack.len() == 1 { " is" } else { "s are" }
        );
        e.hint = Some(hint);
        if inner != open && self.clamp.is_none() {
            e.related = Some((
                Span::new(open, open + 1),
                "the word opened here runs to the end of the text".into(),
            ));
        }
        Err(e)
    }

    /// Substituted parts up to the terminator.
    fn parts(&mut self, term: Term, nested: bool) -> PResult<Vec<Part>> {
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, parts: &mut Vec<Part>| {
            if !lit.is_empty() {
                parts.push(Part::Lit(Arc::from(std::mem::take(lit))));
            }
        };
        while self.pos < self.end {
            let c = self.b[self.pos];
            match term {
                Term::Bare if self.at_word_end(nested) => break,
                Term::Quote if c == b'"' => break,
                Term::Paren if c == b')' => break,
                _ => {}
            }
            match c {
                b'\\' => {
                    let (rep, used) = backslash_at(&self.src[self.pos + 1..self.end]);
                    lit.push_str(&rep);
                    self.pos += 1 + used;
                }
                b'$' => match self.var_ref()? {
                    Some(v) => {
                        flush(&mut lit, &mut parts);
                        parts.push(Part::Var(v));
                    }
                    None => {
                        lit.push('$');
                        self.pos += 1;
                    }
                },
                b'[' => {
                    flush(&mut lit, &mut parts);
                    let open = self.pos;
                    let mut sub = self.sub(open + 1, self.end)?;
                    let script = sub.script(true)?;
                    if sub.peek() != Some(b']') {
                        return Err(self
                            .err(open, open + 1, "missing close-bracket")
                            .with_hint("this `[` command substitution is never closed"));
                    }
                    self.pos = sub.pos + 1;
                    parts.push(Part::Cmd(script));
                }
                _ => {
                    let run_end = self.b[self.pos..self.end]
                        .iter()
                        .position(|&c| {
                            matches!(
                                c,
                                b'\\'
                                    | b'$'
                                    | b'['
                                    | b'"'
                                    | b')'
                                    | b' '
                                    | b'\t'
                                    | b'\n'
                                    | b';'
                                    | b']'
                                    | b'\r'
                                    | 0x0b
                                    | 0x0c
                            )
                        })
                        .map(|n| self.pos + n.max(1))
                        .unwrap_or(self.end);
                    lit.push_str(&self.src[self.pos..run_end]);
                    self.pos = run_end;
                }
            }
        }
        flush(&mut lit, &mut parts);
        Ok(parts)
    }

    /// `$name`, `${name}`, `$name(index)`, `$::name`, `$static::name`; `None` when the `$`
    /// is followed by no name (then it is a literal dollar sign).
    pub(crate) fn var_ref(&mut self) -> PResult<Option<VarRef>> {
        let start = self.pos;
        let mut p = self.pos + 1;
        if p < self.end && self.b[p] == b'{' {
            let Some(close) = self.b[p..self.end].iter().position(|&c| c == b'}') else {
                return Err(self
                    .err(start, p + 1, "missing close-brace for variable name")
                    .with_hint("`${` must be closed by `}`"));
            };
            let name = &self.src[p + 1..p + close];
            self.pos = p + close + 1;
            return Ok(Some(VarRef {
                name: Arc::from(name),
                index: None,
                span: self.span(start, self.pos),
            }));
        }
        let name_start = p;
        while p < self.end {
            let c = self.b[p];
            if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                p += 1;
            } else if c == b':' && p + 1 < self.end && self.b[p + 1] == b':' {
                while p < self.end && self.b[p] == b':' {
                    p += 1;
                }
            } else {
                break;
            }
        }
        while p < self.end && !self.src.is_char_boundary(p) {
            p += 1;
        }
        if p == name_start {
            return Ok(None);
        }
        let name = &self.src[name_start..p];
        self.pos = p;
        let mut index = None;
        if self.pos < self.end && self.b[self.pos] == b'(' {
            let open = self.pos;
            let mut sub = self.sub(open + 1, self.end)?;
            let parts = sub.parts(Term::Paren, false)?;
            if sub.peek() != Some(b')') {
                return Err(self
                    .err(open, open + 1, "missing )")
                    .with_hint("an array index `(` must be closed by `)`"));
            }
            self.pos = sub.pos + 1;
            index = Some(parts);
        }
        Ok(Some(VarRef {
            name: Arc::from(name),
            index,
            span: self.span(start, self.pos),
        }))
    }

    /// The parts of a quoted string starting at the opening quote; stops at (does not
    /// consume) the closing quote.
    pub(crate) fn quoted_parts(&mut self) -> PResult<Vec<Part>> {
        self.pos += 1;
        self.parts(Term::Quote, false)
    }

    fn body(&self, w: &Word) -> PResult<Option<Script>> {
        match w.braced() {
            Some(inner) => {
                let mut p = self.sub(inner.start, inner.end)?;
                Ok(Some(p.script(false)?))
            }
            None => Ok(None),
        }
    }

    fn cond(&self, w: &Word) -> PResult<Option<Expr>> {
        match (w.braced(), &w.kind) {
            (Some(inner), _) => {
                let p = self.sub(inner.start, inner.end)?;
                Ok(Some(crate::expr::parse_expr(p)?))
            }
            // A bare word without substitutions (`while 1 { ... }`) is compiled too, so
            // errors in the body point at their own command, not at the `while`.
            (None, WordKind::Lit(text, None))
                if self.src.get(w.span.start..w.span.end) == Some(&**text) =>
            {
                let p = self.sub(w.span.start, w.span.end)?;
                Ok(crate::expr::parse_expr(p).ok())
            }
            _ => Ok(None),
        }
    }

    /// Compiles the braced arguments of the control commands ahead of time.
    fn compile_op(&self, words: &[Word]) -> PResult<Op> {
        let Some(name) = words[0].literal() else {
            return Ok(Op::Call);
        };
        let args = &words[1..];
        let op = match (name.as_ref(), args.len()) {
            ("if", _) => self.compile_if(args)?,
            ("while", 2) => match (self.cond(&args[0])?, self.body(&args[1])?) {
                (Some(c), Some(b)) => Some(Op::While(c, b)),
                _ => None,
            },
            ("for", 4) => match (
                self.body(&args[0])?,
                self.cond(&args[1])?,
                self.body(&args[2])?,
                self.body(&args[3])?,
            ) {
                (Some(i), Some(c), Some(n), Some(b)) => Some(Op::For(i, c, n, b)),
                _ => None,
            },
            ("foreach", n) if n >= 3 && n % 2 == 1 => self.body(&args[n - 1])?.map(Op::Foreach),
            ("catch", 1..=3) => self.body(&args[0])?.map(Op::Catch),
            ("expr", 1) => self.cond(&args[0])?.map(Op::Expr),
            ("switch", n) if n >= 2 && switch_has_list(&args[..n - 1]) => {
                self.compile_switch(&args[n - 1])?
            }
            ("proc", 3) => self.body(&args[2])?.map(|b| Op::Proc(Arc::new(b))),
            _ => None,
        };
        Ok(op.unwrap_or(Op::Call))
    }

    fn compile_if(&self, args: &[Word]) -> PResult<Option<Op>> {
        let mut branches = Vec::new();
        let mut i = 0;
        loop {
            let Some(cw) = args.get(i) else {
                return Ok(None);
            };
            let Some(cond) = self.cond(cw)? else {
                return Ok(None);
            };
            i += 1;
            if args.get(i).and_then(|w| w.literal()).map(|s| s.as_ref()) == Some("then") {
                i += 1;
            }
            let Some(bw) = args.get(i) else {
                return Ok(None);
            };
            let Some(body) = self.body(bw)? else {
                return Ok(None);
            };
            branches.push((cond, body));
            i += 1;
            match args.get(i).and_then(|w| w.literal()).map(|s| s.as_ref()) {
                None if i == args.len() => return Ok(Some(Op::If(branches, None))),
                Some("elseif") => i += 1,
                Some("else") => {
                    if i + 2 != args.len() {
                        return Ok(None);
                    }
                    return Ok(self.body(&args[i + 1])?.map(|e| Op::If(branches, Some(e))));
                }
                _ if i + 1 == args.len() => {
                    return Ok(self.body(&args[i])?.map(|e| Op::If(branches, Some(e))));
                }
                _ => return Ok(None),
            }
        }
    }

    fn compile_switch(&self, w: &Word) -> PResult<Option<Op>> {
        let Some(inner) = w.braced() else {
            return Ok(None);
        };
        let items = list_spans(self.src, inner.start, inner.end);
        let Some(items) = items else { return Ok(None) };
        if items.len() % 2 != 0 {
            return Ok(None);
        }
        let mut out = Vec::new();
        for pair in items.chunks(2) {
            let (pat, body) = (&pair[0], &pair[1]);
            let pattern: Arc<str> = Arc::from(pat.2.as_str());
            let script = if body.2 == "-" {
                None
            } else {
                let mut p = self.sub(body.0, body.1)?;
                Some(p.script(false)?)
            };
            out.push((pattern, script));
        }
        Ok(Some(Op::Switch(out)))
    }
}

/// Whether the words before the last are options and one subject, so the last word is
/// the pattern/body list (and not the body of a pattern written as separate words).
fn switch_has_list(words: &[Word]) -> bool {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        match w.literal().map(|s| s.as_ref()) {
            Some("--") => {
                i += 1;
                break;
            }
            Some(o) if o.starts_with('-') && i + 1 < words.len() => i += 1,
            _ => break,
        }
    }
    words.len() == i + 1
}

/// The elements of the list text in `src[start..end]` with their content spans (inside
/// braces for braced elements); `None` if the list is not simple enough to locate.
fn list_spans(src: &str, start: usize, end: usize) -> Option<Vec<(usize, usize, String)>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    loop {
        while i < end && (is_blank(b[i]) || b[i] == b'\n') {
            i += 1;
        }
        if i >= end {
            return Some(out);
        }
        if b[i] == b'{' {
            let mut depth = 1;
            let mut j = i + 1;
            while j < end {
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
            if j >= end {
                return None;
            }
            out.push((i + 1, j, subst_backslash_newlines(src.get(i + 1..j)?)));
            i = j + 1;
        } else if b[i] == b'"' {
            // A quoted element is its text when it holds no backslash (list parsing does
            // no other substitution), so `"10.0.0.5" { ... }` keeps its body's spans.
            let s = i + 1;
            let mut j = s;
            while j < end && b[j] != b'"' {
                if b[j] == b'\\' {
                    return None;
                }
                j += 1;
            }
            if j >= end || (j + 1 < end && !(is_blank(b[j + 1]) || b[j + 1] == b'\n')) {
                return None;
            }
            out.push((s, j, src.get(s..j)?.to_string()));
            i = j + 1;
        } else {
            let s = i;
            while i < end && !(is_blank(b[i]) || b[i] == b'\n') {
                if b[i] == b'\\' {
                    return None;
                }
                i += 1;
            }
            out.push((s, i, src.get(s..i)?.to_string()));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Term {
    Bare,
    Quote,
    Paren,
}

impl PErr {
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> PErr {
        self.hint = Some(hint.into());
        self
    }
}

/// Parses a whole text as one script: in plain Tcl mode without `sink`, in iRule mode
/// (warnings to `sink`) with it.
pub(crate) fn parse_script(src: &str, sink: Option<WarnSink>) -> PResult<Script> {
    let mut p = Parser::new(src, 0, src.len(), 0);
    if sink.is_some() {
        p = p.irule_mode(sink);
    }
    p.script(false)
}

/// Parses text made at run time; every span becomes `at`. `irule` selects BIG-IP's
/// lenient word boundaries (warnings are dropped: the text is not the rule's).
pub(crate) fn parse_dynamic(src: &str, at: Span, irule: bool) -> PResult<Script> {
    let mut p = Parser::new(src, 0, src.len(), 0);
    p.clamp = Some(at);
    p.irule = irule;
    p.script(false)
}
