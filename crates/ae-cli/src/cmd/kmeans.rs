//! `ae kmeans`: k-means on a data set's training images (pixels or PCA codes), scored against
//! the labels after Kuhn–Munkres relabelling.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ae_eval::clustering::{ari, cluster_accuracy, nmi};
use ae_eval::figures::confusion_png;
use ae_linear::{KMeans, Pca};
use anyhow::{bail, Context, Result};

use crate::data_flags::DataFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataFlags,
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
    let pca_components = match args.on.as_str() {
        "pixels" => None,
        other => match other.strip_prefix("pca:").map(str::parse::<usize>) {
            Some(Ok(n)) if n > 0 => Some(n),
            _ => bail!("--on: '{other}' is not `pixels` or `pca:N` with N ≥ 1"),
        },
    };
    let params = KMeans::params(args.k).n_init(args.n_init).seed(args.seed);
    let data = args.data.load("mnist", data_dir)?;
    let id = data.name();
    params.check(data.train.len()).context("--k / --n-init")?;
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
    let clusters = fit.labels().to_vec();
    let mut metrics = serde_json::json!({
        "dataset": id,
        "data": data.summary(),
        "on": args.on,
        "k": args.k,
        "n_init": args.n_init,
        "seed": args.seed,
        "inertia": fit.inertia(),
        "iterations": fit.n_iter(),
        "fit_seconds": fit_seconds,
    });
    // Without labels there is nothing to score against: the clusters and inertia still are.
    let scored = match data.train.labels() {
        Some(labels) => {
            let labels: Vec<usize> = labels.iter().map(|&l| usize::from(l)).collect();
            let acc = cluster_accuracy(&clusters, &labels)?;
            let (nmi, ari) = (nmi(&clusters, &labels)?, ari(&clusters, &labels)?);
            metrics["accuracy"] = acc.accuracy.into();
            metrics["nmi"] = nmi.into();
            metrics["ari"] = ari.into();
            metrics["mapping"] = serde_json::to_value(&acc.mapping)?;
            ae_eval::report::write_json(&out.join("confusion.json"), &acc.confusion)?;
            confusion_png(
                &out.join("confusion.png"),
                &acc.confusion.counts,
                &format!("k-means on {id} {}: accuracy {:.3}", args.on, acc.accuracy),
            )?;
            format!("accuracy {:.4}, NMI {nmi:.4}, ARI {ari:.4}, ", acc.accuracy)
        }
        None => "no labels to score against, ".to_owned(),
    };
    ae_eval::report::write_json(
        &out.join("assignments.json"),
        &serde_json::json!({ "train_clusters": clusters }),
    )?;
    if !args.json {
        writeln!(
            std::io::stdout(),
            "k-means (k={}) on {id} {}: {scored}inertia {:.1}, {} iterations, fit {fit_seconds:.2} s",
            args.k, args.on, fit.inertia(), fit.n_iter()
        )?;
    }
    super::finish(&out, &metrics, args.json)
}
