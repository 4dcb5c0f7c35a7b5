//! Size limits on everything this crate reads from outside, and the reader that enforces
//! them on list streams.
//!
//! A list file is outside data: a truncated download, a wrong file or a decompression bomb
//! must fail within seconds and in bounded memory, naming the file and the limit, never
//! grow to gigabytes. The limits are far above every real publication (OFAC's ADVANCED
//! XML of 2025-11-19 is 3.4 MB compressed, 121 MB unpacked, compression ratio 36; the UN
//! consolidated XML is 2 MB; its longest text node is a few KB):
//!
//! | what | limit |
//! | --- | --- |
//! | a list stream after decompression | [`MAX_LIST_BYTES`] (1 GiB) |
//! | compression ratio, once 16 MiB are unpacked | [`MAX_COMPRESSION_RATIO`] (256) |
//! | one XML text node or tag (bytes between `<` and `>`) | [`MAX_XML_NODE_BYTES`] (1 MiB) |
//! | XML element nesting | [`MAX_XML_DEPTH`] (64) |
//! | one CSV or address-list file | [`MAX_TEXT_LIST_FILE_BYTES`] (64 MiB) |
//! | a `.zkts` set file | [`MAX_SET_FILE_BYTES`] (256 MiB) |
//! | a digital-currency address | [`MAX_ADDRESS_CHARS`](crate::screening::MAX_ADDRESS_CHARS) |
//! | a key or trust file | [`MAX_KEY_FILE_BYTES`] (64 KiB), [`MAX_TRUST_FILE_BYTES`] (1 MiB) |

use std::io::{self, Read};
use std::path::Path;

/// Most bytes a list stream may unpack to.
pub const MAX_LIST_BYTES: u64 = 1 << 30;
/// Most unpacked bytes per compressed byte, checked once [`RATIO_CHECK_AFTER`] bytes are
/// unpacked (a bomb expands a thousandfold and more; real lists about 36-fold).
pub const MAX_COMPRESSION_RATIO: u64 = 256;
/// Unpacked bytes after which the compression ratio is checked.
pub const RATIO_CHECK_AFTER: u64 = 16 << 20;
/// Most bytes between two XML markup delimiters (`<`, `>`): bounds every text node, tag
/// and attribute list the XML reader has to buffer.
pub const MAX_XML_NODE_BYTES: u64 = 1 << 20;
/// Deepest element nesting of a list document (the real ones nest fewer than 12 deep).
pub const MAX_XML_DEPTH: usize = 64;
/// Largest CSV or address-list file.
pub const MAX_TEXT_LIST_FILE_BYTES: u64 = 64 << 20;
/// Largest `.zkts` file (a set of 16 M keys, the tree's capacity, would not fit; the
/// whole SDN list with the UN list is under 10 MB).
pub const MAX_SET_FILE_BYTES: u64 = 256 << 20;
/// Largest publisher key file.
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;
/// Largest trust (or policy) file.
pub const MAX_TRUST_FILE_BYTES: u64 = 1 << 20;

/// Which limit a stream broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamLimit {
    /// [`MAX_LIST_BYTES`].
    TotalBytes,
    /// [`MAX_COMPRESSION_RATIO`].
    CompressionRatio,
    /// [`MAX_XML_NODE_BYTES`].
    NodeBytes,
}

impl std::fmt::Display for StreamLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamLimit::TotalBytes => write!(
                f,
                "the list unpacks to more than {} MiB (limit)",
                MAX_LIST_BYTES >> 20
            ),
            StreamLimit::CompressionRatio => write!(
                f,
                "the file unpacks more than {MAX_COMPRESSION_RATIO} times its compressed size \
                 (limit; a decompression bomb?)"
            ),
            StreamLimit::NodeBytes => write!(
                f,
                "a text node or tag is longer than {} KiB (limit)",
                MAX_XML_NODE_BYTES >> 10
            ),
        }
    }
}

/// The error a [`LimitedStream`] returns; recognized by the XML layer so that the message
/// names the limit instead of a generic I/O failure.
#[derive(Debug)]
pub(crate) struct LimitExceeded(pub(crate) StreamLimit);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LimitExceeded {}

/// The limit behind an I/O error, if a [`LimitedStream`] raised it.
pub(crate) fn limit_of(e: &io::Error) -> Option<StreamLimit> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
        .map(|l| l.0)
}

