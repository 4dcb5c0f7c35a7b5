//! `zktr ivms101 validate FILE...`: checks IVMS101 documents against the standard's
//! constraints. Exit 0 when every file is valid, 1 when any is not (or cannot be read as
//! IVMS101). Each violation is printed as `FILE: PATH: ID NAME: message`.

use anyhow::Context;
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
}

pub fn run(cmd: Ivms101Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Ivms101Command::Validate { files } => validate(&files),
    }
}

fn validate(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let today = today_utc();
    let mut out = std::io::stdout().lock();
    let mut all_valid = true;
    for file in files {
        let name = file.display();
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {name}"))?;
        let doc = match Document::from_json(&text) {
            Ok((doc, _form)) => doc,
            Err(e) => {
                all_valid = false;
                writeln!(out, "{name}: $: not IVMS101: {e}")?;
                continue;
            }
        };
        let violations = validate_document(&doc, today);
        if violations.is_empty() {
            writeln!(out, "{name}: valid")?;
        } else {
            all_valid = false;
            for v in &violations {
                writeln!(out, "{name}: {v}")?;
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
