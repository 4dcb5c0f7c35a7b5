//! Screening hits of our own attested transfers and the officers' clearances that let
//! them go on (`../shared/DESIGN.md`, "Sanctions sets"; issue 14).
//!
//! When the prover finds a party's key on the loaded sanctions set:
//! * a *name* key: a possible collision. The hit (slot, list id, version, root,
//!   publisher) is stored with the attestation and the transfer is held in REVIEW.
//!   `zktr transfer clear` shows it to a compliance officer, who signs a
//!   [`Clearance`] with their own Ed25519 key (the node never holds it) and hands it to
//!   the node (`BackOffice.ClearTransfer`). The node checks it against its configured
//!   officers (`[[attest.officers]]`) and the stored hit, stores it, and queues the
//!   transfer again; the prover then leaves that party's `not_sanctioned` claim out and
//!   the bundle carries the clearance. Or the officer rejects the transfer.
//! * an identifier or address key: a match, not a collision. The transfer is rejected
//!   on the spot (nothing was sent to the peer) and cannot be cleared.
//!
//! Everything a clearance needs is in one transaction: the clearance stored, the hit
//! cleared, the transfer back in the outbox, its event recorded.

use crate::exchange::{Core, ExchangeError};
use crate::store::{State, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::fr_to_hex;
use zktr_records::clearance::{ClearedSlot, ScreeningHit, officer_key_id};
use zktr_records::encoding::fr_from_hex;
use zktr_records::{Clearance, SignedSanctionsRoot};

/// A name hit as stored with the attestation, waiting for an officer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHit {
    /// The slot that hit.
    pub slot: ClearedSlot,
    /// The list that hit, its version, root (hex) and publisher.
    pub list_id: String,
    /// Version.
    pub list_version: String,
    /// Root, `0x` + 64 hex digits.
    pub sanctions_root: String,
    /// Publisher key id.
    pub publisher_key_id: String,
}

impl StoredHit {
    /// The hit of `slot` against the signed root of the loaded set.
    pub fn new(slot: ClearedSlot, root: &SignedSanctionsRoot) -> Self {
        let r = &root.record;
        Self {
            slot,
            list_id: r.list_id.clone(),
            list_version: r.version.clone(),
            sanctions_root: fr_to_hex(&r.root.0),
            publisher_key_id: r.publisher_key_id.clone(),
        }
    }

    /// What an officer signs: this hit of transfer `id` (commitment `c`) of VASP `vasp`.
    pub fn screening_hit(
        &self,
        id: &str,
        c: Commitment,
        vasp: &str,
    ) -> Result<ScreeningHit, StoreError> {
        Ok(ScreeningHit {
            envelope_id: id.to_owned(),
            commitment: c,
            slot: self.slot,
            list_id: self.list_id.clone(),
            list_version: self.list_version.clone(),
            sanctions_root: fr_from_hex("root", &self.sanctions_root)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            publisher_key_id: self.publisher_key_id.clone(),
            vasp: vasp.to_owned(),
        })
    }
}

/// The name slot of a refused claim's slot name, if it is a name key.
pub fn name_slot(slot: &str) -> Option<ClearedSlot> {
    [ClearedSlot::OriginatorName, ClearedSlot::BeneficiaryName]
        .into_iter()
        .find(|s| s.as_str() == slot)
}

