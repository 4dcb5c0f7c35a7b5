//! Finding snarkjs (installed by `scripts/test.sh` into `target/npm`), as
//! `tests/snarkjs_verify.rs` of the workspace does: skipped with a message when absent,
//! mandatory under CI (`CI` set).

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn snarkjs() -> Option<PathBuf> {
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
        if std::env::var_os("CI").is_some() {
            panic!(
                "CI is set but node/snarkjs is missing: scripts/test.sh installs it into target/npm"
            );
        }
        eprintln!("SKIPPED: node or snarkjs not available (run scripts/test.sh to install it)");
    }
    found
}

/// Runs snarkjs; returns (success, output).
pub fn run(bin: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin)
        .args(args)
        .output()
        .expect("running snarkjs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
