//! What every finished run is measured by ([`RunMetrics`], its `metrics.json`) and the figures
//! it gets: loss curve, reconstructions (with the noisy inputs for denoising runs), encoder
//! filters where the first layer is dense.

use std::path::Path;

use ae_data::{DataSummary, Noise};
use ae_eval::figures::{line_plot, ImageGrid, Normalise, Series};
use ae_eval::reconstruction::{mean_psnr_per_image, mean_sse, mse, psnr};
use ae_models::{images_tensor, to_array, Autoencoder, EpochRecord, Model, ModelConfig, Trainer};
use ndarray::{concatenate, s, Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::run::Trained;
use crate::Result;

/// Seed of the test-set noise of a run with training seed `seed` (fixed, so every evaluation of
/// a run sees the same noisy test images).
pub fn test_noise_seed(seed: u64) -> u64 {
    seed ^ 0x7E57
}

/// A run's test-set evaluation, as written to its `metrics.json`.
///
/// PSNR is given two ways: `*_psnr_*` is the mean over test images of each image's PSNR (as
/// notebooks loop scikit-image's `peak_signal_noise_ratio`); `*_global` is 10·log10(1/MSE)
/// over the whole set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// The model's name.
    pub model: String,
    /// Its trainable parameters.
    pub parameters: usize,
    /// The data set's name (`mnist`, or one's own folder or file name).
    pub dataset: String,
    /// What the run saw: source, image shape, images per split and class, and a SHA-256 over
    /// the decoded pixels and labels (so two runs on "the same folder" can be told apart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataSummary>,
    /// Epochs trained.
    pub epochs: usize,
    /// Training loss of the last epoch.
    pub train_loss: Option<f64>,
    /// Validation loss of the weights kept: the best epoch's when the run keeps the best, else
    /// the last epoch's (none without a validation set).
    pub val_loss: Option<f64>,
    /// The epoch of lowest validation loss, when the run keeps the best weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_epoch: Option<usize>,
    /// The epoch after which early stopping ended training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<usize>,
    /// The training loss on the clean test images.
    pub test_loss: f64,
    /// Mean over test images of each one's sum of squared errors.
    pub test_sse_output: f64,
    /// Mean squared error per pixel on the test set.
    pub test_mse_output: f64,
    /// PSNR of the outputs, mean over test images.
    pub test_psnr_output: f64,
    /// PSNR of the outputs over the whole test set.
    pub test_psnr_output_global: f64,
    /// PSNR of the noisy inputs, mean over test images (denoising runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_psnr_noisy: Option<f64>,
    /// PSNR of the noisy inputs over the whole test set (denoising runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_psnr_noisy_global: Option<f64>,
    /// MSE of the noisy inputs (denoising runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mse_noisy: Option<f64>,
    /// Seconds of training (all sessions of a resumed run).
    pub train_seconds: f64,
    /// Training images per second in the last epoch.
    pub images_per_second: Option<f64>,
    /// Every epoch's losses and speed (left out of the pipeline's metrics.json).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<EpochRecord>,
}

impl RunMetrics {
    /// The same without the per-epoch history (for summaries).
    pub fn summary(&self) -> RunMetrics {
        RunMetrics {
            history: Vec::new(),
            ..self.clone()
        }
    }
}

