//! `ae pipeline`: every catalogue experiment in one resumable run, with `report.html` and
//! `metrics.json` (the library's runner; this file only reads flags and prints).

use std::path::{Path, PathBuf};

use ae_data::DatasetId;
use ae_lab::{catalogue, runner, DataCache, Lab, Profile};
use ae_models::Precision;
use anyhow::{Context, Result};

use crate::cmd::run::{install_ctrl_c, Bar, DeviceFlags, STOP};

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
    #[command(flatten)]
    device: DeviceFlags,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let profile: Profile = args.profile.parse()?;
    let datasets = match args.dataset.as_str() {
        "both" => vec![DatasetId::Mnist, DatasetId::FashionMnist],
        one => vec![one.parse().context("--dataset")?],
    };
    let selected = catalogue::select(args.only.as_deref())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("pipeline-{}", profile.name)));
    let device = args.device.select()?;
    let precision = args.device.precision(Precision::Fp32, device)?;
    // One data cache for the whole process: each data set is read and verified once.
    let data = DataCache::new(data_dir);
    install_ctrl_c();
    let bar = Bar::new();
    let catalogue_link = crate::paths::workspace_root()
        .join("docs")
        .join("EXPERIMENTS.md");
    for &dataset in &datasets {
        let lab = Lab {
            // With both data sets, one complete pipeline (and report) per data set.
            out: if datasets.len() > 1 {
                out.join(dataset.name())
            } else {
                out.clone()
            },
            data: &data,
            profile,
            dataset,
            device,
            precision,
            progress: &bar,
            stop: Some(&STOP),
            catalogue_link: catalogue_link
                .is_file()
                .then(|| format!("file://{}", catalogue_link.display())),
        };
        let summary = runner::run(&lab, &selected).map_err(|e| match e {
            // The runner resumes interrupted trainings by itself.
            ae_lab::Error::Model(ae_models::Error::Interrupted(dir)) => anyhow::anyhow!(
                "interrupted; run the same command again to continue from the checkpoint in {}",
                dir.display()
            ),
            e => e.into(),
        })?;
        println!(
            "{} experiments in {:.0} s; report: {}",
            summary.sections,
            summary.seconds,
            summary.report.display()
        );
    }
    Ok(())
}
