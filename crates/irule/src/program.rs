//! Rules, programs (the rules of one virtual server), sessions (one connection) and the
//! plain-Tcl runner.

use crate::fx::FxMap;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::builtins::Builtin;
use crate::catalog::{self, Requirement};
use crate::error::{LoadError, LoadErrorKind, ParseError, RuntimeError, Warning};
use crate::expr::{Expr, ExprKind};
use crate::host::{Connection, Host};
use crate::interp::{Borrowed, Exc, Frame, Interp, PortTests, ProcDef, RtErr, RuleSrc, State, Var};
use crate::outcome::Evaluation;
use crate::parse::{Op, PErr, Part, Script, WordKind, parse_script};
use crate::shared::SharedWrites;
use crate::span::Span;
use crate::value::{Text, Value};

/// Engine settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// BIG-IP v9/v10 behaviour: `$::name` reads data group `name` as a list and the class
    /// commands accept such a list. Off (v11+): `$::name` is a run-time error that resets
    /// the connection.
    pub v10_globals: bool,
    /// The most evaluation steps one event may take (commands, loop rounds, expression
    /// nodes, plus one step per 64 bytes a command reads or builds and one per list
    /// element parsed); beyond it the event fails.
    pub step_budget: u64,
    /// The deepest nesting of script evaluations (bodies, `[...]`, proc calls).
    pub max_depth: u32,
    /// The longest string or list a rule may build, in bytes; also the most bytes the
    /// `log` lines of one event may hold together.
    pub max_value_len: usize,
    /// Which values run-time inputs (`clock`, `rand()`, `table`, `active_members`, ...)
    /// take: 0 is the documented sample (the clock at 2026-01-01, an empty table, every
    /// member up); others draw different values, the way a test checks that a result
    /// labelled proved does not depend on them.
    pub free_draw: u32,
    /// The profiles of the virtual server besides its tcp profile, by BIG-IP's type name
    /// (`http`, `fasthttp`, `client-ssl`, `server-ssl`, `dns`, `stream`, ...). Empty: a
    /// plain TCP virtual. A rule using a command or event that needs a profile missing
    /// here is refused at load, as BIG-IP refuses it.
    pub profiles: BTreeSet<String>,
    /// The modules provisioned or licensed on the system (`ilx`, `asm`, `apm`, `afm`,
    /// `pem`, `ip-intelligence`, `bwc`, ...; see [`crate::catalog`]). Empty: none but LTM.
    pub modules: BTreeSet<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            v10_globals: false,
            step_budget: 1_000_000,
            max_depth: 100,
            max_value_len: 1 << 20,
            free_draw: 0,
            profiles: BTreeSet::new(),
            modules: BTreeSet::new(),
        }
    }
}

/// One `when` block.
#[derive(Debug)]
pub struct Handler {
    /// The event name (`CLIENT_ACCEPTED`).
    pub event: Arc<str>,
    /// The priority (0 to 1000, default 500; lower runs first).
    pub priority: u32,
    /// The whole `when` command.
    pub span: Span,
    /// The event's name as written.
    pub event_span: Span,
    body: Script,
}

/// A parsed iRule.
#[derive(Debug)]
pub struct Rule {
    src: Arc<RuleSrc>,
    handlers: Vec<Handler>,
    procs: Vec<Arc<ProcDef>>,
    warnings: Vec<Warning>,
}

impl Rule {
    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.src.name
    }

    /// The rule's text.
    pub fn text(&self) -> &str {
        &self.src.text
    }

    /// The `when` blocks, in text order.
    pub fn handlers(&self) -> &[Handler] {
        &self.handlers
    }

    /// What the rule does that plain Tcl refuses but it loads with all the same (`}else`
    /// without a blank), in text order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The names of the procs the rule defines.
    pub fn procs(&self) -> impl Iterator<Item = &str> {
        self.procs.iter().map(|p| p.name.as_ref())
    }

    /// The line and column of a byte offset in the rule text.
    pub fn locate(&self, offset: usize) -> crate::span::Location {
        self.src.lines.locate(&self.src.text, offset)
    }
}

