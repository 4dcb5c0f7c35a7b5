//! Multi-scalar multiplication `sum_i s_i * P_i` on a short Weierstrass curve (BN254 G1
//! and G2), Pippenger's bucket method with
//!
//! * **scalars prepared once, used by several MSMs**: the Groth16 `A`, `B` (G1 and G2)
//!   and `C` MSMs take the same assignment, so it is classified and recoded once
//!   ([`PreparedScalars`]);
//! * **0 and ±1 without a bucket pass**: zeros are dropped, ones and minus-ones (bits,
//!   selectors, the constant 1) are summed directly, each costing one addition instead
//!   of one per window (in zktr's v1 witnesses they are 3-10% of the assignment: most
//!   variables are Poseidon round states; `h` has none);
//! * **signed digits**: a scalar above `r/2` is replaced by `r - s` with the digits'
//!   sign flipped (so every scalar has at most 253 bits), and each `c`-bit window digit
//!   is taken in `[-2^(c-1), 2^(c-1)]`, so a window needs `2^(c-1)` buckets, not `2^c`;
//!   a negative digit adds the negated point (free: `-(x, y) = (x, -y)`);
//! * **batch-affine bucket accumulation**: a window's points are sorted into their
//!   buckets (counting sort), then every bucket is summed as a binary tree, one tree level
//!   of *all* buckets at a time, in affine coordinates with one shared (Montgomery
//!   batched) inversion per level. An affine addition with its share of the inversion
//!   costs 5M + 1S, against 8M + 2S for arkworks' mixed XYZZ bucket addition; the
//!   products are arkworks' Montgomery functions called inline
//!   (`FastMul` in `fast::field`), not through the `Fp` operators.
//!   Levels with fewer than [`MIN_BATCH`] additions (the tails of the few largest
//!   buckets) are finished in XYZZ coordinates, where an inversion would not pay off.
//!   Buckets are summed in runs of about 8,192 points, all levels of a run before the
//!   next, so the points stay in cache. Doubling and `P + (-P)` (equal `x`) are detected
//!   and done apart;
//! * **bucket reduction** `sum_b b * B_b` by the running-sum method: from 2,048 buckets
//!   up (the fixed-base tables' 12-15-bit windows) batch-affine, 256 segments of buckets
//!   reduced side by side (`reduce_affine`, about 12M per bucket); below, in XYZZ
//!   coordinates (one mixed and one full addition per bucket, about 26M);
//! * **fixed bases** ([`ShiftedBases`], [`msm_shifted`]): with the copies `2^(c w) P`
//!   precomputed, all windows share one set of buckets: one reduction instead of `W`, no
//!   doublings, and wider windows.
//!
//! # Cost
//!
//! With `m` scalars that are neither 0 nor ±1, `k` that are ±1, and windows of `c` bits
//! (`W = ceil(254 / c)` windows): about `W * m` affine additions (the digits of a small
//! scalar are zero in its high windows and cost nothing) plus `W * 2^c` XYZZ additions for
//! the `W` reductions of `2^(c-1)` buckets, plus `k` affine additions and `254`
//! doublings. `c` is chosen per call to minimize that ([`window_bits`]; 8 to 11 for
//! zktr's circuits). With shifted bases: `W * m + k` affine additions and one reduction
//! of `2^(c-1)` buckets ([`table_window_bits`]: 12 to 15).
//!
//! # Parallelism
//!
//! Tasks run in the *current* rayon pool (the prover gives each proof a pool of 1 or more
//! threads, so nothing here oversubscribes the cores): without tables one task per
//! window; with tables one per thread, each taking a range of the buckets (every
//! window's digits that fall in it), so the one reduction is shared out, not repeated.
//! A proof's five MSMs run as one batch ([`msm_batch`]): the threads take all their
//! tasks largest first, so no thread waits for another MSM's last task.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, PrimeGroup};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;

use super::field::{BatchInverse, FastMul};

/// A scalar as a little-endian 256-bit integer (canonical, below `r`).
pub type Scalar = BigInt<4>;

/// Below this many additions in one tree level, the remaining bucket sums are finished
/// in XYZZ coordinates (an inversion costs about 100 multiplications).
pub const MIN_BATCH: usize = 32;

/// Bucket reductions of at least this many buckets run batch-affine
/// ([`reduce_affine`]); smaller ones (the plain MSM's windows of 8 to 11 bits) in XYZZ,
/// where the segments would be too short to share an inversion well.
const MIN_AFFINE_REDUCTION: usize = 2048;

/// Segments reduced side by side by [`reduce_affine`] (the batch size of its additions).
const REDUCTION_SEGMENTS: usize = 256;

/// Points per run of buckets summed together (512 KiB of G1 points).
const CHUNK_POINTS: usize = 8192;

/// Relative cost of one batch-affine addition (in field multiplications), used only to
/// choose the window size.
const AFFINE_ADD_COST: usize = 7;
/// Relative cost of reducing one bucket (mixed plus full XYZZ addition).
const REDUCE_COST: usize = 26;
/// Bits a prepared scalar may have (after `s -> r - s` for the upper half).
const SCALAR_BITS: usize = 254;

/// Scalars classified and recoded in signed `c`-bit digits, ready for any number of
/// MSMs with bases of the same length.
#[derive(Clone, Debug)]
pub struct PreparedScalars {
    len: usize,
    c: usize,
    windows: usize,
    ones: Vec<u32>,
    minus_ones: Vec<u32>,
    big: Vec<u32>,
    /// Window-major: `digits[w * big.len() + k]` is window `w`'s digit of `big[k]`.
    digits: Vec<i32>,
}

/// The best window size for `m` general scalars.
pub fn window_bits(m: usize) -> usize {
    (4..=16)
        .min_by_key(|&c| {
            SCALAR_BITS.div_ceil(c) * (m * AFFINE_ADD_COST + (1usize << (c - 1)) * REDUCE_COST)
        })
        .unwrap_or(8)
}

impl PreparedScalars {
    /// Classifies `scalars` (0, 1, -1, other) and recodes the others; the window size is
    /// chosen for their number. Cost: one pass, no field multiplication.
    pub fn new(scalars: &[Scalar]) -> Self {
        Self::build(scalars, None)
    }

