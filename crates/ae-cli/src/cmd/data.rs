//! `ae data`: load a data set and print a one-line JSON summary.

use std::io::Write;
use std::path::Path;

use ae_data::{Dataset, DatasetId};
use anyhow::{Context, Result};

#[derive(clap::Args)]
pub struct Args {
    /// mnist, fashion-mnist or kmnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
}

/// The printed line; field order is the documented output order.
#[derive(serde::Serialize)]
struct Summary {
    dataset: &'static str,
    train: usize,
    test: usize,
    first_train_labels: Vec<u8>,
    verified: bool,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let id: DatasetId = args.dataset.parse().context("--dataset")?;
    let data = Dataset::load(id, data_dir)?;
    let first: Vec<u8> = data.train.labels().iter().take(8).copied().collect();
    let summary = Summary {
        dataset: id.name(),
        train: data.train.len(),
        test: data.test.len(),
        first_train_labels: first,
        verified: data.verified,
    };
    writeln!(std::io::stdout(), "{}", serde_json::to_string(&summary)?)?;
    Ok(())
}
