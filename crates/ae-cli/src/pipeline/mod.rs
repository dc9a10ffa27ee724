//! `ae pipeline`: every experiment of the seeds (S0.1 … S4.9) in one run, resumable, with one
//! report page (`report.html`) and every number in `metrics.json`, keyed by experiment id.
//!
//! Each experiment writes its files under `<out>/<id>/` and, last, `<id>/section.json`: an
//! experiment whose section file exists (with every figure it names) is skipped on the next
//! run, so an interrupted run continues where it stopped; trainings inside an experiment also
//! resume from their checkpoints.

mod experiments;
mod linear;
mod neural;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

#[derive(clap::Args)]
pub struct Args {
    /// quick (subsets, few epochs, minutes) or full (the seeds' own settings).
    #[arg(long, default_value = "quick")]
    profile: String,
    /// Data set of the experiments (the S2 ones run on both either way): mnist, fashion-mnist,
    /// or both (one complete pipeline and report per data set, in <out>/<dataset>/).
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Only these comma-separated experiments: an id (S3.1) or a seed (S1 = S1.1 … S1.12).
    #[arg(long)]
    only: Option<String>,
    /// Output folder (default runs/pipeline-<profile>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: String,
    /// CPU threads for libtorch.
    #[arg(long)]
    threads: Option<i32>,
}

/// How big the runs are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Profile {
    pub name: &'static str,
    /// Training images per run (None: the seed's split).
    pub train_size: Option<usize>,
    /// Validation images per run.
    pub validation: usize,
    /// Upper bound on epochs (None: the seed's).
    pub max_epochs: Option<usize>,
    /// Points embedded by t-SNE (S1.7).
    pub tsne_points: usize,
    /// Training images for the linear methods (None: all 60,000).
    pub linear_size: Option<usize>,
}

impl Profile {
    fn parse(s: &str) -> Result<Profile> {
        match s {
            "quick" => Ok(Profile {
                name: "quick",
                train_size: Some(2000),
                validation: 500,
                max_epochs: Some(2),
                tsne_points: 400,
                linear_size: Some(10_000),
            }),
            "full" => Ok(Profile {
                name: "full",
                train_size: None,
                validation: 5000,
                max_epochs: None,
                tsne_points: 5000,
                linear_size: None,
            }),
            other => bail!("--profile: '{other}' is not quick or full"),
        }
    }

    /// The seed's epochs, capped by the profile.
    pub fn epochs(&self, seed: usize) -> usize {
        self.max_epochs.map_or(seed, |m| seed.min(m))
    }
}

/// One figure of a section.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// Path relative to the output folder.
    pub path: String,
    pub caption: String,
}

/// A line of a section's table: a quantity, the seed's figure and ours.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub what: String,
    pub seed: String,
    pub ours: String,
}

/// What an experiment leaves for the report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// What the seed did.
    pub seed_did: String,
    pub rows: Vec<Row>,
    pub figures: Vec<Figure>,
    /// Why we differ from the seed, where we do; other remarks.
    pub notes: Vec<String>,
    /// Every number, for metrics.json.
    pub metrics: serde_json::Value,
    /// The configuration of every run in it.
    pub configs: serde_json::Value,
    /// Wall time of the experiment.
    pub seconds: f64,
    /// False for an experiment marked not done (S1.9).
    pub done: bool,
}

impl Section {
    pub fn new(id: &str, title: &str, seed_did: &str) -> Section {
        Section {
            id: id.into(),
            title: title.into(),
            seed_did: seed_did.into(),
            metrics: serde_json::json!({}),
            configs: serde_json::json!({}),
            done: true,
            ..Section::default()
        }
    }

    pub fn row(&mut self, what: &str, seed: impl Into<String>, ours: impl Into<String>) {
        self.rows.push(Row {
            what: what.into(),
            seed: seed.into(),
            ours: ours.into(),
        });
    }

    pub fn figure(&mut self, ctx: &Ctx, path: &Path, caption: &str) {
        let rel = path
            .strip_prefix(&ctx.out)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        self.figures.push(Figure {
            path: rel,
            caption: caption.into(),
        });
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn metric(&mut self, key: &str, value: impl Serialize) {
        self.metrics[key] = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    }

    pub fn config(&mut self, key: &str, value: impl Serialize) {
        self.configs[key] = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    }
}

/// What every experiment gets.
pub struct Ctx {
    pub out: PathBuf,
    pub data_dir: PathBuf,
    pub profile: Profile,
    pub datasets: Vec<String>,
    pub device: tch::Device,
}

impl Ctx {
    /// The folder of experiment `id`, created.
    pub fn dir(&self, id: &str) -> Result<PathBuf> {
        let d = self.out.join(id);
        std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
        Ok(d)
    }

