//! A catalogue of F5's iRules reference: every command and event BIG-IP documents, each
//! with what it needs to run, so that a rule is refused at load only where BIG-IP itself
//! would refuse it, and with BIG-IP's reason.
//!
//! # Where the data came from
//!
//! - The names of the F5 commands and events are those of F5's iRules reference
//!   (<https://clouddocs.f5.com/api/irules/Commands.html>,
//!   <https://clouddocs.f5.com/api/irules/Events.html>), as indexed by the public
//!   repository github.com/bitwisecook/tcl-lsp (`core/commands/registry/irules/`, one
//!   file per documented command, and the event table in
//!   `core/commands/registry/namespace_data.py`). Only names and requirements were taken;
//!   the table below is written out as data, not code.
//! - What a command needs follows, per namespace, the profile or module its F5 page
//!   names (`HTTP::` needs an http or fasthttp profile, `SSL::` a client-ssl or
//!   server-ssl profile, `ILX::` the iRules LX module, `IP::reputation` and
//!   `IP::intelligence` an IP Intelligence licence, ...). Where tcl-lsp records a profile
//!   for a namespace not named here, that profile is used. Where neither says anything
//!   the command is taken to run on any virtual (`Any`): refusing a rule BIG-IP would
//!   accept is the worse mistake, and an accepted command the engine does not model is
//!   reported at run time as a gap in the model, never blamed on the rule.
//! - `Disabled`: F5's "Disabled Tcl commands" page
//!   (<https://clouddocs.f5.com/api/irules/DisabledTclCommands.html>, formerly
//!   devcentral.f5.com/wiki/iRules.DisabledTclCommands.ashx), as also listed by
//!   github.com/landro/TesTcl (`disabled_commands.tcl`) and tcl-lsp
//!   (`core/commands/registry/tcl/`, dialects without `f5-irules`). `close` and `after`
//!   are not disabled: BIG-IP replaces them with its own sideband and timer commands.
//!   `uplevel` and `upvar` are kept (TesTcl's older list disables them; procs, and so
//!   they, arrived in BIG-IP 11.4).
//! - `LaterTcl`: commands added after Tcl 8.4 (the version BIG-IP embeds), from the Tcl
//!   release notes: `dict`, `lassign`, `lrepeat`, `lreverse`, `apply`, `chan`, `unload`
//!   (8.5); `lmap`, `try`, `throw`, `tailcall`, coroutines, `zlib`, TclOO (8.6); `lpop`,
//!   `lremove`, `lseq`, `ledit` (8.7); `readFile`, `writeFile`, `foreachLine`, `const`
//!   (9.0).
//!
//! A plain TCP virtual server (relaylab's model: SMTP, IMAP) has a tcp profile and
//! nothing else; commands and events marked `Any` are exactly those it can run.

use std::fmt;

/// What a command or event needs from the virtual server or the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// Runs on any virtual server, a plain TCP one included.
    Any,
    /// Needs one of these profiles on the virtual server; alternatives are separated by
    /// `|` (`"http|fasthttp"`): any one of them will do.
    Profile(&'static str),
    /// Needs a module provisioned or licensed (`"ilx"`, `"asm"`, `"apm"`, ...).
    Module(&'static str),
    /// F5 disables this Tcl command in iRules.
    Disabled,
    /// A Tcl command added in this later Tcl version; BIG-IP runs Tcl 8.4.
    LaterTcl(&'static str),
}

impl Requirement {
    /// The profile alternatives, for [`Requirement::Profile`].
    pub fn profiles(&self) -> impl Iterator<Item = &'static str> {
        let s = match self {
            Requirement::Profile(p) => *p,
            _ => "",
        };
        s.split('|').filter(|p| !p.is_empty())
    }
}

/// One command of the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    /// The name as written in a rule (`HTTP::uri`, `class`, `dict`).
    pub name: &'static str,
    /// What it needs.
    pub needs: Requirement,
}

/// One event of the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// The name as written after `when` (`HTTP_REQUEST`).
    pub name: &'static str,
    /// What it needs.
    pub needs: Requirement,
}

use Requirement::{Any, Disabled, LaterTcl, Module, Profile};

