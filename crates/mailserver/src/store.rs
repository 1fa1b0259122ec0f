//! The message store SMTP delivers into and IMAP reads from.
//!
//! Accepted mail for accepted-domain recipients goes to one mailbox per recipient; relayed
//! mail goes to the relay sink, which is the evidence that a server relayed; recipients
//! taken at RCPT that can only bounce (Exchange 2003's `%` hack, self-addressed literals)
//! go to the bounce list. The store is in memory and the SMTP machine is told the message's
//! id before it replies 250, so nothing acknowledged is ever lost.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use relaypolicy::recipient::Destination;

use crate::smtp::Delivery;

/// Why the store refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A thread panicked while holding the store's lock; the store is not trusted any more.
    #[error("the message store is poisoned by a panic in another task")]
    Poisoned,
    /// A delivery without recipients.
    #[error("message from {from} has no recipients")]
    NoRecipients {
        /// The reverse path.
        from: String,
    },
    /// A mailbox the operation names does not exist.
    #[error("no mailbox {mailbox}")]
    NoMailbox {
        /// The mailbox address.
        mailbox: String,
    },
}

/// One accepted message, shared by every place it was delivered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The store-wide id (1, 2, ...), in acceptance order.
    pub id: u64,
    /// The Message-ID header, angle brackets included, if the message has one.
    pub message_id: Option<String>,
    /// The delivery as the SMTP session handed it over.
    pub delivery: Delivery,
}

/// A message in a mailbox, with its IMAP attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxEntry {
    /// The IMAP UID.
    pub uid: u32,
    /// IMAP flags (`\Seen`, `\Deleted`, keywords).
    pub flags: BTreeSet<String>,
    /// The message.
    pub message: Arc<Message>,
}

/// One recipient's mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The address (lower case).
    pub address: String,
    /// IMAP UIDVALIDITY.
    pub uid_validity: u32,
    /// The next UID to hand out.
    pub uid_next: u32,
    /// The messages, in UID order.
    pub entries: Vec<MailboxEntry>,
}

/// A message that went to the relay sink or the bounce list, with the recipients that sent
/// it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The message.
    pub message: Arc<Message>,
    /// The recipients (forward paths as written).
    pub recipients: Vec<String>,
}

/// Where one copy of a message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In a mailbox.
    Mailbox(String),
    /// In the relay sink.
    Relayed,
    /// In the bounce list.
    Bounced,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    messages: Vec<Arc<Message>>,
    mailboxes: BTreeMap<String, Mailbox>,
    relayed: Vec<Routed>,
    bounced: Vec<Routed>,
}