    /// Like [`Self::new`] with windows of `c` bits (`4..=16`; what a table of shifted
    /// bases was built for).
    pub fn with_window(scalars: &[Scalar], c: usize) -> Self {
        Self::build(scalars, Some(c.clamp(4, 16)))
    }

    fn build(scalars: &[Scalar], window: Option<usize>) -> Self {
        let half = half_modulus();
        let modulus = Fr::MODULUS;
        let minus_one = {
            let mut m = modulus;
            m.sub_with_borrow(&BigInt::one());
            m
        };
        let one = BigInt::<4>::one();
        let (mut ones, mut minus_ones, mut big) = (Vec::new(), Vec::new(), Vec::new());
        for (i, s) in scalars.iter().enumerate() {
            if s.is_zero() {
                continue;
            }
            let i = i as u32;
            if *s == one {
                ones.push(i);
            } else if *s == minus_one {
                minus_ones.push(i);
            } else {
                big.push(i);
            }
        }
        let c = window.unwrap_or_else(|| window_bits(big.len()));
        let windows = SCALAR_BITS.div_ceil(c);
        let m = big.len();
        let mut digits = vec![0i32; windows * m];
        let mut local = vec![0i32; windows];
        for (k, &i) in big.iter().enumerate() {
            let s = scalars[i as usize];
            let (abs, negate) = if s > half {
                let mut r = modulus;
                r.sub_with_borrow(&s);
                (r, true)
            } else {
                (s, false)
            };
            recode(&abs, c, &mut local);
            for (w, d) in local.iter().enumerate() {
                digits[w * m + k] = if negate { -*d } else { *d };
            }
        }
        Self {
            len: scalars.len(),
            c,
            windows,
            ones,
            minus_ones,
            big,
            digits,
        }
    }

    /// Number of scalars (including zeros).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no scalars.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The window size in bits.
    pub fn window_bits(&self) -> usize {
        self.c
    }

    /// How many scalars are 0, ±1, and other.
    pub fn census(&self) -> (usize, usize, usize) {
        let unit = self.ones.len() + self.minus_ones.len();
        (self.len - unit - self.big.len(), unit, self.big.len())
    }
}

/// `(r - 1) / 2`.
fn half_modulus() -> Scalar {
    let mut h = Fr::MODULUS;
    h.div2();
    h
}

/// Signed `c`-bit digits of `s < 2^253`, least significant first, each in
/// `[-2^(c-1) + 1, 2^(c-1)]`, into `out` (`ceil(254 / c)` windows: enough for the last
/// carry).
fn recode(s: &Scalar, c: usize, out: &mut [i32]) {
    let half = 1i64 << (c - 1);
    let full = 1i64 << c;
    let mask = (1u64 << c) - 1;
    let mut carry = 0i64;
    for (w, d) in out.iter_mut().enumerate() {
        let bit = w * c;
        let limb = bit / 64;
        let shift = bit % 64;
        let mut v = if limb < 4 { s.0[limb] >> shift } else { 0 };
        if shift + c > 64 && limb + 1 < 4 {
            v |= s.0[limb + 1] << (64 - shift);
        }
        let mut digit = (v & mask) as i64 + carry;
        if digit > half {
            digit -= full;
            carry = 1;
        } else {
            carry = 0;
        }
        *d = digit as i32;
    }
}

/// `sum_j s_j * bases[j - offset]` over the prepared scalars with index `j >= offset`
/// (indices past the end of `bases` are ignored, as arkworks' MSM truncates to the
/// shorter input). `offset` lets the `C` MSM (`l_query`, witness part only) reuse the
/// full assignment's preparation. One task per window (and one for the ±1 scalars), in
/// the current rayon pool; see [`msm_batch`].
pub fn msm<P: SWCurveConfig<ScalarField = Fr>>(
    bases: &[Affine<P>],
    offset: usize,
    scalars: &PreparedScalars,
) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let (mut out, _) = msm_batch::<P, P>(&[Msm::new(Bases::Plain(bases), offset, scalars)], &[]);
    out.pop().unwrap_or_default()
}

/// [`msm`] with precomputed shifted copies of the bases ([`ShiftedBases`]): every
/// window's digits go into *one* set of buckets (window `w`'s point is the copy
/// `2^(c w) P`), so there is one bucket reduction instead of one per window and no
/// doublings, which makes wider windows pay. With `t` rayon threads the *buckets* are
/// split into `t` ranges, each task taking every window's digits that fall in its range:
/// the reduction is shared out, not repeated per task (splitting the windows instead
/// made each of the `t` tasks reduce all `2^(c-1)` buckets: with 15-bit windows that
/// was about a fifth of the MSM). Scalars prepared for another window size fall back to
/// [`msm`] over the table's first copy (the bases).
pub fn msm_shifted<P: SWCurveConfig<ScalarField = Fr>>(
    table: &ShiftedBases<P>,
    offset: usize,
    scalars: &PreparedScalars,
) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let (mut out, _) = msm_batch::<P, P>(&[Msm::new(Bases::Shifted(table), offset, scalars)], &[]);
    out.pop().unwrap_or_default()
}

/// The bases of one MSM of a [`msm_batch`].
pub enum Bases<'a, P: SWCurveConfig> {
    /// The bases alone ([`msm`]).
    Plain(&'a [Affine<P>]),
    /// Their shifted copies ([`msm_shifted`]).
    Shifted(&'a ShiftedBases<P>),
}

impl<'a, P: SWCurveConfig> Bases<'a, P> {
    /// The shifted copies if there are, else the bases.
    pub fn new(bases: &'a [Affine<P>], table: Option<&'a ShiftedBases<P>>) -> Self {
        match table {
            Some(t) => Self::Shifted(t),
            None => Self::Plain(bases),
        }
    }
}

impl<P: SWCurveConfig> Clone for Bases<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: SWCurveConfig> Copy for Bases<'_, P> {}

/// One MSM of a [`msm_batch`]: `sum_j s_j * bases[j - offset]`, as [`msm`] and
/// [`msm_shifted`].
pub struct Msm<'a, P: SWCurveConfig> {
    /// The bases (or their shifted copies).
    pub bases: Bases<'a, P>,
    /// The index of the scalar of the first base.
    pub offset: usize,
    /// The scalars.
    pub scalars: &'a PreparedScalars,
}

impl<'a, P: SWCurveConfig> Msm<'a, P> {
    /// `sum_j s_j * bases[j - offset]` over `scalars`.
    pub fn new(bases: Bases<'a, P>, offset: usize, scalars: &'a PreparedScalars) -> Self {
        Self {
            bases,
            offset,
            scalars,
        }
    }
}

