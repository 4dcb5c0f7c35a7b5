//! `zktr price`: a price publisher's key pair, signed price quotes
//! ([`SignedPriceQuote`], `zktr_records`), and reading one back.
//!
//! * `keygen --out FILE [--force]`: the publisher's Ed25519 key pair. It is made by the
//!   very code of `zktr sanctions keygen` (same files, same key id): a verifier's policy
//!   trusts price publishers by public key as it trusts list publishers, and one key
//!   file format serves both.
//! * `quote --key FILE --asset-id N --asset LABEL --currency C (--price DECIMAL
//!   --decimals D | --num N --den D) [--valid-from UNIX] [--valid-for SECONDS]
//!   --out FILE [--force]`: signs a quote, writes its JSON to `--out` and prints one
//!   line of summary on stderr.
//! * `show FILE [--publisher KEY.pub|HEX] [--decimals D]`: prints a quote; with
//!   `--publisher`, checks its signature and says `VERIFIED` (exit 0) or `FAILED` (exit
//!   1), as `zktr sanctions verify` and `zktr receipt verify` report verdicts. Errors
//!   (an unreadable or malformed file, a bad key, bad arguments) exit 2.
//!
//! # Exact decimal conversion
//!
//! A quote's price is a fraction, `price_num / price_den` minor fiat units per asset base
//! unit (cents per satoshi, cents per wei), because that is what the `priced_threshold`
//! circuit multiplies an amount by. People think in major units per whole asset unit
//! ("USD 64,250.17 per BTC"), so `--price` takes that and `--decimals` (8 for BTC, 18 for
//! ETH) says how many base units a whole unit has. The conversion never goes through
//! floating point, which cannot even hold 64250.17: the argument is parsed as a decimal
//! string into an integer `mantissa` and a `scale` (its count of fractional digits), and
//!
//! ```text
//! price_num / price_den = mantissa * 10^minor_digits / (10^scale * 10^decimals)
//! ```
//!
//! reduced to lowest terms. The denominator is a power of ten, so the gcd of the two is
//! `2^a * 5^b`; the reduction divides the factors of 2 and of 5 out of the numerator
//! (exactly the division by the gcd) and works on exponents, so that no intermediate
//! power of ten has to fit a machine integer. `--price 64250.17 --decimals 8` is
//! `6425017 / 10^8`; `--price 3000 --decimals 18` is `3 / 10^13`. A price whose reduced
//! numerator or denominator does not fit 64 bits (the record's and the circuit's width)
//! is refused with the two numbers, never rounded: a publisher who wants a rounded price
//! rounds the decimal it types. Zero, negative, signed, exponent or grouped forms
//! (`0`, `-1`, `+1`, `1e5`, `1,000`) are refused too. `--num N --den D` gives the
//! fraction directly instead; it is signed as given (a fraction the publisher wrote is
//! not rewritten).
//!
//! # Minor digits
//!
//! The record has no field for the currency's minor unit: slot 1 of a commitment and a
//! threshold are in minor units of the currency, whatever they are. `--minor-digits`
//! (default 2: cents for USD, EUR, GBP...) says how many minor units a major unit has,
//! per ISO 4217's exponent: 0 for JPY, 3 for KWD or BHD. It only enters the conversion
//! of `--price` (and the per-unit display of `show`); a wrong value scales the price by a
//! power of ten, so the summary line prints the resulting fraction for the publisher to
//! check.
//!
//! # Why `published_at` is now
//!
//! The window (`--valid-from`, `--valid-for`) is the publisher's statement and may lie
//! in the past (to price transfers already committed) or the future. `published_at` is
//! not a statement but the moment of signing, which a verifier may use to judge a quote's
//! age or to prefer the latest of two overlapping quotes; letting the caller choose it
//! would let a quote look older or newer than it is. So it is the clock at signing, and
//! there is no option for it.

use super::io::{now_unix, read_text, utc};
use super::sanctions::{SanctionsCommand, run as run_sanctions};
use crate::say;
use anyhow::{Context, anyhow, bail};
use ed25519_dalek::VerifyingKey;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zktr_circuits::field::{Word248, fr_parse, fr_to_decimal};
use zktr_records::{PriceQuote, SignedPriceQuote, publisher_key_id};
use zktr_sanctions::publisher::{read_signing_key, read_verifying_key};