/// Every command, sorted by name (byte order) for binary search.
pub static COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "AAA::acct_result",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "AAA::acct_send",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "AAA::auth_result",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "AAA::auth_send",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS2::access2_proc",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::acl",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::disable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::enable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::ephemeral-auth",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::flowid",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::log",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::oauth",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::perflow",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::policy",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::respond",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::restrict_irule_events",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::saml",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::session",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::user",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACCESS::uuid",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ACL::action",
        needs: Module("afm"),
    },
    CommandInfo {
        name: "ACL::eval",
        needs: Module("afm"),
    },
    CommandInfo {
        name: "ADAPT::allow",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::context_create",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::context_current",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::context_delete_all",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::context_name",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::context_static",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::enable",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::preview_size",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::result",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::select",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::service_down_action",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "ADAPT::timeout",
        needs: Profile("request-adapt|response-adapt"),
    },
    CommandInfo {
        name: "AES::decrypt",
        needs: Any,
    },
    CommandInfo {
        name: "AES::encrypt",
        needs: Any,
    },
    CommandInfo {
        name: "AES::key",
        needs: Any,
    },
    CommandInfo {
        name: "AM::age",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "AM::application",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "AM::cache",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "AM::disable",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "AM::expires",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "AM::media_playlist",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "AM::policy_node",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_additional_info",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_bait_signatures",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_component",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_defined_value",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_details",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_device_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_expected_value",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_fingerprint",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_forbidden_added_element",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_guid",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_html",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_http_referrer",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_license_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_min",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_origin",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_resolved_value",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_score",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_transaction_data",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_transaction_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_type",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_username",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::alert_view_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::client_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::device_id",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable_alert",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable_app_layer_encryption",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable_auto_transactions",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable_injection",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable_malware",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::disable_phishing",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::enable",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::enable_log",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::fingerprint",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::geo",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::guid",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::result",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ANTIFRAUD::username",
        needs: Module("fps"),
    },
    CommandInfo {
        name: "ASM::captcha",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::captcha_age",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::captcha_status",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::client_ip",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::conviction",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::deception",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::disable",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::enable",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::fingerprint",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::is_authenticated",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::login_status",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::microservice",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::payload",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::policy",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::raise",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::severity",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::signature",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::status",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::support_id",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::threat_campaign",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::unblock",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::uncaptcha",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::username",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::violation",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASM::violation_data",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "ASN1::decode",
        needs: Any,
    },
    CommandInfo {
        name: "ASN1::element",
        needs: Any,
    },
    CommandInfo {
        name: "ASN1::encode",
        needs: Any,
    },
    CommandInfo {
        name: "AUTH::abort",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::authenticate",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::authenticate_continue",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::cert_credential",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::cert_issuer_credential",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::last_event_session_id",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::password_credential",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::response_data",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::ssl_cc_ldap_status",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::ssl_cc_ldap_username",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::start",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::status",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::subscribe",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::unsubscribe",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::username_credential",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::wantcredential_prompt",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::wantcredential_prompt_style",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AUTH::wantcredential_type",
        needs: Profile("auth"),
    },
    CommandInfo {
        name: "AVR::disable",
        needs: Module("avr"),
    },
    CommandInfo {
        name: "AVR::disable_cspm_injection",
        needs: Module("avr"),
    },
    CommandInfo {
        name: "AVR::enable",
        needs: Module("avr"),
    },
    CommandInfo {
        name: "AVR::log",
        needs: Module("avr"),
    },
    CommandInfo {
        name: "BIGPROTO::enable_fix_reset",
        needs: Any,
    },
    CommandInfo {
        name: "BIGTCP::release_flow",
        needs: Any,
    },
    CommandInfo {
        name: "BOTDEFENSE::action",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::bot_anomalies",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::bot_categories",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::bot_name",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::bot_signature",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::bot_signature_category",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::captcha_age",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::captcha_status",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::client_class",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::client_type",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::cookie_age",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::cookie_status",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::cs_allowed",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::cs_attribute",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::cs_possible",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::device_id",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::disable",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::enable",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::intent",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::micro_service",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::previous_action",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::previous_request_age",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::previous_support_id",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::reason",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BOTDEFENSE::support_id",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "BWC::color",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::debug",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::mark",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::measure",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::policy",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::pps",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::priority",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "BWC::rate",
        needs: Module("bwc"),
    },
    CommandInfo {
        name: "CACHE::accept_encoding",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::age",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::disable",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::disabled",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::enable",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::expire",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::fresh",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::header",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::headers",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::hits",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::payload",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::priority",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::statskey",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::trace",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::uri",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::useragent",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CACHE::userkey",
        needs: Profile("web-acceleration"),
    },
    CommandInfo {
        name: "CATEGORY::analytics",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "CATEGORY::filetype",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "CATEGORY::lookup",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "CATEGORY::matchtype",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "CATEGORY::result",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "CATEGORY::safesearch",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "CLASSIFICATION::app",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::category",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::disable",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::enable",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::protocol",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::result",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::urlcat",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFICATION::username",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFY::application",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFY::category",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFY::defer",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFY::disable",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFY::urlcat",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "CLASSIFY::username",
        needs: Profile("classification"),
    },
    CommandInfo {
        name: "COMPRESS::buffer_size",
        needs: Profile("http-compression"),
    },
    CommandInfo {
        name: "COMPRESS::disable",
        needs: Profile("http-compression"),
    },
    CommandInfo {
        name: "COMPRESS::enable",
        needs: Profile("http-compression"),
    },
    CommandInfo {
        name: "COMPRESS::gzip",
        needs: Profile("http-compression"),
    },
    CommandInfo {
        name: "COMPRESS::method",
        needs: Profile("http-compression"),
    },
    CommandInfo {
        name: "COMPRESS::nodelay",
        needs: Profile("http-compression"),
    },
    CommandInfo {
        name: "CONNECTOR::disable",
        needs: Any,
    },
    CommandInfo {
        name: "CONNECTOR::enable",
        needs: Any,
    },
    CommandInfo {
        name: "CONNECTOR::profile",
        needs: Any,
    },
    CommandInfo {
        name: "CONNECTOR::remap",
        needs: Any,
    },
    CommandInfo {
        name: "CRYPTO::decrypt",
        needs: Any,
    },
    CommandInfo {
        name: "CRYPTO::encrypt",
        needs: Any,
    },
    CommandInfo {
        name: "CRYPTO::hash",
        needs: Any,
    },
    CommandInfo {
        name: "CRYPTO::keygen",
        needs: Any,
    },
    CommandInfo {
        name: "CRYPTO::sign",
        needs: Any,
    },
    CommandInfo {
        name: "CRYPTO::verify",
        needs: Any,
    },
    CommandInfo {
        name: "DATAGRAM::dns",
        needs: Any,
    },
    CommandInfo {
        name: "DATAGRAM::ip",
        needs: Any,
    },
    CommandInfo {
        name: "DATAGRAM::ip6",
        needs: Any,
    },
    CommandInfo {
        name: "DATAGRAM::l2",
        needs: Any,
    },
    CommandInfo {
        name: "DATAGRAM::tcp",
        needs: Any,
    },
    CommandInfo {
        name: "DATAGRAM::udp",
        needs: Any,
    },
    CommandInfo {
        name: "DECOMPRESS::disable",
        needs: Any,
    },
    CommandInfo {
        name: "DECOMPRESS::enable",
        needs: Any,
    },
    CommandInfo {
        name: "DEMANGLE::disable",
        needs: Any,
    },
    CommandInfo {
        name: "DEMANGLE::enable",
        needs: Any,
    },
    CommandInfo {
        name: "DHCP::version",
        needs: Profile("dhcpv4|dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv4::chaddr",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::ciaddr",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::drop",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::giaddr",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::hlen",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::hops",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::htype",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::len",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::opcode",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::option",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::reject",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::secs",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::siaddr",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::type",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::xid",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv4::yiaddr",
        needs: Profile("dhcpv4"),
    },
    CommandInfo {
        name: "DHCPv6::drop",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::hop_count",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::len",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::link_address",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::msg_type",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::option",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::peer_address",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::reject",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DHCPv6::transaction_id",
        needs: Profile("dhcpv6"),
    },
    CommandInfo {
        name: "DIAG::test",
        needs: Any,
    },
    CommandInfo {
        name: "DIAMETER::avp",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::command",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::disconnect",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::drop",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::dynamic_route_insertion",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::dynamic_route_lookup",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::header",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::host",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::is_request",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::is_response",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::is_retransmission",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::length",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::message",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::payload",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::persist",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::realm",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::respond",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::result",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::retransmission",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::retransmission_default",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::retransmission_reason",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::retransmit",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::retry",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::route_status",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::session",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::skip_capabilities_exchange",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DIAMETER::state",
        needs: Profile("diameter"),
    },
    CommandInfo {
        name: "DNS::additional",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::answer",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::authority",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::class",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::disable",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::drop",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::edns0",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::enable",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::header",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::is_wideip",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::last_act",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::len",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::log",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::name",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::origin",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::ptype",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::query",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::question",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::rdata",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::return",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::rpz_policy",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::rr",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::scrape",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::tsig",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::ttl",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNS::type",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNSMSG::header",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNSMSG::record",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DNSMSG::section",
        needs: Profile("dns"),
    },
    CommandInfo {
        name: "DOSL7::disable",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DOSL7::enable",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DOSL7::health",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DOSL7::is_ip_slowdown",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DOSL7::is_mitigated",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DOSL7::profile",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DOSL7::slowdown",
        needs: Module("asm"),
    },
    CommandInfo {
        name: "DSLITE::remote_addr",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "ECA::client_machine_name",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ECA::disable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ECA::domainname",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ECA::enable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ECA::select",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ECA::status",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "ECA::username",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "FIX::tag",
        needs: Profile("fix"),
    },
    CommandInfo {
        name: "FLOW::create_related",
        needs: Any,
    },
    CommandInfo {
        name: "FLOW::idle_duration",
        needs: Any,
    },
    CommandInfo {
        name: "FLOW::idle_timeout",
        needs: Any,
    },
    CommandInfo {
        name: "FLOW::peer",
        needs: Any,
    },
    CommandInfo {
        name: "FLOW::priority",
        needs: Any,
    },
    CommandInfo {
        name: "FLOW::refresh",
        needs: Any,
    },
    CommandInfo {
        name: "FLOW::this",
        needs: Any,
    },
    CommandInfo {
        name: "FLOWTABLE::count",
        needs: Any,
    },
    CommandInfo {
        name: "FLOWTABLE::limit",
        needs: Any,
    },
    CommandInfo {
        name: "FTP::allow_active_mode",
        needs: Profile("ftp"),
    },
    CommandInfo {
        name: "FTP::disable",
        needs: Profile("ftp"),
    },
    CommandInfo {
        name: "FTP::enable",
        needs: Profile("ftp"),
    },
    CommandInfo {
        name: "FTP::enforce_tls_session_reuse",
        needs: Profile("ftp"),
    },
    CommandInfo {
        name: "FTP::ftps_mode",
        needs: Profile("ftp"),
    },
    CommandInfo {
        name: "FTP::port",
        needs: Profile("ftp"),
    },
    CommandInfo {
        name: "GENERICMESSAGE::message",
        needs: Profile("generic-message"),
    },
    CommandInfo {
        name: "GENERICMESSAGE::peer",
        needs: Profile("generic-message"),
    },
    CommandInfo {
        name: "GENERICMESSAGE::route",
        needs: Profile("generic-message"),
    },
    CommandInfo {
        name: "GTP::clone",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::discard",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::forward",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::header",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::ie",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::length",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::message",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::new",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::parse",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::payload",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::respond",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "GTP::tunnel",
        needs: Profile("gtp"),
    },
    CommandInfo {
        name: "HA::status",
        needs: Any,
    },
    CommandInfo {
        name: "HSL::open",
        needs: Any,
    },
    CommandInfo {
        name: "HSL::send",
        needs: Any,
    },
    CommandInfo {
        name: "HTML::comment",
        needs: Profile("html"),
    },
    CommandInfo {
        name: "HTML::disable",
        needs: Profile("html"),
    },
    CommandInfo {
        name: "HTML::enable",
        needs: Profile("html"),
    },
    CommandInfo {
        name: "HTML::tag",
        needs: Profile("html"),
    },
    CommandInfo {
        name: "HTTP2::active",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::concurrency",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::disable",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::disconnect",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::enable",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::header",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::push",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::requests",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::stream",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP2::version",
        needs: Profile("http2"),
    },
    CommandInfo {
        name: "HTTP::class",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::close",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::collect",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::cookie",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::disable",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::enable",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::fallback",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::has_responded",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::header",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::host",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::hsts",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::is_keepalive",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::is_redirect",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::method",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::passthrough_reason",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::password",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::path",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::payload",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::proxy",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::query",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::redirect",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::reject_reason",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::release",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::request",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::request_num",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::respond",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::response",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::retry",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::status",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::uri",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::username",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTP::version",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "HTTPLOG::disable",
        needs: Any,
    },
    CommandInfo {
        name: "HTTPLOG::enable",
        needs: Any,
    },
    CommandInfo {
        name: "ICAP::header",
        needs: Profile("icap"),
    },
    CommandInfo {
        name: "ICAP::method",
        needs: Profile("icap"),
    },
    CommandInfo {
        name: "ICAP::status",
        needs: Profile("icap"),
    },
    CommandInfo {
        name: "ICAP::uri",
        needs: Profile("icap"),
    },
    CommandInfo {
        name: "IKE::auth_success",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::cert",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_dirname",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_dns",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_ediparty",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_email",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_ipadd",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_othername",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_rid",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_uri",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::san_x400",
        needs: Any,
    },
    CommandInfo {
        name: "IKE::subjectAltName",
        needs: Any,
    },
    CommandInfo {
        name: "ILX::call",
        needs: Module("ilx"),
    },
    CommandInfo {
        name: "ILX::init",
        needs: Module("ilx"),
    },
    CommandInfo {
        name: "ILX::notify",
        needs: Module("ilx"),
    },
    CommandInfo {
        name: "IMAP::activation_mode",
        needs: Profile("imap"),
    },
    CommandInfo {
        name: "IMAP::disable",
        needs: Profile("imap"),
    },
    CommandInfo {
        name: "IMAP::enable",
        needs: Profile("imap"),
    },
    CommandInfo {
        name: "IP::addr",
        needs: Any,
    },
    CommandInfo {
        name: "IP::client_addr",
        needs: Any,
    },
    CommandInfo {
        name: "IP::hops",
        needs: Any,
    },
    CommandInfo {
        name: "IP::idle_timeout",
        needs: Any,
    },
    CommandInfo {
        name: "IP::ingress_drop_rate",
        needs: Any,
    },
    CommandInfo {
        name: "IP::ingress_rate_limit",
        needs: Any,
    },
    CommandInfo {
        name: "IP::intelligence",
        needs: Module("ip-intelligence"),
    },
    CommandInfo {
        name: "IP::local_addr",
        needs: Any,
    },
    CommandInfo {
        name: "IP::protocol",
        needs: Any,
    },
    CommandInfo {
        name: "IP::remote_addr",
        needs: Any,
    },
    CommandInfo {
        name: "IP::reputation",
        needs: Module("ip-intelligence"),
    },
    CommandInfo {
        name: "IP::server_addr",
        needs: Any,
    },
    CommandInfo {
        name: "IP::stats",
        needs: Any,
    },
    CommandInfo {
        name: "IP::tos",
        needs: Any,
    },
    CommandInfo {
        name: "IP::ttl",
        needs: Any,
    },
    CommandInfo {
        name: "IP::version",
        needs: Any,
    },
    CommandInfo {
        name: "IPFIX::destination",
        needs: Any,
    },
    CommandInfo {
        name: "IPFIX::msg",
        needs: Any,
    },
    CommandInfo {
        name: "IPFIX::template",
        needs: Any,
    },
    CommandInfo {
        name: "ISESSION::deduplication",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "ISTATS::get",
        needs: Any,
    },
    CommandInfo {
        name: "ISTATS::incr",
        needs: Any,
    },
    CommandInfo {
        name: "ISTATS::remove",
        needs: Any,
    },
    CommandInfo {
        name: "ISTATS::set",
        needs: Any,
    },
    CommandInfo {
        name: "IVS_ENTRY::result",
        needs: Profile("icap|ivs-entry"),
    },
    CommandInfo {
        name: "JSON::array",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::create",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::get",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::object",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::parse",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::render",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::root",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::set",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "JSON::type",
        needs: Profile("json"),
    },
    CommandInfo {
        name: "L7CHECK::protocol",
        needs: Profile("connector|l7check"),
    },
    CommandInfo {
        name: "LB::bias",
        needs: Any,
    },
    CommandInfo {
        name: "LB::class",
        needs: Any,
    },
    CommandInfo {
        name: "LB::command",
        needs: Any,
    },
    CommandInfo {
        name: "LB::connect",
        needs: Any,
    },
    CommandInfo {
        name: "LB::connlimit",
        needs: Any,
    },
    CommandInfo {
        name: "LB::context_id",
        needs: Any,
    },
    CommandInfo {
        name: "LB::detach",
        needs: Any,
    },
    CommandInfo {
        name: "LB::down",
        needs: Any,
    },
    CommandInfo {
        name: "LB::dst_tag",
        needs: Any,
    },
    CommandInfo {
        name: "LB::enable_decisionlog",
        needs: Any,
    },
    CommandInfo {
        name: "LB::mode",
        needs: Any,
    },
    CommandInfo {
        name: "LB::persist",
        needs: Any,
    },
    CommandInfo {
        name: "LB::prime",
        needs: Any,
    },
    CommandInfo {
        name: "LB::queue",
        needs: Any,
    },
    CommandInfo {
        name: "LB::reselect",
        needs: Any,
    },
    CommandInfo {
        name: "LB::select",
        needs: Any,
    },
    CommandInfo {
        name: "LB::server",
        needs: Any,
    },
    CommandInfo {
        name: "LB::snat",
        needs: Any,
    },
    CommandInfo {
        name: "LB::src_tag",
        needs: Any,
    },
    CommandInfo {
        name: "LB::status",
        needs: Any,
    },
    CommandInfo {
        name: "LB::up",
        needs: Any,
    },
    CommandInfo {
        name: "LDAP::activation_mode",
        needs: Any,
    },
    CommandInfo {
        name: "LDAP::disable",
        needs: Any,
    },
    CommandInfo {
        name: "LDAP::enable",
        needs: Any,
    },
    CommandInfo {
        name: "LINE::get",
        needs: Any,
    },
    CommandInfo {
        name: "LINE::set",
        needs: Any,
    },
    CommandInfo {
        name: "LINK::lasthop",
        needs: Any,
    },
    CommandInfo {
        name: "LINK::nexthop",
        needs: Any,
    },
    CommandInfo {
        name: "LINK::qos",
        needs: Any,
    },
    CommandInfo {
        name: "LINK::vlan_id",
        needs: Any,
    },
    CommandInfo {
        name: "LSN::address",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::disable",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::inbound",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::inbound-entry",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::persistence",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::persistence-entry",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::pool",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "LSN::port",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "MESSAGE::field",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MESSAGE::proto",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MESSAGE::type",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MQTT::clean_session",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::client_id",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::collect",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::disable",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::disconnect",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::drop",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::dup",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::enable",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::insert",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::keep_alive",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::length",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::message",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::packet_id",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::password",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::payload",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::protocol_name",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::protocol_version",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::qos",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::release",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::replace",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::respond",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::retain",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::return_code",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::return_code_list",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::session_present",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::topic",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::type",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::username",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MQTT::will",
        needs: Profile("mqtt"),
    },
    CommandInfo {
        name: "MR::always_match_port",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::available_for_routing",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::collect",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::connect_back_port",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::connection_instance",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::connection_mode",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::equivalent_transport",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::flow_id",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::ignore_peer_port",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::instance",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::max_retries",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::message",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::payload",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::peer",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::prime",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::protocol",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::release",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::restore",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::retry",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::return",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::store",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::stream",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "MR::transport",
        needs: Profile("message-routing"),
    },
    CommandInfo {
        name: "NAME::lookup",
        needs: Any,
    },
    CommandInfo {
        name: "NAME::response",
        needs: Any,
    },
    CommandInfo {
        name: "NSH::chain",
        needs: Any,
    },
    CommandInfo {
        name: "NSH::context",
        needs: Any,
    },
    CommandInfo {
        name: "NSH::md1",
        needs: Any,
    },
    CommandInfo {
        name: "NSH::mocksf",
        needs: Any,
    },
    CommandInfo {
        name: "NSH::path_id",
        needs: Any,
    },
    CommandInfo {
        name: "NSH::service_index",
        needs: Any,
    },
    CommandInfo {
        name: "NTLM::disable",
        needs: Profile("ntlm"),
    },
    CommandInfo {
        name: "NTLM::enable",
        needs: Profile("ntlm"),
    },
    CommandInfo {
        name: "OFFBOX::request",
        needs: Any,
    },
    CommandInfo {
        name: "ONECONNECT::detach",
        needs: Profile("oneconnect"),
    },
    CommandInfo {
        name: "ONECONNECT::label",
        needs: Profile("oneconnect"),
    },
    CommandInfo {
        name: "ONECONNECT::reuse",
        needs: Profile("oneconnect"),
    },
    CommandInfo {
        name: "ONECONNECT::select",
        needs: Profile("oneconnect"),
    },
    CommandInfo {
        name: "PCP::reject",
        needs: Profile("pcp"),
    },
    CommandInfo {
        name: "PCP::request",
        needs: Profile("pcp"),
    },
    CommandInfo {
        name: "PCP::response",
        needs: Profile("pcp"),
    },
    CommandInfo {
        name: "PEM::disable",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PEM::enable",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PEM::flow",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PEM::session",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PEM::subscriber",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PLUGIN::disable",
        needs: Any,
    },
    CommandInfo {
        name: "PLUGIN::enable",
        needs: Any,
    },
    CommandInfo {
        name: "POLICY::controls",
        needs: Any,
    },
    CommandInfo {
        name: "POLICY::names",
        needs: Any,
    },
    CommandInfo {
        name: "POLICY::rules",
        needs: Any,
    },
    CommandInfo {
        name: "POLICY::targets",
        needs: Any,
    },
    CommandInfo {
        name: "POP3::activation_mode",
        needs: Profile("pop3"),
    },
    CommandInfo {
        name: "POP3::disable",
        needs: Profile("pop3"),
    },
    CommandInfo {
        name: "POP3::enable",
        needs: Profile("pop3"),
    },
    CommandInfo {
        name: "PROFILE::access",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::antifraud",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::auth",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::avr",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::clientssl",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::diameter",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::exchange",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::exists",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::fastL4",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::fasthttp",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::ftp",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::http",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::httpclass",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::httpcompression",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::list",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::oneconnect",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::persist",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::serverssl",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::stream",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::tcp",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::tftp",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::udp",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::vdi",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::webacceleration",
        needs: Any,
    },
    CommandInfo {
        name: "PROFILE::xml",
        needs: Any,
    },
    CommandInfo {
        name: "PROTOCOL_INSPECTION::disable",
        needs: Any,
    },
    CommandInfo {
        name: "PROTOCOL_INSPECTION::id",
        needs: Profile("protocol-inspection"),
    },
    CommandInfo {
        name: "PSC::aaa_reporting_interval",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::attr",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::calling_id",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::imeisv",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::imsi",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::ip_address",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::lease_time",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::policy",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::subscriber_id",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::tower_id",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSC::user_name",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "PSM::FTP::disable",
        needs: Module("psm"),
    },
    CommandInfo {
        name: "PSM::FTP::enable",
        needs: Module("psm"),
    },
    CommandInfo {
        name: "PSM::HTTP::disable",
        needs: Module("psm"),
    },
    CommandInfo {
        name: "PSM::HTTP::enable",
        needs: Module("psm"),
    },
    CommandInfo {
        name: "PSM::SMTP::disable",
        needs: Module("psm"),
    },
    CommandInfo {
        name: "PSM::SMTP::enable",
        needs: Module("psm"),
    },
    CommandInfo {
        name: "QOE::disable",
        needs: Profile("qoe"),
    },
    CommandInfo {
        name: "QOE::enable",
        needs: Profile("qoe"),
    },
    CommandInfo {
        name: "QOE::video",
        needs: Profile("qoe"),
    },
    CommandInfo {
        name: "RADIUS::avp",
        needs: Profile("radius"),
    },
    CommandInfo {
        name: "RADIUS::code",
        needs: Profile("radius"),
    },
    CommandInfo {
        name: "RADIUS::id",
        needs: Profile("radius"),
    },
    CommandInfo {
        name: "RADIUS::rtdom",
        needs: Profile("radius"),
    },
    CommandInfo {
        name: "RADIUS::subscriber",
        needs: Profile("radius"),
    },
    CommandInfo {
        name: "RESOLV::lookup",
        needs: Any,
    },
    CommandInfo {
        name: "RESOLVER::name_lookup",
        needs: Any,
    },
    CommandInfo {
        name: "RESOLVER::summarize",
        needs: Any,
    },
    CommandInfo {
        name: "REST::send",
        needs: Any,
    },
    CommandInfo {
        name: "REWRITE::disable",
        needs: Profile("rewrite"),
    },
    CommandInfo {
        name: "REWRITE::enable",
        needs: Profile("rewrite"),
    },
    CommandInfo {
        name: "REWRITE::payload",
        needs: Profile("rewrite"),
    },
    CommandInfo {
        name: "REWRITE::post_process",
        needs: Profile("rewrite"),
    },
    CommandInfo {
        name: "ROUTE::age",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::bandwidth",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::clear",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::cwnd",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::domain",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::expiration",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::mtu",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::rtt",
        needs: Any,
    },
    CommandInfo {
        name: "ROUTE::rttvar",
        needs: Any,
    },
    CommandInfo {
        name: "RTSP::collect",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::header",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::method",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::msg_source",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::payload",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::release",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::respond",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::status",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::uri",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "RTSP::version",
        needs: Profile("rtsp"),
    },
    CommandInfo {
        name: "SCTP::client_port",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::collect",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::local_port",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::mss",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::payload",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::ppi",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::release",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::remote_port",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::respond",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::rto_initial",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::rto_max",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::rto_min",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::sack_timeout",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SCTP::server_port",
        needs: Profile("sctp"),
    },
    CommandInfo {
        name: "SDP::field",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SDP::media",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SDP::session_id",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::call_id",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::discard",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::from",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::header",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::message",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::method",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::payload",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::persist",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::record-route",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::respond",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::response",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::route",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::route_status",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::to",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::uri",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIP::via",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIPALG::hairpin",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIPALG::hairpin_default",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SIPALG::nonregister_subscriber_listener",
        needs: Profile("sip"),
    },
    CommandInfo {
        name: "SMTPS::activation_mode",
        needs: Profile("smtps"),
    },
    CommandInfo {
        name: "SMTPS::disable",
        needs: Profile("smtps"),
    },
    CommandInfo {
        name: "SMTPS::enable",
        needs: Profile("smtps"),
    },
    CommandInfo {
        name: "SOCKS::allowed",
        needs: Profile("socks"),
    },
    CommandInfo {
        name: "SOCKS::destination",
        needs: Profile("socks"),
    },
    CommandInfo {
        name: "SOCKS::version",
        needs: Profile("socks"),
    },
    CommandInfo {
        name: "SSE::field",
        needs: Profile("sse"),
    },
    CommandInfo {
        name: "SSL::allow_dynamic_record_sizing",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::allow_nonssl",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::alpn",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::authenticate",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::c3d",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::cert",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::cert_constraint",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::cipher",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::clientrandom",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::collect",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::disable",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::enable",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::extensions",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::forward_proxy",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::handshake",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::is_renegotiation_secure",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::maximum_record_size",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::mode",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::modssl_sessionid_headers",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::nextproto",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::payload",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::profile",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::release",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::renegotiate",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::respond",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::secure_renegotiation",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::session",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::sessionid",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::sessionsecret",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::sessionticket",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::sni",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::tls13_secret",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::unclean_shutdown",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "SSL::verify_result",
        needs: Profile("client-ssl|server-ssl"),
    },
    CommandInfo {
        name: "STATS::get",
        needs: Profile("statistics"),
    },
    CommandInfo {
        name: "STATS::incr",
        needs: Profile("statistics"),
    },
    CommandInfo {
        name: "STATS::set",
        needs: Profile("statistics"),
    },
    CommandInfo {
        name: "STATS::setmax",
        needs: Profile("statistics"),
    },
    CommandInfo {
        name: "STATS::setmin",
        needs: Profile("statistics"),
    },
    CommandInfo {
        name: "STREAM::disable",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "STREAM::enable",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "STREAM::encoding",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "STREAM::expression",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "STREAM::match",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "STREAM::max_matchsize",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "STREAM::replace",
        needs: Profile("stream"),
    },
    CommandInfo {
        name: "TAP::action",
        needs: Profile("tap"),
    },
    CommandInfo {
        name: "TAP::config",
        needs: Any,
    },
    CommandInfo {
        name: "TAP::insight",
        needs: Any,
    },
    CommandInfo {
        name: "TAP::insight_requested",
        needs: Any,
    },
    CommandInfo {
        name: "TAP::score",
        needs: Profile("tap"),
    },
    CommandInfo {
        name: "TCP::abc",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::analytics",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::autowin",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::bandwidth",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::client_port",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::close",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::collect",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::congestion",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::delayed_ack",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::dsack",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::earlyrxmit",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::ecn",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::enhanced_loss_recovery",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::idletime",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::keepalive",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::limxmit",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::local_port",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::lossfilter",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::lossfilterburst",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::lossfilterrate",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::mss",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::nagle",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::naglemode",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::naglestate",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::notify",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::offset",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::option",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::pacing",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::payload",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::proxybuffer",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::proxybufferhigh",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::proxybufferlow",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::push_flag",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rcv_scale",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rcv_size",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::recvwnd",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::release",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::remote_port",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::respond",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rexmt_thresh",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rt_metrics_timeout",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rto",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rtt",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::rttvar",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::sendbuf",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::server_port",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::setmss",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::snd_cwnd",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::snd_scale",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::snd_ssthresh",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::snd_wnd",
        needs: Any,
    },
    CommandInfo {
        name: "TCP::unused_port",
        needs: Any,
    },
    CommandInfo {
        name: "TDS::msg",
        needs: Profile("tds"),
    },
    CommandInfo {
        name: "TDS::session",
        needs: Profile("tds"),
    },
    CommandInfo {
        name: "TMM::cmp_count",
        needs: Any,
    },
    CommandInfo {
        name: "TMM::cmp_group",
        needs: Any,
    },
    CommandInfo {
        name: "TMM::cmp_groups",
        needs: Any,
    },
    CommandInfo {
        name: "TMM::cmp_primary_group",
        needs: Any,
    },
    CommandInfo {
        name: "TMM::cmp_unit",
        needs: Any,
    },
    CommandInfo {
        name: "UDP::client_port",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::debug_queue",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::drop",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::hold",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::local_port",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::max_buf_pkts",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::max_rate",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::mss",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::payload",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::release",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::remote_port",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::respond",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::sendbuffer",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::server_port",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "UDP::unused_port",
        needs: Profile("udp"),
    },
    CommandInfo {
        name: "URI::basename",
        needs: Any,
    },
    CommandInfo {
        name: "URI::compare",
        needs: Any,
    },
    CommandInfo {
        name: "URI::decode",
        needs: Any,
    },
    CommandInfo {
        name: "URI::encode",
        needs: Any,
    },
    CommandInfo {
        name: "URI::host",
        needs: Any,
    },
    CommandInfo {
        name: "URI::path",
        needs: Any,
    },
    CommandInfo {
        name: "URI::port",
        needs: Any,
    },
    CommandInfo {
        name: "URI::protocol",
        needs: Any,
    },
    CommandInfo {
        name: "URI::query",
        needs: Any,
    },
    CommandInfo {
        name: "VALIDATE::protocol",
        needs: Any,
    },
    CommandInfo {
        name: "VDI::disable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "VDI::enable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "WAM::disable",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "WAM::enable",
        needs: Module("aam"),
    },
    CommandInfo {
        name: "WEBSSO::disable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "WEBSSO::enable",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "WEBSSO::select",
        needs: Module("apm"),
    },
    CommandInfo {
        name: "WS::collect",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::disconnect",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::enabled",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::frame",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::masking",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::message",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::payload",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::payload_ivs",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::payload_processing",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::release",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::request",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "WS::response",
        needs: Profile("websocket"),
    },
    CommandInfo {
        name: "X509::cert_fields",
        needs: Any,
    },
    CommandInfo {
        name: "X509::extensions",
        needs: Any,
    },
    CommandInfo {
        name: "X509::hash",
        needs: Any,
    },
    CommandInfo {
        name: "X509::issuer",
        needs: Any,
    },
    CommandInfo {
        name: "X509::not_valid_after",
        needs: Any,
    },
    CommandInfo {
        name: "X509::not_valid_before",
        needs: Any,
    },
    CommandInfo {
        name: "X509::pem2der",
        needs: Any,
    },
    CommandInfo {
        name: "X509::serial_number",
        needs: Any,
    },
    CommandInfo {
        name: "X509::signature_algorithm",
        needs: Any,
    },
    CommandInfo {
        name: "X509::subject",
        needs: Any,
    },
    CommandInfo {
        name: "X509::subject_public_key",
        needs: Any,
    },
    CommandInfo {
        name: "X509::subject_public_key_RSA_bits",
        needs: Any,
    },
    CommandInfo {
        name: "X509::subject_public_key_type",
        needs: Any,
    },
    CommandInfo {
        name: "X509::verify_cert_error_string",
        needs: Any,
    },
    CommandInfo {
        name: "X509::version",
        needs: Any,
    },
    CommandInfo {
        name: "X509::whole",
        needs: Any,
    },
    CommandInfo {
        name: "XLAT::listen",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XLAT::listen_lifetime",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XLAT::src_addr",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XLAT::src_config",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XLAT::src_endpoint_reservation",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XLAT::src_nat_valid_range",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XLAT::src_port",
        needs: Module("cgnat"),
    },
    CommandInfo {
        name: "XML::address",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::collect",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::disable",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::element",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::enable",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::event",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::eventid",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::parse",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::payload",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::release",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::soap",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "XML::subscribe",
        needs: Profile("xml"),
    },
    CommandInfo {
        name: "accumulate",
        needs: Any,
    },
    CommandInfo {
        name: "active_members",
        needs: Any,
    },
    CommandInfo {
        name: "active_nodes",
        needs: Any,
    },
    CommandInfo {
        name: "after",
        needs: Any,
    },
    CommandInfo {
        name: "append",
        needs: Any,
    },
    CommandInfo {
        name: "apply",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "array",
        needs: Any,
    },
    CommandInfo {
        name: "auto_execok",
        needs: Disabled,
    },
    CommandInfo {
        name: "auto_import",
        needs: Disabled,
    },
    CommandInfo {
        name: "auto_load",
        needs: Disabled,
    },
    CommandInfo {
        name: "auto_mkindex",
        needs: Disabled,
    },
    CommandInfo {
        name: "auto_mkindex_old",
        needs: Disabled,
    },
    CommandInfo {
        name: "auto_qualify",
        needs: Disabled,
    },
    CommandInfo {
        name: "auto_reset",
        needs: Disabled,
    },
    CommandInfo {
        name: "b64decode",
        needs: Any,
    },
    CommandInfo {
        name: "b64encode",
        needs: Any,
    },
    CommandInfo {
        name: "bgerror",
        needs: Disabled,
    },
    CommandInfo {
        name: "binary",
        needs: Any,
    },
    CommandInfo {
        name: "break",
        needs: Any,
    },
    CommandInfo {
        name: "call",
        needs: Any,
    },
    CommandInfo {
        name: "catch",
        needs: Any,
    },
    CommandInfo {
        name: "cd",
        needs: Disabled,
    },
    CommandInfo {
        name: "chan",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "check",
        needs: Any,
    },
    CommandInfo {
        name: "class",
        needs: Any,
    },
    CommandInfo {
        name: "client_addr",
        needs: Any,
    },
    CommandInfo {
        name: "client_port",
        needs: Any,
    },
    CommandInfo {
        name: "clientside",
        needs: Any,
    },
    CommandInfo {
        name: "clock",
        needs: Any,
    },
    CommandInfo {
        name: "clone",
        needs: Any,
    },
    CommandInfo {
        name: "close",
        needs: Any,
    },
    CommandInfo {
        name: "concat",
        needs: Any,
    },
    CommandInfo {
        name: "connect",
        needs: Any,
    },
    CommandInfo {
        name: "const",
        needs: LaterTcl("9.0"),
    },
    CommandInfo {
        name: "continue",
        needs: Any,
    },
    CommandInfo {
        name: "coroutine",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "cpu",
        needs: Any,
    },
    CommandInfo {
        name: "crc32",
        needs: Any,
    },
    CommandInfo {
        name: "decode_uri",
        needs: Any,
    },
    CommandInfo {
        name: "dict",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "discard",
        needs: Any,
    },
    CommandInfo {
        name: "domain",
        needs: Any,
    },
    CommandInfo {
        name: "drop",
        needs: Any,
    },
    CommandInfo {
        name: "encoding",
        needs: Any,
    },
    CommandInfo {
        name: "eof",
        needs: Disabled,
    },
    CommandInfo {
        name: "error",
        needs: Any,
    },
    CommandInfo {
        name: "eval",
        needs: Any,
    },
    CommandInfo {
        name: "event",
        needs: Any,
    },
    CommandInfo {
        name: "exec",
        needs: Disabled,
    },
    CommandInfo {
        name: "exit",
        needs: Disabled,
    },
    CommandInfo {
        name: "expr",
        needs: Any,
    },
    CommandInfo {
        name: "fasthash",
        needs: Any,
    },
    CommandInfo {
        name: "fblocked",
        needs: Disabled,
    },
    CommandInfo {
        name: "fconfigure",
        needs: Disabled,
    },
    CommandInfo {
        name: "fcopy",
        needs: Disabled,
    },
    CommandInfo {
        name: "file",
        needs: Disabled,
    },
    CommandInfo {
        name: "fileevent",
        needs: Disabled,
    },
    CommandInfo {
        name: "filename",
        needs: Disabled,
    },
    CommandInfo {
        name: "findclass",
        needs: Any,
    },
    CommandInfo {
        name: "findstr",
        needs: Any,
    },
    CommandInfo {
        name: "flush",
        needs: Disabled,
    },
    CommandInfo {
        name: "for",
        needs: Any,
    },
    CommandInfo {
        name: "foreach",
        needs: Any,
    },
    CommandInfo {
        name: "foreachLine",
        needs: LaterTcl("9.0"),
    },
    CommandInfo {
        name: "format",
        needs: Any,
    },
    CommandInfo {
        name: "forward",
        needs: Any,
    },
    CommandInfo {
        name: "getfield",
        needs: Any,
    },
    CommandInfo {
        name: "gets",
        needs: Disabled,
    },
    CommandInfo {
        name: "glob",
        needs: Disabled,
    },
    CommandInfo {
        name: "global",
        needs: Any,
    },
    CommandInfo {
        name: "history",
        needs: Any,
    },
    CommandInfo {
        name: "htonl",
        needs: Any,
    },
    CommandInfo {
        name: "htons",
        needs: Any,
    },
    CommandInfo {
        name: "http",
        needs: Disabled,
    },
    CommandInfo {
        name: "http_client_ip",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_content_len_max",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_cookie",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_header",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_host",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_method",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_uri",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "http_version",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "if",
        needs: Any,
    },
    CommandInfo {
        name: "ifile",
        needs: Any,
    },
    CommandInfo {
        name: "imid",
        needs: Profile("http|fasthttp"),
    },
    CommandInfo {
        name: "incr",
        needs: Any,
    },
    CommandInfo {
        name: "info",
        needs: Any,
    },
    CommandInfo {
        name: "interp",
        needs: Disabled,
    },
    CommandInfo {
        name: "ip_addr",
        needs: Any,
    },
    CommandInfo {
        name: "ip_protocol",
        needs: Any,
    },
    CommandInfo {
        name: "ip_tos",
        needs: Any,
    },
    CommandInfo {
        name: "ip_ttl",
        needs: Any,
    },
    CommandInfo {
        name: "join",
        needs: Any,
    },
    CommandInfo {
        name: "lappend",
        needs: Any,
    },
    CommandInfo {
        name: "lassign",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "lasthop",
        needs: Any,
    },
    CommandInfo {
        name: "ledit",
        needs: LaterTcl("8.7"),
    },
    CommandInfo {
        name: "lindex",
        needs: Any,
    },
    CommandInfo {
        name: "link_qos",
        needs: Any,
    },
    CommandInfo {
        name: "linsert",
        needs: Any,
    },
    CommandInfo {
        name: "list",
        needs: Any,
    },
    CommandInfo {
        name: "listen",
        needs: Any,
    },
    CommandInfo {
        name: "llength",
        needs: Any,
    },
    CommandInfo {
        name: "llookup",
        needs: Any,
    },
    CommandInfo {
        name: "lmap",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "load",
        needs: Disabled,
    },
    CommandInfo {
        name: "local_addr",
        needs: Any,
    },
    CommandInfo {
        name: "local_port",
        needs: Any,
    },
    CommandInfo {
        name: "log",
        needs: Any,
    },
    CommandInfo {
        name: "lpop",
        needs: LaterTcl("8.7"),
    },
    CommandInfo {
        name: "lrange",
        needs: Any,
    },
    CommandInfo {
        name: "lremove",
        needs: LaterTcl("8.7"),
    },
    CommandInfo {
        name: "lrepeat",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "lreplace",
        needs: Any,
    },
    CommandInfo {
        name: "lreverse",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "lsearch",
        needs: Any,
    },
    CommandInfo {
        name: "lseq",
        needs: LaterTcl("8.7"),
    },
    CommandInfo {
        name: "lset",
        needs: Any,
    },
    CommandInfo {
        name: "lsort",
        needs: Any,
    },
    CommandInfo {
        name: "matchclass",
        needs: Any,
    },
    CommandInfo {
        name: "md4",
        needs: Any,
    },
    CommandInfo {
        name: "md5",
        needs: Any,
    },
    CommandInfo {
        name: "members",
        needs: Any,
    },
    CommandInfo {
        name: "memory",
        needs: Disabled,
    },
    CommandInfo {
        name: "namespace",
        needs: Disabled,
    },
    CommandInfo {
        name: "nexthop",
        needs: Any,
    },
    CommandInfo {
        name: "node",
        needs: Any,
    },
    CommandInfo {
        name: "nodes",
        needs: Any,
    },
    CommandInfo {
        name: "ntohl",
        needs: Any,
    },
    CommandInfo {
        name: "ntohs",
        needs: Any,
    },
    CommandInfo {
        name: "oo::class",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "oo::copy",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "oo::define",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "oo::objdefine",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "oo::object",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "open",
        needs: Disabled,
    },
    CommandInfo {
        name: "package",
        needs: Disabled,
    },
    CommandInfo {
        name: "parray",
        needs: Any,
    },
    CommandInfo {
        name: "peer",
        needs: Any,
    },
    CommandInfo {
        name: "pem_dtos",
        needs: Module("pem"),
    },
    CommandInfo {
        name: "persist",
        needs: Any,
    },
    CommandInfo {
        name: "pid",
        needs: Disabled,
    },
    CommandInfo {
        name: "pkg::create",
        needs: Disabled,
    },
    CommandInfo {
        name: "pkg_mkIndex",
        needs: Disabled,
    },
    CommandInfo {
        name: "pool",
        needs: Any,
    },
    CommandInfo {
        name: "priority",
        needs: Any,
    },
    CommandInfo {
        name: "proc",
        needs: Any,
    },
    CommandInfo {
        name: "puts",
        needs: Any,
    },
    CommandInfo {
        name: "pwd",
        needs: Disabled,
    },
    CommandInfo {
        name: "radius_authenticate",
        needs: Any,
    },
    CommandInfo {
        name: "rateclass",
        needs: Any,
    },
    CommandInfo {
        name: "read",
        needs: Any,
    },
    CommandInfo {
        name: "readFile",
        needs: LaterTcl("9.0"),
    },
    CommandInfo {
        name: "recv",
        needs: Any,
    },
    CommandInfo {
        name: "redirect",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "regexp",
        needs: Any,
    },
    CommandInfo {
        name: "regsub",
        needs: Any,
    },
    CommandInfo {
        name: "reject",
        needs: Any,
    },
    CommandInfo {
        name: "relate_client",
        needs: Any,
    },
    CommandInfo {
        name: "relate_server",
        needs: Any,
    },
    CommandInfo {
        name: "remote_addr",
        needs: Any,
    },
    CommandInfo {
        name: "remote_port",
        needs: Any,
    },
    CommandInfo {
        name: "rename",
        needs: Disabled,
    },
    CommandInfo {
        name: "return",
        needs: Any,
    },
    CommandInfo {
        name: "rmd160",
        needs: Any,
    },
    CommandInfo {
        name: "scan",
        needs: Any,
    },
    CommandInfo {
        name: "seek",
        needs: Disabled,
    },
    CommandInfo {
        name: "send",
        needs: Any,
    },
    CommandInfo {
        name: "server_addr",
        needs: Any,
    },
    CommandInfo {
        name: "server_port",
        needs: Any,
    },
    CommandInfo {
        name: "serverside",
        needs: Any,
    },
    CommandInfo {
        name: "session",
        needs: Any,
    },
    CommandInfo {
        name: "set",
        needs: Any,
    },
    CommandInfo {
        name: "sha1",
        needs: Any,
    },
    CommandInfo {
        name: "sha256",
        needs: Any,
    },
    CommandInfo {
        name: "sha384",
        needs: Any,
    },
    CommandInfo {
        name: "sha512",
        needs: Any,
    },
    CommandInfo {
        name: "sharedvar",
        needs: Any,
    },
    CommandInfo {
        name: "snat",
        needs: Any,
    },
    CommandInfo {
        name: "snatpool",
        needs: Any,
    },
    CommandInfo {
        name: "socket",
        needs: Disabled,
    },
    CommandInfo {
        name: "source",
        needs: Disabled,
    },
    CommandInfo {
        name: "split",
        needs: Any,
    },
    CommandInfo {
        name: "string",
        needs: Any,
    },
    CommandInfo {
        name: "subst",
        needs: Any,
    },
    CommandInfo {
        name: "substr",
        needs: Any,
    },
    CommandInfo {
        name: "switch",
        needs: Any,
    },
    CommandInfo {
        name: "table",
        needs: Any,
    },
    CommandInfo {
        name: "tailcall",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "tcl_findLibrary",
        needs: Disabled,
    },
    CommandInfo {
        name: "tcpdump",
        needs: Any,
    },
    CommandInfo {
        name: "tell",
        needs: Disabled,
    },
    CommandInfo {
        name: "throw",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "time",
        needs: Disabled,
    },
    CommandInfo {
        name: "timing",
        needs: Any,
    },
    CommandInfo {
        name: "trace",
        needs: Any,
    },
    CommandInfo {
        name: "traffic_group",
        needs: Any,
    },
    CommandInfo {
        name: "translate",
        needs: Any,
    },
    CommandInfo {
        name: "try",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "uniq_ordered_ip_list",
        needs: Any,
    },
    CommandInfo {
        name: "uniq_sorted_ip_list",
        needs: Any,
    },
    CommandInfo {
        name: "unknown",
        needs: Disabled,
    },
    CommandInfo {
        name: "unload",
        needs: LaterTcl("8.5"),
    },
    CommandInfo {
        name: "unset",
        needs: Any,
    },
    CommandInfo {
        name: "update",
        needs: Disabled,
    },
    CommandInfo {
        name: "uplevel",
        needs: Any,
    },
    CommandInfo {
        name: "upvar",
        needs: Any,
    },
    CommandInfo {
        name: "urlcatblindquery",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "urlcatquery",
        needs: Module("swg"),
    },
    CommandInfo {
        name: "use",
        needs: Any,
    },
    CommandInfo {
        name: "variable",
        needs: Any,
    },
    CommandInfo {
        name: "virtual",
        needs: Any,
    },
    CommandInfo {
        name: "vlan_id",
        needs: Any,
    },
    CommandInfo {
        name: "vwait",
        needs: Disabled,
    },
    CommandInfo {
        name: "when",
        needs: Any,
    },
    CommandInfo {
        name: "whereis",
        needs: Any,
    },
    CommandInfo {
        name: "while",
        needs: Any,
    },
    CommandInfo {
        name: "writeFile",
        needs: LaterTcl("9.0"),
    },
    CommandInfo {
        name: "xff_list",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "xff_uniq_ordered_ip_list",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "xff_uniq_sorted_ip_list",
        needs: Profile("http"),
    },
    CommandInfo {
        name: "yield",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "yieldto",
        needs: LaterTcl("8.6"),
    },
    CommandInfo {
        name: "zlib",
        needs: LaterTcl("8.6"),
    },
];

