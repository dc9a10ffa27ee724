//! `ae kmeans`: k-means on a data set's training images (pixels or PCA codes), scored against
//! the labels after Kuhn–Munkres relabelling.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ae_eval::clustering::{ari, cluster_accuracy, nmi};
use ae_eval::figures::{confusion_png, ImageGrid, Normalise};
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
    let pca = match pca_components {
        Some(n) => Some(Pca::params(n).fit(&pixels.view()).context("--on pca:N")?),
        None => None,
    };
    let features = match &pca {
        Some(pca) => pca.transform(&pixels.view())?,
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
    let mut mapping = None;
    let scored = match data.train.labels() {
        Some(labels) => {
            let labels: Vec<usize> = labels.iter().map(|&l| usize::from(l)).collect();
            let acc = cluster_accuracy(&clusters, &labels)?;
            let (nmi, ari) = (nmi(&clusters, &labels)?, ari(&clusters, &labels)?);
            metrics["accuracy"] = acc.accuracy.into();
            metrics["nmi"] = nmi.into();
            metrics["ari"] = ari.into();
            metrics["mapping"] = serde_json::to_value(&acc.mapping)?;
            mapping = Some(acc.mapping.clone());
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
    // The centres in the space clustered (scikit-learn's `cluster_centers_`), and as images:
    // PCA codes are taken back to pixels.
    ae_data::npy::write(&out.join("cluster_centers.npy"), fit.centroids())?;
    let centres = match &pca {
        Some(pca) => pca.inverse_transform(&fit.centroids().view())?,
        None => fit.centroids().clone(),
    };
    centres_png(
        &out.join("centres.png"),
        &centres,
        &clusters,
        mapping.as_deref(),
        &data,
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

/// The k centres as images, each captioned with its size and, with labels, the label it was
/// matched to (`mapping[cluster]`, from the Kuhn–Munkres relabelling); ordered by that label
/// when there is one.
fn centres_png(
    path: &Path,
    centres: &ndarray::Array2<f32>,
    clusters: &[usize],
    mapping: Option<&[Option<usize>]>,
    data: &ae_data::Dataset,
) -> Result<()> {
    let k = centres.nrows();
    let mut sizes = vec![0usize; k];
    for &c in clusters {
        sizes[c] += 1;
    }
    let matched: Vec<Option<usize>> = (0..k)
        .map(|c| mapping.and_then(|m| m.get(c).copied().flatten()))
        .collect();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&c| (matched[c].unwrap_or(usize::MAX), c));
    let label_name = |l: usize| match &data.classes {
        Some(names) => names.get(l).cloned().unwrap_or_else(|| l.to_string()),
        None => l.to_string(),
    };
    let captions = order
        .iter()
        .map(|&c| match matched[c] {
            Some(l) => format!("{} ({})", label_name(l), sizes[c]),
            None => format!("#{c} ({})", sizes[c]),
        })
        .collect();
    let images = centres
        .select(ndarray::Axis(0), &order)
        .mapv(|v| v.clamp(0.0, 1.0));
    ImageGrid::of_shape(images.view(), data.shape(), k.min(10))?
        .normalise(Normalise::Fixed)
        .captions(captions)
        .scale(3)
        .save(path)?;
    Ok(())
}
