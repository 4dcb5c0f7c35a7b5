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
}

impl core::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Why the webhook could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("webhook HMAC key {path}: {message}")]
pub struct WebhookError {
    path: String,
    message: String,
}

impl Webhook {
    /// Loads the HMAC key the configuration names.
    pub fn load(config: &WebhookConfig) -> Result<Self, WebhookError> {
        let err = |message: &str| WebhookError {
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
        Ok(Self {
            url: config.url.clone(),
            key,
            timeout: Duration::from_millis(config.timeout_ms.clamp(50, 60_000)),
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
        let timeout = self.timeout;
        let call = tokio::task::spawn_blocking(move || post(&url, &body, &signature, timeout));
        match tokio::time::timeout(timeout + Duration::from_millis(200), call).await {
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

fn post(url: &str, body: &str, signature: &str, timeout: Duration) -> Result<Decision, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(true)
        .build()
        .into();
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