/// Every event, sorted by name (byte order) for binary search.
pub static EVENTS: &[EventInfo] = &[
    EventInfo {
        name: "ACCESS2_POLICY_EXPRESSION_EVAL",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_ACL_ALLOWED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_ACL_DENIED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_PER_REQUEST_AGENT_EVENT",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_POLICY_AGENT_EVENT",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_POLICY_COMPLETED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_SAML_ASSERTION",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_SAML_AUTHN",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_SAML_SLO_REQ",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_SAML_SLO_RESP",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_SESSION_CLOSED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ACCESS_SESSION_STARTED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ADAPT_REQUEST_HEADERS",
        needs: Profile("request-adapt"),
    },
    EventInfo {
        name: "ADAPT_REQUEST_RESULT",
        needs: Profile("request-adapt"),
    },
    EventInfo {
        name: "ADAPT_RESPONSE_HEADERS",
        needs: Profile("response-adapt"),
    },
    EventInfo {
        name: "ADAPT_RESPONSE_RESULT",
        needs: Profile("response-adapt"),
    },
    EventInfo {
        name: "ANTIFRAUD_ALERT",
        needs: Module("fps"),
    },
    EventInfo {
        name: "ANTIFRAUD_LOGIN",
        needs: Module("fps"),
    },
    EventInfo {
        name: "ASM_REQUEST_BLOCKING",
        needs: Module("asm"),
    },
    EventInfo {
        name: "ASM_REQUEST_DONE",
        needs: Module("asm"),
    },
    EventInfo {
        name: "ASM_REQUEST_VIOLATION",
        needs: Module("asm"),
    },
    EventInfo {
        name: "ASM_RESPONSE_LOGIN",
        needs: Module("asm"),
    },
    EventInfo {
        name: "ASM_RESPONSE_VIOLATION",
        needs: Module("asm"),
    },
    EventInfo {
        name: "AUTH_ERROR",
        needs: Profile("auth"),
    },
    EventInfo {
        name: "AUTH_FAILURE",
        needs: Profile("auth"),
    },
    EventInfo {
        name: "AUTH_RESULT",
        needs: Profile("auth"),
    },
    EventInfo {
        name: "AUTH_SUCCESS",
        needs: Profile("auth"),
    },
    EventInfo {
        name: "AUTH_WANTCREDENTIAL",
        needs: Profile("auth"),
    },
    EventInfo {
        name: "AVR_CSPM_INJECTION",
        needs: Module("avr"),
    },
    EventInfo {
        name: "BOTDEFENSE_ACTION",
        needs: Module("asm"),
    },
    EventInfo {
        name: "BOTDEFENSE_REQUEST",
        needs: Module("asm"),
    },
    EventInfo {
        name: "CACHE_REQUEST",
        needs: Profile("web-acceleration"),
    },
    EventInfo {
        name: "CACHE_RESPONSE",
        needs: Profile("web-acceleration"),
    },
    EventInfo {
        name: "CACHE_UPDATE",
        needs: Profile("web-acceleration"),
    },
    EventInfo {
        name: "CATEGORY_MATCHED",
        needs: Module("swg"),
    },
    EventInfo {
        name: "CLASSIFICATION_DETECTED",
        needs: Profile("classification"),
    },
    EventInfo {
        name: "CLIENTSSL_CLIENTCERT",
        needs: Profile("client-ssl"),
    },
    EventInfo {
        name: "CLIENTSSL_CLIENTHELLO",
        needs: Profile("client-ssl"),
    },
    EventInfo {
        name: "CLIENTSSL_DATA",
        needs: Profile("client-ssl"),
    },
    EventInfo {
        name: "CLIENTSSL_HANDSHAKE",
        needs: Profile("client-ssl"),
    },
    EventInfo {
        name: "CLIENTSSL_PASSTHROUGH",
        needs: Profile("client-ssl"),
    },
    EventInfo {
        name: "CLIENTSSL_SERVERHELLO_SEND",
        needs: Profile("client-ssl"),
    },
    EventInfo {
        name: "CLIENT_ACCEPTED",
        needs: Any,
    },
    EventInfo {
        name: "CLIENT_CLOSED",
        needs: Any,
    },
    EventInfo {
        name: "CLIENT_DATA",
        needs: Any,
    },
    EventInfo {
        name: "CONNECTOR_OPEN",
        needs: Profile("connector"),
    },
    EventInfo {
        name: "DIAMETER_EGRESS",
        needs: Profile("diameter"),
    },
    EventInfo {
        name: "DIAMETER_INGRESS",
        needs: Profile("diameter"),
    },
    EventInfo {
        name: "DIAMETER_RETRANSMISSION",
        needs: Profile("diameter"),
    },
    EventInfo {
        name: "DNS_REQUEST",
        needs: Profile("dns"),
    },
    EventInfo {
        name: "DNS_RESPONSE",
        needs: Profile("dns"),
    },
    EventInfo {
        name: "ECA_REQUEST_ALLOWED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "ECA_REQUEST_DENIED",
        needs: Module("apm"),
    },
    EventInfo {
        name: "EPI_NA_CHECK_HTTP_REQUEST",
        needs: Module("apm"),
    },
    EventInfo {
        name: "FIX_HEADER",
        needs: Profile("fix"),
    },
    EventInfo {
        name: "FIX_MESSAGE",
        needs: Profile("fix"),
    },
    EventInfo {
        name: "FLOW_INIT",
        needs: Any,
    },
    EventInfo {
        name: "GENERICMESSAGE_EGRESS",
        needs: Profile("generic-message"),
    },
    EventInfo {
        name: "GENERICMESSAGE_INGRESS",
        needs: Profile("generic-message"),
    },
    EventInfo {
        name: "GTP_GPDU_EGRESS",
        needs: Profile("gtp"),
    },
    EventInfo {
        name: "GTP_GPDU_INGRESS",
        needs: Profile("gtp"),
    },
    EventInfo {
        name: "GTP_PRIME_EGRESS",
        needs: Profile("gtp"),
    },
    EventInfo {
        name: "GTP_PRIME_INGRESS",
        needs: Profile("gtp"),
    },
    EventInfo {
        name: "GTP_SIGNALLING_EGRESS",
        needs: Profile("gtp"),
    },
    EventInfo {
        name: "GTP_SIGNALLING_INGRESS",
        needs: Profile("gtp"),
    },
    EventInfo {
        name: "HTML_COMMENT_MATCHED",
        needs: Profile("html"),
    },
    EventInfo {
        name: "HTML_TAG_MATCHED",
        needs: Profile("html"),
    },
    EventInfo {
        name: "HTTP_CLASS_FAILED",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_CLASS_SELECTED",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_DISABLED",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_PROXY_CONNECT",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_PROXY_REQUEST",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_PROXY_RESPONSE",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_REJECT",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_REQUEST",
        needs: Profile("http|fasthttp"),
    },
    EventInfo {
        name: "HTTP_REQUEST_DATA",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_REQUEST_RELEASE",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_REQUEST_SEND",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_RESPONSE",
        needs: Profile("http|fasthttp"),
    },
    EventInfo {
        name: "HTTP_RESPONSE_CONTINUE",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_RESPONSE_DATA",
        needs: Profile("http"),
    },
    EventInfo {
        name: "HTTP_RESPONSE_RELEASE",
        needs: Profile("http"),
    },
    EventInfo {
        name: "ICAP_REQUEST",
        needs: Profile("icap"),
    },
    EventInfo {
        name: "ICAP_RESPONSE",
        needs: Profile("icap"),
    },
    EventInfo {
        name: "IN_DOSL7_ATTACK",
        needs: Module("asm"),
    },
    EventInfo {
        name: "IP_GTM",
        needs: Module("gtm"),
    },
    EventInfo {
        name: "IVS_ENTRY_REQUEST",
        needs: Profile("ivs-entry"),
    },
    EventInfo {
        name: "IVS_ENTRY_RESPONSE",
        needs: Profile("ivs-entry"),
    },
    EventInfo {
        name: "JSON_REQUEST",
        needs: Profile("json"),
    },
    EventInfo {
        name: "JSON_REQUEST_ERROR",
        needs: Profile("json"),
    },
    EventInfo {
        name: "JSON_REQUEST_MISSING",
        needs: Profile("json"),
    },
    EventInfo {
        name: "JSON_RESPONSE",
        needs: Profile("json"),
    },
    EventInfo {
        name: "JSON_RESPONSE_ERROR",
        needs: Profile("json"),
    },
    EventInfo {
        name: "JSON_RESPONSE_MISSING",
        needs: Profile("json"),
    },
    EventInfo {
        name: "L7CHECK_CLIENT_DATA",
        needs: Profile("l7check"),
    },
    EventInfo {
        name: "L7CHECK_SERVER_DATA",
        needs: Profile("l7check"),
    },
    EventInfo {
        name: "LB_FAILED",
        needs: Any,
    },
    EventInfo {
        name: "LB_QUEUED",
        needs: Any,
    },
    EventInfo {
        name: "LB_SELECTED",
        needs: Any,
    },
    EventInfo {
        name: "MQTT_CLIENT_DATA",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MQTT_CLIENT_EGRESS",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MQTT_CLIENT_INGRESS",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MQTT_CLIENT_SHUTDOWN",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MQTT_SERVER_DATA",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MQTT_SERVER_EGRESS",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MQTT_SERVER_INGRESS",
        needs: Profile("mqtt"),
    },
    EventInfo {
        name: "MR_DATA",
        needs: Profile("message-routing"),
    },
    EventInfo {
        name: "MR_EGRESS",
        needs: Profile("message-routing"),
    },
    EventInfo {
        name: "MR_FAILED",
        needs: Profile("message-routing"),
    },
    EventInfo {
        name: "MR_INGRESS",
        needs: Profile("message-routing"),
    },
    EventInfo {
        name: "NAME_RESOLVED",
        needs: Any,
    },
    EventInfo {
        name: "PCP_REQUEST",
        needs: Profile("pcp"),
    },
    EventInfo {
        name: "PCP_RESPONSE",
        needs: Profile("pcp"),
    },
    EventInfo {
        name: "PEM_POLICY",
        needs: Module("pem"),
    },
    EventInfo {
        name: "PEM_SUBS_SESS_CREATED",
        needs: Module("pem"),
    },
    EventInfo {
        name: "PEM_SUBS_SESS_DELETED",
        needs: Module("pem"),
    },
    EventInfo {
        name: "PEM_SUBS_SESS_UPDATED",
        needs: Module("pem"),
    },
    EventInfo {
        name: "PERSIST_DOWN",
        needs: Any,
    },
    EventInfo {
        name: "PING_REQUEST_READY",
        needs: Any,
    },
    EventInfo {
        name: "PING_RESPONSE_READY",
        needs: Any,
    },
    EventInfo {
        name: "PROTOCOL_INSPECTION_MATCH",
        needs: Profile("protocol-inspection"),
    },
    EventInfo {
        name: "QOE_PARSE_DONE",
        needs: Profile("qoe"),
    },
    EventInfo {
        name: "RADIUS_AAA_ACCT_REQUEST",
        needs: Profile("radius"),
    },
    EventInfo {
        name: "RADIUS_AAA_ACCT_RESPONSE",
        needs: Profile("radius"),
    },
    EventInfo {
        name: "RADIUS_AAA_AUTH_REQUEST",
        needs: Profile("radius"),
    },
    EventInfo {
        name: "RADIUS_AAA_AUTH_RESPONSE",
        needs: Profile("radius"),
    },
    EventInfo {
        name: "REWRITE_REQUEST",
        needs: Profile("rewrite"),
    },
    EventInfo {
        name: "REWRITE_REQUEST_DONE",
        needs: Profile("rewrite"),
    },
    EventInfo {
        name: "REWRITE_RESPONSE",
        needs: Profile("rewrite"),
    },
    EventInfo {
        name: "REWRITE_RESPONSE_DONE",
        needs: Profile("rewrite"),
    },
    EventInfo {
        name: "RTSP_REQUEST",
        needs: Profile("rtsp"),
    },
    EventInfo {
        name: "RTSP_REQUEST_DATA",
        needs: Profile("rtsp"),
    },
    EventInfo {
        name: "RTSP_RESPONSE",
        needs: Profile("rtsp"),
    },
    EventInfo {
        name: "RTSP_RESPONSE_DATA",
        needs: Profile("rtsp"),
    },
    EventInfo {
        name: "RULE_INIT",
        needs: Any,
    },
    EventInfo {
        name: "SA_PICKED",
        needs: Any,
    },
    EventInfo {
        name: "SERVERSSL_CLIENTHELLO_SEND",
        needs: Profile("server-ssl"),
    },
    EventInfo {
        name: "SERVERSSL_DATA",
        needs: Profile("server-ssl"),
    },
    EventInfo {
        name: "SERVERSSL_HANDSHAKE",
        needs: Profile("server-ssl"),
    },
    EventInfo {
        name: "SERVERSSL_SERVERCERT",
        needs: Profile("server-ssl"),
    },
    EventInfo {
        name: "SERVERSSL_SERVERHELLO",
        needs: Profile("server-ssl"),
    },
    EventInfo {
        name: "SERVER_CLOSED",
        needs: Any,
    },
    EventInfo {
        name: "SERVER_CONNECTED",
        needs: Any,
    },
    EventInfo {
        name: "SERVER_DATA",
        needs: Any,
    },
    EventInfo {
        name: "SERVER_INIT",
        needs: Any,
    },
    EventInfo {
        name: "SIP_REQUEST",
        needs: Profile("sip"),
    },
    EventInfo {
        name: "SIP_REQUEST_DONE",
        needs: Profile("sip"),
    },
    EventInfo {
        name: "SIP_REQUEST_SEND",
        needs: Profile("sip"),
    },
    EventInfo {
        name: "SIP_RESPONSE",
        needs: Profile("sip"),
    },
    EventInfo {
        name: "SIP_RESPONSE_DONE",
        needs: Profile("sip"),
    },
    EventInfo {
        name: "SIP_RESPONSE_SEND",
        needs: Profile("sip"),
    },
    EventInfo {
        name: "SOCKS_REQUEST",
        needs: Profile("socks"),
    },
    EventInfo {
        name: "SSE_RESPONSE",
        needs: Profile("sse"),
    },
    EventInfo {
        name: "STREAM_MATCHED",
        needs: Profile("stream"),
    },
    EventInfo {
        name: "TAP_REQUEST",
        needs: Profile("tap"),
    },
    EventInfo {
        name: "TCP_GTM",
        needs: Module("gtm"),
    },
    EventInfo {
        name: "TDS_REQUEST",
        needs: Profile("tds"),
    },
    EventInfo {
        name: "TDS_RESPONSE",
        needs: Profile("tds"),
    },
    EventInfo {
        name: "UDP_GTM",
        needs: Module("gtm"),
    },
    EventInfo {
        name: "USER_REQUEST",
        needs: Any,
    },
    EventInfo {
        name: "USER_RESPONSE",
        needs: Any,
    },
    EventInfo {
        name: "WS_CLIENT_DATA",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_CLIENT_FRAME",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_CLIENT_FRAME_DONE",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_REQUEST",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_RESPONSE",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_SERVER_DATA",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_SERVER_FRAME",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "WS_SERVER_FRAME_DONE",
        needs: Profile("websocket"),
    },
    EventInfo {
        name: "XML_BEGIN_DOCUMENT",
        needs: Profile("xml"),
    },
    EventInfo {
        name: "XML_BEGIN_ELEMENT",
        needs: Profile("xml"),
    },
    EventInfo {
        name: "XML_CDATA",
        needs: Profile("xml"),
    },
    EventInfo {
        name: "XML_CONTENT_BASED_ROUTING",
        needs: Profile("xml"),
    },
    EventInfo {
        name: "XML_END_DOCUMENT",
        needs: Profile("xml"),
    },
    EventInfo {
        name: "XML_END_ELEMENT",
        needs: Profile("xml"),
    },
    EventInfo {
        name: "XML_EVENT",
        needs: Profile("xml"),
    },
];

