//! The generic tmsh syntax: words, quoted strings, `{ }` blocks, comments and lines.
//!
//! tmsh's saved configuration is a tree of statements. A statement is the words of one
//! line, optionally ending in a `{ }` block; a block's closing brace also ends its
//! statement, so `{ a { } b { } }` holds two statements. One-line blocks such as
//! `{ address 10.0.0.20 traffic-group /Common/tg-1 }` hold a single statement of key/value
//! pairs. `ltm rule` bodies are Tcl, not tmsh, and are captured raw with Tcl's own
//! brace-matching rule (backslash-escaped braces do not count).

use std::ops::Range;

/// A byte range in the source text.
pub type Span = Range<usize>;

/// One word: bare or quoted, with quotes removed and escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text of the word.
    pub text: String,
    /// Where it stands in the source (quotes included).
    pub span: Span,
}

/// One statement: words, then maybe a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    /// The words before the block (or all the words of the line).
    pub words: Vec<Word>,
    /// The block that ends the statement, if any.
    pub block: Option<Block>,
}

impl Stmt {
    /// The span from the first word (or block) to the end.
    pub fn span(&self) -> Span {
        let start = self
            .words
            .first()
            .map(|w| w.span.start)
            .or_else(|| self.block.as_ref().map(|b| b.span.start))
            .unwrap_or(0);
        let end = self
            .block
            .as_ref()
            .map(|b| b.span.end)
            .or_else(|| self.words.last().map(|w| w.span.end))
            .unwrap_or(start);
        start..end
    }
}

/// A `{ }` block: statements, or raw text for Tcl bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The statements inside.
    pub stmts: Vec<Stmt>,
    /// From the opening brace to the closing brace, inclusive.
    pub span: Span,
    /// For raw (Tcl) blocks: the text between the braces.
    pub raw: Option<(String, Span)>,
}

/// One element of a block read as attributes.
#[derive(Debug, Clone, Copy)]
pub enum Attr<'a> {
    /// `key value`.
    Value(&'a Word, &'a Word),
    /// `key { ... }`.
    Block(&'a Word, &'a Block),
    /// `key` alone (`vlans-enabled`, `disabled`).
    Flag(&'a Word),
    /// `monitor a and b`, `monitor min 1 of { a b }`: a key whose value is several words,
    /// maybe ending in a block.
    Words(&'a Word, &'a [Word], Option<&'a Block>),
}

impl<'a> Attr<'a> {
    /// The attribute's key word.
    pub fn key(&self) -> &'a Word {
        match self {
            Attr::Value(k, _) | Attr::Block(k, _) | Attr::Flag(k) | Attr::Words(k, _, _) => k,
        }
    }
}

impl Block {
    /// Reads the block as attributes: `key value` pairs (several on one line allowed),
    /// `key { block }`, and bare flags.
    pub fn attrs(&self) -> Vec<Attr<'_>> {
        let mut out = Vec::new();
        for s in &self.stmts {
            let w = &s.words;
            let multi_word = w.len() > 2 || (w.len() == 2 && s.block.is_some());
            if multi_word && w[0].text == "monitor" {
                out.push(Attr::Words(&w[0], &w[1..], s.block.as_ref()));
                continue;
            }
            match (&s.block, w.len()) {
                (Some(b), 1) => out.push(Attr::Block(&w[0], b)),
                (Some(b), n) if n > 1 => {
                    push_pairs(&w[..n - 1], &mut out);
                    out.push(Attr::Block(&w[n - 1], b));
                }
                (Some(_), _) => {}
                (None, 1) => out.push(Attr::Flag(&w[0])),
                (None, n) if n % 2 == 0 => push_pairs(w, &mut out),
                (None, _) => {
                    push_pairs(&w[..w.len() - 1], &mut out);
                    out.push(Attr::Flag(&w[w.len() - 1]));
                }
            }
        }
        out
    }

    /// Reads the block as a list of names: every word of every statement, and the head
    /// word of statements that carry a block (`members { a { } b { } }`).
    pub fn names(&self) -> Vec<&Word> {
        self.stmts.iter().flat_map(|s| s.words.iter()).collect()
    }

    /// Statements that are `name { ... }` entries (members, records, persist profiles).
    pub fn entries(&self) -> Vec<(&Word, Option<&Block>)> {
        let mut out = Vec::new();
        for s in &self.stmts {
            match (&s.block, s.words.as_slice()) {
                (Some(b), [name]) => out.push((name, Some(b))),
                (None, words) => out.extend(words.iter().map(|w| (w, None))),
                (Some(b), words) => {
                    let (last, rest) = words
                        .split_last()
                        .map_or((None, &[][..]), |(l, r)| (Some(l), r));
                    out.extend(rest.iter().map(|w| (w, None)));
                    if let Some(l) = last {
                        out.push((l, Some(b)));
                    }
                }
            }
        }
        out
    }
}

