//! `report.html`: one page, a section per experiment, read top to bottom.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::{Profile, Section};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the page (atomically).
pub fn write(path: &Path, sections: &[Section], profile: &Profile) -> Result<()> {
    let mut h = String::new();
    writeln!(
        h,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>ae: the seed experiments reproduced</title>
<style>
body {{ font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }}
section {{ border-top: 2px solid #ccd; margin-top: 2.5em; padding-top: 0.5em; }}
h2 {{ margin-bottom: 0.2em; }} .seed {{ color: #444; }}
table {{ border-collapse: collapse; margin: 0.8em 0; }}
td, th {{ border: 1px solid #bbb; padding: 0.25em 0.7em; text-align: left; vertical-align: top; }}
th {{ background: #eef; }}
figure {{ display: inline-block; margin: 0.6em 1em 0.6em 0; vertical-align: top; }}
figure img {{ max-width: 100%; border: 1px solid #ddd; }}
figcaption {{ font-size: 0.9em; color: #555; max-width: 700px; }}
.note {{ background: #fff8e0; border-left: 4px solid #e0b000; padding: 0.3em 0.8em; margin: 0.5em 0; }}
nav {{ display: flex; flex-wrap: wrap; gap: 0.2em 0.7em; }}
details pre {{ font-size: 0.8em; background: #f6f6f6; padding: 0.6em; overflow-x: auto; }}
</style></head><body>
<h1>The seed experiments, reproduced</h1>
<p>Profile <b>{}</b>{}. Every number below is also in <a href="metrics.json">metrics.json</a>,
keyed by experiment id, with the configuration of every run.</p>
<nav>"#,
        profile.name,
        if profile.name == "quick" {
            " (subsets and one or two epochs: a smoke run, not the seeds' figures; \
             run <code>cargo xtask pipeline --profile full</code> for those)"
        } else {
            " (the seeds' own settings)"
        }
    )?;
    for s in sections {
        write!(h, r##"<a href="#{0}">{0}</a>"##, esc(&s.id))?;
    }
    writeln!(h, "</nav>")?;
    for s in sections {
        writeln!(
            h,
            r#"<section id="{id}"><h2>{id} {title}</h2>
<p class="seed"><b>The seed:</b> {did}</p>"#,
            id = esc(&s.id),
            title = esc(&s.title),
            did = esc(&s.seed_did)
        )?;
        if !s.done {
            writeln!(h, r#"<p class="note"><b>Not done.</b></p>"#)?;
        }
        if !s.rows.is_empty() {
            writeln!(h, "<table><tr><th></th><th>seed</th><th>ours</th></tr>")?;
            for r in &s.rows {
                writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&r.what),
                    esc(&r.seed),
                    esc(&r.ours)
                )?;
            }
            writeln!(h, "</table>")?;
        }
        for n in &s.notes {
            writeln!(h, r#"<p class="note">{}</p>"#, esc(n))?;
        }
        for f in &s.figures {
            writeln!(
                h,
                r#"<figure><img src="{}" alt="{}"><figcaption>{}</figcaption></figure>"#,
                esc(&f.path),
                esc(&f.caption),
                esc(&f.caption)
            )?;
        }
        writeln!(
            h,
            "<details><summary>configuration and numbers ({:.1} s)</summary><pre>{}</pre><pre>{}</pre></details></section>",
            s.seconds,
            esc(&serde_json::to_string_pretty(&s.configs)?),
            esc(&serde_json::to_string_pretty(&s.metrics)?)
        )?;
    }
    writeln!(h, "</body></html>")?;
    ae_eval::report::write_atomically(path, h.as_bytes())?;
    Ok(())
}
