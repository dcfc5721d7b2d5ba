//! Finding the end of a head (or trailer) section across input chunks, within the limits.
//!
//! The scanner only looks at line ends: it checks that every LF follows a CR, counts lines and
//! bytes against [`Limits`], and reports where the empty line ending the section is. What is
//! inside the lines is checked by `head.rs` once the section is complete. Because the scanner
//! keeps its position between calls, the section can arrive in any number of pieces and each
//! byte is looked at once.

use super::{Error, Limits};

/// Which kind of section is being scanned; decides the start-line rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// Request line + fields. Empty lines before the request line are skipped (RFC 9112 §2.2
    /// lets a server ignore them; some clients send CRLF after a body).
    Request,
    /// Status line + fields.
    Response,
    /// Trailer fields only, no start line.
    Trailers,
}

/// Scanning state for one section.
#[derive(Debug)]
pub(crate) struct Scanner {
    section: Section,
    /// Bytes of this section scanned so far (including skipped empty lines).
    total: usize,
    /// Offset (within the section) of the first byte of the current line.
    line_start: usize,
    /// Complete non-empty lines so far (start line included).
    lines: usize,
    /// Bytes of empty lines skipped before the request line.
    skipped: usize,
    /// The last byte scanned, to see the CR of a CRLF split across two chunks.
    last: u8,
    /// Where each line ends (offset just past its LF, counted from the first byte after the
    /// skipped empty lines), including the final empty line; lets the parser walk lines
    /// without searching for LFs again.
    ends: Vec<usize>,
}

impl Scanner {
    pub(crate) fn new(section: Section) -> Scanner {
        Scanner {
            section,
            total: 0,
            line_start: 0,
            lines: 0,
            skipped: 0,
            last: 0,
            ends: Vec::new(),
        }
    }

    /// Back to the start of a new section, keeping the allocation for line ends.
    pub(crate) fn reset(&mut self) {
        let mut ends = std::mem::take(&mut self.ends);
        ends.clear();
        *self = Scanner {
            ends,
            ..Scanner::new(self.section)
        };
    }

    /// Line ends of the section found by the last `scan` that returned `Some`; see `ends`.
    pub(crate) fn line_ends(&self) -> &[usize] {
        &self.ends
    }

    /// Bytes at the start of the section that belong to skipped empty lines, to be dropped.
    pub(crate) fn skipped(&self) -> usize {
        self.skipped
    }

    /// Field lines seen so far (not counting a start line).
    pub(crate) fn fields(&self) -> usize {
        self.lines
            .saturating_sub(usize::from(self.section != Section::Trailers))
    }

    /// True when nothing but skipped empty lines has been seen: a clean place to stop.
    pub(crate) fn is_empty(&self) -> bool {
        self.total == self.skipped
    }

    /// Scans the next `chunk` of the section. Returns `Some(n)` when the section ends after the
    /// first `n` bytes of `chunk`, `None` when all of `chunk` belongs to the section and more is
    /// needed. The caller resets the scanner after `Some`.
    pub(crate) fn scan(&mut self, chunk: &[u8], limits: &Limits) -> Result<Option<usize>, Error> {
        let mut from = 0;
        while let Some(i) = find_lf(chunk, from) {
            let seen = self.total.saturating_add(i).saturating_add(1);
            self.check_limits(seen, limits)?;
            let prev = match i.checked_sub(1) {
                Some(p) => chunk.get(p).copied().unwrap_or(0),
                None => self.last,
            };
            if prev != b'\r' {
                return Err(Error::BareLf);
            }
            let line_len = seen.saturating_sub(self.line_start);
            self.line_start = seen;
            from = i + 1;
            if line_len > 2 || self.lines > 0 || self.section == Section::Trailers {
                self.ends.push(seen.saturating_sub(self.skipped));
            }
            if line_len > 2 {
                self.lines += 1;
                if self.fields() > limits.max_headers {
                    return Err(Error::TooManyHeaders);
                }
                continue;
            }
            // An empty line.
            match (self.section, self.lines) {
                (Section::Request, 0) => self.skipped = seen,
                (Section::Response, 0) => return Err(Error::InvalidStatusLine),
                _ => return Ok(Some(from)),
            }
        }
        self.total = self.total.saturating_add(chunk.len());
        if let Some(&b) = chunk.last() {
            self.last = b;
        }
        self.check_limits(self.total, limits)?;
        Ok(None)
    }

    /// Checks the limits once `seen` bytes of the section have arrived. When both the start
    /// line and the head limit are exceeded, the one crossed at the earlier byte wins, so the
    /// error does not depend on how the input was split.
    fn check_limits(&self, seen: usize, limits: &Limits) -> Result<(), Error> {
        let head_over = seen > limits.max_header_size;
        let on_start_line = self.lines == 0 && self.section != Section::Trailers;
        let line_over =
            on_start_line && seen.saturating_sub(self.line_start) > limits.max_request_line;
        match (line_over, head_over) {
            (false, false) => Ok(()),
            (true, false) => Err(self.line_too_long()),
            (false, true) => Err(Error::HeadTooLarge),
            (true, true) => {
                // Offsets of the first byte beyond each limit.
                let line_cross = self.line_start.saturating_add(limits.max_request_line);
                if line_cross <= limits.max_header_size {
                    Err(self.line_too_long())
                } else {
                    Err(Error::HeadTooLarge)
                }
            }
        }
    }

