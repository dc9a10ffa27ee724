//! `report.html`: one page, a section per experiment, read top to bottom.

use std::fmt::Write as _;
use std::path::Path;

use crate::profile::Profile;
use crate::section::Section;
use crate::Result;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the page (atomically): a summary table of every section, then the sections.
/// `catalogue` is where the experiments are described (`docs/EXPERIMENTS.md`), when known.
pub fn write(
    path: &Path,
    sections: &[Section],
    profile: &Profile,
    catalogue: Option<&str>,
) -> Result<()> {
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
table.summary td:first-child {{ white-space: nowrap; }}
details pre {{ font-size: 0.8em; background: #f6f6f6; padding: 0.6em; overflow-x: auto; }}
</style></head><body>
<h1>The seed experiments, reproduced</h1>
<p>Profile <b>{}</b>{}. Every number below is also in <a href="metrics.json">metrics.json</a>,
keyed by experiment id, with the configuration of every run.</p>
"#,
        profile.name,
        if profile.is_reduced() {
            " (subsets and one or two epochs: a smoke run, not the seeds' figures; \
             run <code>cargo xtask pipeline --profile full</code> for those)"
        } else {
            " (the seeds' own settings)"
        }
    )?;
    if let Some(link) = catalogue {
        writeln!(
            h,
            r#"<p>What each experiment is: <a href="{}">the catalogue (docs/EXPERIMENTS.md)</a>.</p>"#,
            esc(link)
        )?;
    }
    summary(&mut h, sections)?;
    let mut part_opened = false;
    for s in sections {
        // Experiments beyond the seeds (ids B…) compare with the literature, not a seed.
        let beyond = s.id.starts_with('B');
        if beyond && !part_opened {
            part_opened = true;
            writeln!(
                h,
                "<h1>Beyond the seeds</h1>\n<p>What autoencoders do past the course's models, beside the literature's figures.</p>"
            )?;
        }
        writeln!(
            h,
            r#"<section id="{id}"><h2>{id} {title}</h2>
<p class="seed"><b>{label}</b> {did}</p>"#,
            id = esc(&s.id),
            title = esc(&s.title),
            label = if beyond { "What it does:" } else { "The seed:" },
            did = esc(&s.seed_did)
        )?;
        if !s.done {
            writeln!(h, r#"<p class="note"><b>Not done.</b></p>"#)?;
        }
        if !s.rows.is_empty() {
            let against = if beyond { "literature" } else { "seed" };
            writeln!(
                h,
                "<table><tr><th></th><th>{against}</th><th>ours</th></tr>"
            )?;
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

/// The table every report opens with: id (linking to its section), title, the seed's headline
/// figure and ours.
fn summary(h: &mut String, sections: &[Section]) -> Result<()> {
    writeln!(
        h,
        r#"<table class="summary"><tr><th>id</th><th>experiment</th><th>the seed</th><th>ours</th></tr>"#
    )?;
    for s in sections {
        let ours = if s.done {
            s.headline()
        } else {
            "not done".to_owned()
        };
        writeln!(
            h,
            r##"<tr><td><a href="#{id}">{id}</a></td><td>{title}</td><td>{seed}</td><td>{ours}</td></tr>"##,
            id = esc(&s.id),
            title = esc(&s.title),
            seed = esc(&s.seed_figure),
            ours = esc(&ours)
        )?;
    }
    writeln!(h, "</table>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::section::Row;

    #[test]
    fn the_page_opens_with_a_summary_linking_every_section() {
        let dir = tempfile::tempdir().unwrap();
        let s = |id: &str, done: bool| Section {
            id: id.into(),
            title: format!("title <{id}>"),
            seed_figure: "seed 1.0".into(),
            rows: vec![Row {
                what: "loss".into(),
                seed: "1.0".into(),
                ours: "0.5".into(),
            }],
            done,
            ..Section::default()
        };
        let path = dir.path().join("report.html");
        write(
            &path,
            &[s("S0.1", true), s("S1.9", false)],
            &Profile::QUICK,
            Some("x.md"),
        )
        .unwrap();
        let html = std::fs::read_to_string(&path).unwrap();
        let table = html.split("<table class=\"summary\">").nth(1).unwrap();
        let table = table.split("</table>").next().unwrap();
        assert!(table.contains(r##"<a href="#S0.1">S0.1</a>"##), "{table}");
        assert!(table.contains("title &lt;S0.1&gt;") && table.contains("loss: 0.5"));
        assert!(table.contains("not done"));
        assert!(html.contains(r#"<section id="S1.9">"#) && html.contains(r#"href="x.md""#));
    }
}