/// Several MSMs over two curves (a Groth16 proof's `A`, `B`, `C` and `H` in G1 and `B`
/// in G2) computed together: every MSM is cut into tasks (with shifted copies one per
/// thread, each a range of the buckets; without, one per window; and one for the ±1
/// scalars), and the threads of the current rayon pool take the tasks of *all* the
/// MSMs largest first (list scheduling by estimated cost: points to add, G2 points about
/// 2.2 times G1 ones, plus the buckets to reduce). Run one after another, each MSM's
/// last task left the other threads idle (at two threads about 6-11% of a proof's wall
/// time); largest first, the short tasks fill the end.
pub fn msm_batch<P1, P2>(
    g1: &[Msm<'_, P1>],
    g2: &[Msm<'_, P2>],
) -> (Vec<Projective<P1>>, Vec<Projective<P2>>)
where
    P1: SWCurveConfig<ScalarField = Fr>,
    P2: SWCurveConfig<ScalarField = Fr>,
    P1::BaseField: BatchInverse,
    P2::BaseField: BatchInverse,
{
    use core::sync::atomic::{AtomicUsize, Ordering};
    let threads = rayon::current_num_threads().max(1);
    let plans1: Vec<Plan<'_, P1>> = g1.iter().map(|m| Plan::new(m, threads)).collect();
    let plans2: Vec<Plan<'_, P2>> = g2.iter().map(|m| Plan::new(m, threads)).collect();
    // (cost, curve, msm, part), largest first.
    let mut tasks: Vec<(u64, bool, usize, usize)> = Vec::new();
    tasks.extend(task_list(&plans1, false));
    tasks.extend(task_list(&plans2, true));
    tasks.sort_by_key(|t| core::cmp::Reverse(t.0));
    let next = AtomicUsize::new(0);
    let workers = threads.min(tasks.len()).max(1);
    let done: Vec<Vec<Done<P1, P2>>> = (0..workers)
        .into_par_iter()
        .map(|_| {
            let (mut s1, mut s2) = (Scratch::<P1>::default(), Scratch::<P2>::default());
            let mut out = Vec::new();
            loop {
                let t = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(_, second, i, k)) = tasks.get(t) else {
                    break;
                };
                out.push(if second {
                    Done::Two(i, k, plans2[i].run(k, &mut s2))
                } else {
                    Done::One(i, k, plans1[i].run(k, &mut s1))
                });
            }
            out
        })
        .collect();
    let (mut done1, mut done2) = (Vec::new(), Vec::new());
    for d in done.into_iter().flatten() {
        match d {
            Done::One(i, k, x) => done1.push((i, k, x)),
            Done::Two(i, k, x) => done2.push((i, k, x)),
        }
    }
    (combine_all(&plans1, done1), combine_all(&plans2, done2))
}

/// Every plan's MSM from its finished tasks `(plan, task, sum)`.
fn combine_all<P: SWCurveConfig<ScalarField = Fr>>(
    plans: &[Plan<'_, P>],
    done: Vec<(usize, usize, Projective<P>)>,
) -> Vec<Projective<P>>
where
    P::BaseField: BatchInverse,
{
    let mut sums: Vec<Vec<Projective<P>>> = plans
        .iter()
        .map(|p| vec![Projective::zero(); p.tasks()])
        .collect();
    for (i, k, x) in done {
        sums[i][k] = x;
    }
    plans.iter().zip(&sums).map(|(p, s)| p.combine(s)).collect()
}

/// Every task of `plans` as `(cost, second, plan, task)`.
fn task_list<'p, P: SWCurveConfig<ScalarField = Fr>>(
    plans: &'p [Plan<'_, P>],
    second: bool,
) -> impl Iterator<Item = (u64, bool, usize, usize)> + 'p
where
    P::BaseField: BatchInverse,
{
    plans
        .iter()
        .enumerate()
        .flat_map(move |(i, p)| (0..p.tasks()).map(move |k| (p.cost(k), second, i, k)))
}

/// A finished task of [`msm_batch`]: (msm, part, sum) in G1 or G2.
enum Done<P1: SWCurveConfig, P2: SWCurveConfig> {
    One(usize, usize, Projective<P1>),
    Two(usize, usize, Projective<P2>),
}

/// One MSM cut into tasks: parts `0..parts.len()` are bucket sums over the windows and
/// bucket range of `parts[k]`; the last task is the ±1 scalars.
struct Plan<'a, P: SWCurveConfig> {
    /// The points read: the bases, or all their shifted copies.
    src: &'a [Affine<P>],
    /// `src[w * stride + j]` is window `w`'s point of base `j` (0: the bases alone).
    stride: usize,
    bases: &'a [Affine<P>],
    offset: usize,
    scalars: &'a PreparedScalars,
    live: Vec<u32>,
    /// (windows, buckets) of each bucket-sum task.
    parts: Vec<(core::ops::Range<usize>, core::ops::Range<usize>)>,
    /// Whether the windows share the buckets (shifted copies) rather than being
    /// combined by doublings.
    shifted: bool,
}

