//! `zktr envelope open` and `zktr envelope seal`: TRISA v1beta1 secure envelopes in
//! protobuf-JSON.

use super::io::{MAX_ENVELOPE_JSON_BYTES, MAX_PEM_BYTES, read_text};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zktr_trisa::json::{envelope_from_json, envelope_to_json, payload_from_json, payload_to_json};
use zktr_trisa::{PublicSealingKey, SealOptions, SealingKey, TransferState, open, seal};

/// `zktr envelope ...`.
#[derive(Debug, clap::Subcommand)]
pub enum EnvelopeCommand {
    /// Open a sealed envelope (protobuf-JSON) and print its payload as protobuf-JSON.
    Open {
        /// The recipient's private key (PEM: PKCS#8 or PKCS#1 RSA, or PKCS#8 X25519).
        /// Not needed for an unsealed envelope.
        #[arg(long)]
        key: Option<PathBuf>,
        /// The envelope file.
        file: PathBuf,
    },
    /// Seal a payload (protobuf-JSON `trisa.api.v1beta1.Payload`) to a public key and
    /// write the envelope as protobuf-JSON.
    Seal {
        /// The recipient's public key (PEM `PUBLIC KEY`: RSA -> RSA-OAEP-SHA512 as TRISA,
        /// X25519 -> HPKE).
        #[arg(long)]
        to: PathBuf,
        /// The payload file.
        #[arg(long)]
        payload: PathBuf,
        /// Envelope id (a UUID; random if not given).
        #[arg(long)]
        id: Option<uuid::Uuid>,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: EnvelopeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        EnvelopeCommand::Open { key, file } => {
            let env =
                envelope_from_json(&read_text(&file, MAX_ENVELOPE_JSON_BYTES, "an envelope")?)
                    .with_context(|| format!("{}: not a TRISA envelope", file.display()))?;
            let key = key
                .map(|k| {
                    SealingKey::from_pem(&read_text(&k, MAX_PEM_BYTES, "a PEM key")?)
                        .with_context(|| format!("{}: not a private key", k.display()))
                })
                .transpose()?;
            let payload = open(&env, key.as_ref())
                .with_context(|| format!("{}: cannot open envelope {}", file.display(), env.id))?;
            let json = payload_to_json(&payload).context("the payload as JSON")?;
            write_stdout(&serde_json::to_string_pretty(&json)?);
            Ok(ExitCode::SUCCESS)
        }
        EnvelopeCommand::Seal {
            to,
            payload,
            id,
            out,
        } => {
            let to_key = PublicSealingKey::from_pem(&read_text(&to, MAX_PEM_BYTES, "a PEM key")?)
                .with_context(|| format!("{}: not a public key", to.display()))?;
            let p = payload_from_json(&read_text(&payload, MAX_ENVELOPE_JSON_BYTES, "a payload")?)
                .with_context(|| format!("{}: not a TRISA payload", payload.display()))?;
            let options = SealOptions {
                id,
                transfer_state: TransferState::Started,
                timestamp: None,
            };
            let env = seal(&p, &to_key, &options).context("sealing")?;
            let text = serde_json::to_string_pretty(&envelope_to_json(&env)?)?;
            match out {
                Some(path) => write_file(&path, &(text + "\n"))?,
                None => write_stdout(&text),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

/// Writes to stdout through the pipe-safe writer (a closed pipe is not an error).
fn write_stdout(text: &str) {
    super::io::write_text(text);
    super::io::write_text("\n");
}
