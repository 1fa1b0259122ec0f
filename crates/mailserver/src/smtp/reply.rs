//! Every reply the session machine writes itself (protocol sequencing and syntax, where no
//! policy is involved), in one place. Texts follow Exchange 2013+.

use relaypolicy::Reply;

fn r(code: u16, esc: &str, text: &str) -> Reply {
    Reply::new(code, Some(esc), text)
}

/// A command line over 512 octets.
pub fn line_too_long() -> Reply {
    r(500, "5.5.2", "Line too long")
}
/// A verb this server does not know.
pub fn unrecognized() -> Reply {
    r(500, "5.3.3", "Unrecognized command")
}
/// Arguments that do not fit the verb's grammar.
pub fn syntax(grammar: &str) -> Reply {
    r(
        501,
        "5.5.4",
        &format!("Invalid arguments; syntax: {grammar}"),
    )
}
/// MAIL before EHLO/HELO.
pub fn need_hello() -> Reply {
    r(503, "5.5.2", "Send hello first")
}
/// MAIL inside a transaction.
pub fn sender_already_given() -> Reply {
    r(503, "5.5.2", "Sender already specified")
}
/// RCPT before MAIL.
pub fn need_mail() -> Reply {
    r(503, "5.5.2", "Need mail command")
}
/// DATA before any accepted RCPT.
pub fn need_rcpt() -> Reply {
    r(503, "5.5.2", "Need rcpt command")
}
/// DATA accepted.
pub fn start_data() -> Reply {
    Reply::new(354, None, "Start mail input; end with <CRLF>.<CRLF>")
}
/// A DATA text line over 1000 octets.
pub fn text_line_too_long() -> Reply {
    r(500, "5.5.2", "Line too long in message content")
}
/// RSET.
pub fn reset() -> Reply {
    r(250, "2.0.0", "Resetting")
}
/// NOOP.
pub fn ok() -> Reply {
    r(250, "2.0.0", "OK")
}
/// VRFY: the mock never confirms mailboxes, as Exchange does by default.
pub fn cannot_vrfy() -> Reply {
    r(
        252,
        "2.1.5",
        "Cannot VRFY user, but will accept message for delivery",
    )
}
/// QUIT.
pub fn closing() -> Reply {
    r(221, "2.0.0", "Service closing transmission channel")
}
/// Shutdown of the server while a session is open.
pub fn shutting_down() -> Reply {
    r(
        421,
        "4.3.2",
        "Service not available, closing transmission channel",
    )
}
/// STARTTLS when the policy offers it but the server has no certificate.
pub fn tls_unavailable() -> Reply {
    r(454, "4.7.0", "TLS not available due to temporary reason")
}
/// A SASL mechanism the machine cannot run.
pub fn unknown_mechanism() -> Reply {
    r(504, "5.7.4", "Unrecognized authentication type")
}
/// AUTH inside a mail transaction.
pub fn auth_in_transaction() -> Reply {
    r(503, "5.5.1", "Not permitted during a mail transaction")
}
/// A SASL challenge (base64 text, may be empty).
pub fn challenge(b64: &str) -> Reply {
    Reply::new(334, None, b64)
}
/// Wrong credentials or a malformed SASL response.
pub fn auth_failed() -> Reply {
    r(535, "5.7.3", "Authentication unsuccessful")
}
/// The client sent `*` during SASL.
pub fn auth_cancelled() -> Reply {
    r(501, "5.0.0", "Authentication cancelled")
}
/// The store refused a message (nothing is acknowledged that is not kept).
pub fn store_failed() -> Reply {
    r(451, "4.3.0", "Message not stored; try again later")
}
/// A body over the size the mock keeps when the policy sets no limit.
pub fn too_big() -> Reply {
    r(
        552,
        "5.3.4",
        "Message size exceeds fixed maximum message size",
    )
}