fn parse_error(src: &RuleSrc, e: PErr) -> ParseError {
    ParseError {
        rule: src.name.clone(),
        at: src.locate_in_file(e.span.start),
        message: e.message,
        span: e.span,
        hint: e.hint,
        related: e.related,
        src: src.source(),
    }
}

/// Parses one iRule: `when EVENT [priority N] { ... }` blocks, top-level `proc`s and a
/// top-level `priority N` default. Every body written in braces is compiled now, so a
/// syntax error anywhere in the rule is reported here, with its line and column.
pub fn parse(name: &str, text: &str) -> Result<Rule, ParseError> {
    parse_src(RuleSrc::new(name, text))
}

/// As [`parse`], for a rule whose text begins at `placed` in a file the user wrote (the
/// body of an `ltm rule` in bigip.conf): parse and load errors name that file's line and
/// column. Run-time errors and origins stay in the rule's own lines, as reports cite them.
pub fn parse_placed(
    name: &str,
    text: &str,
    placed: crate::error::Placed,
) -> Result<Rule, ParseError> {
    let mut src = RuleSrc::new(name, text);
    src.placed = Some(placed);
    parse_src(src)
}

fn parse_src(src: RuleSrc) -> Result<Rule, ParseError> {
    let src = Arc::new(src);
    let text: &str = &src.text.clone();
    let sink = crate::parse::WarnSink::default();
    let script = parse_script(text, Some(sink.clone())).map_err(|e| parse_error(&src, e))?;
    let mut handlers = Vec::new();
    let mut procs = Vec::new();
    let mut default_priority = 500;
    let fail = |span: Span, message: String, hint: &str| {
        parse_error(
            &src,
            PErr {
                span,
                message,
                hint: Some(hint.to_string()),
                related: None,
            },
        )
    };
    for cmd in script.cmds {
        let head = cmd.words[0].literal().map(|s| s.to_string());
        match head.as_deref() {
            Some("when") => {
                let lits: Vec<Option<&str>> = cmd
                    .words
                    .iter()
                    .map(|w| w.literal().map(|s| s.as_ref()))
                    .collect();
                let mut priority = default_priority;
                let mut i = 2;
                while i + 1 < cmd.words.len() {
                    match lits[i] {
                        Some("priority") => {
                            let p = lits[i + 1].and_then(|p| p.parse::<u32>().ok());
                            match p {
                                Some(p) if p <= 1000 => priority = p,
                                _ => {
                                    return Err(fail(
                                        cmd.words[i + 1].span,
                                        "bad priority".into(),
                                        "a priority is a whole number from 0 to 1000",
                                    ));
                                }
                            }
                            i += 2;
                        }
                        Some("timing") => i += 2,
                        _ => break,
                    }
                }
                let (Some(Some(event)), true) = (lits.get(1), i + 1 == cmd.words.len()) else {
                    return Err(fail(
                        cmd.span,
                        "malformed `when`".into(),
                        "write `when EVENT_NAME ?priority N? { body }`",
                    ));
                };
                let body_word = &cmd.words[i];
                let WordKind::Lit(_, Some(inner)) = &body_word.kind else {
                    return Err(fail(
                        body_word.span,
                        "the body of `when` must be in braces".into(),
                        "write `when EVENT_NAME { body }`",
                    ));
                };
                let mut p = crate::parse::Parser::new(text, inner.start, inner.end, 1)
                    .irule_mode(Some(sink.clone()));
                let body = p.script(false).map_err(|e| parse_error(&src, e))?;
                handlers.push(Handler {
                    event: Arc::from(*event),
                    priority,
                    span: cmd.span,
                    event_span: cmd.words[1].span,
                    body,
                });
            }
            Some("proc") => {
                let Op::Proc(body) = &cmd.op else {
                    return Err(fail(
                        cmd.span,
                        "malformed `proc`".into(),
                        "write `proc name {args} { body }` with the body in braces",
                    ));
                };
                let (Some(pname), Some(params)) = (cmd.words[1].literal(), cmd.words[2].literal())
                else {
                    return Err(fail(
                        cmd.span,
                        "malformed `proc`".into(),
                        "the proc's name and arguments must be literal",
                    ));
                };
                let def = make_proc(Some(&src), pname, params, body.clone()).map_err(|m| {
                    fail(
                        cmd.words[2].span,
                        m,
                        "arguments are `name` or `{name default}`",
                    )
                })?;
                procs.push(Arc::new(def));
            }
            // `timing on|off` outside any event sets the default for the rule's events: it
            // only switches BIG-IP's profiling, so it loads and does nothing here.
            Some("timing") => {
                let ok = cmd.words.len() == 2
                    && cmd.words[1]
                        .literal()
                        .is_some_and(|v| matches!(v.as_ref(), "on" | "off" | "enable" | "disable"));
                if !ok {
                    return Err(fail(
                        cmd.span,
                        "malformed `timing`".into(),
                        "write `timing on` or `timing off`",
                    ));
                }
            }
            Some("priority") => {
                let p = cmd
                    .words
                    .get(1)
                    .and_then(|w| w.literal())
                    .and_then(|p| p.parse::<u32>().ok());
                match p {
                    Some(p) if p <= 1000 && cmd.words.len() == 2 => default_priority = p,
                    _ => {
                        return Err(fail(
                            cmd.span,
                            "bad priority".into(),
                            "a priority is a whole number from 0 to 1000",
                        ));
                    }
                }
            }
            _ => {
                return Err(fail(
                    cmd.words[0].span,
                    format!(
                        "`{}` cannot stand at the top level of an iRule",
                        head.as_deref().unwrap_or("(substituted word)")
                    ),
                    "only `when EVENT { ... }`, `proc`, `priority N` and `timing on|off` may stand outside an event; is a closing brace misplaced above?",
                ));
            }
        }
    }
    let warnings = sink
        .take()
        .into_iter()
        .map(|w| Warning {
            rule: src.name.clone(),
            at: src.locate_in_file(w.span.start),
            kind: w.kind,
            span: w.span,
        })
        .collect();
    Ok(Rule {
        src,
        handlers,
        procs,
        warnings,
    })
}

