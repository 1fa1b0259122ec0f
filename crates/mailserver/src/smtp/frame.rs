//! SMTP framing, kept apart from parsing: command lines and the DATA body.
//!
//! Only CRLF ends a line, here and in DATA. That is the whole defence against SMTP
//! smuggling: `\n.\n`, `\r.\r`, `\r\n\x00.\r\n` and the other end-of-data look-alikes stay
//! inside the message, so a smuggled second message can never start.

/// RFC 5321 4.5.3.1.4: a command line, CRLF included.
pub const MAX_COMMAND_LINE: usize = 512;
/// RFC 5321 4.5.3.1.6: a text line in DATA, CRLF included.
pub const MAX_TEXT_LINE: usize = 1000;

/// What the command-line framer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A complete line without its CRLF.
    Complete(Vec<u8>),
    /// A line longer than [`MAX_COMMAND_LINE`]; its bytes up to the next CRLF are dropped.
    TooLong,
}

/// Splits a byte stream into CRLF-terminated command lines.
#[derive(Debug, Default)]
pub struct LineReceiver {
    buf: Vec<u8>,
    /// Dropping the rest of an over-long line until its CRLF.
    skipping: bool,
}

impl LineReceiver {
    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete line, or `None` when more bytes are needed.
    pub fn next_line(&mut self) -> Option<Line> {
        loop {
            match find_crlf(&self.buf) {
                Some(end) => {
                    let mut line: Vec<u8> = self.buf.drain(..end + 2).collect();
                    line.truncate(end);
                    if self.skipping {
                        self.skipping = false;
                        continue;
                    }
                    if end + 2 > MAX_COMMAND_LINE {
                        return Some(Line::TooLong);
                    }
                    return Some(Line::Complete(line));
                }
                None => {
                    if !self.skipping && self.buf.len() >= MAX_COMMAND_LINE {
                        // Keep a trailing CR: it may be the first half of the CRLF.
                        let keep = usize::from(self.buf.last() == Some(&b'\r'));
                        self.buf.drain(..self.buf.len() - keep);
                        self.skipping = true;
                        return Some(Line::TooLong);
                    }
                    if self.skipping {
                        let keep = usize::from(self.buf.last() == Some(&b'\r'));
                        self.buf.drain(..self.buf.len() - keep);
                    }
                    return None;
                }
            }
        }
    }

    /// Takes every byte not yet framed (the DATA body that followed in the same read).
    pub fn take_rest(&mut self) -> Vec<u8> {
        self.skipping = false;
        std::mem::take(&mut self.buf)
    }

    /// Drops buffered bytes: after STARTTLS nothing sent in the clear may be obeyed
    /// (the CVE-2011-0411 command injection).
    pub fn clear(&mut self) -> usize {
        self.skipping = false;
        let n = self.buf.len();
        self.buf.clear();
        n
    }

    /// Bytes buffered but not yet framed.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

/// What the DATA framer found after a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataStatus {
    /// The end-of-data mark has not arrived.
    NeedsMoreData,
    /// CRLF.CRLF arrived; the bytes after it belong to the next command.
    Done(Vec<u8>),
}

/// Receives a DATA body: removes dot-stuffing and ends only at CRLF.CRLF.
#[derive(Debug)]
pub struct DataReceiver {
    body: Vec<u8>,
    /// The current line so far (without CRLF); lines are only cut at CRLF. Never longer
    /// than [`MAX_TEXT_LINE`]: the rest of an over-long line is counted, not kept.
    line: Vec<u8>,
    /// Octets of the current line that were counted but not kept.
    line_overflow: u64,
    /// The previous chunk ended in CR, the first half of a CRLF.
    cr_pending: bool,
    /// Whether a bare LF (an LF not preceded by CR) was seen.
    bare_lf: bool,
    /// The longest line seen, CRLF included.
    longest_line: usize,
    /// Octets taken into the body.
    size: u64,
    /// The body is dropped after this many octets; only the size is still counted.
    keep_limit: u64,
}

/// A finished DATA body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The message, dot-stuffing removed, with the CRLF before the final dot.
    pub data: Vec<u8>,
    /// The message size in octets as received.
    pub size: u64,
    /// Whether a bare LF was seen.
    pub bare_linefeeds: bool,
    /// Whether a text line went over [`MAX_TEXT_LINE`].
    pub line_too_long: bool,
    /// Whether the body went over the keep limit and was not kept.
    pub truncated: bool,
}

