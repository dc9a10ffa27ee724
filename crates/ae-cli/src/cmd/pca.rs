//! `ae pca`: PCA on a data set's 60,000 training images, evaluated on its test images (S0.2).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ae_data::{Dataset, DatasetId};
use ae_eval::figures::{ImageGrid, Normalise};
use ae_eval::reconstruction::mean_sse;
use ae_linear::{Pca, Solver};
use anyhow::{Context, Result};
use ndarray::{concatenate, s, Axis};

#[derive(clap::Args)]
pub struct Args {
    /// mnist or fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Number of components.
    #[arg(long, default_value_t = 32)]
    components: usize,
    /// eigh (covariance eigendecomposition), svd, or randomized.
    #[arg(long, default_value = "eigh")]
    solver: String,
    /// Seed of the randomized solver.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (default runs/pca-<dataset>-<components>-<solver>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let id: DatasetId = args.dataset.parse().context("--dataset")?;
    let solver: Solver = args.solver.parse().context("--solver")?;
    let params = Pca::params(args.components).solver(solver).seed(args.seed);
    let data = Dataset::load(id, data_dir)?;
    let train = data.train.to_f32();
    let test = data.test.to_f32();
    params
        .check(train.nrows(), train.ncols())
        .context("--components")?;
    let out = super::out_dir(&args.out, &format!("pca-{id}-{}-{solver}", args.components))?;

    let start = Instant::now();
    let pca = params.fit(&train.view())?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let recon = pca.inverse_transform(&pca.transform(&test.view())?.view())?;
    let clipped = recon.mapv(|v| v.clamp(0.0, 1.0));
    let test_sse = mean_sse(&test.view(), &recon.view())?;
    let test_sse_clipped = mean_sse(&test.view(), &clipped.view())?;
    let evr_sum: f64 = pca
        .explained_variance_ratio()
        .iter()
        .map(|&v| f64::from(v))
        .sum();

    let shown = pca.n_components().min(16);
    ImageGrid::new(pca.components().slice(s![..shown, ..]), 28, 28, 8)?
        .normalise(Normalise::PerTile)
        .captions((1..=shown).map(|i| format!("PC{i}")).collect())
        .save(&out.join("eigen-digits.png"))?;
    let n = 10;
    let rows = concatenate![
        Axis(0),
        test.slice(s![..n, ..]),
        recon.slice(s![..n, ..]),
        clipped.slice(s![..n, ..])
    ];
    ImageGrid::new(rows.view(), 28, 28, n)?
        .normalise(Normalise::Fixed)
        .row_titles(vec![
            "original".into(),
            format!("PCA-{}", args.components),
            "clipped".into(),
        ])
        .save(&out.join("reconstructions.png"))?;

    let metrics = serde_json::json!({
        "dataset": id.name(),
        "components": pca.n_components(),
        "solver": solver.to_string(),
        "test_sse": test_sse,
        "test_sse_clipped": test_sse_clipped,
        "explained_variance_ratio_sum": evr_sum,
        "fit_seconds": fit_seconds,
    });
    if !args.json {
        writeln!(
            std::io::stdout(),
            "PCA-{} ({solver}) on {id}: test SSE {test_sse:.4} (clipped {test_sse_clipped:.4}), explained variance {evr_sum:.4}, fit {fit_seconds:.2} s",
            pca.n_components()
        )?;
    }
    super::finish(&out, &metrics, args.json)
}