impl<'a, P: SWCurveConfig<ScalarField = Fr>> Plan<'a, P>
where
    P::BaseField: BatchInverse,
{
    fn new(m: &Msm<'a, P>, threads: usize) -> Self {
        let scalars = m.scalars;
        let windows = scalars.windows;
        let nb = 1usize << (scalars.c - 1);
        let table = match m.bases {
            Bases::Shifted(t) if scalars.c == t.c && scalars.windows <= t.windows => Some(t),
            _ => None,
        };
        let (src, stride, bases, parts) = match (table, m.bases) {
            (Some(t), _) => {
                let groups = threads.clamp(1, nb);
                let parts = (0..groups)
                    .map(|g| (0..windows, g * nb / groups..(g + 1) * nb / groups))
                    .collect();
                (t.points.as_slice(), t.n, t.bases(), parts)
            }
            (None, bases) => {
                let b = match bases {
                    Bases::Shifted(t) => t.bases(),
                    Bases::Plain(b) => b,
                };
                (b, 0, b, (0..windows).map(|w| (w..w + 1, 0..nb)).collect())
            }
        };
        Self {
            src,
            stride,
            bases,
            offset: m.offset,
            scalars,
            live: live(bases, m.offset, scalars),
            parts,
            shifted: table.is_some(),
        }
    }

    fn tasks(&self) -> usize {
        self.parts.len() + 1
    }

    /// Estimated cost of task `k`, in tenths of a G1 affine addition.
    fn cost(&self, k: usize) -> u64 {
        let add: u64 = if P::BaseField::extension_degree() > 1 {
            22
        } else {
            10
        };
        match self.parts.get(k) {
            Some((ws, bs)) => {
                let nb = 1u64 << (self.scalars.c - 1);
                // Every window's digits spread evenly over the buckets.
                let points = (self.live.len() * ws.len()) as u64 * bs.len() as u64 / nb;
                add * (points + 3 * bs.len() as u64)
            }
            None => add * (self.scalars.ones.len() + self.scalars.minus_ones.len()) as u64,
        }
    }

    fn run(&self, k: usize, scratch: &mut Scratch<P>) -> Projective<P> {
        match self.parts.get(k) {
            Some((ws, bs)) => window_sum(self, ws.clone(), bs.clone(), scratch),
            None => units(self.bases, self.offset, self.scalars),
        }
    }

    /// The MSM from its tasks' sums (in task order).
    fn combine(&self, sums: &[Projective<P>]) -> Projective<P> {
        let (buckets, units) = sums.split_at(self.parts.len());
        let mut acc = Projective::<P>::zero();
        if self.shifted {
            for s in buckets {
                acc += s;
            }
        } else {
            for s in buckets.iter().rev() {
                for _ in 0..self.scalars.c {
                    acc.double_in_place();
                }
                acc += s;
            }
        }
        for s in units {
            acc += s;
        }
        acc
    }
}

/// Positions `k` in `scalars.big` whose base exists and is not the identity.
fn live<P: SWCurveConfig>(
    bases: &[Affine<P>],
    offset: usize,
    scalars: &PreparedScalars,
) -> Vec<u32> {
    scalars
        .big
        .iter()
        .enumerate()
        .filter(|(_, j)| base_of(bases, offset, **j).is_some())
        .map(|(k, _)| k as u32)
        .collect()
}

fn base_of<P: SWCurveConfig>(bases: &[Affine<P>], offset: usize, j: u32) -> Option<Affine<P>> {
    let j = (j as usize).checked_sub(offset)?;
    bases.get(j).copied().filter(|b| !b.is_zero())
}

/// The sum of the bases of scalars 1 minus those of scalars -1 (batch-affine tree).
fn units<P: SWCurveConfig>(
    bases: &[Affine<P>],
    offset: usize,
    scalars: &PreparedScalars,
) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let mut pts: Vec<Line<P>> = scalars
        .ones
        .iter()
        .filter_map(|&j| base_of(bases, offset, j).map(Line))
        .collect();
    pts.extend(
        scalars
            .minus_ones
            .iter()
            .filter_map(|&j| base_of(bases, offset, j).map(|p| Line(-p))),
    );
    let mut scratch = Scratch::default();
    let len = pts.len() as u32;
    scratch.pts = pts;
    scratch.starts = vec![0];
    scratch.lens = vec![len];
    sum_buckets(&mut scratch);
    let mut acc = Projective::<P>::zero();
    if let Some(x) = scratch.extra.first() {
        acc += &x.1;
    } else if scratch.lens[0] == 1 {
        acc += &scratch.pts[0].0;
    }
    acc
}

/// Shifted copies of fixed bases for [`msm_shifted`]: `points[w * n + i] = 2^(c w) P_i`
/// for the `W = ceil(254 / c)` windows.
///
/// Cost to build: `c (W - 1)` (about 254) doublings per base and one batched
/// normalization per copy, in parallel over chunks of bases; memory `W n` affine points
/// (64 bytes in G1, 128 in G2).
#[derive(Clone)]
pub struct ShiftedBases<P: SWCurveConfig> {
    c: usize,
    windows: usize,
    n: usize,
    points: Vec<Affine<P>>,
}

impl<P: SWCurveConfig> core::fmt::Debug for ShiftedBases<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ShiftedBases")
            .field("c", &self.c)
            .field("windows", &self.windows)
            .field("n", &self.n)
            .finish()
    }
}

impl<P: SWCurveConfig> ShiftedBases<P> {
    /// The copies of `bases` for windows of `c` bits (`4..=16`).
    pub fn new(bases: &[Affine<P>], c: usize) -> Self {
        use ark_ec::CurveGroup;
        let c = c.clamp(4, 16);
        let windows = SCALAR_BITS.div_ceil(c);
        let n = bases.len();
        const CHUNK: usize = 1024;
        let chunks: Vec<Vec<Affine<P>>> = bases
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut cur: Vec<Projective<P>> = chunk.iter().map(|p| p.into_group()).collect();
                let mut out = Vec::with_capacity(chunk.len() * windows);
                out.extend_from_slice(chunk);
                for _ in 1..windows {
                    for p in cur.iter_mut() {
                        for _ in 0..c {
                            p.double_in_place();
                        }
                    }
                    out.extend(Projective::normalize_batch(&cur));
                }
                out
            })
            .collect();
        let mut points = vec![Affine::identity(); n * windows];
        let mut start = 0;
        for ch in chunks {
            let len = ch.len() / windows;
            for w in 0..windows {
                points[w * n + start..w * n + start + len]
                    .copy_from_slice(&ch[w * len..(w + 1) * len]);
            }
            start += len;
        }
        Self {
            c,
            windows,
            n,
            points,
        }
    }

    /// The window size the copies are for.
    pub fn window_bits(&self) -> usize {
        self.c
    }

    /// The number of copies (windows).
    pub fn windows(&self) -> usize {
        self.windows
    }

    /// All copies, window after window (`points[w * n + i] = 2^(c w) P_i`).
    pub fn points(&self) -> &[Affine<P>] {
        &self.points
    }

    /// Copies read back from a file ([`crate::fast::table_file`]): `points` must hold
    /// `windows * n` points, `windows = ceil(254 / c)`; `None` otherwise.
    pub(crate) fn from_parts(c: usize, n: usize, points: Vec<Affine<P>>) -> Option<Self> {
        if !(4..=16).contains(&c) {
            return None;
        }
        let windows = SCALAR_BITS.div_ceil(c);
        if points.len() != windows.checked_mul(n)? {
            return None;
        }
        Some(Self {
            c,
            windows,
            n,
            points,
        })
    }

    /// The bases themselves (the first copy).
    pub fn bases(&self) -> &[Affine<P>] {
        &self.points[..self.n]
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.points.len() * core::mem::size_of::<Affine<P>>()
    }
}

