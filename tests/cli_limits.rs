//! Bounded input at the command line: `/dev/zero` (or a file one byte over the limit)
//! given as an IVMS101 file, an envelope, a payload, a key, a trust file, a set, a list,
//! a proof bundle, a policy, a parameters manifest or a verifying key fails within seconds
//! with an error naming the file and the limit, and so does a 1.4 KB bzip2 bomb that
//! unpacks to over 1 GiB given to `sanctions build`; each run's peak RSS must stay under
//! 200 MB (measured with `/usr/bin/time` when installed, else by reading the child's
//! `VmHWM` while it runs).

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::VerifyingKey;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zktr_circuits::circuits::CircuitId;
use zktr_records::manifest::{
    KeyFile, MANIFEST_FILE, MANIFEST_FORMAT, MAX_MANIFEST_BYTES, Manifest, ManifestCircuit,
    SINGLE_PARTY_DEV, key_file_stem, sha256_hex, verifying_key_bytes, verifying_key_id,
};

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Exit code, stderr, seconds and peak RSS in KiB.
fn run(args: &[String]) -> (Option<i32>, String, f64, Option<u64>) {
    if Path::new("/usr/bin/time").exists() {
        return run_timed(args);
    }
    // A child that ends within a few milliseconds can end before the first reading:
    // run it again (on a busy machine) until one is taken.
    let mut out = run_polled(args);
    for _ in 0..20 {
        if out.3.is_some() {
            break;
        }
        out = run_polled(args);
    }
    out
}

