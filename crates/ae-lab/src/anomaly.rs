//! Anomaly detection by reconstruction error (`ae anomaly`): an autoencoder reconstructs what
//! looks like its training data well and the rest badly, so each image's error is a score of how
//! unusual it is — the Keras tutorial's recipe, and the out-of-distribution test of an MNIST
//! model against Fashion-MNIST. The scores' ROC curve and summary are
//! [`ae_eval::detection`]'s.

use std::path::Path;

use ae_data::{ImageSet, ImageShape};
use ae_eval::detection::{self, RocPoint};
use ae_eval::figures::{line_plot, ImageGrid, Normalise, Series};
use ae_eval::reconstruction::sse_per_image;
use ae_linear::{FittedPca, Pca};
use ae_models::model::PREDICT_BATCH;
use ae_models::Model;
use ndarray::{concatenate, Array2, Axis};
use serde::Serialize;

use crate::{Error, Result};

/// The share of anomalies caught at which the false-positive rate is reported.
pub const CAUGHT: f64 = 0.95;

/// How well the reconstruction error tells anomalies from normal images.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Separation {
    /// The area under the ROC curve (0.5: no better than chance; 1: every anomaly scores above
    /// every normal image).
    pub roc_auc: f64,
    /// The first threshold that catches at least [`CAUGHT`] of the anomalies, and the share of
    /// the normal images it flags too.
    pub at_95_percent_caught: RocPoint,
}

/// One set's errors, named for the figures' legends and axes.
#[derive(Debug, Clone, Copy)]
pub struct Errors<'a> {
    /// In words: "test split of mnist".
    pub name: &'a str,
    /// One error per image.
    pub errors: &'a [f64],
}

/// Each image's mean squared error between its pixels and the model's output for it (clamped to
/// [0, 1], as the outputs are shown and written). The images go through the model
/// [`PREDICT_BATCH`] at a time, so memory stays bounded; a variational model decodes one sample
/// of each posterior, drawn under `seed` so that the scores repeat.
pub fn reconstruction_errors(model: &Model, images: &ImageSet, seed: u64) -> Result<Vec<f64>> {
    let _rng = ae_models::seed::seeded(seed as i64);
    let mut errors = Vec::with_capacity(images.len());
    for start in (0..images.len()).step_by(PREDICT_BATCH) {
        let end = (start + PREDICT_BATCH).min(images.len());
        let clean = images.to_f32_rows(start..end);
        let out = model.outputs(&clean)?;
        errors.extend(mse_per_image(&clean, &out)?);
    }
    Ok(errors)
}

/// The model's outputs for the images at `indices` (clamped to [0, 1]), for pictures of the
/// images it scores highest or lowest; the same draw as [`reconstruction_errors`] for a
/// deterministic model.
pub fn outputs_of(
    model: &Model,
    images: &ImageSet,
    indices: &[usize],
    seed: u64,
) -> Result<(Array2<f32>, Array2<f32>)> {
    let _rng = ae_models::seed::seeded(seed as i64);
    let chosen = images.select(indices).to_f32();
    let out = model.outputs(&chosen)?.mapv(|v| v.clamp(0.0, 1.0));
    Ok((chosen, out))
}

/// How well the `anomalous` errors stand above the `normal` ones: the ROC area and the
/// false-positive rate at [`CAUGHT`].
pub fn separate(normal: &[f64], anomalous: &[f64]) -> Result<Separation> {
    let curve = detection::roc_curve(normal, anomalous)?;
    read_separation(&curve, normal, anomalous)
}

/// [`separate`] with the ROC curve already drawn up.
fn read_separation(curve: &[RocPoint], normal: &[f64], anomalous: &[f64]) -> Result<Separation> {
    Ok(Separation {
        roc_auc: detection::roc_auc(normal, anomalous)?,
        at_95_percent_caught: detection::at_true_positive_rate(curve, CAUGHT)?,
    })
}

/// The ROC curve of `normal` against `anomalous` errors drawn into `path` (at most about 200
/// of its points), and the figures read from it.
pub fn separation(path: &Path, normal: Errors<'_>, anomalous: Errors<'_>) -> Result<Separation> {
    let curve = detection::roc_curve(normal.errors, anomalous.errors)?;
    let separation = read_separation(&curve, normal.errors, anomalous.errors)?;
    let title = format!(
        "ROC of the reconstruction error: {} as anomalies (area {:.4})",
        anomalous.name, separation.roc_auc
    );
    roc_plot(
        path,
        &title,
        normal.name,
        anomalous.name,
        &[(String::new(), &curve)],
    )?;
    Ok(separation)
}

/// One way of scoring the same two sets of images (the model's reconstruction error, PCA's),
/// one curve of [`separations`].
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    /// Its name in the legend: "model", "PCA-30".
    pub name: &'a str,
    /// Its score of each normal image.
    pub normal: &'a [f64],
    /// Its score of each anomaly.
    pub anomalous: &'a [f64],
}