/// The shared store; clones are handles to the same store.
#[derive(Debug, Clone, Default)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Creates an empty mailbox (IMAP users can select it before any mail arrives).
    pub fn ensure_mailbox(&self, address: &str) -> Result<(), StoreError> {
        let mut g = self.lock()?;
        mailbox_mut(&mut g.mailboxes, address);
        Ok(())
    }

    /// Stores a delivery in every place its recipients send it; returns the message id.
    pub fn deliver(&self, delivery: Delivery) -> Result<u64, StoreError> {
        if delivery.recipients.is_empty() {
            return Err(StoreError::NoRecipients {
                from: delivery.from,
            });
        }
        let mut g = self.lock()?;
        g.next_id += 1;
        let id = g.next_id;
        let message = Arc::new(Message {
            id,
            message_id: header(&delivery.data, "message-id"),
            delivery,
        });
        let mut relay = Vec::new();
        let mut bounce = Vec::new();
        let mut boxes: Vec<String> = Vec::new();
        for r in &message.delivery.recipients {
            match &r.destination {
                Destination::Local { domain, mailbox } => {
                    let addr = format!("{mailbox}@{domain}").to_ascii_lowercase();
                    if !boxes.contains(&addr) {
                        boxes.push(addr);
                    }
                }
                _ if r.relay => relay.push(r.path.clone()),
                _ => bounce.push(r.path.clone()),
            }
        }
        for addr in boxes {
            let mb = mailbox_mut(&mut g.mailboxes, &addr);
            let uid = mb.uid_next;
            mb.uid_next += 1;
            mb.entries.push(MailboxEntry {
                uid,
                flags: BTreeSet::from(["\\Recent".to_string()]),
                message: Arc::clone(&message),
            });
        }
        if !relay.is_empty() {
            g.relayed.push(Routed {
                message: Arc::clone(&message),
                recipients: relay,
            });
        }
        if !bounce.is_empty() {
            g.bounced.push(Routed {
                message: Arc::clone(&message),
                recipients: bounce,
            });
        }
        g.messages.push(message);
        Ok(id)
    }

    /// How many messages were accepted.
    pub fn count(&self) -> usize {
        self.lock().map(|g| g.messages.len()).unwrap_or(0)
    }

    /// Every accepted message, in order.
    pub fn messages(&self) -> Vec<Arc<Message>> {
        self.lock().map(|g| g.messages.clone()).unwrap_or_default()
    }

    /// The relay sink: every relayed message with its relayed recipients.
    pub fn relayed(&self) -> Vec<Routed> {
        self.lock().map(|g| g.relayed.clone()).unwrap_or_default()
    }

    /// Messages taken for recipients that can only bounce.
    pub fn bounced(&self) -> Vec<Routed> {
        self.lock().map(|g| g.bounced.clone()).unwrap_or_default()
    }

    /// A copy of one mailbox.
    pub fn mailbox(&self, address: &str) -> Option<Mailbox> {
        self.lock()
            .ok()?
            .mailboxes
            .get(&address.to_ascii_lowercase())
            .cloned()
    }

    /// The addresses of every mailbox.
    pub fn mailbox_names(&self) -> Vec<String> {
        self.lock()
            .map(|g| g.mailboxes.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every place a message with this Message-ID (with or without angle brackets) landed.
    pub fn find_by_message_id(&self, message_id: &str) -> Vec<(Location, Arc<Message>)> {
        let want = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let Ok(g) = self.lock() else {
            return Vec::new();
        };
        let is = |m: &Message| {
            m.message_id
                .as_deref()
                .map(|id| id.trim_start_matches('<').trim_end_matches('>'))
                == Some(want)
        };
        let mut out = Vec::new();
        for (name, mb) in &g.mailboxes {
            for e in mb.entries.iter().filter(|e| is(&e.message)) {
                out.push((Location::Mailbox(name.clone()), Arc::clone(&e.message)));
            }
        }
        for r in g.relayed.iter().filter(|r| is(&r.message)) {
            out.push((Location::Relayed, Arc::clone(&r.message)));
        }
        for r in g.bounced.iter().filter(|r| is(&r.message)) {
            out.push((Location::Bounced, Arc::clone(&r.message)));
        }
        out
    }

    /// How many times a message with this Message-ID was *accepted* (not copies): exactly
    /// once is what a client that got one 250 may expect.
    pub fn accepted_count(&self, message_id: &str) -> usize {
        let want = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        self.messages()
            .iter()
            .filter(|m| {
                m.message_id
                    .as_deref()
                    .map(|id| id.trim_start_matches('<').trim_end_matches('>'))
                    == Some(want)
            })
            .count()
    }

    /// Runs `f` on a mailbox under the store's lock (IMAP's SELECT, STORE, EXPUNGE).
    pub fn with_mailbox<T>(
        &self,
        address: &str,
        f: impl FnOnce(&mut Mailbox) -> T,
    ) -> Result<T, StoreError> {
        let mut g = self.lock()?;
        let mb = g
            .mailboxes
            .get_mut(&address.to_ascii_lowercase())
            .ok_or_else(|| StoreError::NoMailbox {
                mailbox: address.to_string(),
            })?;
        Ok(f(mb))
    }
}

fn mailbox_mut<'a>(boxes: &'a mut BTreeMap<String, Mailbox>, address: &str) -> &'a mut Mailbox {
    let key = address.to_ascii_lowercase();
    boxes.entry(key.clone()).or_insert_with(|| Mailbox {
        address: key,
        uid_validity: 1,
        uid_next: 1,
        entries: Vec::new(),
    })
}

/// The unfolded value of the first header `name` (lower case) in the message's header.
pub fn header(data: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.trim().eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_string());
        }
    }
    value
}
