//! The interpreter core: words, variables, commands, control flow and `expr`.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use crate::addrtext::TextTest;
use crate::fx::{FxMap, FxSet};

use addrspace::{Addr, AddrSet, PortSet};

use crate::builtins::Builtin;
use crate::error::{RuntimeErrorKind, Source};
use crate::expr::{BinOp, Expr, ExprKind, MAX_EXPR_DEPTH, UnOp};
use crate::host::{Connection, Host};
use crate::outcome::{Answer, Escape, FreeInput, Observed, ObservedBy, Origin, PortObserved};
use crate::parse::{Cmd, Op, Part, Script, VarRef, Word, WordKind, parse_dynamic};
use crate::program::Settings;
use crate::span::{LineIndex, Location, Span};
use crate::value::{
    Num, Taint, Text, Value, format_float, format_list, glob_match, parse_bool, parse_list,
    parse_num,
};

/// The bytes one evaluation step pays for when a command reads or builds a value: about
/// the cost of a command on short values, so a step measures time whatever the data.
pub(crate) const BYTES_PER_STEP: usize = 64;

/// A rule's identity and text, shared by everything that points into it.
#[derive(Debug)]
pub(crate) struct RuleSrc {
    pub name: Arc<str>,
    pub text: Arc<str>,
    pub lines: LineIndex,
    /// The partition bare names resolve to first (`Common` for `/Common/rule`).
    pub partition: String,
    /// Where the text stands in the user's file, for parse and load errors.
    pub placed: Option<crate::error::Placed>,
}

impl RuleSrc {
    pub(crate) fn new(name: &str, text: &str) -> RuleSrc {
        let partition = name
            .strip_prefix('/')
            .and_then(|n| n.split_once('/'))
            .map(|(p, _)| p.to_string())
            .unwrap_or_else(|| "Common".to_string());
        RuleSrc {
            name: Arc::from(name),
            text: Arc::from(text),
            lines: LineIndex::new(text),
            partition,
            placed: None,
        }
    }

    pub(crate) fn source(&self) -> Source {
        Source {
            name: self.name.clone(),
            text: self.text.clone(),
            placed: self.placed.clone(),
        }
    }

    /// The line and column of an offset in the user's file (the rule's own when the rule
    /// was not read from a file).
    pub(crate) fn locate_in_file(&self, offset: usize) -> Location {
        let at = self.lines.locate(&self.text, offset);
        self.placed.as_ref().map_or(at, |p| p.shift(at))
    }
}

/// A proc: parameters (with defaults), whether the last is `args`, and its body.
#[derive(Debug)]
pub(crate) struct ProcDef {
    pub name: Arc<str>,
    pub params: Vec<(Arc<str>, Option<Arc<str>>)>,
    pub variadic: bool,
    pub body: Arc<Script>,
    /// The rule that defines it; run-time procs run in their caller's rule.
    pub src: Option<Arc<RuleSrc>>,
}

/// A proc to call: one of the program's (its text lives as long as the evaluation) or
/// one defined while running.
#[derive(Clone)]
pub(crate) enum ProcRef<'a> {
    Program(&'a ProcDef),
    Runtime(Rc<ProcDef>),
}

/// An error on its way up, with the rule text it points into.
#[derive(Debug)]
pub(crate) struct RtErr {
    pub kind: RuntimeErrorKind,
    pub span: Span,
    pub at: Location,
    pub source: Source,
}

/// Non-local exits: errors and Tcl's return codes.
#[derive(Debug)]
pub(crate) enum Exc<'a> {
    Err(Box<RtErr>),
    Break,
    Continue,
    Return(Value<'a>),
}

pub(crate) type R<'a, T> = Result<T, Exc<'a>>;

#[derive(Debug, Clone)]
pub(crate) enum Var<'a> {
    Scalar(Value<'a>),
    Array(FxMap<Text<'a>, Value<'a>>),
    /// `global name` inside a proc.
    Global,
    /// `upvar`: the variable of another frame (None: the globals) under its own name.
    Link(Option<usize>, Box<str>),
}

pub(crate) type Frame<'a> = crate::frame::VarMap<'a>;

/// The ports for which a comparison with the client port holds, by operator, clean operand
/// and side. Asking all 65,535 ports costs a few milliseconds, so the answer is kept by the
/// program and shared by every session: the live balancer starts one per connection.
/// Bounded, since an operand may be computed at run time.
#[derive(Debug, Default)]
pub(crate) struct PortTests(std::sync::Mutex<FxMap<PortTestKey, Arc<PortSet>>>);

type PortTestKey = (BinOp, Box<str>, bool);

impl PortTests {
    const MAX: usize = 4096;

    pub(crate) fn get(&self, key: &PortTestKey) -> Option<Arc<PortSet>> {
        self.0.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn insert(&self, key: PortTestKey, set: Arc<PortSet>) {
        if let Ok(mut m) = self.0.lock()
            && m.len() < Self::MAX
        {
            m.insert(key, set);
        }
    }
}

/// An `IP::addr` operand's text and the block it names.
pub(crate) type IpBlock = (Arc<str>, Arc<[AddrSet]>);

/// Everything that outlives one event on one connection. What every connection uses is
/// inline; the rest waits in [`Rare`] until a rule first needs it, so starting and ending
/// a connection moves and drops a few hundred bytes, not a dozen maps.
#[derive(Debug, Default)]
pub(crate) struct State<'a> {
    /// The event body's frame, then one per proc call: inline, so a connection starts
    /// without allocating.
    pub frames: smallvec::SmallVec<[Frame<'a>; 1]>,
    pub disabled_all: bool,
    /// Data groups by the name a rule wrote (rules in /Common only): the host and its
    /// groups do not change during a session, so resolution is done once. A rule names
    /// few groups, so the first few are kept inline and scanned.
    pub group_cache: std::cell::RefCell<smallvec::SmallVec<[GroupSeen<'a>; 2]>>,
    /// `IP::client_addr`'s text, rendered once per connection.
    pub client: Option<Value<'a>>,
    rare: Option<Box<Rare<'a>>>,
}

/// A data-group name as a rule wrote it, and the group it resolved to.
pub(crate) type GroupSeen<'a> = (Text<'a>, Option<&'a crate::datagroup::IndexedDataGroup>);

/// The state few connections touch: globals, statics set at run time, caches of text
/// compiled at run time, procs defined at run time, disabled events, output.
#[derive(Debug, Default)]
pub(crate) struct Rare<'a> {
    pub globals: Frame<'a>,
    pub statics: FxMap<Text<'a>, Value<'a>>,
    pub cache: FxMap<Box<str>, Rc<Script>>,
    pub expr_cache: FxMap<Box<str>, Rc<Expr>>,
    pub regex_cache: FxMap<String, regex::Regex>,
    pub procs: FxMap<Box<str>, Rc<ProcDef>>,
    pub disabled: FxSet<(Arc<str>, Arc<str>)>,
    pub output: String,
    /// The block an `IP::addr` operand names, with its text, by (address, prefix): a
    /// rule's literals are met again on every connection, and a prover evaluates a chain
    /// of a thousand branches thousands of times.
    pub ip_blocks: FxMap<(Addr, u32), IpBlock>,
    /// The addresses whose text a data group's keys match, by (group and operator,
    /// view); None: too ragged to enumerate (see `textset.rs`). Kept by the session, as
    /// the host's groups are.
    pub key_sets: FxMap<(String, crate::textset::View), Option<MatchingSets>>,
}

impl<'a> State<'a> {
    /// The rare state, if any connection part has needed it.
    pub(crate) fn rare(&self) -> Option<&Rare<'a>> {
        self.rare.as_deref()
    }

    /// The rare state, made on first use.
    pub(crate) fn rare_mut(&mut self) -> &mut Rare<'a> {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Clears what belongs to the connection, keeping the caches of text compiled at run
    /// time and of answers about the host's data (the host does not change).
    pub(crate) fn reset_connection(&mut self) {
        self.frames.truncate(1);
        match self.frames.first_mut() {
            Some(f) => f.clear(),
            None => self.frames.push(Frame::default()),
        }
        self.disabled_all = false;
        self.client = None;
        if let Some(r) = self.rare.as_deref_mut() {
            r.globals.clear();
            r.statics.clear();
            r.procs.clear();
            r.disabled.clear();
            r.output.clear();
        }
    }
}

/// The address sets a text operation's answer cuts at, shared with the observations.
pub(crate) type MatchingSets = Arc<[AddrSet]>;

/// `text` as a glob that matches exactly it: the glob's special characters escaped.
fn glob_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) struct Interp<'st, 'a> {
    pub host: &'a dyn Host,
    pub settings: &'a Settings,
    pub conn: Option<Connection>,
    pub program_procs: &'a FxMap<Arc<str>, Arc<ProcDef>>,
    /// Shared variables a connection may set (see [`crate::shared`]).
    pub shared: &'a crate::shared::SharedWrites,
    /// Port comparisons already decided for every port, kept by the program.
    pub port_tests: &'a PortTests,
    /// Text tests already answered for every address, kept by the program.
    pub text_sets: &'a crate::addrtext::TextSets,
    pub base_statics: Option<&'a crate::program::Statics>,
    pub st: &'st mut State<'a>,
    pub src: &'a RuleSrc,
    pub event: &'a str,
    /// What the event collects, written straight into the caller's evaluation.
    pub out: &'st mut crate::outcome::Evaluation,
    /// The bytes of `out.logs`, held under the value cap: a loop that logs is bounded
    /// in memory, not only in steps.
    pub log_bytes: usize,
    pub steps: u64,
    pub depth: u32,
    /// Expression nodes being evaluated, across nested expressions.
    pub expr_depth: u32,
    /// Plain Tcl (the differential tests): `puts` works, F5 commands do not exist.
    pub tcl_mode: bool,
}

