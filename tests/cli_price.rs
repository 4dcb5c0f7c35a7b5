//! `zktr price` end to end with the real binary: keygen, quote, show --publisher
//! (VERIFIED, exit 0); a tampered quote and a wrong publisher (FAILED, exit 1); the exact
//! decimal conversion (`64250.17` USD per BTC is 6425017 cents per 10^8 sat); malformed
//! and out-of-range prices, bad files and refused overwrites (exit 2 with a message).

mod common;

use common::{ok, zktr};
use std::path::Path;
use std::process::Output;
use zktr_records::SignedPriceQuote;

const SAT_PER_BTC: u128 = 100_000_000;
const WEI_PER_ETH: u128 = 1_000_000_000_000_000_000;
/// 2025-11-19T00:00:00Z.
const FROM: u64 = 1_763_510_400;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn load(path: &Path) -> SignedPriceQuote {
    SignedPriceQuote::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `zktr price quote` for BTC in USD at `price`, valid for 300 s from `FROM`.
fn btc_quote(key: &Path, out: &Path, price: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "price",
        "quote",
        "--key",
        s(key),
        "--asset-id",
        "0",
        "--asset",
        "BTC",
        "--currency",
        "840",
        "--price",
        price,
        "--decimals",
        "8",
        "--valid-from",
        "1763510400",
        "--valid-for",
        "300",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    zktr(&args)
}

fn keygen(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = dir.join(name);
    let out = ok(&["price", "keygen", "--out", s(&key)]);
    assert!(out.contains("key id:     ed25519:"), "{out}");
    let public = dir.join(format!("{name}.pub"));
    assert!(public.exists());
    (key, public)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn keygen_quote_show_verified_and_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "prices.key");
    let quote = dir.path().join("btc.json");
    let before = now();
    let o = btc_quote(&key, &quote, "64250.17", &[]);
    let after = now();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // One line of summary on stderr, nothing on stdout.
    let summary = stderr(&o);
    assert_eq!(summary.trim_end().lines().count(), 1, "{summary}");
    assert!(stdout(&o).is_empty(), "{o:?}");
    let signed = load(&quote);
    let q = &signed.quote;
    for part in [
        "BTC",
        "64250.17 per whole unit",
        "6425017/100000000",
        "2025-11-19T00:00:00Z ..= 2025-11-19T00:04:59Z (already ended)",
        &q.publisher_key_id,
    ] {
        assert!(summary.contains(part), "{part} missing in {summary}");
    }

    // Exact: 6425017 cents per 10^8 sat, in lowest terms; 1 BTC is 6425017 cents.
    assert_eq!((q.price_num, q.price_den), (6_425_017, 100_000_000));
    assert_eq!(q.fiat_value(SAT_PER_BTC), Some(6_425_017));
    assert_eq!(q.fiat_value(SAT_PER_BTC / 2), Some(3_212_508));
    assert_eq!(q.currency, 840);
    assert_eq!(q.asset, "BTC");
    assert_eq!(
        zktr_circuits::field::fr_to_decimal(&q.asset_id.to_fr()),
        "0"
    );
    // --valid-for 300: 300 seconds, both ends included.
    assert_eq!((q.valid_from, q.valid_until), (FROM, FROM + 299));
    assert!(before <= q.published_at && q.published_at <= after);
    // The key id is the .pub key's, and the library agrees the signature is good.
    let vk = zktr_sanctions::publisher::read_verifying_key(&public).unwrap();
    assert_eq!(q.publisher_key_id, zktr_records::publisher_key_id(&vk));
    signed.verify(&vk).unwrap();

    let o = zktr(&[
        "price",
        "show",
        s(&quote),
        "--publisher",
        s(&public),
        "--decimals",
        "8",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    for part in [
        "asset:      BTC (asset id 0)",
        "currency:   ISO 4217 840",
        "price:      6425017 / 100000000 minor units per base unit",
        "per unit:   64250.17",
        "valid:      2025-11-19T00:00:00Z ..= 2025-11-19T00:04:59Z",
        "published:  ",
        &format!("publisher:  {}", q.publisher_key_id),
    ] {
        assert!(out.contains(part), "{part} missing in\n{out}");
    }
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("VERIFIED: signed by the given publisher key ed25519:"),
        "{out}"
    );

    // The public key as 64 hex digits (as a policy holds it) works the same.
    let pub_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&public).unwrap()).unwrap();
    let hex_key = pub_json["public_key"].as_str().unwrap();
    let o = zktr(&["price", "show", s(&quote), "--publisher", hex_key]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("VERIFIED"), "{o:?}");

    // Without --publisher: printed, not verified, not a failure.
    let o = zktr(&["price", "show", s(&quote)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("signature:  not checked"), "{o:?}");
    assert!(!stdout(&o).contains("VERIFIED"), "{o:?}");
    assert!(!stdout(&o).contains("per unit"), "{o:?}");
}

