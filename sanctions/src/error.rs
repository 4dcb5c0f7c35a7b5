//! Errors of sanctions-list ingestion, set files and screening.

use std::path::PathBuf;

/// Why a list could not be read, a set built or loaded, or a value screened.
#[derive(Debug, thiserror::Error)]
pub enum SanctionsError {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {source}")]
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
    SignedRoot(#[from] zktr_records::sanctions_root::SanctionsRootError),
    /// A publisher key file is malformed.
    #[error("invalid publisher key {path}: {reason}")]
    InvalidKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
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
}
