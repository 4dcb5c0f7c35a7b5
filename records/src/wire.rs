//! The protobuf wire form of the [`ProofBundle`]: conversion between the typed record and
//! the generated `zktr.bundle.v1` messages of `zktr-proto`. Decoding checks every length
//! and range and names the field that is wrong.

use crate::bundle::{
    BUNDLE_VERSIONS, BundleDecodeError, ClaimProof, MAX_SANCTIONS_ROOTS, ProofBundle,
};
use crate::clearance::{Clearance, ClearedSlot};
use crate::encoding::{PROOF_BYTES, fr_from_bytes, fr_to_bytes};
use crate::price_quote::{PriceQuote, SignedPriceQuote};
use crate::sanctions_root::{SanctionsRootRecord, SignedSanctionsRoot};
use crate::tree_head::SignedTreeHead;
use prost::Message;
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::Word248;
use zktr_circuits::trees::log::LogRoot;
use zktr_circuits::trees::sanctions::SanctionsRoot;
use zktr_proto::zktr::bundle::v1 as pb;

fn field(field: impl Into<String>, reason: impl ToString) -> BundleDecodeError {
    BundleDecodeError::Field {
        field: field.into(),
        reason: reason.to_string(),
    }
}

fn sig64(name: &str, bytes: &[u8]) -> Result<[u8; 64], BundleDecodeError> {
    bytes
        .try_into()
        .map_err(|_| field(name, format!("must be 64 bytes, got {}", bytes.len())))
}

impl ProofBundle {
    /// The protobuf encoding.
    pub fn to_protobuf(&self) -> Vec<u8> {
        self.to_message().encode_to_vec()
    }

    /// Decodes the protobuf encoding.
    pub fn from_protobuf(bytes: &[u8]) -> Result<Self, BundleDecodeError> {
        let msg = pb::ProofBundle::decode(bytes).map_err(BundleDecodeError::Protobuf)?;
        Self::from_message(msg)
    }

    /// The prost message.
    pub fn to_message(&self) -> pb::ProofBundle {
        let sth = &self.tree_head;
        pb::ProofBundle {
            version: self.version,
            commitment: fr_to_bytes(&self.commitment.0).to_vec(),
            jurisdiction: self.jurisdiction.clone(),
            claims: self
                .claims
                .iter()
                .map(|c| pb::ClaimProof {
                    circuit: c.circuit.as_str().to_owned(),
                    public_inputs: c
                        .public_inputs
                        .iter()
                        .map(|x| fr_to_bytes(x).to_vec())
                        .collect(),
                    proof: c.proof.to_vec(),
                    verifying_key_id: c.verifying_key_id.clone(),
                })
                .collect(),
            tree_head: Some(pb::SignedTreeHead {
                log_id: sth.log_id.clone(),
                size: sth.size,
                root: fr_to_bytes(&sth.root.0).to_vec(),
                time: sth.time,
                signature: sth.signature.to_vec(),
            }),
            sanctions_root: Some(sanctions_root_to_message(&self.sanctions_root)),
            more_sanctions_roots: self
                .more_sanctions_roots
                .iter()
                .map(sanctions_root_to_message)
                .collect(),
            clearances: self.clearances.iter().map(clearance_to_message).collect(),
            price_quote: self.price_quote.as_ref().map(quote_to_message),
        }
    }