/// The command's entry; a leading `::` (the global namespace) is ignored.
pub fn command(name: &str) -> Option<&'static CommandInfo> {
    let name = name.strip_prefix("::").unwrap_or(name);
    COMMANDS
        .binary_search_by(|c| c.name.cmp(name))
        .ok()
        .map(|i| &COMMANDS[i])
}

/// The event's entry.
pub fn event(name: &str) -> Option<&'static EventInfo> {
    EVENTS
        .binary_search_by(|e| e.name.cmp(name))
        .ok()
        .map(|i| &EVENTS[i])
}

/// Whether the reference says the command runs on a plain TCP virtual server.
pub fn runs_on_tcp(name: &str) -> bool {
    command(name).is_some_and(|c| c.needs == Requirement::Any)
}

/// How many entries of each class the catalogue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Commands in all.
    pub commands: usize,
    /// Commands that run on any virtual.
    pub commands_any: usize,
    /// Commands that need a profile.
    pub commands_profile: usize,
    /// Commands that need a module.
    pub commands_module: usize,
    /// Tcl commands F5 disables.
    pub commands_disabled: usize,
    /// Tcl commands newer than BIG-IP's Tcl 8.4.
    pub commands_later_tcl: usize,
    /// Events in all.
    pub events: usize,
    /// Events that fire on any virtual.
    pub events_any: usize,
    /// Events that need a profile.
    pub events_profile: usize,
    /// Events that need a module.
    pub events_module: usize,
}

