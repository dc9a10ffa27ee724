//! The pipeline runner: runs catalogue entries into an output folder, resumable, then writes
//! `metrics.json` (every number, keyed by experiment id) and `report.html`.
//!
//! Each experiment writes its files under `<out>/<id>/` and, last, `<id>/section.json`: an
//! experiment whose section file exists with every figure it names is skipped on the next run,
//! so an interrupted run continues where it stopped; trainings inside an experiment also resume
//! from their checkpoints.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::catalogue::{Entry, CATALOGUE};
use crate::experiment::Experiment;
use crate::lab::Lab;
use crate::progress::PipelineEvent;
use crate::section::Section;
use crate::{report, Error, Result};

/// The note every experiment that trained gets under a cut-down profile.
const QUICK_NOTE: &str = "Quick profile: a few thousand images and at most two epochs, so the numbers are far from the seed's; the full profile uses the seed's settings.";

/// What a pipeline run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Ids run now.
    pub ran: Vec<String>,
    /// Ids skipped because they were complete.
    pub skipped: Vec<String>,
    /// Sections in the report (run now or before).
    pub sections: usize,
    /// The report page.
    pub report: PathBuf,
    /// Wall time of the whole run.
    pub seconds: f64,
}

/// The section of experiment `id` in `out`, when it is complete: its `section.json` parses and
/// every figure it names exists.
pub fn complete(out: &Path, id: &str) -> Option<Section> {
    let text = std::fs::read_to_string(out.join(id).join("section.json")).ok()?;
    let s: Section = serde_json::from_str(&text).ok()?;
    s.figures
        .iter()
        .all(|f| out.join(&f.path).is_file())
        .then_some(s)
}

/// Runs one experiment into `lab.out` (whether or not it was complete) and returns its section,
/// also written to `<out>/<id>/section.json`.
pub fn run_experiment(lab: &Lab<'_>, entry: &'static Entry) -> Result<Section> {
    let t0 = Instant::now();
    let mut x = Experiment::new(lab, section_of(entry))?;
    (entry.run)(&mut x).map_err(|e| Error::Experiment {
        id: entry.id.key(),
        source: Box::new(e),
    })?;
    if x.trained() && lab.profile.is_reduced() {
        x.note(QUICK_NOTE);
    }
    let mut section = x.section;
    section.seconds = t0.elapsed().as_secs_f64();
    ae_eval::report::write_json(&x.dir.join("section.json"), &section)?;
    Ok(section)
}

/// Runs the `selected` entries that are not complete in `lab.out`, then writes `metrics.json`
/// and `report.html` over every complete experiment there (selected now or before).
pub fn run(lab: &Lab<'_>, selected: &[&'static Entry]) -> Result<Summary> {
    crate::error::create_dir(&lab.out)?;
    // One pipeline per output folder at a time (its trainings lock their own folders too).
    let _lock = crate::lock::FolderLock::acquire(&lab.out)?;
    let started = Instant::now();
    let total = selected.len();
    let (mut ran, mut skipped) = (Vec::new(), Vec::new());
    for (i, e) in selected.iter().enumerate() {
        let id = e.id.key();
        if complete(&lab.out, &id).is_some() {
            lab.progress.pipeline(&PipelineEvent::Skipped {
                index: i + 1,
                total,
                id: id.clone(),
            });
            skipped.push(id);
            continue;
        }
        lab.progress.pipeline(&PipelineEvent::Started {
            index: i + 1,
            total,
            id: id.clone(),
            title: e.title.into(),
        });
        let section = run_experiment(lab, e)?;
        lab.progress.pipeline(&PipelineEvent::Finished {
            id: id.clone(),
            seconds: section.seconds,
        });
        ran.push(id);
    }
    let sections: Vec<Section> = CATALOGUE
        .iter()
        .filter_map(|e| complete(&lab.out, &e.id.key()))
        .collect();
    ae_eval::report::write_json(&lab.out.join("metrics.json"), &metrics_json(&sections))?;
    let report = lab.out.join("report.html");
    report::write(
        &report,
        &sections,
        &lab.profile,
        lab.catalogue_link.as_deref(),
    )?;
    Ok(Summary {
        ran,
        skipped,
        sections: sections.len(),
        report,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The empty section of `entry`: its id, title, what the seed did and the seed's figure.
pub fn section_of(entry: &Entry) -> Section {
    Section {
        id: entry.id.key(),
        title: entry.title.into(),
        seed_did: entry.seed_did.into(),
        seed_figure: entry.seed_figure.into(),
        metrics: serde_json::json!({}),
        configs: serde_json::json!({}),
        done: true,
        ..Section::default()
    }
}

/// `metrics.json`: each section's numbers with its configuration, wall time and done flag,
/// keyed by experiment id.
pub fn metrics_json(sections: &[Section]) -> serde_json::Value {
    let mut metrics = serde_json::Map::new();
    for s in sections {
        let mut m = s.metrics.clone();
        m["config"] = s.configs.clone();
        m["seconds"] = s.seconds.into();
        m["done"] = s.done.into();
        metrics.insert(s.id.clone(), m);
    }
    serde_json::Value::Object(metrics)
}
