//! Clustering a whole data set (`ae cluster`, experiment B2.1): the 70,000 images of train and
//! test together, as the deep-clustering literature scores them, by one of the [`Method`]s,
//! scored after Kuhn–Munkres relabelling with NMI and ARI, timed per stage, with pictures.
//!
//! Our method (`n2d`) is N2D's recipe (McConville et al. 2020) — an autoencoder's codes, UMAP
//! to 10 dimensions with `min_dist` 0, a Gaussian mixture with full covariances — with our AE
//! training; `n2d-sl` adds self-labelling ([`refine`]), which we tried and which lowers the
//! accuracy. Labels are read only to score; `docs/CLUSTERING.md` says why this recipe and what
//! each stage costs.

mod features;
mod method;
mod model_cache;
mod pictures;
pub mod refine;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use ae_data::{DataSpec, ImageShape};
use ae_eval::clustering::{ari, cluster_accuracy, neighbour_purity, nmi, NeighbourPurity};
use ae_linear::{nearest_neighbours, GaussianMixture, KMeans, Umap, UmapInit};
use ae_models::Precision;
use ndarray::{Array1, Array2};
use serde::Serialize;
use tch::Device;

pub use method::Method;
pub use model_cache::CachedConfig;

use crate::data::DataCache;
use crate::progress::Progress;
use crate::{Error, Result};

/// Neighbours per point in UMAP's graph, counting the point (N2D's setting).
pub const UMAP_NEIGHBOURS: usize = 20;
/// Dimensions of the UMAP embedding that is clustered (N2D's setting).
pub const UMAP_DIMENSIONS: usize = 10;
/// Epochs of each self-labelling CNN (fewer when the configuration caps epochs lower; more on
/// a small set, see [`refine::epochs_for`]).
pub const SELF_LABEL_EPOCHS: usize = 8;

/// What to cluster and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterConfig {
    /// Data set (train and test images together): a registry name or one's own files.
    pub dataset: DataSpec,
    /// Method.
    pub method: Method,
    /// Clusters.
    pub k: usize,
    /// Seed of every random step (network initialisation, shuffles, UMAP, k-means, mixture).
    pub seed: u64,
    /// Only the first this many of the train + test images (all when `None`).
    pub images: Option<usize>,
    /// Training epochs of the network the method uses (its preset's when `None`).
    pub epochs: Option<usize>,
    /// UMAP's epochs (200 above 10,000 points, 500 below, when `None`).
    pub umap_epochs: Option<usize>,
    /// The augmentation the method's network trains with.
    #[serde(skip_serializing_if = "NetworkAugment::is_preset")]
    pub augment: NetworkAugment,
    /// The arithmetic of the network's training (already resolved for the device).
    #[serde(skip_serializing_if = "Precision::is_fp32")]
    pub precision: Precision,
}

impl ClusterConfig {
    /// `method` on `dataset` with 10 clusters, seed 0, every image, preset settings.
    pub fn new(dataset: impl Into<DataSpec>, method: Method) -> Self {
        ClusterConfig {
            dataset: dataset.into(),
            method,
            k: 10,
            seed: 0,
            images: None,
            epochs: None,
            umap_epochs: None,
            augment: NetworkAugment::Preset,
            precision: Precision::Fp32,
        }
    }

    fn validate(&self, available: usize) -> Result<()> {
        if self.k < 2 {
            return Err(Error::invalid("k", "must be at least 2"));
        }
        if let Some(n) = self.images {
            if n < self.k.max(UMAP_NEIGHBOURS + 1) || n > available {
                return Err(Error::invalid(
                    "images",
                    format!(
                        "{n} is not between {} and the {available} images",
                        self.k.max(UMAP_NEIGHBOURS + 1)
                    ),
                ));
            }
        }
        if self.epochs == Some(0) {
            return Err(Error::invalid("epochs", "must be at least 1"));
        }
        if self.umap_epochs == Some(0) {
            return Err(Error::invalid("umap_epochs", "must be at least 1"));
        }
        if !self.augment.is_preset() && !self.method.trains_network() {
            return Err(Error::invalid(
                "augment",
                format!("{} trains no network to augment images for", self.method),
            ));
        }
        Ok(())
    }
}

