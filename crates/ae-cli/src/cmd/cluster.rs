//! `ae cluster`: clusters the 70,000 images of a data set (train and test together, as the
//! deep-clustering literature does) by one method of the ladder (k-means on pixels … N2D), and
//! scores it against the labels after Kuhn–Munkres relabelling, with NMI, ARI and time per stage.

use std::path::{Path, PathBuf};

use ae_lab::cluster::{self, ClusterConfig, ClusterPlace, Method};
use ae_lab::DataCache;
use anyhow::{Context, Result};

use super::run::{self, Bar, DeviceFlags};
use crate::data_flags::{DataFlags, DecodeBar};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataFlags,
    /// kmeans, pca-kmeans, s3.3-kmeans, ae-kmeans, umap-gmm, n2d (AE → UMAP → mixture: ours) or
    /// n2d-sl (n2d, then self-labelling by a CNN).
    #[arg(long, default_value = "n2d")]
    method: String,
    /// Number of clusters.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Seed of every random step.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Cluster only the first N of the train + test images (default: all 70,000).
    #[arg(long)]
    images: Option<usize>,
    /// Training epochs of the method's network (default: its preset's).
    #[arg(long)]
    epochs: Option<usize>,
    /// UMAP's optimisation epochs (default: 200, or 500 below 10,000 images).
    #[arg(long)]
    umap_epochs: Option<usize>,
    /// What the method's network trains on: none, or shift:N (random moves of up to N pixels;
    /// default: its preset's, shift:2 for the clustering AE).
    #[arg(long)]
    augment: Option<String>,
    /// Output folder (default runs/cluster-<dataset>/<method>-seed<S>); trained networks are
    /// kept in runs/cluster-<dataset>/models and reused.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceFlags,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let dataset = args.data.spec("mnist")?;
    let method: Method = args.method.parse().context("--method")?;
    let mut config = ClusterConfig {
        k: args.k,
        seed: args.seed,
        images: args.images,
        epochs: args.epochs,
        umap_epochs: args.umap_epochs,
        ..ClusterConfig::new(dataset.clone(), method)
    };
    if let Some(a) = &args.augment {
        config.augment = a.parse().with_context(|| format!("--augment {a}"))?;
    }
    let device = if method.trains_network() {
        run::install_ctrl_c();
        let device = args.device.select()?;
        config.precision = args.device.precision(config.precision, device)?;
        device
    } else {
        tch::Device::Cpu
    };
    let (default_out, models) = cluster::default_folders(Path::new("runs"), &config);
    let out = args.out.clone().unwrap_or(default_out);
    let bar = Bar::new();
    let metrics = cluster::cluster(
        &config,
        &ClusterPlace {
            out: &out,
            models: &models,
            data: &DataCache::new(data_dir).with_progress(DecodeBar::default()),
            device,
            progress: &bar,
            stop: Some(&run::STOP),
        },
    )
    .map_err(|e| match e {
        // The same command resumes: the kept network's folder holds the checkpoint.
        ae_lab::Error::Model(ae_models::Error::Interrupted(dir)) => anyhow::anyhow!(
            "interrupted; run the same command again to continue from the checkpoint in {}",
            dir.display()
        ),
        e => e.into(),
    })?;
    let stages: Vec<String> = metrics
        .stages
        .iter()
        .map(|s| format!("{} {:.1} s", s.name, s.seconds))
        .collect();
    let kept = match metrics.network_seconds {
        Some(s) if metrics.seconds_from_scratch > metrics.seconds + 0.5 => {
            format!(
                "; {:.0} s with the kept network's training ({s:.0} s)",
                metrics.seconds_from_scratch
            )
        }
        _ => String::new(),
    };
    let score = match &metrics.score {
        Some(s) => format!(
            "accuracy {:.4}, NMI {:.4}, ARI {:.4}{}",
            s.accuracy,
            s.nmi,
            s.ari,
            s.neighbour_purity
                .as_ref()
                .map(|p| purity_line(p, &metrics))
                .unwrap_or_default()
        ),
        None => format!(
            "cluster sizes {:?} (no labels to score against)",
            metrics.sizes
        ),
    };
    let summary = format!(
        "{method} on {} images of {dataset}: {score}, {:.0} s ({}){kept}",
        metrics.images,
        metrics.seconds,
        stages.join(", ")
    );
    run::finish(&out, &metrics, args.json, &summary)
}

/// `; an image's 19 nearest neighbours share its label 80.7 % (least: Shirt 53.2 %), its cluster
/// 97.1 %`: how well the graph UMAP starts from follows the labels, the label it follows worst,
/// and how well it follows the clusters found.
fn purity_line(p: &ae_eval::NeighbourPurity, metrics: &cluster::ClusterMetrics) -> String {
    let worst = p
        .per_label
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .min_by(|a, b| a.1.total_cmp(b.1));
    let classes = metrics.data.as_ref().and_then(|d| d.classes.as_ref());
    let least = match worst {
        Some((label, share)) => {
            let name = classes
                .and_then(|c| c.get(label).cloned())
                .unwrap_or_else(|| format!("label {label}"));
            format!(" (least: {name} {:.1} %)", share * 100.0)
        }
        None => String::new(),
    };
    let cluster = (metrics.neighbours_in_cluster.as_ref())
        .map(|c| format!(", its cluster {:.1} %", c.overall * 100.0))
        .unwrap_or_default();
    format!(
        "; an image's {} nearest neighbours share its label {:.1} %{least}{cluster}",
        p.k,
        p.overall * 100.0
    )
}