/// [`separation`] for several scorers of the same sets (named `normal` and `anomalous`), their
/// ROC curves in one figure, each named with its area in the legend.
pub fn separations(
    path: &Path,
    normal: &str,
    anomalous: &str,
    scorers: &[Scorer<'_>],
) -> Result<Vec<Separation>> {
    let mut found = Vec::with_capacity(scorers.len());
    let mut curves = Vec::with_capacity(scorers.len());
    for s in scorers {
        let curve = detection::roc_curve(s.normal, s.anomalous)?;
        let separation = read_separation(&curve, s.normal, s.anomalous)?;
        curves.push((
            format!("{} (area {:.4})", s.name, separation.roc_auc),
            curve,
        ));
        found.push(separation);
    }
    let named: Vec<(String, &[RocPoint])> = curves
        .iter()
        .map(|(name, curve)| (name.clone(), curve.as_slice()))
        .collect();
    let title = format!("ROC of the reconstruction errors: {anomalous} as anomalies");
    roc_plot(path, &title, normal, anomalous, &named)?;
    Ok(found)
}

/// ROC curves (at most about 200 points of each) drawn into `path`.
fn roc_plot(
    path: &Path,
    title: &str,
    normal: &str,
    anomalous: &str,
    curves: &[(String, &[RocPoint])],
) -> Result<()> {
    let series: Vec<Series> = curves
        .iter()
        .map(|(name, curve)| {
            let step = curve.len().div_ceil(200).max(1);
            let mut points: Vec<(f64, f64)> = curve
                .iter()
                .step_by(step)
                .map(|p| (p.false_positive_rate, p.true_positive_rate))
                .collect();
            points.push((1.0, 1.0));
            Series {
                name: name.clone(),
                points,
            }
        })
        .collect();
    line_plot(
        path,
        title,
        &format!("false-positive rate ({normal})"),
        &format!("true-positive rate ({anomalous})"),
        &series,
    )?;
    Ok(())
}

/// PCA fitted on a model's training images, scoring images by the mean squared error of their
/// projection onto its components: the linear baseline of a reconstruction-error score (B1.5
/// finds PCA-30 as good a one-class detector as a deep autoencoder).
pub struct PcaScorer {
    pca: FittedPca<f32>,
}

impl PcaScorer {
    /// PCA with `components` components of `train`'s images.
    pub fn fit(train: &ImageSet, components: usize) -> Result<PcaScorer> {
        Ok(PcaScorer {
            pca: Pca::params(components).fit(&train.to_f32().view())?,
        })
    }

    /// Its number of components.
    pub fn components(&self) -> usize {
        self.pca.n_components()
    }

    /// Each image's mean squared error between its pixels and its projection (clamped to
    /// [0, 1], as a model's outputs are), [`PREDICT_BATCH`] images at a time.
    pub fn errors(&self, images: &ImageSet) -> Result<Vec<f64>> {
        let mut errors = Vec::with_capacity(images.len());
        for start in (0..images.len()).step_by(PREDICT_BATCH) {
            let end = (start + PREDICT_BATCH).min(images.len());
            let x = images.to_f32_rows(start..end);
            errors.extend(mse_per_image(&x, &self.project(&x)?)?);
        }
        Ok(errors)
    }

    /// The rows of `x` projected onto the components and back.
    pub fn project(&self, x: &Array2<f32>) -> Result<Array2<f32>> {
        let codes = self.pca.transform(&x.view())?;
        Ok(self.pca.inverse_transform(&codes.view())?)
    }
}

/// Each set's share of images per bin of log10 error (40 bins over all the sets' range), one
/// line per set, drawn into `path`.
pub fn histogram(path: &Path, sets: &[Errors<'_>]) -> Result<()> {
    const BINS: usize = 40;
    // A perfect reconstruction (error 0) is drawn in the lowest bin.
    let log = |e: f64| e.max(1e-12).log10();
    let (lo, hi) = sets
        .iter()
        .flat_map(|s| s.errors.iter().map(|&e| log(e)))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let width = if hi > lo {
        (hi - lo) / BINS as f64
    } else {
        1.0
    };
    let series: Vec<Series> = sets
        .iter()
        .map(|s| {
            let mut counts = [0usize; BINS];
            for &e in s.errors {
                counts[(((log(e) - lo) / width) as usize).min(BINS - 1)] += 1;
            }
            Series {
                name: s.name.to_owned(),
                points: counts
                    .iter()
                    .enumerate()
                    .map(|(b, &c)| {
                        (
                            lo + (b as f64 + 0.5) * width,
                            c as f64 / s.errors.len().max(1) as f64,
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    line_plot(
        path,
        "reconstruction error per image",
        "log10 mean squared error",
        "share of the images",
        &series,
    )?;
    Ok(())
}

/// The images at `indices` of `images` over the model's outputs, each captioned with its error
/// from `errors`, drawn into `path`.
pub fn grid(
    path: &Path,
    model: &Model,
    images: &ImageSet,
    errors: &[f64],
    indices: &[usize],
    seed: u64,
) -> Result<()> {
    let (inputs, outputs) = outputs_of(model, images, indices, seed)?;
    let captions = indices
        .iter()
        .map(|&i| format!("{:.4}", errors[i]))
        .collect();
    over_outputs(path, &inputs, &outputs, images.shape(), captions)
}

/// Images (rows of `inputs`) over their outputs (the same rows of `outputs`) and the absolute
/// difference between the two (where the error is: white where an output misses by a whole
/// pixel's range), each column captioned from `captions`, drawn into `path`.
pub fn over_outputs(
    path: &Path,
    inputs: &Array2<f32>,
    outputs: &Array2<f32>,
    shape: ImageShape,
    mut captions: Vec<String>,
) -> Result<()> {
    let difference = (inputs - outputs).mapv(f32::abs);
    let tiles = concatenate(Axis(0), &[inputs.view(), outputs.view(), difference.view()])?;
    // Only the first row is captioned.
    captions.resize(3 * inputs.nrows(), String::new());
    ImageGrid::of_shape(tiles.view(), shape, inputs.nrows())?
        .normalise(Normalise::Fixed)
        .captions(captions)
        .row_titles(vec!["input".into(), "output".into(), "difference".into()])
        .scale(2)
        .save(path)?;
    Ok(())
}

/// Mean squared error of each row of `out` (clamped to [0, 1]) against `clean`'s: the score of
/// any reconstruction (a model's, PCA's).
pub fn mse_per_image(clean: &Array2<f32>, out: &Array2<f32>) -> Result<Vec<f64>> {
    if clean.dim() != out.dim() {
        return Err(Error::Invalid {
            name: "images",
            reason: format!(
                "the model's outputs have shape {:?}, its inputs {:?}; it does not reconstruct \
                 its input",
                out.dim(),
                clean.dim()
            ),
        });
    }
    let shown = out.mapv(|v| v.clamp(0.0, 1.0));
    let per_value = clean.ncols().max(1) as f64;
    sse_per_image(&clean.view(), &shown.view())?
        .iter()
        .map(|&sse| {
            let mse = sse / per_value;
            if mse.is_finite() {
                Ok(mse)
            } else {
                Err(Error::Invalid {
                    name: "model",
                    reason: "its output is not finite; retrain it with a lower learning rate"
                        .into(),
                })
            }
        })
        .collect()
}

/// The indices of the `n` highest (`highest`) or lowest scores, in that order; ties keep the
/// images' order.
pub fn ranked(scores: &[f64], n: usize, highest: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let by = scores[a].total_cmp(&scores[b]);
        if highest {
            by.reverse()
        } else {
            by
        }
    });
    order.truncate(n);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1, Array3};

    #[test]
    fn row_errors_clamp_the_outputs() {
        let clean = array![[0.0f32, 1.0], [0.5, 0.5]];
        // 1.5 is shown as 1.0: no error; -0.5 as 0.0: error 0.5² on one of two values.
        let out = array![[-0.5f32, 1.5], [0.5, 0.0]];
        let e = mse_per_image(&clean, &out).unwrap();
        assert_eq!(e, vec![0.0, 0.125]);
        let nan = array![[f32::NAN, 0.0], [0.0, 0.0]];
        assert!(mse_per_image(&clean, &nan).is_err());
        assert!(mse_per_image(&clean, &array![[0.0f32, 1.0]]).is_err());
    }

    #[test]
    fn pca_scores_the_distance_from_the_training_images_plane() {
        // 2 × 2 images: the training images vary in their first two pixels only, so PCA-2's
        // plane holds them (and any image like them); an image 30 levels off it in the third
        // pixel scores exactly that: (30 / 255)² over 4 values.
        let train = Array3::from_shape_fn((12, 2, 2), |(i, y, x)| match (y, x) {
            (0, 0) => 100 + 10 * (i % 4) as u8,
            (0, 1) => 90 + 7 * (i % 3) as u8,
            _ => 100,
        });
        let train = ImageSet::new(train, Array1::zeros(12)).unwrap();
        let scorer = PcaScorer::fit(&train, 2).unwrap();
        assert_eq!(scorer.components(), 2);
        let test = ImageSet::new(
            array![[[105u8, 95], [100, 100]], [[105, 95], [130, 100]]],
            Array1::zeros(2),
        )
        .unwrap();
        let e = scorer.errors(&test).unwrap();
        let off = (30.0f64 / 255.0).powi(2) / 4.0;
        assert!(e[0] < 1e-10, "{e:?}");
        assert!((e[1] - off).abs() < 1e-6 * off, "{e:?} against {off}");
    }

    #[test]
    fn ranked_orders_and_keeps_ties_in_place() {
        let scores = [0.3, 0.9, 0.1, 0.9, 0.5];
        assert_eq!(ranked(&scores, 3, true), vec![1, 3, 4]);
        assert_eq!(ranked(&scores, 2, false), vec![2, 0]);
        assert_eq!(ranked(&scores, 10, false).len(), 5);
    }
}
