//! Real `zktr node` processes on loopback, driven by the real CLI: a plain TRISA transfer
//! through every state with `zktr transfer ...`, graceful SIGTERM and restarts, and nodes
//! killed with SIGKILL at the worst moments losing nothing they acknowledged.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;
use common::free_port;

const ZKTR: &str = env!("CARGO_BIN_EXE_zktr");
const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

fn identity_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ivms101/trisa/identity_payload.json")
}

fn zktr(args: &[&str]) -> Output {
    Command::new(ZKTR)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run zktr")
}

fn ok(args: &[&str]) -> String {
    let out = zktr(args);
    assert!(
        out.status.success(),
        "zktr {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Node {
    name: String,
    dir: PathBuf,
    peer: u16,
}

impl Node {
    fn init(root: &Path, ca: &Path, name: &str) -> Self {
        let dir = root.join(name);
        let peer = free_port();
        let (bo, http) = (free_port(), free_port());
        ok(&[
            "node",
            "init",
            "--dir",
            dir.to_str().unwrap(),
            "--name",
            name,
            "--ca",
            ca.to_str().unwrap(),
            "--peer",
            &format!("127.0.0.1:{peer}"),
            "--backoffice",
            &format!("127.0.0.1:{bo}"),
            "--http",
            &format!("127.0.0.1:{http}"),
            "--sealing",
            "x25519",
        ]);
        Self {
            name: name.into(),
            dir,
            peer,
        }
    }

    fn config(&self) -> String {
        self.dir.join("node.toml").display().to_string()
    }

    fn knows(&self, other: &Node) {
        let text = format!(
            "[[peer]]\nname = \"{}\"\nendpoint = \"127.0.0.1:{}\"\nserver_name = \"localhost\"\n",
            other.name, other.peer
        );
        std::fs::write(self.dir.join("peers.toml"), text).unwrap();
    }

    fn start(&self, env: &[(&str, &str)]) -> Running {
        let mut cmd = Command::new(ZKTR);
        cmd.args(["node", "--config", &self.config()])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start zktr node");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx2.send(l);
            }
        });
        let running = Running { child, lines };
        running.wait_for("listening", Duration::from_secs(30));
        running
    }

    fn transfer(&self, args: &[&str]) -> String {
        let mut all = vec!["transfer", args[0], "--config"];
        let config = self.config();
        all.push(&config);
        all.extend_from_slice(&args[1..]);
        ok(&all)
    }

    /// `zktr transfer list` as (id, state) pairs.
    fn list(&self) -> Vec<(String, String)> {
        self.transfer(&["list"])
            .lines()
            .map(|l| {
                let mut w = l.split_whitespace();
                (w.next().unwrap().to_string(), w.next().unwrap().to_string())
            })
            .collect()
    }

    fn wait_states(&self, want: &str, n: usize, secs: u64) -> Vec<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let l = self.list();
            if l.len() == n && l.iter().all(|(_, s)| s == want) {
                return l;
            }
            assert!(
                Instant::now() < deadline,
                "{}: wanted {n} x {want}, have {l:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(_) => {}
                Err(_) => panic!("no line with {needle:?} within {timeout:?}"),
            }
        }
    }

    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (graceful shutdown).
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "node did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn network() -> (tempfile::TempDir, Node, Node) {
    let root = tempfile::tempdir().unwrap();
    let ca = root.path().join("ca");
    ok(&["certs", "init", "--dir", ca.to_str().unwrap()]);
    let a = Node::init(root.path(), &ca, "alpha.test");
    let b = Node::init(root.path(), &ca, "beta.test");
    a.knows(&b);
    b.knows(&a);
    (root, a, b)
}

fn send(a: &Node) -> String {
    let identity = identity_file().display().to_string();
    let line = a.transfer(&[
        "send",
        "--peer",
        "beta.test",
        "--identity",
        &identity,
        "--beneficiary-address",
        ADDRESS,
        "--network",
        "ETH",
        "--amount",
        "2.5",
    ]);
    line.split_whitespace().next().unwrap().to_string()
}