/// Under `/usr/bin/time -f %M` (the child's peak RSS from the kernel, exact).
fn run_timed(args: &[String]) -> (Option<i32>, String, f64, Option<u64>) {
    let rss_file = tempfile::NamedTempFile::new().unwrap();
    let t = Instant::now();
    let o = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(rss_file.path())
        .arg(env!("CARGO_BIN_EXE_zktr"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string(rss_file.path())
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        secs,
        rss,
    )
}

/// The child's `VmHWM` from `/proc/<pid>/status`, read continuously while it runs (the
/// high-water mark only grows, so the last reading is the peak up to that moment: a
/// fallback, less exact than `/usr/bin/time`). Readings taken before the child has
/// exec'd `zktr` (its `Name:`) are the test's own, and skipped.
fn run_polled(args: &[String]) -> (Option<i32>, String, f64, Option<u64>) {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zktr"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak: Option<u64> = None;
    let status = loop {
        let hwm = std::fs::read_to_string(&status_file).ok().and_then(|t| {
            let field = |name: &str| {
                t.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            if field("Name:")? != "zktr" {
                return None;
            }
            field("VmHWM:")?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        });
        if let Some(kib) = hwm {
            peak = Some(peak.map_or(kib, |p| p.max(kib)));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::yield_now();
    };
    let secs = t.elapsed().as_secs_f64();
    (status.code(), reader.join().unwrap(), secs, peak)
}

/// Runs each case and checks: exit 2, the expected text, no panic, under 20 s, and a
/// measured peak RSS under 200 MB.
fn check(cases: Vec<(Vec<String>, String)>) {
    for (args, expect) in cases {
        let (code, err, secs, rss) = run(&args);
        eprintln!(
            "{args:?}: {secs:.2} s, peak RSS {:?} KiB: {}",
            rss,
            err.trim()
        );
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(&expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            Duration::from_secs_f64(secs) < Duration::from_secs(20),
            "{args:?}: {secs} s"
        );
        let kib = rss.unwrap_or_else(|| panic!("{args:?}: peak RSS not measured"));
        assert!(kib < 200 * 1024, "{args:?}: peak RSS {kib} KiB");
    }
}

/// Makes a publisher key with the CLI itself.
fn keygen(key: &Path) {
    assert!(
        Command::new(env!("CARGO_BIN_EXE_zktr"))
            .args(["sanctions", "keygen", "--out", &s(key)])
            .output()
            .unwrap()
            .status
            .success()
    );
}

/// A parameters folder the verifier loads: for every circuit a verifying key of generator
/// points (valid points that verify nothing) and a manifest naming it. With `first_vk`,
/// the first circuit's key file is a symbolic link to that file instead.
fn fake_params(dir: &Path, first_vk: Option<&Path>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut circuits = Vec::new();
    for (i, c) in CircuitId::ALL.into_iter().enumerate() {
        let n = c.public_input_count();
        let vk = VerifyingKey::<Bn254> {
            alpha_g1: G1Affine::generator(),
            beta_g2: G2Affine::generator(),
            gamma_g2: G2Affine::generator(),
            delta_g2: G2Affine::generator(),
            gamma_abc_g1: vec![G1Affine::generator(); n + 1],
        };
        let bytes = verifying_key_bytes(&vk);
        let file = format!("{}.vk", key_file_stem(c));
        match first_vk {
            Some(target) if i == 0 => std::os::unix::fs::symlink(target, dir.join(&file)).unwrap(),
            _ => std::fs::write(dir.join(&file), &bytes).unwrap(),
        }
        circuits.push(ManifestCircuit {
            circuit: c.as_str().to_string(),
            constraints: 1,
            public_inputs: n,
            proving_key: KeyFile {
                file: format!("{}.pk", key_file_stem(c)),
                sha256: "0".repeat(64),
                bytes: 0,
            },
            verifying_key: KeyFile {
                file,
                sha256: sha256_hex(&bytes),
                bytes: bytes.len() as u64,
            },
            verifying_key_id: verifying_key_id(&vk),
            tables: None,
        });
    }
    Manifest {
        format: MANIFEST_FORMAT,
        ceremony: SINGLE_PARTY_DEV.to_string(),
        created_at: 0,
        curve: "bn254".to_string(),
        circuits,
        transcript: None,
    }
    .save(dir)
    .unwrap();
}

#[test]
fn endless_inputs_fail_fast_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("k");
    keygen(&key);
    let zero = "/dev/zero".to_string();
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            v(&["ivms101", "validate", &zero]),
            "limit for an IVMS101 JSON document",
        ),
        (
            v(&["ivms101", "convert", &zero]),
            "limit for an IVMS101 JSON document",
        ),
        (v(&["envelope", "open", &zero]), "limit for an envelope"),
        (
            v(&["envelope", "open", "--key", &zero, &zero]),
            "limit for an envelope",
        ),
        (
            v(&["envelope", "seal", "--to", &zero, "--payload", &zero]),
            "limit for a PEM key",
        ),
        (
            v(&[
                "sanctions",
                "check",
                "--set",
                &zero,
                "--name",
                "x",
                "--publisher",
                &format!("{}.pub", s(&key)),
            ]),
            "not a .zkts file",
        ),
        (
            v(&[
                "sanctions",
                "verify",
                &s(&d.join("none.zkts")),
                "--publisher",
                &zero,
            ]),
            "limit for a key file",
        ),
        (
            v(&[
                "sanctions",
                "check",
                "--set",
                &zero,
                "--name",
                "x",
                "--trust",
                &zero,
            ]),
            "limit for a trust file",
        ),
        (
            v(&[
                "sanctions",
                "build",
                "--ofac-advanced",
                &zero,
                "--key",
                &s(&key),
                "--out",
                &s(&d.join("o")),
            ]),
            "limit",
        ),
        (
            v(&[
                "sanctions",
                "build",
                "--un",
                &zero,
                "--key",
                &s(&key),
                "--out",
                &s(&d.join("o")),
            ]),
            "limit",
        ),
    ];
    check(cases.into_iter().map(|(a, e)| (a, e.to_string())).collect());
}

