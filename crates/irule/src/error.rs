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
    /// A command that needs a profile the virtual server does not have (BIG-IP refuses
    /// such a rule when it is attached: "requires an associated ... profile").
    #[error(
        "`{command}` (event {event}, line {line}) needs {}, which this virtual does not have",
        profile_phrase(.profile)
    )]
    NeedsProfile {
        /// The command name.
        command: String,
        /// The profiles, any one of which would do, separated by `|` (`http|fasthttp`).
        profile: String,
        /// The event (or `proc NAME`) it appears in.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// A command of a module this system does not have.
    #[error(
        "`{command}` (event {event}, line {line}) needs the {} module, which this configuration does not have",
        module_name(.module)
    )]
    NeedsModule {
        /// The command name.
        command: String,
        /// The module (`ilx`, `asm`, ...), as [`crate::Settings::modules`] would list it.
        module: String,
        /// The event (or `proc NAME`) it appears in.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// A Tcl command F5 disables in iRules (file, socket and process access, the event
    /// loop).
    #[error(
        "`{command}` (event {event}, line {line}) is one of the Tcl commands F5 disables in iRules"
    )]
    DisabledCommand {
        /// The command name.
        command: String,
        /// The event (or `proc NAME`) it appears in.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// A Tcl command newer than the Tcl 8.4 BIG-IP runs.
    #[error(
        "`{command}` (event {event}, line {line}) is a Tcl {version} command; BIG-IP runs Tcl 8.4, which does not have it"
    )]
    LaterTclCommand {
        /// The command name.
        command: String,
        /// The Tcl version that added it.
        version: String,
        /// The event (or `proc NAME`) it appears in.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// A name that is no iRules command, no Tcl command and no proc of these rules.
    #[error(
        "`{}` (event {event}, line {line}) is not an iRules or Tcl command, nor a proc of these rules{}{}",
        visible(.name),
        odd_characters(.name),
        suggestion(.did_you_mean)
    )]
    UnknownCommand {
        /// The name as written.
        name: String,
        /// The closest known name, if one is close.
        did_you_mean: Option<String>,
        /// The event (or `proc NAME`) it appears in.
        event: String,
        /// The 1-based line.
        line: usize,
    },
    /// An event that fires only with a profile the virtual server does not have.
    #[error(
        "event {event} (line {line}) fires only with {}, which this virtual does not have",
        profile_phrase(.profile)
    )]
    EventNeedsProfile {
        /// The event name.
        event: String,
        /// The profiles, any one of which would do, separated by `|`.
        profile: String,
        /// The 1-based line.
        line: usize,
    },
    /// An event of a module this system does not have.
    #[error(
        "event {event} (line {line}) fires only with the {} module, which this configuration does not have",
        module_name(.module)
    )]
    EventNeedsModule {
        /// The event name.
        event: String,
        /// The module.
        module: String,
        /// The 1-based line.
        line: usize,
    },
    /// A name that is no iRules event.
    #[error(
        "{} (line {line}) is not an iRules event{}{}",
        visible(.event),
        odd_characters(.event),
        suggestion(.did_you_mean)
    )]
    UnknownEvent {
        /// The name as written.
        event: String,
        /// The closest event name, if one is close.
        did_you_mean: Option<String>,
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

/// `an http or fasthttp profile`.
fn profile_phrase(profiles: &str) -> String {
    let names: Vec<&str> = profiles.split('|').collect();
    // Profile names read as letters (an HTTP, an SMTPS) or as words (a stream).
    const AN: &[&str] = &[
        "http",
        "http2",
        "html",
        "http-compression",
        "ftp",
        "smtps",
        "sctp",
        "sse",
        "rtsp",
        "l7check",
        "mqtt",
        "ntlm",
        "xml",
        "rewrite-uri",
    ];
    let first = names.first().copied().unwrap_or("");
    let article = if first.starts_with(['a', 'e', 'i', 'o', 'u']) || AN.contains(&first) {
        "an"
    } else {
        "a"
    };
    format!("{article} {} profile", names.join(" or "))
}

/// `iRules LX (ilx)`.
fn module_name(module: &str) -> String {
    let long = match module {
        "ilx" => "iRules LX",
        "asm" => "Application Security Manager",
        "apm" => "Access Policy Manager",
        "afm" => "Advanced Firewall Manager",
        "pem" => "Policy Enforcement Manager",
        "avr" => "Application Visibility and Reporting",
        "bwc" => "Bandwidth Controller",
        "cgnat" => "Carrier-Grade NAT",
        "fps" => "Fraud Protection Service",
        "gtm" => "DNS (GTM)",
        "ip-intelligence" => "IP Intelligence",
        "swg" => "Secure Web Gateway",
        "aam" => "Application Acceleration Manager",
        "psm" => "Protocol Security Module",
        _ => return format!("`{module}`"),
    };
    format!("{long} (`{module}`)")
}

/// The name with its odd characters escaped (`class\u{a0}match`), so the message shows
/// what the eye cannot.
fn visible(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if crate::catalog::odd_char_name(c).is_some() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn suggestion(did_you_mean: &Option<String>) -> String {
    match did_you_mean {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

/// ` (it contains U+00A0 NO-BREAK SPACE)`: characters that look like blanks or quotes,
/// or are invisible, which is how a pasted rule usually comes to name no command.
fn odd_characters(name: &str) -> String {
    let mut seen: Vec<char> = Vec::new();
    for c in name.chars() {
        if crate::catalog::odd_char_name(c).is_some() && !seen.contains(&c) {
            seen.push(c);
        }
    }
    if seen.is_empty() {
        return String::new();
    }
    let list: Vec<String> = seen
        .iter()
        .map(|&c| {
            format!(
                "U+{:04X} {}",
                c as u32,
                crate::catalog::odd_char_name(c).unwrap_or("")
            )
        })
        .collect();
    format!(" (it contains {})", list.join(", "))
}

impl LoadErrorKind {
    fn hint(&self) -> Option<String> {
        Some(match self {
            LoadErrorKind::NeedsProfile { profile, .. }
            | LoadErrorKind::EventNeedsProfile { profile, .. } => format!(
                "attach the rule to a virtual with {} (list it in Settings::profiles), or remove the command",
                profile_phrase(profile)
            ),
            LoadErrorKind::NeedsModule { module, .. }
            | LoadErrorKind::EventNeedsModule { module, .. } => format!(
                "if the system has the module provisioned, list `{module}` in Settings::modules"
            ),
            LoadErrorKind::DisabledCommand { .. } => {
                "iRules cannot touch files, processes, sockets or the event loop; see F5's \"Disabled Tcl commands\" page".into()
            }
            LoadErrorKind::LaterTclCommand { command, .. } => match command.as_str() {
                "dict" => "use an array, or a list with `lsearch`, instead".into(),
                "lassign" => "use `foreach {a b c} $list break` instead".into(),
                "lmap" => "use `foreach` with `lappend` instead".into(),
                "try" | "throw" => "use `catch` and `error` instead".into(),
                _ => "rewrite it with Tcl 8.4 commands".into(),
            },
            LoadErrorKind::UnknownCommand { name, .. } | LoadErrorKind::UnknownEvent { event: name, .. }
                if !odd_characters(name).is_empty() =>
            {
                "retype the name: a character in it only looks like an ordinary one (the rule was probably pasted from a document)".into()
            }
            _ => return None,
        })
    }
}

impl Diagnostic for LoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("irule::load"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.kind
            .hint()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(label(self.span, "here"))))
    }
}

/// Something a rule does that plain Tcl refuses but the rule loads with, because
/// BIG-IP's own acceptance is undocumented: worth a look, never a refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WarningKind {
    /// No blank between a brace and `else`/`elseif` (`}else`, `else{`).
    #[error(
        "`{between}` has no blank between the brace and the keyword: plain Tcl refuses this, and F5 does not document whether BIG-IP accepts it; relaylab reads it as if the blank were there"
    )]
    MissingBlank {
        /// The characters as written (`}else`, `else{`, `elseif{`).
        between: &'static str,
    },
}

/// A warning on a rule, with where it points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}:{}:{}: warning: {kind}", at.line, at.col)]
pub struct Warning {
    /// The rule's name.
    pub rule: Arc<str>,
    /// What it is.
    pub kind: WarningKind,
    /// The characters it is about.
    pub span: Span,
    /// Their line and column (in the file, for a placed rule).
    pub at: Location,
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
