//! Errors: parse errors with a location and a hint, load errors for what a TCP virtual
//! cannot run, and run-time errors (which reset the connection, as on BIG-IP).
//!
//! Every error carries the rule's name and text, so it renders as a [`miette`] diagnostic
//! with the offending characters underlined: `miette::Report::new(err)`.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};

use crate::span::{Location, Span};

/// The text an error points into: the rule's name and its whole source.
#[derive(Clone)]
pub struct Source {
    /// The rule's name (`/Common/smtp_irule`).
    pub name: Arc<str>,
    /// The rule's text.
    pub text: Arc<str>,
    /// Where the text stands in the file the user wrote, if it came from one.
    pub placed: Option<Placed>,
}

/// Where a rule's text begins in the file it was read from (the body of an `ltm rule` in
/// bigip.conf), so errors name the file's line and column, not the rule's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The file's name.
    pub file: Arc<str>,
    /// The 1-based line of the text's first character.
    pub line: usize,
    /// The 1-based column of the text's first character.
    pub col: usize,
}

impl Placed {
    /// A location in the rule text as a location in the file.
    pub fn shift(&self, at: Location) -> Location {
        Location {
            line: at.line + self.line - 1,
            col: if at.line == 1 {
                at.col + self.col - 1
            } else {
                at.col
            },
        }
    }
}

impl Source {
    /// `rule:line:col`, or `file:line:col (iRule rule)` for a placed rule.
    fn prefix(&self, at: &Location) -> String {
        match &self.placed {
            None => format!("{}:{}:{}", self.name, at.line, at.col),
            Some(p) => format!("{}:{}:{} (iRule {})", p.file, at.line, at.col, self.name),
        }
    }
}

/// Snippets of a placed rule carry the file's name and line numbers.
impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let Some(p) = &self.placed else {
            return Ok(inner);
        };
        let column = if inner.line() == 0 {
            inner.column() + p.col - 1
        } else {
            inner.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            p.file.to_string(),
            inner.data(),
            *inner.span(),
            inner.line() + p.line - 1,
            column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Source({})", self.name)
    }
}

/// The text could not be parsed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", src.prefix(at))]
pub struct ParseError {
    /// The rule's name.
    pub rule: Arc<str>,
    /// What is wrong (`missing close-brace`).
    pub message: String,
    /// The offending characters.
    pub span: Span,
    /// Their line and column.
    pub at: Location,
    /// What to do about it.
    pub hint: Option<String>,
    /// Another place that explains the error (for example the word a missing brace
    /// swallowed), with a note.
    pub related: Option<(Span, String)>,
    pub(crate) src: Source,
}

impl Diagnostic for ParseError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("irule::parse"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let mut v = vec![label(self.span, &self.message)];
        if let Some((s, note)) = &self.related {
            v.push(label(*s, note));
        }
        Some(Box::new(v.into_iter()))
    }
}

fn label(span: Span, text: &str) -> LabeledSpan {
    LabeledSpan::new(Some(text.to_string()), span.start, span.end - span.start)
}

/// A rule that parses but cannot run on the virtual it is attached to.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {kind}", src.prefix(at))]
pub struct LoadError {
    /// The rule's name.
    pub rule: Arc<str>,
    /// What cannot run.
    pub kind: LoadErrorKind,
    /// Where.
    pub span: Span,
    /// Line and column.
    pub at: Location,
    pub(crate) src: Source,
}

/// What cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// A command relaylab does not model for a TCP virtual server.
    #[error(
        "command `{command}` in event {event} is not supported on a TCP virtual server (line {line})"
    )]
    UnsupportedCommand {
        /// The command name.
        command: String,
        /// The event it appears in.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// An event that never fires on a TCP virtual server.
    #[error("event {event} does not fire on a TCP virtual server (line {line})")]
    UnsupportedEvent {
        /// The event name.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// Two procs of one rule with one name.
    #[error("proc `{name}` is defined twice")]
    DuplicateProc {
        /// The proc's name.
        name: String,
    },
}

impl Diagnostic for LoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("irule::load"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "relaylab models TCP virtual servers (SMTP, IMAP): HTTP::, SSL::, DNS:: and similar commands need profiles such a virtual does not have",
        ))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(label(self.span, "here"))))
    }
}

