//! The F5 commands: data groups, addresses and ports, and decisions recorded as data.

use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use addrspace::{Addr, AddrSet, Domain, Family};

use crate::builtins::Builtin;
use crate::datagroup::{DataGroup, DataGroupKind, IndexedDataGroup, MatchOp, Record, RecordKey};
use crate::error::RuntimeErrorKind;
use crate::interp::{Interp, R};
use crate::outcome::{Answer, Decision, ObservedBy, Recorded};
use crate::span::Span;
use crate::value::{Taint, Value, format_list, parse_list};

/// A data group as a command sees it: from the host, or built from a v10 `$::name` list.
enum Group<'a> {
    Host(&'a IndexedDataGroup),
    Inline(Box<IndexedDataGroup>),
}

impl Group<'_> {
    fn get(&self) -> &IndexedDataGroup {
        match self {
            Group::Host(g) => g,
            Group::Inline(g) => g,
        }
    }
}

impl<'a> Interp<'_, 'a> {
    pub(crate) fn resolve_group(&self, name: &str) -> Option<&'a IndexedDataGroup> {
        thread_local! {
            // The path buffer is reused: lookups happen on every connection.
            static PATH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        let host = self.host;
        if name.starts_with('/') {
            return host.data_group(name);
        }
        let partition = self.src.partition.as_str();
        PATH.with(|buf| {
            let mut buf = buf.borrow_mut();
            for p in [partition, "Common"] {
                buf.clear();
                buf.push('/');
                buf.push_str(p);
                buf.push('/');
                buf.push_str(name);
                if let Some(g) = host.data_group(&buf) {
                    return Some(g);
                }
            }
            None
        })
    }

    /// [`Interp::resolve_group`] through the session's cache.
    fn resolve_group_value(&self, name: &Value<'a>) -> Option<&'a IndexedDataGroup> {
        if self.src.partition != "Common" {
            return self.resolve_group(name.as_str());
        }
        let name_text = name.as_str();
        if let Some((_, hit)) = self
            .st
            .group_cache
            .borrow()
            .iter()
            .find(|(k, _)| k.as_str() == name_text)
        {
            return *hit;
        }
        let g = self.resolve_group(name_text);
        let mut cache = self.st.group_cache.borrow_mut();
        if cache.len() < cache.inline_size() {
            cache.push((name.key(), g));
        }
        g
    }

    /// The client address as `IP::client_addr` renders it, made once per connection.
    fn client_value(&mut self, cmd: &str, span: Span) -> R<'a, Value<'a>> {
        let c = self.client_conn(cmd, span)?;
        Ok(self
            .st
            .client
            .get_or_insert_with(|| Value::tainted(render_addr(&c.client), Taint::Client))
            .clone())
    }

    /// The item as an address: the connection's own address without parsing when the
    /// item is the text `IP::client_addr` returned.
    pub(crate) fn item_addr(&self, item: &Value<'a>) -> Option<Addr> {
        if let (Some(client), Some(c)) = (&self.st.client, self.conn)
            && client.same_tainted(item)
        {
            return Some(c.client);
        }
        item.as_str().parse().ok()
    }

    /// A class argument: a data-group name, or in v10 mode the list `$::name` expanded to.
    fn group_arg(&self, arg: &Value<'a>, span: Span) -> R<'a, Group<'a>> {
        if let Some(g) = self.resolve_group_value(arg) {
            return Ok(Group::Host(g));
        }
        if self.settings.v10_globals
            && let Ok(items) = parse_list(arg.as_str())
            && items.len() > 1
        {
            return Ok(Group::Inline(Box::new(inline_group(&items))));
        }
        self.fail(
            RuntimeErrorKind::NoSuchDataGroup {
                name: arg.as_str().to_string(),
            },
            span,
        )
    }

    pub(crate) fn resolve_object(
        &self,
        name: &str,
        exists: impl Fn(&str) -> bool,
    ) -> Option<String> {
        if name.starts_with('/') {
            return exists(name).then(|| name.to_string());
        }
        [
            format!("/{}/{name}", self.src.partition),
            format!("/Common/{name}"),
        ]
        .into_iter()
        .find(|p| exists(p))
    }

    pub(crate) fn record(&mut self, decision: Decision, span: Span) {
        let origin = self.origin(span);
        self.out.decisions.push(Recorded { decision, origin });
    }

    fn client_conn(&self, cmd: &str, span: Span) -> R<'a, crate::host::Connection> {
        match self.conn {
            Some(c) => Ok(c),
            None => self.fail(
                RuntimeErrorKind::NoConnection {
                    command: cmd.to_string(),
                },
                span,
            ),
        }
    }

    fn addr_arg(&self, cmd: &str, v: &Value<'a>, span: Span) -> R<'a, Addr> {
        match v.as_str().parse::<Addr>() {
            Ok(a) => Ok(a),
            Err(_) => self.fail(
                RuntimeErrorKind::BadArgument {
                    command: cmd.to_string(),
                    value: v.as_str().to_string(),
                    expected: "an IP address".into(),
                },
                span,
            ),
        }
    }

    fn port_arg(&self, cmd: &str, v: &Value<'a>, span: Span) -> R<'a, u16> {
        match v.as_str().parse::<u16>() {
            Ok(p) => Ok(p),
            Err(_) => self.fail(
                RuntimeErrorKind::BadArgument {
                    command: cmd.to_string(),
                    value: v.as_str().to_string(),
                    expected: "a port number from 0 to 65535".into(),
                },
                span,
            ),
        }
    }

    /// Records an escape when a decision's argument depends on the client address.
    pub(crate) fn decision_taint(&mut self, cmd: &str, args: &[Value<'a>], span: Span) {
        let t = args.iter().fold(Taint::Clean, |t, a| t.join(a.taint()));
        if t.is_tainted() {
            let what = format!("`{cmd}` argument from {}", self.derived_from(t));
            self.escape(&what, span);
        }
    }

    /// The taint bookkeeping of one data-group lookup.
    fn lookup_taint(
        &mut self,
        item: &Value<'a>,
        op: MatchOp,
        g: &Group<'_>,
        answer: Answer,
        nocase: bool,
        span: Span,
    ) {
        let dg = g.get();
        let kind = dg.group().kind;
        match item.taint() {
            Taint::Clean => {}
            Taint::Client if kind == DataGroupKind::Ip && op == MatchOp::Equals => {
                self.observe(
                    ObservedBy::DataGroup(dg.name().clone()),
                    dg.blocks().clone(),
                    answer,
                    span,
                );
            }
            // The client masked first: each record holds the addresses whose masked form
            // it holds, and the most specific of those is the one the lookup finds.
            Taint::Masked(m)
                if kind == DataGroupKind::Ip
                    && op == MatchOp::Equals
                    && self.text_view(item).is_some() =>
            {
                let domain = self.conn.map(|c| c.client.domain());
                let sets: Vec<AddrSet> = dg
                    .group()
                    .records
                    .iter()
                    .filter_map(|r| match &r.key {
                        RecordKey::Ip {
                            domain: d,
                            first,
                            last,
                        } if Some(*d) == domain => {
                            Some(masked_preimage(&AddrSet::range(*d, *first, *last), *d, m))
                        }
                        _ => None,
                    })
                    .collect();
                let sets: Arc<[AddrSet]> = if answer == Answer::AnyHolds {
                    Arc::from(vec![AddrSet::from_sets(sets.iter())])
                } else {
                    Arc::from(sets)
                };
                // Only the client's domain is asked about: another route domain's
                // addresses meet that domain's records.
                if let Some(d) = domain {
                    self.observe(
                        ObservedBy::DataGroup(dg.name().clone()),
                        Arc::from(vec![AddrSet::full(d)]),
                        Answer::AnyHolds,
                        span,
                    );
                }
                self.observe(ObservedBy::DataGroup(dg.name().clone()), sets, answer, span);
            }
            // No address's text is an integer: never equal, nothing to cut.
            Taint::Client | Taint::Masked(_)
                if kind == DataGroupKind::Integer
                    && op == MatchOp::Equals
                    && self.text_view(item).is_some() => {}
            // The keys as text: answered for every address. An inline group has no
            // name to remember its sets by.
            Taint::Client | Taint::Masked(_) | Taint::Range(..)
                if op != MatchOp::Equals || kind == DataGroupKind::String =>
            {
                let which = answer == Answer::WhichHold;
                let cacheable = matches!(g, Group::Host(_));
                let q = crate::addrtext::KeysQuery {
                    op,
                    nocase,
                    which,
                    cacheable,
                };
                if !self.observe_keys(item, dg, q, span) {
                    let what = format!(
                        "data-group lookup `{}` on {} too ragged to follow",
                        op.word(),
                        self.derived_from(item.taint())
                    );
                    self.escape(&what, span);
                }
            }
            t => {
                let what = format!(
                    "data-group lookup outside ip `equals` on {}",
                    self.derived_from(t)
                );
                self.escape(&what, span)
            }
        }
    }

    pub(crate) fn f5(&mut self, b: Builtin, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        use Builtin::*;
        let n = args.len();
        if b.is_run_time() {
            return self.run_time(b, args, span);
        }
        if let Some(now) = b.v9_successor() {
            return self.f5(now, args, span);
        }
        match b {
            Log => self.tcl(b, args, span),
            Getfield | Findstr | Substr | Domain | UriEncode | UriDecode | B64encode
            | B64decode | Md5 | Sha1 | Sha256 | Sha384 | Sha512 | Crc32 | IpVersion
            | IpProtocol | Clientside | Htonl | Htons | Ntohl | Ntohs | DecodeUri => {
                self.f5_text(b, args, span)
            }
            Class => self.class_cmd(args, span),
            Matchclass => {
                let [_, a, op, c] = args else {
                    return self.wrong_args("matchclass <item> <operator> <class>", span);
                };
                let Some(op) = MatchOp::parse(op.as_str()) else {
                    return self.bad_op(op, span);
                };
                // Old rules write the class first or last; take whichever names a class.
                let (item, g) = match self.group_arg(c, span) {
                    Ok(g) => (a, g),
                    Err(e) => match self.resolve_group(a.as_str()) {
                        Some(g) => (c, Group::Host(g)),
                        None => return Err(e),
                    },
                };
                self.lookup_taint(item, op, &g, Answer::WhichHold, false, span);
                let hit = g.get().find(item.as_str(), op);
                Ok(Value::int(hit.map(|i| i as i64 + 1).unwrap_or(0)))
            }
            Findclass => {
                let (item, c, sep) = match args {
                    [_, i, c] => (i, c, " "),
                    [_, i, c, s] => (i, c, s.as_str()),
                    _ => return self.wrong_args("findclass <item> <class> ?<separator>?", span),
                };
                let g = self.group_arg(c, span)?;
                if item.taint().is_tainted() {
                    let what = format!("findclass on {}", self.derived_from(item.taint()));
                    self.escape(&what, span);
                }
                let dg = g.get().group();
                let hit = dg.records.iter().find(|r| {
                    let key = r.name.split(sep).next().unwrap_or("");
                    key.starts_with(item.as_str())
                });
                let out = match hit {
                    None => std::string::String::new(),
                    Some(Record { data: Some(d), .. }) => d.clone(),
                    Some(r) => match r.name.split_once(sep) {
                        Some((_, v)) => v.to_string(),
                        None => r.name.clone(),
                    },
                };
                Ok(Value::new(out))
            }
            // On the server side of a connection the remote end is the pool member and
            // the local end the SNAT address, which the engine does not know while the
            // rule runs: a gap, not the client's address.
            IpRemoteAddr | IpLocalAddr | TcpRemotePort | TcpLocalPort
                if self.event.starts_with("SERVER_") =>
            {
                self.fail(
                    RuntimeErrorKind::Unsupported {
                        command: format!("{} on the server side", b.name()),
                        event: self.event.to_string(),
                    },
                    span,
                )
            }
            IpClientAddr | IpRemoteAddr => self.client_value(b.name(), span),
            IpLocalAddr => {
                let c = self.client_conn(b.name(), span)?;
                Ok(Value::new(c.local.to_string()))
            }
            TcpClientPort | TcpRemotePort => {
                // The client picks its source port: a free input the prover cuts on,
                // never a constant.
                let c = self.client_conn(b.name(), span)?;
                Ok(Value::tainted(c.client_port.to_string(), Taint::Port))
            }
            TcpLocalPort => {
                let c = self.client_conn(b.name(), span)?;
                Ok(Value::int(i64::from(c.local_port)))
            }
            IpAddr => self.ip_addr(args, span),
            Snat => {
                self.decision_taint("snat", &args[1..], span);
                let s = match args {
                    [_, a] if a.as_str() == "automap" => crate::outcome::Snat::Automap,
                    [_, a] if a.as_str() == "none" => crate::outcome::Snat::None,
                    [_, a] | [_, a, _] => {
                        let addr = match a.as_str().parse::<Addr>() {
                            Ok(x) => x,
                            Err(_) => {
                                return self.fail(
                                    RuntimeErrorKind::BadArgument {
                                        command: "snat".into(),
                                        value: a.as_str().to_string(),
                                        expected: "`automap`, `none` or an IP address".into(),
                                    },
                                    span,
                                );
                            }
                        };
                        let port = match args.get(2) {
                            Some(p) => Some(self.port_arg("snat", p, span)?),
                            None => None,
                        };
                        crate::outcome::Snat::Addr { addr, port }
                    }
                    _ => return self.wrong_args("snat automap | none | <addr> ?<port>?", span),
                };
                self.record(Decision::Snat(s), span);
                Ok(Value::empty())
            }
            Snatpool => {
                self.decision_taint("snatpool", &args[1..], span);
                let (name, member) = match args {
                    [_, p] => (p, None),
                    [_, p, m, a] if m.as_str() == "member" => {
                        (p, Some(self.addr_arg("snatpool", a, span)?))
                    }
                    [_, p, m, a, _] if m.as_str() == "member" => {
                        (p, Some(self.addr_arg("snatpool", a, span)?))
                    }
                    _ => return self.wrong_args("snatpool <name> ?member <addr> ?<port>??", span),
                };
                let host = self.host;
                let Some(full) = self.resolve_object(name.as_str(), |p| host.snatpool_exists(p))
                else {
                    return self.no_object("snatpool", name, span);
                };
                self.record(
                    Decision::Snat(crate::outcome::Snat::Pool { name: full, member }),
                    span,
                );
                Ok(Value::empty())
            }
            Pool => {
                self.decision_taint("pool", &args[1..], span);
                let (name, member) = match args {
                    [_, p] => (p, None),
                    [_, p, m, a] if m.as_str() == "member" => {
                        (p, Some(self.addr_port(a, None, span)?))
                    }
                    [_, p, m, a, port] if m.as_str() == "member" => {
                        (p, Some(self.addr_port(a, Some(port), span)?))
                    }
                    _ => return self.wrong_args("pool <name> ?member <addr> ?<port>??", span),
                };
                let host = self.host;
                let Some(full) = self.resolve_object(name.as_str(), |p| host.pool_exists(p)) else {
                    return self.no_object("pool", name, span);
                };
                self.record(Decision::Pool { name: full, member }, span);
                Ok(Value::empty())
            }
            Node => {
                self.decision_taint("node", &args[1..], span);
                let (addr, port) = match args {
                    [_, a] => self.addr_port(a, None, span)?,
                    [_, a, p] => self.addr_port(a, Some(p), span)?,
                    _ => return self.wrong_args("node <addr> ?<port>?", span),
                };
                if !self.host.node_exists(&addr) {
                    return self.no_object("node", &args[1], span);
                }
                self.record(Decision::Node { addr, port }, span);
                Ok(Value::empty())
            }
            Persist => {
                let opt = |i: usize| args.get(i).map(|v| v.as_str().to_string());
                let timeout = |s: &Self, i: usize| -> R<'a, Option<u32>> {
                    match args.get(i) {
                        Some(v) => match v.as_str().parse::<u32>() {
                            Ok(t) => Ok(Some(t)),
                            Err(_) => s.fail(
                                RuntimeErrorKind::BadArgument {
                                    command: "persist".into(),
                                    value: v.as_str().into(),
                                    expected: "a timeout in seconds".into(),
                                },
                                span,
                            ),
                        },
                        None => Ok(None),
                    }
                };
                let p = match args.get(1).map(|v| v.as_str()) {
                    // A persistence record is kept by the BIG-IP across connections.
                    Some("lookup") => return Ok(self.free_input("persist lookup", "", span)),
                    Some("add" | "delete") => return Ok(Value::empty()),
                    Some("none") if n == 2 => crate::outcome::Persist::None,
                    Some("source_addr") if n <= 4 => crate::outcome::Persist::SourceAddr {
                        mask: opt(2),
                        timeout: timeout(self, 3)?,
                    },
                    Some("dest_addr") if n <= 4 => crate::outcome::Persist::DestAddr {
                        mask: opt(2),
                        timeout: timeout(self, 3)?,
                    },
                    Some(other) => {
                        self.decision_taint("persist", &args[2..], span);
                        crate::outcome::Persist::Other {
                            mode: other.to_string(),
                        }
                    }
                    None => return self.wrong_args("persist source_addr|dest_addr|none ...", span),
                };
                self.record(Decision::Persist(p), span);
                Ok(Value::empty())
            }
            LbSelect => {
                self.record(Decision::LbSelect, span);
                Ok(Value::empty())
            }
            Reject => {
                self.record(Decision::Reject, span);
                Ok(Value::empty())
            }
            Drop | Discard => {
                self.record(Decision::Drop, span);
                Ok(Value::empty())
            }
            Event => self.event_cmd(args, span),
            Virtual => match args {
                [_] | [_, _] => Ok(Value::new(self.host.virtual_name())),
                _ => self.wrong_args("virtual ?name?", span),
            },
            Call => {
                let Some(name) = args.get(1) else {
                    return self.wrong_args("call <proc> ?<arg> ...?", span);
                };
                match self.find_proc(name.as_str()) {
                    Some(p) => self.call_proc(p, &args[2..], span),
                    None => self.fail(
                        RuntimeErrorKind::UnknownCommand {
                            name: name.as_str().to_string(),
                        },
                        span,
                    ),
                }
            }
            _ => self.tcl(b, args, span),
        }
    }

    fn no_object<T>(&self, what: &'static str, name: &Value<'a>, span: Span) -> R<'a, T> {
        self.fail(
            RuntimeErrorKind::NoSuchObject {
                what,
                name: name.as_str().to_string(),
            },
            span,
        )
    }

    fn bad_op<T>(&self, op: &Value<'a>, span: Span) -> R<'a, T> {
        self.fail(
            RuntimeErrorKind::BadArgument {
                command: "class".into(),
                value: op.as_str().to_string(),
                expected: "equals, starts_with, ends_with or contains".into(),
            },
            span,
        )
    }

    /// `a`, `a:port`, or `a` and a separate port.
    fn addr_port(
        &self,
        a: &Value<'a>,
        port: Option<&Value<'a>>,
        span: Span,
    ) -> R<'a, (Addr, Option<u16>)> {
        if let Some(p) = port {
            return Ok((
                self.addr_arg("pool", a, span)?,
                Some(self.port_arg("pool", p, span)?),
            ));
        }
        if let Ok(x) = a.as_str().parse::<Addr>() {
            return Ok((x, None));
        }
        let text = a.as_str();
        if let Some((h, p)) = text.rsplit_once(':').or_else(|| text.rsplit_once('.'))
            && let (Ok(x), Ok(p)) = (h.parse::<Addr>(), p.parse::<u16>())
        {
            return Ok((x, Some(p)));
        }
        Ok((self.addr_arg("node", a, span)?, None))
    }

    fn event_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let words: Vec<&str> = args[1..].iter().map(|v| v.as_str()).collect();
        let rule = self.src.name.clone();
        let cur: Arc<str> = Arc::from(self.event);
        match words.as_slice() {
            ["disable", "all"] => self.st.disabled_all = true,
            ["disable"] => {
                self.st.rare_mut().disabled.insert((rule, cur));
            }
            ["enable", "all"] => {
                self.st.disabled_all = false;
                self.st.rare_mut().disabled.clear();
            }
            ["enable"] => {
                self.st.rare_mut().disabled.remove(&(rule, cur));
            }
            [ev, "disable"] => {
                self.st.rare_mut().disabled.insert((rule, Arc::from(*ev)));
            }
            [ev, "enable"] => {
                self.st.rare_mut().disabled.remove(&(rule, Arc::from(*ev)));
            }
            ["info"] | [] => return Ok(Value::new(cur.to_string())),
            _ => return self.wrong_args("event ?<name>? enable|disable ?all?", span),
        }
        self.record(Decision::Event(words.join(" ")), span);
        Ok(Value::empty())
    }

    fn class_cmd(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        let Some(sub) = args.get(1) else {
            return self.wrong_args("class <subcommand> ...", span);
        };
        let mut i = 2;
        let (mut index, mut name, mut value, mut element, mut all, mut nocase) =
            (false, false, false, false, false, false);
        while i < args.len() {
            match args[i].as_str() {
                "-index" => index = true,
                "-name" => name = true,
                "-value" => value = true,
                "-element" => element = true,
                "-all" => all = true,
                "-nocase" => nocase = true,
                "--" => {
                    i += 1;
                    break;
                }
                _ => break,
            }
            i += 1;
        }
        let rest = &args[i..];
        match (sub.as_str(), rest) {
            ("match", [item, op, c]) | ("search", [c, op, item]) => {
                let Some(op) = MatchOp::parse(op.as_str()) else {
                    return self.bad_op(op, span);
                };
                let g = self.group_arg(c, span)?;
                let answer = if index || name || value || element || all {
                    Answer::WhichHold
                } else {
                    Answer::AnyHolds
                };
                self.lookup_taint(item, op, &g, answer, nocase, span);
                let dg = g.get();
                let lowered;
                let item_text = if nocase {
                    lowered = item.as_str().to_lowercase();
                    lowered.as_str()
                } else {
                    item.as_str()
                };
                let render = |k: usize| -> String {
                    let r = &dg.group().records[k];
                    if index {
                        k.to_string()
                    } else if value {
                        r.data.clone().unwrap_or_default()
                    } else if element {
                        format_list(&[r.name.as_str(), r.data.as_deref().unwrap_or("")])
                    } else {
                        r.name.clone()
                    }
                };
                // -nocase compares lowercased item and keys; ip keys ignore case anyway.
                let nocase_hits = |dg: &IndexedDataGroup| -> Vec<usize> {
                    let recs = &dg.group().records;
                    (0..recs.len())
                        .filter(|&k| {
                            let key = recs[k].name.to_lowercase();
                            match op {
                                MatchOp::Equals => item_text == key,
                                MatchOp::StartsWith => item_text.starts_with(key.as_str()),
                                MatchOp::EndsWith => item_text.ends_with(key.as_str()),
                                MatchOp::Contains => item_text.contains(key.as_str()),
                            }
                        })
                        .collect()
                };
                let text_nocase = nocase && dg.group().kind != DataGroupKind::Ip;
                if all {
                    let hits = if text_nocase {
                        nocase_hits(dg)
                    } else {
                        dg.find_all(item_text, op)
                    };
                    let out: Vec<String> = hits.into_iter().map(render).collect();
                    return Ok(Value::new(format_list(&out)));
                }
                let hit = match (dg.group().kind, op) {
                    (DataGroupKind::Ip, MatchOp::Equals) => {
                        self.item_addr(item).and_then(|a| dg.longest_match(&a))
                    }
                    _ if text_nocase => nocase_hits(dg).first().copied(),
                    _ => dg.find(item_text, op),
                };
                Ok(Value::new(match hit {
                    None if index => "-1".to_string(),
                    None if name || value || element => String::new(),
                    None => return Ok(Value::bool(false)),
                    Some(k) if index || name || value || element => render(k),
                    Some(_) => return Ok(Value::bool(true)),
                }))
            }
            ("lookup", [item, c]) => {
                let g = self.group_arg(c, span)?;
                self.lookup_taint(item, MatchOp::Equals, &g, Answer::WhichHold, false, span);
                let dg = g.get();
                let hit = dg.find(item.as_str(), MatchOp::Equals);
                Ok(Value::new(
                    hit.and_then(|k| dg.group().records[k].data.clone())
                        .unwrap_or_default(),
                ))
            }
            ("exists", [c]) => Ok(Value::bool(self.resolve_group_value(c).is_some())),
            ("size", [c]) => {
                let g = self.group_arg(c, span)?;
                Ok(Value::int(g.get().group().records.len() as i64))
            }
            ("type", [c]) => {
                let g = self.group_arg(c, span)?;
                Ok(Value::new(match g.get().group().kind {
                    DataGroupKind::Ip => "ip",
                    DataGroupKind::String => "string",
                    DataGroupKind::Integer => "integer",
                }))
            }
            ("names" | "get", [c] | [c, _]) => {
                let g = self.group_arg(c, span)?;
                let pat = rest.get(1).map(|p| p.as_str());
                let recs =
                    g.get().group().records.iter().filter(|r| {
                        pat.is_none_or(|p| crate::value::glob_match(p, &r.name, nocase))
                    });
                let out: Vec<String> = if sub.as_str() == "names" {
                    recs.map(|r| r.name.clone()).collect()
                } else {
                    recs.map(|r| format_list(&[r.name.as_str(), r.data.as_deref().unwrap_or("")]))
                        .collect()
                };
                Ok(Value::new(format_list(&out)))
            }
            ("element", [k, c]) => {
                let g = self.group_arg(c, span)?;
                let recs = &g.get().group().records;
                let k = self.index(k.as_str(), recs.len(), span)?;
                let Some(r) = usize::try_from(k).ok().and_then(|k| recs.get(k)) else {
                    return Ok(Value::empty());
                };
                Ok(Value::new(if name {
                    r.name.clone()
                } else if value {
                    r.data.clone().unwrap_or_default()
                } else {
                    format_list(&[r.name.as_str(), r.data.as_deref().unwrap_or("")])
                }))
            }
            (other, _) => {
                if matches!(
                    other,
                    "match"
                        | "search"
                        | "lookup"
                        | "exists"
                        | "size"
                        | "names"
                        | "get"
                        | "element"
                        | "type"
                ) {
                    return self.wrong_args(&format!("class {other} ..."), span);
                }
                self.fail(
                    RuntimeErrorKind::Unsupported {
                        command: format!("class {other}"),
                        event: self.event.to_string(),
                    },
                    span,
                )
            }
        }
    }

    /// `IP::addr <a>[/<m>] equals <b>[/<m>]` and `IP::addr <a> mask <m>`.
    fn ip_addr(&mut self, args: &[Value<'a>], span: Span) -> R<'a, Value<'a>> {
        match args {
            [_, a, op, b] if op.as_str() == "equals" => {
                let (x, lx) = self.cidr_arg(a, span)?;
                let (y, ly) = self.cidr_arg(b, span)?;
                let len = lx.min(ly);
                let same = x.domain() == y.domain();
                let width = width(x.domain().family);
                let m = |n: u128| if len == 0 { 0 } else { n >> (width - len) };
                let eq = same && m(x.number()) == m(y.number());
                // The client masked first (`IP::addr [IP::addr $c mask m] equals n/l`): the
                // addresses whose masked form lies in the block.
                let masked = match (a.taint(), b.taint()) {
                    (Taint::Masked(m), Taint::Clean) if self.text_view(a).is_some() => {
                        Some((m, y, a))
                    }
                    (Taint::Clean, Taint::Masked(m)) if self.text_view(b).is_some() => {
                        Some((m, x, b))
                    }
                    _ => None,
                };
                if let Some((m, lit, subject)) = masked {
                    // A mask written on the masked side (`$net/24`) is not followed.
                    if subject.as_str().contains('/') {
                        self.escape("IP::addr on a masked address with a prefix", span);
                    } else {
                        let set = masked_preimage(&block_of(lit, len), lit.domain(), m);
                        let what: Arc<str> = Arc::from(format!(
                            "{} under mask /{m}",
                            args[if b.taint() == Taint::Clean { 3 } else { 1 }].as_str()
                        ));
                        self.observe(
                            ObservedBy::IpAddr(what),
                            Arc::from(vec![set]),
                            Answer::AnyHolds,
                            span,
                        );
                    }
                    return Ok(Value::bool(eq));
                }
                let lit = match (a.taint(), b.taint()) {
                    (Taint::Client, Taint::Clean) => Some(y),
                    (Taint::Clean, Taint::Client) => Some(x),
                    (Taint::Clean, Taint::Clean) => None,
                    _ => {
                        let what = format!(
                            "IP::addr on {}",
                            self.derived_from(a.taint().join(b.taint()))
                        );
                        self.escape(&what, span);
                        None
                    }
                };
                if let Some(lit) = lit {
                    let (what, sets) =
                        match self.st.rare().and_then(|r| r.ip_blocks.get(&(lit, len))) {
                            Some(hit) => hit.clone(),
                            None => {
                                let what: Arc<str> = Arc::from(
                                    args[if b.taint() == Taint::Clean { 3 } else { 1 }].as_str(),
                                );
                                let made = (what, Arc::from(vec![block_of(lit, len)]));
                                // Bounded: operands computed at run time could be endless.
                                let cache = &mut self.st.rare_mut().ip_blocks;
                                if cache.len() < 65_536 {
                                    cache.insert((lit, len), made.clone());
                                }
                                made
                            }
                        };
                    self.observe(ObservedBy::IpAddr(what), sets, Answer::AnyHolds, span);
                }
                Ok(Value::bool(eq))
            }
            [_, a, op, m] if op.as_str() == "mask" => {
                // The client address masked by a literal: its text is still a function
                // of the address that text tests can follow.
                let masking_client = a.taint() == Taint::Client
                    && m.taint() == Taint::Clean
                    && self.text_view(a).is_some_and(|v| v.suffix.is_empty());
                let t = if masking_client {
                    Taint::Clean
                } else {
                    self.taint_op("IP::addr mask", &args[1..], span)
                };
                let x = self.addr_arg("IP::addr", a, span)?;
                let len = mask_len(m.as_str(), x.domain().family)
                    .ok_or(())
                    .or_else(|_| {
                        self.fail(
                            RuntimeErrorKind::BadArgument {
                                command: "IP::addr".into(),
                                value: m.as_str().into(),
                                expected: "a netmask or prefix length".into(),
                            },
                            span,
                        )
                    })?;
                let set = block_of(x, len);
                let first = set
                    .ranges(x.domain())
                    .first()
                    .map(|r| r.0)
                    .unwrap_or(x.number());
                let text = x.domain().addr(first).to_string();
                if masking_client {
                    let len = u8::try_from(len).unwrap_or(u8::MAX);
                    return Ok(Value::tainted(text, Taint::Masked(len)));
                }
                Ok(Value::tainted(text, t))
            }
            _ if args.len() < 3 => {
                self.wrong_args("IP::addr <addr1>[/<mask>] equals|mask <addr2>|<mask>", span)
            }
            _ => self.fail(
                RuntimeErrorKind::Unsupported {
                    command: format!("IP::addr {}", args.get(2).map(|v| v.as_str()).unwrap_or("")),
                    event: self.event.to_string(),
                },
                span,
            ),
        }
    }

    fn cidr_arg(&self, v: &Value<'a>, span: Span) -> R<'a, (Addr, u32)> {
        let text = v.as_str();
        let bad = || {
            self.fail::<(Addr, u32)>(
                RuntimeErrorKind::BadArgument {
                    command: "IP::addr".into(),
                    value: text.to_string(),
                    expected: "an address, optionally with /prefix or /netmask".into(),
                },
                span,
            )
        };
        let (a, m) = match text.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (text, None),
        };
        // `10.1.1.0/24%2` and `10.1.1.0%2/24` both occur.
        let (m, rd) = match m.and_then(|m| m.split_once('%')) {
            Some((m, rd)) => (Some(m), Some(rd)),
            None => (m, None),
        };
        let a_text = match rd {
            Some(rd) => format!("{a}%{rd}"),
            None => a.to_string(),
        };
        let Ok(addr) = a_text.parse::<Addr>() else {
            return bad();
        };
        let fam = addr.domain().family;
        let len = match m {
            None => width(fam),
            Some(m) => match mask_len(m, fam) {
                Some(l) => l,
                None => return bad(),
            },
        };
        Ok((addr, len))
    }
}

