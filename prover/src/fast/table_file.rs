//! The fixed-base tables file (`<circuit>.tables` beside the proving key): [`Tables`]
//! written once (`zktr setup --tables`, `zktr tables`) and read with the keys, so a
//! prover starts with its tables in well under a second instead of rebuilding them
//! (13-15 s of CPU for the four circuits).
//!
//! ```text
//! offset 0   magic  b"ZKTRFBT1"  (zktr fixed-base tables, format 1)
//!        8   SHA-256 of the proving-key file the tables were built from (32 bytes)
//!       40   five sections, in this order: A, B in G1, B in G2, L, H; each is
//!              c: u32 LE        window bits the copies are for
//!              windows: u32 LE  ceil(254 / c)
//!              n: u64 LE        bases (the key's query length)
//!              windows * n points, window after window: x then y, each coordinate
//!              as the 64-bit little-endian limbs of its Montgomery form (Fq: 4 limbs,
//!              Fq2: c0 then c1), 64 bytes in G1, 128 in G2; the identity is all zeros
//!              ((0, 0) is on neither curve)
//! ```
//!
//! Why raw Montgomery limbs: arkworks' canonical decoding took about 170 ns per G1 point
//! here (a Montgomery multiplication per coordinate and the reader's overhead), over a
//! second for the 6 million points of every circuit, against the "keys and tables load in
//! under 1 s" target; copying limbs costs a few nanoseconds. The form is arkworks'
//! internal one (`Fp`'s `BigInt`, through `Fp::new_unchecked` and the field itself), so
//! a file read by a build whose representation differed would decode to other points:
//! the first-copy check below refuses it rather than proving with it.
//!
//! # What reading checks
//!
//! The manifest's entry ([`TablesFile`]) pins the file's size and SHA-256 and the
//! proving-key file it was built from. Reading refuses, naming the file:
//! * a size or hash other than the manifest's (a changed or truncated file);
//! * a key hash, in the manifest or the header, other than the loaded proving key's;
//! * sections whose shape is not the one this build computes for the key (window bits,
//!   window count, number of bases), which also bounds what is allocated by the key;
//! * a first copy (window 0) that is not exactly the key's bases;
//! * on a sample of 8 bases per section, copies in the second and the last window that
//!   are not the right multiples of the base (tables written wrong).
//!
//! The points are decoded without the on-curve check, like the proving key itself (a
//! trusted local file pinned by its hash; see `zktr_records::manifest`); every coordinate
//! is still checked to be a reduced field element. The file is read in one pass (hashing as it goes)
//! and nothing is installed until every check has passed.

use super::Tables;
use super::msm::{ShiftedBases, table_window_bits};
use ark_bn254::{Bn254, Fq, Fq2};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInt, PrimeField, Zero};
use ark_groth16::ProvingKey;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use zktr_records::manifest::{ParamsError, TablesFile};

/// The file's first eight bytes.
pub const MAGIC: &[u8; 8] = b"ZKTRFBT1";
/// Points encoded or decoded per parallel batch.
const BATCH_POINTS: usize = 1 << 15;

/// Writes `tables` (built for the proving-key file whose SHA-256 is `pk_sha256`) to
/// `path` through a temporary file renamed into place, so a crash leaves either no file
/// or a whole one. Returns the manifest entry.
pub fn write(tables: &Tables, pk_sha256: &str, path: &Path) -> Result<TablesFile, ParamsError> {
    let key_hash = decode_hash(pk_sha256).ok_or_else(|| ParamsError::Tables {
        path: path.to_owned(),
        reason: format!("{pk_sha256:?} is not a SHA-256"),
    })?;
    let io = |source| ParamsError::Io {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("tables.partial");
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut out = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        hash: Sha256::new(),
        bytes: 0,
    };
    out.write_all(MAGIC).map_err(io)?;
    out.write_all(&key_hash).map_err(io)?;
    write_section(&mut out, &tables.a).map_err(io)?;
    write_section(&mut out, &tables.b_g1).map_err(io)?;
    write_section(&mut out, &tables.b_g2).map_err(io)?;
    write_section(&mut out, &tables.l).map_err(io)?;
    write_section(&mut out, &tables.h).map_err(io)?;
    let HashingWriter { inner, hash, bytes } = out;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(TablesFile {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: hex::encode(hash.finalize()),
        bytes,
        proving_key_sha256: pk_sha256.to_ascii_lowercase(),
    })
}