/// The best window size for `m` general scalars with shifted copies (one reduction in
/// all, so wider than [`window_bits`]).
pub fn table_window_bits(m: usize) -> usize {
    (4..=16)
        .min_by_key(|&c| {
            SCALAR_BITS.div_ceil(c) * m * AFFINE_ADD_COST + (1usize << (c - 1)) * REDUCE_COST
        })
        .unwrap_or(8)
}

/// Reusable buffers of one worker.
struct Scratch<P: SWCurveConfig>
where
    P::BaseField: BatchInverse,
{
    pts: Vec<Line<P>>,
    starts: Vec<u32>,
    lens: Vec<u32>,
    /// The first point of every pair of the current tree level.
    pairs: Vec<u32>,
    /// Each pair of the current tree level: the product of the norms of the
    /// denominators before it, and its own denominator's norm ([`BatchInverse`]).
    prefix: Vec<[Norm<P>; 2]>,
    /// The level's sums, pair after pair.
    sums: Vec<Line<P>>,
    /// Buckets finished in XYZZ (bucket index, sum), ascending.
    extra: Vec<(u32, Bucket<P>)>,
}

/// The field a batch inversion of `P`'s denominators runs in ([`BatchInverse`]).
type Norm<P> = <<P as ark_ec::CurveConfig>::BaseField as BatchInverse>::Norm;

/// An affine point starting a cache line: a G1 point (64 bytes) fills one line, a G2
/// point two, so writing a point into its bucket and reading a pair's two points touch
/// no more lines than needed (the allocator aligns to 16 bytes, and there every G1
/// point straddles two lines). Measured on the 2-core machine: two proofs side by side
/// (one per core) 9% faster; one alone, within noise.
#[repr(C, align(64))]
struct Line<P: SWCurveConfig>(Affine<P>);

impl<P: SWCurveConfig> Clone for Line<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: SWCurveConfig> Copy for Line<P> {}

impl<P: SWCurveConfig> Line<P> {
    const IDENTITY: Self = Self(Affine::identity());
}

impl<P: SWCurveConfig> Default for Scratch<P>
where
    P::BaseField: BatchInverse,
{
    fn default() -> Self {
        Self {
            pts: Vec::new(),
            starts: Vec::new(),
            lens: Vec::new(),
            pairs: Vec::new(),
            prefix: Vec::new(),
            sums: Vec::new(),
            extra: Vec::new(),
        }
    }
}

/// `sum_b b * B_b` over the buckets `b` in `bs` (`1 + bs.start ..= bs.end`, of the
/// `2^(c-1)`), filled with the digits `d` (`|d| = b`) of windows `ws`, where the point of
/// scalar `big[k]` in window `w` is `plan.src[w * stride + big[k] - offset]` (the base
/// itself for one window at a time, `stride` 0; its shifted copy `2^(c w) P` with
/// precomputed tables, `stride` the number of bases). A range
/// that does not start at the first bucket adds `bs.start` times its buckets' total
/// (a scalar of at most 15 bits).
fn window_sum<P: SWCurveConfig<ScalarField = Fr>>(
    plan: &Plan<'_, P>,
    ws: core::ops::Range<usize>,
    bs: core::ops::Range<usize>,
    scratch: &mut Scratch<P>,
) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let Plan {
        src,
        stride,
        offset,
        scalars,
        live,
        ..
    } = plan;
    let (stride, offset) = (*stride, *offset);
    let m = scalars.big.len();
    let nb = bs.len();
    // The bucket index of a digit in this range, if it is.
    let bucket = |d: i32| {
        let b = (d.unsigned_abs() as usize).wrapping_sub(1);
        b.checked_sub(bs.start).filter(|&b| b < nb)
    };
    // Counting sort of the windows' points into buckets |d| - 1 - bs.start.
    scratch.lens.clear();
    scratch.lens.resize(nb, 0);
    for w in ws.clone() {
        let digits = &scalars.digits[w * m..(w + 1) * m];
        for &k in live {
            if let Some(b) = bucket(digits[k as usize]) {
                scratch.lens[b] += 1;
            }
        }
    }
    scratch.starts.clear();
    let mut total = 0u32;
    for &l in &scratch.lens {
        scratch.starts.push(total);
        total += l;
    }
    scratch.pts.clear();
    scratch.pts.resize(total as usize, Line::IDENTITY);
    {
        let mut next = scratch.starts.clone();
        for w in ws {
            let digits = &scalars.digits[w * m..(w + 1) * m];
            for &k in live {
                let d = digits[k as usize];
                let Some(b) = bucket(d) else {
                    continue;
                };
                let j = scalars.big[k as usize] as usize - offset;
                let p = src[w * stride + j];
                scratch.pts[next[b] as usize] = Line(if d < 0 { -p } else { p });
                next[b] += 1;
            }
        }
    }
    sum_buckets(scratch);
    let (mut res, total) = if nb >= MIN_AFFINE_REDUCTION {
        reduce_affine(scratch, nb)
    } else {
        reduce_xyzz(scratch, nb)
    };
    if bs.start > 0 {
        res += total.mul_bigint([bs.start as u64]);
    }
    res
}

/// `(sum_b (b + 1) B_b, sum_b B_b)` of the `nb` summed buckets by the running-sum method
/// from the top bucket down, in XYZZ coordinates: one mixed and one full addition per
/// bucket.
fn reduce_xyzz<P: SWCurveConfig>(scratch: &Scratch<P>, nb: usize) -> (Projective<P>, Projective<P>)
where
    P::BaseField: BatchInverse,
{
    let mut running = Bucket::<P>::ZERO;
    let mut res = Bucket::<P>::ZERO;
    let mut extra = scratch.extra.iter().rev().peekable();
    for b in (0..nb).rev() {
        if scratch.lens[b] == 1 {
            running += &scratch.pts[scratch.starts[b] as usize].0;
        } else if let Some((_, x)) = extra.next_if(|(eb, _)| *eb as usize == b) {
            running += x;
        }
        res += &running;
    }
    (res.into(), running.into())
}