/// An `expr` operand: a number or a string, with its taint.
#[derive(Debug, Clone)]
pub(crate) enum Ev<'a> {
    /// A number written in the expression: its value, and its text for string operators
    /// (`01 eq 1` is false in Tcl, `01 == 1` true).
    Lit(Num, Value<'a>),
    Int(i64),
    Float(f64),
    Str(Value<'a>),
}

/// A compiled or run-time body.
pub(crate) enum Code<'s, 'a> {
    Compiled(&'s Script),
    Text(Value<'a>, Span),
}

/// A compiled or run-time condition.
pub(crate) enum Cond<'s, 'a> {
    Compiled(&'s Expr),
    Text(Value<'a>, Span),
}

/// How literals of a compiled script become values: borrowed when the script is the
/// program's (it outlives the evaluation), copied when it was compiled at run time.
pub(crate) trait Lits<'s, 'a>: Copy {
    fn lit(self, s: &'s Arc<str>) -> Value<'a>;
}

/// Literals of the program's own scripts.
#[derive(Clone, Copy)]
pub(crate) struct Borrowed;

impl<'a> Lits<'a, 'a> for Borrowed {
    fn lit(self, s: &'a Arc<str>) -> Value<'a> {
        Value::lit(s)
    }
}

/// Literals of scripts compiled at run time.
#[derive(Clone, Copy)]
pub(crate) struct Owned;

impl<'s, 'a> Lits<'s, 'a> for Owned {
    fn lit(self, s: &'s Arc<str>) -> Value<'a> {
        Value::new(&**s)
    }
}

fn key<'a>(s: &str) -> Text<'a> {
    Text::Made(Rc::from(s))
}

impl<'a> Interp<'_, 'a> {
    // ---- errors, steps, records -------------------------------------------------------

    pub(crate) fn fail<T>(&self, kind: RuntimeErrorKind, span: Span) -> R<'a, T> {
        Err(Exc::Err(Box::new(RtErr {
            kind,
            span,
            at: self.src.lines.locate(&self.src.text, span.start),
            source: self.src.source(),
        })))
    }

    pub(crate) fn wrong_args<T>(&self, usage: &str, span: Span) -> R<'a, T> {
        self.fail(
            RuntimeErrorKind::WrongArgs {
                usage: usage.to_string(),
            },
            span,
        )
    }

    pub(crate) fn step(&mut self, span: Span) -> R<'a, ()> {
        self.steps += 1;
        if self.steps > self.settings.step_budget {
            self.steps = self.settings.step_budget + 1;
            return self.fail(
                RuntimeErrorKind::StepBudget {
                    steps: self.settings.step_budget,
                },
                span,
            );
        }
        Ok(())
    }

    /// Charges a value being built: past the value cap it fails, and its bytes cost
    /// steps like any other work.
    pub(crate) fn charge(&mut self, len: usize, span: Span) -> R<'a, ()> {
        self.cap(len, span)?;
        self.work(len, 0, span)
    }

    /// Fails if a value of `len` bytes would exceed [`Settings::max_value_len`].
    pub(crate) fn cap(&self, len: usize, span: Span) -> R<'a, ()> {
        if len > self.settings.max_value_len {
            return self.fail(
                RuntimeErrorKind::TooLarge {
                    len,
                    limit: self.settings.max_value_len,
                },
                span,
            );
        }
        Ok(())
    }

    /// Charges work that reads or writes `bytes` bytes and `items` list elements: one
    /// step per [`BYTES_PER_STEP`] bytes and one per element, so a loop over a big value
    /// runs out of budget in time proportional to the budget, not to the value's size
    /// times the budget.
    pub(crate) fn work(&mut self, bytes: usize, items: usize, span: Span) -> R<'a, ()> {
        let cost = (bytes / BYTES_PER_STEP).saturating_add(items);
        self.steps = self.steps.saturating_add(cost as u64);
        self.step(span)
    }

    pub(crate) fn origin(&self, span: Span) -> Origin {
        Origin {
            rule: self.src.name.clone(),
            span,
            at: self.src.lines.locate(&self.src.text, span.start),
        }
    }

    /// What a tainted value comes from, as an escape names it: the client, or the
    /// run-time inputs read so far (a value mixing both is the client's).
    pub(crate) fn derived_from(&self, t: Taint) -> String {
        if t != Taint::Free {
            return "a value derived from the client address".into();
        }
        let mut names: Vec<String> = Vec::new();
        let from_init = self.base_statics.map_or(&[][..], |b| &b.free_inputs[..]);
        for f in self.out.free_inputs.iter().chain(from_init) {
            let n = format!("{} line {}", f.command, f.origin.at.line);
            if !names.contains(&n) && names.len() < 3 {
                names.push(n);
            }
        }
        if names.is_empty() {
            "a value the BIG-IP decides at run time".into()
        } else {
            format!(
                "a value the BIG-IP decides at run time ({})",
                names.join(", ")
            )
        }
    }

    /// Records that the rule read a run-time input and returns `text` as its sample.
    pub(crate) fn free_input(&mut self, command: &str, text: &str, span: Span) -> Value<'a> {
        let origin = self.origin(span);
        let dup = self
            .out
            .free_inputs
            .iter()
            .any(|f| f.origin.span == span && &*f.command == command);
        if !dup && self.out.free_inputs.len() < 64 {
            self.out.free_inputs.push(FreeInput {
                command: Arc::from(command),
                origin,
            });
        }
        if self.settings.free_draw == 0 {
            return Value::tainted(text.to_string(), Taint::Free);
        }
        Value::tainted(self.draw(text, span), Taint::Free)
    }

    /// Another value of a run-time input than its sample, chosen by
    /// [`Settings::free_draw`] and the place it is read: numbers move to 0, 1, -1 and
    /// away from the sample, text to the empty string and short words.
    fn draw(&self, sample: &str, span: Span) -> String {
        let pick = (u64::from(self.settings.free_draw))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(span.start as u64)
            .rotate_left(17)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9)
            >> 40;
        if let Ok(n) = sample.parse::<i64>() {
            let options = [
                n,
                0,
                1,
                -1,
                n.saturating_add(1),
                n / 2,
                n.saturating_mul(2),
                n.saturating_add(3600),
                65_535,
            ];
            return options[pick as usize % options.len()].to_string();
        }
        if sample.parse::<f64>().is_ok() {
            let options = ["0.0", "0.999", "0.25", "0.5", "0.75"];
            return options[pick as usize % options.len()].to_string();
        }
        let options = [sample, "", "x", "1", "0", "up", "down", "HELO a\r\n"];
        options[pick as usize % options.len()].to_string()
    }

    pub(crate) fn escape(&mut self, operation: &str, span: Span) {
        let dup = self.out.escapes.iter().any(|e| {
            e.origin.span == span && e.operation == operation && e.origin.rule == self.src.name
        });
        if !dup {
            let origin = self.origin(span);
            self.out.escapes.push(Escape {
                operation: operation.to_string(),
                origin,
            });
        }
    }

    /// Taint check for an operation outside the model: records an escape and returns the
    /// taint of the result.
    pub(crate) fn taint_op(&mut self, operation: &str, args: &[Value<'a>], span: Span) -> Taint {
        let t = args.iter().fold(Taint::Clean, |t, v| t.join(v.taint()));
        if t == Taint::Free {
            // Transforming a run-time input is exact; only deciding on it samples.
            Taint::Free
        } else if t.is_tainted() {
            self.escape(operation, span);
            Taint::Derived
        } else {
            Taint::Clean
        }
    }

    pub(crate) fn observe(
        &mut self,
        by: ObservedBy,
        sets: Arc<[AddrSet]>,
        answer: Answer,
        span: Span,
    ) {
        let origin = self.origin(span);
        self.out.observed.push(Observed {
            by,
            sets,
            answer,
            origin,
        });
    }

    // ---- scripts and words ------------------------------------------------------------

    pub(crate) fn eval_script<'s, L: Lits<'s, 'a>>(
        &mut self,
        script: &'s Script,
        l: L,
    ) -> R<'a, Value<'a>> {
        // Every nested evaluation (bodies, `[...]`, procs, eval) passes here, so one
        // counter bounds the Rust stack whatever the input.
        if self.depth >= self.settings.max_depth {
            let span = script.cmds.first().map(|c| c.span).unwrap_or_default();
            return self.fail(RuntimeErrorKind::TooDeep, span);
        }
        self.depth += 1;
        let mut last = Ok(Value::empty());
        for cmd in &script.cmds {
            last = self.eval_cmd(cmd, l);
            if last.is_err() {
                break;
            }
        }
        self.depth -= 1;
        last
    }

    pub(crate) fn eval_code<'s, L: Lits<'s, 'a>>(
        &mut self,
        code: &Code<'s, 'a>,
        l: L,
    ) -> R<'a, Value<'a>> {
        match code {
            Code::Compiled(s) => self.eval_script(s, l),
            Code::Text(v, span) => {
                let script = self.compile_text(v, *span)?;
                self.eval_script(&script, Owned)
            }
        }
    }

    pub(crate) fn compile_text(&mut self, v: &Value<'a>, span: Span) -> R<'a, Rc<Script>> {
        if let Some(s) = self.st.rare().and_then(|r| r.cache.get(v.as_str())) {
            return Ok(s.clone());
        }
        self.charge(v.as_str().len(), span)?;
        match parse_dynamic(v.as_str(), span, !self.tcl_mode) {
            Ok(s) => {
                let s = Rc::new(s);
                let cache = &mut self.st.rare_mut().cache;
                if cache.len() < 1024 {
                    cache.insert(Box::from(v.as_str()), s.clone());
                }
                Ok(s)
            }
            Err(e) => self.fail(RuntimeErrorKind::Syntax { message: e.message }, span),
        }
    }

    fn compile_expr_text(&mut self, v: &Value<'a>, span: Span) -> R<'a, Rc<Expr>> {
        if let Some(e) = self.st.rare().and_then(|r| r.expr_cache.get(v.as_str())) {
            return Ok(e.clone());
        }
        self.charge(v.as_str().len(), span)?;
        let text = v.as_str();
        let mut p = crate::parse::Parser::new(text, 0, text.len(), 0);
        p.clamp = Some(span);
        match crate::expr::parse_expr(p) {
            Ok(e) => {
                let e = Rc::new(e);
                let cache = &mut self.st.rare_mut().expr_cache;
                if cache.len() < 1024 {
                    cache.insert(Box::from(v.as_str()), e.clone());
                }
                Ok(e)
            }
            Err(e) => self.fail(RuntimeErrorKind::Syntax { message: e.message }, span),
        }
    }

    pub(crate) fn eval_word<'s, L: Lits<'s, 'a>>(&mut self, w: &'s Word, l: L) -> R<'a, Value<'a>> {
        match &w.kind {
            WordKind::Lit(s, _) => Ok(l.lit(s)),
            WordKind::Parts(parts) => self.eval_parts(parts, w.span, l),
        }
    }

    fn eval_parts<'s, L: Lits<'s, 'a>>(
        &mut self,
        parts: &'s [Part],
        span: Span,
        l: L,
    ) -> R<'a, Value<'a>> {
        if let [one] = parts {
            return self.eval_part(one, l);
        }
        let mut text = String::new();
        let mut taints: Vec<Taint> = Vec::new();
        let mut client_then_mask = false;
        for (i, p) in parts.iter().enumerate() {
            let v = self.eval_part(p, l)?;
            if v.taint() == Taint::Client
                && i + 2 == parts.len()
                && let Part::Lit(lit) = &parts[i + 1]
                && lit.starts_with('/')
            {
                client_then_mask = true;
            }
            if !v.as_str().is_empty() || v.taint().is_tainted() {
                taints.push(v.taint());
            }
            text.push_str(v.as_str());
            if text.len() > self.settings.max_value_len {
                self.charge(text.len(), span)?;
            }
        }
        let tainted: Vec<Taint> = taints.iter().copied().filter(|t| t.is_tainted()).collect();
        let taint = match (tainted.as_slice(), client_then_mask) {
            ([], _) => Taint::Clean,
            ([Taint::Client], true) => Taint::Client,
            ([t], _) if taints.len() == 1 => *t,
            _ => Taint::Derived,
        };
        Ok(Value::tainted(text, taint))
    }

    fn eval_part<'s, L: Lits<'s, 'a>>(&mut self, p: &'s Part, l: L) -> R<'a, Value<'a>> {
        match p {
            Part::Lit(s) => Ok(l.lit(s)),
            Part::Var(v) => self.read_var(v, l),
            Part::Cmd(s) => self.eval_script(s, l),
        }
    }

    // ---- variables --------------------------------------------------------------------

    fn read_var<'s, L: Lits<'s, 'a>>(&mut self, v: &'s VarRef, l: L) -> R<'a, Value<'a>> {
        let index = match &v.index {
            Some(parts) => Some(self.eval_parts(parts, v.span, l)?),
            None => None,
        };
        self.get_var(&v.name, index.as_ref().map(|i| i.as_str()), v.span)
    }

    pub(crate) fn get_var(
        &mut self,
        name: &str,
        index: Option<&str>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let full = || match index {
            Some(i) => format!("{name}({i})"),
            None => name.to_string(),
        };
        self.shared_read(name, span);
        if let Some(s) = name.strip_prefix("static::") {
            if let Some(v) = self.st.rare().and_then(|r| r.statics.get(s)) {
                return Ok(v.clone());
            }
            if let Some(base) = self.base_statics
                && let Some(v) = base.vars.get(s)
            {
                if base.free_vars.contains(s) {
                    return Ok(Value::tainted(&**v, Taint::Free));
                }
                return Ok(Value::lit(v));
            }
            return self.fail(RuntimeErrorKind::NoSuchVariable { name: full() }, span);
        }
        // The common case first: a plain variable of the current frame, one lookup.
        if index.is_none()
            && let Some(Var::Scalar(v)) = self.frame_get(self.st.frames.len().checked_sub(1), name)
        {
            return Ok(v.clone());
        }
        let (at, key) = self.resolve(name);
        match (self.frame_get(at, key.as_ref()), index) {
            (Some(Var::Scalar(v)), None) => return Ok(v.clone()),
            (Some(Var::Array(a)), Some(i)) => {
                if let Some(v) = a.get(i) {
                    return Ok(v.clone());
                }
            }
            (Some(Var::Array(_)), None) => {
                return self.fail(
                    RuntimeErrorKind::User {
                        message: format!("can't read \"{name}\": variable is array"),
                    },
                    span,
                );
            }
            _ => {}
        }
        if name.starts_with("::") && index.is_none() && !self.tcl_mode {
            let key = key.into_owned();
            return self.global_data_group(&key, span);
        }
        self.fail(RuntimeErrorKind::NoSuchVariable { name: full() }, span)
    }

    /// Reading a variable that earlier connections may have set: the value is an input
    /// the model does not enumerate, so whatever follows is a sample.
    pub(crate) fn shared_read(&mut self, name: &str, span: Span) {
        if self.event == "RULE_INIT" {
            return;
        }
        let global;
        let key = if name.starts_with("static::") || name.starts_with("::") {
            name
        } else if !self.st.frames.is_empty()
            && let (None, target) = self.resolve(name)
        {
            global = format!("::{target}");
            &global
        } else {
            return;
        };
        let Some(key) = crate::shared::shared_key(key) else {
            return;
        };
        if let Some((src, at)) = self.shared.writer(key) {
            let line = src.lines.locate(&src.text, at.start).line;
            let operation = format!(
                "cross-connection state: `{key}` is set by connections ({} line {line}), so \
                 its value depends on earlier connections",
                src.name
            );
            self.escape(&operation, span);
        }
    }

    /// `$::name` where no such global exists: a data-group reference the v9/v10 way.
    fn global_data_group(&mut self, name: &str, span: Span) -> R<'a, Value<'a>> {
        let Some(dg) = self.resolve_group(name) else {
            return self.fail(
                RuntimeErrorKind::NoSuchVariable {
                    name: format!("::{name}"),
                },
                span,
            );
        };
        if !self.settings.v10_globals {
            return self.fail(
                RuntimeErrorKind::GlobalDataGroupReference {
                    name: name.to_string(),
                },
                span,
            );
        }
        let names: Vec<&str> = dg.group().records.iter().map(|r| r.name.as_str()).collect();
        Ok(Value::new(format_list(&names)))
    }

    pub(crate) fn var_exists(&self, name: &str) -> bool {
        let (base, index) = split_array_name(name);
        if let Some(s) = base.strip_prefix("static::") {
            return self.st.rare().is_some_and(|r| r.statics.contains_key(s))
                || self.base_statics.is_some_and(|b| b.vars.contains_key(s));
        }
        let (at, key) = self.resolve(base);
        match (self.frame_get(at, key.as_ref()), index) {
            (Some(Var::Scalar(_)), None) => true,
            (Some(Var::Array(_)), None) => true,
            (Some(Var::Array(a)), Some(i)) => a.contains_key(i),
            _ => false,
        }
    }

    /// The elements of the array `name` (not static), or None if it is no array.
    pub(crate) fn array_entries(&self, name: &str) -> Option<Vec<(String, Value<'a>)>> {
        let (at, key) = self.resolve(name);
        match self.frame_get(at, key.as_ref()) {
            Some(Var::Array(a)) => Some(
                a.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Frame `at` itself (no links followed) and `name` as its key.
    pub(crate) fn frame_for_name_at(
        &mut self,
        at: Option<usize>,
        name: &str,
    ) -> (&mut Frame<'a>, Text<'a>) {
        (self.frame_mut(at), Text::Made(Rc::from(name)))
    }

    /// The frame a (non-static) name lives in, and the name within it, as a key.
    pub(crate) fn frame_for_name(&mut self, name: &str) -> (&mut Frame<'a>, Text<'a>) {
        let (f, n) = self.frame_for(name);
        (f, Text::Made(Rc::from(n.as_ref())))
    }

    /// The frame a (non-static) name lives in, and the name within it.
    fn frame_for<'n>(&mut self, name: &'n str) -> (&mut Frame<'a>, Cow<'n, str>) {
        let (at, key) = self.resolve(name);
        (self.frame_mut(at), key)
    }

    /// Where `name` lives once `::`, `global` and `upvar` are followed: the frame (None:
    /// the globals, which are also the frame of an event's body) and the name there.
    pub(crate) fn resolve<'n>(&self, name: &'n str) -> (Option<usize>, Cow<'n, str>) {
        self.resolve_from(self.st.frames.len().checked_sub(1), name)
    }

    /// [`Interp::resolve`] as seen from frame `at`.
    pub(crate) fn resolve_from<'n>(
        &self,
        at: Option<usize>,
        name: &'n str,
    ) -> (Option<usize>, Cow<'n, str>) {
        if let Some(g) = name.strip_prefix("::") {
            return (None, Cow::Borrowed(g.trim_start_matches(':')));
        }
        let mut at = at;
        let mut key = Cow::Borrowed(name);
        // Links only point to older frames, so this ends; the bound is a guard.
        for _ in 0..=self.st.frames.len() {
            match self.frame_get(at, key.as_ref()) {
                Some(Var::Global) if at.is_some() => at = None,
                Some(Var::Link(to, target)) => {
                    at = *to;
                    key = Cow::Owned(target.to_string());
                }
                _ => break,
            }
        }
        (at, key)
    }

    /// Variable `name` of frame `at` (None: the globals), no links followed.
    pub(crate) fn frame_get(&self, at: Option<usize>, name: &str) -> Option<&Var<'a>> {
        match at.and_then(|i| self.st.frames.get(i)) {
            Some(f) => f.get(name),
            None => self.st.rare()?.globals.get(name),
        }
    }

    pub(crate) fn frame_mut(&mut self, at: Option<usize>) -> &mut Frame<'a> {
        match at {
            Some(i) if i < self.st.frames.len() => &mut self.st.frames[i],
            _ => &mut self.st.rare_mut().globals,
        }
    }

    pub(crate) fn set_var(&mut self, name: &str, value: Value<'a>, span: Span) -> R<'a, Value<'a>> {
        let (base, index) = split_array_name(name);
        if let Some(s) = base.strip_prefix("static::") {
            self.st.rare_mut().statics.insert(key(s), value.clone());
            return Ok(value);
        }
        let (frame, k) = self.frame_for(base);
        let k: &str = &k;
        let problem = match index {
            None => match frame.get_mut(k) {
                Some(Var::Array(_)) => Some("variable is array"),
                Some(slot) => {
                    *slot = Var::Scalar(value.clone());
                    None
                }
                None => {
                    frame.insert(key(k), Var::Scalar(value.clone()));
                    None
                }
            },
            Some(i) => {
                if !frame.contains_key(k) {
                    frame.insert(key(k), Var::Array(FxMap::default()));
                }
                match frame.get_mut(k) {
                    Some(Var::Array(a)) => {
                        a.insert(key(i), value.clone());
                        None
                    }
                    _ => Some("variable isn't array"),
                }
            }
        };
        match problem {
            Some(p) => self.fail(
                RuntimeErrorKind::User {
                    message: format!("can't set \"{name}\": {p}"),
                },
                span,
            ),
            None => Ok(value),
        }
    }

    pub(crate) fn get_var_by_name(&mut self, name: &str, span: Span) -> R<'a, Value<'a>> {
        let (base, index) = split_array_name(name);
        self.get_var(base, index, span)
    }

    pub(crate) fn unset_var(&mut self, name: &str) -> bool {
        let (base, index) = split_array_name(name);
        if let Some(s) = base.strip_prefix("static::") {
            return self.st.rare.is_some() && self.st.rare_mut().statics.remove(s).is_some();
        }
        let (frame, k) = self.frame_for(base);
        let k: &str = &k;
        match index {
            None => frame.remove(k).is_some(),
            Some(i) => match frame.get_mut(k) {
                Some(Var::Array(a)) => a.remove(i).is_some(),
                _ => false,
            },
        }
    }

    // ---- commands ---------------------------------------------------------------------

    pub(crate) fn eval_cmd<'s, L: Lits<'s, 'a>>(&mut self, cmd: &'s Cmd, l: L) -> R<'a, Value<'a>> {
        self.step(cmd.span)?;
        match &cmd.op {
            Op::Call => {}
            Op::If(branches, els) => {
                for (c, body) in branches {
                    if self.cond(&Cond::Compiled(c), l, c.span)? {
                        return self.eval_script(body, l);
                    }
                }
                return match els {
                    Some(e) => self.eval_script(e, l),
                    None => Ok(Value::empty()),
                };
            }
            Op::While(c, body) => {
                return self.run_while(&Cond::Compiled(c), &Code::Compiled(body), l, cmd.span);
            }
            Op::For(init, c, next, body) => {
                return self.run_for(
                    &Code::Compiled(init),
                    &Cond::Compiled(c),
                    &Code::Compiled(next),
                    &Code::Compiled(body),
                    l,
                    cmd.span,
                );
            }
            Op::Expr(e) => {
                let v = self.eval_expr(e, l)?;
                return Ok(self.expr_result(v));
            }
            Op::Foreach(body) => {
                let n = cmd.words.len();
                let mut args = Vec::with_capacity(n - 2);
                for w in &cmd.words[1..n - 1] {
                    args.push(self.eval_word(w, l)?);
                }
                return self.run_foreach(&args, &Code::Compiled(body), l, cmd.span);
            }
            Op::Catch(body) => {
                let var = match cmd.words.get(2) {
                    Some(w) => Some(self.eval_word(w, l)?),
                    None => None,
                };
                return self.run_catch(&Code::Compiled(body), var.as_ref(), l, cmd.span);
            }
            Op::Switch(arms) => {
                let n = cmd.words.len();
                let mut args = Vec::with_capacity(n - 1);
                for w in &cmd.words[..n - 1] {
                    args.push(self.eval_word(w, l)?);
                }
                let arms: Vec<(Value<'a>, Option<Code<'s, 'a>>)> = arms
                    .iter()
                    .map(|(p, b)| (l.lit(p), b.as_ref().map(Code::Compiled)))
                    .collect();
                return self.run_switch(&args, Some(arms), l, cmd.span);
            }
            Op::Proc(body) => {
                let mut args = Vec::with_capacity(3);
                for w in &cmd.words[1..3] {
                    args.push(self.eval_word(w, l)?);
                }
                return self.define_proc(&args[0], &args[1], body.clone(), cmd.span);
            }
        }
        // On the stack: most commands have a handful of words, and a fresh session then
        // builds its argument vectors without allocating.
        let mut args: smallvec::SmallVec<[Value<'a>; 6]> = smallvec::SmallVec::new();
        for w in &cmd.words {
            // Literals go straight into the vector: no Result to move through.
            if let WordKind::Lit(s, _) = &w.kind {
                args.push(l.lit(s));
                continue;
            }
            args.push(self.eval_word(w, l)?);
        }
        // Every command reads its arguments at least once (most scan them), so their size
        // is charged here, whatever the command; small arguments cost nothing extra.
        let bytes: usize = args.iter().map(|a| a.as_str().len()).sum();
        if bytes >= BYTES_PER_STEP {
            self.work(bytes, 0, cmd.span)?;
        }
        let r = if cmd.builtin == Some(Builtin::Set) && args.len() == 3 {
            let value = args.pop().unwrap_or_default();
            self.set_simple(&args[1], value, cmd.span)
        } else {
            self.invoke(cmd.builtin, &args, cmd.span)
        };
        // Any command's result counts against the value cap, so no command (builtin, F5
        // or proc) can grow a value without bound, even one that builds it for free.
        let v = r?;
        let len = v.as_str().len();
        self.cap(len, cmd.span)?;
        if len >= BYTES_PER_STEP {
            self.work(len, 0, cmd.span)?;
        }
        Ok(v)
    }

    /// `set name value` for a plain local name, reusing the name's text as the key.
    fn set_simple(&mut self, name: &Value<'a>, value: Value<'a>, span: Span) -> R<'a, Value<'a>> {
        let n = name.as_str();
        if n.contains([':', '(']) {
            return self.set_var(n, value, span);
        }
        match self.st.frames.last_mut() {
            Some(f) => match f.get_mut(n) {
                Some(Var::Scalar(slot)) => {
                    *slot = value.clone();
                    Ok(value)
                }
                Some(_) => self.set_var(n, value, span),
                None => {
                    f.insert(name.key(), Var::Scalar(value.clone()));
                    Ok(value)
                }
            },
            None => self.set_var(n, value, span),
        }
    }

    pub(crate) fn invoke(
        &mut self,
        builtin: Option<Builtin>,
        args: &[Value<'a>],
        span: Span,
    ) -> R<'a, Value<'a>> {
        let builtin = builtin.or_else(|| Builtin::lookup(args[0].as_str()));
        if let Some(b) = builtin
            && !(self.tcl_mode && b.is_f5())
        {
            if b.is_f5() {
                return self.f5(b, args, span);
            }
            return self.tcl(b, args, span);
        }
        if let Some(p) = self.find_proc(args[0].as_str()) {
            return self.call_proc(p, &args[1..], span);
        }
        if self.tcl_mode {
            return self.fail(
                RuntimeErrorKind::UnknownCommand {
                    name: args[0].as_str().to_string(),
                },
                span,
            );
        }
        let name = args[0].as_str();
        // A transport property or device state BIG-IP decides at run time (sampled as
        // "0": numeric, and text too), or a setting that decides nothing relaylab judges.
        if crate::catalog::is_opaque_run_time(name)
            && crate::catalog::command(name)
                .is_some_and(|c| c.needs == crate::catalog::Requirement::Any)
        {
            let name = name.strip_prefix("::").unwrap_or(name);
            return Ok(self.free_input(name, "0", span));
        }
        // A module's command (IP intelligence, iRules LX, geolocation...) on a system
        // that has the module asks something outside the configuration: its answer is a
        // run-time input, sampled and named. Anything else the engine does not model is a
        // gap in relaylab, which the prover reports as not decided.
        if let Some(info) = crate::catalog::command(name)
            && let crate::catalog::Requirement::Module(m) = info.needs
            && self.settings.modules.contains(m)
        {
            return Ok(self.free_input(info.name, "", span));
        }
        self.fail(
            RuntimeErrorKind::Unsupported {
                command: name.to_string(),
                event: self.event.to_string(),
            },
            span,
        )
    }

    pub(crate) fn find_proc(&self, name: &str) -> Option<ProcRef<'a>> {
        if let Some(p) = self.st.rare().and_then(|r| r.procs.get(name)) {
            return Some(ProcRef::Runtime(p.clone()));
        }
        let procs = self.program_procs;
        let found = if !name.contains("::") {
            let qualified = format!("{}::{name}", self.src.name);
            procs.get(qualified.as_str())
        } else if !name.starts_with('/') {
            let qualified = format!("/{}/{name}", self.src.partition);
            procs
                .get(qualified.as_str())
                .or_else(|| procs.get(format!("/Common/{name}").as_str()))
        } else {
            None
        };
        found
            .or_else(|| procs.get(name))
            .map(|p| ProcRef::Program(p))
    }

    pub(crate) fn call_proc(
        &mut self,
        p: ProcRef<'a>,
        args: &[Value<'a>],
        span: Span,
    ) -> R<'a, Value<'a>> {
        let def: &ProcDef = match &p {
            ProcRef::Program(d) => d,
            ProcRef::Runtime(d) => d,
        };
        let fixed = def.params.len() - usize::from(def.variadic);
        let required = def.params[..fixed]
            .iter()
            .take_while(|(_, d)| d.is_none())
            .count();
        if args.len() < required || (!def.variadic && args.len() > fixed) {
            let mut usage = def.name.to_string();
            for (n, d) in &def.params {
                if d.is_some() {
                    usage.push_str(&format!(" ?{n}?"));
                } else if def.variadic && n.as_ref() == "args" {
                    usage.push_str(" ?arg ...?");
                } else {
                    usage.push_str(&format!(" {n}"));
                }
            }
            return self.wrong_args(&usage, span);
        }
        let mut frame = Frame::default();
        for (i, (n, d)) in def.params[..fixed].iter().enumerate() {
            let v = match (args.get(i), d) {
                (Some(v), _) => v.clone(),
                (None, Some(d)) => Value::new(&**d),
                (None, None) => Value::empty(),
            };
            frame.insert(key(n), Var::Scalar(v));
        }
        if def.variadic {
            let rest: Vec<&str> = args.iter().skip(fixed).map(|v| v.as_str()).collect();
            let t = args
                .iter()
                .skip(fixed)
                .fold(Taint::Clean, |t, v| t.join(v.taint()));
            frame.insert(
                Text::Lit("args"),
                Var::Scalar(Value::tainted(format_list(&rest), t)),
            );
        }
        self.st.frames.push(frame);
        let r = match p {
            ProcRef::Program(d) => {
                let saved = self.src;
                if let Some(src) = &d.src {
                    self.src = src;
                }
                let r = self.eval_script(&d.body, Borrowed);
                self.src = saved;
                r
            }
            ProcRef::Runtime(d) => self.eval_script(&d.body, Owned),
        };
        self.st.frames.pop();
        match r {
            Ok(v) | Err(Exc::Return(v)) => Ok(v),
            Err(Exc::Break) => self.fail(RuntimeErrorKind::OutsideLoop("break"), span),
            Err(Exc::Continue) => self.fail(RuntimeErrorKind::OutsideLoop("continue"), span),
            Err(e) => Err(e),
        }
    }

    fn define_proc(
        &mut self,
        name: &Value<'a>,
        params: &Value<'a>,
        body: Arc<Script>,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let def = self.make_proc(name.as_str(), params.as_str(), body, span)?;
        self.st
            .rare_mut()
            .procs
            .insert(Box::from(name.as_str()), Rc::new(def));
        Ok(Value::empty())
    }

    pub(crate) fn make_proc(
        &self,
        name: &str,
        params: &str,
        body: Arc<Script>,
        span: Span,
    ) -> R<'a, ProcDef> {
        match crate::program::make_proc(None, name, params, body) {
            Ok(d) => Ok(d),
            Err(message) => self.fail(RuntimeErrorKind::User { message }, span),
        }
    }

    /// A glob match, charged for its worst case: a `*` backtracks, so matching can take
    /// the pattern's length times the text's.
    pub(crate) fn glob(
        &mut self,
        pattern: &str,
        text: &str,
        nocase: bool,
        span: Span,
    ) -> R<'a, bool> {
        let stars = pattern.matches('*').count().min(1);
        let worst = pattern
            .len()
            .max(1)
            .saturating_mul(text.len())
            .saturating_mul(stars);
        if worst >= BYTES_PER_STEP {
            self.work(worst, 0, span)?;
        }
        Ok(glob_match(pattern, text, nocase))
    }

    /// Parses a list, charging its bytes and elements (see [`Interp::work`]).
    pub(crate) fn list(&mut self, text: &str, span: Span) -> R<'a, Vec<String>> {
        let items = parse_list(text)
            .or_else(|message| self.fail(RuntimeErrorKind::BadList { message }, span))?;
        self.work(text.len(), items.len(), span)?;
        Ok(items)
    }

    // ---- control flow -----------------------------------------------------------------

    pub(crate) fn cond<'s, L: Lits<'s, 'a>>(
        &mut self,
        c: &Cond<'s, 'a>,
        l: L,
        span: Span,
    ) -> R<'a, bool> {
        let v = match c {
            Cond::Compiled(e) => self.eval_expr(e, l)?,
            Cond::Text(t, s) => {
                let e = self.compile_expr_text(t, *s)?;
                self.eval_expr(&e, Owned)?
            }
        };
        self.truth(&v, span)
    }

    pub(crate) fn truth(&mut self, v: &(Ev<'a>, Taint), span: Span) -> R<'a, bool> {
        if v.1.is_tainted() {
            let what = format!("condition on {}", self.derived_from(v.1));
            self.escape(&what, span);
        }
        match &v.0 {
            Ev::Lit(Num::Int(i), _) | Ev::Int(i) => Ok(*i != 0),
            Ev::Lit(Num::Float(f), _) => Ok(*f != 0.0),
            Ev::Float(f) => Ok(*f != 0.0),
            Ev::Str(s) => match parse_bool(s.as_str()) {
                Some(b) => Ok(b),
                None => self.fail(
                    RuntimeErrorKind::ExpectedBoolean {
                        value: s.as_str().to_string(),
                    },
                    span,
                ),
            },
        }
    }

    pub(crate) fn run_while<'s, L: Lits<'s, 'a>>(
        &mut self,
        c: &Cond<'s, 'a>,
        body: &Code<'s, 'a>,
        l: L,
        span: Span,
    ) -> R<'a, Value<'a>> {
        loop {
            self.step(span)?;
            if !self.cond(c, l, span)? {
                return Ok(Value::empty());
            }
            match self.eval_code(body, l) {
                Ok(_) | Err(Exc::Continue) => {}
                Err(Exc::Break) => return Ok(Value::empty()),
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn run_for<'s, L: Lits<'s, 'a>>(
        &mut self,
        init: &Code<'s, 'a>,
        c: &Cond<'s, 'a>,
        next: &Code<'s, 'a>,
        body: &Code<'s, 'a>,
        l: L,
        span: Span,
    ) -> R<'a, Value<'a>> {
        self.eval_code(init, l)?;
        loop {
            self.step(span)?;
            if !self.cond(c, l, span)? {
                return Ok(Value::empty());
            }
            match self.eval_code(body, l) {
                Ok(_) | Err(Exc::Continue) => {}
                Err(Exc::Break) => return Ok(Value::empty()),
                Err(e) => return Err(e),
            }
            self.eval_code(next, l)?;
        }
    }

    pub(crate) fn run_foreach<'s, L: Lits<'s, 'a>>(
        &mut self,
        args: &[Value<'a>],
        body: &Code<'s, 'a>,
        l: L,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let mut pairs = Vec::new();
        for pair in args.chunks(2) {
            let [vars, list] = pair else {
                return self.wrong_args("foreach varList list ?varList list ...? command", span);
            };
            let vars = self.list(vars.as_str(), span)?;
            if vars.is_empty() {
                return self.fail(
                    RuntimeErrorKind::User {
                        message: "foreach varlist is empty".into(),
                    },
                    span,
                );
            }
            let t = self.taint_op(
                "foreach over a value derived from the client address",
                std::slice::from_ref(list),
                span,
            );
            let items = self.list(list.as_str(), span)?;
            pairs.push((vars, items, t));
        }
        let rounds = pairs
            .iter()
            .map(|(v, l, _)| l.len().div_ceil(v.len()))
            .max()
            .unwrap_or(0);
        for r in 0..rounds {
            self.step(span)?;
            for (vars, items, t) in &pairs {
                for (k, name) in vars.iter().enumerate() {
                    let v = items
                        .get(r * vars.len() + k)
                        .map(String::as_str)
                        .unwrap_or("");
                    self.set_var(name, Value::tainted(v, *t), span)?;
                }
            }
            match self.eval_code(body, l) {
                Ok(_) | Err(Exc::Continue) => {}
                Err(Exc::Break) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(Value::empty())
    }

    pub(crate) fn run_catch<'s, L: Lits<'s, 'a>>(
        &mut self,
        body: &Code<'s, 'a>,
        var: Option<&Value<'a>>,
        l: L,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let depth = self.st.frames.len();
        let (code, result) = match self.eval_code(body, l) {
            Ok(v) => (0, v),
            Err(Exc::Err(e)) => {
                if !e.kind.catchable() {
                    return Err(Exc::Err(e));
                }
                (1, Value::new(e.kind.to_string()))
            }
            Err(Exc::Return(v)) => (2, v),
            Err(Exc::Break) => (3, Value::empty()),
            Err(Exc::Continue) => (4, Value::empty()),
        };
        self.st
            .frames
            .truncate(depth.max(1).min(self.st.frames.len()));
        if let Some(name) = var {
            self.set_var(name.as_str(), result, span)?;
        }
        Ok(Value::int(code))
    }

    /// `switch ?options? string {pattern body ...}` or with the pairs as separate words.
    pub(crate) fn run_switch<'s, L: Lits<'s, 'a>>(
        &mut self,
        args: &[Value<'a>],
        compiled: Option<Vec<(Value<'a>, Option<Code<'s, 'a>>)>>,
        l: L,
        span: Span,
    ) -> R<'a, Value<'a>> {
        let usage = "switch ?-option ...? string ?pattern body ...? ?default body?";
        let mut mode = "exact";
        let mut i = 1;
        while i < args.len() {
            match args[i].as_str() {
                "-exact" => mode = "exact",
                "-glob" => mode = "glob",
                "-regexp" => mode = "regexp",
                "--" => {
                    i += 1;
                    break;
                }
                s if s.starts_with('-') && i + 1 < args.len() && compiled.is_some() => {
                    return self.fail(
                        RuntimeErrorKind::BadArgument {
                            command: "switch".into(),
                            value: s.into(),
                            expected: "-exact, -glob, -regexp or --".into(),
                        },
                        span,
                    );
                }
                _ => break,
            }
            i += 1;
        }
        let Some(subject) = args.get(i).cloned() else {
            return self.wrong_args(usage, span);
        };
        let owned;
        let arms: Vec<(Value<'a>, Option<Code<'s, 'a>>)> = match compiled {
            Some(a) => a,
            None => {
                let rest = &args[i + 1..];
                let pairs: Vec<Value<'a>> = if rest.len() == 1 {
                    self.list(rest[0].as_str(), span)?
                        .into_iter()
                        .map(Value::new)
                        .collect()
                } else {
                    rest.to_vec()
                };
                if !pairs.len().is_multiple_of(2) || pairs.is_empty() {
                    return self.fail(
                        RuntimeErrorKind::User {
                            message: "extra switch pattern with no body".into(),
                        },
                        span,
                    );
                }
                owned = pairs;
                owned
                    .chunks(2)
                    .map(|c| {
                        let body = (c[1].as_str() != "-").then(|| Code::Text(c[1].clone(), span));
                        (c[0].clone(), body)
                    })
                    .collect()
            }
        };
        // A switch on the address's text is exact when every pattern's set is known (a
        // pattern observed before one that is not only adds a cut).
        let n = arms.len();
        if subject.taint().is_tainted() {
            let modelled = arms.iter().all(|(p, _)| p.taint() == Taint::Clean)
                && arms
                    .iter()
                    .enumerate()
                    .filter(|(k, (p, _))| !(k + 1 == n && p.as_str() == "default"))
                    .all(|(_, (p, _))| {
                        let pattern = p.as_str();
                        let test = match mode {
                            "glob" => TextTest::Glob {
                                pattern,
                                nocase: false,
                            },
                            "regexp" => TextTest::Regex {
                                pattern,
                                nocase: false,
                            },
                            _ => TextTest::Exact(pattern),
                        };
                        self.observe_test(&subject, test, span)
                    });
            if !modelled {
                let what = format!("switch on {}", self.derived_from(subject.taint()));
                self.escape(&what, span);
            }
        }
        let mut hit = None;
        for (k, (pat, _)) in arms.iter().enumerate() {
            let m = if k + 1 == n && pat.as_str() == "default" {
                true
            } else {
                let bytes = subject.as_str().len() + pat.as_str().len();
                if bytes >= BYTES_PER_STEP {
                    self.work(bytes, 0, span)?;
                }
                match mode {
                    "glob" => self.glob(pat.as_str(), subject.as_str(), false, span)?,
                    "regexp" => self
                        .regex(pat.as_str(), false, span)?
                        .is_match(subject.as_str()),
                    _ => pat.as_str() == subject.as_str(),
                }
            };
            if m {
                hit = Some(k);
                break;
            }
        }
        let Some(k) = hit else {
            return Ok(Value::empty());
        };
        for (_, body) in &arms[k..] {
            if let Some(b) = body {
                return self.eval_code(b, l);
            }
        }
        self.fail(
            RuntimeErrorKind::User {
                message: "no body specified for pattern".into(),
            },
            span,
        )
    }

    pub(crate) fn regex(&mut self, pat: &str, nocase: bool, span: Span) -> R<'a, regex::Regex> {
        let key = format!("{}{pat}", if nocase { "i:" } else { "c:" });
        if let Some(r) = self.st.rare().and_then(|r| r.regex_cache.get(&key)) {
            return Ok(r.clone());
        }
        self.charge(pat.len() * 16, span)?;
        let built = regex::RegexBuilder::new(pat)
            .case_insensitive(nocase)
            .size_limit(1 << 20)
            .build();
        match built {
            Ok(r) => {
                let cache = &mut self.st.rare_mut().regex_cache;
                if cache.len() < 256 {
                    cache.insert(key, r.clone());
                }
                Ok(r)
            }
            Err(e) => self.fail(
                RuntimeErrorKind::BadRegex {
                    message: e.to_string(),
                },
                span,
            ),
        }
    }

    // ---- expr -------------------------------------------------------------------------

    pub(crate) fn ev_value(&self, v: (Ev<'a>, Taint)) -> Value<'a> {
        match v.0 {
            Ev::Lit(Num::Int(i), _) | Ev::Int(i) => Value::tainted(i.to_string(), v.1),
            Ev::Lit(Num::Float(f), _) => Value::tainted(format_float(f), v.1),
            Ev::Float(f) => Value::tainted(format_float(f), v.1),
            Ev::Str(s) => s.with_taint(v.1),
        }
    }

    /// The value an `expr` command returns: a numeric string comes back in canonical
    /// form (`expr {$x}` of " 0x10 " is 16), as in Tcl, where the result is a number.
    pub(crate) fn expr_result(&self, v: (Ev<'a>, Taint)) -> Value<'a> {
        if let Ev::Str(s) = &v.0
            && let Some(n) = parse_num(s.as_str())
        {
            let canonical = match n {
                Num::Int(i) => i.to_string(),
                Num::Float(f) => format_float(f),
            };
            if canonical != s.as_str() {
                return Value::tainted(canonical, v.1);
            }
        }
        self.ev_value(v)
    }

    pub(crate) fn eval_expr_text(&mut self, text: &Value<'a>, span: Span) -> R<'a, Value<'a>> {
        let e = self.compile_expr_text(text, span)?;
        let v = self.eval_expr(&e, Owned)?;
        Ok(self.expr_result(v))
    }

    fn num(ev: &Ev<'_>) -> Option<Num> {
        match ev {
            Ev::Lit(n, _) => Some(*n),
            Ev::Int(i) => Some(Num::Int(*i)),
            Ev::Float(f) => Some(Num::Float(*f)),
            Ev::Str(s) => parse_num(s.as_str()),
        }
    }

    fn text<'e>(ev: &'e Ev<'_>) -> std::borrow::Cow<'e, str> {
        match ev {
            Ev::Lit(_, t) => t.as_str().into(),
            Ev::Int(i) => i.to_string().into(),
            Ev::Float(f) => format_float(*f).into(),
            Ev::Str(s) => s.as_str().into(),
        }
    }

    pub(crate) fn eval_expr<'s, L: Lits<'s, 'a>>(
        &mut self,
        e: &'s Expr,
        l: L,
    ) -> R<'a, (Ev<'a>, Taint)> {
        // Each tree is at most MAX_EXPR_DEPTH deep, but `[expr ...]` inside an
        // expression nests trees; one counter over all of them bounds the stack.
        if self.expr_depth >= MAX_EXPR_DEPTH {
            return self.fail(
                RuntimeErrorKind::ExprTooDeep {
                    limit: MAX_EXPR_DEPTH,
                },
                e.span,
            );
        }
        self.expr_depth += 1;
        let r = self.eval_expr_node(e, l);
        self.expr_depth -= 1;
        r
    }

    fn eval_expr_node<'s, L: Lits<'s, 'a>>(&mut self, e: &'s Expr, l: L) -> R<'a, (Ev<'a>, Taint)> {
        self.step(e.span)?;
        match &e.kind {
            // A literal keeps its text unless that is the number's canonical form, so
            // `01 eq 1` compares strings as Tcl does.
            ExprKind::Num(Num::Int(i), _, true) => Ok((Ev::Int(*i), Taint::Clean)),
            ExprKind::Num(n, text, _) => Ok((Ev::Lit(*n, l.lit(text)), Taint::Clean)),
            ExprKind::Str(s) => Ok((Ev::Str(l.lit(s)), Taint::Clean)),
            ExprKind::Quoted(parts) => {
                let v = self.eval_parts(parts, e.span, l)?;
                self.operand(v, e.span)
            }
            ExprKind::Var(v) => {
                let v = self.read_var(v, l)?;
                self.operand(v, e.span)
            }
            ExprKind::Cmd(s) => {
                let v = self.eval_script(s, l)?;
                self.operand(v, e.span)
            }
            ExprKind::Unary(op, inner) => {
                let v = self.eval_expr(inner, l)?;
                self.unary(*op, v, e.span)
            }
            ExprKind::Ternary(c, a, b) => {
                let cv = self.eval_expr(c, l)?;
                if self.truth(&cv, c.span)? {
                    self.eval_expr(a, l)
                } else {
                    self.eval_expr(b, l)
                }
            }
            ExprKind::Binary(BinOp::And, a, b) | ExprKind::Binary(BinOp::Or, a, b) => {
                let is_and = matches!(e.kind, ExprKind::Binary(BinOp::And, ..));
                let av = self.eval_expr(a, l)?;
                let at = av.1;
                let lhs = self.truth(&av, a.span)?;
                if lhs != is_and {
                    return Ok((Ev::Int(i64::from(lhs)), at.join(Taint::Clean)));
                }
                let bv = self.eval_expr(b, l)?;
                let bt = bv.1;
                let r = self.truth(&bv, b.span)?;
                Ok((Ev::Int(i64::from(r)), at.join(bt)))
            }
            ExprKind::Binary(op, a, b) => {
                let av = self.eval_expr(a, l)?;
                let bv = self.eval_expr(b, l)?;
                self.binary(*op, av, bv, e.span)
            }
            ExprKind::Call(name, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval_expr(a, l)?);
                }
                if matches!(name.as_ref(), "rand" | "srand") {
                    return self.random(name, vals, e.span);
                }
                self.func(name, vals, e.span)
            }
        }
    }

    /// `rand()` and `srand(seed)`: the generator is the BIG-IP's, so every draw is a
    /// run-time input (sampled at 0.5; `srand` returns a draw too, as in Tcl).
    fn random(
        &mut self,
        name: &str,
        args: Vec<(Ev<'a>, Taint)>,
        span: Span,
    ) -> R<'a, (Ev<'a>, Taint)> {
        let arity = usize::from(name == "srand");
        if args.len() != arity {
            let message = if args.len() > arity {
                format!("too many arguments for math function \"{name}\"")
            } else {
                format!("not enough arguments for math function \"{name}\"")
            };
            return self.fail(RuntimeErrorKind::User { message }, span);
        }
        if let Some(seed) = args.first() {
            self.need_int(&seed.0, name, span)?;
        }
        let drawn = self.free_input(&format!("{name}()"), "0.5", span);
        let x = drawn.as_str().parse::<f64>().unwrap_or(0.5);
        Ok((Ev::Float(x), Taint::Free))
    }

    /// A string operand: operators scan it (compare, search, parse as a number), so its
    /// size is charged once, as it enters the expression.
    fn operand(&mut self, v: Value<'a>, span: Span) -> R<'a, (Ev<'a>, Taint)> {
        let len = v.as_str().len();
        if len >= BYTES_PER_STEP {
            self.work(len, 0, span)?;
        }
        let t = v.taint();
        Ok((Ev::Str(v), t))
    }

    fn need_num(&self, ev: &Ev<'_>, op: &str, span: Span) -> R<'a, Num> {
        match Self::num(ev) {
            Some(n) => Ok(n),
            None => self.fail(RuntimeErrorKind::NotNumeric { op: op.to_string() }, span),
        }
    }

    fn need_int(&self, ev: &Ev<'_>, op: &str, span: Span) -> R<'a, i64> {
        match self.need_num(ev, op, span)? {
            Num::Int(i) => Ok(i),
            Num::Float(_) => self.fail(
                RuntimeErrorKind::User {
                    message: format!("can't use floating-point value as operand of \"{op}\""),
                },
                span,
            ),
        }
    }

    fn unary(&mut self, op: UnOp, v: (Ev<'a>, Taint), span: Span) -> R<'a, (Ev<'a>, Taint)> {
        let t = if v.1 == Taint::Free {
            Taint::Free
        } else if v.1.is_tainted() && op != UnOp::Not {
            self.escape(
                "arithmetic on a value derived from the client address",
                span,
            );
            Taint::Derived
        } else {
            v.1
        };
        let sym = match op {
            UnOp::Neg => "-",
            UnOp::Plus => "+",
            UnOp::BitNot => "~",
            UnOp::Not => "!",
        };
        let r = match op {
            UnOp::Not => Ev::Int(i64::from(!self.truth(&v, span)?)),
            UnOp::BitNot => Ev::Int(!self.need_int(&v.0, sym, span)?),
            UnOp::Plus => match self.need_num(&v.0, sym, span)? {
                Num::Int(i) => Ev::Int(i),
                Num::Float(f) => Ev::Float(f),
            },
            UnOp::Neg => match self.need_num(&v.0, sym, span)? {
                Num::Int(i) => match i.checked_neg() {
                    Some(n) => Ev::Int(n),
                    None => return self.fail(RuntimeErrorKind::IntegerOverflow, span),
                },
                Num::Float(f) => Ev::Float(-f),
            },
        };
        Ok((r, t))
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: (Ev<'a>, Taint),
        b: (Ev<'a>, Taint),
        span: Span,
    ) -> R<'a, (Ev<'a>, Taint)> {
        let mut taint = Taint::Clean;
        let port_left = match (a.1, b.1) {
            (Taint::Port, Taint::Clean) => Some(true),
            (Taint::Clean, Taint::Port) => Some(false),
            _ => None,
        };
        if let Some(port_left) = port_left
            && op.is_predicate()
        {
            self.observe_port_test(op, &a, &b, port_left, span)?;
        } else if a.1.join(b.1) == Taint::Free {
            taint = Taint::Free;
        } else if a.1.is_tainted() || b.1.is_tainted() {
            let modelled = self.observe_binary(op, &a, &b, span)?;
            if !modelled {
                self.escape(
                    &format!(
                        "expr `{}` on a value derived from the client address",
                        op.symbol()
                    ),
                    span,
                );
                taint = Taint::Derived;
            }
        }
        Ok((self.apply_binary(op, a.0, b.0, span)?, taint))
    }

    /// `op` asked of `candidate` (a value the client's port or octet could take) and the
    /// clean operand `other`, with the very code that decides the connection.
    fn ask_binary(
        &mut self,
        op: BinOp,
        candidate: &str,
        other: &Ev<'a>,
        candidate_left: bool,
        span: Span,
    ) -> R<'a, bool> {
        let x = Ev::Str(Value::tainted(candidate.to_string(), Taint::Clean));
        let (l, r) = if candidate_left {
            (x, other.clone())
        } else {
            (other.clone(), x)
        };
        Ok(matches!(self.apply_binary(op, l, r, span)?, Ev::Int(1)))
    }

    /// A comparison of a value derived from the client address with a clean operand,
    /// recorded for every address; false where it cannot be.
    fn observe_binary(
        &mut self,
        op: BinOp,
        a: &(Ev<'a>, Taint),
        b: &(Ev<'a>, Taint),
        span: Span,
    ) -> R<'a, bool> {
        use BinOp::*;
        let (subject, other, subject_left) = match (a.1, b.1) {
            (t, Taint::Clean) if t.is_tainted() => (a, b, true),
            (Taint::Clean, t) if t.is_tainted() => (b, a, false),
            _ => return Ok(false),
        };
        if !op.is_predicate() {
            return Ok(false);
        }
        let sv = self.ev_value(subject.clone());
        if let Taint::Octet(k) = subject.1 {
            // Ask the very comparison of every octet: the recorded set cannot disagree
            // with the result.
            let other = other.0.clone();
            let steps = self.steps;
            let what = format!("{} {}", op.symbol(), Self::text(&other));
            let done = self.observe_octet(
                k,
                what,
                |me, text| {
                    me.steps = steps;
                    me.ask_binary(op, text, &other, subject_left, span).ok()
                },
                &sv,
                span,
            );
            self.steps = steps;
            return Ok(done);
        }
        let lit = Self::text(&other.0);
        // Tcl's `==` compares as numbers where both sides are numbers. No address's text
        // is one, but a window of it can be ("10"): then a numeric literal ("10.0")
        // equals texts other than itself.
        if matches!(op, Eq | Ne)
            && matches!(subject.1, Taint::Range(..))
            && crate::value::parse_num(&lit).is_some()
        {
            return Ok(false);
        }
        let test = match (op, subject_left) {
            (Eq | Ne | StrEq | StrNe | Equals, _) => TextTest::Exact(&lit),
            (StartsWith | EndsWith | Contains | MatchesGlob, true) => {
                let pattern = match op {
                    StartsWith => format!("{}*", glob_literal(&lit)),
                    EndsWith => format!("*{}", glob_literal(&lit)),
                    Contains => format!("*{}*", glob_literal(&lit)),
                    _ => lit.to_string(),
                };
                return Ok(self.observe_test(
                    &sv,
                    TextTest::Glob {
                        pattern: &pattern,
                        nocase: false,
                    },
                    span,
                ));
            }
            _ => return Ok(false),
        };
        Ok(self.observe_test(&sv, test, span))
    }

    /// A comparison of the client port with a clean operand: asks the comparison of
    /// every port, with the very code that decides the connection, so the recorded set
    /// cannot disagree with the result.
    fn observe_port_test(
        &mut self,
        op: BinOp,
        a: &(Ev<'a>, Taint),
        b: &(Ev<'a>, Taint),
        port_left: bool,
        span: Span,
    ) -> R<'a, ()> {
        let other = if port_left { &b.0 } else { &a.0 };
        let operand: Box<str> = Self::text(other).as_ref().into();
        let key = (op, operand, port_left);
        let ports = match self.port_tests.get(&key) {
            Some(p) => p.clone(),
            None => {
                let other = other.clone();
                let mut failed = None;
                // Asking every port is the prover's bookkeeping, not the rule's work: it
                // must not spend the rule's step budget (the comparison below charges the
                // connection's own port once, as any comparison does).
                let steps = self.steps;
                let set = PortSet::from_predicate(|p| {
                    self.steps = steps;
                    match self.ask_binary(op, &p.to_string(), &other, port_left, span) {
                        Ok(r) => r,
                        Err(e) => {
                            failed.get_or_insert(e);
                            false
                        }
                    }
                });
                self.steps = steps;
                // An operand that makes the comparison fail fails it for every port
                // alike; the evaluation that follows raises the same error.
                if let Some(e) = failed {
                    return Err(e);
                }
                let set = Arc::new(set);
                self.port_tests.insert(key.clone(), set.clone());
                set
            }
        };
        let test = if port_left {
            format!("{} {}", op.symbol(), key.1)
        } else {
            format!("{} {} (port on the right)", key.1, op.symbol())
        };
        let origin = self.origin(span);
        self.out.observed_ports.push(PortObserved {
            test,
            ports,
            origin,
        });
        Ok(())
    }

    /// A binary operator on two operands, taint aside.
    fn apply_binary(&mut self, op: BinOp, a: Ev<'a>, b: Ev<'a>, span: Span) -> R<'a, Ev<'a>> {
        use BinOp::*;
        let bool_ev = |x: bool| Ev::Int(i64::from(x));
        let r = match op {
            StrEq | Equals => bool_ev(Self::text(&a) == Self::text(&b)),
            StrNe => bool_ev(Self::text(&a) != Self::text(&b)),
            StartsWith => bool_ev(Self::text(&a).starts_with(Self::text(&b).as_ref())),
            EndsWith => bool_ev(Self::text(&a).ends_with(Self::text(&b).as_ref())),
            Contains => bool_ev(Self::text(&a).contains(Self::text(&b).as_ref())),
            MatchesGlob => bool_ev(self.glob(&Self::text(&b), &Self::text(&a), false, span)?),
            MatchesRegex => {
                let re = self.regex(&Self::text(&b), false, span)?;
                bool_ev(re.is_match(&Self::text(&a)))
            }
            In | Ni => {
                let list = self.list(&Self::text(&b), span)?;
                let needle = Self::text(&a);
                let found = list.iter().any(|x| x.as_str() == needle.as_ref());
                bool_ev(found == (op == In))
            }
            Eq | Ne | Lt | Gt | Le | Ge => {
                let ord = match (Self::num(&a), Self::num(&b)) {
                    (Some(Num::Int(x)), Some(Num::Int(y))) => x.partial_cmp(&y),
                    (Some(x), Some(y)) => to_f(x).partial_cmp(&to_f(y)),
                    _ => Self::text(&a).as_ref().partial_cmp(Self::text(&b).as_ref()),
                };
                use std::cmp::Ordering::*;
                bool_ev(match op {
                    Eq => ord == Some(Equal),
                    Ne => ord != Some(Equal),
                    Lt => ord == Some(Less),
                    Gt => ord == Some(Greater),
                    Le => matches!(ord, Some(Less | Equal)),
                    _ => matches!(ord, Some(Greater | Equal)),
                })
            }
            And | Or => bool_ev(false),
            _ => self.arith(op, &a, &b, span)?,
        };
        Ok(r)
    }

    fn arith(&mut self, op: BinOp, a: &Ev<'_>, b: &Ev<'_>, span: Span) -> R<'a, Ev<'a>> {
        use BinOp::*;
        let sym = op.symbol();
        if matches!(op, Mod | Shl | Shr | BitAnd | BitOr | BitXor) {
            let x = self.need_int(a, sym, span)?;
            let y = self.need_int(b, sym, span)?;
            let r = match op {
                Mod => {
                    if y == 0 {
                        return self.fail(RuntimeErrorKind::DivideByZero, span);
                    }
                    let r = x.wrapping_rem(y);
                    if r != 0 && ((r < 0) != (y < 0)) {
                        r + y
                    } else {
                        r
                    }
                }
                Shl => {
                    if y < 0 {
                        return self.fail(
                            RuntimeErrorKind::User {
                                message: "negative shift argument".into(),
                            },
                            span,
                        );
                    }
                    // Shifting back must give x again, or bits (or the sign) were lost.
                    match u32::try_from(y).ok().filter(|&y| y < 64) {
                        Some(y) if (x << y) >> y == x => x << y,
                        _ if x == 0 => 0,
                        _ => return self.fail(RuntimeErrorKind::IntegerOverflow, span),
                    }
                }
                Shr => {
                    if y < 0 {
                        return self.fail(
                            RuntimeErrorKind::User {
                                message: "negative shift argument".into(),
                            },
                            span,
                        );
                    }
                    x >> y.min(63)
                }
                BitAnd => x & y,
                BitOr => x | y,
                _ => x ^ y,
            };
            return Ok(Ev::Int(r));
        }
        let x = self.need_num(a, sym, span)?;
        let y = self.need_num(b, sym, span)?;
        if let (Num::Int(x), Num::Int(y)) = (x, y) {
            let r = match op {
                Add => x.checked_add(y),
                Sub => x.checked_sub(y),
                Mul => x.checked_mul(y),
                Div => {
                    if y == 0 {
                        return self.fail(RuntimeErrorKind::DivideByZero, span);
                    }
                    x.checked_div(y).map(|q| {
                        if (x % y != 0) && ((x < 0) != (y < 0)) {
                            q - 1
                        } else {
                            q
                        }
                    })
                }
                Pow => {
                    if y < 0 {
                        return match x {
                            0 => self.fail(
                                RuntimeErrorKind::User {
                                    message: "exponentiation of zero by negative power".into(),
                                },
                                span,
                            ),
                            1 => Ok(Ev::Int(1)),
                            -1 => Ok(Ev::Int(if y % 2 == 0 { 1 } else { -1 })),
                            _ => Ok(Ev::Int(0)),
                        };
                    }
                    u32::try_from(y).ok().and_then(|e| x.checked_pow(e))
                }
                _ => None,
            };
            return match r {
                Some(v) => Ok(Ev::Int(v)),
                None => self.fail(RuntimeErrorKind::IntegerOverflow, span),
            };
        }
        let (x, y) = (to_f(x), to_f(y));
        Ok(Ev::Float(match op {
            Add => x + y,
            Sub => x - y,
            Mul => x * y,
            Div => x / y,
            Pow => x.powf(y),
            _ => f64::NAN,
        }))
    }

    fn func(
        &mut self,
        name: &str,
        args: Vec<(Ev<'a>, Taint)>,
        span: Span,
    ) -> R<'a, (Ev<'a>, Taint)> {
        let joined = args.iter().fold(Taint::Clean, |t, a| t.join(a.1));
        let t = if joined == Taint::Free {
            Taint::Free
        } else if joined.is_tainted() {
            self.escape(
                &format!("{name}() on a value derived from the client address"),
                span,
            );
            Taint::Derived
        } else {
            Taint::Clean
        };
        let mut nums = Vec::with_capacity(args.len());
        for a in &args {
            nums.push(self.need_num(&a.0, name, span)?);
        }
        let one = |s: &Self| -> R<'a, Num> {
            match nums.as_slice() {
                [n] => Ok(*n),
                _ => s.fail(
                    RuntimeErrorKind::User {
                        message: format!("wrong # args for math function \"{name}\""),
                    },
                    span,
                ),
            }
        };
        let r = match name {
            "abs" => match one(self)? {
                Num::Int(i) => match i.checked_abs() {
                    Some(v) => Ev::Int(v),
                    None => return self.fail(RuntimeErrorKind::IntegerOverflow, span),
                },
                Num::Float(f) => Ev::Float(f.abs()),
            },
            "int" | "wide" | "entier" => match one(self)? {
                Num::Int(i) => Ev::Int(i),
                Num::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Ev::Int(f.trunc() as i64),
                Num::Float(_) => return self.fail(RuntimeErrorKind::IntegerOverflow, span),
            },
            "double" => Ev::Float(to_f(one(self)?)),
            "round" => match one(self)? {
                Num::Int(i) => Ev::Int(i),
                Num::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Ev::Int(f.round() as i64),
                Num::Float(_) => return self.fail(RuntimeErrorKind::IntegerOverflow, span),
            },
            "floor" => Ev::Float(to_f(one(self)?).floor()),
            "ceil" => Ev::Float(to_f(one(self)?).ceil()),
            "sqrt" => Ev::Float(to_f(one(self)?).sqrt()),
            "bool" => Ev::Int(i64::from(to_f(one(self)?) != 0.0)),
            "pow" => match nums.as_slice() {
                [a, b] => Ev::Float(to_f(*a).powf(to_f(*b))),
                _ => return self.wrong_args("pow(x,y)", span),
            },
            "min" | "max" => {
                let Some(first) = nums.first().copied() else {
                    return self.fail(
                        RuntimeErrorKind::User {
                            message: format!("too few arguments to math function \"{name}\""),
                        },
                        span,
                    );
                };
                let mut best = first;
                for n in &nums[1..] {
                    let better = if name == "min" {
                        to_f(*n) < to_f(best)
                    } else {
                        to_f(*n) > to_f(best)
                    };
                    if better {
                        best = *n;
                    }
                }
                match best {
                    Num::Int(i) => Ev::Int(i),
                    Num::Float(f) => Ev::Float(f),
                }
            }
            _ => {
                return self.fail(
                    RuntimeErrorKind::User {
                        message: format!("invalid command name \"tcl::mathfunc::{name}\""),
                    },
                    span,
                );
            }
        };
        Ok((r, t))
    }
}

fn to_f(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// `a(k)` into `("a", Some("k"))`.
pub(crate) fn split_array_name(name: &str) -> (&str, Option<&str>) {
    if name.ends_with(')')
        && let Some(open) = name.find('(')
    {
        return (&name[..open], Some(&name[open + 1..name.len() - 1]));
    }
    (name, None)
}
