//! Bounded input: an endless stream (`/dev/zero`) and a small decompression bomb passed as
//! lists or set files fail within seconds, naming the limit, and this process (the only
//! test in this binary, so the only user of its memory) stays under 200 MB.

use std::io::Write;
use std::time::{Duration, Instant};
use zktr_sanctions::SanctionsError;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Two bzip2 files of well under 200 KB: one unpacks to 2 GiB of zero bytes (no markup
/// at all), the other to 2 GiB of tiny elements (`<a/>` repeated). Each is one 8 MiB
/// stream compressed once and repeated (bzip2 readers read concatenated streams).
fn bombs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for (name, unit) in [
        ("zeros.xml.bz2", &b"\0\0\0\0"[..]),
        ("tags.xml.bz2", &b"<a/>"[..]),
    ] {
        let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        let mut first = b"<Sanctions>".to_vec();
        first.extend(unit.repeat(1 << 21));
        enc.write_all(&first).unwrap();
        let head = enc.finish().unwrap();
        let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        enc.write_all(&unit.repeat(1 << 21)).unwrap();
        let body = enc.finish().unwrap();
        let mut bytes = head;
        for _ in 0..255 {
            bytes.extend_from_slice(&body);
        }
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        out.push(path);
    }
    out
}

#[test]
fn dev_zero_and_bombs_fail_fast_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let zero = std::path::Path::new("/dev/zero");
    let mut results: Vec<(String, Duration, String)> = Vec::new();
    let mut run = |what: &str, f: &dyn Fn() -> Result<(), SanctionsError>| {
        let t = Instant::now();
        let e = f().expect_err(what);
        results.push((what.to_string(), t.elapsed(), e.to_string()));
    };
    for bomb in bombs(dir.path()) {
        let size = std::fs::metadata(&bomb).unwrap().len();
        assert!(size < 200_000, "bomb of {size} bytes");
        run(&format!("bomb {}", bomb.display()), &|| {
            zktr_sanctions::ofac_advanced::read_ofac_advanced_file(&bomb, &mut |_, _| {})
                .map(|_| ())
        });
    }
    run("/dev/zero as OFAC XML", &|| {
        zktr_sanctions::ofac_advanced::read_ofac_advanced_file(zero, &mut |_, _| {}).map(|_| ())
    });
    run("/dev/zero as UN XML", &|| {
        zktr_sanctions::un::read_un_file(zero).map(|_| ())
    });
    run("/dev/zero as a set", &|| {
        zktr_sanctions::SanctionsSet::load(zero).map(|_| ())
    });
    let zero_dir = dir.path().join("lists");
    std::fs::create_dir(&zero_dir).unwrap();
    std::os::unix::fs::symlink(zero, zero_dir.join("sanctioned_addresses_XBT.txt")).unwrap();
    run("/dev/zero as an address list", &|| {
        zktr_sanctions::address_list::read_address_dir(&zero_dir, "v").map(|_| ())
    });
    for (what, took, msg) in &results {
        eprintln!("{what}: {:.2} s: {msg}", took.as_secs_f64());
        assert!(*took < Duration::from_secs(20), "{what} took {took:?}");
        assert!(
            msg.contains("limit") || msg.contains("not a .zkts file") || msg.contains("malformed"),
            "{what}: {msg}"
        );
    }
    if let Some(kib) = peak_rss_kib() {
        eprintln!("peak RSS {} MiB", kib / 1024);
        assert!(kib < 200 * 1024, "peak RSS {kib} KiB");
    }
}