pub(crate) fn make_proc(
    src: Option<&Arc<RuleSrc>>,
    name: &str,
    params: &str,
    body: Arc<Script>,
) -> Result<ProcDef, String> {
    let list = crate::value::parse_list(params)?;
    let mut out: Vec<(Arc<str>, Option<Arc<str>>)> = Vec::new();
    for p in &list {
        let parts = crate::value::parse_list(p)?;
        match parts.as_slice() {
            [n] => out.push((Arc::from(n.as_str()), None)),
            [n, d] => out.push((Arc::from(n.as_str()), Some(Arc::from(d.as_str())))),
            _ => return Err(format!("procedure \"{name}\" has argument with no name")),
        }
    }
    let variadic = out.last().is_some_and(|(n, _)| n.as_ref() == "args");
    Ok(ProcDef {
        name: Arc::from(name),
        params: out,
        variadic,
        body,
        src: src.cloned(),
    })
}

/// Events that fire on a plain TCP virtual server: those [`crate::catalog`] lists as
/// needing nothing (a test keeps the two in step).
pub const TCP_EVENTS: &[&str] = &[
    "RULE_INIT",
    "FLOW_INIT",
    "CLIENT_ACCEPTED",
    "CLIENT_DATA",
    "CLIENT_CLOSED",
    "LB_SELECTED",
    "LB_FAILED",
    "LB_QUEUED",
    "SA_PICKED",
    "SERVER_INIT",
    "SERVER_CONNECTED",
    "SERVER_DATA",
    "SERVER_CLOSED",
    "PERSIST_DOWN",
    "NAME_RESOLVED",
    "USER_REQUEST",
    "USER_RESPONSE",
    "PING_REQUEST_READY",
    "PING_RESPONSE_READY",
];