/// [`reduce_xyzz`]'s result, with the buckets cut into [`REDUCTION_SEGMENTS`] segments of
/// `L` reduced side by side: step `t` (from `L - 1` down) adds bucket `s L + t` to
/// segment `s`'s running sum `T_s` and that to its accumulator `A_s`, each step two
/// batch-affine additions per segment sharing one inversion per batch (about 12
/// multiplications per bucket, against about 26 in XYZZ). Then
/// `sum_b (b + 1) B_b = sum_s A_s + L sum_s s T_s`, the last sum by the running-sum
/// method over the segments.
fn reduce_affine<P: SWCurveConfig>(
    scratch: &mut Scratch<P>,
    nb: usize,
) -> (Projective<P>, Projective<P>)
where
    P::BaseField: BatchInverse,
{
    use ark_ec::CurveGroup;
    // Every bucket's sum as an affine point (the identity where empty).
    let mut buckets = vec![Line::<P>::IDENTITY; nb];
    for (b, slot) in buckets.iter_mut().enumerate() {
        if scratch.lens[b] == 1 {
            *slot = scratch.pts[scratch.starts[b] as usize];
        }
    }
    let finished: Vec<Projective<P>> = scratch.extra.iter().map(|(_, x)| (*x).into()).collect();
    for ((b, _), p) in scratch
        .extra
        .iter()
        .zip(Projective::normalize_batch(&finished))
    {
        buckets[*b as usize] = Line(p);
    }
    let segments = REDUCTION_SEGMENTS.min(nb);
    let len = nb.div_ceil(segments);
    let pairs: Vec<u32> = (0..segments as u32).map(|s| 2 * s).collect();
    let mut running = vec![Line::<P>::IDENTITY; segments];
    let mut acc = vec![Line::<P>::IDENTITY; segments];
    let mut both = Vec::with_capacity(2 * segments);
    let mut sums = Vec::with_capacity(segments);
    for t in (0..len).rev() {
        both.clear();
        for (s, r) in running.iter().enumerate() {
            both.push(*r);
            // Past the last bucket (when `segments` does not divide `nb`): nothing.
            both.push(buckets.get(s * len + t).copied().unwrap_or(Line::IDENTITY));
        }
        add_pairs(&pairs, &both, &mut scratch.prefix, &mut sums);
        core::mem::swap(&mut running, &mut sums);
        both.clear();
        for (a, r) in acc.iter().zip(&running) {
            both.push(*a);
            both.push(*r);
        }
        add_pairs(&pairs, &both, &mut scratch.prefix, &mut sums);
        core::mem::swap(&mut acc, &mut sums);
    }
    // sum_s (s + 1) T_s by the running sum over the segments, then minus the total.
    let mut total = Bucket::<P>::ZERO;
    let mut weighted = Bucket::<P>::ZERO;
    for r in running.iter().rev() {
        total += &r.0;
        weighted += &total;
    }
    let (total, weighted) = (
        Projective::<P>::from(total),
        Projective::<P>::from(weighted),
    );
    let mut res = (weighted - total).mul_bigint([len as u64]);
    for a in &acc {
        res += a.0;
    }
    (res, total)
}

/// Sums each bucket `pts[starts[b]..starts[b] + lens[b]]` in place. Afterwards a bucket
/// with `lens[b] == 1` holds its sum at `pts[starts[b]]`, `lens[b] == 0` is empty, and
/// buckets finished in XYZZ are listed in `extra` (their `lens` set to 0).
fn sum_buckets<P: SWCurveConfig>(s: &mut Scratch<P>)
where
    P::BaseField: BatchInverse,
{
    s.extra.clear();
    // Buckets are summed in runs of about `CHUNK_POINTS` points, every level of a run
    // before the next run, so a run's points stay in cache (with shifted bases a window
    // group holds megabytes of points).
    let mut b0 = 0;
    while b0 < s.lens.len() {
        let mut b1 = b0;
        let mut points = 0;
        while b1 < s.lens.len() && (b1 == b0 || points < CHUNK_POINTS) {
            points += s.lens[b1] as usize;
            b1 += 1;
        }
        sum_bucket_run(s, b0..b1);
        b0 = b1;
    }
}

/// [`sum_buckets`] for the buckets `run`, one tree level of all its buckets at a time:
/// the level's pairs are listed, their denominators' prefix products taken on the way
/// forward, one inversion, and each pair's inverse and sum on the way back (Montgomery's
/// trick fused into the additions: 5M + 1S per pair, no denominator array), then the
/// sums moved to the front of their buckets.
fn sum_bucket_run<P: SWCurveConfig>(s: &mut Scratch<P>, run: core::ops::Range<usize>)
where
    P::BaseField: BatchInverse,
{
    loop {
        s.pairs.clear();
        for b in run.clone() {
            let start = s.starts[b];
            for j in 0..s.lens[b] / 2 {
                s.pairs.push(start + 2 * j);
            }
        }
        if s.pairs.is_empty() {
            return;
        }
        if s.pairs.len() < MIN_BATCH {
            for b in run.clone() {
                let len = s.lens[b] as usize;
                if len >= 2 {
                    let start = s.starts[b] as usize;
                    let mut acc = Bucket::<P>::ZERO;
                    for p in &s.pts[start..start + len] {
                        acc += &p.0;
                    }
                    s.extra.push((b as u32, acc));
                    s.lens[b] = 0;
                }
            }
            return;
        }
        add_pairs(&s.pairs, &s.pts, &mut s.prefix, &mut s.sums);
        let mut k = 0;
        for b in run.clone() {
            let len = s.lens[b] as usize;
            if len < 2 {
                continue;
            }
            let start = s.starts[b] as usize;
            let half = len / 2;
            s.pts[start..start + half].copy_from_slice(&s.sums[k..k + half]);
            k += half;
            if len % 2 == 1 {
                s.pts[start + half] = s.pts[start + len - 1];
            }
            s.lens[b] = len.div_ceil(2) as u32;
        }
    }
}