/// The deepest `{ }` nesting read. Saved configurations nest about six levels
/// (`ltm virtual { persist { /Common/x { default yes } } }`); the parser recurses once per
/// level, so a bound keeps a hostile file from exhausting the stack.
pub const MAX_BLOCK_DEPTH: usize = 64;

/// A syntax error: what, where, and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub span: Span,
    /// What to do about it.
    pub help: Option<String>,
}

/// Parses a whole file into top-level statements. `raw_body` decides, from a statement's
/// words so far, whether its block is Tcl to be captured raw.
pub fn parse(text: &str, raw_body: &dyn Fn(&[Word]) -> bool) -> Result<Vec<Stmt>, SyntaxError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        raw_body,
    };
    let (stmts, _) = p.stmts(None, 0)?;
    Ok(stmts)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    raw_body: &'a dyn Fn(&[Word]) -> bool,
}

impl Parser<'_> {
    /// Statements until the closing brace of the block opened at `open` (or end of input).
    fn stmts(
        &mut self,
        open: Option<usize>,
        depth: usize,
    ) -> Result<(Vec<Stmt>, usize), SyntaxError> {
        let mut stmts = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        loop {
            self.skip_blanks();
            let Some(&c) = self.bytes.get(self.pos) else {
                if let Some(open) = open {
                    return Err(SyntaxError {
                        message: "this `{` is never closed".into(),
                        span: open..open + 1,
                        help: Some("add the missing `}` (or remove this `{`); the file ended inside the block".into()),
                    });
                }
                flush(&mut words, &mut stmts);
                return Ok((stmts, self.pos));
            };
            match c {
                b'\n' | b';' => {
                    self.pos += 1;
                    flush(&mut words, &mut stmts);
                }
                b'#' if words.is_empty() => self.skip_comment(),
                b'{' => {
                    let start = self.pos;
                    self.pos += 1;
                    let block = if (self.raw_body)(&words) {
                        self.raw_block(start)?
                    } else {
                        if depth >= MAX_BLOCK_DEPTH {
                            return Err(SyntaxError {
                                message: format!(
                                    "blocks nested deeper than {MAX_BLOCK_DEPTH} levels"
                                ),
                                span: start..start + 1,
                                help: Some(format!(
                                    "tmsh configurations nest a few levels; relaylab stops at {MAX_BLOCK_DEPTH} (bigip::syntax::MAX_BLOCK_DEPTH): look for a run of `{{` without their `}}`"
                                )),
                            });
                        }
                        let (inner, end) = self.stmts(Some(start), depth + 1)?;
                        Block {
                            stmts: inner,
                            span: start..end,
                            raw: None,
                        }
                    };
                    stmts.push(Stmt {
                        words: std::mem::take(&mut words),
                        block: Some(block),
                    });
                }
                b'}' => {
                    let Some(_) = open else {
                        return Err(SyntaxError {
                            message: "`}` closes nothing".into(),
                            span: self.pos..self.pos + 1,
                            help: Some("remove it, or add the `{` that was lost before it".into()),
                        });
                    };
                    self.pos += 1;
                    flush(&mut words, &mut stmts);
                    return Ok((stmts, self.pos));
                }
                b'"' => words.push(self.quoted()?),
                _ => words.push(self.bare()),
            }
        }
    }

    fn skip_blanks(&mut self) {
        while let Some(&c) = self.bytes.get(self.pos) {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.bytes.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(&c) = self.bytes.get(self.pos) {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn bare(&mut self) -> Word {
        let start = self.pos;
        while let Some(&c) = self.bytes.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b'"' | b';') {
                break;
            }
            self.pos += 1;
        }
        Word {
            text: self.text[start..self.pos].to_string(),
            span: start..self.pos,
        }
    }

    fn quoted(&mut self) -> Result<Word, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut seg = self.pos;
        while let Some(&c) = self.bytes.get(self.pos) {
            match c {
                b'"' => {
                    out.push_str(&self.text[seg..self.pos]);
                    self.pos += 1;
                    return Ok(Word {
                        text: out,
                        span: start..self.pos,
                    });
                }
                b'\\' if self.pos + 1 < self.bytes.len() => {
                    out.push_str(&self.text[seg..self.pos]);
                    let next = self.text[self.pos + 1..].chars().next().unwrap_or('\\');
                    match next {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        other => out.push(other),
                    }
                    self.pos += 1 + next.len_utf8();
                    seg = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        Err(SyntaxError {
            message: "this quoted string is never closed".into(),
            span: start..start + 1,
            help: Some("add the closing `\"`; a `\"` inside a string is written `\\\"`".into()),
        })
    }

    /// A Tcl body: braces nest, backslash escapes a brace.
    fn raw_block(&mut self, open: usize) -> Result<Block, SyntaxError> {
        let mut depth = 1usize;
        let body_start = self.pos;
        while let Some(&c) = self.bytes.get(self.pos) {
            match c {
                b'\\' => self.pos += 1,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        let body = self.text[body_start..self.pos].to_string();
                        let body_span = body_start..self.pos;
                        self.pos += 1;
                        return Ok(Block {
                            stmts: Vec::new(),
                            span: open..self.pos,
                            raw: Some((body, body_span)),
                        });
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(SyntaxError {
            message: "this iRule body is never closed".into(),
            span: open..open + 1,
            help: Some("the rule's braces do not balance: count the `{` and `}` of every if/else and when block".into()),
        })
    }
}

fn flush(words: &mut Vec<Word>, stmts: &mut Vec<Stmt>) {
    if !words.is_empty() {
        stmts.push(Stmt {
            words: std::mem::take(words),
            block: None,
        });
    }
}

fn push_pairs<'a>(words: &'a [Word], out: &mut Vec<Attr<'a>>) {
    for pair in words.chunks(2) {
        match pair {
            [k, v] => out.push(Attr::Value(k, v)),
            [k] => out.push(Attr::Flag(k)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Vec<Stmt> {
        parse(t, &|w| w.first().is_some_and(|w| w.text == "rule")).unwrap()
    }

    #[test]
    fn one_line_blocks_are_pairs() {
        let s = p("ltm x /Common/a { address 10.0.0.20 traffic-group /Common/tg }\n");
        let attrs = s[0].block.as_ref().unwrap().attrs();
        assert_eq!(attrs.len(), 2);
        assert!(
            matches!(attrs[1], Attr::Value(k, v) if k.text == "traffic-group" && v.text == "/Common/tg")
        );
    }

    #[test]
    fn closing_brace_ends_statement() {
        let s = p("records { a { } b { data \"x y\" } }");
        let b = s[0].block.as_ref().unwrap();
        assert_eq!(b.entries().len(), 2);
    }

    #[test]
    fn quoted_strings_escape_and_span_lines() {
        let s = p("x { description \"say \\\"hi\\\"\nthere\" }");
        let attrs = s[0].block.as_ref().unwrap().attrs();
        assert!(matches!(attrs[0], Attr::Value(_, v) if v.text == "say \"hi\"\nthere"));
    }

    #[test]
    fn raw_tcl_bodies() {
        let s = p("rule r { when X { if {1} { set a \\{ } } }\nnext { }");
        let b = s[0].block.as_ref().unwrap();
        assert_eq!(
            b.raw.as_ref().unwrap().0,
            " when X { if {1} { set a \\{ } } "
        );
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn deep_nesting_is_a_located_error_not_a_stack_overflow() {
        let text = format!(
            "ltm pool /Common/p {}\n{}",
            "{ ".repeat(5000),
            "} ".repeat(5000)
        );
        let e = parse(&text, &|_| false).unwrap_err();
        let open = 19 + 2 * MAX_BLOCK_DEPTH;
        assert_eq!(e.span, open..open + 1);
        assert!(e.message.contains("nested deeper"), "{}", e.message);
    }

    #[test]
    fn errors_point_at_the_culprit() {
        let e = parse("a {\n b {\n}", &|_| false).unwrap_err();
        assert_eq!(e.span, 2..3);
        let e = parse("a { }\n}", &|_| false).unwrap_err();
        assert_eq!(e.span, 6..7);
        let e = parse("a \"open", &|_| false).unwrap_err();
        assert_eq!(e.span, 2..3);
    }
}
