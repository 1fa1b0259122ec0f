//! The user table AUTH (SMTP) and LOGIN/AUTHENTICATE (IMAP) check against.

use std::collections::BTreeMap;

/// One account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login name as given.
    pub login: String,
    /// The password, in clear: these are throw-away lab accounts.
    pub password: String,
    /// The mailbox address the account reads over IMAP (`alice@contoso.com`).
    pub mailbox: String,
}

/// Accounts by login name (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct Users {
    by_login: BTreeMap<String, User>,
}

impl Users {
    /// No accounts: every AUTH fails.
    pub fn new() -> Users {
        Users::default()
    }

    /// Adds an account (replacing one of the same login).
    pub fn with(mut self, login: &str, password: &str, mailbox: &str) -> Users {
        self.by_login.insert(
            login.to_ascii_lowercase(),
            User {
                login: login.to_string(),
                password: password.to_string(),
                mailbox: mailbox.to_ascii_lowercase(),
            },
        );
        self
    }

    /// The account, when the password matches.
    pub fn check(&self, login: &str, password: &str) -> Option<&User> {
        self.by_login
            .get(&login.to_ascii_lowercase())
            .filter(|u| u.password == password)
    }

    /// Every account.
    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.by_login.values()
    }
}

/// Splits a SASL PLAIN message (`authzid NUL authcid NUL passwd`), already base64-decoded.
pub fn sasl_plain(decoded: &[u8]) -> Option<(String, String)> {
    let mut parts = decoded.split(|b| *b == 0);
    let _authzid = parts.next()?;
    let authcid = std::str::from_utf8(parts.next()?).ok()?;
    let passwd = std::str::from_utf8(parts.next()?).ok()?;
    if parts.next().is_some() || authcid.is_empty() {
        return None;
    }
    Some((authcid.to_string(), passwd.to_string()))
}