/// Counts the catalogue by class.
pub fn coverage() -> Coverage {
    let mut c = Coverage {
        commands: COMMANDS.len(),
        events: EVENTS.len(),
        ..Coverage::default()
    };
    for cmd in COMMANDS {
        match cmd.needs {
            Any => c.commands_any += 1,
            Profile(_) => c.commands_profile += 1,
            Module(_) => c.commands_module += 1,
            Disabled => c.commands_disabled += 1,
            LaterTcl(_) => c.commands_later_tcl += 1,
        }
    }
    for e in EVENTS {
        match e.needs {
            Profile(_) => c.events_profile += 1,
            Module(_) => c.events_module += 1,
            // Events are never disabled or version-bound; count the rest as `Any`.
            Any | Disabled | LaterTcl(_) => c.events_any += 1,
        }
    }
    c
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} commands ({} any virtual, {} need a profile, {} need a module, {} disabled, {} Tcl 8.5+); {} events ({} any virtual, {} need a profile, {} need a module)",
            self.commands,
            self.commands_any,
            self.commands_profile,
            self.commands_module,
            self.commands_disabled,
            self.commands_later_tcl,
            self.events,
            self.events_any,
            self.events_profile,
            self.events_module,
        )
    }
}

/// How relaylab handles a command of the reference on a plain TCP virtual server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Support {
    /// Exact semantics: the result follows from the configuration and the connection.
    Modelled,
    /// A value the BIG-IP decides at run time (`clock`, `table`, `active_members`, ...),
    /// or a module's command where the module is provisioned: a free input, sampled.
    RunTimeInput,
    /// BIG-IP runs it here but relaylab does not model it yet: an evaluation reaching it
    /// is not decided, naming the command.
    NotModelled,
    /// BIG-IP refuses it on a plain TCP virtual (a profile it lacks, a disabled or later
    /// Tcl command); relaylab refuses it at load with the same reason.
    Refused,
}

