//! Poseidon over the BN254 scalar field, exactly as circomlib defines it.
//!
//! Parameters: x^5 S-box, 8 full rounds, partial rounds by width
//! (t = 2..13: 56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65), round constants and MDS
//! matrices of circomlib (taken from `light-poseidon`'s generated tables, which the tests
//! check against circomlibjs vectors). State `[tag, in_1, ..., in_n]`; output `state[0]`.
//! With `tag = 0` this is circomlib's `Poseidon(n)`; with another tag it is
//! `PoseidonEx(n, 1)` with `initialState = tag`, which circomlibjs computes as
//! `poseidon(inputs, tag)`.
//!
//! Why our own permutation loop over light-poseidon's constants rather than calling
//! `light_poseidon::Poseidon::hash` directly: the tree builders hash millions of times,
//! and light-poseidon rebuilds its constant tables per hasher and allocates a vector
//! per MDS round; here the tables are built once per width and the state lives on the
//! stack. light-poseidon stays the oracle in the tests (same output on random inputs).

pub mod gadget;

use crate::error::{Error, Result};
use crate::field::Fr;
use ark_ff::{Field, Zero};
use std::sync::OnceLock;

/// Largest number of inputs (width 13), as circomlib's tables used here.
pub const MAX_INPUTS: usize = 12;
/// Number of full rounds for every width.
pub const FULL_ROUNDS: usize = 8;

/// The constants of one Poseidon width.
#[derive(Debug)]
pub struct Params {
    /// State width `t = inputs + 1`.
    pub width: usize,
    /// Number of partial rounds.
    pub partial_rounds: usize,
    /// Round constants, `width` per round.
    pub ark: Vec<Fr>,
    /// MDS matrix, row-major `width x width`.
    pub mds: Vec<Vec<Fr>>,
}

static PARAMS: [OnceLock<Params>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];

/// The constants for `inputs` inputs (1..=12), built once per process.
pub fn params(inputs: usize) -> Result<&'static Params> {
    if !(1..=MAX_INPUTS).contains(&inputs) {
        return Err(Error::PoseidonArity { inputs });
    }
    Ok(PARAMS[inputs - 1].get_or_init(|| {
        let width = inputs + 1;
        // The width is in 2..=13, which light-poseidon's tables cover.
        let p = light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<Fr>(width as u8)
            .unwrap_or_else(|_| unreachable!("light-poseidon has tables for widths 2..=13"));
        debug_assert_eq!(p.full_rounds, FULL_ROUNDS);
        Params {
            width,
            partial_rounds: p.partial_rounds,
            ark: p.ark,
            mds: p.mds,
        }
    }))
}

#[inline(always)]
fn sbox(x: Fr) -> Fr {
    let x2 = x * x;
    let x4 = x2 * x2;
    x4 * x
}

/// The Poseidon permutation's first output for state `[tag, inputs...]`, for a state
/// width `T` known at compile time: the state lives in registers/stack, the loops unroll,
/// and each MDS row is one `sum_of_products` (Montgomery products accumulated before a
/// single reduction), which is markedly faster than `T` separate multiplications.
fn permute_t<const T: usize>(p: &Params, tag: Fr, inputs: &[Fr]) -> Fr {
    let mut state = [Fr::zero(); T];
    state[0] = tag;
    state[1..].copy_from_slice(inputs);
    // Borrow each MDS row as a fixed-size array (no per-hash copy of the matrix).
    let rows: [&[Fr; T]; T] = core::array::from_fn(|i| {
        <&[Fr; T]>::try_from(&p.mds[i][..]).unwrap_or_else(|_| unreachable!("rows have width T"))
    });
    let half = FULL_ROUNDS / 2;
    let rounds = FULL_ROUNDS + p.partial_rounds;
    for r in 0..rounds {
        let c = &p.ark[r * T..(r + 1) * T];
        for i in 0..T {
            state[i] += c[i];
        }
        if r < half || r >= half + p.partial_rounds {
            for s in state.iter_mut() {
                *s = sbox(*s);
            }
        } else {
            state[0] = sbox(state[0]);
        }
        state = core::array::from_fn(|i| Fr::sum_of_products(rows[i], &state));
    }
    state[0]
}

/// Dispatches to the permutation of the right width.
fn permute(p: &Params, tag: Fr, inputs: &[Fr]) -> Fr {
    match p.width {
        2 => permute_t::<2>(p, tag, inputs),
        3 => permute_t::<3>(p, tag, inputs),
        4 => permute_t::<4>(p, tag, inputs),
        5 => permute_t::<5>(p, tag, inputs),
        6 => permute_t::<6>(p, tag, inputs),
        7 => permute_t::<7>(p, tag, inputs),
        8 => permute_t::<8>(p, tag, inputs),
        9 => permute_t::<9>(p, tag, inputs),
        10 => permute_t::<10>(p, tag, inputs),
        11 => permute_t::<11>(p, tag, inputs),
        12 => permute_t::<12>(p, tag, inputs),
        13 => permute_t::<13>(p, tag, inputs),
        _ => unreachable!("params() only builds widths 2..=13"),
    }
}