/// The address as BIG-IP renders it, made in a stack buffer: the client's text is made
/// on every connection, and one allocation (the value's) is all it then costs.
fn render_addr(a: &Addr) -> Rc<str> {
    let mut out = StackText::default();
    match a.ip {
        std::net::IpAddr::V4(v4) => {
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                if o >= 100 {
                    out.push(b'0' + o / 100);
                }
                if o >= 10 {
                    out.push(b'0' + o / 10 % 10);
                }
                out.push(b'0' + o % 10);
            }
            if a.route_domain != 0 {
                let _ = write!(out, "%{}", a.route_domain);
            }
        }
        std::net::IpAddr::V6(_) => {
            let _ = write!(out, "{a}");
        }
    }
    Rc::from(out.as_str())
}

/// Text up to 64 bytes without allocating (an address with its route domain is at most
/// 56).
struct StackText {
    buf: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            buf: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn width(f: Family) -> u32 {
    match f {
        Family::V4 => 32,
        Family::V6 => 128,
    }
}

fn mask_len(m: &str, fam: Family) -> Option<u32> {
    if let Ok(n) = m.parse::<u32>() {
        return (n <= width(fam)).then_some(n);
    }
    let mask: std::net::IpAddr = m.parse().ok()?;
    let (bits, w) = match mask {
        std::net::IpAddr::V4(v) => (u128::from(u32::from(v)) << 96, 32),
        std::net::IpAddr::V6(v) => (u128::from(v), 128),
    };
    if w != width(fam) || bits.leading_ones() != bits.count_ones() {
        return None;
    }
    Some(bits.count_ones())
}

/// The addresses of `domain` whose form masked to `/m` lies in `set`: for each range,
/// the `/m` blocks whose first address (the masked form) it holds.
fn masked_preimage(set: &AddrSet, domain: Domain, m: u8) -> AddrSet {
    let w = width(domain.family);
    let host_bits = w - u32::from(m).min(w);
    let g_mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let parts: Vec<AddrSet> = set
        .ranges(domain)
        .into_iter()
        .filter_map(|(f, l)| {
            // The first masked form at or after f, and the last at or before l.
            let lo = if f & g_mask == 0 {
                f
            } else {
                (f | g_mask).checked_add(1)?
            };
            let hi = l & !g_mask;
            (lo <= hi).then(|| AddrSet::range(domain, lo, hi | g_mask))
        })
        .collect();
    AddrSet::from_sets(parts.iter()).intersection(&AddrSet::full(domain))
}

fn block_of(a: Addr, len: u32) -> AddrSet {
    let w = width(a.domain().family);
    let host_bits = w - len.min(w);
    let mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    AddrSet::range(a.domain(), a.number() & !mask, a.number() | mask)
}

/// The data group a v10 `$::name` list stands for.
fn inline_group(items: &[String]) -> IndexedDataGroup {
    let keys: Vec<Option<RecordKey>> = items.iter().map(|i| RecordKey::parse_ip(i).ok()).collect();
    let ip = keys.iter().all(Option::is_some);
    let records = items
        .iter()
        .zip(keys)
        .enumerate()
        .map(|(k, (name, key))| Record {
            name: name.clone(),
            key: key.unwrap_or_else(|| RecordKey::Text(name.clone())),
            data: None,
            line: k + 1,
        })
        .collect();
    let _ = Domain::V4;
    IndexedDataGroup::new(DataGroup {
        name: "(inline list)".into(),
        kind: if ip {
            DataGroupKind::Ip
        } else {
            DataGroupKind::String
        },
        records,
    })
}