impl Store {
    /// Stores the name hit that holds transfer `id`.
    pub async fn set_screening_hit(&self, id: &str, hit: &StoredHit) -> Result<(), StoreError> {
        let json = serde_json::to_string(hit).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE attestations SET hit = ? WHERE transfer_id = ?")
            .bind(json)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// The name hit holding transfer `id`, if any, and the clearances stored for it.
    pub async fn review_state(
        &self,
        id: &str,
    ) -> Result<(Option<StoredHit>, Vec<Clearance>), StoreError> {
        let row = sqlx::query("SELECT hit, clearances FROM attestations WHERE transfer_id = ?")
            .bind(id)
            .fetch_optional(self.readers())
            .await?;
        let Some(row) = row else {
            return Ok((None, Vec::new()));
        };
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
        let hit: Option<String> = row.try_get("hit")?;
        let clearances: Option<String> = row.try_get("clearances")?;
        Ok((
            hit.map(|h| serde_json::from_str(&h))
                .transpose()
                .map_err(corrupt)?,
            clearances
                .map(|c| serde_json::from_str(&c))
                .transpose()
                .map_err(corrupt)?
                .unwrap_or_default(),
        ))
    }

    /// Stores `clearances` for transfer `id` (held in REVIEW), forgets the hit and queues
    /// the transfer's first envelope again, with its event, in one transaction.
    pub async fn clear_and_requeue(
        &self,
        id: &str,
        clearances: &[Clearance],
        note: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(clearances).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self
            .writer()
            .begin_with(crate::store::WRITE_TRANSACTION)
            .await?;
        let r = sqlx::query(
            "UPDATE transfers SET
                outbox_seq = (SELECT MAX(seq) FROM envelopes
                              WHERE transfer_id = ? AND direction = 'out' AND kind = 'request'),
                attempts = 0, next_attempt = ?, state = ?, last_error = NULL, updated_at = ?
             WHERE id = ? AND state = ? AND outbox_seq IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(State::Started.as_str())
        .bind(now)
        .bind(id)
        .bind(State::Review.as_str())
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                id: id.to_owned(),
                expected: "REVIEW (held before sending)".into(),
                actual: "another state".into(),
            });
        }
        sqlx::query("UPDATE attestations SET clearances = ?, hit = NULL WHERE transfer_id = ?")
            .bind(json)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::event(&mut tx, id, State::Started, note, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Why a clearance is not taken.
fn invalid(message: impl Into<String>) -> ExchangeError {
    ExchangeError::Invalid(message.into())
}

/// The screening hit holding our transfer `id`, as an officer signs it.
pub async fn pending_hit(core: &Core, id: &str) -> Result<Option<ScreeningHit>, ExchangeError> {
    let (hit, _) = core.store.review_state(id).await?;
    let Some(hit) = hit else { return Ok(None) };
    let row = core
        .store
        .attestation(id)
        .await?
        .ok_or_else(|| invalid("not an attested transfer"))?;
    let c = row
        .commitment
        .ok_or_else(|| invalid("the transfer has no commitment yet"))?;
    Ok(Some(hit.screening_hit(id, c, core.name())?))
}

/// Takes an officer's `clearance` of our held transfer `id` (submitted by back-office
/// client `who`): it must be signed by one of our configured officers, under the name
/// configured for that key, for exactly the stored hit; then the transfer is queued
/// again. Returns the note recorded.
pub async fn clear(
    core: &Core,
    id: &str,
    clearance: &Clearance,
    who: &str,
    now: &str,
) -> Result<String, ExchangeError> {
    let attest = core
        .config
        .attest
        .as_ref()
        .ok_or_else(|| invalid("this node has no [attest] section"))?;
    let officer = attest
        .officers
        .iter()
        .find(|o| {
            crate::attest::parse_public_key(&o.public_key)
                .map(|k| officer_key_id(&k) == clearance.officer_key_id)
                .unwrap_or(false)
        })
        .ok_or_else(|| {
            invalid(format!(
                "officer key {} is not one of this node's officers ([[attest.officers]])",
                clearance
                    .officer_key_id
                    .chars()
                    .take(80)
                    .collect::<String>()
            ))
        })?;
    let key = crate::attest::parse_public_key(&officer.public_key)
        .ok_or_else(|| invalid("an officer's public key in the config is not valid"))?;
    if clearance.officer != officer.name {
        return Err(invalid(format!(
            "this key belongs to officer {}, the clearance names another",
            officer.name
        )));
    }
    clearance
        .verify(&key)
        .map_err(|e| invalid(format!("the clearance does not check: {e}")))?;
    let hit = pending_hit(core, id)
        .await?
        .ok_or_else(|| invalid("the transfer is not held on a name hit (nothing to clear)"))?;
    if clearance.hit() != hit {
        return Err(invalid(
            "the clearance is for another hit (transfer, commitment, party, list version or VASP)",
        ));
    }
    let (_, mut clearances) = core.store.review_state(id).await?;
    // One clearance per party and list: a new one replaces the party's for the same list
    // and keeps those for the other lists.
    clearances.retain(|c| c.slot != clearance.slot || c.sanctions_root != clearance.sanctions_root);
    clearances.push(clearance.clone());
    let note = format!(
        "{} cleared by officer {} ({}), submitted by {who}",
        clearance.slot.as_str(),
        clearance.officer,
        clearance.basis
    );
    core.store
        .clear_and_requeue(id, &clearances, &note, now)
        .await?;
    tracing::info!(transfer = %id, officer = %clearance.officer, slot = clearance.slot.as_str(), "name hit cleared");
    Ok(note)
}
