//! Errors and warnings about a configuration file, with file, line and column.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode};
use serde::Serialize;

use crate::syntax::Span;

/// Maps byte offsets to 1-based line and column numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The 1-based line and column of a byte offset (columns count bytes).
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        (line, offset - self.starts[line - 1] + 1)
    }
}

/// Whether a problem stops the configuration from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The configuration cannot be used as written.
    Error,
    /// Read past or not modelled; worth a look.
    Warning,
}

/// One problem at one place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub level: Level,
    /// What is wrong.
    pub message: String,
    /// What the label under the source says.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The byte range it is about.
    #[serde(skip)]
    pub span: Span,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Another place the problem involves (the first definition of a name defined
    /// twice), with a note for its label.
    #[serde(skip)]
    pub related: Option<(Span, String)>,
}

impl Problem {
    pub(crate) fn new(
        level: Level,
        index: &LineIndex,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Problem {
        let (line, column) = index.locate(span.start);
        Problem {
            level,
            message: message.into(),
            label: label.into(),
            help,
            span,
            line,
            column,
            related: None,
        }
    }
}

/// Problems of one file, with its text, ready for `miette` to render with source
/// snippets; `Display` gives one `file:line:column: message` line per problem.
#[derive(Debug, Clone, thiserror::Error)]
pub struct FileProblems {
    /// The file's name as given.
    pub name: String,
    /// Its text.
    pub text: Arc<str>,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

impl FileProblems {
    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == Level::Error)
    }

    /// The problems as separate `miette` diagnostics, each carrying the source.
    pub fn diagnostics(&self) -> Vec<SourcedProblem> {
        let src = NamedSource::new(self.name.clone(), self.text.clone());
        self.problems
            .iter()
            .map(|p| SourcedProblem {
                problem: p.clone(),
                src: src.clone(),
            })
            .collect()
    }
}

impl fmt::Display for FileProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let level = match p.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            write!(
                f,
                "{}:{}:{}: {level}: {}",
                self.name, p.line, p.column, p.message
            )?;
        }
        Ok(())
    }
}

impl Diagnostic for FileProblems {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("relaylab::bigip"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        None
    }
}

/// One problem with the file's source attached, for `miette`'s graphical report.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", problem.message)]
pub struct SourcedProblem {
    /// The problem.
    pub problem: Problem,
    src: NamedSource<Arc<str>>,
}

impl Diagnostic for SourcedProblem {
    fn severity(&self) -> Option<Severity> {
        Some(match self.problem.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.problem.span.clone();
        let len = span
            .len()
            .max(1)
            .min(self.src.inner().len().saturating_sub(span.start));
        let main = LabeledSpan::new(
            Some(self.problem.label.clone()),
            span.start.min(self.src.inner().len()),
            len,
        );
        let related = self.problem.related.as_ref().map(|(span, note)| {
            LabeledSpan::new(
                Some(note.clone()),
                span.start.min(self.src.inner().len()),
                span.len().max(1),
            )
        });
        Some(Box::new(std::iter::once(main).chain(related)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let ix = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(ix.locate(0), (1, 1));
        assert_eq!(ix.locate(1), (1, 2));
        assert_eq!(ix.locate(3), (2, 1));
        assert_eq!(ix.locate(6), (3, 1));
        assert_eq!(ix.locate(7), (4, 1));
    }
}
