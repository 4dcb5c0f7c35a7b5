//! Input and output of the `zktr` binary.
//!
//! **Output never panics.** `println!` panics when stdout is closed early (`| head`,
//! `| grep -q`) or full, and a script then loses the command's verdict (LISTED / NOT
//! LISTED). Commands print through [`say!`](crate::say), which writes to stdout and, on
//! the first failed write, stops writing and remembers the error; [`finish`] then keeps
//! the command's own exit code (a closed pipe is silent, any other write error is one
//! line on stderr). Commands that still use `println!` are covered by [`install_panic_hook`]:
//! a failed print to stdout ends the process quietly with 141 (128 + SIGPIPE, what a
//! shell reports for a process killed by SIGPIPE) on a closed pipe, or with a `write`
//! error and exit 2 otherwise, never a panic message.
//!
//! **Input is bounded.** [`read_bounded`] reads at most a documented number of bytes of a
//! file and fails with an error naming the file and the limit (an endless `/dev/zero`
//! fails after `limit + 1` bytes). The limits of the CLI's readers are the constants
//! below; the libraries that read a file themselves hold its limit: the sanctions readers
//! in `zktr_sanctions::limits`, the parameters manifest and verifying keys in
//! `zktr_records::manifest` (`MAX_MANIFEST_BYTES`, `MAX_VERIFYING_KEY_BYTES`), policies
//! in `zktr_verifier::MAX_POLICY_FILE_BYTES`.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

/// An IVMS101 JSON document (an identity payload with many persons is a few KB).
pub const MAX_IVMS101_JSON_BYTES: u64 = 1 << 20;
/// A TRISA envelope or payload in JSON (TRISA's gRPC peers accept 4 MiB messages; base64
/// in JSON adds a third).
pub const MAX_ENVELOPE_JSON_BYTES: u64 = 8 << 20;
/// A PEM key or certificate file.
pub const MAX_PEM_BYTES: u64 = 64 << 10;
/// A proof bundle, JSON or protobuf (`bundle verify`, `snarkjs --bundle`): four claims, a
/// tree head and a sanctions root are a few KB.
pub const MAX_BUNDLE_BYTES: u64 = 1 << 20;

/// Exit code for output cut short by a closed pipe: 128 + SIGPIPE (13).
pub const EXIT_CLOSED_PIPE: u8 = 141;

static WRITE_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);

/// Prints one line to stdout without ever panicking (see the module docs).
#[macro_export]
macro_rules! say {
    () => { $crate::cli::io::write_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::cli::io::write_line(format_args!($($arg)*)) };
}

fn failed() -> bool {
    WRITE_ERROR.lock().map(|e| e.is_some()).unwrap_or(true)
}

fn record(e: io::Error) {
    if let Ok(mut slot) = WRITE_ERROR.lock()
        && slot.is_none()
    {
        *slot = Some(e);
    }
}

/// Writes `args` and a newline to stdout, or nothing once a write has failed.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    if failed() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        record(e);
    }
}

/// Writes `text` as is to stdout, or nothing once a write has failed.
pub fn write_text(text: &str) {
    if failed() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()) {
        record(e);
    }
}

/// Flushes stdout and returns the command's exit code; a write error other than a closed
/// pipe is reported once on stderr (the code stays the command's verdict).
pub fn finish(code: ExitCode) -> ExitCode {
    if !failed()
        && let Err(e) = io::stdout().lock().flush()
    {
        record(e);
    }
    let err = WRITE_ERROR.lock().ok().and_then(|mut e| e.take());
    if let Some(e) = err
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(
            io::stderr(),
            "error: write to stdout: {e} (output incomplete)"
        );
    }
    code
}

/// Makes a failed `println!`/`eprintln!` end the process quietly instead of panicking
/// (see the module docs); every other panic is reported as before.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.payload_as_str().unwrap_or_default();
        if let Some(reason) = msg.strip_prefix("failed printing to stdout: ") {
            if reason.contains("Broken pipe") || reason.contains("os error 32") {
                std::process::exit(i32::from(EXIT_CLOSED_PIPE));
            }
            let _ = writeln!(io::stderr(), "error: write to stdout: {reason}");
            std::process::exit(2);
        }
        if msg.starts_with("failed printing to stderr") {
            std::process::exit(2);
        }
        default(info);
    }));
}

/// Why a bounded read failed; the message names the file (and the limit).
#[derive(Debug)]
pub enum ReadError {
    /// The OS refused (shown once, as the source).
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: io::Error,
    },
    /// Longer than the limit.
    TooLarge {
        /// The file.
        path: String,
        /// The limit in words.
        limit: String,
        /// What it was read as.
        what: &'static str,
    },
    /// Not UTF-8 text.
    NotText {
        /// The file.
        path: String,
        /// What it was read as.
        what: &'static str,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io { path, .. } => write!(f, "cannot read {path}"),
            ReadError::TooLarge { path, limit, what } => {
                write!(f, "{path}: larger than the {limit} limit for {what}")
            }
            ReadError::NotText { path, what } => write!(f, "{path}: not UTF-8 text ({what})"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads at most `limit` bytes of `path` as `what` (see the module docs).
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let name = || path.display().to_string();
    let io_err = |source| ReadError::Io {
        path: name(),
        source,
    };
    let too_large = || ReadError::TooLarge {
        path: name(),
        limit: zktr_sanctions::limits::describe(limit),
        what,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    if let Ok(m) = file.metadata()
        && m.is_file()
        && m.len() > limit
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    String::from_utf8(read_bounded(path, limit, what)?).map_err(|_| ReadError::NotText {
        path: path.display().to_string(),
        what,
    })
}

/// Unix seconds as an RFC 3339 UTC time (`2025-11-19T00:00:00Z`).
pub fn utc(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap_or(i64::MAX / 2);
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Now, in unix seconds.
pub fn now_unix() -> anyhow::Result<u64> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| anyhow::anyhow!("the system clock is before 1970"))?
        .as_secs())
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(1_763_510_400), "2025-11-19T00:00:00Z");
        assert_eq!(super::utc(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }
}