/// F5 namespaces whose remaining commands read or tune the connection's transport and
/// the device's state (TTL, MSS, Nagle, routes, flows, statistics, profiles' settings,
/// DNS lookups, telemetry) and never choose where a connection goes or whether it ends:
/// a read is a run-time input, a setting changes nothing relaylab judges.
const RUN_TIME_NAMESPACES: &[&str] = &[
    "BIGPROTO::",
    "DECOMPRESS::",
    "DEMANGLE::",
    "DIAG::",
    "FLOW::",
    "FLOWTABLE::",
    "HA::",
    "HTTPLOG::",
    "IP::",
    "IPFIX::",
    "ISTATS::",
    "LDAP::",
    "LINK::",
    "NAME::",
    "NSH::",
    "PLUGIN::",
    "POLICY::",
    "PROFILE::",
    "PROTOCOL_INSPECTION::",
    "RESOLV::",
    "RESOLVER::",
    "ROUTE::",
    "TAP::",
    "TCP::",
    "TMM::",
];

/// Single commands of the same kind: member and node lists, lookups outside the
/// configuration, BIG-IP v9's names for connection properties, traffic shaping.
const RUN_TIME_COMMANDS: &[&str] = &[
    "LB::context_id",
    "LB::enable_decisionlog",
    "OFFBOX::request",
    "REST::send",
    "active_nodes",
    "cpu",
    "ip_tos",
    "ip_ttl",
    "lasthop",
    "link_qos",
    "nexthop",
    "nodes",
    "priority",
    "rateclass",
    "server_addr",
    "server_port",
    "tcpdump",
    "timing",
    "traffic_group",
    "uniq_ordered_ip_list",
    "uniq_sorted_ip_list",
    "vlan_id",
    "whereis",
];