/// Measures `t` on its data set's test images and writes its figures into its folder:
/// `loss.png`, `reconstructions.png` (in colour for colour images), `filters.png` (dense models
/// only).
pub fn evaluate(t: &Trained) -> Result<RunMetrics> {
    let test = t.data.test.to_f32();
    let noise: Option<Noise> = t.config.train.noise;
    let noisy = noise.map(|n| n.apply(&test, test_noise_seed(t.config.train.seed)));
    let input = noisy.as_ref().unwrap_or(&test);
    let shape = t.config.model.input_shape();
    let device = t.model.device();
    // A variational model samples its codes: seeded, so a run's figures and numbers repeat.
    let f = {
        let _rng = ae_models::seed::seeded(t.config.train.seed as i64);
        t.model
            .evaluate(&images_tensor(input, &shape, device)?, 1000)
    };
    let out = to_array(&f.output)?;
    let trainer = Trainer::new(t.config.train.clone())?;
    let test_loss = trainer.loss_on(&t.model, &images_tensor(&test, &shape, device)?)?;
    let last = t.history.epochs.last();
    let best_epoch = t.history.best_epoch().filter(|_| t.config.train.keep_best);
    let kept = match best_epoch {
        Some(e) => t.history.epochs.get(e - 1),
        None => last,
    };
    let mut m = RunMetrics {
        model: t.model.name().to_owned(),
        parameters: t.model.parameter_count(),
        dataset: t.config.dataset.to_string(),
        data: Some(t.data.summary()),
        epochs: t.history.epochs.len(),
        train_loss: last.map(|e| e.train_loss),
        val_loss: kept.and_then(|e| e.val_loss),
        best_epoch,
        stopped_early: t.history.stopped_early,
        test_loss,
        test_sse_output: mean_sse(&test.view(), &out.view())?,
        test_mse_output: mse(&test.view(), &out.view())?,
        test_psnr_output: mean_psnr_per_image(&test.view(), &out.view())?,
        test_psnr_output_global: psnr(&test.view(), &out.view())?,
        test_psnr_noisy: None,
        test_psnr_noisy_global: None,
        test_mse_noisy: None,
        train_seconds: t.history.train_seconds,
        images_per_second: last.map(|e| e.images_per_second),
        history: t.history.epochs.clone(),
    };
    if let Some(noisy) = &noisy {
        m.test_psnr_noisy = Some(mean_psnr_per_image(&test.view(), &noisy.view())?);
        m.test_psnr_noisy_global = Some(psnr(&test.view(), &noisy.view())?);
        m.test_mse_noisy = Some(mse(&test.view(), &noisy.view())?);
    }
    m.ensure_finite(&t.dir)?;
    figures(t, &test, noisy.as_ref(), &out)?;
    Ok(m)
}

impl RunMetrics {
    /// Refuses a NaN or infinite number (which metrics.json would record as `null`), naming it.
    pub fn ensure_finite(&self, run: &Path) -> Result<()> {
        let numbers = [
            ("train_loss", self.train_loss),
            ("val_loss", self.val_loss),
            ("test_loss", Some(self.test_loss)),
            ("test_sse_output", Some(self.test_sse_output)),
            ("test_mse_output", Some(self.test_mse_output)),
            ("test_psnr_output", Some(self.test_psnr_output)),
            (
                "test_psnr_output_global",
                Some(self.test_psnr_output_global),
            ),
            ("test_psnr_noisy", self.test_psnr_noisy),
            ("test_psnr_noisy_global", self.test_psnr_noisy_global),
            ("test_mse_noisy", self.test_mse_noisy),
        ];
        // PSNR is +inf for a perfect reconstruction; that is a number, not a failure.
        let bad = numbers.iter().find(|(name, v)| {
            v.is_some_and(|v| v.is_nan() || (v.is_infinite() && !name.contains("psnr")))
        });
        match bad {
            Some((name, Some(value))) => Err(ae_models::Error::NonFinite {
                what: format!("{name} of the run in {}", run.display()),
                value: *value,
                advice: "the model's outputs are not finite; retrain it with a lower learning rate"
                    .into(),
            }
            .into()),
            _ => Ok(()),
        }
    }
}

/// Refuses a matrix (codes, outputs) holding NaN or infinity, naming the first bad row as
/// `"{what} {row}"` of the run in `run`.
pub fn ensure_finite_rows(x: &Array2<f32>, what: &str, run: &Path) -> Result<()> {
    match x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((i, &value)) => Err(ae_models::Error::NonFinite {
            what: format!("{what} {} (run {})", i / x.ncols().max(1), run.display()),
            value: f64::from(value),
            advice: "the model's outputs are not finite; retrain it with a lower learning rate"
                .into(),
        }
        .into()),
    }
}