/// `sums[k] = pts[pairs[k]] + pts[pairs[k] + 1]` for every pair, batch-affine: the
/// denominators' norms and their prefix products forward (into `prefix`), one
/// inversion, each pair's inverse and sum backward (Montgomery's trick fused into the
/// additions; 5M + 1S a pair in G1; in G2 the trick's three products are `Fq` products,
/// [`BatchInverse`]).
fn add_pairs<P: SWCurveConfig>(
    pairs: &[u32],
    pts: &[Line<P>],
    prefix: &mut Vec<[Norm<P>; 2]>,
    sums: &mut Vec<Line<P>>,
) where
    P::BaseField: BatchInverse,
{
    let product = prefix_products(pairs, pts, prefix);
    // Every denominator is non-zero (1 where special), so the product of their norms is
    // invertible.
    let inv = product.inverse().unwrap_or(Norm::<P>::ZERO);
    level_sums(pairs, pts, prefix, inv, sums);
}

/// Each pair's denominator norm and the product of those before it (into `prefix`), and
/// the product of all.
#[inline(never)]
fn prefix_products<P: SWCurveConfig>(
    pairs: &[u32],
    pts: &[Line<P>],
    prefix: &mut Vec<[Norm<P>; 2]>,
) -> Norm<P>
where
    P::BaseField: BatchInverse,
{
    prefix.clear();
    let mut acc = Norm::<P>::ONE;
    for &i in pairs {
        let i = i as usize;
        let n = denominator(&pts[i].0, &pts[i + 1].0).norm();
        prefix.push([acc, n]);
        acc = acc.mul_fast(&n);
    }
    acc
}

/// The pairs' sums (into `sums`), given the inverse `inv` of the product of their
/// denominators' norms and [`prefix_products`]' list.
#[inline(never)]
fn level_sums<P: SWCurveConfig>(
    pairs: &[u32],
    pts: &[Line<P>],
    prefix: &[[Norm<P>; 2]],
    mut inv: Norm<P>,
    sums: &mut Vec<Line<P>>,
) where
    P::BaseField: BatchInverse,
{
    sums.clear();
    sums.resize(pairs.len(), Line::IDENTITY);
    for (k, &i) in pairs.iter().enumerate().rev() {
        let (p, q) = (&pts[i as usize].0, &pts[i as usize + 1].0);
        let d = denominator(p, q);
        let [before, n] = prefix[k];
        let inv_d = d.inverse_from_norm(&inv.mul_fast(&before));
        inv = inv.mul_fast(&n);
        sums[k] = Line(add_with_inverse(p, q, &inv_d));
    }
}

/// `x_q - x_p`, or 1 where [`add_with_inverse`] does not use it (a point is the
/// identity, or the `x` are equal).
#[inline(always)]
fn denominator<P: SWCurveConfig>(p: &Affine<P>, q: &Affine<P>) -> P::BaseField {
    let d = q.x - p.x;
    if d.is_zero() || p.is_zero() || q.is_zero() {
        P::BaseField::ONE
    } else {
        d
    }
}