/// Largest quote file `show` reads: the limit `SignedPriceQuote::from_json` applies
/// (64 KiB; a signed quote is under 1 KiB), so the file is bounded before it is parsed.
const MAX_QUOTE_FILE_BYTES: u64 = zktr_records::MAX_QUOTE_JSON_BYTES as u64;

/// Most significant digits `--price` takes (every 38-digit integer fits a `u128`).
const MAX_PRICE_DIGITS: usize = 38;

/// Fractional digits of the per-unit price `show` prints before cutting a decimal that
/// does not end (`--num 1 --den 3`).
const MAX_SHOWN_FRACTION_DIGITS: usize = 12;

/// `zktr price ...`
#[derive(Debug, clap::Subcommand)]
pub enum PriceCommand {
    /// Create a price publisher's Ed25519 key pair (secret in FILE, public in FILE.pub),
    /// exactly as `zktr sanctions keygen` does.
    Keygen {
        /// Where to write the secret key (a typed JSON key file, mode 0600); the public
        /// key goes to `<out>.pub`.
        #[arg(long)]
        out: PathBuf,
        /// Replace existing key files (by default keygen refuses to overwrite a key).
        #[arg(long)]
        force: bool,
    },
    /// Sign a price quote: one asset's price in one currency for a window of time.
    Quote(QuoteArgs),
    /// Print a signed quote; with --publisher, check its signature (exit 1 if it fails).
    Show(ShowArgs),
}

/// Arguments of `zktr price quote`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("price_given").required(true).args(["price", "num"])))]
pub struct QuoteArgs {
    /// The publisher's secret key file (see `zktr price keygen`).
    #[arg(long, value_name = "SECRET_KEY_FILE")]
    key: PathBuf,
    /// The asset id as committed: its SLIP-44 coin type (0 = BTC, 60 = ETH), decimal or
    /// 0x-hex, below 2^248.
    #[arg(long, value_name = "N")]
    asset_id: String,
    /// A short label of the asset (BTC, ETH; at most 16 bytes): informational, but signed.
    #[arg(long, value_name = "LABEL")]
    asset: String,
    /// ISO 4217 numeric code of the fiat currency (840 = USD, 978 = EUR).
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u16).range(0..=999))]
    currency: u16,
    /// The fiat price of ONE whole asset unit in major currency units, a plain decimal
    /// (`64250.17` USD per BTC); converted exactly to minor units per base unit.
    #[arg(long, value_name = "DECIMAL", requires = "decimals", value_parser = parse_price)]
    price: Option<DecimalPrice>,
    /// The asset's base-unit decimals (8 for BTC, 18 for ETH); needed with --price.
    #[arg(long, value_name = "D")]
    decimals: Option<u8>,
    /// Minor units of the currency per major unit, as a power of ten (ISO 4217's
    /// exponent: 2 for USD cents, 0 for JPY, 3 for KWD).
    #[arg(long, value_name = "M", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=4))]
    minor_digits: u8,
    /// Instead of --price: the price numerator, minor units per --den base units.
    #[arg(long, value_name = "N", requires = "den", value_parser = clap::value_parser!(u64).range(1..))]
    num: Option<u64>,
    /// With --num: the price denominator, in asset base units.
    #[arg(long, value_name = "D", requires = "num", value_parser = clap::value_parser!(u64).range(1..))]
    den: Option<u64>,
    /// First second of validity, unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    valid_from: Option<u64>,
    /// Length of the window in seconds: valid from --valid-from to --valid-from +
    /// SECONDS - 1, both included.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    valid_for: u64,
    /// Where to write the signed quote (JSON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing --out file (by default quote refuses to overwrite one).
    #[arg(long)]
    force: bool,
}

/// Arguments of `zktr price show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The signed quote (JSON, as `zktr price quote` writes it).
    file: PathBuf,
    /// Check the signature against this publisher: its public key file (the `.pub`
    /// keygen wrote) or its public key as 64 hex digits.
    #[arg(long, value_name = "PUBKEY_FILE_OR_HEX")]
    publisher: Option<String>,
    /// The asset's base-unit decimals: also print the price per whole unit.
    #[arg(long, value_name = "D")]
    decimals: Option<u8>,
    /// Minor units of the currency per major unit, as a power of ten (with --decimals).
    #[arg(long, value_name = "M", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=4))]
    minor_digits: u8,
}

/// Runs one `zktr price` command.
pub fn run(cmd: PriceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PriceCommand::Keygen { out, force } => {
            run_sanctions(SanctionsCommand::Keygen { out, force })
        }
        PriceCommand::Quote(args) => quote(args),
        PriceCommand::Show(args) => show(args),
    }
}

