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
            "accuracy {:.4}, NMI {:.4}, ARI {:.4}",
            s.accuracy, s.nmi, s.ari
        ),
        None => format!(
            "cluster sizes {:?} (no labels to score against)",
            metrics.sizes
        ),
    };
    let classes = metrics.data.as_ref().and_then(|d| d.classes.as_deref());
    let neighbours = neighbours_clause(
        metrics
            .score
            .as_ref()
            .and_then(|s| s.neighbour_purity.as_ref()),
        classes,
        metrics.neighbours_in_cluster.as_ref(),
    );
    let summary = format!(
        "{method} on {} images of {dataset}: {score}{neighbours}, {:.0} s ({}){kept}",
        metrics.images,
        metrics.seconds,
        stages.join(", ")
    );
    run::finish(&out, &metrics, args.json, &summary)
}

/// How well the graph UMAP starts from follows the labels (with the label it follows worst) and
/// the clusters found: `; an image's 19 nearest neighbours share its label 80.7 % (least: Shirt
/// 53.2 %), its cluster 97.1 %`. Either share may be missing: without labels the clause speaks
/// of the clusters alone (`; an image's 19 nearest neighbours share its cluster 97.1 %`), and a
/// method without a neighbour graph (the k-means rungs) has none.
fn neighbours_clause(
    label: Option<&ae_eval::NeighbourPurity>,
    classes: Option<&[String]>,
    cluster: Option<&ae_eval::NeighbourPurity>,
) -> String {
    let Some(k) = label.or(cluster).map(|p| p.k) else {
        return String::new();
    };
    let percent = |share: f64| format!("{:.1} %", share * 100.0);
    let mut shares = Vec::new();
    if let Some(p) = label {
        let worst = (p.per_label.iter().enumerate())
            .filter(|(_, v)| !v.is_nan())
            .min_by(|a, b| a.1.total_cmp(b.1));
        let least = match worst {
            Some((label, &share)) => {
                let name = (classes.and_then(|c| c.get(label).cloned()))
                    .unwrap_or_else(|| format!("label {label}"));
                format!(" (least: {name} {})", percent(share))
            }
            None => String::new(),
        };
        shares.push(format!("its label {}{least}", percent(p.overall)));
    }
    if let Some(c) = cluster {
        shares.push(format!("its cluster {}", percent(c.overall)));
    }
    format!(
        "; an image's {k} nearest neighbours share {}",
        shares.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::neighbours_clause;
    use ae_eval::NeighbourPurity;

    fn purity(overall: f64, per_label: &[f64]) -> NeighbourPurity {
        NeighbourPurity {
            k: 19,
            overall,
            per_label: per_label.to_vec(),
        }
    }

    #[test]
    fn the_clause_names_what_each_share_is_of() {
        let label = purity(0.807, &[0.9, 0.532, f64::NAN]);
        let cluster = purity(0.971, &[]);
        let classes = ["T-shirt".to_owned(), "Shirt".to_owned(), "Bag".to_owned()];
        assert_eq!(
            neighbours_clause(Some(&label), Some(&classes), Some(&cluster)),
            "; an image's 19 nearest neighbours share its label 80.7 % (least: Shirt 53.2 %), \
             its cluster 97.1 %"
        );
        assert_eq!(
            neighbours_clause(Some(&label), None, None),
            "; an image's 19 nearest neighbours share its label 80.7 % (least: label 1 53.2 %)"
        );
        // Without labels the share of the clusters is still said.
        assert_eq!(
            neighbours_clause(None, None, Some(&cluster)),
            "; an image's 19 nearest neighbours share its cluster 97.1 %"
        );
        assert_eq!(neighbours_clause(None, None, None), "");
    }
}
