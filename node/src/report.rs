//! The audit's report files: `report.json` (the [`Report`] as serde writes it) and
//! `report.html`, one self-contained page: inline CSS, no script, no link, image or font
//! fetched from anywhere, so it opens the same offline, in a mail client or in an archive
//! years later. Every value from the node (ids, peer names, reasons) is HTML-escaped
//! ([`escape`]); nothing is inserted as markup.
//!
//! The page: the period and node, a summary (transfers, claims verified, failures by
//! kind, each policy jurisdiction's count of transfers proven on either side of its
//! threshold), the node's log and audit log, then one row per transfer with each claim's
//! status, the receipt and the log position; a failed check shows its reason in the row.

use crate::audit::{Check, CheckStatus, Report, TransferResult};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON could not be produced.
    #[error("report.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(secs: u64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX)) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => secs.to_string(),
    }
}

const CSS: &str = "
body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;margin:24px;color:#1b1f24;background:#fff;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a;margin:0 0 12px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:20px}
.ok{color:#116329}.failed{color:#b3261e;font-weight:bold}.missing,.not_applicable{color:#6e7781}
tr.fail td{background:#fff5f5}
.id{font-family:'DejaVu Sans Mono',monospace;font-size:12px;word-break:break-all}
.reason{display:block;color:#b3261e;font-size:12px}
.note{display:block;color:#57606a;font-size:12px}
.banner{border:2px solid #b3261e;background:#fff5f5;padding:8px 12px;margin:8px 0}
.pass{border-color:#116329;background:#f0fff4}
ul.findings{margin:4px 0 0 16px;padding:0}
";

fn status_word(s: &CheckStatus) -> &'static str {
    match s {
        CheckStatus::Ok => "ok",
        CheckStatus::Failed => "FAILED",
        CheckStatus::Missing => "missing",
        CheckStatus::NotApplicable => "n/a",
    }
}

fn status_class(s: &CheckStatus) -> &'static str {
    match s {
        CheckStatus::Ok => "ok",
        CheckStatus::Failed => "failed",
        CheckStatus::Missing => "missing",
        CheckStatus::NotApplicable => "not_applicable",
    }
}

fn check_html(c: &Check) -> String {
    let mut out = format!(
        "<span class=\"{}\">{}</span>",
        status_class(&c.status),
        status_word(&c.status)
    );
    if !c.reason.is_empty() {
        let class = if c.status == CheckStatus::Failed {
            "reason"
        } else {
            "note"
        };
        let _ = write!(out, "<span class=\"{class}\">{}</span>", escape(&c.reason));
    }
    out
}

fn card(out: &mut String, label: &str, value: impl std::fmt::Display) {
    let _ = write!(
        out,
        "<div class=\"card\"><b>{}</b>{}</div>",
        escape(&value.to_string()),
        escape(label)
    );
}

fn transfer_row(out: &mut String, t: &TransferResult) {
    let class = if t.passed { "pass" } else { "fail" };
    let _ = write!(
        out,
        "<tr class=\"{class}\" id=\"t-{}\"><td><span class=\"id\">{}</span><span class=\"note\">{} · {} · {}</span><span class=\"note\">created {}</span>{}</td>",
        escape(&t.id),
        escape(&t.id),
        escape(&t.role),
        escape(&t.peer),
        escape(&t.state),
        escape(&t.created_at),
        if t.txid.is_empty() {
            String::new()
        } else {
            format!("<span class=\"note\">txid {}</span>", escape(&t.txid))
        }
    );
    // Claims.
    out.push_str("<td>");
    if t.claims.is_empty() {
        out.push_str("<span class=\"failed\">no claims</span>");
    }
    for c in &t.claims {
        let _ = write!(
            out,
            "<div>{}: {}</div>",
            escape(&c.claim),
            check_html(&c.check)
        );
    }
    for p in &t.bundle_problems {
        let _ = write!(out, "<span class=\"reason\">bundle: {}</span>", escape(p));
    }
    if !t.threshold.is_empty() {
        let _ = write!(
            out,
            "<span class=\"note\">proven {} ({})</span>",
            escape(&t.threshold),
            escape(&t.jurisdiction)
        );
    }
    out.push_str("</td>");
    // Receipt.
    let _ = write!(out, "<td>{}", check_html(&t.receipt.check));
    if !t.receipt.beneficiary.is_empty() {
        let _ = write!(
            out,
            "<span class=\"note\">by {} at {} (key: {})</span>",
            escape(&t.receipt.beneficiary),
            escape(&utc(t.receipt.received_at)),
            escape(&t.receipt.key_source)
        );
    }
    out.push_str("</td>");
    // Log position.
    let _ = write!(
        out,
        "<td><span class=\"note\">log {} · head size {} · signed {}</span><span class=\"note\">leaf {}</span><div>inclusion: {}</div><div>consistency: {}</div></td>",
        escape(&t.log.log_id),
        t.log.tree_size,
        escape(&utc(t.log.tree_time)),
        t.log
            .leaf_index
            .map(|i| i.to_string())
            .unwrap_or_else(|| "-".into()),
        check_html(&t.log.inclusion),
        check_html(&t.log.consistency)
    );
    // Verdict.
    out.push_str("<td>");
    if t.passed {
        out.push_str("<span class=\"ok\">PASS</span>");
    } else {
        out.push_str("<span class=\"failed\">FAIL</span><ul class=\"findings\">");
        for f in &t.findings {
            let _ = write!(
                out,
                "<li><b>{}</b>: {}</li>",
                escape(&f.kind),
                escape(&f.reason)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</td></tr>\n");
}

/// The report as one self-contained HTML page.
pub fn html(r: &Report) -> String {
    let s = &r.summary;
    let mut out = String::with_capacity(4096 + r.transfers.len() * 1500);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>zktr audit of {}</title><style>{CSS}</style></head><body>\n",
        escape(&r.node)
    );
    let _ = write!(
        out,
        "<h1>zktr audit of {}</h1><p class=\"meta\">node {} at {} · period {} to {} · generated {} · policy {} · jurisdictions applied: {}</p>",
        escape(&r.node),
        escape(&r.node),
        escape(&r.endpoint),
        escape(&utc(r.from)),
        escape(&utc(r.to)),
        escape(&utc(r.generated_at)),
        escape(&r.policy),
        escape(&r.jurisdictions.join(", "))
    );
    out.push('\n');
    let verdict = if s.failed == 0 {
        format!(
            "<div class=\"banner pass\">All {} transfer(s) passed every check.</div>",
            s.transfers
        )
    } else {
        format!(
            "<div class=\"banner\">{} of {} transfer(s) failed at least one check (see the rows marked FAIL).</div>",
            s.failed, s.transfers
        )
    };
    out.push_str(&verdict);
    if r.dev_keys {
        out.push_str("<div class=\"banner\">The verifying keys include single-party dev keys: whoever made them can prove anything.</div>");
    }
    out.push_str("<h2>Summary</h2><div class=\"cards\">");
    card(&mut out, "transfers", s.transfers);
    card(&mut out, "passed", s.passed);
    card(&mut out, "failed", s.failed);
    card(
        &mut out,
        "claims verified",
        format!("{} / {}", s.claims_verified, s.claims),
    );
    card(
        &mut out,
        "receipts ok",
        format!(
            "{} / {}",
            s.receipts_ok,
            s.receipts_ok + s.receipts_failed + s.receipts_missing
        ),
    );
    out.push_str("</div>\n<h2>Failures by kind</h2>");
    if s.failures_by_kind.is_empty() {
        out.push_str("<p class=\"ok\">No failed check.</p>");
    } else {
        out.push_str("<table><tr><th>kind</th><th>failed checks</th></tr>");
        for (k, n) in &s.failures_by_kind {
            let _ = write!(out, "<tr><td>{}</td><td>{n}</td></tr>", escape(k));
        }
        out.push_str("</table>");
    }
    out.push_str("\n<h2>Thresholds per jurisdiction</h2><p class=\"meta\">Transfers whose verified threshold claim places them on a side of each jurisdiction's threshold in the policy; undetermined: the proven threshold implies neither side (or is in another currency).</p><table><tr><th>jurisdiction</th><th>threshold</th><th>at or above</th><th>below</th><th>undetermined</th></tr>");
    for j in &s.thresholds {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&j.jurisdiction),
            escape(&j.thresholds),
            j.at_or_above,
            j.below,
            j.undetermined
        );
    }
    out.push_str("</table>\n<h2>Logs</h2><table>");
    match &r.log {
        Some(l) => {
            let _ = write!(
                out,
                "<tr><th>commitment log</th><td>{} · size {} · root <span class=\"id\">{}</span> · signed {} · {} distinct tree head(s) seen<div>signature: {}</div></td></tr>",
                escape(&l.log_id),
                l.size,
                escape(&l.root),
                escape(&utc(l.time)),
                l.heads_seen,
                check_html(&l.signature)
            );
        }
        None => out.push_str(
            "<tr><th>commitment log</th><td class=\"missing\">the node gave no tree head</td></tr>",
        ),
    }
    if let Some(a) = &r.audit_log {
        let _ = write!(
            out,
            "<tr><th>audit log of regulator requests</th><td>{} entries · head <span class=\"id\">{}</span> · key {}<div>{}</div></td></tr>",
            a.size,
            escape(&a.head_hash),
            escape(&a.key),
            check_html(&a.check)
        );
    }
    out.push_str("</table>\n<h2>Transfers</h2>");
    if r.transfers.is_empty() {
        out.push_str("<p class=\"missing\">No attested transfer in this period.</p>");
    } else {
        out.push_str("<table><tr><th>transfer</th><th>claims</th><th>receipt</th><th>log position</th><th>verdict</th></tr>\n");
        for t in &r.transfers {
            transfer_row(&mut out, t);
        }
        out.push_str("</table>");
    }
    out.push_str("\n<p class=\"meta\">Written by zktr regulator audit. Self-contained: no scripts, no external resources.</p></body></html>\n");
    out
}

/// Writes `report.json` and `report.html` into `dir` (created if needed); returns their
/// paths.
pub fn write(r: &Report, dir: &Path) -> Result<(PathBuf, PathBuf), ReportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let json = dir.join("report.json");
    let page = dir.join("report.html");
    std::fs::write(&json, serde_json::to_vec_pretty(r)?).map_err(io(&json))?;
    std::fs::write(&page, html(r)).map_err(io(&page))?;
    Ok((json, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_attributes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{7}b"), "a\u{FFFD}b");
    }

    #[test]
    fn an_empty_report_is_a_page_without_scripts_or_links() {
        let r = Report {
            node: "<b>x</b>".into(),
            endpoint: "127.0.0.1:1".into(),
            from: 0,
            to: 86_400,
            generated_at: 86_400,
            policy: "p".into(),
            jurisdictions: vec!["FATF".into()],
            dev_keys: false,
            summary: Default::default(),
            log: None,
            audit_log: None,
            transfers: vec![],
        };
        let page = html(&r);
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!page.contains("<b>x</b>"));
        for bad in [
            "<script", "http://", "https://", "<link", "<img", "@import", "url(",
        ] {
            assert!(!page.contains(bad), "{bad}");
        }
        assert!(page.contains("1970-01-01 00:00:00 UTC"));
    }
}