    /// Converts a decoded prost message, checking every field.
    pub fn from_message(msg: pb::ProofBundle) -> Result<Self, BundleDecodeError> {
        if !BUNDLE_VERSIONS.contains(&msg.version) {
            return Err(BundleDecodeError::Version(msg.version));
        }
        let commitment = Commitment(
            fr_from_bytes("commitment", &msg.commitment).map_err(|e| field("commitment", e))?,
        );
        let mut claims = Vec::with_capacity(msg.claims.len());
        for (i, c) in msg.claims.into_iter().enumerate() {
            let circuit = CircuitId::parse(&c.circuit).ok_or_else(|| {
                field(
                    format!("claims[{i}].circuit"),
                    CircuitId::unknown_reason(&c.circuit),
                )
            })?;
            let public_inputs = c
                .public_inputs
                .iter()
                .enumerate()
                .map(|(j, x)| {
                    fr_from_bytes("public input", x)
                        .map_err(|e| field(format!("claims[{i}].public_inputs[{j}]"), e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let proof: [u8; PROOF_BYTES] = c.proof.as_slice().try_into().map_err(|_| {
                field(
                    format!("claims[{i}].proof"),
                    format!("must be {PROOF_BYTES} bytes, got {}", c.proof.len()),
                )
            })?;
            claims.push(ClaimProof {
                circuit,
                public_inputs,
                proof,
                verifying_key_id: c.verifying_key_id,
            });
        }
        let sth = msg
            .tree_head
            .ok_or(BundleDecodeError::Missing("tree_head"))?;
        let tree_head = SignedTreeHead {
            log_id: sth.log_id,
            size: sth.size,
            root: LogRoot(
                fr_from_bytes("root", &sth.root).map_err(|e| field("tree_head.root", e))?,
            ),
            time: sth.time,
            signature: sig64("tree_head.signature", &sth.signature)?,
        };
        let sr = msg
            .sanctions_root
            .ok_or(BundleDecodeError::Missing("sanctions_root"))?;
        let sanctions_root = sanctions_root_from_message("sanctions_root", sr)?;
        if msg.more_sanctions_roots.len() >= MAX_SANCTIONS_ROOTS {
            return Err(field(
                "more_sanctions_roots",
                format!(
                    "{} sanctions roots, at most {MAX_SANCTIONS_ROOTS} are read",
                    1 + msg.more_sanctions_roots.len()
                ),
            ));
        }
        let more_sanctions_roots = msg
            .more_sanctions_roots
            .into_iter()
            .enumerate()
            .map(|(i, r)| sanctions_root_from_message(&format!("more_sanctions_roots[{i}]"), r))
            .collect::<Result<Vec<_>, _>>()?;
        let clearances = msg
            .clearances
            .into_iter()
            .enumerate()
            .map(|(i, c)| clearance_from_message(i, c))
            .collect::<Result<Vec<_>, _>>()?;
        let price_quote = msg.price_quote.map(quote_from_message).transpose()?;
        let bundle = Self {
            version: msg.version,
            commitment,
            jurisdiction: msg.jurisdiction,
            claims,
            tree_head,
            sanctions_root,
            more_sanctions_roots,
            clearances,
            price_quote,
        };
        bundle.check_version()?;
        Ok(bundle)
    }
}

fn quote_to_message(q: &SignedPriceQuote) -> pb::SignedPriceQuote {
    let r = &q.quote;
    pb::SignedPriceQuote {
        asset_id: fr_to_bytes(&r.asset_id.to_fr()).to_vec(),
        currency: u32::from(r.currency),
        asset: r.asset.clone(),
        price_num: r.price_num,
        price_den: r.price_den,
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        published_at: r.published_at,
        publisher_key_id: r.publisher_key_id.clone(),
        signature: q.signature.to_vec(),
    }
}

fn quote_from_message(q: pb::SignedPriceQuote) -> Result<SignedPriceQuote, BundleDecodeError> {
    let asset_id = fr_from_bytes("asset id", &q.asset_id)
        .map_err(|e| field("price_quote.asset_id", e))
        .and_then(|x| {
            Word248::new(x).map_err(|_| field("price_quote.asset_id", "not below 2^248"))
        })?;
    let currency = u16::try_from(q.currency)
        .map_err(|_| field("price_quote.currency", "not an ISO 4217 numeric code"))?;
    let quote = PriceQuote {
        asset_id,
        currency,
        asset: q.asset,
        price_num: q.price_num,
        price_den: q.price_den,
        valid_from: q.valid_from,
        valid_until: q.valid_until,
        published_at: q.published_at,
        publisher_key_id: q.publisher_key_id,
    };
    quote
        .validate()
        .map_err(|e| field("price_quote", e.to_string()))?;
    Ok(SignedPriceQuote {
        quote,
        signature: sig64("price_quote.signature", &q.signature)?,
    })
}

fn clearance_to_message(c: &Clearance) -> pb::Clearance {
    pb::Clearance {
        envelope_id: c.envelope_id.clone(),
        commitment: fr_to_bytes(&c.commitment.0).to_vec(),
        slot: c.slot.as_str().to_owned(),
        list_id: c.list_id.clone(),
        list_version: c.list_version.clone(),
        sanctions_root: fr_to_bytes(&c.sanctions_root).to_vec(),
        publisher_key_id: c.publisher_key_id.clone(),
        vasp: c.vasp.clone(),
        officer: c.officer.clone(),
        basis: c.basis.clone(),
        cleared_at: c.cleared_at,
        officer_key_id: c.officer_key_id.clone(),
        signature: c.signature.to_vec(),
    }
}

fn clearance_from_message(i: usize, c: pb::Clearance) -> Result<Clearance, BundleDecodeError> {
    let at = |f: &str| format!("clearances[{i}].{f}");
    let slot = match c.slot.as_str() {
        "originator_name_key" => ClearedSlot::OriginatorName,
        "beneficiary_name_key" => ClearedSlot::BeneficiaryName,
        other => {
            return Err(field(
                at("slot"),
                format!(
                    "{:?} cannot be cleared (only a party's name key)",
                    other.chars().take(40).collect::<String>()
                ),
            ));
        }
    };
    Ok(Clearance {
        envelope_id: c.envelope_id,
        commitment: Commitment(
            fr_from_bytes("commitment", &c.commitment).map_err(|e| field(at("commitment"), e))?,
        ),
        slot,
        list_id: c.list_id,
        list_version: c.list_version,
        sanctions_root: fr_from_bytes("root", &c.sanctions_root)
            .map_err(|e| field(at("sanctions_root"), e))?,
        publisher_key_id: c.publisher_key_id,
        vasp: c.vasp,
        officer: c.officer,
        basis: c.basis,
        cleared_at: c.cleared_at,
        officer_key_id: c.officer_key_id,
        signature: sig64(&at("signature"), &c.signature)?,
    })
}

fn sanctions_root_to_message(sr: &SignedSanctionsRoot) -> pb::SignedSanctionsRoot {
    pb::SignedSanctionsRoot {
        list_id: sr.record.list_id.clone(),
        version: sr.record.version.clone(),
        root: fr_to_bytes(&sr.record.root.0).to_vec(),
        key_count: sr.record.key_count,
        party_count: sr.record.party_count,
        published_at: sr.record.published_at,
        publisher_key_id: sr.record.publisher_key_id.clone(),
        signature: sr.signature.to_vec(),
    }
}

fn sanctions_root_from_message(
    at: &str,
    sr: pb::SignedSanctionsRoot,
) -> Result<SignedSanctionsRoot, BundleDecodeError> {
    Ok(SignedSanctionsRoot {
        record: SanctionsRootRecord {
            list_id: sr.list_id,
            version: sr.version,
            root: SanctionsRoot(
                fr_from_bytes("root", &sr.root).map_err(|e| field(format!("{at}.root"), e))?,
            ),
            key_count: sr.key_count,
            party_count: sr.party_count,
            published_at: sr.published_at,
            publisher_key_id: sr.publisher_key_id,
        },
        signature: sig64(&format!("{at}.signature"), &sr.signature)?,
    })
}