    fn line_too_long(&self) -> Error {
        match self.section {
            Section::Response => Error::StatusLineTooLong,
            _ => Error::RequestLineTooLong,
        }
    }
}

/// Index of the first LF in `chunk` at or after `from`. Looks at 8 bytes at a time (SWAR:
/// a word has a zero byte where `x ^ LF` is zero), several times faster than a byte loop on
/// header-length lines, without `unsafe` or a dependency.
fn find_lf(chunk: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const LFS: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let hay = chunk.get(from..)?;
    let mut words = hay.chunks_exact(8);
    let mut offset = from;
    for word in &mut words {
        let Ok(bytes) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let x = u64::from_le_bytes(bytes) ^ LFS;
        // Exact for the lowest zero byte; only bytes above it can be false positives.
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(offset + (zeros.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let rest = words.remainder();
    rest.iter().position(|&b| b == b'\n').map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(
        section: Section,
        parts: &[&[u8]],
        limits: &Limits,
    ) -> Result<Vec<Option<usize>>, Error> {
        let mut s = Scanner::new(section);
        parts.iter().map(|p| s.scan(p, limits)).collect()
    }

    #[test]
    fn find_lf_matches_a_byte_loop() {
        const N: usize = 40;
        let mut hay = [b'a'; N];
        for lf in 0..N {
            hay[lf] = b'\n';
            for extra in [lf + 1, lf + 9] {
                if extra < N {
                    hay[extra] = b'\n';
                }
                for from in 0..=N {
                    let want = (from..N).find(|&i| hay[i] == b'\n');
                    assert_eq!(
                        find_lf(&hay, from),
                        want,
                        "lf {lf} extra {extra} from {from}"
                    );
                }
                if extra < N {
                    hay[extra] = b'a';
                }
            }
            hay[lf] = 0x8a; // high bit set, low bits of LF: must not match
        }
        assert_eq!(find_lf(&hay, 0), None);
        assert_eq!(find_lf(&hay, N + 1), None);
    }

    #[test]
    fn finds_end_across_chunks() {
        let l = Limits::default();
        assert_eq!(
            scan_all(
                Section::Request,
                &[b"GET / HTTP/1.1\r\nA: b\r\n\r", b"\nrest"],
                &l
            ),
            Ok(vec![None, Some(1)])
        );
        assert_eq!(
            scan_all(Section::Trailers, &[b"\r", b"\nx"], &l),
            Ok(vec![None, Some(1)])
        );
    }

    #[test]
    fn skips_leading_empty_lines_in_requests_only() {
        let l = Limits::default();
        let mut s = Scanner::new(Section::Request);
        assert_eq!(s.scan(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n", &l), Ok(Some(22)));
        assert_eq!(s.skipped(), 4);
        let mut s = Scanner::new(Section::Response);
        assert_eq!(s.scan(b"\r\nHTTP/1.1", &l), Err(Error::InvalidStatusLine));
    }

    #[test]
    fn bare_lf_across_chunks() {
        let l = Limits::default();
        assert_eq!(
            scan_all(Section::Request, &[b"GET / HTTP/1.1", b"\n"], &l),
            Err(Error::BareLf)
        );
        assert_eq!(
            scan_all(Section::Trailers, &[b"\n"], &l),
            Err(Error::BareLf)
        );
    }

    #[test]
    fn limits_are_exact() {
        let l = Limits {
            max_request_line: 16,
            max_header_size: 40,
            max_headers: 1,
            ..Limits::default()
        };
        // 14 bytes + CRLF = 16: fits exactly.
        assert!(scan_all(Section::Request, &[b"GET /12 HTTP/1.1\r\n"], &l).is_err());
        assert_eq!(
            scan_all(Section::Request, &[b"GET / HTTP/1.1\r\n\r\n"], &l),
            Ok(vec![Some(18)])
        );
        assert_eq!(
            scan_all(Section::Request, &[b"GET /1 HTTP/1.1\r", b"\n"], &l),
            Err(Error::RequestLineTooLong)
        );
        assert_eq!(
            scan_all(Section::Response, &[b"HTTP/1.1 200 OK xx"], &l),
            Err(Error::StatusLineTooLong)
        );
        assert_eq!(
            scan_all(Section::Request, &[b"GET / HTTP/1.1\r\na:1\r\nb:2\r\n"], &l),
            Err(Error::TooManyHeaders)
        );
        assert_eq!(
            scan_all(
                Section::Request,
                &[b"GET / HTTP/1.1\r\naaaaaaaaaaaaaaaaaaaaaaaaa"],
                &l
            ),
            Err(Error::HeadTooLarge)
        );
    }
}
