//! `ae data`: load a data set (the registry's or one's own) and print a one-line JSON summary.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::data_flags::DataFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataFlags,
}

/// The printed line: the data set's summary with the first training labels.
#[derive(serde::Serialize)]
struct Summary {
    #[serde(flatten)]
    summary: ae_data::DataSummary,
    first_train_labels: Option<Vec<u8>>,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let data = args.data.load("mnist", data_dir)?;
    let first = data
        .train
        .labels()
        .map(|l| l.iter().take(8).copied().collect());
    let summary = Summary {
        summary: data.summary(),
        first_train_labels: first,
    };
    writeln!(std::io::stdout(), "{}", serde_json::to_string(&summary)?)?;
    Ok(())
}
