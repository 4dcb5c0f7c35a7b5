//! Errors of sanctions-list ingestion, set files and screening.

use std::path::PathBuf;

/// Why a list could not be read, a set built or loaded, or a value screened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SanctionsError {
    /// A file could not be opened or read (the OS error is the source, shown once).
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A list file is not well-formed XML, or ends before its document is complete
    /// (e.g. a truncated download); `position` is the byte offset in the unpacked text.
    #[error("malformed {format} list at byte {position}: {reason}")]
    MalformedXml {
        /// Which list format.
        format: &'static str,
        /// Byte offset where the reader stopped.
        position: u64,
        /// What is wrong.
        reason: String,
    },
    /// A list file is well-formed but not the expected document (wrong root element,
    /// missing required parts, references to undeclared values).
    #[error("not a valid {format} list: {reason}")]
    UnexpectedContent {
        /// Which list format.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A line of a CSV list cannot be parsed.
    #[error("malformed {file} at line {line}: {reason}")]
    MalformedCsv {
        /// Which file of the CSV set.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A value could not be turned into a screening key.
    #[error("cannot screen {what} {value:?}: {source}")]
    Screening {
        /// Name, identifier or address.
        what: &'static str,
        /// The value (only ever list data or the operator's own query).
        value: String,
        /// Why.
        source: crate::screening::ScreeningError,
    },
    /// The sanctions tree refused the keys.
    #[error("sanctions tree: {0}")]
    Tree(#[from] zktr_circuits::Error),
    /// A set file is not a valid `.zkts` file or is inconsistent.
    #[error("invalid set file: {0}")]
    InvalidSetFile(String),
    /// A set file's signed root, or its signature, does not verify.
    #[error("signed root: {0}")]
    SignedRoot(#[from] zktr_records::SanctionsRootError),
    /// A publisher key file is malformed.
    #[error("invalid publisher key {path}: {reason}")]
    InvalidKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is larger than this crate reads (see [`crate::limits`]).
    #[error("{path}: larger than the {limit} limit for {what}")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What the file was read as.
        what: &'static str,
        /// The limit, in words.
        limit: String,
    },
    /// A list stream broke a limit of [`crate::limits`] (a bomb, an endless stream).
    #[error("{format} list refused: {limit}")]
    LimitExceeded {
        /// Which list format.
        format: &'static str,
        /// The limit.
        limit: crate::limits::StreamLimit,
    },
    /// A list holds no parties: a set built from it would answer NOT LISTED to everything.
    #[error("the {list_id} list {version} holds no parties; refusing to build a set from it")]
    EmptyList {
        /// The list's id.
        list_id: String,
        /// Its version.
        version: String,
    },
    /// A key file exists and would be overwritten.
    #[error("{path} exists; refusing to overwrite a key (use --force to replace it)")]
    KeyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A key is listed, so no non-membership witness exists for it.
    #[error("the key is listed (parties: {})", parties.join(", "))]
    KeyListed {
        /// The listed parties it belongs to.
        parties: Vec<String>,
    },
}

/// Result alias of this module.
pub type Result<T> = std::result::Result<T, SanctionsError>;

impl SanctionsError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Write {
            path: path.into(),
            source,
        }
    }

    /// Reads at most `limit` bytes of `path` as `what`.
    pub(crate) fn read_limited(
        path: &std::path::Path,
        limit: u64,
        what: &'static str,
    ) -> Result<Vec<u8>> {
        crate::limits::read_file_limited(path, limit).map_err(|e| match e {
            crate::limits::ReadLimitError::Io(e) => Self::io(path, e),
            crate::limits::ReadLimitError::TooLarge => Self::TooLarge {
                path: path.to_path_buf(),
                what,
                limit: crate::limits::describe(limit),
            },
        })
    }
}