/// The augmentation a method's network trains with: its preset's (B2.1: shifts of up to two
/// pixels), none, or another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkAugment {
    /// The preset's.
    #[default]
    Preset,
    /// None: the images as they are.
    Off,
    /// This one.
    Use(ae_models::augment::Augment),
}

impl NetworkAugment {
    /// Whether it is the preset's.
    pub fn is_preset(&self) -> bool {
        *self == NetworkAugment::Preset
    }

    /// What the network trains with, given its preset's.
    pub fn resolve(
        self,
        preset: Option<ae_models::augment::Augment>,
    ) -> Option<ae_models::augment::Augment> {
        match self {
            NetworkAugment::Preset => preset,
            NetworkAugment::Off => None,
            NetworkAugment::Use(a) => Some(a),
        }
    }

    /// What names a network or a run trained otherwise than the preset: `""`, `"-noaug"` or
    /// e.g. `"-shift1"`.
    pub fn suffix(&self) -> String {
        match self {
            NetworkAugment::Preset => String::new(),
            NetworkAugment::Off => "-noaug".into(),
            NetworkAugment::Use(a) => format!("-{}", a.to_string().replace(':', "")),
        }
    }
}

impl std::str::FromStr for NetworkAugment {
    type Err = Error;

    /// `none`, or an augmentation as `ae train --augment` takes it (`shift:N`).
    fn from_str(s: &str) -> Result<Self> {
        Ok(match ae_models::augment::Augment::parse_or_none(s)? {
            None => NetworkAugment::Off,
            Some(a) => NetworkAugment::Use(a),
        })
    }
}

/// Where the work happens.
pub struct ClusterPlace<'a> {
    /// Output folder: metrics.json and the pictures.
    pub out: &'a Path,
    /// Folder of the trained networks, shared by methods and runs (one subfolder per network).
    pub models: &'a Path,
    /// The data sets.
    pub data: &'a DataCache,
    /// Device of the networks.
    pub device: Device,
    /// Progress of trainings and stages.
    pub progress: &'a dyn Progress,
    /// Set (by Ctrl-C) to stop a training after its current batch, with a checkpoint.
    pub stop: Option<&'a AtomicBool>,
}

/// Seconds a stage took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// Its name (data, train, encode, neighbours, umap, gmm, kmeans, figures).
    pub name: String,
    /// Wall time.
    pub seconds: f64,
}

/// How a clustering agrees with the labels (images with labels only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Accuracy after the best one-to-one relabelling (Kuhn–Munkres).
    pub accuracy: f64,
    /// Normalised mutual information (arithmetic mean, as scikit-learn).
    pub nmi: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Label given to each cluster by the relabelling.
    pub mapping: Vec<Option<usize>>,
    /// For methods that build a neighbour graph (UMAP's): how often an image's nearest neighbours
    /// in the clustered features share its label. A diagnosis of the features, read after the
    /// clustering and never used by it; it bounds what a clustering that follows the graph can
    /// separate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbour_purity: Option<NeighbourPurity>,
}

/// What `metrics.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterMetrics {
    /// The configuration.
    pub config: ClusterConfig,
    /// Images clustered.
    pub images: usize,
    /// Their shape.
    pub image: ImageShape,
    /// SHA-256 over the clustered pixels (as `f32`) and their shape: what the kept network is
    /// keyed on.
    pub pixels_sha256: String,
    /// The data set the images came from: source, images per split and class, SHA-256 of all
    /// its decoded pixels and labels (absent for images handed over directly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ae_data::DataSummary>,
    /// The score against the labels; absent for images without labels.
    #[serde(flatten)]
    pub score: Option<Score>,
    /// Images per cluster.
    pub sizes: Vec<usize>,
    /// For methods that build a neighbour graph (UMAP's): how often an image's nearest neighbours
    /// fall in its own cluster (`per_label` is indexed by cluster). Needs no labels. Beside
    /// [`Score::neighbour_purity`] it says who limits the accuracy: where the clusters keep far
    /// more of the graph's links inside than the labels do, the graph is cut more cleanly along
    /// the clusters than along the labels, and no method that follows it would prefer the labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours_in_cluster: Option<NeighbourPurity>,
    /// Wall time per stage, in order.
    pub stages: Vec<Stage>,
    /// Wall time of every stage but the figures (a kept network's training not included).
    pub seconds: f64,
    /// Seconds the training of the method's network took, now or when it was trained and kept.
    pub network_seconds: Option<f64>,
    /// What the method costs from nothing: `seconds` with the network's training in it.
    pub seconds_from_scratch: f64,
    /// Mean log-likelihood per point of the mixture (mixture methods).
    pub log_likelihood: Option<f64>,
}

