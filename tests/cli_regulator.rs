//! `zktr regulator audit|disclose` against two real `zktr node` processes on loopback
//! (mutual TLS, real Groth16 proofs): a supervisor's certificate audits a day of attested
//! transfers (exit 0, report.json and report.html written), has one slot disclosed and
//! checked against C, and is refused a slot the policy keeps back; a certificate
//! without the regulator role is refused.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;
use common::free_port;

const ZKTR: &str = env!("CARGO_BIN_EXE_zktr");
const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path)
}

fn run(args: &[&str]) -> Output {
    Command::new(ZKTR)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run zktr")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "zktr {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_string()
}

struct Proc(Child);

impl Proc {
    fn start(config: &Path) -> Self {
        let mut child = Command::new(ZKTR)
            .args(["node", "--config", config.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a node");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the node prints where it listens");
        assert!(line.contains("listening"), "{line}");
        Self(child)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_supervisor_audits_a_node_and_asks_for_one_slot() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let p = |s: &str| dir.join(s).display().to_string();
    ok(&["certs", "init", "--dir", &p("ca")]);
    let a_peer = free_port();
    for name in ["alpha.test", "beta.test"] {
        let port = if name == "alpha.test" {
            a_peer
        } else {
            free_port()
        };
        ok(&[
            "node",
            "init",
            "--dir",
            &p(name),
            "--name",
            name,
            "--ca",
            &p("ca"),
            "--peer",
            &format!("127.0.0.1:{port}"),
            "--backoffice",
            &format!("127.0.0.1:{}", free_port()),
            "--http",
            &format!("127.0.0.1:{}", free_port()),
            "--sealing",
            "x25519",
        ]);
    }
    ok(&[
        "certs",
        "issue",
        "--ca",
        &p("ca"),
        "--name",
        "supervisor.test",
        "--out",
        &p("supervisor"),
    ]);
    ok(&["setup", "--out", &p("params")]);
    ok(&["sanctions", "keygen", "--out", &p("publisher.key")]);
    ok(&[
        "sanctions",
        "build",
        "--addresses",
        shared("sanctions/ofac/address-lists-brave-2025-11-19")
            .to_str()
            .unwrap(),
        "--key",
        &p("publisher.key"),
        "--out",
        &p("set.zkts"),
    ]);
    let publisher: serde_json::Value =
        serde_json::from_str(&read(&dir.join("publisher.key.pub"))).unwrap();
    let mut policy: serde_json::Value = serde_json::from_str(&read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("params/policy.example.json"),
    ))
    .unwrap();
    policy["sanctions_publishers"] = serde_json::json!([{
        "name": "test publisher",
        "public_key": publisher["public_key"],
        "max_age_seconds": 86400,
        "lists": [{ "list_id": "addresses" }]
    }]);
    policy["logs"] = serde_json::json!([{
        "log_id": "alpha.test",
        "public_key": read(&dir.join("alpha.test/keys/log.pub")),
        "max_tree_head_age_seconds": 3600
    }]);
    std::fs::write(dir.join("policy.json"), policy.to_string()).unwrap();
    let key = |node: &str, k: &str| read(&dir.join(format!("{node}/keys/{k}.pub")));
    for (name, other) in [("alpha.test", "beta.test"), ("beta.test", "alpha.test")] {
        let cfg = dir.join(name).join("node.toml");
        let mut text = read(&cfg);
        text.push_str(&format!(
            "\n[attest]\nparams = \"{}\"\npolicy = \"{}\"\nsanctions = \"{}\"\njurisdiction = \"FATF\"\nlog_key = \"keys/log.key\"\nreceipt_key = \"keys/receipt.key\"\n\n[regulator]\nnames = [\"supervisor.test\"]\n",
            p("params"),
            p("policy.json"),
            p("set.zkts")
        ));
        std::fs::write(&cfg, text).unwrap();
        let other_cfg = read(&dir.join(other).join("node.toml"));
        let endpoint = other_cfg
            .lines()
            .find_map(|l| l.trim().strip_prefix("peer = "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        std::fs::write(
            dir.join(name).join("peers.toml"),
            format!(
                "[[peer]]\nname = \"{other}\"\nendpoint = \"{endpoint}\"\nserver_name = \"localhost\"\nzktr = true\nlog_key = \"{}\"\nreceipt_key = \"{}\"\n",
                key(other, "log"),
                key(other, "receipt")
            ),
        )
        .unwrap();
    }
    let a_cfg = dir.join("alpha.test/node.toml");
    let b_cfg = dir.join("beta.test/node.toml");
    let _a = Proc::start(&a_cfg);
    let _b = Proc::start(&b_cfg);
    ok(&[
        "address",
        "add",
        "--config",
        b_cfg.to_str().unwrap(),
        ADDRESS,
    ]);
    let line = ok(&[
        "transfer",
        "send",
        "--config",
        a_cfg.to_str().unwrap(),
        "--peer",
        "beta.test",
        "--identity",
        shared("ivms101/trisa/identity_payload.json")
            .to_str()
            .unwrap(),
        "--beneficiary-address",
        ADDRESS,
        "--fiat-value",
        "250000",
        "--fiat-currency",
        "840",
        "--asset-id",
        "60",
        "--asset-amount",
        "1000000000000000000",
    ]);
    let id = line.split_whitespace().next().unwrap().to_string();
    wait_until(300, "the transfer to be receipted", || {
        let shown = ok(&["transfer", "show", "--config", a_cfg.to_str().unwrap(), &id]);
        shown.contains("PENDING") || shown.contains("ACCEPTED")
    });

    let node = format!("127.0.0.1:{a_peer}");
    let tls = |who: &str| -> Vec<String> {
        let (cert, key) = if who == "supervisor" {
            (
                p("supervisor/supervisor.test.pem"),
                p("supervisor/supervisor.test.key"),
            )
        } else {
            (
                p("alpha.test/certs/alpha.test-admin.pem"),
                p("alpha.test/certs/alpha.test-admin.key"),
            )
        };
        vec![
            "--node".into(),
            node.clone(),
            "--server-name".into(),
            "localhost".into(),
            "--cert".into(),
            cert,
            "--key".into(),
            key,
            "--ca".into(),
            p("ca/ca.pem"),
        ]
    };
    let today = {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        (secs - 86_400).to_string()
    };
    let until = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 86_400)
        .to_string();
    let audit_args = |who: &str| -> Vec<String> {
        let mut v = vec!["regulator".to_string(), "audit".into()];
        v.extend(tls(who));
        v.extend(
            [
                "--from",
                &today,
                "--to",
                &until,
                "--out",
                &p("audit"),
                "--policy",
                &p("policy.json"),
                "--params",
                &p("params"),
                "--receipt-key",
                &format!("beta.test={}", key("beta.test", "receipt")),
                "--audit-key",
                &key("alpha.test", "log"),
            ]
            .map(String::from),
        );
        v
    };
    let args = audit_args("supervisor");
    let out = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.contains("1 transfer(s): 1 passed, 0 failed"), "{out}");
    assert!(out.contains("claims verified 4/4"), "{out}");
    let html = read(&dir.join("audit/report.html"));
    assert!(html.contains(&id) && html.contains("passed every check"));
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.join("audit/report.json"))).unwrap();
    assert_eq!(json["summary"]["transfers"], 1);
    assert_eq!(json["transfers"][0]["receipt"]["key_source"], "pinned");

    // One allowed slot, checked against C; a slot the default policy keeps back.
    let mut d = vec!["regulator", "disclose"];
    let t = tls("supervisor");
    d.extend(t.iter().map(String::as_str));
    let mut allowed = d.clone();
    allowed.extend([
        "--transfer",
        &id,
        "--slot",
        "fiat_value",
        "--reason",
        "test",
    ]);
    let out = ok(&allowed);
    assert!(out.contains("fiat_value = 250000  (opens C: ok)"), "{out}");
    let mut kept = d.clone();
    kept.extend(["--transfer", &id, "--slot", "originator_name_key"]);
    let out = run(&kept);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("PermissionDenied") && err.contains("originator_name_key"),
        "{err}"
    );

    // A certificate of the same network without the role.
    let args = audit_args("admin");
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not have the regulator role"), "{err}");
}