/// Values set in RULE_INIT: `static::` variables and globals.
#[derive(Debug, Clone, Default)]
pub struct Statics {
    pub(crate) vars: FxMap<Box<str>, Box<str>>,
    globals: FxMap<Box<str>, Stored>,
    /// Statics and globals whose value came from a run-time input (`clock`, `rand()`,
    /// ...) read in RULE_INIT: a connection reading them reads a free input, not a
    /// constant of the configuration.
    pub(crate) free_vars: std::collections::HashSet<Box<str>>,
    free_globals: std::collections::HashSet<Box<str>>,
    /// The run-time inputs RULE_INIT read, to name them where a decision depends on one.
    pub(crate) free_inputs: Vec<crate::outcome::FreeInput>,
}

/// A global as RULE_INIT left it.
#[derive(Debug, Clone)]
enum Stored {
    Scalar(Box<str>),
    Array(Vec<(Box<str>, Box<str>)>),
}

impl Statics {
    /// A `static::` variable's value (name without the `static::` prefix).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| &**v)
    }
}

/// The rules attached to one virtual server, in attachment order.
#[derive(Debug)]
pub struct Program {
    rules: Vec<Rule>,
    settings: Settings,
    procs: FxMap<Arc<str>, Arc<ProcDef>>,
    order: FxMap<Arc<str>, Vec<(usize, usize)>>,
    shared: SharedWrites,
    port_tests: PortTests,
    text_sets: crate::addrtext::TextSets,
}