/// Whether the engine treats `name` (a command it does not implement) as a run-time
/// input: see [`RUN_TIME_NAMESPACES`] and [`RUN_TIME_COMMANDS`].
pub(crate) fn is_opaque_run_time(name: &str) -> bool {
    let name = name.strip_prefix("::").unwrap_or(name);
    RUN_TIME_COMMANDS.binary_search(&name).is_ok()
        || RUN_TIME_NAMESPACES.iter().any(|ns| name.starts_with(ns))
}

#[cfg(test)]
mod run_time_tests {
    #[test]
    fn the_run_time_command_list_is_sorted_for_binary_search() {
        assert!(super::RUN_TIME_COMMANDS.windows(2).all(|w| w[0] < w[1]));
    }
}

/// How relaylab handles `cmd` on a plain TCP virtual, with `modules` provisioned.
pub fn support(cmd: &CommandInfo, modules: &std::collections::BTreeSet<String>) -> Support {
    match cmd.needs {
        Any => match crate::builtins::Builtin::lookup(cmd.name) {
            Some(b) if b.is_free_input() => Support::RunTimeInput,
            Some(_) => Support::Modelled,
            None if is_opaque_run_time(cmd.name) => Support::RunTimeInput,
            None => Support::NotModelled,
        },
        Module(m) if modules.contains(m) => Support::RunTimeInput,
        Module(_) | Profile(_) | Disabled | LaterTcl(_) => Support::Refused,
    }
}

