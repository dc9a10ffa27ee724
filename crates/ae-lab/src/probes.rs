//! What commands and experiments do with a trained model or on their own beyond the standard
//! evaluation: decoding random latents (S3.2), clustering the codes (S3.3), PCA's
//! reconstructions (S0.2, `ae pca`), and seed 000's k-means from scratch on four blobs (S0.3).

use std::path::Path;
use std::time::Instant;

use ae_eval::clustering::{cluster_accuracy, nmi};
use ae_eval::figures::{
    confusion_png, line_plot, scatter_plot, ImageGrid, Markers, Normalise, Series,
};
use ae_eval::reconstruction::mean_sse;
use ae_linear::kmeans::from_scratch;
use ae_linear::{FittedPca, KMeans, PcaParams};
use ae_models::{to_array, Autoencoder, Model, ModelConfig};
use ndarray::{concatenate, s, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::run::Trained;
use crate::Result;

/// `n` random latents of `code_len` values (seeded): drawn from the prior N(0, I) for a
/// variational model, else uniform in [0, 1) as seed 003 draws them (S3.2).
pub fn random_latents(model: &ModelConfig, n: usize, code_len: usize, seed: u64) -> Array2<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    if model.is_variational() {
        Array2::from_shape_fn((n, code_len), |_| StandardNormal.sample(&mut rng))
    } else {
        Array2::from_shape_fn((n, code_len), |_| rng.gen::<f32>())
    }
}

/// S3.2: decodes 9 [`random_latents`] into a 3 × 3 grid of `image`-shaped images at `path`.
pub fn generate_grid(
    model: &Model,
    code_size: usize,
    image: ae_data::ImageShape,
    seed: u64,
    path: &Path,
) -> Result<()> {
    let latents = random_latents(model.config(), 9, code_size, seed);
    let latents: Vec<f32> = latents.iter().copied().collect();
    let z = Tensor::from_slice(&latents)
        .view([9, code_size as i64])
        .to_device(model.device());
    let generated = {
        let _g = tch::no_grad_guard();
        to_array(&model.decode(&z, false)?)?
    };
    ImageGrid::of_shape(generated.view(), image, 3)?
        .normalise(Normalise::Fixed)
        .scale(3)
        .save(path)?;
    Ok(())
}

/// The result of clustering a run's codes (S3.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// Accuracy after the best one-to-one relabelling (Kuhn–Munkres).
    pub accuracy: f64,
    /// Normalised mutual information.
    pub nmi: f64,
    /// The label each cluster is mapped to.
    pub mapping: Vec<Option<usize>>,
    /// Seconds k-means took.
    pub seconds: f64,
}

/// S3.3: k-means (one cluster per class: 10 for the MNIST family; 10 restarts, seeded) on the
/// codes of the run's training images, scored by Kuhn–Munkres accuracy; writes `confusion.json`
/// and `confusion.png` into `dir`.
pub fn cluster_codes(t: &Trained, seed: u64, dir: &Path) -> Result<Clustering> {
    let codes = t.model.codes(&t.train.to_f32())?;
    crate::evaluate::ensure_finite_rows(&codes, "the code of training image", &t.dir)?;
    let start = Instant::now();
    let k = t.data.classes.as_ref().map_or(10, |c| c.len().max(2));
    let km = KMeans::params(k).n_init(10).seed(seed).fit(&codes.view())?;
    let seconds = start.elapsed().as_secs_f64();
    let labels: Vec<usize> = t
        .train
        .require_labels("clustering accuracy")?
        .iter()
        .map(|&l| usize::from(l))
        .collect();
    let clusters = km.labels().to_vec();
    let acc = cluster_accuracy(&clusters, &labels)?;
    ae_eval::report::write_json(&dir.join("confusion.json"), &acc.confusion)?;
    confusion_png(
        &dir.join("confusion.png"),
        &acc.confusion.counts,
        &format!(
            "k-means on {}-d codes of {} training images: accuracy {:.3}",
            codes.ncols(),
            clusters.len(),
            acc.accuracy
        ),
    )?;
    Ok(Clustering {
        accuracy: acc.accuracy,
        nmi: nmi(&clusters, &labels)?,
        mapping: acc.mapping,
        seconds,
    })
}

/// PCA fitted on training images and measured on test images (S0.2, `ae pca`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaReconstruction {
    /// Components kept.
    pub components: usize,
    /// Mean over test images of each one's sum of squared errors.
    pub test_sse: f64,
    /// The same with the reconstructions clipped to [0, 1].
    pub test_sse_clipped: f64,
    /// Share of the training variance the components keep.
    pub explained_variance_ratio_sum: f64,
    /// Seconds the fit took.
    pub fit_seconds: f64,
}