impl Program {
    /// Attaches rules to a virtual server with the profiles and modules of `settings` (by
    /// default a plain TCP virtual). Fails, naming command, event, line and the reason
    /// BIG-IP gives, where BIG-IP refuses the rule: an event or command that needs a
    /// profile or module the virtual lacks (`HTTP::uri` without an http profile), a Tcl
    /// command F5 disables (`exec`) or that Tcl 8.4 lacks (`dict`), or a name that is no
    /// command at all (with the nearest one). A command BIG-IP runs there but relaylab
    /// does not model loads; running it is a gap in the model, reported at run time.
    pub fn new(rules: Vec<Rule>, settings: Settings) -> Result<Program, LoadError> {
        let mut procs: FxMap<Arc<str>, Arc<ProcDef>> = FxMap::default();
        for r in &rules {
            let mut seen = std::collections::HashSet::new();
            for p in &r.procs {
                if !seen.insert(p.name.clone()) {
                    let span = Span::default();
                    return Err(load_error(
                        &r.src,
                        LoadErrorKind::DuplicateProc {
                            name: p.name.to_string(),
                        },
                        span,
                    ));
                }
                procs.insert(Arc::from(format!("{}::{}", r.src.name, p.name)), p.clone());
                procs.entry(p.name.clone()).or_insert_with(|| p.clone());
            }
        }
        for r in &rules {
            for h in &r.handlers {
                check_event(&r.src, h, &settings)?;
                let cx = Check {
                    src: &r.src,
                    event: &h.event,
                    procs: &procs,
                    settings: &settings,
                };
                cx.script(&h.body)?;
            }
            for p in &r.procs {
                let event = format!("proc {}", p.name);
                let cx = Check {
                    src: &r.src,
                    event: &event,
                    procs: &procs,
                    settings: &settings,
                };
                cx.script(&p.body)?;
            }
        }
        let mut shared = SharedWrites::default();
        for r in &rules {
            for h in r.handlers.iter().filter(|h| &*h.event != "RULE_INIT") {
                shared.scan(&r.src, &h.body);
            }
            for p in &r.procs {
                shared.scan(&r.src, &p.body);
            }
        }
        let mut order: FxMap<Arc<str>, Vec<(u32, usize, usize)>> = FxMap::default();
        for (ri, r) in rules.iter().enumerate() {
            for (hi, h) in r.handlers.iter().enumerate() {
                order
                    .entry(h.event.clone())
                    .or_default()
                    .push((h.priority, ri, hi));
            }
        }
        let order = order
            .into_iter()
            .map(|(e, mut v)| {
                v.sort();
                (e, v.into_iter().map(|(_, r, h)| (r, h)).collect())
            })
            .collect();
        Ok(Program {
            rules,
            settings,
            procs,
            order,
            shared,
            port_tests: PortTests::default(),
            text_sets: Default::default(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether any rule handles the event.
    pub fn handles(&self, event: &str) -> bool {
        self.order.contains_key(event)
    }

    /// Runs every RULE_INIT handler, as BIG-IP does when the rules load, and returns the
    /// `static::` variables and globals they set.
    pub fn init(&self, host: &dyn Host) -> Result<Statics, RuntimeError> {
        let empty = Statics::default();
        let mut s = Session {
            program: self,
            host,
            statics: &empty,
            conn: None,
            state: State::default(),
        };
        let ev = s.fire("RULE_INIT");
        if let Some(e) = ev.error {
            return Err(e);
        }
        let rare = s.state.rare_mut();
        let vars = rare
            .statics
            .iter()
            .map(|(k, v)| (Box::from(k.as_str()), Box::from(v.as_str())))
            .collect();
        let free_vars = rare
            .statics
            .iter()
            .filter(|(_, v)| v.taint() == crate::value::Taint::Free)
            .map(|(k, _)| Box::from(k.as_str()))
            .collect();
        let free_globals = rare
            .globals
            .iter()
            .filter(|(_, v)| match v {
                Var::Scalar(v) => v.taint() == crate::value::Taint::Free,
                Var::Array(a) => a
                    .iter()
                    .any(|(_, v)| v.taint() == crate::value::Taint::Free),
                Var::Global | Var::Link(..) => false,
            })
            .map(|(k, _)| Box::from(k.as_str()))
            .collect();
        let globals = rare
            .globals
            .iter()
            .filter_map(|(k, v)| {
                let stored = match v {
                    Var::Scalar(v) => Stored::Scalar(Box::from(v.as_str())),
                    Var::Array(a) => Stored::Array(
                        a.iter()
                            .map(|(k, v)| (Box::from(k.as_str()), Box::from(v.as_str())))
                            .collect(),
                    ),
                    Var::Global | Var::Link(..) => return None,
                };
                Some((Box::from(k.as_str()), stored))
            })
            .collect();
        Ok(Statics {
            vars,
            globals,
            free_vars,
            free_globals,
            free_inputs: ev.free_inputs,
        })
    }

    /// Starts a connection: variables set in one event stay visible in the next.
    pub fn connect<'a>(
        &'a self,
        host: &'a dyn Host,
        statics: &'a Statics,
        conn: Connection,
    ) -> Session<'a> {
        let mut session = Session {
            program: self,
            host,
            statics,
            conn: None,
            state: State::default(),
        };
        session.reset(conn);
        session
    }

    /// Runs one event for a fresh connection.
    pub fn evaluate(
        &self,
        host: &dyn Host,
        statics: &Statics,
        conn: Connection,
        event: &str,
    ) -> Evaluation {
        self.connect(host, statics, conn).fire(event)
    }
}

/// The globals RULE_INIT left, as a connection starts with them.
fn seed_globals<'s>(statics: &'s Statics) -> Frame<'s> {
    statics
        .globals
        .iter()
        .map(|(k, v)| {
            let free = statics.free_globals.contains(&**k);
            let seed = |v: &'s str| -> Value<'s> {
                if free {
                    Value::tainted(v, crate::value::Taint::Free)
                } else {
                    Value::lit(v)
                }
            };
            let var = match v {
                Stored::Scalar(v) => Var::Scalar(seed(v)),
                Stored::Array(a) => {
                    Var::Array(a.iter().map(|(k, v)| (Text::Lit(k), seed(v))).collect())
                }
            };
            (Text::Lit(k), var)
        })
        .collect()
}

fn load_error(src: &RuleSrc, kind: LoadErrorKind, span: Span) -> LoadError {
    LoadError {
        rule: src.name.clone(),
        at: src.locate_in_file(span.start),
        kind,
        span,
        src: src.source(),
    }
}

