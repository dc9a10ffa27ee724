//! `ae pca`: PCA on a data set's 60,000 training images, evaluated on its test images (S0.2);
//! the fitted model is kept in the run folder as NumPy arrays.

use std::io::Write;
use std::path::{Path, PathBuf};

use ae_data::DataSummary;
use ae_lab::probes::PcaReconstruction;
use ae_linear::{Pca, Solver};
use anyhow::{Context, Result};

use crate::data_flags::DataFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataFlags,
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
    let solver: Solver = args.solver.parse().context("--solver")?;
    let params = Pca::params(args.components).solver(solver).seed(args.seed);
    let data = args.data.load("mnist", data_dir)?;
    let id = data.name();
    let train = data.train.to_f32();
    let test = data.test.to_f32();
    params
        .check(train.nrows(), train.ncols())
        .map_err(|e| match e {
            ae_linear::Error::InvalidParameter { .. } => {
                anyhow::Error::new(e).context("--components")
            }
            e => anyhow::Error::new(e).context(format!("the training images of {id}")),
        })?;
    let out = super::out_dir(&args.out, &format!("pca-{id}-{}-{solver}", args.components))?;

    let (r, pca) =
        ae_lab::probes::pca_reconstruction(&params, &train, &test, data.shape(), &out, 3)?;
    // The fitted model, as scikit-learn's attributes of the same names hold it, for NumPy:
    // codes = (x - mean) @ components.T, reconstructions = codes @ components + mean.
    ae_data::npy::write(&out.join("components.npy"), pca.components())?;
    ae_data::npy::write(&out.join("mean.npy"), pca.mean())?;
    ae_data::npy::write(
        &out.join("explained_variance.npy"),
        pca.explained_variance(),
    )?;
    if !args.json {
        writeln!(
            std::io::stdout(),
            "PCA-{} ({solver}) on {id}: test SSE {:.4} (clipped {:.4}), explained variance {:.4}, fit {:.2} s",
            r.components,
            r.test_sse,
            r.test_sse_clipped,
            r.explained_variance_ratio_sum,
            r.fit_seconds
        )?;
    }
    let metrics = PcaMetrics {
        dataset: id,
        data: data.summary(),
        solver: solver.to_string(),
        pca: r,
    };
    super::finish(&out, &serde_json::to_value(metrics)?, args.json)
}

/// `metrics.json` of `ae pca`.
#[derive(serde::Serialize)]
struct PcaMetrics {
    dataset: String,
    data: DataSummary,
    solver: String,
    #[serde(flatten)]
    pca: PcaReconstruction,
}