/// Counts the bytes a compressed source has given, shared with the [`LimitedStream`] on
/// the unpacked side for the ratio check.
#[derive(Clone, Default)]
pub(crate) struct SourceCount(std::rc::Rc<std::cell::Cell<u64>>);

impl SourceCount {
    fn get(&self) -> u64 {
        self.0.get()
    }
}

/// Wraps the compressed source and counts its bytes into a [`SourceCount`].
pub(crate) struct CountingSource<R> {
    inner: R,
    count: SourceCount,
}

impl<R: Read> CountingSource<R> {
    pub(crate) fn new(inner: R, count: SourceCount) -> Self {
        Self { inner, count }
    }
}

impl<R: Read> Read for CountingSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .0
            .set(self.count.0.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// Enforces [`MAX_LIST_BYTES`], the compression ratio (when `compressed` is given) and,
/// for XML, [`MAX_XML_NODE_BYTES`] on an unpacked list stream.
pub(crate) struct LimitedStream<R> {
    inner: R,
    total: u64,
    run: u64,
    xml: bool,
    compressed: Option<SourceCount>,
}

impl<R: Read> LimitedStream<R> {
    /// `xml`: also bound the bytes between markup delimiters. `compressed`: the count of
    /// the compressed source, for the ratio check.
    pub(crate) fn new(inner: R, xml: bool, compressed: Option<SourceCount>) -> Self {
        Self {
            inner,
            total: 0,
            run: 0,
            xml,
            compressed,
        }
    }

    fn fail(limit: StreamLimit) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, LimitExceeded(limit))
    }
}

impl<R: Read> Read for LimitedStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total = self.total.saturating_add(n as u64);
        if self.total > MAX_LIST_BYTES {
            return Err(Self::fail(StreamLimit::TotalBytes));
        }
        if let Some(source) = &self.compressed
            && self.total > RATIO_CHECK_AFTER
            && self.total / source.get().max(1) > MAX_COMPRESSION_RATIO
        {
            return Err(Self::fail(StreamLimit::CompressionRatio));
        }
        if self.xml {
            for b in buf.get(..n).unwrap_or_default() {
                if *b == b'<' || *b == b'>' {
                    self.run = 0;
                } else {
                    self.run += 1;
                }
            }
            if self.run > MAX_XML_NODE_BYTES {
                return Err(Self::fail(StreamLimit::NodeBytes));
            }
        }
        Ok(n)
    }
}

/// Why a bounded file read failed.
#[derive(Debug)]
pub(crate) enum ReadLimitError {
    /// The OS refused.
    Io(io::Error),
    /// The file is larger than the limit.
    TooLarge,
}

/// Reads at most `limit` bytes of `path`; a longer file (or an endless one such as
/// `/dev/zero`) is [`ReadLimitError::TooLarge`] after reading `limit + 1` bytes.
pub(crate) fn read_file_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadLimitError> {
    let file = std::fs::File::open(path).map_err(ReadLimitError::Io)?;
    if let Ok(m) = file.metadata()
        && m.is_file()
        && m.len() > limit
    {
        return Err(ReadLimitError::TooLarge);
    }
    let mut out = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ReadLimitError::Io)?;
    if out.len() as u64 > limit {
        return Err(ReadLimitError::TooLarge);
    }
    Ok(out)
}

/// `limit` in words: `64 KiB`, `256 MiB`.
pub fn describe(limit: u64) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MiB", limit >> 20)
    } else if limit >= 1 << 10 && limit.is_multiple_of(1 << 10) {
        format!("{} KiB", limit >> 10)
    } else {
        format!("{limit} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_without_markup_are_refused() {
        let data = vec![b'a'; (MAX_XML_NODE_BYTES + 10) as usize];
        let mut s = LimitedStream::new(&data[..], true, None);
        let mut out = Vec::new();
        let e = s.read_to_end(&mut out).unwrap_err();
        assert_eq!(limit_of(&e), Some(StreamLimit::NodeBytes));
        let mut ok = Vec::new();
        for _ in 0..2000 {
            ok.extend_from_slice(b"<a>text</a>");
        }
        LimitedStream::new(&ok[..], true, None)
            .read_to_end(&mut Vec::new())
            .unwrap();
    }

    #[test]
    fn describe_limits() {
        assert_eq!(describe(64 << 10), "64 KiB");
        assert_eq!(describe(256 << 20), "256 MiB");
        assert_eq!(describe(100), "100 bytes");
    }
}
