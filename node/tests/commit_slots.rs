//! From TRISA's payload fixture and the transfer's details to the 16 commitment slots.

use zktr_circuits::commitment::{CommitmentTree, MasterSalt, Slot, SlotValues};
use zktr_circuits::field::{Word248, fr_from_u64, fr_from_u128};
use zktr_node::commit::{
    CommitError, TransferDetails, payload_digest, payload_digest_of_bytes, slot_values,
    transfer_fields,
};
use zktr_sanctions::screening;
use zktr_trisa::json::payload_from_json;
use zktr_trisa::{Payload, SealOptions, SealingKey, open_bytes, seal};

fn payload() -> Payload {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/trisa/payload.json"
    ))
    .unwrap();
    payload_from_json(&text).unwrap()
}

fn details() -> TransferDetails {
    TransferDetails {
        fiat_value: 7786, // USD 77.86, as the fixture's extra_json says
        fiat_currency: 840,
        asset_id: Word248::new(fr_from_u64(0)).unwrap(), // SLIP-0044: Bitcoin
        asset_amount: 206_412,                           // 0.00206412 BTC in satoshi
        beneficiary_address: "14WU745djqecaJ1gmtWQGeMCFim1W5MNp3".into(),
        envelope_id: uuid::Uuid::parse_str("1e7bb3cc-53ff-41b8-870f-4c22110e6f04").unwrap(),
        originator_vasp_id: "506700T7Z685VUOZL877".into(),
        beneficiary_vasp_id: "213800AQUAUP6I215N33".into(),
        committed_at: 1_643_559_240,
    }
}

#[test]
fn slots_come_from_the_payload_and_the_details() {
    let p = payload();
    let d = details();
    let v = slot_values(&p, &d).unwrap();
    assert_eq!(v.get(Slot::LayoutVersion), fr_from_u64(1));
    assert_eq!(v.get(Slot::FiatValue), fr_from_u64(7786));
    assert_eq!(v.get(Slot::FiatCurrency), fr_from_u64(840));
    assert_eq!(v.get(Slot::AssetAmount), fr_from_u128(206_412));
    assert_eq!(
        v.get(Slot::BeneficiaryAddressKey),
        screening::address_key(&d.beneficiary_address)
            .unwrap()
            .to_fr()
    );
    // Names: "Jane Howard" (LEGL) and "Lawrence Clark" (LEGL), normalized.
    assert_eq!(
        v.get(Slot::OriginatorNameKey),
        screening::name_key("HOWARD, Jane").unwrap().to_fr()
    );
    assert_eq!(
        v.get(Slot::BeneficiaryNameKey),
        screening::name_key("lawrence clark").unwrap().to_fr()
    );
    assert_eq!(
        v.get(Slot::OriginatorIdKey),
        screening::identifier_key("112502920").unwrap().to_fr()
    );
    assert_eq!(
        v.get(Slot::BeneficiaryIdKey),
        screening::identifier_key("319-560-446").unwrap().to_fr()
    );
    assert_eq!(v.get(Slot::PayloadDigest), payload_digest(&p).to_fr());
    assert_eq!(
        v.get(Slot::EnvelopeId),
        fr_from_u128(d.envelope_id.as_u128())
    );
    assert_eq!(
        v.get(Slot::OriginatorVaspKey),
        screening::vasp_key("506700T7Z685VUOZL877").unwrap().to_fr()
    );
    assert_eq!(v.get(Slot::CommittedAt), fr_from_u64(1_643_559_240));
    assert_eq!(v.get(Slot::Reserved), fr_from_u64(0));
    // Every slot is in range, so the values commit.
    let checked = SlotValues::new(*v.as_array()).unwrap();
    let tree = CommitmentTree::new(checked, &MasterSalt::from_fr(fr_from_u64(42)));
    let opening = tree.open(Slot::PayloadDigest);
    assert_eq!(opening.value, v.get(Slot::PayloadDigest));
}

/// The counterparty recomputes the digest from the bytes it decrypts.
#[test]
fn the_digest_is_over_the_bytes_that_travel() {
    let p = payload();
    let key = SealingKey::generate_x25519();
    let env = seal(&p, &key.public_key(), &SealOptions::default()).unwrap();
    let bytes = open_bytes(&env, Some(&key)).unwrap();
    assert_eq!(payload_digest_of_bytes(&bytes), payload_digest(&p));
    // Any change to the payload changes the digest.
    let mut other = p.clone();
    other.sent_at = "2022-01-27T08:21:44Z".into();
    assert_ne!(payload_digest(&other), payload_digest(&p));
    // The prefix separates it from a plain SHA-256.
    use sha2::Digest;
    let plain: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    assert_ne!(Word248::from_digest_prefix(&plain), payload_digest(&p));
}

#[test]
fn refusals() {
    let p = payload();
    let mut d = details();
    d.beneficiary_address = "14HmBSwec8XrcWge9Zi1ZngNia64u3Wd2v".into(); // the originator's
    assert_eq!(transfer_fields(&p, &d), Err(CommitError::AddressMismatch));
    let mut d = details();
    d.fiat_currency = 1000;
    assert_eq!(transfer_fields(&p, &d), Err(CommitError::Currency(1000)));
    let mut d = details();
    d.originator_vasp_id = " - ".into();
    assert!(matches!(
        transfer_fields(&p, &d),
        Err(CommitError::Screening { .. })
    ));
    let empty = Payload::default();
    assert!(matches!(
        transfer_fields(&empty, &details()),
        Err(CommitError::Payload(_))
    ));
}