/// The reference's commands by [`Support`], with no module provisioned: the figure
/// `make bench` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SupportFigures {
    /// Commands a plain TCP virtual runs (`Any`).
    pub runs_on_tcp: usize,
    /// Of those, modelled exactly.
    pub modelled: usize,
    /// Of those, run-time inputs.
    pub run_time_input: usize,
    /// Of those, not modelled (not decided where reached).
    pub not_modelled: usize,
    /// Module commands: run-time inputs where the module is provisioned, else refused.
    pub module: usize,
    /// Refused on a TCP virtual, as BIG-IP refuses them (profiles, disabled, Tcl 8.5+).
    pub refused: usize,
    /// Commands in all.
    pub commands: usize,
}

/// Counts the reference's commands by how relaylab handles them.
pub fn support_figures() -> SupportFigures {
    let none = std::collections::BTreeSet::new();
    let mut f = SupportFigures {
        commands: COMMANDS.len(),
        ..SupportFigures::default()
    };
    for c in COMMANDS {
        match (c.needs, support(c, &none)) {
            (Module(_), _) => f.module += 1,
            (_, Support::Refused) => f.refused += 1,
            (_, Support::Modelled) => {
                f.runs_on_tcp += 1;
                f.modelled += 1;
            }
            (_, Support::RunTimeInput) => {
                f.runs_on_tcp += 1;
                f.run_time_input += 1;
            }
            (_, Support::NotModelled) => {
                f.runs_on_tcp += 1;
                f.not_modelled += 1;
            }
        }
    }
    f
}

impl fmt::Display for SupportFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |n: usize| 100.0 * n as f64 / self.runs_on_tcp.max(1) as f64;
        write!(
            f,
            "of {} commands a TCP virtual runs: {} modelled exactly ({:.0}%), {} run-time inputs ({:.0}%), {} not modelled yet, not decided where reached ({:.0}%); {} module commands (run-time inputs where provisioned); {} refused as BIG-IP refuses them; {} in the reference",
            self.runs_on_tcp,
            self.modelled,
            pct(self.modelled),
            self.run_time_input,
            pct(self.run_time_input),
            self.not_modelled,
            pct(self.not_modelled),
            self.module,
            self.refused,
            self.commands,
        )
    }
}

/// The names of every command, for suggestions.
pub(crate) fn command_names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|c| c.name)
}

/// The names of every event, for suggestions.
pub(crate) fn event_names() -> impl Iterator<Item = &'static str> {
    EVENTS.iter().map(|e| e.name)
}

/// The Unicode name of a character that looks like a blank, a quote or nothing at all,
/// or is a control character: the characters a rule pasted from a document or a chat
/// picks up, which make a command name BIG-IP does not know.
pub(crate) fn odd_char_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00A0}' => "NO-BREAK SPACE",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{1680}' => "OGHAM SPACE MARK",
        '\u{2000}'..='\u{200A}' => "(a typographic space)",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{2010}'..='\u{2015}' => "(a typographic dash)",
        '\u{2018}' => "LEFT SINGLE QUOTATION MARK",
        '\u{2019}' => "RIGHT SINGLE QUOTATION MARK",
        '\u{201C}' => "LEFT DOUBLE QUOTATION MARK",
        '\u{201D}' => "RIGHT DOUBLE QUOTATION MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202F}' => "NARROW NO-BREAK SPACE",
        '\u{205F}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{2060}' => "WORD JOINER",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE (byte order mark)",
        '\t' => "CHARACTER TABULATION",
        '\r' => "CARRIAGE RETURN",
        c if c.is_control() => "(a control character)",
        _ => return None,
    })
}

/// The name with its odd characters made ordinary: look-alike blanks become spaces,
/// smart quotes plain ones, dashes `-`, invisible characters nothing.
fn ordinary(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
            | '\t' => Some(' '),
            '\u{2018}' | '\u{2019}' => Some('\''),
            '\u{201C}' | '\u{201D}' => Some('"'),
            '\u{2010}'..='\u{2015}' => Some('-'),
            c if odd_char_name(c).is_some() => None,
            c => Some(c),
        })
        .collect()
}

/// The known name closest to `name`, if one is close enough to be what was meant.
///
/// A name with odd characters is first made ordinary: `class\u{A0}match` (a no-break
/// space where a blank belongs) suggests `class match`. Otherwise the nearest candidate by
/// edit distance (transpositions count one, case is ignored) within two edits and less
/// than half the name.
pub(crate) fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let cleaned = ordinary(name);
    let candidates: Vec<&str> = candidates.collect();
    if cleaned != name {
        let head = cleaned.split(' ').next().unwrap_or("");
        if !head.is_empty() && candidates.contains(&head) {
            return Some(cleaned);
        }
    }
    // No command is this long; a long "name" is a rule gone wrong, and comparing it
    // with every candidate would cost more than it could tell.
    if cleaned.len() > 64 {
        return None;
    }
    let lower = cleaned.to_lowercase();
    let len = lower.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        // Two edits change the length by at most two.
        if c.chars().count().abs_diff(len) > 2 {
            continue;
        }
        let d = strsim::osa_distance(&lower, &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    (d <= 2 && d * 2 < len && c != name).then(|| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(COMMANDS.windows(2).all(|w| w[0].name < w[1].name));
        assert!(EVENTS.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn suggestions() {
        let names = || command_names();
        assert_eq!(closest("clsas", names()).as_deref(), Some("class"));
        assert_eq!(closest("http::uri", names()).as_deref(), Some("HTTP::uri"));
        assert_eq!(
            closest("class\u{A0}match", names()).as_deref(),
            Some("class match")
        );
        assert_eq!(closest("frobnicate_everything", names()), None);
        assert_eq!(odd_char_name('\u{A0}'), Some("NO-BREAK SPACE"));
        assert_eq!(odd_char_name('a'), None);
    }
}