/// Whether an event fires on the virtual `settings` describes.
fn check_event(src: &RuleSrc, h: &Handler, settings: &Settings) -> Result<(), LoadError> {
    if TCP_EVENTS.contains(&h.event.as_ref()) {
        return Ok(());
    }
    let line = src.locate_in_file(h.event_span.start).line;
    let event = h.event.to_string();
    let kind = match catalog::event(&h.event).map(|e| e.needs) {
        Some(Requirement::Profile(p)) => {
            if has_profile(settings, p) {
                return Ok(());
            }
            LoadErrorKind::EventNeedsProfile {
                event,
                profile: p.to_string(),
                line,
            }
        }
        Some(Requirement::Module(m)) => {
            if settings.modules.contains(m) {
                return Ok(());
            }
            LoadErrorKind::EventNeedsModule {
                event,
                module: m.to_string(),
                line,
            }
        }
        // An event the catalogue lists as firing anywhere fires here too.
        Some(_) => return Ok(()),
        None => LoadErrorKind::UnknownEvent {
            did_you_mean: catalog::closest(&event, catalog::event_names()),
            event,
            line,
        },
    };
    Err(load_error(src, kind, h.event_span))
}

/// Whether the virtual has one of the `|`-separated profiles (a tcp profile it always
/// has).
fn has_profile(settings: &Settings, alternatives: &str) -> bool {
    alternatives
        .split('|')
        .any(|p| p == "tcp" || settings.profiles.contains(p))
}

/// The load-time check of one handler or proc body.
struct Check<'c> {
    src: &'c RuleSrc,
    event: &'c str,
    procs: &'c FxMap<Arc<str>, Arc<ProcDef>>,
    settings: &'c Settings,
}

impl Check<'_> {
    /// Why BIG-IP would refuse the command named `name`, if it would.
    fn refusal(&self, name: &str, line: usize) -> Option<LoadErrorKind> {
        let known = Builtin::lookup(name).is_some()
            || self.procs.contains_key(name)
            || self
                .procs
                .contains_key(format!("{}::{name}", self.src.name).as_str());
        if known {
            return None;
        }
        let command = name.to_string();
        let event = self.event.to_string();
        Some(match catalog::command(name).map(|c| c.needs) {
            // BIG-IP runs it on this virtual; whether relaylab models it is a run-time
            // matter (an unmodelled command is a gap in the model, not the rule's fault).
            Some(Requirement::Any) => return None,
            Some(Requirement::Profile(p)) => {
                if has_profile(self.settings, p) {
                    return None;
                }
                LoadErrorKind::NeedsProfile {
                    command,
                    profile: p.to_string(),
                    event,
                    line,
                }
            }
            Some(Requirement::Module(m)) => {
                if self.settings.modules.contains(m) {
                    return None;
                }
                LoadErrorKind::NeedsModule {
                    command,
                    module: m.to_string(),
                    event,
                    line,
                }
            }
            Some(Requirement::Disabled) => LoadErrorKind::DisabledCommand {
                command,
                event,
                line,
            },
            Some(Requirement::LaterTcl(v)) => LoadErrorKind::LaterTclCommand {
                command,
                version: v.to_string(),
                event,
                line,
            },
            None => {
                let mut known: Vec<&str> = catalog::command_names()
                    .chain(crate::builtins::Builtin::names())
                    .collect();
                known.extend(self.procs.keys().map(|k| k.as_ref()));
                let did_you_mean = catalog::closest(name, known.into_iter());
                LoadErrorKind::UnknownCommand {
                    name: command,
                    did_you_mean,
                    event,
                    line,
                }
            }
        })
    }

    fn script(&self, s: &Script) -> Result<(), LoadError> {
        for cmd in &s.cmds {
            if let Some(name) = cmd.words[0].literal() {
                let line = self.src.locate_in_file(cmd.span.start).line;
                if let Some(kind) = self.refusal(name, line) {
                    return Err(load_error(self.src, kind, cmd.words[0].span));
                }
            }
            for w in &cmd.words {
                if let WordKind::Parts(parts) = &w.kind {
                    self.parts(parts)?;
                }
            }
            match &cmd.op {
                Op::Call => {}
                Op::If(branches, els) => {
                    for (c, b) in branches {
                        self.expr(c)?;
                        self.script(b)?;
                    }
                    if let Some(e) = els {
                        self.script(e)?;
                    }
                }
                Op::While(c, b) => {
                    self.expr(c)?;
                    self.script(b)?;
                }
                Op::For(i, c, n, b) => {
                    self.script(i)?;
                    self.expr(c)?;
                    self.script(n)?;
                    self.script(b)?;
                }
                Op::Foreach(b) | Op::Catch(b) => self.script(b)?,
                Op::Expr(e) => self.expr(e)?,
                Op::Switch(arms) => {
                    for b in arms.iter().filter_map(|(_, b)| b.as_ref()) {
                        self.script(b)?;
                    }
                }
                Op::Proc(b) => self.script(b)?,
            }
        }
        Ok(())
    }

    fn parts(&self, parts: &[Part]) -> Result<(), LoadError> {
        for p in parts {
            match p {
                Part::Cmd(s) => self.script(s)?,
                Part::Var(v) => {
                    if let Some(ix) = &v.index {
                        self.parts(ix)?;
                    }
                }
                Part::Lit(_) => {}
            }
        }
        Ok(())
    }

    fn expr(&self, e: &Expr) -> Result<(), LoadError> {
        match &e.kind {
            ExprKind::Cmd(s) => self.script(s),
            ExprKind::Quoted(parts) => self.parts(parts),
            ExprKind::Unary(_, a) => self.expr(a),
            ExprKind::Binary(_, a, b) => {
                self.expr(a)?;
                self.expr(b)
            }
            ExprKind::Ternary(a, b, c) => {
                self.expr(a)?;
                self.expr(b)?;
                self.expr(c)
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(a)?;
                }
                Ok(())
            }
            ExprKind::Num(..) | ExprKind::Str(_) | ExprKind::Var(_) => Ok(()),
        }
    }
}

