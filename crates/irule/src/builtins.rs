//! The commands the engine knows, resolved once at compile time.

macro_rules! builtins {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A command the engine implements.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum Builtin { $($variant),* }

        impl Builtin {
            pub(crate) fn lookup(name: &str) -> Option<Builtin> {
                let name = name.strip_prefix("::").unwrap_or(name);
                Some(match name { $($name => Builtin::$variant,)* _ => return None })
            }

            pub(crate) fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name),* }
            }

            /// Every name, for suggestions.
            pub(crate) fn names() -> impl Iterator<Item = &'static str> {
                [$($name),*].into_iter()
            }
        }
    };
}

builtins! {
    Set => "set", Unset => "unset", If => "if", Switch => "switch", Foreach => "foreach",
    For => "for", While => "while", Incr => "incr", Append => "append", Return => "return",
    Break => "break", Continue => "continue", Catch => "catch", Proc => "proc", Info => "info",
    Expr => "expr", String => "string", List => "list", Lindex => "lindex",
    Llength => "llength", Lappend => "lappend", Split => "split", Join => "join",
    Lrange => "lrange", Lsearch => "lsearch", Concat => "concat", Log => "log",
    Error => "error", Puts => "puts", Global => "global", Eval => "eval", Call => "call",
    Regexp => "regexp", When => "when",
    Class => "class", Matchclass => "matchclass", Findclass => "findclass",
    IpClientAddr => "IP::client_addr", IpLocalAddr => "IP::local_addr",
    IpRemoteAddr => "IP::remote_addr", IpAddr => "IP::addr",
    TcpClientPort => "TCP::client_port", TcpLocalPort => "TCP::local_port",
    TcpRemotePort => "TCP::remote_port",
    Snat => "snat", Snatpool => "snatpool", Pool => "pool", Node => "node",
    Persist => "persist", LbSelect => "LB::select", Reject => "reject", Drop => "drop",
    Discard => "discard", Event => "event", Virtual => "virtual",
    Clock => "clock", Table => "table", Session => "session", Sharedvar => "sharedvar",
    After => "after", HslOpen => "HSL::open", HslSend => "HSL::send", Connect => "connect",
    Send => "send", Recv => "recv", Close => "close", LbServer => "LB::server",
    LbStatus => "LB::status", LbReselect => "LB::reselect", ActiveMembers => "active_members",
    Members => "members", TmmCmpUnit => "TMM::cmp_unit", TmmCmpCount => "TMM::cmp_count",
    LinkVlanId => "LINK::vlan_id", TcpPayload => "TCP::payload", TcpCollect => "TCP::collect",
    TcpRelease => "TCP::release", TcpRespond => "TCP::respond", TcpClose => "TCP::close",
    Forward => "forward", Translate => "translate",
    Format => "format", Scan => "scan", Regsub => "regsub", Lsort => "lsort",
    Lreplace => "lreplace", Array => "array",
    Getfield => "getfield", Findstr => "findstr", Substr => "substr", Domain => "domain",
    UriEncode => "URI::encode", UriDecode => "URI::decode", B64encode => "b64encode",
    B64decode => "b64decode", Md5 => "md5", Sha1 => "sha1", Sha256 => "sha256",
    Crc32 => "crc32", IpVersion => "IP::version", IpProtocol => "IP::protocol",
    IpServerAddr => "IP::server_addr", Clientside => "clientside",
    V9ClientAddr => "client_addr", V9RemoteAddr => "remote_addr", V9LocalAddr => "local_addr",
    V9ClientPort => "client_port", V9RemotePort => "remote_port", V9LocalPort => "local_port",
    V9IpProtocol => "ip_protocol", Sha384 => "sha384", Sha512 => "sha512", Htonl => "htonl",
    Htons => "htons", Ntohl => "ntohl", Ntohs => "ntohs", DecodeUri => "decode_uri",
    Linsert => "linsert", Binary => "binary", Upvar => "upvar", Uplevel => "uplevel",
}

impl Builtin {
    /// Commands whose result the BIG-IP decides at run time, or that make a decision
    /// about the connection itself (see `free.rs`).
    pub(crate) fn is_run_time(self) -> bool {
        use Builtin::*;
        self.is_free_input()
            || matches!(
                self,
                Sharedvar
                    | HslSend
                    | Close
                    | LbReselect
                    | TcpCollect
                    | TcpRelease
                    | TcpRespond
                    | TcpClose
                    | Forward
                    | Translate
            )
    }

    /// The current name of a BIG-IP v9 command (`client_addr` is `IP::client_addr`).
    pub(crate) fn v9_successor(self) -> Option<Builtin> {
        use Builtin::*;
        Some(match self {
            V9ClientAddr => IpClientAddr,
            V9RemoteAddr => IpRemoteAddr,
            V9LocalAddr => IpLocalAddr,
            V9ClientPort => TcpClientPort,
            V9RemotePort => TcpRemotePort,
            V9LocalPort => TcpLocalPort,
            V9IpProtocol => IpProtocol,
            _ => return None,
        })
    }

    /// Commands whose result is a value the BIG-IP decides at run time (a free input),
    /// as opposed to the decisions among [`Builtin::is_run_time`].
    pub(crate) fn is_free_input(self) -> bool {
        use Builtin::*;
        matches!(
            self,
            Clock
                | Table
                | Session
                | After
                | HslOpen
                | Connect
                | Send
                | Recv
                | LbServer
                | LbStatus
                | ActiveMembers
                | Members
                | TmmCmpUnit
                | TmmCmpCount
                | LinkVlanId
                | TcpPayload
                | IpServerAddr
        )
    }

    /// Commands that only exist on BIG-IP (not in plain Tcl mode).
    pub(crate) fn is_f5(self) -> bool {
        use Builtin::*;
        self.is_run_time()
            || matches!(
                self,
                Class
                    | Matchclass
                    | Findclass
                    | IpClientAddr
                    | IpLocalAddr
                    | IpRemoteAddr
                    | IpAddr
                    | TcpClientPort
                    | TcpLocalPort
                    | TcpRemotePort
                    | Snat
                    | Snatpool
                    | Pool
                    | Node
                    | Persist
                    | LbSelect
                    | Reject
                    | Drop
                    | Discard
                    | Event
                    | Virtual
                    | Call
                    | Log
                    | Getfield
                    | Findstr
                    | Substr
                    | Domain
                    | UriEncode
                    | UriDecode
                    | B64encode
                    | B64decode
                    | Md5
                    | Sha1
                    | Sha256
                    | Crc32
                    | IpVersion
                    | IpProtocol
                    | Clientside
                    | V9ClientAddr
                    | V9RemoteAddr
                    | V9LocalAddr
                    | V9ClientPort
                    | V9RemotePort
                    | V9LocalPort
                    | V9IpProtocol
                    | Sha384
                    | Sha512
                    | Htonl
                    | Htons
                    | Ntohl
                    | Ntohs
                    | DecodeUri
            )
    }
}
