//! The optional parameters a contribution record carries in both `.ptau` (section 7) and
//! `.zkey` (section 10), as snarkjs writes them: a `u32` byte length, then entries sorted
//! by type, `1` name (`u8` length, UTF-8, at most 64 bytes), `2` beacon iterations
//! exponent (`u8`), `3` beacon value (`u8` length, bytes). Types 2 and 3 come together.

use crate::binfile::Reader;
use crate::error::Result;

/// Name and `(iterations_exp, beacon value)`.
pub type Params = (Option<String>, Option<(u8, Vec<u8>)>);

/// Reads the parameters.
pub fn read(r: &mut Reader<'_>) -> Result<Params> {
    let len = r.u32()? as usize;
    let mut p = Reader::new(r.take(len)?, std::path::Path::new(""), "parameters");
    let mut name = None;
    let mut exp = None;
    let mut value = None;
    let mut last = 0u8;
    while p.remaining() > 0 {
        let t = p
            .take(1)
            .map_err(|_| r.error("contribution parameters cut off"))?[0];
        if t <= last {
            return Err(r.error("contribution parameters not sorted"));
        }
        last = t;
        let cut = |_| r.error("contribution parameters cut off");
        match t {
            1 => {
                let n = p.take(1).map_err(cut)?[0] as usize;
                let b = p.take(n).map_err(cut)?;
                name = Some(String::from_utf8_lossy(b).into_owned());
            }
            2 => exp = Some(p.take(1).map_err(cut)?[0]),
            3 => {
                let n = p.take(1).map_err(cut)?[0] as usize;
                value = Some(p.take(n).map_err(cut)?.to_vec());
            }
            other => return Err(r.error(format!("unknown contribution parameter {other}"))),
        }
    }
    let beacon = match (exp, value) {
        (Some(e), Some(v)) => Some((e, v)),
        (None, None) => None,
        _ => return Err(r.error("beacon parameters incomplete")),
    };
    Ok((name, beacon))
}

/// Writes the parameters.
pub fn write(out: &mut Vec<u8>, name: Option<&str>, beacon: Option<(u8, &[u8])>) {
    let mut p = Vec::new();
    if let Some(n) = name {
        let b = n.as_bytes();
        let b = &b[..b.len().min(64)];
        p.push(1);
        p.push(b.len() as u8);
        p.extend_from_slice(b);
    }
    if let Some((exp, value)) = beacon {
        p.push(2);
        p.push(exp);
        p.push(3);
        let v = &value[..value.len().min(255)];
        p.push(v.len() as u8);
        p.extend_from_slice(v);
    }
    out.extend_from_slice(&(p.len() as u32).to_le_bytes());
    out.extend_from_slice(&p);
}
