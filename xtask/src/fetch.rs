//! `cargo xtask fetch-mnist`: download or copy data sets into `data/`, verified.

use std::path::PathBuf;
use std::time::Duration;

use ae_data::fetch::{Fetcher, FileOutcome, Progress, Source};
use ae_data::DatasetId;
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::util::workspace_root;

#[derive(clap::Args)]
pub struct Args {
    /// Which data set: mnist, fashion-mnist, kmnist, or all: every data set with pinned
    /// checksums (MNIST, Fashion-MNIST) must be fetched; KMNIST, which has none, is also tried
    /// and skipped with a warning when no source has it.
    #[arg(long, default_value = "mnist")]
    pub dataset: String,
    /// A folder laid out like `shared/data`, or a base URL; tried first, in the order given.
    #[arg(long)]
    pub mirror: Vec<String>,
    /// Where data sets land (default: $AE_DATA_DIR, else `data/` in the workspace — where `ae`
    /// reads them).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let all = args.dataset == "all";
    let datasets: Vec<DatasetId> = if all {
        DatasetId::ALL.to_vec()
    } else {
        vec![args.dataset.parse()?]
    };
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| ae_data::fetch::default_data_dir(workspace_root().join("data")));
    let mut fetcher = Fetcher::new(&data_dir).timeout(Duration::from_secs(120));
    for m in &args.mirror {
        fetcher = fetcher.mirror(Source::mirror(m));
    }
    let progress = BarProgress::default();
    let mut failures = Vec::new();
    for id in datasets {
        let fetched = fetcher.fetch(id, &progress).and_then(|files| {
            if !id.is_pinned() {
                // No checksum to trust: check the files hold 28 × 28 images and labels 0–9,
                // and take back what this run wrote when they do not.
                if let Err(e) = ae_data::Dataset::load(id, &data_dir) {
                    for f in &files {
                        if matches!(f.outcome, FileOutcome::Fetched(_)) {
                            let _ = std::fs::remove_file(&f.path);
                        }
                    }
                    return Err(e);
                }
            }
            Ok(files)
        });
        match fetched {
            Err(e) if all && !id.is_pinned() => {
                eprintln!("fetch: warning: {id} skipped: {e}");
            }
            Ok(files) => {
                for f in files {
                    let status = match &f.outcome {
                        FileOutcome::AlreadyPresent => "already present".to_owned(),
                        FileOutcome::Fetched(from) => format!("fetched from {from}"),
                    };
                    let check = if f.verified {
                        "SHA-256 verified"
                    } else {
                        "UNVERIFIED (no pinned checksum)"
                    };
                    println!("fetch: {}: {status}, {check}", f.path.display());
                }
            }
            Err(e) => {
                eprintln!("fetch: {id}: {e}");
                failures.push(id.name());
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "could not fetch {}; offline, point --mirror or AE_DATA_MIRROR at a local copy (e.g. ../shared/data)",
            failures.join(", ")
        );
    }
    Ok(())
}

/// A download bar on a terminal; plain start/end lines otherwise.
#[derive(Default)]
struct BarProgress {
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl Progress for BarProgress {
    fn begin(&self, label: &str, total: Option<u64>) {
        let bar = ProgressBar::new(total.unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:32} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        if bar.is_hidden() {
            println!(
                "fetch: downloading {label} ({} bytes)",
                total.map_or("?".into(), |t| t.to_string())
            );
        }
        *self.bar.borrow_mut() = Some(bar);
    }
    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.inc(bytes);
        }
    }
    fn end(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