impl ClusterMetrics {
    /// The score, or an error saying that the images had no labels to score against.
    pub fn scored(&self) -> Result<&Score> {
        self.score.as_ref().ok_or_else(|| {
            Error::Data(ae_data::Error::Unlabelled {
                purpose: "scoring a clustering".into(),
            })
        })
    }
}

/// SHA-256 (hex) over `pixels` (little-endian `f32`) and `shape`.
pub fn pixels_fingerprint(pixels: &Array2<f32>, shape: ImageShape) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for v in [shape.height, shape.width, shape.channels, pixels.nrows()] {
        hash.update((v as u64).to_le_bytes());
    }
    // One update per row: hashing value by value costs more than the hash itself.
    let mut bytes = Vec::with_capacity(pixels.ncols() * 4);
    for row in pixels.rows() {
        bytes.clear();
        bytes.extend(row.iter().flat_map(|v| v.to_le_bytes()));
        hash.update(&bytes);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Times stages and tells the progress about each.
struct Stopwatch<'a> {
    stages: Vec<Stage>,
    progress: &'a dyn Progress,
}

impl Stopwatch<'_> {
    fn time<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.progress.stage_started(name);
        let start = Instant::now();
        let out = f()?;
        let seconds = start.elapsed().as_secs_f64();
        self.progress.stage_finished(name, seconds);
        self.stages.push(Stage {
            name: name.to_owned(),
            seconds,
        });
        Ok(out)
    }
}

/// An assignment with how sure it is.
pub struct Assignment {
    /// Cluster of each image.
    pub clusters: Vec<usize>,
    /// Probability of that cluster (mixture posterior, or DEC's Student-t kernel for k-means).
    pub confidence: Vec<f64>,
    /// The mixture's mean log-likelihood, for mixture methods.
    pub log_likelihood: Option<f64>,
}

/// Runs `config` on its data set and writes `metrics.json`, `assignments.csv` and the pictures
/// into `place.out`.
pub fn cluster(config: &ClusterConfig, place: &ClusterPlace<'_>) -> Result<ClusterMetrics> {
    let mut watch = Stopwatch {
        stages: Vec::new(),
        progress: place.progress,
    };
    let given = watch.time("data", || features::all_images(config, place.data))?;
    cluster_images(config, given, place, watch)
}

/// The images a clustering works on: rows of values in [0, 1] (owned when read from a data set,
/// borrowed when handed over), their labels (read only to score), their shape, and what the data
/// set held (absent for images handed over).
struct Given<'a> {
    pixels: Cow<'a, Array2<f32>>,
    labels: Option<Cow<'a, [usize]>>,
    shape: ImageShape,
    data: Option<ae_data::DataSummary>,
}

/// Runs `config` on given images (rows of 28 × 28 pixels in [0, 1]) with their labels (read only
/// to score); `config.dataset` only names them.
pub fn cluster_given(
    config: &ClusterConfig,
    pixels: &Array2<f32>,
    labels: &[usize],
    place: &ClusterPlace<'_>,
) -> Result<ClusterMetrics> {
    if pixels.nrows() != labels.len() || pixels.ncols() != ImageShape::MNIST.values() {
        return Err(Error::invalid(
            "images",
            format!(
                "{} × {} pixels with {} labels; need 784 pixels per image and one label each",
                pixels.nrows(),
                pixels.ncols(),
                labels.len()
            ),
        ));
    }
    config.validate(pixels.nrows())?;
    let watch = Stopwatch {
        stages: Vec::new(),
        progress: place.progress,
    };
    let (pixels, labels) = match config.images {
        // Only a cut needs a copy of the pixels.
        Some(n) if n < labels.len() => (
            Cow::Owned(pixels.slice(ndarray::s![..n, ..]).to_owned()),
            &labels[..n],
        ),
        _ => (Cow::Borrowed(pixels), labels),
    };
    let given = Given {
        pixels,
        labels: Some(Cow::Borrowed(labels)),
        shape: ImageShape::MNIST,
        data: None,
    };
    cluster_images(config, given, place, watch)
}