fn figures(
    t: &Trained,
    test: &Array2<f32>,
    noisy: Option<&Array2<f32>>,
    out: &Array2<f32>,
) -> Result<()> {
    let epochs = |f: fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
        t.history
            .epochs
            .iter()
            .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
            .collect()
    };
    line_plot(
        &t.dir.join("loss.png"),
        &format!("{} on {}", t.model.name(), t.config.dataset),
        "epoch",
        &format!("{:?} loss", t.config.train.loss).to_lowercase(),
        &[
            Series {
                name: "train".into(),
                points: epochs(|e| Some(e.train_loss)),
            },
            Series {
                name: "validation".into(),
                points: epochs(|e| e.val_loss),
            },
        ],
    )?;
    let image = t.data.shape();
    let n = 10.min(test.nrows());
    let mut rows = vec![test.slice(s![..n, ..])];
    let mut titles = vec!["original".to_string()];
    if let Some(noisy) = noisy {
        rows.push(noisy.slice(s![..n, ..]));
        titles.push("noisy".into());
    }
    rows.push(out.slice(s![..n, ..]));
    titles.push("output".into());
    let stacked = concatenate(Axis(0), &rows)?.mapv(|v| v.clamp(0.0, 1.0));
    ImageGrid::of_shape(stacked.view(), image, n)?
        .normalise(Normalise::Fixed)
        .row_titles(titles)
        .scale(2)
        .save(&t.dir.join("reconstructions.png"))?;
    if let Some(w) = first_dense_weights(&t.model)? {
        let shown = w.nrows().min(16);
        ImageGrid::of_shape(w.slice(s![..shown, ..]), image, 8)?
            .normalise(Normalise::PerTile)
            .scale(2)
            .save(&t.dir.join("filters.png"))?;
    }
    Ok(())
}

/// The first encoder layer's weights (units × input values), for dense models.
pub fn first_dense_weights(model: &Model) -> Result<Option<Array2<f32>>> {
    if !matches!(model.config(), ModelConfig::Dense(_)) {
        return Ok(None);
    }
    let vars = model.var_store().variables();
    match vars.get("enc0.weight") {
        Some(w) => Ok(Some(to_array(&w.detach())?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_metrics_and_codes_are_named() {
        let run = Path::new("runs/x");
        let mut m = RunMetrics {
            model: "m".into(),
            parameters: 1,
            dataset: "mnist".into(),
            data: None,
            epochs: 1,
            train_loss: Some(0.1),
            val_loss: Some(0.1),
            best_epoch: None,
            stopped_early: None,
            test_loss: 0.1,
            test_sse_output: 1.0,
            test_mse_output: 0.1,
            test_psnr_output: 10.0,
            test_psnr_output_global: f64::INFINITY,
            test_psnr_noisy: None,
            test_psnr_noisy_global: None,
            test_mse_noisy: None,
            train_seconds: 1.0,
            images_per_second: None,
            history: Vec::new(),
        };
        assert!(m.ensure_finite(run).is_ok(), "a perfect PSNR is +inf");
        m.val_loss = Some(f64::NAN);
        let e = m.ensure_finite(run).unwrap_err().to_string();
        assert!(
            e.starts_with("val_loss of the run in runs/x became NaN"),
            "{e}"
        );
        let mut codes = Array2::<f32>::zeros((4, 3));
        assert!(ensure_finite_rows(&codes, "the code of image", run).is_ok());
        codes[[2, 1]] = f32::INFINITY;
        let e = ensure_finite_rows(&codes, "the code of image", run)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("the code of image 2 (run runs/x) became inf"),
            "{e}"
        );
    }
}