/// Reads the tables of `entry` from `dir` for the proving key `pk`, whose file has
/// SHA-256 `pk_sha256` (the manifest's, already checked against the key file), with
/// every check in the module docs. Memory: the tables themselves plus one batch.
pub fn read(
    dir: &Path,
    entry: &TablesFile,
    pk: &ProvingKey<Bn254>,
    pk_sha256: &str,
) -> Result<Tables, ParamsError> {
    let path = dir.join(&entry.file);
    let refuse = |reason: String| ParamsError::Tables {
        path: path.clone(),
        reason,
    };
    let io = |source| ParamsError::Io {
        path: path.clone(),
        source,
    };
    if !entry
        .proving_key_sha256
        .eq_ignore_ascii_case(pk_sha256.trim())
    {
        return Err(refuse(format!(
            "the manifest says they were built for proving key {}, the loaded key is {pk_sha256}",
            entry.proving_key_sha256
        )));
    }
    let file = std::fs::File::open(&path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size != entry.bytes {
        return Err(refuse(format!(
            "{size} bytes, the manifest says {}; rebuild them with `zktr tables`",
            entry.bytes
        )));
    }
    let mut input = HashingReader {
        inner: BufReader::with_capacity(1 << 20, file.take(entry.bytes)),
        hash: Sha256::new(),
    };
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(io)?;
    if &magic != MAGIC {
        return Err(refuse("not a zktr tables file (wrong magic bytes)".into()));
    }
    let mut key_hash = [0u8; 32];
    input.read_exact(&mut key_hash).map_err(io)?;
    if Some(key_hash) != decode_hash(pk_sha256) {
        return Err(refuse(format!(
            "built for proving key {}, the loaded key is {pk_sha256}",
            hex::encode(key_hash)
        )));
    }
    let z_bits = table_window_bits(pk.a_query.len());
    let h_bits = table_window_bits(pk.h_query.len());
    let at = |e: SectionError| e.into_params(&path);
    let a = read_section(&mut input, "A", &pk.a_query, z_bits).map_err(at)?;
    let b_g1 = read_section(&mut input, "B in G1", &pk.b_g1_query, z_bits).map_err(at)?;
    let b_g2 = read_section(&mut input, "B in G2", &pk.b_g2_query, z_bits).map_err(at)?;
    let l = read_section(&mut input, "L", &pk.l_query, z_bits).map_err(at)?;
    let h = read_section(&mut input, "H", &pk.h_query, h_bits).map_err(at)?;
    let mut rest = [0u8; 1];
    if input.read(&mut rest).map_err(io)? != 0 {
        return Err(refuse("bytes after the last section".into()));
    }
    let actual = hex::encode(input.hash.finalize());
    if !actual.eq_ignore_ascii_case(&entry.sha256) {
        return Err(ParamsError::HashMismatch {
            path,
            expected: entry.sha256.clone(),
            actual,
        });
    }
    Ok(Tables {
        z_bits,
        h_bits,
        a,
        b_g1,
        b_g2,
        l,
        h,
    })
}

/// Why a section cannot be read.
enum SectionError {
    Io(std::io::Error),
    Refused(String),
}

impl SectionError {
    fn into_params(self, path: &Path) -> ParamsError {
        match self {
            SectionError::Io(source) => ParamsError::Io {
                path: path.to_owned(),
                source,
            },
            SectionError::Refused(reason) => ParamsError::Tables {
                path: path.to_owned(),
                reason,
            },
        }
    }
}

impl From<std::io::Error> for SectionError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            SectionError::Refused("the file ends inside a section (truncated)".into())
        } else {
            SectionError::Io(e)
        }
    }
}

/// A base field whose elements are written as the limbs of their Montgomery form.
trait RawCoordinate: Sized {
    /// Bytes per element.
    const BYTES: usize;
    /// Writes the limbs into `out` (`BYTES` long).
    fn put(&self, out: &mut [u8]);
    /// Reads an element; `None` if a limb group is not below the modulus.
    fn get(bytes: &[u8]) -> Option<Self>;
}

