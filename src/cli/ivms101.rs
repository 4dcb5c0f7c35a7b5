//! `zktr ivms101 validate FILE...`: checks IVMS101 documents against the standard's
//! constraints. Exit 0 when every file is valid, 1 when any is not (or cannot be read as
//! IVMS101). Each violation is printed as `FILE: PATH: ID NAME: message`.

use super::io::{MAX_IVMS101_JSON_BYTES, read_text};
use crate::say;
use std::path::PathBuf;
use std::process::ExitCode;
use zktr_ivms101::{Document, validate::today_utc, validate_document};

/// `zktr ivms101 ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Ivms101Command {
    /// Validate IVMS101 JSON files (camelCase IVMS101 JSON or protobuf-JSON) against
    /// constraints C1..C12 and the required fields; prints every violation.
    Validate {
        /// The files to check.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
    },
    /// Read an IVMS101 document in any dialect (PascalCase, the 2020 and 2023 editions,
    /// TRISA's lenient keys, a TRP message) and print it in the standard form.
    Convert {
        /// The file.
        file: PathBuf,
        /// The standard form to write.
        #[arg(long, value_enum, default_value_t = Form::Ivms101)]
        form: Form,
    },
}

/// A standard JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Form {
    /// IVMS101 JSON (camelCase, four-letter codes).
    Ivms101,
    /// Protobuf-JSON (as TRISA's Go code writes it).
    Protobuf,
}

pub fn run(cmd: Ivms101Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Ivms101Command::Validate { files } => validate(&files),
        Ivms101Command::Convert { file, form } => convert(&file, form),
    }
}

fn convert(file: &std::path::Path, form: Form) -> anyhow::Result<ExitCode> {
    let text = read_text(file, MAX_IVMS101_JSON_BYTES, "an IVMS101 JSON document")?;
    let (doc, _, dialects) = Document::from_json_dialect(&text)
        .map_err(|e| anyhow::anyhow!("{}: not IVMS101: {e}", file.display()))?;
    if !dialects.is_empty() {
        let names: Vec<&str> = dialects.iter().map(|d| d.as_str()).collect();
        tracing::info!(dialects = %names.join(", "), "read a dialect");
    }
    let form = match form {
        Form::Ivms101 => zktr_ivms101::JsonForm::Ivms101,
        Form::Protobuf => zktr_ivms101::JsonForm::Protobuf,
    };
    let json = doc
        .to_json(form)
        .map_err(|e| anyhow::anyhow!("{}: cannot write it back: {e}", file.display()))?;
    say!("{json}");
    Ok(ExitCode::SUCCESS)
}

fn validate(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let today = today_utc();
    let mut all_valid = true;
    for file in files {
        let name = file.display();
        let text = read_text(file, MAX_IVMS101_JSON_BYTES, "an IVMS101 JSON document")?;
        let doc = match Document::from_json(&text) {
            Ok((doc, _form)) => doc,
            Err(e) => {
                all_valid = false;
                say!("{name}: $: not IVMS101: {e}");
                continue;
            }
        };
        let violations = validate_document(&doc, today);
        if violations.is_empty() {
            say!("{name}: valid");
        } else {
            all_valid = false;
            for v in &violations {
                say!("{name}: {v}");
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