#[test]
fn eth_and_explicit_fractions() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "prices.key");
    // USD 3,000.00 per ETH: 300000 cents per 10^18 wei, in lowest terms 3 / 10^13.
    let eth = dir.path().join("eth.json");
    let o = zktr(&[
        "price",
        "quote",
        "--key",
        s(&key),
        "--asset-id",
        "60",
        "--asset",
        "ETH",
        "--currency",
        "840",
        "--price",
        "3000.00",
        "--decimals",
        "18",
        "--out",
        s(&eth),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let q = load(&eth).quote;
    assert_eq!((q.price_num, q.price_den), (3, 10_000_000_000_000));
    assert_eq!(q.fiat_value(WEI_PER_ETH), Some(300_000));
    assert_eq!(
        zktr_circuits::field::fr_to_decimal(&q.asset_id.to_fr()),
        "60"
    );
    // Default window: an hour from now.
    assert_eq!(q.valid_until - q.valid_from, 3599);
    assert_eq!(q.valid_from, q.published_at);
    let o = zktr(&[
        "price",
        "show",
        s(&eth),
        "--publisher",
        s(&public),
        "--decimals",
        "18",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("per unit:   3000 "), "{}", stdout(&o));

    // JPY has no minor unit: ¥9,800,000 per BTC is 49 / 500 yen per sat.
    let jpy = dir.path().join("jpy.json");
    let o = btc_quote(&key, &jpy, "9800000", &["--minor-digits", "0"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let q = load(&jpy).quote;
    assert_eq!((q.price_num, q.price_den), (49, 500));
    assert_eq!(q.fiat_value(SAT_PER_BTC), Some(9_800_000));

    // --num/--den: signed as given, not reduced.
    let raw = dir.path().join("raw.json");
    let o = zktr(&[
        "price",
        "quote",
        "--key",
        s(&key),
        "--asset-id",
        "0x3c",
        "--asset",
        "ETH",
        "--currency",
        "978",
        "--num",
        "600000",
        "--den",
        "2000000000000000000",
        "--out",
        s(&raw),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        stderr(&o).contains("600000/2000000000000000000 minor units of ISO 4217 978"),
        "{o:?}"
    );
    let q = load(&raw).quote;
    assert_eq!(
        (q.price_num, q.price_den),
        (600_000, 2_000_000_000_000_000_000)
    );
    assert_eq!(q.currency, 978);
    assert_eq!(
        zktr_circuits::field::fr_to_decimal(&q.asset_id.to_fr()),
        "60"
    );
    let o = zktr(&["price", "show", s(&raw), "--publisher", s(&public)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");

    // --price and --num are one or the other; --num needs --den; one is needed.
    let mut base = vec![
        "price",
        "quote",
        "--key",
        s(&key),
        "--asset-id",
        "0",
        "--asset",
        "BTC",
        "--currency",
        "840",
        "--out",
    ];
    let other = dir.path().join("other.json");
    base.push(s(&other));
    for extra in [
        &[
            "--price",
            "1",
            "--decimals",
            "8",
            "--num",
            "1",
            "--den",
            "1",
        ][..],
        &["--num", "1"][..],
        &["--den", "1"][..],
        &["--price", "1"][..],
        &[][..],
        &["--num", "0", "--den", "1"][..],
        &["--num", "1", "--den", "0"][..],
    ] {
        let mut args = base.clone();
        args.extend_from_slice(extra);
        let o = zktr(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {o:?}");
        assert!(stderr(&o).contains("error"), "{extra:?}: {o:?}");
        assert!(!other.exists(), "{extra:?}");
    }
}

#[test]
fn tampered_quote_and_wrong_publisher_fail_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "prices.key");
    let (_, other_public) = keygen(dir.path(), "other.key");
    let quote = dir.path().join("btc.json");
    let o = btc_quote(&key, &quote, "64250.17", &[]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let good = std::fs::read_to_string(&quote).unwrap();

    // A cheaper price under the same signature.
    let tampered = dir.path().join("tampered.json");
    let edited = good.replace("\"price_num\": 6425017", "\"price_num\": 6425016");
    assert_ne!(edited, good);
    std::fs::write(&tampered, edited).unwrap();
    let o = zktr(&["price", "show", s(&tampered), "--publisher", s(&public)]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(out.lines().last().unwrap().starts_with("FAILED: "), "{out}");
    assert!(out.contains("signature"), "{out}");
    assert!(!out.contains("VERIFIED"), "{out}");
    // It is shown as it reads, for a person to see what was tampered with.
    assert!(out.contains("6425016 / 100000000"), "{out}");

    // The right quote under another publisher's key.
    let o = zktr(&["price", "show", s(&quote), "--publisher", s(&other_public)]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("FAILED: "), "{o:?}");
    assert!(stdout(&o).contains("publisher key"), "{o:?}");

    // A quote that claims the other key's id: refused by the signature.
    let other_id = {
        let vk = zktr_sanctions::publisher::read_verifying_key(&other_public).unwrap();
        zktr_records::publisher_key_id(&vk)
    };
    let own_id = load(&quote).quote.publisher_key_id;
    let claims = dir.path().join("claims.json");
    std::fs::write(&claims, good.replace(&own_id, &other_id)).unwrap();
    let o = zktr(&["price", "show", s(&claims), "--publisher", s(&other_public)]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("FAILED: "), "{o:?}");
}

#[test]
fn bad_prices_exit_2_with_a_message_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "prices.key");
    let out = dir.path().join("q.json");
    let cases = [
        // Exact, but 6425017123456789123 / 10^20 cents per sat: no 64-bit denominator.
        ("64250.17123456789123", "denominator"),
        // 10^26 USD per BTC is 10^20 cents per sat: no 64-bit numerator.
        ("100000000000000000000000000", "numerator"),
        (
            "123456789012345678901234567890123456789",
            "significant digits",
        ),
        ("-64250.17", "negative"),
        ("-1", "negative"),
        ("abc", "not a plain decimal number"),
        ("1e5", "not a plain decimal number"),
        ("64,250.17", "not a plain decimal number"),
        ("64250.1.7", "not a plain decimal number"),
        (" 1", "not a plain decimal number"),
        ("0.00", "greater than 0"),
    ];
    for (price, message) in cases {
        // `--price=VALUE`, so that a leading '-' reaches the parser.
        let arg = format!("--price={price}");
        let o = zktr(&[
            "price",
            "quote",
            "--key",
            s(&key),
            "--asset-id",
            "0",
            "--asset",
            "BTC",
            "--currency",
            "840",
            &arg,
            "--decimals",
            "8",
            "--out",
            s(&out),
        ]);
        assert_eq!(o.status.code(), Some(2), "{price:?}: {o:?}");
        assert!(
            stderr(&o).contains(message),
            "{price:?}: {message:?} missing in {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{price:?}: {o:?}");
        assert!(!out.exists(), "{price:?}");
    }
    // The fraction that does not fit is named exactly.
    let o = btc_quote(&key, &out, "64250.17123456789123", &[]);
    assert!(
        stderr(&o).contains("6425017123456789123 / 100000000000000000000"),
        "{}",
        stderr(&o)
    );

    // Other bad arguments: asset id, label, currency, window, key.
    let two_248 = format!("0x01{}", "00".repeat(31));
    let long_label = "BTC".repeat(6);
    for (asset_id, asset, currency, message) in [
        ("abc", "BTC", "840", "--asset-id"),
        (two_248.as_str(), "BTC", "840", "--asset-id"),
        ("0", &long_label[..17], "840", "label"),
        ("0", "", "840", "--asset"),
        ("0", "BTC", "1000", "--currency"),
    ] {
        let o = zktr(&[
            "price",
            "quote",
            "--key",
            s(&key),
            "--asset-id",
            asset_id,
            "--asset",
            asset,
            "--currency",
            currency,
            "--price",
            "1",
            "--decimals",
            "8",
            "--out",
            s(&out),
        ]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{asset_id} {asset} {currency}: {o:?}"
        );
        assert!(stderr(&o).contains(message), "{message}: {o:?}");
        assert!(!out.exists(), "{asset_id} {asset} {currency}");
    }
    let pub_key = dir.path().join("prices.key.pub");
    let o = btc_quote(&key, &out, "1", &["--valid-for", "0"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = btc_quote(&pub_key, &out, "1", &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("is a public key"), "{o:?}");
    assert!(!out.exists());
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "prices.key");
    let key_before = std::fs::read(&key).unwrap();
    // keygen, as sanctions keygen: an existing key is kept unless --force.
    let o = zktr(&["price", "keygen", "--out", s(&key)]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("refusing to overwrite"), "{o:?}");
    assert_eq!(std::fs::read(&key).unwrap(), key_before);

    let quote = dir.path().join("btc.json");
    let o = btc_quote(&key, &quote, "64250.17", &[]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let first = std::fs::read_to_string(&quote).unwrap();
    let o = btc_quote(&key, &quote, "60000", &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("refusing to overwrite"), "{o:?}");
    assert!(stderr(&o).contains("--force"), "{o:?}");
    assert_eq!(std::fs::read_to_string(&quote).unwrap(), first);
    let o = btc_quote(&key, &quote, "60000", &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let q = load(&quote).quote;
    assert_eq!(q.fiat_value(SAT_PER_BTC), Some(6_000_000));
    assert_eq!((q.price_num, q.price_den), (3, 50));
    let o = zktr(&["price", "show", s(&quote), "--publisher", s(&public)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");

    // keygen --force replaces the pair; the old quote no longer verifies under it.
    let o = zktr(&["price", "keygen", "--out", s(&key), "--force"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_ne!(std::fs::read(&key).unwrap(), key_before);
    let o = zktr(&["price", "show", s(&quote), "--publisher", s(&public)]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
}

#[test]
fn unreadable_quotes_and_keys_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "prices.key");
    let quote = dir.path().join("btc.json");
    assert_eq!(btc_quote(&key, &quote, "1", &[]).status.code(), Some(0));
    let good = std::fs::read_to_string(&quote).unwrap();

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "not json").unwrap();
    let unsigned_field = dir.path().join("extra.json");
    std::fs::write(
        &unsigned_field,
        good.replace("\"asset\"", "\"note\": \"x\", \"asset\""),
    )
    .unwrap();
    let invalid = dir.path().join("invalid.json");
    let mut zero_den: serde_json::Value = serde_json::from_str(&good).unwrap();
    zero_den["quote"]["price_den"] = 0.into();
    std::fs::write(&invalid, zero_den.to_string()).unwrap();
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, format!("{good}{}", " ".repeat(70_000))).unwrap();
    let missing = dir.path().join("missing.json");
    for (file, message) in [
        (&garbage, "malformed"),
        (&unsigned_field, "malformed"),
        (&invalid, "denominator is 0"),
        (&huge, "limit"),
        (&missing, "cannot read"),
    ] {
        let o = zktr(&["price", "show", s(file), "--publisher", s(&public)]);
        assert_eq!(o.status.code(), Some(2), "{file:?}: {o:?}");
        assert!(stderr(&o).contains(message), "{file:?}: {o:?}");
        assert!(!stdout(&o).contains("VERIFIED"), "{file:?}: {o:?}");
    }
    // A bad --publisher is an error, not a verdict.
    let short_hex = "00".repeat(31);
    let not_hex = "zz".repeat(32);
    // The secret key file; 62 hex digits (no such file); 64 non-hex characters.
    for publisher in [s(&key), short_hex.as_str(), not_hex.as_str()] {
        let o = zktr(&["price", "show", s(&quote), "--publisher", publisher]);
        assert_eq!(o.status.code(), Some(2), "{publisher}: {o:?}");
        assert!(stderr(&o).contains("error"), "{publisher}: {o:?}");
    }
}