/// A positive decimal as typed: `mantissa * 10^-scale`, with `text` kept for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecimalPrice {
    text: String,
    mantissa: u128,
    scale: u64,
}

/// Parses `--price`: digits with at most one `.` between digits; no sign, exponent,
/// spaces or separators; greater than 0; at most `MAX_PRICE_DIGITS` significant digits.
fn parse_price(s: &str) -> Result<DecimalPrice, String> {
    if s.starts_with('-') {
        return Err("a price cannot be negative".into());
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits_only = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(int) || (s.contains('.') && !digits_only(frac)) {
        return Err(
            "not a plain decimal number such as 64250.17 (digits and at most one '.', \
             no sign, exponent, spaces or separators)"
                .into(),
        );
    }
    let frac = frac.trim_end_matches('0');
    let joined = format!("{int}{frac}");
    let significant = joined.trim_start_matches('0');
    if significant.is_empty() {
        return Err("the price must be greater than 0".into());
    }
    if significant.len() > MAX_PRICE_DIGITS {
        return Err(format!(
            "{} significant digits; a price has at most {MAX_PRICE_DIGITS}",
            significant.len()
        ));
    }
    let mantissa = significant
        .parse::<u128>()
        .map_err(|_| format!("{MAX_PRICE_DIGITS} digits do not fit"))?;
    let scale = u64::try_from(frac.len()).map_err(|_| "too many fractional digits")?;
    Ok(DecimalPrice {
        text: s.to_string(),
        mantissa,
        scale,
    })
}

/// `2^a * 5^b` as a number if it fits a `u128`, else in that form (for messages).
fn describe_2_5(a: u64, b: u64) -> String {
    pow_u128(2, a)
        .zip(pow_u128(5, b))
        .and_then(|(x, y)| x.checked_mul(y))
        .map_or_else(|| format!("2^{a} * 5^{b}"), |v| v.to_string())
}

fn pow_u128(base: u128, exp: u64) -> Option<u128> {
    base.checked_pow(u32::try_from(exp).ok()?)
}

/// `price` (major units per whole asset unit) as `price_num / price_den` minor units per
/// base unit, in lowest terms (see the module docs); an error names both numbers when
/// one does not fit 64 bits.
fn price_fraction(
    price: &DecimalPrice,
    decimals: u8,
    minor_digits: u8,
) -> Result<(u64, u64), String> {
    // value = mantissa * 10^exp, exp = minor - scale - decimals.
    let mut mantissa = price.mantissa;
    let mut exp = i128::from(minor_digits) - i128::from(price.scale) - i128::from(decimals);
    while mantissa != 0 && mantissa.is_multiple_of(10) {
        mantissa /= 10;
        exp += 1;
    }
    let context = || {
        format!(
            "--price {} with --decimals {decimals} and --minor-digits {minor_digits}",
            price.text
        )
    };
    if exp >= 0 {
        let num = u64::try_from(exp)
            .ok()
            .and_then(|e| pow_u128(10, e))
            .and_then(|p| mantissa.checked_mul(p))
            .and_then(|n| u64::try_from(n).ok());
        return num.map(|n| (n, 1)).ok_or_else(|| {
            format!(
                "{} is {mantissa} * 10^{exp} minor units per base unit: more than a quote's \
                 64-bit price numerator holds (at most {})",
                context(),
                u64::MAX
            )
        });
    }
    // den = 10^k = 2^k * 5^k; gcd(mantissa, den) = 2^twos * 5^fives.
    let k = u64::try_from(-exp).map_err(|_| format!("{}: out of range", context()))?;
    let twos = u64::from(mantissa.trailing_zeros()).min(k);
    mantissa >>= twos;
    let mut fives = 0;
    while fives < k && mantissa.is_multiple_of(5) {
        mantissa /= 5;
        fives += 1;
    }
    let (den_twos, den_fives) = (k - twos, k - fives);
    let den = pow_u128(2, den_twos)
        .zip(pow_u128(5, den_fives))
        .and_then(|(a, b)| a.checked_mul(b))
        .and_then(|d| u64::try_from(d).ok());
    let Some(den) = den else {
        return Err(format!(
            "{} is {mantissa} / {} minor units per base unit in lowest terms: the \
             denominator is more than a quote's 64 bits hold (at most {}); give fewer \
             fractional digits, or --num and --den",
            context(),
            describe_2_5(den_twos, den_fives),
            u64::MAX
        ));
    };
    let num = u64::try_from(mantissa).map_err(|_| {
        format!(
            "{} is {mantissa} / {den} minor units per base unit in lowest terms: the \
             numerator is more than a quote's 64 bits hold (at most {})",
            context(),
            u64::MAX
        )
    })?;
    Ok((num, den))
}

/// `num / den * 10^shift` as a decimal: exact if it ends within `max_frac` fractional
/// digits, else cut there and followed by `...`.
fn decimal_text(num: u64, den: u64, shift: i64, max_frac: usize) -> String {
    if den == 0 {
        return "undefined (denominator 0)".into();
    }
    let mut digits = (num / den).to_string();
    let int_len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let mut rem = u128::from(num % den);
    let den = u128::from(den);
    // Fractional digits of num / den needed for `max_frac` after the shift.
    let wanted = shift
        .saturating_add(i64::try_from(max_frac).unwrap_or(i64::MAX))
        .max(0);
    let mut produced = 0;
    while rem != 0 && produced < wanted {
        rem *= 10;
        // rem < den < 2^64, so each digit is 0..=9.
        digits.push(char::from(b'0' + u8::try_from(rem / den).unwrap_or(0)));
        rem %= den;
        produced += 1;
    }
    let mut cut = rem != 0;
    // The decimal point goes after `point` digits of `digits`.
    let point = int_len.saturating_add(shift);
    let (int, mut frac) = if point <= 0 {
        let zeros = usize::try_from(-point).unwrap_or(usize::MAX / 2);
        (String::from("0"), "0".repeat(zeros) + &digits)
    } else {
        let point = usize::try_from(point).unwrap_or(usize::MAX / 2);
        if point >= digits.len() {
            (
                digits.clone() + &"0".repeat(point - digits.len()),
                String::new(),
            )
        } else {
            (digits[..point].to_string(), digits[point..].to_string())
        }
    };
    if frac.len() > max_frac {
        cut |= frac[max_frac..].bytes().any(|b| b != b'0');
        frac.truncate(max_frac);
    }
    let int = match int.trim_start_matches('0') {
        "" => "0",
        t => t,
    };
    let frac = if cut {
        &frac[..]
    } else {
        frac.trim_end_matches('0')
    };
    let mut out = int.to_string();
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if cut {
        out.push_str("...");
    }
    out
}

/// The price per whole asset unit in major currency units, as text.
fn per_unit(num: u64, den: u64, decimals: u8, minor_digits: u8) -> String {
    decimal_text(
        num,
        den,
        i64::from(decimals) - i64::from(minor_digits),
        MAX_SHOWN_FRACTION_DIGITS,
    )
}

/// A string from a file, safe to print: control characters escaped, at most 80 chars.
fn printable(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(80) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if s.chars().nth(80).is_some() {
        out.push_str("...");
    }
    out
}

fn quote(args: QuoteArgs) -> anyhow::Result<ExitCode> {
    let asset_id = fr_parse(&args.asset_id)
        .map_err(anyhow::Error::new)
        .and_then(|fr| Word248::new(fr).map_err(anyhow::Error::new))
        .with_context(|| {
            format!(
                "--asset-id {}: expected a decimal or 0x-hex number below 2^248 \
                 (SLIP-44 coin type: 0 = BTC, 60 = ETH)",
                printable(&args.asset_id)
            )
        })?;
    if args.asset.is_empty() {
        bail!("--asset: the label is empty (BTC, ETH...)");
    }
    let (price_num, price_den) = match (&args.price, args.decimals, args.num, args.den) {
        (Some(price), Some(decimals), _, _) => {
            price_fraction(price, decimals, args.minor_digits).map_err(|e| anyhow!(e))?
        }
        (None, _, Some(num), Some(den)) => (num, den),
        _ => bail!("give --price and --decimals, or --num and --den"),
    };
    let key = read_signing_key(&args.key)?;
    let now = now_unix()?;
    let valid_from = args.valid_from.unwrap_or(now);
    let valid_until = valid_from.checked_add(args.valid_for - 1).ok_or_else(|| {
        anyhow!(
            "--valid-from {valid_from} + --valid-for {} is beyond the last unix second a \
             quote holds",
            args.valid_for
        )
    })?;
    let key_id = publisher_key_id(&key.verifying_key());
    let quote = PriceQuote {
        asset_id,
        currency: args.currency,
        asset: args.asset,
        price_num,
        price_den,
        valid_from,
        valid_until,
        published_at: now,
        publisher_key_id: key_id.clone(),
    };
    let signed = SignedPriceQuote::sign(quote, &key).context("cannot sign the quote")?;
    write_out(&args.out, &(signed.to_json() + "\n"), args.force)?;
    let q = &signed.quote;
    let price = match args.decimals {
        Some(d) => format!(
            "{} per whole unit (ISO 4217 {}) = {price_num}/{price_den} minor units per base unit",
            per_unit(price_num, price_den, d, args.minor_digits),
            q.currency
        ),
        None => format!(
            "{price_num}/{price_den} minor units of ISO 4217 {} per base unit",
            q.currency
        ),
    };
    // One line; a window already over (a quote for past transfers) is said in it.
    let ended = if valid_until < now {
        " (already ended)"
    } else {
        ""
    };
    eprintln!(
        "signed price quote: {} (asset id {}), {price}, valid {} ..= {}{ended}, publisher {key_id}, written to {}",
        printable(&q.asset),
        fr_to_decimal(&q.asset_id.to_fr()),
        utc(valid_from),
        utc(valid_until),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to `path`; an existing file is replaced only with `force`.
fn write_out(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(
                "{} exists; refusing to overwrite it (use --force to replace it)",
                path.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `--publisher`: 64 hex digits, or a public key file (the `.pub` keygen wrote).
fn publisher_key(arg: &str) -> anyhow::Result<VerifyingKey> {
    let t = arg.trim();
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return zktr_node::attest::parse_public_key(t).ok_or_else(|| {
            anyhow!("--publisher {t}: not a valid Ed25519 public key (64 hex digits)")
        });
    }
    Ok(read_verifying_key(Path::new(arg))?)
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let path = &args.file;
    let text = read_text(path, MAX_QUOTE_FILE_BYTES, "a signed price quote")?;
    let signed =
        SignedPriceQuote::from_json(&text).with_context(|| format!("{}", path.display()))?;
    let publisher = args.publisher.as_deref().map(publisher_key).transpose()?;
    let q = &signed.quote;
    say!("quote:      {}", path.display());
    say!(
        "asset:      {} (asset id {})",
        printable(&q.asset),
        fr_to_decimal(&q.asset_id.to_fr())
    );
    say!("currency:   ISO 4217 {}", q.currency);
    say!(
        "price:      {} / {} minor units per base unit",
        q.price_num,
        q.price_den
    );
    if let Some(d) = args.decimals {
        say!(
            "per unit:   {} (assuming {d} decimals, {} minor digits)",
            per_unit(q.price_num, q.price_den, d, args.minor_digits),
            args.minor_digits
        );
    }
    say!(
        "valid:      {} ..= {} (unix {} ..= {}, both included)",
        utc(q.valid_from),
        utc(q.valid_until),
        q.valid_from,
        q.valid_until
    );
    say!(
        "published:  {} (unix {})",
        utc(q.published_at),
        q.published_at
    );
    say!("publisher:  {}", printable(&q.publisher_key_id));
    let Some(publisher) = publisher else {
        say!("signature:  not checked (give --publisher to verify it)");
        return Ok(ExitCode::SUCCESS);
    };
    match signed.verify(&publisher) {
        Ok(()) => {
            say!(
                "VERIFIED: signed by the given publisher key {}",
                publisher_key_id(&publisher)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            say!("FAILED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fraction(price: &str, decimals: u8, minor: u8) -> Result<(u64, u64), String> {
        price_fraction(&parse_price(price)?, decimals, minor)
    }

    fn gcd(mut a: u64, mut b: u64) -> u64 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }

    #[test]
    fn exact_conversions_in_lowest_terms() {
        assert_eq!(fraction("64250.17", 8, 2), Ok((6_425_017, 100_000_000)));
        assert_eq!(fraction("64250.170", 8, 2), Ok((6_425_017, 100_000_000)));
        assert_eq!(fraction("3000", 18, 2), Ok((3, 10u64.pow(13))));
        assert_eq!(fraction("3000.00", 18, 2), Ok((3, 10u64.pow(13))));
        assert_eq!(fraction("3000.5", 18, 2), Ok((6001, 2 * 10u64.pow(16))));
        assert_eq!(fraction("0.5", 0, 2), Ok((50, 1)));
        assert_eq!(fraction("0.125", 0, 0), Ok((1, 8)));
        assert_eq!(fraction("1", 0, 2), Ok((100, 1)));
        assert_eq!(fraction("150", 0, 0), Ok((150, 1)));
        assert_eq!(fraction("007.50", 2, 2), Ok((15, 2)));
        // JPY (no minor unit) and KWD (three).
        assert_eq!(fraction("9800000", 8, 0), Ok((49, 500)));
        assert_eq!(fraction("19750.125", 8, 3), Ok((158_001, 800_000)));
        for (p, d, m) in [("64250.17", 8, 2), ("3000.5", 18, 2), ("0.000123", 6, 4)] {
            let (n, den) = fraction(p, d, m).unwrap();
            assert_eq!(gcd(n, den), 1, "{p}");
        }
    }

    #[test]
    fn out_of_range_prices_are_refused_with_both_numbers() {
        // 30000001 / 10^20 cents per wei: the denominator needs 67 bits.
        let e = fraction("3000.0001", 18, 2).unwrap_err();
        assert!(e.contains("30000001 / 100000000000000000000"), "{e}");
        assert!(e.contains("denominator"), "{e}");
        let e = fraction("1", 200, 2).unwrap_err();
        assert!(e.contains("2^198 * 5^198"), "{e}");
        let e = fraction("100000000000000000000", 0, 2).unwrap_err();
        assert!(e.contains("numerator"), "{e}");
        let e = fraction(&"9".repeat(38), 0, 0).unwrap_err();
        assert!(e.contains("numerator"), "{e}");
        // The largest that fits.
        assert_eq!(fraction(&u64::MAX.to_string(), 0, 0), Ok((u64::MAX, 1)));
        assert_eq!(fraction("1", 19, 0), Ok((1, 10u64.pow(19))));
        assert!(fraction("1", 20, 0).is_err());
    }

    #[test]
    fn malformed_prices_are_refused() {
        for bad in [
            "", ".", "1.", ".5", "-1", "-0.5", "+1", "1e5", "1E5", "1,000", "1_000", " 1", "1 ",
            "1.2.3", "0x10", "NaN", "inf", "١", "0", "0.000", "00",
        ] {
            assert!(parse_price(bad).is_err(), "{bad:?}");
        }
        let e = parse_price(&"1".repeat(39)).unwrap_err();
        assert!(e.contains("39 significant digits"), "{e}");
        // Leading and trailing zeros are no significant digits.
        let long = format!("000{}.{}000", "1".repeat(20), "2".repeat(18));
        assert_eq!(parse_price(&long).unwrap().scale, 18);
        assert!(parse_price("-1").unwrap_err().contains("negative"));
        assert!(parse_price("0").unwrap_err().contains("greater than 0"));
    }

    #[test]
    fn per_unit_text_round_trips_and_marks_endless_decimals() {
        assert_eq!(per_unit(6_425_017, 100_000_000, 8, 2), "64250.17");
        assert_eq!(per_unit(3, 10u64.pow(13), 18, 2), "3000");
        assert_eq!(per_unit(6001, 2 * 10u64.pow(16), 18, 2), "3000.5");
        assert_eq!(per_unit(15, 2, 2, 2), "7.5");
        assert_eq!(per_unit(1, 8, 0, 0), "0.125");
        assert_eq!(per_unit(50, 1, 0, 2), "0.5");
        assert_eq!(per_unit(1, 3, 0, 2), "0.003333333333...");
        assert_eq!(per_unit(1, 3, 2, 2), "0.333333333333...");
        assert_eq!(per_unit(2, 3, 8, 2), "666666.666666666666...");
        assert_eq!(
            per_unit(u64::MAX, 1, 30, 0),
            format!("{}{}", u64::MAX, "0".repeat(30))
        );
        assert_eq!(per_unit(7, 1, 0, 4), "0.0007");
        for (p, d, m) in [("64250.17", 8, 2), ("0.000123", 6, 4), ("19750.125", 8, 3)] {
            let (n, den) = fraction(p, d, m).unwrap();
            assert_eq!(per_unit(n, den, d, m), p);
        }
    }

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(printable("ETH"), "ETH");
        assert_eq!(printable("E\u{1b}[31mH"), "E\\u{1b}[31mH");
        assert_eq!(printable(&"x".repeat(81)), format!("{}...", "x".repeat(80)));
    }
}
