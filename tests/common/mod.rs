//! Two real `zktr node` processes set up for attested transfers with the CLI alone, as
//! an operator would: a dev CA, `node init` twice (X25519 sealing), `zktr setup` keys,
//! a sanctions set built from the whole OFAC SDN list and the published address lists,
//! signed by a publisher key, and a policy trusting that publisher and alpha's log.
//! Shared by the tests that run processes (`attested_faults.rs`, `node_logs.rs`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const ZKTR: &str = env!("CARGO_BIN_EXE_zktr");
/// beta's customer address every test transfer pays.
pub const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

/// A file of the shared data folder beside the repository.
pub fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path)
}

/// Runs `zktr args` (logs at `warn`) and returns what it did.
pub fn zktr(args: &[&str]) -> Output {
    Command::new(ZKTR)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run zktr")
}

/// Runs `zktr args` and returns its stdout; panics with both streams if it failed.
pub fn ok(args: &[&str]) -> String {
    let out = zktr(args);
    assert!(
        out.status.success(),
        "zktr {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback port free now and never handed out before in this test process. The
/// tests of one binary run in parallel and a node binds its ports only when it starts
/// (and again, the same ports, when a fault test restarts it), so the operating system
/// could hand a port given to one test, not yet bound or just released by a killed node,
/// to another test: a node then fails to start. Each port is given out once.
pub fn free_port() -> u16 {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    for _ in 0..1000 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if handed.insert(port) {
            return port;
        }
    }
    panic!("no loopback port that was not handed out already")
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_string()
}

/// `alpha.test` and `beta.test`, initialised and configured for attested transfers (not
/// started). alpha's peers file is written by [`AttestedNetwork::alpha_reaches_beta_at`]
/// (directly, or through a proxy); beta reaches alpha directly.
pub struct AttestedNetwork {
    pub root: tempfile::TempDir,
    pub a_peer: u16,
    pub b_peer: u16,
}

impl AttestedNetwork {
    /// Builds the network in a temporary folder. `extra_certs`: more certificates the
    /// CA issues (`name`, SAN `localhost`, into `dir/<name>`), e.g. for a proxy.
    pub fn build(extra_certs: &[&str]) -> Self {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        let p = |s: &str| dir.join(s).display().to_string();
        ok(&["certs", "init", "--dir", &p("ca")]);
        let (a_peer, b_peer) = (free_port(), free_port());
        for (name, port) in [("alpha.test", a_peer), ("beta.test", b_peer)] {
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
        for name in extra_certs {
            ok(&[
                "certs",
                "issue",
                "--ca",
                &p("ca"),
                "--name",
                name,
                "--san",
                "localhost",
                "--out",
                &p(name),
            ]);
        }
        ok(&["setup", "--out", &p("params")]);
        ok(&["sanctions", "keygen", "--out", &p("publisher.key")]);
        // The whole SDN list (names, identifiers, addresses) and the published address lists.
        let built = ok(&[
            "sanctions",
            "build",
            "--ofac-advanced",
            shared("sanctions/ofac/sdn_advanced_2025-11-19.xml.bz2")
                .to_str()
                .unwrap(),
            "--addresses",
            shared("sanctions/ofac/address-lists-brave-2025-11-19")
                .to_str()
                .unwrap(),
            "--key",
            &p("publisher.key"),
            "--out",
            &p("set.zkts"),
        ]);
        let list_id = built
            .lines()
            .find_map(|l| l.strip_prefix("list:")?.split_whitespace().next())
            .expect("the list id")
            .to_string();
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
            "lists": [{ "list_id": list_id }]
        }]);
        policy["logs"] = serde_json::json!([{
            "log_id": "alpha.test",
            "public_key": read(&dir.join("alpha.test/keys/log.pub")),
            "max_tree_head_age_seconds": 3600
        }]);
        std::fs::write(dir.join("policy.json"), policy.to_string()).unwrap();
        for name in ["alpha.test", "beta.test"] {
            let cfg = dir.join(name).join("node.toml");
            let mut text = read(&cfg);
            text = text.replace("incoming = \"review\"", "incoming = \"accept\"");
            text.push_str(&format!(
                "\n[attest]\nparams = \"{}\"\npolicy = \"{}\"\nsanctions = \"{}\"\njurisdiction = \"FATF\"\nlog_key = \"keys/log.key\"\nreceipt_key = \"keys/receipt.key\"\n",
                p("params"), p("policy.json"), p("set.zkts")
            ));
            std::fs::write(&cfg, text).unwrap();
        }
        let net = Self {
            root,
            a_peer,
            b_peer,
        };
        net.write_peers("beta.test", "alpha.test", a_peer);
        net
    }

    pub fn dir(&self) -> &Path {
        self.root.path()
    }

    /// A node's config file.
    pub fn config(&self, node: &str) -> PathBuf {
        self.dir().join(node).join("node.toml")
    }

    /// A public key a node's `init` wrote (`log`, `receipt`).
    pub fn key(&self, node: &str, which: &str) -> String {
        read(&self.dir().join(format!("{node}/keys/{which}.pub")))
    }

    /// alpha's peers file: beta (a zktr peer) at `127.0.0.1:port`.
    pub fn alpha_reaches_beta_at(&self, port: u16) {
        self.write_peers("alpha.test", "beta.test", port);
    }

    fn write_peers(&self, node: &str, peer: &str, port: u16) {
        std::fs::write(
            self.dir().join(node).join("peers.toml"),
            format!(
                "[[peer]]\nname = \"{peer}\"\nendpoint = \"127.0.0.1:{port}\"\nserver_name = \"localhost\"\nzktr = true\nlog_key = \"{}\"\nreceipt_key = \"{}\"\n",
                self.key(peer, "log"),
                self.key(peer, "receipt")
            ),
        )
        .unwrap();
    }

    /// Sends one attested transfer of the TRISA example identity from alpha to beta;
    /// returns its id.
    pub fn send(&self, fiat_value: u64) -> String {
        let identity = shared("ivms101/trisa/identity_payload.json");
        let line = ok(&[
            "transfer",
            "send",
            "--config",
            self.config("alpha.test").to_str().unwrap(),
            "--peer",
            "beta.test",
            "--identity",
            identity.to_str().unwrap(),
            "--beneficiary-address",
            ADDRESS,
            "--fiat-value",
            &fiat_value.to_string(),
            "--fiat-currency",
            "840",
            "--asset-id",
            "60",
            "--asset-amount",
            "1000000000000000000",
        ]);
        line.split_whitespace().next().unwrap().to_string()
    }
}