/// One connection through the virtual server.
pub struct Session<'a> {
    program: &'a Program,
    host: &'a dyn Host,
    statics: &'a Statics,
    conn: Option<Connection>,
    state: State<'a>,
}

impl<'a> Session<'a> {
    /// Starts the next connection on this session: variables, disabled events and
    /// per-connection state are cleared as for a new one, while allocations and the
    /// caches of text compiled at run time are kept. A prover or load generator
    /// evaluating many connections in a row should reuse one session this way.
    pub fn reset(&mut self, conn: Connection) {
        self.conn = Some(conn);
        self.state.reset_connection();
        if !self.statics.globals.is_empty() {
            self.state.rare_mut().globals = seed_globals(self.statics);
        }
    }

    /// Runs every handler of `event`, in priority order, across all rules. A `return`
    /// ends one handler; a run-time error ends them all and resets the connection.
    pub fn fire(&mut self, event: &str) -> Evaluation {
        let mut ev = Evaluation::default();
        self.fire_into(event, &mut ev);
        ev
    }

    /// [`Session::fire`] into an evaluation the caller keeps, whose buffers are reused:
    /// the way to evaluate many connections without allocating for each result.
    pub fn fire_into(&mut self, event: &str, ev: &mut Evaluation) {
        let program: &'a Program = self.program;
        ev.event.clear();
        ev.event.push_str(event);
        ev.decisions.clear();
        ev.logs.clear();
        ev.escapes.clear();
        ev.observed.clear();
        ev.observed_ports.clear();
        ev.free_inputs.clear();
        ev.error = None;
        ev.steps = 0;
        let Some((event, order)) = program.order.get_key_value(event) else {
            return;
        };
        let event: &'a str = event;
        let Some(&(first_rule, _)) = order.first() else {
            return;
        };
        let statics: &'a Statics = self.statics;
        let mut interp = Interp {
            host: self.host,
            settings: &program.settings,
            conn: self.conn,
            program_procs: &program.procs,
            shared: &program.shared,
            port_tests: &program.port_tests,
            text_sets: &program.text_sets,
            base_statics: Some(statics),
            st: &mut self.state,
            src: &program.rules[first_rule].src,
            event,
            out: ev,
            log_bytes: 0,
            steps: 0,
            depth: 0,
            expr_depth: 0,
            tcl_mode: false,
        };
        let mut failure: Option<Box<RtErr>> = None;
        for &(ri, hi) in order {
            let rule = &program.rules[ri];
            if interp.st.disabled_all
                || interp.st.rare().is_some_and(|r| {
                    !r.disabled.is_empty()
                        && r.disabled
                            .contains(&(rule.src.name.clone(), Arc::from(event)))
                })
            {
                continue;
            }
            interp.src = &rule.src;
            let h = &rule.handlers[hi];
            let r = interp.eval_script(&h.body, Borrowed);
            match r {
                Ok(_) | Err(Exc::Return(_)) => {}
                Err(Exc::Break) | Err(Exc::Continue) => {
                    let which = if matches!(r, Err(Exc::Break)) {
                        "break"
                    } else {
                        "continue"
                    };
                    failure = Some(Box::new(RtErr {
                        kind: crate::error::RuntimeErrorKind::OutsideLoop(which),
                        span: h.span,
                        at: rule.src.lines.locate(&rule.src.text, h.span.start),
                        source: rule.src.source(),
                    }));
                    break;
                }
                Err(Exc::Err(e)) => {
                    // An error after the rule read a run-time input may come from the
                    // sample the engine chose, not from the rule: a sample, not a proof.
                    if !e.kind.is_model_gap() && !interp.out.free_inputs.is_empty() {
                        let what = format!(
                            "an error that may follow from {}",
                            interp.derived_from(crate::value::Taint::Free)
                        );
                        interp.escape(&what, e.span);
                    }
                    failure = Some(e);
                    break;
                }
            }
        }
        interp.out.steps = interp.steps;
        interp.out.error = failure.map(|e| runtime_error(*e, event));
    }
}