    /// The main data set of single-data-set experiments.
    pub fn dataset(&self) -> &str {
        &self.datasets[0]
    }
}

fn complete(out: &Path, id: &str) -> Option<Section> {
    let text = std::fs::read_to_string(out.join(id).join("section.json")).ok()?;
    let s: Section = serde_json::from_str(&text).ok()?;
    s.figures
        .iter()
        .all(|f| out.join(&f.path).is_file())
        .then_some(s)
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let profile = Profile::parse(&args.profile)?;
    let datasets = match args.dataset.as_str() {
        "both" => vec!["mnist".to_string(), "fashion-mnist".to_string()],
        one => {
            let id: ae_data::DatasetId = one.parse().context("--dataset")?;
            vec![id.name().to_string()]
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("pipeline-{}", profile.name)));
    std::fs::create_dir_all(&out).with_context(|| format!("creating --out {}", out.display()))?;
    let prefixes: Vec<String> = args
        .only
        .as_deref()
        .map(|o| {
            o.split(',')
                .map(|p| p.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let selected: Vec<&experiments::Experiment> = experiments::ALL
        .iter()
        // "S1" selects S1.1 … S1.12; "S1.1" selects S1.1 only, not S1.10.
        .filter(|e| {
            prefixes.is_empty()
                || prefixes
                    .iter()
                    .any(|p| e.id == p || e.id.starts_with(&format!("{p}.")))
        })
        .collect();
    if selected.is_empty() {
        bail!(
            "--only {}: matches no experiment (ids S0.1 … S4.9)",
            args.only.as_deref().unwrap_or_default()
        );
    }
    let device = crate::cmd::run::device(&args.device, args.threads)?;
    if datasets.len() > 1 {
        // One complete pipeline (and report) per data set, side by side.
        for ds in &datasets {
            let ctx = Ctx {
                out: out.join(ds),
                data_dir: data_dir.to_path_buf(),
                profile,
                datasets: vec![ds.clone()],
                device,
            };
            std::fs::create_dir_all(&ctx.out)?;
            run_catalogue(&ctx, &selected)?;
        }
        return Ok(());
    }
    let ctx = Ctx {
        out: out.clone(),
        data_dir: data_dir.to_path_buf(),
        profile,
        datasets,
        device,
    };
    run_catalogue(&ctx, &selected)
}

/// Runs the selected experiments into `ctx.out` and writes its metrics.json and report.html.
fn run_catalogue(ctx: &Ctx, selected: &[&experiments::Experiment]) -> Result<()> {
    let out = ctx.out.clone();
    let started = Instant::now();
    let total = selected.len();
    for (i, e) in selected.iter().enumerate() {
        if complete(&out, e.id).is_some() {
            eprintln!("[{}/{total}] {} done before, skipped", i + 1, e.id);
            continue;
        }
        eprintln!("[{}/{total}] {} {}", i + 1, e.id, e.title);
        let t0 = Instant::now();
        let mut section = (e.run)(ctx).with_context(|| format!("experiment {}", e.id))?;
        section.seconds = t0.elapsed().as_secs_f64();
        let path = ctx.dir(e.id)?.join("section.json");
        ae_eval::report::write_json(&path, &section)?;
        eprintln!("    {} in {:.1} s", e.id, section.seconds);
    }
    // The report covers every experiment finished in this folder, selected now or before.
    let sections: Vec<Section> = experiments::ALL
        .iter()
        .filter_map(|e| complete(&out, e.id))
        .collect();
    let mut metrics = serde_json::Map::new();
    for s in &sections {
        let mut m = s.metrics.clone();
        m["config"] = s.configs.clone();
        m["seconds"] = s.seconds.into();
        m["done"] = s.done.into();
        metrics.insert(s.id.clone(), m);
    }
    ae_eval::report::write_json(
        &out.join("metrics.json"),
        &serde_json::Value::Object(metrics),
    )?;
    report::write(&out.join("report.html"), &sections, &ctx.profile)?;
    println!(
        "{} experiments in {:.0} s; report: {}",
        sections.len(),
        started.elapsed().as_secs_f64(),
        out.join("report.html").display()
    );
    Ok(())
}