#[test]
fn bundles_policies_manifests_and_verifying_keys_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let zero = Path::new("/dev/zero");
    let policy = s(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/params/policy.example.json"
    )));
    // Loadable (fake) keys, so that `bundle verify` gets as far as the bundles.
    let params = d.join("params");
    fake_params(&params, None);
    // A manifest that is /dev/zero, and one a byte over the limit.
    let zero_manifest = d.join("zero-manifest");
    std::fs::create_dir(&zero_manifest).unwrap();
    std::os::unix::fs::symlink(zero, zero_manifest.join(MANIFEST_FILE)).unwrap();
    let big_manifest = d.join("big-manifest");
    std::fs::create_dir(&big_manifest).unwrap();
    std::fs::write(
        big_manifest.join(MANIFEST_FILE),
        vec![b' '; MAX_MANIFEST_BYTES as usize + 1],
    )
    .unwrap();
    // A manifest whose first verifying key is /dev/zero.
    let zero_vk = d.join("zero-vk");
    fake_params(&zero_vk, Some(zero));
    let big_policy = d.join("big-policy.json");
    std::fs::write(
        &big_policy,
        vec![b' '; zktr_verifier::MAX_POLICY_FILE_BYTES as usize + 1],
    )
    .unwrap();
    let big_bundle = d.join("big-bundle.json");
    std::fs::write(&big_bundle, vec![b' '; (1 << 20) + 1]).unwrap();

    let verify = |policy: &str, params: &Path, bundle: &str| -> Vec<String> {
        [
            "bundle",
            "verify",
            "--policy",
            policy,
            "--params",
            &s(params),
            bundle,
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    };
    let cases = vec![
        (
            verify("/dev/zero", &params, "none.json"),
            "/dev/zero: larger than the 1 MiB limit for a policy file".to_string(),
        ),
        (
            verify(&s(&big_policy), &params, "none.json"),
            format!(
                "{}: larger than the 1 MiB limit for a policy file",
                s(&big_policy)
            ),
        ),
        (
            verify(&policy, &zero_manifest, "none.json"),
            format!(
                "{}: larger than the 1 MiB limit for a parameters manifest",
                s(&zero_manifest.join(MANIFEST_FILE))
            ),
        ),
        (
            verify(&policy, &big_manifest, "none.json"),
            format!(
                "{}: larger than the 1 MiB limit for a parameters manifest",
                s(&big_manifest.join(MANIFEST_FILE))
            ),
        ),
        (
            verify(&policy, &zero_vk, "none.json"),
            format!(
                "{}: larger than the 64 KiB limit for a verifying key",
                s(&zero_vk.join(format!("{}.vk", key_file_stem(CircuitId::ALL[0]))))
            ),
        ),
        (
            verify(&policy, &params, "/dev/zero"),
            "/dev/zero: larger than the 1 MiB limit for a proof bundle".to_string(),
        ),
        (
            verify(&policy, &params, &s(&big_bundle)),
            format!(
                "{}: larger than the 1 MiB limit for a proof bundle",
                s(&big_bundle)
            ),
        ),
        (
            ["snarkjs", "--bundle", "/dev/zero", "--claim", "threshold"]
                .iter()
                .map(|x| x.to_string())
                .chain(["--out".to_string(), s(&d.join("claim"))])
                .collect(),
            "/dev/zero: larger than the 1 MiB limit for a proof bundle".to_string(),
        ),
    ];
    check(cases);
}

/// A bzip2 bomb made of one byte: one stream of 64 MiB of `>` (about 80 bytes) written 17
/// times (bzip2 readers, like `bzip2 -d`, read concatenated streams): 1.4 KB that unpacks
/// to 1.06 GiB. `>` ends XML markup, so the text-node limit never fires; the compression
/// ratio limit must.
#[test]
fn a_decompression_bomb_fails_fast_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("k");
    keygen(&key);
    const CHUNK: usize = 64 << 20;
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(&vec![b'>'; CHUNK]).unwrap();
    let stream = enc.finish().unwrap();
    let copies = (1 << 30) / CHUNK + 1;
    let bomb = stream.repeat(copies);
    let unpacked = (CHUNK * copies) as u64;
    eprintln!("bomb: {} bytes unpacking to {} bytes", bomb.len(), unpacked);
    assert!(bomb.len() < 2_000 && unpacked > 1 << 30);
    let path = d.join("sdn_advanced.xml.bz2");
    std::fs::write(&path, &bomb).unwrap();
    let args = [
        "sanctions",
        "build",
        "--ofac-advanced",
        &s(&path),
        "--key",
        &s(&key),
        "--out",
        &s(&d.join("o.zkts")),
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    check(vec![(
        args,
        "unpacks more than 256 times its compressed size (limit; a decompression bomb?)"
            .to_string(),
    )]);
}