pub(crate) fn runtime_error(e: RtErr, event: &str) -> RuntimeError {
    RuntimeError {
        rule: e.source.name.clone(),
        event: Arc::from(event),
        at: e.at,
        kind: e.kind,
        span: e.span,
        src: e.source,
    }
}

/// What a plain Tcl script printed and how it ended.
#[derive(Debug, Clone)]
pub struct TclRun {
    /// Everything `puts` wrote.
    pub output: String,
    /// The script's result, or its error.
    pub result: Result<String, crate::Error>,
}

/// Runs a plain Tcl script (no `when`, no F5 commands, `puts` to a buffer). This is the
/// pure-Tcl subset the differential tests compare with `tclsh`.
pub fn run_tcl(script: &str, settings: &Settings) -> TclRun {
    let src = Arc::new(RuleSrc::new("(tcl)", script));
    let parsed = match parse_script(script, None) {
        Ok(s) => s,
        Err(e) => {
            return TclRun {
                output: String::new(),
                result: Err(parse_error(&src, e).into()),
            };
        }
    };
    let procs = FxMap::default();
    let shared = SharedWrites::default();
    let port_tests = PortTests::default();
    let text_sets = crate::addrtext::TextSets::default();
    let host = crate::host::StaticHost::new();
    let event = "(tcl)";
    let mut state = State::default();
    let mut collected = Evaluation::default();
    let mut interp = Interp {
        host: &host,
        settings,
        conn: None,
        program_procs: &procs,
        shared: &shared,
        port_tests: &port_tests,
        text_sets: &text_sets,
        base_statics: None,
        st: &mut state,
        src: &src,
        event,
        out: &mut collected,
        log_bytes: 0,
        steps: 0,
        depth: 0,
        expr_depth: 0,
        tcl_mode: true,
    };
    let r = interp.eval_script(&parsed, Borrowed);
    let result = match r {
        Ok(v) | Err(Exc::Return(v)) => Ok(v.as_str().to_string()),
        Err(Exc::Break) => Err(runtime_error(
            RtErr {
                kind: crate::error::RuntimeErrorKind::OutsideLoop("break"),
                span: Span::default(),
                at: crate::span::Location { line: 1, col: 1 },
                source: src.source(),
            },
            event,
        )
        .into()),
        Err(Exc::Continue) => Err(runtime_error(
            RtErr {
                kind: crate::error::RuntimeErrorKind::OutsideLoop("continue"),
                span: Span::default(),
                at: crate::span::Location { line: 1, col: 1 },
                source: src.source(),
            },
            event,
        )
        .into()),
        Err(Exc::Err(e)) => Err(runtime_error(*e, event).into()),
    };
    TclRun {
        output: std::mem::take(&mut state.rare_mut().output),
        result,
    }
}
