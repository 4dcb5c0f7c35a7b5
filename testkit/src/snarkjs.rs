//! Finding and running snarkjs (npm), which `scripts/test.sh` installs into the
//! workspace's `target/npm`, for the tests that cross-check zktr with it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The snarkjs command: `ZKTR_SNARKJS` if set, else `target/npm/node_modules/.bin/snarkjs`
/// when it and `node` are there. Without them it prints `SKIPPED: ...` and returns
/// `None`, except under CI (`CI` set), where a missing snarkjs fails the test.
pub fn find_snarkjs() -> Option<PathBuf> {
    let found = if let Ok(p) = std::env::var("ZKTR_SNARKJS") {
        Some(PathBuf::from(p))
    } else {
        let local =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/npm/node_modules/.bin/snarkjs");
        let node_ok = Command::new("node")
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        (node_ok && local.exists()).then_some(local)
    };
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but node/snarkjs is missing: scripts/test.sh installs it into target/npm"
        );
        eprintln!("SKIPPED: node or snarkjs not available (run scripts/test.sh to install it)");
    }
    found
}

/// Runs snarkjs with `args`; returns whether it succeeded and its stdout and stderr.
pub fn run_snarkjs(bin: &Path, args: &[&str]) -> (bool, String) {
    let out = match Command::new(bin).args(args).output() {
        Ok(out) => out,
        Err(e) => return (false, format!("running {}: {e}", bin.display())),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `snarkjs groth16 verify` on the `verification_key.json`, `public.json` and
/// `proof.json` in `dir` (as `zktr snarkjs` and `zktr_verifier::snarkjs::export` write
/// them); true only when snarkjs succeeds and says OK. Also returns its output.
pub fn groth16_verify(bin: &Path, dir: &Path) -> (bool, String) {
    let path = |f: &str| dir.join(f).display().to_string();
    let (ok, text) = run_snarkjs(
        bin,
        &[
            "groth16",
            "verify",
            &path("verification_key.json"),
            &path("public.json"),
            &path("proof.json"),
        ],
    );
    (ok && text.contains("OK"), text)
}
