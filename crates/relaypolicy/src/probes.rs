//! The relay probes people run against mail servers, as data: nmap's `smtp-open-relay`
//! MAIL/RCPT pairs and the SMTP smuggling end-of-data variants. The live run sends them;
//! the policy predicts their replies.

/// nmap `smtp-open-relay.nse`'s 16 MAIL FROM / RCPT TO pairs (paths with angle brackets),
/// for a server named `srv` at `ip`, probing relay to `ext`, the server's domain `dom`.
pub fn nmap_pairs(srv: &str, ip: &str, ext: &str, dom: &str) -> Vec<(String, String)> {
    let ip = format!("[{ip}]");
    let mut v = vec![
        ("<>".to_string(), format!("<relaytest@{ext}>")),
        (format!("<antispam@{dom}>"), format!("<relaytest@{ext}>")),
        (format!("<antispam@{srv}>"), format!("<relaytest@{ext}>")),
    ];
    let from = format!("<antispam@{ip}>");
    for rcpt in [
        format!("<relaytest@{ext}>"),
        format!("<relaytest%{ext}@{ip}>"),
        format!("<relaytest%{ext}@{srv}>"),
        format!("<\"relaytest@{ext}\">"),
        format!("<\"relaytest%{ext}\">"),
        format!("<relaytest@{ext}@{ip}>"),
        format!("<\"relaytest@{ext}\"@{ip}>"),
        format!("<relaytest@{ext}@{srv}>"),
        format!("<@{ip}:relaytest@{ext}>"),
        format!("<@{srv}:relaytest@{ext}>"),
        format!("<{ext}!relaytest>"),
        format!("<{ext}!relaytest@{ip}>"),
        format!("<{ext}!relaytest@{srv}>"),
    ] {
        v.push((from.clone(), rcpt));
    }
    v
}

/// End-of-data sequences SMTP smuggling tries (hannob/smtpsmug, SEC Consult): only
/// `\r\n.\r\n` ends DATA; a server that takes any of these as the end lets a second,
/// smuggled message through.
pub const SMUGGLING_END_OF_DATA: [&[u8]; 9] = [
    b"\n.\n",
    b"\r.\r",
    b"\r.\n",
    b"\n.\r",
    b"\n.\r\n",
    b"\r\n.\n",
    b"\r.\r\n",
    b"\r\n.\r",
    b"\r\n\x00.\r\n",
];

#[cfg(test)]
mod tests {
    #[test]
    fn sixteen_pairs() {
        let p = super::nmap_pairs("ex1.contoso.com", "10.0.1.11", "example.net", "contoso.com");
        assert_eq!(p.len(), 16);
        assert_eq!(p[15].1, "<example.net!relaytest@ex1.contoso.com>");
    }
}
