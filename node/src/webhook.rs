//! The optional decision webhook: the node POSTs every valid incoming transfer to the
//! back office and lets its answer decide.
//!
//! Request: `POST <url>`, `Content-Type: application/json`, body
//! `{"envelope_id": "...", "peer": "<CN>", "payload": <the TRISA Payload as protobuf-JSON>}`,
//! header `X-Zktr-Signature: sha256=<hex HMAC-SHA256 of the body under the configured key>`
//! so the receiver can tell the node sent it.
//!
//! Answer: HTTP 200 with `{"decision": "accept" | "reject" | "review", "message": "..."}`
//! (at most 64 KiB). Anything else (no answer within `timeout_ms`, another status, an
//! unreadable body) means review: the transfer is held as PENDING for an officer, never
//! accepted by default.

use crate::config::WebhookConfig;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;
use zktr_trisa::Payload;

/// What the back office decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Accept the transfer.
    Accept,
    /// Hold it for review (the message goes into the Pending reply).
    Review(String),
    /// Reject it (the message goes into the error envelope).
    Reject(String),
}

/// A configured webhook.
#[derive(Clone)]
pub struct Webhook {
    url: String,
    key: Vec<u8>,
    timeout: Duration,
    /// One agent for every request: its TLS roots (the configured CA file or the public
    /// web roots) are read once, at start.
    agent: ureq::Agent,
}

impl core::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Why the webhook could not be set up: the file named and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("webhook {what} {path}: {message}")]
pub struct WebhookError {
    what: &'static str,
    path: String,
    message: String,
}

impl Webhook {
    /// Loads the HMAC key and, if configured, the CA certificates the configuration
    /// names.
    pub fn load(config: &WebhookConfig) -> Result<Self, WebhookError> {
        let err = |message: &str| WebhookError {
            what: "HMAC key",
            path: config.hmac_key_file.display().to_string(),
            message: message.to_string(),
        };
        let bytes = crate::config::read_small(&config.hmac_key_file, 4096)
            .map_err(|e| err(&e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| err("not text"))?;
        let key = hex::decode(text.trim()).map_err(|_| err("not hex"))?;
        if key.len() < 16 {
            return Err(err("shorter than 16 bytes"));
        }
        let timeout = Duration::from_millis(config.timeout_ms.clamp(50, 60_000));
        let roots = match &config.ca_file {
            None => ureq::tls::RootCerts::WebPki,
            Some(path) => ureq::tls::RootCerts::new_with_certs(&load_ca_file(path)?),
        };
        let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(true)
            .tls_config(tls)
            .build()
            .into();
        Ok(Self {
            url: config.url.clone(),
            key,
            timeout,
            agent,
        })
    }

    /// The signature header value of a body.
    pub fn signature(key: &[u8], body: &[u8]) -> String {
        // HMAC takes keys of any length; this cannot fail.
        let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
            return String::new();
        };
        m.update(body);
        format!("sha256={}", hex::encode(m.finalize().into_bytes()))
    }

    /// Asks the webhook; any failure means review.
    pub async fn ask(&self, envelope_id: &str, peer: &str, payload: &Payload) -> Decision {
        let payload_json = match zktr_trisa::json::payload_to_json(payload) {
            Ok(v) => v,
            Err(_) => return Decision::Review("held for review (payload not printable)".into()),
        };
        let body = serde_json::json!({
            "envelope_id": envelope_id,
            "peer": peer,
            "payload": payload_json,
        })
        .to_string();
        let signature = Self::signature(&self.key, body.as_bytes());
        let url = self.url.clone();
        let agent = self.agent.clone();
        let call = tokio::task::spawn_blocking(move || post(&agent, &url, &body, &signature));
        match tokio::time::timeout(self.timeout + Duration::from_millis(200), call).await {
            Ok(Ok(Ok(d))) => d,
            Ok(Ok(Err(why))) => {
                tracing::warn!(%why, "webhook gave no decision; holding the transfer for review");
                Decision::Review("held for compliance review".into())
            }
            _ => {
                tracing::warn!("webhook did not answer in time; holding the transfer for review");
                Decision::Review("held for compliance review".into())
            }
        }
    }
}

/// Reads the PEM CA certificates of `webhook.ca_file` (at least one).
fn load_ca_file(
    path: &std::path::Path,
) -> Result<Vec<ureq::tls::Certificate<'static>>, WebhookError> {
    let err = |message: String| WebhookError {
        what: "CA file",
        path: path.display().to_string(),
        message,
    };
    let pem = crate::config::read_small(path, 1 << 20).map_err(|e| err(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| err(format!("not PEM: {e}")))? {
            ureq::tls::PemItem::Certificate(c) => certs.push(c),
            _ => return Err(err("holds something other than certificates".into())),
        }
    }
    if certs.is_empty() {
        return Err(err("holds no certificate".into()));
    }
    Ok(certs)
}

fn post(agent: &ureq::Agent, url: &str, body: &str, signature: &str) -> Result<Decision, String> {
    let mut resp = agent
        .post(url)
        .header("X-Zktr-Signature", signature)
        .content_type("application/json")
        .send(body)
        .map_err(|e| e.to_string())?;
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let message = v
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .chars()
        .take(500)
        .collect::<String>();
    match v.get("decision").and_then(|d| d.as_str()) {
        Some("accept") => Ok(Decision::Accept),
        Some("reject") => Ok(Decision::Reject(if message.is_empty() {
            "rejected by the beneficiary's compliance review".into()
        } else {
            message
        })),
        Some("review") => Ok(Decision::Review(if message.is_empty() {
            "held for compliance review".into()
        } else {
            message
        })),
        _ => Err("the answer has no decision".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn config(dir: &std::path::Path, ca: Option<&str>) -> WebhookConfig {
        std::fs::write(dir.join("hook.key"), hex::encode([7u8; 32])).unwrap();
        let ca_file = ca.map(|text| {
            let p = dir.join("ca.pem");
            std::fs::write(&p, text).unwrap();
            p
        });
        WebhookConfig {
            url: "https://hooks.example/decide".into(),
            hmac_key_file: dir.join("hook.key"),
            timeout_ms: 500,
            ca_file,
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Webhook::load(&config(dir.path(), None)).is_ok());
        for text in ["", "not pem at all\n"] {
            let e = Webhook::load(&config(dir.path(), Some(text))).unwrap_err();
            let shown = e.to_string();
            assert!(shown.starts_with("webhook CA file "), "{shown}");
            assert!(shown.contains("ca.pem"), "{shown}");
        }
        let mut missing = config(dir.path(), None);
        missing.ca_file = Some(PathBuf::from("/nonexistent/ca.pem"));
        let shown = Webhook::load(&missing).unwrap_err().to_string();
        assert!(shown.contains("/nonexistent/ca.pem"), "{shown}");
    }
}