fn cluster_images(
    config: &ClusterConfig,
    given: Given<'_>,
    place: &ClusterPlace<'_>,
    mut watch: Stopwatch<'_>,
) -> Result<ClusterMetrics> {
    let Given {
        pixels,
        labels,
        shape,
        data,
    } = given;
    let (pixels, labels) = (pixels.as_ref(), labels.as_deref());
    if config.method == Method::N2dSl && shape != ImageShape::MNIST {
        return Err(Error::invalid(
            "method",
            format!("n2d-sl's self-labelling CNN takes 28 × 28 grey images, not {shape}"),
        ));
    }
    let pixels_sha256 = pixels_fingerprint(pixels, shape);
    let (features, network_seconds) =
        features::features(config, pixels, shape, &pixels_sha256, place, &mut watch)?;
    let (assignment, embedding) = if config.method.uses_umap() {
        let nn = watch.time("neighbours", || {
            Ok(nearest_neighbours(&features.view(), UMAP_NEIGHBOURS - 1)?)
        })?;
        let params = umap_params(config, UMAP_DIMENSIONS);
        let embedded = watch.time("umap", || Ok(params.fit_neighbours(&features.view(), &nn)?))?;
        let mut assignment = watch.time("gmm", || mixture(&embedded, config))?;
        if config.method == Method::N2dSl {
            let epochs = config
                .epochs
                .map_or(SELF_LABEL_EPOCHS, |e| e.min(SELF_LABEL_EPOCHS));
            assignment = watch.time("self-label", || {
                refine::self_label(
                    pixels,
                    assignment,
                    config.k,
                    epochs,
                    config.seed,
                    place.device,
                    place.progress,
                )
            })?;
        }
        (assignment, Some((embedded, nn)))
    } else {
        (watch.time("kmeans", || kmeans(&features, config))?, None)
    };
    let seconds: f64 = watch.stages.iter().map(|s| s.seconds).sum();
    let trained_now: f64 = watch
        .stages
        .iter()
        .filter(|s| s.name == "train")
        .map(|s| s.seconds)
        .sum();
    let score = match labels {
        Some(labels) => {
            let accuracy = cluster_accuracy(&assignment.clusters, labels)?;
            Some(Score {
                accuracy: accuracy.accuracy,
                nmi: nmi(&assignment.clusters, labels)?,
                ari: ari(&assignment.clusters, labels)?,
                mapping: accuracy.mapping,
                neighbour_purity: embedding
                    .as_ref()
                    .map(|(_, nn)| neighbour_purity(nn.indices.view(), labels))
                    .transpose()?,
            })
        }
        None => None,
    };
    let mut sizes = vec![0; config.k];
    for &c in &assignment.clusters {
        sizes[c] += 1;
    }
    crate::error::create_dir(place.out)?;
    watch.time("figures", || {
        pictures::draw(
            place.out,
            &pictures::What {
                pixels,
                features: &features,
                embedding: embedding.as_ref(),
                assignment: &assignment,
                labels,
                shape,
                config,
            },
        )
    })?;
    let metrics = ClusterMetrics {
        config: config.clone(),
        images: pixels.nrows(),
        image: shape,
        pixels_sha256,
        data,
        score,
        sizes,
        neighbours_in_cluster: embedding
            .as_ref()
            .map(|(_, nn)| neighbour_purity(nn.indices.view(), &assignment.clusters))
            .transpose()?,
        stages: watch.stages,
        seconds,
        network_seconds,
        seconds_from_scratch: seconds - trained_now + network_seconds.unwrap_or(0.0),
        log_likelihood: assignment.log_likelihood,
    };
    ae_eval::report::write_json(&place.out.join("metrics.json"), &metrics)?;
    write_assignments(&place.out.join("assignments.csv"), &assignment)?;
    Ok(metrics)
}

/// UMAP as N2D sets it (20 neighbours, `min_dist` 0) into `dims` dimensions.
fn umap_params(config: &ClusterConfig, dims: usize) -> ae_linear::UmapParams {
    let mut p = Umap::params(dims)
        .n_neighbors(UMAP_NEIGHBOURS)
        .min_dist(0.0)
        .init(UmapInit::Spectral)
        .seed(config.seed);
    if let Some(e) = config.umap_epochs {
        p = p.n_epochs(e);
    }
    p
}

