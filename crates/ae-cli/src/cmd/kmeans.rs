//! `ae kmeans`: k-means on a data set's training images (pixels or PCA codes), scored against
//! the labels after Kuhn–Munkres relabelling.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ae_data::{Dataset, DatasetId};
use ae_eval::clustering::{ari, cluster_accuracy, nmi};
use ae_eval::figures::confusion_png;
use ae_linear::{KMeans, Pca};
use anyhow::{bail, Context, Result};

#[derive(clap::Args)]
pub struct Args {
    /// mnist or fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Number of clusters.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// What to cluster: `pixels`, or `pca:N` (codes of an N-component PCA).
    #[arg(long, default_value = "pixels")]
    on: String,
    /// Number of k-means++ initialisations.
    #[arg(long, default_value_t = 1)]
    n_init: usize,
    /// Seed of the initialisation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (default runs/kmeans-<dataset>-<on>-k<k>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let id: DatasetId = args.dataset.parse().context("--dataset")?;
    let pca_components = match args.on.as_str() {
        "pixels" => None,
        other => match other.strip_prefix("pca:").map(str::parse::<usize>) {
            Some(Ok(n)) if n > 0 => Some(n),
            _ => bail!("--on: '{other}' is not `pixels` or `pca:N` with N ≥ 1"),
        },
    };
    let params = KMeans::params(args.k).n_init(args.n_init).seed(args.seed);
    params.check(60_000).context("--k / --n-init")?;
    let data = Dataset::load(id, data_dir)?;
    let pixels = data.train.to_f32();
    let features = match pca_components {
        Some(n) => Pca::params(n)
            .fit(&pixels.view())
            .context("--on pca:N")?
            .transform(&pixels.view())?,
        None => pixels,
    };
    let out = super::out_dir(
        &args.out,
        &format!("kmeans-{id}-{}-k{}", args.on.replace(':', ""), args.k),
    )?;

    let start = Instant::now();
    let fit = params.fit(&features.view())?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let labels: Vec<usize> = data.train.labels().iter().map(|&l| l as usize).collect();
    let clusters = fit.labels().to_vec();
    let acc = cluster_accuracy(&clusters, &labels)?;
    let metrics = serde_json::json!({
        "dataset": id.name(),
        "on": args.on,
        "k": args.k,
        "n_init": args.n_init,
        "seed": args.seed,
        "accuracy": acc.accuracy,
        "nmi": nmi(&clusters, &labels)?,
        "ari": ari(&clusters, &labels)?,
        "inertia": fit.inertia(),
        "iterations": fit.n_iter(),
        "fit_seconds": fit_seconds,
        "mapping": acc.mapping,
    });
    ae_eval::report::write_json(&out.join("confusion.json"), &acc.confusion)?;
    confusion_png(
        &out.join("confusion.png"),
        &acc.confusion.counts,
        &format!("k-means on {id} {}: accuracy {:.3}", args.on, acc.accuracy),
    )?;
    if !args.json {
        writeln!(
            std::io::stdout(),
            "k-means (k={}) on {id} {}: accuracy {:.4}, NMI {:.4}, ARI {:.4}, inertia {:.1}, {} iterations, fit {fit_seconds:.2} s",
            args.k, args.on, acc.accuracy, metrics["nmi"], metrics["ari"], fit.inertia(), fit.n_iter()
        )?;
    }
    super::finish(&out, &metrics, args.json)
}
