//! Logs never carry personal data, keys or salts. Two real `zktr node` processes log in
//! JSON (`--log-format json`) at the most verbose level zktr has (`trace` for zktr's
//! crates, `debug` for the libraries under them) while one attested transfer goes from
//! alpha to beta and is completed; then every line either writes (both nodes and the
//! CLI that drove them) must be one JSON object, and none may contain any value of the
//! payload's natural persons (names, street, town, post code, national identifier,
//! customer number, date and place of birth, account numbers) or the beneficiary's
//! address, or any of the nodes' private keys.

mod common;

use common::{ADDRESS, AttestedNetwork, Proc, list, shared, wait_until};
use std::path::Path;
use std::process::{Command, Stdio};

const LOG_LEVEL: &str = "debug,zktr=trace,zktr_node=trace,zktr_prover=trace,zktr_verifier=trace,zktr_trisa=trace,zktr_ivms101=trace,zktr_sanctions=trace,zktr_records=trace,gr1cs=off,r1cs=off";

/// The values of the payload's natural persons (and their account numbers) a log must
/// never show: every string leaf under `originator` and `beneficiary`, except the
/// IVMS101 code lists (name and address types, countries) that say nothing about anyone.
fn personal_values(payload: &serde_json::Value) -> Vec<String> {
    fn walk(key: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| walk(k, v, out)),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(key, v, out)),
            serde_json::Value::String(s) => {
                let code_list = key.ends_with("Type")
                    || key.starts_with("country")
                    || key == "registrationAuthority";
                if !code_list && s.len() >= 4 {
                    out.push(s.clone());
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", &payload["originator"], &mut out);
    walk("", &payload["beneficiary"], &mut out);
    out.sort();
    out.dedup();
    out
}

/// The base64 / hex bodies of a node's private key files.
fn private_key_material(node_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in [node_dir.join("keys"), node_dir.join("certs")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".pub") || name.ends_with(".pem") && !name.contains("key") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                let line = line.trim();
                if line.len() >= 24 && !line.starts_with("-----") {
                    out.push(line.to_string());
                }
            }
        }
    }
    out
}

/// Whether `line` shows `value`. Short all-digit values (a customer number such as
/// `2642`) also occur as durations and ports, so they count only as a whole string.
fn shows(line: &str, value: &str) -> bool {
    if value.len() < 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        line.contains(&format!("\"{value}\"")) || line.contains(&format!(" {value} "))
    } else {
        line.contains(value)
    }
}

#[test]
fn a_transfer_logs_no_personal_data_keys_or_salts_in_json() {
    zktr_node::tls::install_crypto_provider();
    let net = AttestedNetwork::build(&[]);
    net.alpha_reaches_beta_at(net.b_peer);
    let dir = net.dir();
    let log_file = |name: &str| {
        let f = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
        Stdio::from(f)
    };
    let json = ["--log-format", "json"];
    let env = [("RUST_LOG", LOG_LEVEL)];
    let (a_cfg, b_cfg) = (net.config("alpha.test"), net.config("beta.test"));
    let alpha = Proc::start_args(&a_cfg, &json, &env, log_file("alpha"));
    let beta = Proc::start_args(&b_cfg, &json, &env, log_file("beta"));

    // The CLI commands log in JSON too (through ZKTR_LOG_FORMAT this time).
    let mut cli_log = String::new();
    let mut cli = |args: &[&str]| -> String {
        let out = Command::new(common::ZKTR)
            .args(args)
            .env("RUST_LOG", LOG_LEVEL)
            .env("ZKTR_LOG_FORMAT", "json")
            .output()
            .expect("run zktr");
        cli_log.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "zktr {args:?}: {cli_log}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    cli(&[
        "address",
        "add",
        "--config",
        b_cfg.to_str().unwrap(),
        ADDRESS,
    ]);
    let id = net.send(250_000);
    wait_until(120, "the transfer to be accepted", || {
        list(&a_cfg)
            .iter()
            .any(|(i, s)| *i == id && s == "ACCEPTED")
    });
    cli(&[
        "transfer",
        "complete",
        "--config",
        a_cfg.to_str().unwrap(),
        &id,
        "--txid",
        &format!("0x{:064x}", 7),
    ]);
    wait_until(120, "completion on both sides", || {
        list(&a_cfg)
            .iter()
            .any(|(i, s)| *i == id && s == "COMPLETED")
            && list(&b_cfg)
                .iter()
                .any(|(i, s)| *i == id && s == "COMPLETED")
    });
    // The beneficiary's back office reads the plaintext (that is its job, on stdout).
    let shown = cli(&["transfer", "show", "--config", b_cfg.to_str().unwrap(), &id]);
    assert!(shown.contains("COMPLETED"), "{shown}");
    alpha.terminate();
    beta.terminate();

    let payload: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared("ivms101/trisa/identity_payload.json")).unwrap(),
    )
    .unwrap();
    let mut forbidden = personal_values(&payload);
    assert!(
        forbidden.iter().any(|v| v == "Howard") && forbidden.iter().any(|v| v == "112502920"),
        "the payload's values were found: {forbidden:?}"
    );
    forbidden.push(ADDRESS.to_string());
    let keys: Vec<String> = ["alpha.test", "beta.test"]
        .iter()
        .flat_map(|n| private_key_material(&dir.join(n)))
        .collect();
    assert!(keys.len() >= 4, "the nodes' private keys were found");

    let mut lines = 0;
    for (source, text) in [
        (
            "alpha",
            std::fs::read_to_string(dir.join("alpha.log")).unwrap(),
        ),
        (
            "beta",
            std::fs::read_to_string(dir.join("beta.log")).unwrap(),
        ),
        ("cli", cli_log),
    ] {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            lines += 1;
            let parsed: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{source}: a log line is not JSON ({e}): {line}"));
            assert!(
                parsed.get("level").is_some() && parsed.get("timestamp").is_some(),
                "{source}: {line}"
            );
            for value in &forbidden {
                assert!(!shows(line, value), "{source} logged {value:?}: {line}");
            }
            for key in &keys {
                assert!(
                    !line.contains(key.as_str()),
                    "{source} logged key material: {line}"
                );
            }
        }
    }
    // The nodes did log the transfer (the search above covered real lines).
    let all = std::fs::read_to_string(dir.join("alpha.log")).unwrap();
    assert!(
        all.contains("transfer proved"),
        "alpha's log has the proving"
    );
    assert!(lines > 50, "only {lines} log lines");
    eprintln!(
        "logs: {lines} JSON lines searched for {} personal values and {} key lines",
        forbidden.len(),
        keys.len()
    );
}
