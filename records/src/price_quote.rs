//! A price publisher's signed quote: the price of one asset in one fiat currency, valid
//! for a window of time (asset id, currency, label, `num / den`, window, publication time,
//! publisher key id, Ed25519 signature).
//!
//! `threshold/v1` takes the committed fiat value (slot 1) on the prover's word.
//! `priced_threshold` (`zktr_circuits::circuits::priced_threshold`) binds it to the
//! committed asset amount (slot 3) through a price; this record is where that price comes
//! from. A verifier accepts a `priced_threshold` proof only if its price public inputs are
//! those of a quote signed by a price publisher it trusts: otherwise the prover could
//! choose the price, and the fiat value would again be its word.
//!
//! The price is in minor fiat units per asset base unit, as the fraction
//! `price_num / price_den`: USD 3,000.00 per ETH is `300000 / 10^18` (cents per wei). The
//! fiat value of an amount is `floor(amount * price_num / price_den)`
//! ([`PriceQuote::fiat_value`]), exactly what the circuit accepts in slot 1. The window
//! `valid_from ..= valid_until` (unix seconds, both ends included) is the window in which
//! the circuit accepts the commitment time (slot 14).
//!
//! # Signing bytes
//!
//! The signature covers [`PriceQuote::signing_bytes`], a canonical binary encoding that
//! does not depend on JSON formatting:
//!
//! ```text
//! "zktr.price-quote.v1" || 0x00
//! asset_id                (32 bytes, big-endian canonical integer, below 2^248)
//! u16be(currency)         ISO 4217 numeric
//! u32be(len) || asset     (UTF-8, the human label, at most MAX_ASSET_LABEL_LEN bytes)
//! u64be(price_num) || u64be(price_den)
//! u64be(valid_from) || u64be(valid_until)
//! u64be(published_at)
//! u32be(len) || publisher_key_id (UTF-8)
//! ```
//!
//! The domain prefix ([`crate::domain::PRICE_QUOTE`]) keeps a quote signature from ever
//! being valid for another zktr record signed with the same key (a list publisher may
//! also publish prices); the fixed widths and length prefixes keep field boundaries
//! unambiguous. The label is informational but signed, so that what a person reads is
//! what the publisher said.
//!
//! # Validity
//!
//! A quote is refused ([`InvalidQuote`]) when it cannot mean a price, whether or not its
//! signature checks:
//! * `price_den = 0`: no price; the circuit is never satisfiable with it;
//! * `valid_from > valid_until`: an empty window, which no commitment time can be in;
//! * `currency > 999`: not an ISO 4217 numeric code, and not a value the circuit's
//!   public-input parser accepts;
//! * a label longer than [`MAX_ASSET_LABEL_LEN`] bytes: a label, not a document.
//!
//! [`SignedPriceQuote::sign`] refuses to sign such a quote; [`SignedPriceQuote::verify`]
//! and [`SignedPriceQuote::from_json`] refuse it too.
//!
//! # JSON
//!
//! Serialized with serde, as the sanctions root is: the asset id is `0x` + 64 hex digits
//! (as circom tools print field elements), the signature 128 hex digits, integers are
//! JSON numbers. Unknown fields are refused, so that nothing unsigned rides along in a
//! file that reads as signed. [`SignedPriceQuote::from_json`] reads at most
//! [`MAX_QUOTE_JSON_BYTES`].

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::circuits::priced_threshold::{
    PricedThresholdPublicInputs, fiat_value_from_price,
};
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::{Word248, fr_to_be_bytes};

pub use crate::sanctions_root::publisher_key_id;

/// Domain prefix of the signing bytes of a price quote.
pub use crate::domain::PRICE_QUOTE as PRICE_QUOTE_DOMAIN;

/// Longest asset label, in bytes (`ETH`, `USDC`, `wstETH` all fit).
pub const MAX_ASSET_LABEL_LEN: usize = 16;

/// Largest JSON form [`SignedPriceQuote::from_json`] reads. A signed quote is under 1 KiB;
/// the limit keeps a hostile file from costing more than a glance.
pub const MAX_QUOTE_JSON_BYTES: usize = 64 << 10;

