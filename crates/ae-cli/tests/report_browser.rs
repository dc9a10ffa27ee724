//! The pipeline's `report.html` in a real browser: headless Chromium loads it and reports
//! whether every image loaded (`naturalWidth > 0`) and every experiment section has content.
//!
//! With `AE_REPORT_DIR` set (CI: the quick profile's output) that report is checked; otherwise
//! a small report of the synthetic experiments is made first. Without Chromium the test is
//! skipped with a message, unless `AE_REQUIRE_BROWSER=1` (set by `cargo xtask test`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("AE_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.is_file());
    if found.is_none() {
        assert_ne!(
            std::env::var("AE_REQUIRE_BROWSER").as_deref(),
            Ok("1"),
            "AE_REQUIRE_BROWSER=1 but no Chromium; run `cargo xtask setup --chromium`"
        );
        eprintln!("SKIPPED: no Chromium (cargo xtask setup --chromium installs Debian's)");
    }
    found
}

/// What the browser saw.
#[derive(Debug, serde::Deserialize)]
struct Seen {
    sections: usize,
    images: usize,
    broken: Vec<String>,
    empty: Vec<String>,
}

/// Loads `report` in an iframe of a checker page and returns the checker's findings.
fn check_in_browser(chromium: &Path, report: &Path, work: &Path) -> Seen {
    let url = format!("file://{}", report.canonicalize().unwrap().display());
    let page = work.join("check.html");
    std::fs::write(
        &page,
        format!(
            r#"<!doctype html><html><body><iframe id="f" src="{url}" width="1200" height="800"></iframe>
<pre id="result">pending</pre>
<script>
const frame = document.getElementById('f');
frame.addEventListener('load', () => {{
  const doc = frame.contentDocument;
  const imgs = Array.from(doc.images);
  const settle = imgs.map(i => i.complete ? Promise.resolve() :
      new Promise(r => {{ i.onload = r; i.onerror = r; }}));
  Promise.all(settle).then(() => {{
    const sections = Array.from(doc.querySelectorAll('section'));
    const empty = sections.filter(s =>
        s.querySelectorAll('img, table, .note').length === 0).map(s => s.id);
    const broken = imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src'));
    document.getElementById('result').textContent = JSON.stringify(
        {{sections: sections.length, images: imgs.length, broken, empty}});
  }});
}});
</script></body></html>"#
        ),
    )
    .unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .expect("starting chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"result\">")
        .expect("result element in the DOM")
        + 17;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("checker said {json:?}: {e}"))
}

#[test]
fn every_image_loads_and_no_section_is_empty() {
    let Some(chromium) = chromium() else { return };
    let work = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("AE_REPORT_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let dir = work.path().join("report");
            let out = Command::new(env!("CARGO_BIN_EXE_ae"))
                .args(["pipeline", "--only", "S0.3,S1.1,S1.5,S2.1", "--out"])
                .arg(&dir)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            dir
        }
    };
    let report = dir.join("report.html");
    assert!(report.is_file(), "{} missing", report.display());
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    let ids = metrics.as_object().unwrap().len();

    let seen = check_in_browser(&chromium, &report, work.path());
    assert_eq!(seen.sections, ids, "{seen:?}");
    assert!(seen.images >= ids.saturating_sub(1), "{seen:?}");
    assert!(
        seen.broken.is_empty(),
        "images that did not load: {:?}",
        seen.broken
    );
    assert!(seen.empty.is_empty(), "empty sections: {:?}", seen.empty);

    // The check can fail: a copy of the report with one image path broken is caught.
    let html = std::fs::read_to_string(&report).unwrap();
    let first_img = html.find("<img src=\"").unwrap() + 10;
    let broken_copy = dir.join("report-broken-check.html");
    let mut bad = html.clone();
    bad.insert_str(first_img, "missing/");
    std::fs::write(&broken_copy, bad).unwrap();
    let seen = check_in_browser(&chromium, &broken_copy, work.path());
    std::fs::remove_file(&broken_copy).unwrap();
    assert_eq!(seen.broken.len(), 1, "{seen:?}");
}
