//! Import errors: every one names file, line and column, and carries the source for miette.

use std::ops::Range;

use miette::{NamedSource, SourceSpan};

use crate::session::line_col;

/// What went wrong while reading a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportErrorKind {
    /// The file could not be read.
    #[error("cannot read the file: {message}")]
    Io {
        /// The OS error.
        message: String,
    },
    /// JSON syntax error (from serde_json).
    #[error("invalid JSON: {message}")]
    Json {
        /// serde_json's message, without its position.
        message: String,
    },
    /// TOML syntax or shape error (from toml).
    #[error("invalid TOML: {message}")]
    Toml {
        /// toml's message.
        message: String,
    },
    /// A value of the wrong JSON/TOML type.
    #[error("{property}: expected {expected}, found {found}")]
    Expected {
        /// The property.
        property: String,
        /// What was expected.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// A required property is missing.
    #[error("missing property `{property}` (expected in a {object})")]
    Missing {
        /// The property.
        property: &'static str,
        /// What kind of object lacks it.
        object: &'static str,
    },
    /// An address, range or CIDR that does not parse.
    #[error("{property}: {source}")]
    Address {
        /// The property.
        property: String,
        /// Why.
        source: addrspace::AddrError,
    },
    /// A value outside the property's vocabulary.
    #[error("{property}: `{value}` is not one of {expected}")]
    Value {
        /// The property.
        property: String,
        /// The value.
        value: String,
        /// The accepted values.
        expected: String,
    },
    /// A `postconf -n` line that is not `name = value`.
    #[error("not a `name = value` line: `{line}`")]
    PostconfLine {
        /// The line.
        line: String,
    },
    /// A `$name` expansion in `postconf -n` that loops or grows past the limit.
    #[error("{property}: {message}")]
    Expansion {
        /// The parameter whose value was being expanded.
        property: String,
        /// What went wrong.
        message: String,
    },
    /// Bytes that are not UTF-8.
    #[error("not UTF-8 text: byte 0x{byte:02x} (byte offset {offset}) is not valid UTF-8")]
    NotUtf8 {
        /// The first bad byte.
        byte: u8,
        /// Its offset in the file.
        offset: usize,
    },
    /// A file whose format relaylab does not recognise.
    #[error("unrecognised format: {reason}")]
    UnknownFormat {
        /// What was looked for.
        reason: String,
    },
}

/// An import error with its place in the source, renderable by miette. Its fields are
/// those of [`ImportErrorDetails`] (reachable through `Deref`); the box keeps `Result`s
/// small.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(transparent)]
#[diagnostic(transparent)]
pub struct ImportError(pub Box<ImportErrorDetails>);

impl std::ops::Deref for ImportError {
    type Target = ImportErrorDetails;
    fn deref(&self) -> &ImportErrorDetails {
        &self.0
    }
}

/// The content of an [`ImportError`]: `file:line:column: what`, or `file: what` when the
/// file could not be read at all (no line of it is to blame).
#[derive(Debug, miette::Diagnostic)]
#[diagnostic(code(relaypolicy::import))]
pub struct ImportErrorDetails {
    /// The file name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What went wrong.
    pub kind: ImportErrorKind,
    /// The source text; none when no part of the file is to be shown (it could not be
    /// read, or it is not a file of the expected kind).
    #[source_code]
    pub src: Option<NamedSource<String>>,
    /// The offending span.
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    /// The label text.
    pub label: String,
    /// A hint.
    #[help]
    pub hint: Option<String>,
}

impl std::fmt::Display for ImportErrorDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            ImportErrorKind::Io { .. } => write!(f, "{}: {}", self.file, self.kind),
            _ => write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.kind
            ),
        }
    }
}

impl std::error::Error for ImportErrorDetails {}

impl ImportError {
    /// An error at byte range `span` of `text`.
    pub fn new(file: &str, text: &str, span: Range<usize>, kind: ImportErrorKind) -> ImportError {
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let (line, column) = line_col(text, start);
        let label = match &kind {
            ImportErrorKind::Json { .. } | ImportErrorKind::Toml { .. } => "here".to_string(),
            ImportErrorKind::Missing { .. } => "in this object".to_string(),
            _ => "this value".to_string(),
        };
        ImportError(Box::new(ImportErrorDetails {
            file: file.to_string(),
            line,
            column,
            kind,
            src: Some(NamedSource::new(file, text.to_string())),
            span: Some(SourceSpan::new(start.into(), end - start)),
            label,
            hint: None,
        }))
    }

    /// An error at `line`, `column` that shows none of the file: for a file that is not
    /// in any expected format, whose content is not the user's configuration to quote.
    pub fn unquoted(file: &str, line: usize, column: usize, kind: ImportErrorKind) -> ImportError {
        ImportError(Box::new(ImportErrorDetails {
            file: file.to_string(),
            line,
            column,
            kind,
            src: None,
            span: None,
            label: "here".to_string(),
            hint: None,
        }))
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> ImportError {
        self.0.hint = Some(hint.into());
        self
    }
}

/// The byte offset of 1-based `line`, `column` in `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return off + col_bytes;
        }
        off += l.len();
    }
    text.len()
}