/// An error while a rule ran. On BIG-IP a Tcl error aborts the rule and resets the
/// connection; so does it here: [`crate::Evaluation::resets`] is then true.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{rule}:{}:{} (event {event}): {kind}", at.line, at.col)]
pub struct RuntimeError {
    /// The rule's name.
    pub rule: Arc<str>,
    /// The event that was running.
    pub event: Arc<str>,
    /// What went wrong.
    pub kind: RuntimeErrorKind,
    /// The command or word that failed.
    pub span: Span,
    /// Its line and column.
    pub at: Location,
    pub(crate) src: Source,
}

impl Diagnostic for RuntimeError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("irule::runtime"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.kind
            .hint()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src.text)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(label(
            self.span,
            "this failed; the connection is reset",
        ))))
    }
}

/// What went wrong at run time. Messages follow Tcl's wording where Tcl has one, so
/// `catch` sees the same text as on a real system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeErrorKind {
    /// Reading a variable that does not exist.
    #[error("can't read \"{name}\": no such variable")]
    NoSuchVariable {
        /// The variable name.
        name: String,
    },
    /// `$::name` naming a data group: the v9/v10 way, an error in v11+ mode.
    #[error("can't read \"::{name}\": no such variable")]
    GlobalDataGroupReference {
        /// The data group name.
        name: String,
    },
    /// A command that is not a builtin, a proc or a modelled F5 command.
    #[error("invalid command name \"{name}\"")]
    UnknownCommand {
        /// The name.
        name: String,
    },
    /// A command (or form of one) relaylab does not model, named with its event: a gap
    /// in relaylab, not an error the BIG-IP would raise.
    #[error("relaylab does not model `{command}` (event {event})")]
    Unsupported {
        /// The command.
        command: String,
        /// The event.
        event: String,
    },
    /// Wrong number of arguments.
    #[error("wrong # args: should be \"{usage}\"")]
    WrongArgs {
        /// The usage line.
        usage: String,
    },
    /// An argument of the wrong form.
    #[error("{command}: bad argument \"{value}\": expected {expected}")]
    BadArgument {
        /// The command.
        command: String,
        /// The argument as given.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A non-numeric operand of an arithmetic operator.
    #[error("can't use non-numeric string as operand of \"{op}\"")]
    NotNumeric {
        /// The operator.
        op: String,
    },
    /// An integer was expected.
    #[error("expected integer but got \"{value}\"")]
    ExpectedInteger {
        /// The value.
        value: String,
    },
    /// A boolean was expected.
    #[error("expected boolean value but got \"{value}\"")]
    ExpectedBoolean {
        /// The value.
        value: String,
    },
    /// A bad list index.
    #[error("bad index \"{value}\": must be integer?[+-]integer? or end?[+-]integer?")]
    BadIndex {
        /// The index as given.
        value: String,
    },
    /// Integer division by zero.
    #[error("divide by zero")]
    DivideByZero,
    /// An integer result beyond 64 bits (Tcl would switch to big integers; iRules do not).
    #[error("integer overflow")]
    IntegerOverflow,
    /// A malformed list.
    #[error("{message}")]
    BadList {
        /// Tcl's message.
        message: String,
    },
    /// A malformed regular expression.
    #[error("couldn't compile regular expression pattern: {message}")]
    BadRegex {
        /// The compiler's message.
        message: String,
    },
    /// Text evaluated at run time did not parse.
    #[error("{message}")]
    Syntax {
        /// The parser's message.
        message: String,
    },
    /// A data group that does not exist.
    #[error("data group `{name}` does not exist")]
    NoSuchDataGroup {
        /// The name as written.
        name: String,
    },
    /// A pool, snatpool or other object that does not exist.
    #[error("no {what} named `{name}`")]
    NoSuchObject {
        /// What kind of object.
        what: &'static str,
        /// The name as written.
        name: String,
    },
    /// A command valid only with a connection, used in RULE_INIT.
    #[error("`{command}` needs a connection and cannot be used in RULE_INIT")]
    NoConnection {
        /// The command.
        command: String,
    },
    /// An `error` command or `return -code error`.
    #[error("{message}")]
    User {
        /// The message.
        message: String,
    },
    /// `break` or `continue` outside a loop.
    #[error("invoked \"{0}\" outside of a loop")]
    OutsideLoop(&'static str),
    /// The evaluation step budget ran out (a loop that does not end, or too much work).
    #[error("evaluation stopped after {steps} steps (the step budget)")]
    StepBudget {
        /// The budget.
        steps: u64,
    },
    /// Calls nested deeper than the limit.
    #[error("too many nested evaluations (infinite loop?)")]
    TooDeep,
    /// A value longer than the limit.
    #[error("value of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The length that was reached.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The `log` lines of one event, together, longer than the value limit.
    #[error("log output of {len} bytes in one event exceeds the limit of {limit} bytes")]
    LogTooLarge {
        /// The bytes the logs would have reached.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// An expression nested deeper than the limit, built at run time.
    #[error("expression nested deeper than {limit} levels")]
    ExprTooDeep {
        /// The limit.
        limit: u32,
    },
}

impl RuntimeErrorKind {
    fn hint(&self) -> Option<String> {
        Some(match self {
            RuntimeErrorKind::GlobalDataGroupReference { name } => format!(
                "`$::{name}` is how BIG-IP v9/v10 referenced a class; from v11 on write `class match <item> equals {name}` (or enable the v10 setting)"
            ),
            RuntimeErrorKind::BadArgument { command, .. } if command == "snat" => {
                "`snat` takes `automap`, `none` or an address; is the variable holding the SNAT address empty?".into()
            }
            RuntimeErrorKind::StepBudget { .. } => {
                "raise Settings::step_budget if the rule really needs that much work (big values cost a step per 64 bytes and per list element; see docs/limits.md)".into()
            }
            RuntimeErrorKind::TooLarge { .. } | RuntimeErrorKind::LogTooLarge { .. } => {
                "raise Settings::max_value_len if the rule really builds values that big (see docs/limits.md)".into()
            }
            _ => return None,
        })
    }

    /// Whether the error is a gap in relaylab's model rather than one the BIG-IP would
    /// raise too: a command or form relaylab does not model, relaylab's own limits (the
    /// step budget, nesting, value sizes), or a regular expression feature (look-around,
    /// backreferences) Tcl has and relaylab's regex engine lacks. A connection that ends
    /// on one is *not decided*, never blamed on the BIG-IP.
    pub fn is_model_gap(&self) -> bool {
        match self {
            RuntimeErrorKind::Unsupported { .. }
            | RuntimeErrorKind::StepBudget { .. }
            | RuntimeErrorKind::TooDeep
            | RuntimeErrorKind::TooLarge { .. }
            | RuntimeErrorKind::LogTooLarge { .. }
            | RuntimeErrorKind::ExprTooDeep { .. } => true,
            RuntimeErrorKind::BadRegex { message } => {
                message.contains("not supported") || message.contains("size limit")
            }
            _ => false,
        }
    }

    /// Whether `catch` may intercept this error: a gap in relaylab's model may not.
    /// Caught, the rule would go on as if the BIG-IP had failed there too (and a loop
    /// around `catch` would never hit the step budget).
    pub(crate) fn catchable(&self) -> bool {
        !self.is_model_gap()
    }
}

/// Any error the engine reports.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum Error {
    /// The text does not parse.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
    /// The rule cannot run on a TCP virtual.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    /// The rule failed while running.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Runtime(#[from] RuntimeError),
}