impl DataReceiver {
    /// A receiver that keeps at most `keep_limit` octets (bigger bodies are still read to
    /// their end, so the session stays in step, but are refused).
    pub fn new(keep_limit: u64) -> DataReceiver {
        DataReceiver {
            body: Vec::new(),
            line: Vec::new(),
            line_overflow: 0,
            cr_pending: false,
            bare_lf: false,
            longest_line: 0,
            size: 0,
            keep_limit,
        }
    }

    /// Feeds bytes; on `Done` the rest of the input is returned and [`DataReceiver::finish`]
    /// gives the body.
    pub fn push(&mut self, bytes: &[u8]) -> DataStatus {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if self.cr_pending {
                self.cr_pending = false;
                if b == b'\n' {
                    if self.line == b"." {
                        self.line.clear();
                        return DataStatus::Done(bytes[i..].to_vec());
                    }
                    self.end_line();
                    continue;
                }
                // A CR not followed by LF is data.
                self.take(b'\r');
            }
            match b {
                b'\r' => self.cr_pending = true,
                b'\n' => {
                    self.bare_lf = true;
                    self.take(b'\n');
                }
                _ => self.take(b),
            }
        }
        DataStatus::NeedsMoreData
    }

    /// One octet of the current line. Past [`MAX_TEXT_LINE`] the message is refused anyway,
    /// so its octets are only counted: an 800 MB line without CRLF costs 1000 bytes of
    /// memory, not 800 MB.
    fn take(&mut self, b: u8) {
        if self.line.len() < MAX_TEXT_LINE {
            self.line.push(b);
        } else {
            self.line_overflow += 1;
        }
    }

    /// Octets held in memory now (the kept body and the current line).
    pub fn buffered(&self) -> usize {
        self.body.len() + self.line.len()
    }

    fn end_line(&mut self) {
        // Dot-stuffing: a line that begins with a dot lost one dot on the way in. Only lines
        // cut at CRLF count, so "\n..x" is not unstuffed.
        let content: &[u8] = if self.line.first() == Some(&b'.') {
            &self.line[1..]
        } else {
            &self.line
        };
        let overflow = std::mem::take(&mut self.line_overflow);
        let line_len = self.line.len() as u64 + overflow + 2;
        self.longest_line = self
            .longest_line
            .max(usize::try_from(line_len).unwrap_or(usize::MAX));
        let n = content.len() as u64 + overflow + 2;
        self.size += n;
        if self.longest_line > MAX_TEXT_LINE || self.size > self.keep_limit {
            // The message will be refused: keeping any of it would only cost memory.
            self.body = Vec::new();
        } else {
            self.body.extend_from_slice(content);
            self.body.extend_from_slice(b"\r\n");
        }
        self.line.clear();
    }

    /// The body received so far (call after `Done`).
    pub fn finish(self) -> Body {
        let truncated = self.size > self.keep_limit;
        Body {
            data: if truncated { Vec::new() } else { self.body },
            size: self.size,
            bare_linefeeds: self.bare_lf,
            line_too_long: self.longest_line > MAX_TEXT_LINE,
            truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[&[u8]]) -> Vec<Line> {
        let mut r = LineReceiver::default();
        let mut out = Vec::new();
        for chunk in input {
            r.push(chunk);
            while let Some(l) = r.next_line() {
                out.push(l);
            }
        }
        out
    }

    #[test]
    fn lines_end_only_at_crlf() {
        let cases: &[(&[&[u8]], Vec<Line>)] = &[
            (&[b"NOOP\r\n"], vec![Line::Complete(b"NOOP".to_vec())]),
            (
                &[b"NO", b"OP\r", b"\nQUIT\r\n"],
                vec![
                    Line::Complete(b"NOOP".to_vec()),
                    Line::Complete(b"QUIT".to_vec()),
                ],
            ),
            (
                &[b"NOOP\nQUIT\r\n"],
                vec![Line::Complete(b"NOOP\nQUIT".to_vec())],
            ),
            (
                &[b"NOOP\rQUIT\r\n"],
                vec![Line::Complete(b"NOOP\rQUIT".to_vec())],
            ),
            (&[b"NOOP\n"], vec![]),
        ];
        for (input, want) in cases {
            assert_eq!(&lines(input), want, "{input:?}");
        }
    }

    #[test]
    fn command_line_limit_is_512_with_crlf() {
        let ok = [vec![b'A'; 510], b"\r\n".to_vec()].concat();
        assert_eq!(lines(&[&ok]), vec![Line::Complete(vec![b'A'; 510])]);
        let long = [vec![b'A'; 511], b"\r\nNOOP\r\n".to_vec()].concat();
        assert_eq!(
            lines(&[&long]),
            vec![Line::TooLong, Line::Complete(b"NOOP".to_vec())]
        );
        // Arriving in pieces with no CRLF for a long time: reported once, then skipped.
        let a = vec![b'B'; 600];
        let b = vec![b'C'; 600];
        assert_eq!(
            lines(&[&a, &b, b"\r", b"\nNOOP\r\n"]),
            vec![Line::TooLong, Line::Complete(b"NOOP".to_vec())]
        );
    }

    fn data(input: &[&[u8]]) -> (Body, Vec<u8>) {
        let mut r = DataReceiver::new(1 << 20);
        for chunk in input {
            if let DataStatus::Done(rest) = r.push(chunk) {
                return (r.finish(), rest);
            }
        }
        panic!("no end of data in {input:?}");
    }

    #[test]
    fn data_unstuffs_dots_and_ends_at_crlf_dot_crlf() {
        let (b, rest) = data(&[b"a\r\n..b\r\n.\r\nQUIT\r\n"]);
        assert_eq!(b.data, b"a\r\n.b\r\n");
        assert_eq!(rest, b"QUIT\r\n");
        assert!(!b.bare_linefeeds);
        let (b, rest) = data(&[b"a\r", b"\n.", b"\r", b"\n"]);
        assert_eq!(b.data, b"a\r\n");
        assert!(rest.is_empty());
        // An empty body: the end mark right away.
        let (b, _) = data(&[b".\r\n"]);
        assert!(b.data.is_empty());
    }

    #[test]
    fn smuggling_variants_never_end_data() {
        for v in relaypolicy::probes::SMUGGLING_END_OF_DATA {
            let mut r = DataReceiver::new(1 << 20);
            let smuggled = [
                b"Subject: x\r\n\r\nhi".as_slice(),
                v,
                b"MAIL FROM:<a@b>\r\n",
            ]
            .concat();
            assert_eq!(
                r.push(&smuggled),
                DataStatus::NeedsMoreData,
                "{v:?} ended DATA"
            );
            assert!(matches!(r.push(b"\r\n.\r\n"), DataStatus::Done(_)));
            let body = r.finish();
            assert!(
                body.data.windows(9).any(|w| w == b"MAIL FROM"),
                "{v:?}: smuggled text must stay in the body"
            );
            let has_bare_lf = v.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r') || v[0] == b'\n';
            assert_eq!(body.bare_linefeeds, has_bare_lf, "{v:?}");
        }
    }

    #[test]
    fn long_text_lines_and_oversize_bodies_are_flagged() {
        let long = [vec![b'x'; 999], b"\r\n.\r\n".to_vec()].concat();
        assert!(data(&[&long]).0.line_too_long);
        let fine = [vec![b'x'; 998], b"\r\n.\r\n".to_vec()].concat();
        assert!(!data(&[&fine]).0.line_too_long);
        let mut r = DataReceiver::new(10);
        assert!(matches!(
            r.push(b"0123456789abc\r\n.\r\n"),
            DataStatus::Done(_)
        ));
        let b = r.finish();
        assert!(b.truncated && b.data.is_empty() && b.size == 15);
    }

    #[test]
    fn an_endless_line_and_an_oversize_body_are_counted_not_kept() {
        let mut r = DataReceiver::new(1 << 20);
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..64 {
            assert_eq!(r.push(&chunk), DataStatus::NeedsMoreData);
            assert!(r.buffered() <= MAX_TEXT_LINE, "{}", r.buffered());
        }
        assert!(matches!(r.push(b"\r\n.\r\n"), DataStatus::Done(_)));
        let b = r.finish();
        assert!(b.line_too_long && b.data.is_empty());
        assert_eq!(b.size, 64 * 64 * 1024 + 2, "every octet is counted");

        // Short lines past the keep limit: what was kept is let go at once.
        let mut r = DataReceiver::new(4096);
        let line = [vec![b'y'; 98], b"\r\n".to_vec()].concat();
        for _ in 0..1000 {
            assert_eq!(r.push(&line), DataStatus::NeedsMoreData);
            assert!(r.buffered() <= 4096 + MAX_TEXT_LINE, "{}", r.buffered());
        }
        assert!(matches!(r.push(b".\r\n"), DataStatus::Done(_)));
        let b = r.finish();
        assert!(b.truncated && b.data.is_empty() && b.size == 100_000);
    }
}