/// Highest ISO 4217 numeric code.
pub const MAX_CURRENCY: u16 = 999;

/// Why a quote cannot mean a price.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidQuote {
    /// `price_den` is 0.
    #[error("the price denominator is 0")]
    ZeroDenominator,
    /// The window ends before it starts.
    #[error("the validity window is inverted: valid_from {valid_from} > valid_until {valid_until}")]
    WindowInverted {
        /// First second of validity.
        valid_from: u64,
        /// Last second of validity.
        valid_until: u64,
    },
    /// The asset label is longer than `MAX_ASSET_LABEL_LEN` bytes.
    #[error("the asset label is {len} bytes, more than {MAX_ASSET_LABEL_LEN}")]
    LabelTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The currency is above 999.
    #[error("currency {0} is not an ISO 4217 numeric code (0..=999)")]
    CurrencyOutOfRange(u16),
}

/// Why a signed price quote is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PriceQuoteError {
    /// The quote names another publisher key than the one it is checked against.
    #[error("the quote names publisher key {in_quote}, but the given key is {given}")]
    PublisherMismatch {
        /// The key id in the quote.
        in_quote: String,
        /// The key id of the key it was checked against.
        given: String,
    },
    /// The Ed25519 signature does not verify.
    #[error("the publisher's signature over the price quote does not verify")]
    BadSignature,
    /// The quote cannot mean a price.
    #[error("invalid price quote: {0}")]
    Invalid(#[from] InvalidQuote),
    /// The JSON form is longer than `MAX_QUOTE_JSON_BYTES`.
    #[error("signed price quote JSON is {len} bytes, more than the {MAX_QUOTE_JSON_BYTES} limit")]
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// The JSON form could not be read.
    #[error("malformed signed price quote JSON")]
    Json(#[source] serde_json::Error),
}

/// Why a quote cannot price a transfer ([`PriceQuote::value_at`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// The quote is for another asset.
    #[error("the quote is for asset {quote:?}, not the transfer's")]
    OtherAsset {
        /// The quote's label.
        quote: String,
    },
    /// The quote is for another currency.
    #[error("the quote is in currency {quote}, the transfer's fiat currency is {transfer}")]
    OtherCurrency {
        /// The quote's ISO 4217 numeric code.
        quote: u16,
        /// The transfer's.
        transfer: u16,
    },
    /// The commitment time is outside the quote's window.
    #[error(
        "the quote is valid {valid_from}..={valid_until}, the commitment time is {committed_at}: refresh the quote"
    )]
    NotValidAt {
        /// The window's first second.
        valid_from: u64,
        /// Its last second.
        valid_until: u64,
        /// The commitment time.
        committed_at: u64,
    },
    /// The value does not fit the fiat value slot.
    #[error("the amount's value at the quote's price is beyond 2^64 minor units")]
    TooLarge,
}

/// What a price publisher signs: the price of one asset in one currency, for a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceQuote {
    /// The asset, as committed in slot 4 (e.g. its SLIP-44 coin type: 60 for ETH).
    #[serde(with = "word248_hex")]
    pub asset_id: Word248,
    /// ISO 4217 numeric code of the fiat currency (840 for USD), as committed in slot 2.
    pub currency: u16,
    /// A short human label of the asset (`ETH`); informational, but signed.
    pub asset: String,
    /// Price numerator: minor fiat units per `price_den` asset base units.
    pub price_num: u64,
    /// Price denominator, at least 1.
    pub price_den: u64,
    /// First second of validity (unix seconds, included).
    pub valid_from: u64,
    /// Last second of validity (unix seconds, included).
    pub valid_until: u64,
    /// When the publisher signed, in unix seconds.
    pub published_at: u64,
    /// The publisher's key id, see [`publisher_key_id`].
    pub publisher_key_id: String,
}