#[test]
fn the_cli_drives_a_transfer_through_every_state_across_restarts() {
    let (_root, a, b) = network();
    let ra = a.start(&[]);
    let rb = b.start(&[]);
    ok(&[
        "address",
        "add",
        "--config",
        &b.config(),
        ADDRESS,
        "--network",
        "ETH",
    ]);
    let id = send(&a);
    assert_eq!(a.list(), [(id.clone(), "PENDING".to_string())]);
    assert_eq!(b.list(), [(id.clone(), "REVIEW".to_string())]);
    assert!(
        b.transfer(&["accept", &id, "--note", "cleared"])
            .contains("ACCEPTED")
    );
    assert_eq!(a.list(), [(id.clone(), "ACCEPTED".to_string())]);

    // Both stop gracefully on SIGTERM and come back with their records.
    assert!(ra.terminate().success());
    assert!(rb.terminate().success());
    let ra = a.start(&[]);
    let rb = b.start(&[]);
    assert!(
        a.transfer(&["complete", &id, "--txid", "0xabc"])
            .contains("COMPLETED")
    );
    let shown = b.transfer(&["show", &id]);
    assert!(
        shown.contains("COMPLETED") && shown.contains("txid: 0xabc"),
        "{shown}"
    );
    assert!(
        !shown.contains("Originator"),
        "no personal data unless asked: {shown}"
    );
    let with_pii = b.transfer(&["show", &id, "--payload"]);
    assert!(with_pii.contains("IdentityPayload"));
    // A bad command answers with an error and a non-zero exit, the node keeps its data.
    let bad = zktr(&[
        "transfer",
        "accept",
        "--config",
        &b.config(),
        "not-a-transfer",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no transfer"));
    drop(ra);
    drop(rb);
}

/// The beneficiary commits a received transfer and is killed before its reply leaves:
/// the originator retries with the same envelope, the restarted beneficiary answers from
/// storage, and there is exactly one record of the transfer on each side.
#[test]
fn a_beneficiary_killed_between_commit_and_reply_loses_nothing() {
    let (_root, a, b) = network();
    let _ra = a.start(&[]);
    let rb = b.start(&[("ZKTR_FAULT_PAUSE_BEFORE_REPLY_MS", "60000")]);
    ok(&["address", "add", "--config", &b.config(), ADDRESS]);
    let (tx, rx) = mpsc::channel();
    let a_config = a.config();
    let identity = identity_file().display().to_string();
    std::thread::spawn(move || {
        let out = zktr(&[
            "transfer",
            "send",
            "--config",
            &a_config,
            "--peer",
            "beta.test",
            "--identity",
            &identity,
            "--beneficiary-address",
            ADDRESS,
        ]);
        let _ = tx.send(out);
    });
    rb.wait_for(
        "fault injection: pausing before the reply",
        Duration::from_secs(60),
    );
    rb.kill9();
    let out = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("send returns");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        line.contains("STARTED"),
        "not acknowledged by the beneficiary yet: {line}"
    );
    let id = line.split_whitespace().next().unwrap().to_string();

    let rb = b.start(&[]);
    // The originator's outbox retries; the beneficiary answers from storage.
    a.wait_states("PENDING", 1, 60);
    let on_b = b.wait_states("REVIEW", 1, 10);
    assert_eq!(on_b[0].0, id);
    let shown = b.transfer(&["show", &id]);
    assert!(
        shown.contains("envelopes stored: 2"),
        "one request and one reply: {shown}"
    );
    drop(rb);
}

/// The originator acknowledges transfers while the beneficiary is down, is killed, and
/// delivers every one of them after both restart.
#[test]
fn an_originator_killed_after_acknowledging_delivers_everything_later() {
    let (_root, a, b) = network();
    let ra = a.start(&[]);
    let ids: Vec<String> = (0..3).map(|_| send(&a)).collect();
    for (_, state) in a.list() {
        assert_eq!(state, "STARTED");
    }
    ra.kill9();
    let rb = b.start(&[]);
    ok(&["address", "add", "--config", &b.config(), ADDRESS]);
    let ra = a.start(&[]);
    let on_a = a.wait_states("PENDING", 3, 60);
    let on_b = b.wait_states("REVIEW", 3, 10);
    let mut want = ids.clone();
    want.sort();
    let mut got_a: Vec<String> = on_a.into_iter().map(|(i, _)| i).collect();
    let mut got_b: Vec<String> = on_b.into_iter().map(|(i, _)| i).collect();
    got_a.sort();
    got_b.sort();
    assert_eq!(got_a, want);
    assert_eq!(got_b, want);
    drop(ra);
    drop(rb);
}

#[test]
fn peers_discover_tells_a_plain_trisa_node_apart() {
    // Two plain TRISA nodes (no [attest]): discovery says so and prints `zktr = false`.
    // (Discovery of a zktr node, with its keys, is in node/tests/attested.rs.)
    let (_root, a, b) = network();
    let _b = b.start(&[]);
    let out = zktr(&[
        "peers",
        "discover",
        "--config",
        &a.config(),
        "--node",
        &format!("127.0.0.1:{}", b.peer),
        "--server-name",
        "localhost",
    ]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not speak zktr"), "{stderr}");
    assert!(stdout.contains("zktr = false"), "{stdout}");
    // Nothing listens on port 9: a typed error, exit 2 (an error, not a verdict), no panic.
    let out = zktr(&[
        "peers",
        "discover",
        "--config",
        &a.config(),
        "--node",
        "127.0.0.1:9",
        "--server-name",
        "localhost",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Unavailable") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