impl RawCoordinate for Fq {
    const BYTES: usize = 32;
    fn put(&self, out: &mut [u8]) {
        for (chunk, limb) in out.chunks_exact_mut(8).zip(self.0.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            *limb = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        let raw = BigInt(limbs);
        (raw < Fq::MODULUS).then(|| Fq::new_unchecked(raw))
    }
}

impl RawCoordinate for Fq2 {
    const BYTES: usize = 64;
    fn put(&self, out: &mut [u8]) {
        self.c0.put(&mut out[..32]);
        self.c1.put(&mut out[32..]);
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        Some(Fq2::new(Fq::get(&bytes[..32])?, Fq::get(&bytes[32..64])?))
    }
}

fn put_point<P: SWCurveConfig>(p: &Affine<P>, out: &mut [u8])
where
    P::BaseField: RawCoordinate,
{
    let half = P::BaseField::BYTES;
    match p.xy() {
        Some((x, y)) => {
            x.put(&mut out[..half]);
            y.put(&mut out[half..2 * half]);
        }
        None => out[..2 * half].fill(0),
    }
}

fn get_point<P: SWCurveConfig>(bytes: &[u8]) -> Option<Affine<P>>
where
    P::BaseField: RawCoordinate,
{
    let half = P::BaseField::BYTES;
    let x = P::BaseField::get(&bytes[..half])?;
    let y = P::BaseField::get(&bytes[half..2 * half])?;
    Some(if x.is_zero() && y.is_zero() {
        Affine::identity()
    } else {
        Affine::new_unchecked(x, y)
    })
}

fn write_section<P: SWCurveConfig, W: Write>(
    out: &mut W,
    table: &ShiftedBases<P>,
) -> std::io::Result<()>
where
    P::BaseField: RawCoordinate,
{
    let too_big = || std::io::Error::other("table shape does not fit the file format");
    out.write_all(
        &u32::try_from(table.window_bits())
            .map_err(|_| too_big())?
            .to_le_bytes(),
    )?;
    out.write_all(
        &u32::try_from(table.windows())
            .map_err(|_| too_big())?
            .to_le_bytes(),
    )?;
    out.write_all(&(table.bases().len() as u64).to_le_bytes())?;
    let size = 2 * P::BaseField::BYTES;
    let mut bytes = vec![0u8; BATCH_POINTS * size];
    for batch in table.points().chunks(BATCH_POINTS) {
        let buf = &mut bytes[..batch.len() * size];
        buf.par_chunks_mut(size)
            .zip(batch.par_iter())
            .for_each(|(buf, p)| put_point(p, buf));
        out.write_all(buf)?;
    }
    Ok(())
}

fn read_section<P: SWCurveConfig>(
    input: &mut impl Read,
    name: &'static str,
    bases: &[Affine<P>],
    c: usize,
) -> Result<ShiftedBases<P>, SectionError>
where
    P::BaseField: RawCoordinate,
{
    let mut header = [0u8; 16];
    input.read_exact(&mut header)?;
    let word =
        |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let (file_c, file_windows) = (word(0) as usize, word(4) as usize);
    let mut n_bytes = [0u8; 8];
    n_bytes.copy_from_slice(&header[8..]);
    let file_n = u64::from_le_bytes(n_bytes);
    let windows = 254usize.div_ceil(c);
    if file_c != c || file_windows != windows || file_n != bases.len() as u64 {
        return Err(SectionError::Refused(format!(
            "section {name} is {file_windows} copies of {file_n} bases for {file_c}-bit windows; \
             this build uses {windows} copies of the key's {} bases for {c}-bit windows \
             (tables of another key or another build: rebuild them with `zktr tables`)",
            bases.len()
        )));
    }
    let n = bases.len();
    let total = windows * n;
    let size = 2 * P::BaseField::BYTES;
    let mut points = Vec::with_capacity(total);
    let mut bytes = vec![0u8; BATCH_POINTS.min(total.max(1)) * size];
    while points.len() < total {
        let count = BATCH_POINTS.min(total - points.len());
        let buf = &mut bytes[..count * size];
        input.read_exact(buf)?;
        let start = points.len();
        points.resize(start + count, Affine::identity());
        let decoded = points[start..]
            .par_chunks_mut(4096)
            .zip(buf.par_chunks(4096 * size))
            .all(|(out, bytes)| {
                out.iter_mut()
                    .zip(bytes.chunks_exact(size))
                    .all(|(p, b)| get_point(b).map(|q| *p = q).is_some())
            });
        if !decoded {
            return Err(SectionError::Refused(format!(
                "section {name}: a coordinate is not a reduced field element"
            )));
        }
    }
    if points[..n] != *bases {
        return Err(SectionError::Refused(format!(
            "section {name}'s first copy is not the proving key's bases (tables of another key)"
        )));
    }
    // Spot check that the copies are the bases' multiples: a few bases (spread over the
    // key) in the second and the last window, by doubling (about 2,000 doublings per
    // section). The hash pins the file; this catches tables that were written wrong.
    let samples = n.min(8);
    for k in 0..samples {
        let i = k * n / samples;
        let mut q = bases[i].into_group();
        let mut at = 0;
        for w in [1, windows - 1] {
            if w <= at {
                continue;
            }
            for _ in 0..c * (w - at) {
                q.double_in_place();
            }
            at = w;
            if q.into_affine() != points[w * n + i] {
                return Err(SectionError::Refused(format!(
                    "section {name}: copy {w} of base {i} is not 2^{} times the base",
                    c * w
                )));
            }
        }
    }
    ShiftedBases::from_parts(c, n, points)
        .ok_or_else(|| SectionError::Refused(format!("section {name}: malformed shape")))
}

fn decode_hash(hex_text: &str) -> Option<[u8; 32]> {
    hex::decode(hex_text.trim()).ok()?.try_into().ok()
}

struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// The tables file name for a key file stem: `threshold-v1` -> `threshold-v1.tables`.
pub fn file_name(stem: &str) -> PathBuf {
    PathBuf::from(format!("{stem}.tables"))
}