impl PriceQuote {
    /// The canonical, domain-separated bytes that the publisher signs (see module docs).
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            PRICE_QUOTE_DOMAIN.len()
                + 1
                + 32
                + 2
                + 8
                + self.asset.len()
                + self.publisher_key_id.len()
                + 40,
        );
        out.extend_from_slice(PRICE_QUOTE_DOMAIN);
        out.push(0);
        out.extend_from_slice(&fr_to_be_bytes(&self.asset_id.to_fr()));
        out.extend_from_slice(&self.currency.to_be_bytes());
        put_str(&mut out, &self.asset);
        out.extend_from_slice(&self.price_num.to_be_bytes());
        out.extend_from_slice(&self.price_den.to_be_bytes());
        out.extend_from_slice(&self.valid_from.to_be_bytes());
        out.extend_from_slice(&self.valid_until.to_be_bytes());
        out.extend_from_slice(&self.published_at.to_be_bytes());
        put_str(&mut out, &self.publisher_key_id);
        out
    }

    /// Checks that the quote means a price (see the module docs, "Validity").
    pub fn validate(&self) -> Result<(), InvalidQuote> {
        if self.price_den == 0 {
            return Err(InvalidQuote::ZeroDenominator);
        }
        if self.valid_from > self.valid_until {
            return Err(InvalidQuote::WindowInverted {
                valid_from: self.valid_from,
                valid_until: self.valid_until,
            });
        }
        if self.currency > MAX_CURRENCY {
            return Err(InvalidQuote::CurrencyOutOfRange(self.currency));
        }
        if self.asset.len() > MAX_ASSET_LABEL_LEN {
            return Err(InvalidQuote::LabelTooLong {
                len: self.asset.len(),
            });
        }
        Ok(())
    }

    /// The fiat value (minor units of [`currency`](Self::currency)) of `asset_amount`
    /// base units at this price, rounded down: the one value `priced_threshold` accepts
    /// in slot 1 for this quote. `None` if `price_den` is 0 or the value does not fit a
    /// `u64` (slot 1's range).
    pub fn fiat_value(&self, asset_amount: u128) -> Option<u64> {
        fiat_value_from_price(asset_amount, self.price_num, self.price_den)
    }

    /// The fiat value `asset_amount` of `asset_id`, committed in `currency` at
    /// `committed_at`, has at this price: the quote must be for that asset and currency
    /// and valid at that time. This is the statement of `threshold/v2`, once: the node
    /// computes slot 1 with it and the prover checks slot 1 against it.
    pub fn value_at(
        &self,
        asset_id: &Word248,
        currency: u16,
        asset_amount: u128,
        committed_at: u64,
    ) -> Result<u64, PricingError> {
        if self.asset_id != *asset_id {
            return Err(PricingError::OtherAsset {
                quote: self.asset.chars().take(MAX_ASSET_LABEL_LEN).collect(),
            });
        }
        if self.currency != currency {
            return Err(PricingError::OtherCurrency {
                quote: self.currency,
                transfer: currency,
            });
        }
        if !self.covers(committed_at) {
            return Err(PricingError::NotValidAt {
                valid_from: self.valid_from,
                valid_until: self.valid_until,
                committed_at,
            });
        }
        self.fiat_value(asset_amount).ok_or(PricingError::TooLarge)
    }

    /// Whether `time` (unix seconds) is in the window, both ends included: the rule the
    /// circuit applies to the commitment time.
    pub fn covers(&self, time: u64) -> bool {
        self.valid_from <= time && time <= self.valid_until
    }

    /// The public inputs of `priced_threshold` for a proof against this quote. Prover and
    /// verifier both build them here, so the price, window, asset and currency they use
    /// are the signed ones.
    pub fn public_inputs(
        &self,
        commitment: Commitment,
        threshold: u64,
        direction: ThresholdDirection,
    ) -> PricedThresholdPublicInputs {
        PricedThresholdPublicInputs {
            commitment,
            threshold,
            currency: self.currency,
            direction,
            asset_id: self.asset_id,
            price_num: self.price_num,
            price_den: self.price_den,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Strings longer than 4 GiB cannot be produced by any reader; saturate rather than
    // wrap so the encoding stays injective for every realistic input.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A price quote with the publisher's Ed25519 signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPriceQuote {
    /// The signed quote.
    pub quote: PriceQuote,
    /// Ed25519 signature over [`PriceQuote::signing_bytes`].
    #[serde(with = "crate::encoding::serde_hex::bytes")]
    pub signature: [u8; 64],
}

impl SignedPriceQuote {
    /// Signs `quote` with the publisher's key. Refuses a quote that does not mean a price
    /// (no verifier would accept it). The quote's `publisher_key_id` should be
    /// [`publisher_key_id`] of this key, or [`verify`](Self::verify) will refuse it.
    pub fn sign(quote: PriceQuote, key: &SigningKey) -> Result<Self, PriceQuoteError> {
        quote.validate()?;
        let signature = key.sign(&quote.signing_bytes()).to_bytes();
        Ok(Self { quote, signature })
    }

    /// Checks that the quote names `publisher`, that the signature verifies (strict
    /// Ed25519: no malleable or small-order forms), and that the quote means a price.
    pub fn verify(&self, publisher: &VerifyingKey) -> Result<(), PriceQuoteError> {
        let given = publisher_key_id(publisher);
        if self.quote.publisher_key_id != given {
            return Err(PriceQuoteError::PublisherMismatch {
                in_quote: self.quote.publisher_key_id.clone(),
                given,
            });
        }
        let sig = Signature::from_bytes(&self.signature);
        publisher
            .verify_strict(&self.quote.signing_bytes(), &sig)
            .map_err(|_| PriceQuoteError::BadSignature)?;
        self.quote.validate()?;
        Ok(())
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, integers and hex cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form (at most `MAX_QUOTE_JSON_BYTES`) and checks that the quote
    /// means a price. The signature is not checked here: see [`verify`](Self::verify).
    pub fn from_json(json: &str) -> Result<Self, PriceQuoteError> {
        if json.len() > MAX_QUOTE_JSON_BYTES {
            return Err(PriceQuoteError::TooLarge { len: json.len() });
        }
        let signed: Self = serde_json::from_str(json).map_err(PriceQuoteError::Json)?;
        signed.quote.validate()?;
        Ok(signed)
    }
}

mod word248_hex {
    use crate::encoding::{bytes_from_hex, fr_to_hex};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use zktr_circuits::field::{Word248, fr_from_be_bytes};

    pub fn serialize<S: Serializer>(w: &Word248, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fr_to_hex(&w.to_fr()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Word248, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || D::Error::custom("asset_id must be 0x + 64 hex digits, below 2^248");
        let digits = s.strip_prefix("0x").ok_or_else(bad)?;
        let bytes: [u8; 32] = bytes_from_hex("asset_id", digits).map_err(|_| bad())?;
        let fr = fr_from_be_bytes(&bytes).map_err(|_| bad())?;
        Word248::new(fr).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SANCTIONS_ROOT;
    use zktr_circuits::Fr;

    const ETH: u64 = 60;
    const BTC: u64 = 0;
    const USD: u16 = 840;
    const WEI_PER_ETH: u64 = 1_000_000_000_000_000_000;
    const SAT_PER_BTC: u64 = 100_000_000;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn word(x: u64) -> Word248 {
        Word248::new(Fr::from(x)).unwrap()
    }

    /// USD 3,000.00 per ETH: 300,000 cents per 10^18 wei.
    fn eth_quote(k: &SigningKey) -> PriceQuote {
        PriceQuote {
            asset_id: word(ETH),
            currency: USD,
            asset: "ETH".into(),
            price_num: 300_000,
            price_den: WEI_PER_ETH,
            valid_from: 1_763_510_400,
            valid_until: 1_763_510_400 + 300,
            published_at: 1_763_510_390,
            publisher_key_id: publisher_key_id(&k.verifying_key()),
        }
    }

    /// USD 60,000.00 per BTC: 6,000,000 cents per 10^8 sat.
    fn btc_quote(k: &SigningKey) -> PriceQuote {
        PriceQuote {
            asset_id: word(BTC),
            asset: "BTC".into(),
            price_num: 6_000_000,
            price_den: SAT_PER_BTC,
            ..eth_quote(k)
        }
    }

    #[test]
    fn sign_verify_round_trip() {
        let k = key(7);
        let signed = SignedPriceQuote::sign(eth_quote(&k), &k).unwrap();
        signed.verify(&k.verifying_key()).unwrap();
        assert_eq!(signed.quote, eth_quote(&k));
    }

    #[test]
    fn every_field_is_covered() {
        let k = key(7);
        let signed = SignedPriceQuote::sign(eth_quote(&k), &k).unwrap();
        type Change = (&'static str, fn(&mut PriceQuote));
        let changes: [Change; 9] = [
            ("asset_id", |q| q.asset_id = word(ETH + 1)),
            ("currency", |q| q.currency = 978),
            ("asset", |q| q.asset = "ETC".into()),
            ("price_num", |q| q.price_num += 1),
            ("price_den", |q| q.price_den -= 1),
            ("valid_from", |q| q.valid_from -= 1),
            ("valid_until", |q| q.valid_until += 1),
            ("published_at", |q| q.published_at += 1),
            ("publisher_key_id", |q| q.publisher_key_id.push('0')),
        ];
        for (field, change) in changes {
            let mut v = signed.clone();
            change(&mut v.quote);
            assert_ne!(v.quote, signed.quote, "{field}");
            assert_ne!(v.quote.signing_bytes(), signed.quote.signing_bytes());
            let err = v.verify(&k.verifying_key()).unwrap_err();
            // The changed key id no longer names the key: refused before the signature.
            if field == "publisher_key_id" {
                assert!(
                    matches!(err, PriceQuoteError::PublisherMismatch { .. }),
                    "{field}"
                );
            } else {
                assert!(matches!(err, PriceQuoteError::BadSignature), "{field}");
            }
        }
        let mut v = signed.clone();
        v.signature[10] ^= 1;
        assert!(matches!(
            v.verify(&k.verifying_key()),
            Err(PriceQuoteError::BadSignature)
        ));
    }

    #[test]
    fn a_label_boundary_shift_changes_the_signing_bytes() {
        // Without length prefixes, moving bytes between the label and the key id could
        // keep the concatenation, and the signature, the same.
        let k = key(7);
        let a = eth_quote(&k);
        let mut b = a.clone();
        b.asset = "ET".into();
        b.publisher_key_id = format!("H{}", a.publisher_key_id);
        assert_ne!(a.signing_bytes(), b.signing_bytes());
    }

    #[test]
    fn a_sanctions_root_domain_signature_is_no_quote_signature() {
        let k = key(7);
        let quote = eth_quote(&k);
        // The quote's fields, byte for byte, after the sanctions-root domain.
        let mut lookalike = SANCTIONS_ROOT.to_vec();
        lookalike.extend_from_slice(&quote.signing_bytes()[PRICE_QUOTE_DOMAIN.len()..]);
        let forged = SignedPriceQuote {
            quote,
            signature: k.sign(&lookalike).to_bytes(),
        };
        assert!(matches!(
            forged.verify(&k.verifying_key()),
            Err(PriceQuoteError::BadSignature)
        ));
    }

    #[test]
    fn wrong_publisher_is_refused() {
        let k = key(7);
        let other = key(8);
        let signed = SignedPriceQuote::sign(eth_quote(&k), &k).unwrap();
        assert!(matches!(
            signed.verify(&other.verifying_key()),
            Err(PriceQuoteError::PublisherMismatch { .. })
        ));
        // A quote claiming the other key's id but signed by k.
        let mut quote = eth_quote(&k);
        quote.publisher_key_id = publisher_key_id(&other.verifying_key());
        let forged = SignedPriceQuote::sign(quote, &k).unwrap();
        assert!(matches!(
            forged.verify(&other.verifying_key()),
            Err(PriceQuoteError::BadSignature)
        ));
    }

    #[test]
    fn invalid_quotes_are_neither_signed_nor_accepted() {
        let k = key(7);
        type Case = (fn(&mut PriceQuote), InvalidQuote);
        let cases: [Case; 4] = [
            (|q| q.price_den = 0, InvalidQuote::ZeroDenominator),
            (
                |q| q.valid_until = q.valid_from - 1,
                InvalidQuote::WindowInverted {
                    valid_from: 1_763_510_400,
                    valid_until: 1_763_510_399,
                },
            ),
            (
                |q| q.asset = "X".repeat(MAX_ASSET_LABEL_LEN + 1),
                InvalidQuote::LabelTooLong {
                    len: MAX_ASSET_LABEL_LEN + 1,
                },
            ),
            (
                |q| q.currency = 1000,
                InvalidQuote::CurrencyOutOfRange(1000),
            ),
        ];
        for (change, want) in cases {
            let mut quote = eth_quote(&k);
            change(&mut quote);
            assert_eq!(quote.validate(), Err(want.clone()));
            assert!(matches!(
                SignedPriceQuote::sign(quote.clone(), &k),
                Err(PriceQuoteError::Invalid(ref got)) if *got == want
            ));
            // Signed anyway (by other tooling): the signature checks, the quote does not.
            let signed = SignedPriceQuote {
                signature: k.sign(&quote.signing_bytes()).to_bytes(),
                quote,
            };
            assert!(matches!(
                signed.verify(&k.verifying_key()),
                Err(PriceQuoteError::Invalid(ref got)) if *got == want
            ));
            assert!(matches!(
                SignedPriceQuote::from_json(&signed.to_json()),
                Err(PriceQuoteError::Invalid(ref got)) if *got == want
            ));
        }
        // The edges that are still prices.
        let mut quote = eth_quote(&k);
        quote.price_den = 1;
        quote.valid_until = quote.valid_from;
        quote.currency = MAX_CURRENCY;
        quote.asset = "X".repeat(MAX_ASSET_LABEL_LEN);
        SignedPriceQuote::sign(quote, &k)
            .unwrap()
            .verify(&k.verifying_key())
            .unwrap();
    }

    #[test]
    fn json_round_trip() {
        let k = key(7);
        let signed = SignedPriceQuote::sign(eth_quote(&k), &k).unwrap();
        let json = signed.to_json();
        assert!(json.contains(&format!("\"asset_id\": \"0x{}3c\"", "0".repeat(62))));
        assert!(json.contains("\"price_den\": 1000000000000000000"));
        assert!(json.contains(&format!(
            "\"signature\": \"{}\"",
            hex::encode(signed.signature)
        )));
        let back = SignedPriceQuote::from_json(&json).unwrap();
        assert_eq!(back, signed);
        back.verify(&k.verifying_key()).unwrap();
    }

    #[test]
    fn malformed_json_is_a_typed_error() {
        let k = key(7);
        let good = SignedPriceQuote::sign(eth_quote(&k), &k).unwrap().to_json();
        let two_248 = format!("\"0x01{}\"", "0".repeat(62));
        let bad = [
            String::new(),
            "{}".into(),
            "[]".into(),
            "{\"quote\":".into(),
            good.replace("\"asset\": \"ETH\"", "\"asset\": 7"),
            // An asset id of 2^248 is a field element but no 248-bit word.
            good.replace(&format!("\"0x{}3c\"", "0".repeat(62)), &two_248),
            good.replace(&format!("\"0x{}3c\"", "0".repeat(62)), "\"0x3c\""),
            good.replace(
                &format!("\"0x{}3c\"", "0".repeat(62)),
                &format!("\"{}3c\"", "0".repeat(62)),
            ),
            good.replace("\"currency\": 840", "\"currency\": 70000"),
            good.replace("\"price_num\": 300000", "\"price_num\": -1"),
            good.replace(
                "\"price_num\": 300000",
                "\"price_num\": 18446744073709551616",
            ),
            good.replace("\"signature\": \"", "\"signature\": \"00"),
            good.replace("\"signature\"", "\"extra\": 1, \"signature\""),
            good.replace(
                "\"published_at\"",
                "\"unsigned_note\": \"x\", \"published_at\"",
            ),
        ];
        for json in bad {
            assert_ne!(json, good);
            assert!(
                matches!(
                    SignedPriceQuote::from_json(&json),
                    Err(PriceQuoteError::Json(_))
                ),
                "{json}"
            );
        }
        let err = SignedPriceQuote::from_json("{").unwrap_err();
        assert!(
            std::error::Error::source(&err).is_some(),
            "the serde error is kept"
        );
    }

    #[test]
    fn oversized_json_is_refused_before_parsing() {
        let k = key(7);
        let good = SignedPriceQuote::sign(eth_quote(&k), &k).unwrap().to_json();
        let padded = format!("{good}{}", " ".repeat(MAX_QUOTE_JSON_BYTES - good.len()));
        assert_eq!(padded.len(), MAX_QUOTE_JSON_BYTES);
        SignedPriceQuote::from_json(&padded).unwrap();
        let over = format!("{padded} ");
        assert!(matches!(
            SignedPriceQuote::from_json(&over),
            Err(PriceQuoteError::TooLarge { len }) if len == MAX_QUOTE_JSON_BYTES + 1
        ));
    }

    #[test]
    fn fiat_value_on_exact_examples() {
        let k = key(7);
        let eth = eth_quote(&k);
        assert_eq!(eth.fiat_value(u128::from(WEI_PER_ETH)), Some(300_000));
        assert_eq!(eth.fiat_value(u128::from(WEI_PER_ETH / 2)), Some(150_000));
        // One cent is 3.33... * 10^12 wei: rounded down.
        assert_eq!(eth.fiat_value(3_333_333_333_333), Some(0));
        assert_eq!(eth.fiat_value(3_333_333_333_334), Some(1));
        assert_eq!(eth.fiat_value(0), Some(0));

        let btc = btc_quote(&k);
        assert_eq!(btc.fiat_value(u128::from(SAT_PER_BTC)), Some(6_000_000));
        assert_eq!(btc.fiat_value(u128::from(SAT_PER_BTC / 4)), Some(1_500_000));
        assert_eq!(btc.fiat_value(1), Some(0)); // 0.06 cents
        assert_eq!(btc.fiat_value(17), Some(1)); // 1.02 cents

        // Beyond slot 1's range: no value.
        assert_eq!(btc.fiat_value(u128::MAX), None);
        let mut zero = btc;
        zero.price_den = 0;
        assert_eq!(zero.fiat_value(1), None);
    }

    #[test]
    fn fiat_value_agrees_with_u128_arithmetic_where_it_fits() {
        let k = key(7);
        let mut q = btc_quote(&k);
        for (num, den) in [
            (1, 1),
            (7, 3),
            (6_000_000, SAT_PER_BTC),
            (u64::MAX, u64::MAX),
        ] {
            (q.price_num, q.price_den) = (num, den);
            for amount in [0u64, 1, 2, 99, 1_000_003, u64::MAX] {
                let exact = u128::from(amount) * u128::from(num) / u128::from(den);
                assert_eq!(
                    q.fiat_value(u128::from(amount)),
                    u64::try_from(exact).ok(),
                    "{amount} * {num} / {den}"
                );
            }
        }
    }

    #[test]
    fn covers_both_edges_and_nothing_outside() {
        let q = eth_quote(&key(7));
        assert!(q.covers(q.valid_from));
        assert!(q.covers(q.valid_until));
        assert!(q.covers(q.valid_from + 1));
        assert!(!q.covers(q.valid_from - 1));
        assert!(!q.covers(q.valid_until + 1));
        let mut edge = q.clone();
        (edge.valid_from, edge.valid_until) = (0, u64::MAX);
        assert!(edge.covers(0) && edge.covers(u64::MAX));
    }

    #[test]
    fn public_inputs_are_the_quotes() {
        let q = eth_quote(&key(7));
        let c = Commitment(Fr::from(123_456_789u64));
        let want = PricedThresholdPublicInputs {
            commitment: c,
            threshold: 100_000,
            currency: USD,
            direction: ThresholdDirection::AtOrAbove,
            asset_id: word(ETH),
            price_num: 300_000,
            price_den: WEI_PER_ETH,
            valid_from: 1_763_510_400,
            valid_until: 1_763_510_700,
        };
        let got = q.public_inputs(c, 100_000, ThresholdDirection::AtOrAbove);
        assert_eq!(got, want);
        // And the circuit's parser reads them back unchanged.
        let parsed =
            PricedThresholdPublicInputs::from_field_elements(&got.to_field_elements()).unwrap();
        assert_eq!(parsed, want);
        let below = q.public_inputs(c, 100_000, ThresholdDirection::Below);
        assert_eq!(below.direction, ThresholdDirection::Below);
    }
}