/// circomlib `Poseidon(n)`: the plain hash of 1 to 12 inputs (capacity 0).
pub fn hash(inputs: &[Fr]) -> Result<Fr> {
    hash_tagged(0, inputs)
}

/// circomlib `PoseidonEx(n, 1)` with `initialState = tag` (circomlibjs
/// `poseidon(inputs, tag)`), for 1 to 12 inputs.
pub fn hash_tagged(tag: u64, inputs: &[Fr]) -> Result<Fr> {
    let p = params(inputs.len())?;
    Ok(permute(p, Fr::from(tag), inputs))
}

/// Fixed-arity tagged hash, infallible: the arity is checked at compile time.
pub fn hash_n<const N: usize>(tag: u64, inputs: [Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= MAX_INPUTS, "Poseidon takes 1 to 12 inputs") };
    match params(N) {
        Ok(p) => permute(p, Fr::from(tag), &inputs),
        Err(_) => unreachable!("arity checked at compile time"),
    }
}

/// Tagged two-to-one hash: the Merkle node of every zktr tree.
#[inline]
pub fn hash2(tag: u64, left: Fr, right: Fr) -> Fr {
    hash_n(tag, [left, right])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_parse;
    use ark_std::UniformRand;
    use ark_std::rand::{SeedableRng, rngs::StdRng};
    use light_poseidon::{Poseidon, PoseidonHasher};

    #[test]
    fn known_vector_one_two() {
        let h = hash(&[Fr::from(1u64), Fr::from(2u64)]).unwrap();
        assert_eq!(
            crate::field::fr_to_hex(&h),
            "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a"
        );
    }

    /// Every vector of `../shared/data/poseidon/circomlib_vectors.json` (circomlibjs 0.1.7).
    #[test]
    fn circomlib_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/poseidon/circomlib_vectors.json"
        );
        let text = std::fs::read_to_string(path).expect("shared poseidon vectors");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut checked = 0;
        visit(&json, &mut |inputs, output| {
            let inputs: Vec<Fr> = inputs.iter().map(|s| fr_parse(s).unwrap()).collect();
            assert_eq!(
                hash(&inputs).unwrap(),
                fr_parse(output).unwrap(),
                "inputs {inputs:?}"
            );
            checked += 1;
        });
        assert!(checked >= 24, "only {checked} vectors found");
    }

    /// Walks the vectors file whatever its nesting: any object with `inputs` (array of
    /// decimal strings) and `output`/`hash` (decimal string).
    fn visit(v: &serde_json::Value, f: &mut dyn FnMut(Vec<String>, &str)) {
        match v {
            serde_json::Value::Object(m) => {
                let out = m
                    .get("output")
                    .or_else(|| m.get("hash"))
                    .or_else(|| m.get("expected"));
                if let (Some(serde_json::Value::Array(ins)), Some(serde_json::Value::String(o))) =
                    (m.get("inputs"), out)
                {
                    let ins = ins
                        .iter()
                        .map(|x| match x {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    f(ins, o);
                } else {
                    for x in m.values() {
                        visit(x, f);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| visit(x, f)),
            _ => {}
        }
    }

    /// circomlibjs `poseidon(inputs, tag)` (= circom `PoseidonEx` with `initialState`) for
    /// every zktr tag and arity; generated by `scripts/circomlibjs-tagged-vectors.js`.
    #[test]
    fn circomlibjs_tagged_vectors() {
        let text = include_str!("../../tests/data/circomlibjs_tagged.json");
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let vectors = json["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 9 * 12);
        for v in vectors {
            let tag = v["tag"].as_u64().unwrap();
            let inputs: Vec<Fr> = v["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| fr_parse(x.as_str().unwrap()).unwrap())
                .collect();
            let out = fr_parse(v["output"].as_str().unwrap()).unwrap();
            assert_eq!(
                hash_tagged(tag, &inputs).unwrap(),
                out,
                "tag {tag}, {} inputs",
                inputs.len()
            );
        }
    }

    #[test]
    fn matches_light_poseidon_with_domain_tags() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in 1..=MAX_INPUTS {
            for tag in [0u64, 3, 12345] {
                let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let mut lp = Poseidon::<Fr>::with_domain_tag_circom(n, Fr::from(tag)).unwrap();
                assert_eq!(
                    hash_tagged(tag, &inputs).unwrap(),
                    lp.hash(&inputs).unwrap()
                );
            }
        }
    }

    #[test]
    fn arity_is_checked() {
        assert_eq!(hash(&[]), Err(Error::PoseidonArity { inputs: 0 }));
        assert_eq!(
            hash(&[Fr::zero(); 13]),
            Err(Error::PoseidonArity { inputs: 13 })
        );
    }
}