/// (id, state) of every transfer a node holds.
pub fn list(config: &Path) -> Vec<(String, String)> {
    ok(&["transfer", "list", "--config", config.to_str().unwrap()])
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect()
}

pub fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out waiting for {what}");
}

/// Polls `check` (done?, a summary of the state) until it is done; fails with the summary,
/// after calling `diagnose`, when the summary has not changed for `stall_secs` or after
/// `cap_secs` in all. For waits whose length depends on the machine (proving), where a
/// fixed timeout is either too short on a slow machine or hides a stall.
pub fn wait_while_progressing(
    what: &str,
    stall_secs: u64,
    cap_secs: u64,
    mut check: impl FnMut() -> (bool, String),
    diagnose: impl FnOnce(),
) {
    let start = std::time::Instant::now();
    let mut last = String::new();
    let mut changed = start;
    loop {
        let (done, summary) = check();
        if done {
            return;
        }
        let now = std::time::Instant::now();
        if summary != last {
            last = summary;
            changed = now;
        }
        let stalled = now.duration_since(changed) > Duration::from_secs(stall_secs);
        if stalled || now.duration_since(start) > Duration::from_secs(cap_secs) {
            diagnose();
            panic!(
                "timed out waiting for {what} ({} after {:.0} s): {last}",
                if stalled { "no progress" } else { "too slow" },
                now.duration_since(start).as_secs_f64()
            );
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
}

/// A running `zktr node` process, killed when dropped.
pub struct Proc {
    pub child: Child,
}

impl Proc {
    /// Starts a node (logs at `warn`, discarded) and waits until it listens.
    pub fn start(config: &Path) -> Self {
        Self::start_with(config, &[("RUST_LOG", "warn")], Stdio::null())
    }

    /// Starts a node with extra environment and global flags (`--log-format json`) and
    /// stderr going to `stderr`; waits until it prints where it listens.
    pub fn start_with(config: &Path, env: &[(&str, &str)], stderr: Stdio) -> Self {
        Self::start_args(config, &[], env, stderr)
    }

    pub fn start_args(config: &Path, flags: &[&str], env: &[(&str, &str)], stderr: Stdio) -> Self {
        let mut cmd = Command::new(ZKTR);
        cmd.args(flags)
            .args(["node", "--config", config.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(stderr);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start a node");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => line,
            Err(e) => {
                // Say how the node ended (a port taken in between, a bad config...): its
                // stderr went where the caller sent it.
                let mut status = None;
                for _ in 0..50 {
                    status = child.try_wait().ok().flatten();
                    if status.is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = child.kill();
                panic!(
                    "the node did not print where it listens ({e}); exit status: {status:?}; config {}",
                    config.display()
                );
            }
        };
        assert!(line.contains("listening"), "{line}");
        Self { child }
    }

    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the node with SIGTERM and waits for it; returns its stderr if it was piped.
    pub fn terminate(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let mut text = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut text);
        }
        let _ = self.child.wait();
        text
    }

    /// The peak resident set (VmHWM, KiB).
    pub fn peak_rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines().find_map(|l| {
                    l.strip_prefix("VmHWM:")?
                        .split_whitespace()
                        .next()?
                        .parse()
                        .ok()
                })
            })
            .unwrap_or(0)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
