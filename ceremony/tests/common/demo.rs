//! A small circuit for fast tests: knows `x` with `x^5 + x + 5 = y` (y public), plus a
//! second public `z = x + y`.

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

#[derive(Clone)]
pub struct Demo {
    pub x: Fr,
}

impl Demo {
    pub fn publics(&self) -> Vec<Fr> {
        let y = self.x * self.x * self.x * self.x * self.x + self.x + Fr::from(5u64);
        vec![y, self.x + y]
    }
}

impl ConstraintSynthesizer<Fr> for Demo {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let p = self.publics();
        let y = FpVar::new_input(cs.clone(), || Ok(p[0]))?;
        let z = FpVar::new_input(cs.clone(), || Ok(p[1]))?;
        let x = FpVar::new_witness(cs.clone(), || Ok(self.x))?;
        let x2 = &x * &x;
        let x4 = &x2 * &x2;
        let x5 = &x4 * &x;
        (x5 + &x + Fr::from(5u64)).enforce_equal(&y)?;
        (&x + &y).enforce_equal(&z)?;
        Ok(())
    }
}