/// `p + q` given `inv = 1 / (x_q - x_p)` (any value when the `x` are equal or a point
/// is the identity: those cases are done apart).
#[inline(always)]
fn add_with_inverse<P: SWCurveConfig>(p: &Affine<P>, q: &Affine<P>, inv: &P::BaseField) -> Affine<P>
where
    P::BaseField: FastMul,
{
    if p.is_zero() {
        return *q;
    }
    if q.is_zero() {
        return *p;
    }
    if p.x == q.x {
        return if p.y == q.y {
            use ark_ec::CurveGroup;
            p.into_group().double().into_affine()
        } else {
            Affine::identity()
        };
    }
    let lambda = (q.y - p.y).mul_fast(inv);
    let x = lambda.square_fast() - p.x - q.x;
    let y = lambda.mul_fast(&(p.x - x)) - p.y;
    Affine::new_unchecked(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};

    fn scalar_mix(rng: &mut StdRng, n: usize, unit_share: f64) -> Vec<Fr> {
        (0..n)
            .map(|_| {
                let u: f64 = rng.r#gen();
                if u < unit_share / 2.0 {
                    Fr::from(rng.gen_range(0u64..2))
                } else if u < unit_share {
                    match rng.gen_range(0..4) {
                        0 => -Fr::from(1u64),
                        1 => Fr::from(rng.r#gen::<u8>()),
                        2 => -Fr::from(rng.r#gen::<u32>()),
                        _ => Fr::from(rng.r#gen::<u64>()),
                    }
                } else {
                    Fr::rand(rng)
                }
            })
            .collect()
    }

    fn check_g1(seed: u64, n: usize, share: f64, offset: usize) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut bases: Vec<G1Affine> = (0..n)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        // identities, duplicates and negations (equal x in a bucket).
        if n > 8 {
            bases[1] = G1Affine::identity();
            bases[3] = bases[2];
            bases[5] = -bases[4];
        }
        let scalars = scalar_mix(&mut rng, n + offset, share);
        let big: Vec<Scalar> = scalars.iter().map(|s| s.into_bigint()).collect();
        let prepared = PreparedScalars::new(&big);
        let ours = msm(&bases, offset, &prepared);
        let theirs = G1Projective::msm(&bases, &scalars[offset..]).expect("same lengths");
        assert_eq!(
            ours.into_affine(),
            theirs.into_affine(),
            "n {n} share {share}"
        );
    }

    #[test]
    fn equal_scalars_and_points_hit_the_special_cases() {
        let mut rng = StdRng::seed_from_u64(7);
        let p = G1Projective::rand(&mut rng).into_affine();
        let s = Fr::rand(&mut rng);
        for n in [1, 2, 3, 64, 200] {
            let mut bases = vec![p; n];
            bases.extend(vec![-p; n / 2]);
            let scalars = vec![s; bases.len()];
            let big: Vec<Scalar> = scalars.iter().map(|s| s.into_bigint()).collect();
            let ours = msm(&bases, 0, &PreparedScalars::new(&big));
            let theirs = G1Projective::msm(&bases, &scalars).expect("lengths");
            assert_eq!(ours, theirs);
        }
        assert_eq!(
            msm::<ark_bn254::g1::Config>(&[], 0, &PreparedScalars::new(&[])),
            G1Projective::zero()
        );
    }

    /// The batch-affine reduction against the XYZZ one on the same buckets: empty
    /// buckets, buckets finished in XYZZ, equal and opposite sums (doubling and the
    /// identity inside a segment), and bucket counts the segments do not divide.
    #[test]
    fn affine_reduction_equals_the_running_sum() {
        let mut rng = StdRng::seed_from_u64(23);
        let p = G1Projective::rand(&mut rng).into_affine();
        for nb in [1usize, 255, 256, 2048, 3000, 4097] {
            let mut s = Scratch::<ark_bn254::g1::Config>::default();
            for b in 0..nb {
                s.starts.push(s.pts.len() as u32);
                let point = match rng.gen_range(0..6) {
                    0 => None,
                    1 => Some(p),
                    2 => Some(-p),
                    3 => {
                        let mut x = Bucket::ZERO;
                        x += &G1Projective::rand(&mut rng).into_affine();
                        x += &G1Projective::rand(&mut rng).into_affine();
                        s.extra.push((b as u32, x));
                        None
                    }
                    _ => Some(G1Projective::rand(&mut rng).into_affine()),
                };
                match point {
                    Some(q) => {
                        s.pts.push(Line(q));
                        s.lens.push(1);
                    }
                    None => s.lens.push(0),
                }
            }
            let expected = reduce_xyzz(&s, nb);
            assert_eq!(reduce_affine(&mut s, nb), expected, "{nb} buckets");
        }
    }

    #[test]
    fn g1_small_sizes_and_offsets() {
        for n in [0, 1, 2, 5, 17, 100, 700] {
            check_g1(n as u64, n, 0.5, 0);
            check_g1(n as u64 + 1000, n, 0.9, 3);
        }
    }

    #[test]
    fn g2_matches_arkworks() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 600;
        let bases: Vec<G2Affine> = (0..n)
            .map(|_| G2Projective::rand(&mut rng).into_affine())
            .collect();
        let scalars = scalar_mix(&mut rng, n, 0.6);
        let big: Vec<Scalar> = scalars.iter().map(|s| s.into_bigint()).collect();
        let ours = msm(&bases, 0, &PreparedScalars::new(&big));
        assert_eq!(ours, G2Projective::msm(&bases, &scalars).expect("lengths"));
    }

    #[test]
    fn shifted_tables_match_plain() {
        let mut rng = StdRng::seed_from_u64(9);
        for (n, share) in [(1usize, 0.0), (50, 0.5), (900, 0.2)] {
            let bases: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let scalars = scalar_mix(&mut rng, n + 2, share);
            let big: Vec<Scalar> = scalars.iter().map(|s| s.into_bigint()).collect();
            for c in [5, table_window_bits(n)] {
                let t = ShiftedBases::new(&bases, c);
                let prepared = PreparedScalars::with_window(&big, c);
                let theirs = G1Projective::msm(&bases, &scalars[2..]).expect("lengths");
                assert_eq!(msm_shifted(&t, 2, &prepared), theirs);
                // Prepared for another window: falls back, same result.
                assert_eq!(
                    msm_shifted(&t, 2, &PreparedScalars::with_window(&big, c + 1)),
                    theirs
                );
            }
        }
    }

    /// Points in scratch buffers fill whole cache lines ([`Line`]).
    #[test]
    fn scratch_points_fill_whole_cache_lines() {
        use core::mem::{align_of, size_of};
        assert_eq!(size_of::<Line<ark_bn254::g1::Config>>(), 64);
        assert_eq!(size_of::<Line<ark_bn254::g2::Config>>(), 128);
        assert_eq!(align_of::<Line<ark_bn254::g1::Config>>(), 64);
        // On the heap, as the scratch buffers are.
        let v: Vec<_> = core::iter::repeat_n(Line::<ark_bn254::g1::Config>::IDENTITY, 3).collect();
        assert_eq!(v.as_ptr() as usize % 64, 0);
    }

    /// Several MSMs over both curves in one batch (plain and shifted bases, an offset,
    /// scalars prepared for another window than the table's), on 1 to 3 threads: each
    /// equals arkworks' MSM alone.
    #[test]
    fn batch_of_both_curves_matches_each_alone() {
        let mut rng = StdRng::seed_from_u64(11);
        let n = 700;
        let g1: Vec<G1Affine> = (0..n)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let g2: Vec<G2Affine> = (0..n)
            .map(|_| G2Projective::rand(&mut rng).into_affine())
            .collect();
        let scalars = scalar_mix(&mut rng, n + 1, 0.3);
        let big: Vec<Scalar> = scalars.iter().map(|s| s.into_bigint()).collect();
        let c = table_window_bits(n);
        let (t1, t2) = (ShiftedBases::new(&g1, c), ShiftedBases::new(&g2, c));
        let (plain, wide) = (
            PreparedScalars::new(&big),
            PreparedScalars::with_window(&big, c),
        );
        let expect1 = [
            G1Projective::msm(&g1, &scalars[..n]).expect("lengths"),
            G1Projective::msm(&g1, &scalars[1..]).expect("lengths"),
        ];
        let expect2 = G2Projective::msm(&g2, &scalars[..n]).expect("lengths");
        for threads in 1..=3 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let (r1, r2) = pool.install(|| {
                msm_batch(
                    &[
                        Msm::new(Bases::Plain(&g1), 0, &plain),
                        Msm::new(Bases::Shifted(&t1), 1, &wide),
                        Msm::new(Bases::Shifted(&t1), 0, &plain),
                    ],
                    &[
                        Msm::new(Bases::Shifted(&t2), 0, &wide),
                        Msm::new(Bases::Plain(&g2), 0, &plain),
                    ],
                )
            });
            assert_eq!(
                r1,
                vec![expect1[0], expect1[1], expect1[0]],
                "{threads} threads"
            );
            assert_eq!(r2, vec![expect2, expect2], "{threads} threads");
        }
    }

    #[test]
    fn recoding_round_trips() {
        let mut rng = StdRng::seed_from_u64(5);
        for c in 4..=16 {
            let w = SCALAR_BITS.div_ceil(c);
            let mut out = vec![0i32; w];
            for _ in 0..50 {
                let s = Fr::rand(&mut rng).into_bigint();
                let s = if s > half_modulus() {
                    let mut r = Fr::MODULUS;
                    r.sub_with_borrow(&s);
                    r
                } else {
                    s
                };
                recode(&s, c, &mut out);
                let mut acc = Fr::zero();
                for d in out.iter().rev() {
                    acc *= Fr::from(1u64 << c);
                    acc += Fr::from(i64::from(*d));
                    assert!(d.unsigned_abs() <= 1 << (c - 1));
                }
                assert_eq!(acc.into_bigint(), s);
            }
        }
    }
}
