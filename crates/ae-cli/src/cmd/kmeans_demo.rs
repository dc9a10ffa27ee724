//! `ae kmeans-demo`: seed 000's k-means from scratch on four synthetic blobs (S0.3).

use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Seed of the blobs and the initial means.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Iterations (the seed runs 6).
    #[arg(long, default_value_t = 6)]
    iterations: usize,
    /// Output folder (default runs/kmeans-demo).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let out = super::out_dir(&args.out, "kmeans-demo")?;
    let metrics = ae_lab::probes::kmeans_demo(&out, args.seed, args.iterations)?;
    super::finish(&out, &serde_json::to_value(metrics)?, args.json)
}
