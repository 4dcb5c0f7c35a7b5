//! Export of a claim in snarkjs's Groth16 formats (`curve: bn128`), so that anyone can
//! check it with `snarkjs groth16 verify verification_key.json public.json proof.json`
//! without zktr.
//!
//! snarkjs writes points as decimal strings in projective form `[x, y, "1"]` (G1) and
//! `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]` (G2); public signals are decimal strings.
//! BN254 ("bn128" in snarkjs) and its G2 twist are the same curve in both libraries,
//! and both check `e(A, B) = e(alpha, beta) e(L, gamma) e(C, delta)`.

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ec::pairing::Pairing;
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};
use serde_json::{Value, json};
use zktr_circuits::Fr;
use zktr_circuits::field::fr_to_decimal;

/// Decimal of the canonical integer (snarkjs's form).
fn fq(x: &Fq) -> String {
    num_bigint::BigUint::from(x.into_bigint()).to_str_radix(10)
}

fn fq2(x: &Fq2) -> Value {
    json!([fq(&x.c0), fq(&x.c1)])
}

fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq(&x), fq(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// `proof.json`.
pub fn proof_json(proof: &Proof<Bn254>) -> Value {
    json!({
        "pi_a": g1(&proof.a),
        "pi_b": g2(&proof.b),
        "pi_c": g1(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// `public.json`.
pub fn public_json(public_inputs: &[Fr]) -> Value {
    Value::Array(
        public_inputs
            .iter()
            .map(|x| Value::String(fr_to_decimal(x)))
            .collect(),
    )
}

/// `verification_key.json`.
pub fn verification_key_json(vk: &VerifyingKey<Bn254>) -> Value {
    let alphabeta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
    // snarkjs's vk_alphabeta_12: [[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]] of Fq2 pairs.
    let f6 = |x: &ark_bn254::Fq6| json!([fq2(&x.c0), fq2(&x.c1), fq2(&x.c2)]);
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1(&vk.alpha_g1),
        "vk_beta_2": g2(&vk.beta_g2),
        "vk_gamma_2": g2(&vk.gamma_g2),
        "vk_delta_2": g2(&vk.delta_g2),
        "vk_alphabeta_12": [f6(&alphabeta.c0), f6(&alphabeta.c1)],
        "IC": vk.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// The three files of one claim, as `(file name, pretty JSON)`.
pub fn export(
    vk: &VerifyingKey<Bn254>,
    public_inputs: &[Fr],
    proof: &Proof<Bn254>,
) -> [(&'static str, String); 3] {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    [
        ("proof.json", pretty(&proof_json(proof))),
        ("public.json", pretty(&public_json(public_inputs))),
        ("verification_key.json", pretty(&verification_key_json(vk))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_matches_the_scalar_printer() {
        // Small and large values agree with zktr_circuits' decimal printer.
        for v in [0u64, 1, 255, 256, 1_000_000_007, u64::MAX] {
            assert_eq!(fq(&Fq::from(v)), v.to_string());
        }
        let p = -Fq::from(1u64);
        assert_eq!(
            fq(&p),
            "21888242871839275222246405745257275088696311157297823662689037894645226208582"
        );
    }
}