/// A full-covariance Gaussian mixture on the embedding, 4 starts kept by likelihood (no label
/// is looked at to choose).
fn mixture(x: &Array2<f32>, config: &ClusterConfig) -> Result<Assignment> {
    let gmm = GaussianMixture::params(config.k)
        .n_init(4)
        .seed(config.seed)
        .fit(&x.view())?;
    let proba = gmm.predict_proba(&x.view())?;
    let clusters: Vec<usize> = proba
        .rows()
        .into_iter()
        .map(ae_linear::gmm::argmax)
        .collect();
    let confidence = clusters
        .iter()
        .zip(proba.rows())
        .map(|(&c, p)| p[c])
        .collect();
    Ok(Assignment {
        clusters,
        confidence,
        log_likelihood: Some(gmm.lower_bound),
    })
}

/// k-means (20 starts) with DEC's Student-t soft assignment as the confidence.
fn kmeans(x: &Array2<f32>, config: &ClusterConfig) -> Result<Assignment> {
    let fit = KMeans::params(config.k)
        .n_init(if config.method == Method::Kmeans {
            10
        } else {
            20
        })
        .seed(config.seed)
        .fit(&x.view())?;
    let d2 = ae_linear::kmeans::from_scratch::sq_distances(&x.view(), &fit.centroids().view());
    let clusters = fit.labels().to_vec();
    let confidence = d2
        .rows()
        .into_iter()
        .zip(&clusters)
        .map(|(row, &c)| {
            let q: Array1<f64> = row.mapv(|d| 1.0 / (1.0 + f64::from(d)));
            q[c] / q.sum()
        })
        .collect();
    Ok(Assignment {
        clusters,
        confidence,
        log_likelihood: None,
    })
}

/// `index,cluster,confidence` per image, in the order of train then test.
fn write_assignments(path: &Path, a: &Assignment) -> Result<()> {
    let mut text = String::from("index,cluster,confidence\n");
    for (i, (c, p)) in a.clusters.iter().zip(&a.confidence).enumerate() {
        text.push_str(&format!("{i},{c},{p:.6}\n"));
    }
    ae_data::write_atomically(path, text.as_bytes()).map_err(Error::from)
}

/// The standard places: `runs/cluster-<dataset>/<method>-seed<S>[-n<N>][-noaug|-shiftN][-bf16]`
/// and the shared `runs/cluster-<dataset>/models` under `root`.
pub fn default_folders(root: &Path, config: &ClusterConfig) -> (PathBuf, PathBuf) {
    let base = root.join(format!("cluster-{}", config.dataset));
    let mut name = format!("{}-seed{}", config.method, config.seed);
    if let Some(n) = config.images {
        name.push_str(&format!("-n{n}"));
    }
    name.push_str(&config.augment.suffix());
    if !config.precision.is_fp32() {
        name.push_str(&format!("-{}", config.precision));
    }
    (base.join(name), base.join("models"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ae_models::augment::Augment;

    #[test]
    fn network_augmentation_parses_resolves_and_names_its_folders() {
        let shift2 = Some(Augment::Shift { pixels: 2 });
        let off: NetworkAugment = "none".parse().unwrap();
        let one: NetworkAugment = "shift:1".parse().unwrap();
        assert_eq!(off, NetworkAugment::Off);
        assert_eq!(one, NetworkAugment::Use(Augment::Shift { pixels: 1 }));
        assert_eq!(NetworkAugment::Preset.resolve(shift2), shift2);
        assert_eq!(off.resolve(shift2), None);
        assert_eq!(one.resolve(None), Some(Augment::Shift { pixels: 1 }));
        assert_eq!(NetworkAugment::Preset.suffix(), "");
        assert_eq!(off.suffix(), "-noaug");
        assert_eq!(one.suffix(), "-shift1");
        let e = "blur:3".parse::<NetworkAugment>().unwrap_err();
        assert_eq!(e.parameter(), Some("augment"), "{e}");

        let config = ClusterConfig {
            augment: off,
            ..ClusterConfig::new(ae_data::DatasetId::FashionMnist, Method::N2d)
        };
        let (out, models) = default_folders(Path::new("runs"), &config);
        assert_eq!(out, Path::new("runs/cluster-fashion-mnist/n2d-seed0-noaug"));
        assert_eq!(models, Path::new("runs/cluster-fashion-mnist/models"));
    }
}