/// Fits `params` on `train` (images of `image`'s shape, one per row), measures the test SSE with
/// and without clipping, and draws into `dir` the first (up to) 16 components,
/// `eigen-digits.png`, and 10 test images with their reconstructions, `reconstructions.png`, at
/// `scale` pixels per pixel. Returns the figures and the fitted PCA.
pub fn pca_reconstruction(
    params: &PcaParams,
    train: &Array2<f32>,
    test: &Array2<f32>,
    image: ae_data::ImageShape,
    dir: &Path,
    scale: u32,
) -> Result<(PcaReconstruction, FittedPca<f32>)> {
    let start = Instant::now();
    let pca = params.fit(&train.view())?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let recon = pca.inverse_transform(&pca.transform(&test.view())?.view())?;
    let clipped = recon.mapv(|v| v.clamp(0.0, 1.0));
    let k = pca.n_components();
    let n = 10.min(test.nrows());
    let grid = concatenate![
        Axis(0),
        test.slice(s![..n, ..]),
        recon.slice(s![..n, ..]),
        clipped.slice(s![..n, ..])
    ];
    ImageGrid::of_shape(grid.view(), image, n)?
        .normalise(Normalise::Fixed)
        .row_titles(vec![
            "original".into(),
            format!("PCA-{k}"),
            "clipped".into(),
        ])
        .scale(scale)
        .save(&dir.join("reconstructions.png"))?;
    let shown = k.min(16);
    ImageGrid::of_shape(pca.components().slice(s![..shown, ..]), image, 8)?
        .normalise(Normalise::PerTile)
        .captions((1..=shown).map(|i| format!("PC{i}")).collect())
        .scale(scale)
        .save(&dir.join("eigen-digits.png"))?;
    let report = PcaReconstruction {
        components: k,
        test_sse: mean_sse(&test.view(), &recon.view())?,
        test_sse_clipped: mean_sse(&test.view(), &clipped.view())?,
        explained_variance_ratio_sum: pca
            .explained_variance_ratio()
            .iter()
            .map(|&v| f64::from(v))
            .sum(),
        fit_seconds,
    };
    Ok((report, pca))
}

/// What seed 000's k-means from scratch did (S0.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmeansDemo {
    /// Iterations run.
    pub iterations: usize,
    /// Seed of the blobs and the initial means.
    pub seed: u64,
    /// Distortion after every assignment and every update, in order.
    pub distortions: Vec<f64>,
    /// The means after the last update.
    pub final_means: Vec<Vec<f64>>,
}

/// S0.3 into `out`: four 2-D blobs, initial means N(0, 1) as the seed draws them, `iterations`
/// Lloyd steps; `iteration-<t>.png` per iteration and `distortion.png`.
pub fn kmeans_demo(out: &Path, seed: u64, iterations: usize) -> Result<KmeansDemo> {
    let (x, _) = ae_data::synthetic::four_blobs(seed);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
    let init = Array2::from_shape_fn((4, 2), |_| StandardNormal.sample(&mut rng));
    let trace = from_scratch::run(&x.view(), &init.view(), iterations)?;
    let points: Vec<(f64, f64)> = x.rows().into_iter().map(|r| (r[0], r[1])).collect();
    let as_points = |m: &Array2<f64>| {
        m.rows()
            .into_iter()
            .map(|r| (r[0], r[1]))
            .collect::<Vec<_>>()
    };
    for (t, labels) in trace.labels.iter().enumerate() {
        scatter_plot(
            &out.join(format!("iteration-{t}.png")),
            &format!(
                "Iteration {t}: distortion {:.1} after assignment, {:.1} after update",
                trace.distortions[2 * t],
                trace.distortions[2 * t + 1]
            ),
            &points,
            &labels.to_vec(),
            None,
            &[
                Markers {
                    name: "old means".into(),
                    points: as_points(&trace.means[t]),
                    rgb: (220, 0, 0),
                },
                Markers {
                    name: "new means".into(),
                    points: as_points(&trace.means[t + 1]),
                    rgb: (255, 165, 0),
                },
            ],
        )?;
    }
    let curve: Vec<(f64, f64)> = trace
        .distortions
        .iter()
        .enumerate()
        .map(|(i, &d)| (i as f64 / 2.0, d))
        .collect();
    line_plot(
        &out.join("distortion.png"),
        "k-means distortion (after each assignment and update)",
        "iteration",
        "distortion",
        &[Series {
            name: "distortion".into(),
            points: curve,
        }],
    )?;
    Ok(KmeansDemo {
        iterations,
        seed,
        distortions: trace.distortions.clone(),
        final_means: trace
            .final_means()
            .outer_iter()
            .map(|r| r.to_vec())
            .collect(),
    })
}
