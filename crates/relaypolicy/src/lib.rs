//! Relay policy of mail servers (placeholder until the relay-policy issue lands).
