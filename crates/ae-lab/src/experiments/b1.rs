//! Beyond the seeds (B1): what autoencoders do past the course's models. A deep autoencoder
//! against PCA across code sizes (B1.1), a U-Net denoiser against PCA and the seed's S3.1
//! across noise levels (B1.2), variational autoencoders (B1.3), and B1.1's model as an anomaly
//! detector against another data set (B1.4) and against the other classes (B1.5).

use std::path::PathBuf;

use ae_data::{Dataset, DatasetId, Noise};
use ae_eval::detection::summarise;
use ae_eval::figures::{line_plot, scatter_plot, ImageGrid, Normalise, Series};
use ae_eval::reconstruction::{mean_psnr_per_image, mean_sse, psnr};
use ae_linear::{FittedPca, Pca};
use ae_models::{presets, to_array, Autoencoder, Model, Preset};
use ndarray::{concatenate, s, Array2, Axis};
use serde_json::json;
use tch::Tensor;

use super::common::labels_and_names;
use crate::anomaly::{self, Errors, Scorer};
use crate::evaluate::test_noise_seed;
use crate::experiment::{Experiment, Run};
use crate::probes::random_latents;
use crate::Result;

/// The code sizes B1.1 compares at.
pub const CODE_SIZES: [usize; 6] = [2, 4, 8, 16, 30, 64];

/// Test images shown in the reconstruction grids.
const SHOWN: usize = 10;

/// A data set's training images as the linear methods get them (all, or the profile's subset)
/// and its test images.
fn linear_data(ex: &Experiment<'_>, id: DatasetId) -> Result<(Array2<f32>, Array2<f32>)> {
    let data: std::sync::Arc<Dataset> = ex.data(id)?;
    let train = match ex.lab.profile.linear_size {
        Some(n) => data.train.first(n).to_f32(),
        None => data.train.to_f32(),
    };
    Ok((train, data.test.to_f32()))
}

/// PCA's reconstruction of `x` from its first `k` components of `pca` (fitted with at least k).
fn pca_project(pca: &FittedPca<f32>, x: &Array2<f32>, k: usize) -> Result<Array2<f32>> {
    let mut z = pca.transform(&x.view())?;
    z.slice_mut(s![.., k..]).fill(0.0);
    Ok(pca.inverse_transform(&z.view())?)
}

/// Trains `preset` with code size `code` (the preset's own when `None`) on `id` into the run
/// folder `folder`; `more` changes the rest of the run's configuration. The one place a code
/// size becomes a configuration, so that an experiment reusing another's run (B1.4 reuses
/// B1.1's) builds the same configuration and finds the run instead of retraining it.
fn train_code(
    ex: &Experiment<'_>,
    folder: PathBuf,
    preset: &Preset,
    id: DatasetId,
    code: Option<usize>,
    more: impl FnOnce(&mut crate::RunConfig),
) -> Result<Run> {
    let model = preset.model_with_code(code)?;
    ex.train(folder, preset, id, |c| {
        c.model = model;
        more(c);
    })
}

/// B1.1: the deep AE 784-1000-500-250-d and PCA-d for every d, on MNIST and Fashion-MNIST.
pub fn b1_1(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    for id in [DatasetId::Mnist, DatasetId::FashionMnist] {
        let (train, test) = linear_data(ex, id)?;
        let pca = Pca::params(*CODE_SIZES.iter().max().unwrap_or(&64)).fit(&train.view())?;
        let shown = test.slice(s![..SHOWN, ..]).to_owned();
        let (mut ae_curve, mut pca_curve) = (Vec::new(), Vec::new());
        let mut grid_rows = vec![shown.clone()];
        let mut titles = vec!["original".to_string()];
        let mut per_size = serde_json::Map::new();
        for d in CODE_SIZES {
            let r = train_code(
                ex,
                ex.dir.join(format!("{id}-d{d}")),
                &presets::B1_1,
                id,
                Some(d),
                |_| {},
            )?;
            let pca_sse = mean_sse(&test.view(), &pca_project(&pca, &test, d)?.view())?;
            ae_curve.push((d as f64, r.m.test_sse_output));
            pca_curve.push((d as f64, pca_sse));
            per_size.insert(
                d.to_string(),
                json!({
                    "ae_test_sse": r.m.test_sse_output,
                    "pca_test_sse": pca_sse,
                    "ae_train_seconds": r.m.train_seconds,
                    "ae_epochs": r.m.epochs,
                }),
            );
            if [2, 8, 30].contains(&d) {
                grid_rows.push(r.t.model.outputs(&shown)?);
                titles.push(format!("AE-{d}"));
                grid_rows.push(pca_project(&pca, &shown, d)?.mapv(|v| v.clamp(0.0, 1.0)));
                titles.push(format!("PCA-{d}"));
            }
            if d == 30 {
                let (lit_ae, lit_pca) = match id {
                    DatasetId::Mnist => ("3.00 (Hinton & Salakhutdinov 2006)", "13.87 (ibid.)"),
                    _ => ("—", "—"),
                };
                ex.row(
                    &format!("{id}, d = 30: deep AE test SSE per image"),
                    lit_ae,
                    format!(
                        "{:.2} ({} epochs, {:.0} s)",
                        r.m.test_sse_output, r.m.epochs, r.m.train_seconds
                    ),
                );
                ex.row(
                    &format!("{id}, d = 30: PCA-30 test SSE per image"),
                    lit_pca,
                    format!("{pca_sse:.2}"),
                );
                ex.record(&format!("{id}-d30"), &r)?;
            }
        }
        ex.metric(&id.to_string(), per_size)?;
        let plot = dir.join(format!("sse-vs-code-{id}.png"));
        line_plot(
            &plot,
            &format!("{id}: test SSE per image against code size"),
            "code size d",
            "test SSE per image",
            &[
                Series {
                    name: "deep AE 784-1000-500-250-d".into(),
                    points: ae_curve,
                },
                Series {
                    name: "PCA-d".into(),
                    points: pca_curve,
                },
            ],
        )?;
        ex.figure(
            &plot,
            &format!("{id}: the deep AE and PCA, test SSE per image against d."),
        );
        let grid = concatenate(
            Axis(0),
            &grid_rows.iter().map(|g| g.view()).collect::<Vec<_>>(),
        )?;
        let path = dir.join(format!("reconstructions-{id}.png"));
        ImageGrid::new(grid.view(), 28, 28, SHOWN)?
            .normalise(Normalise::Fixed)
            .row_titles(titles)
            .scale(2)
            .save(&path)?;
        ex.figure(
            &path,
            &format!("{id}: 10 test images, then the deep AE's and PCA's reconstructions at d = 2, 8, 30."),
        );
    }
    ex.note(
        "The deep AE is trained end to end (ReLU, linear code, sigmoid output, MSE, Adam with \
         warm-up and a cosine schedule, training images shifted by up to one pixel); Hinton & \
         Salakhutdinov pre-trained theirs as stacked RBMs. PCA is fitted on the training \
         images; its SSE is unclipped.",
    );
    Ok(())
}

/// B1.4: B1.1's deep AE at d = 30 as an anomaly detector. Each data set's model scores its own
/// test images and the other data set's by reconstruction error: how well the error tells them
/// apart (ROC area, false-positive rate at 95 % of the anomalies caught), the errors' histogram,
/// its own images it reconstructs worst and the other set's it reconstructs best.
pub fn b1_4(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let ids = [DatasetId::Mnist, DatasetId::FashionMnist];
    for (id, other) in [(ids[0], ids[1]), (ids[1], ids[0])] {
        // B1.1's run at d = 30, with B1.1's configuration: reused, or trained here when B1.1
        // has not run.
        let r = train_code(
            ex,
            ex.folder_of("B1.1")?.join(format!("{id}-d30")),
            &presets::B1_1,
            id,
            Some(30),
            |_| {},
        )?;
        let (own, foreign) = (ex.data(id)?, ex.data(other)?);
        let normal = anomaly::reconstruction_errors(&r.t.model, &own.test, 0)?;
        let anomalous = anomaly::reconstruction_errors(&r.t.model, &foreign.test, 0)?;
        let (own_name, other_name) = (format!("{id} test images"), format!("{other} test images"));
        let sets = [
            Errors {
                name: &own_name,
                errors: &normal,
            },
            Errors {
                name: &other_name,
                errors: &anomalous,
            },
        ];
        // PCA-30 of the same training images scores the same images: the linear baseline.
        let pca = anomaly::PcaScorer::fit(&r.t.train, 30)?;
        let (pca_normal, pca_anomalous) = (pca.errors(&own.test)?, pca.errors(&foreign.test)?);
        let roc = dir.join(format!("roc-{id}.png"));
        let both = anomaly::separations(
            &roc,
            &own_name,
            &other_name,
            &[
                Scorer {
                    name: "deep AE",
                    normal: &normal,
                    anomalous: &anomalous,
                },
                Scorer {
                    name: "PCA-30",
                    normal: &pca_normal,
                    anomalous: &pca_anomalous,
                },
            ],
        )?;
        let (separation, pca_separation) = (both[0], both[1]);
        let histogram = dir.join(format!("errors-{id}.png"));
        anomaly::histogram(&histogram, &sets)?;
        let highest = dir.join(format!("highest-{id}.png"));
        let worst = anomaly::ranked(&normal, SHOWN, true);
        anomaly::grid(&highest, &r.t.model, &own.test, &normal, &worst, 0)?;
        let lowest = dir.join(format!("lowest-{other}-under-{id}.png"));
        let best = anomaly::ranked(&anomalous, SHOWN, false);
        anomaly::grid(&lowest, &r.t.model, &foreign.test, &anomalous, &best, 0)?;

        for (model, s) in [("AE", separation), ("PCA-30", pca_separation)] {
            let at = s.at_95_percent_caught;
            ex.row(
                &format!("{id} {model}, {other} test images as anomalies: ROC area"),
                "—",
                format!("{:.4}", s.roc_auc),
            );
            ex.row(
                &format!("{id} {model}: {id} test images flagged when 95 % of {other}'s are"),
                "—",
                format!(
                    "{:.2} % (error ≥ {:.4})",
                    at.false_positive_rate * 100.0,
                    at.threshold
                ),
            );
        }
        ex.metric(
            &id.to_string(),
            json!({
                "anomalies": other.to_string(),
                "separation": separation,
                "normal_mse": summarise(&normal)?,
                "anomalous_mse": summarise(&anomalous)?,
                "pca_separation": pca_separation,
                "pca_normal_mse": summarise(&pca_normal)?,
                "pca_anomalous_mse": summarise(&pca_anomalous)?,
            }),
        )?;
        ex.record(&format!("{id}-d30"), &r)?;
        ex.figure(
            &histogram,
            &format!("{id} AE: reconstruction error of its own test images and of {other}'s."),
        );
        ex.figure(
            &roc,
            &format!("{id} AE and PCA-30 (fitted on the same training images): ROC of the error, {other} as anomalies."),
        );
        ex.figure(
            &highest,
            &format!(
                "{id} AE: the {SHOWN} {id} test images it reconstructs worst, over its outputs and the difference."
            ),
        );
        ex.figure(
            &lowest,
            &format!("{id} AE: the {SHOWN} {other} test images it reconstructs best — the anomalies it would miss first."),
        );
    }
    ex.note(
        "The score is each image's mean squared reconstruction error (outputs clamped to [0, 1]); \
         no label and no anomaly is used in training. PCA-30 is fitted on the AE's training \
         images and scored the same way. `ae anomaly --run RUN --against DATA --pca 30` does the \
         same for any run and any images.",
    );
    Ok(())
}

/// Epochs of each one-class model of B1.5 (before a cut-down profile's cap): about as many
/// weight updates per model as 6 epochs on all 60,000 images.
const ONE_CLASS_EPOCHS: usize = 60;

/// The classes B1.5 takes as normal, one model each (a cut-down profile keeps two).
fn one_class_labels(ex: &Experiment<'_>) -> Vec<u8> {
    if ex.lab.profile.is_reduced() {
        vec![0, 1]
    } else {
        (0..10).collect()
    }
}

/// One class's models in B1.5 (the deep AE and PCA-30, each fitted on that class alone) and
/// how well their errors tell the class's test images from the others'.
struct OneClass {
    /// The deep AE's separation.
    ae: anomaly::Separation,
    /// PCA-30's.
    pca: anomaly::Separation,
    /// The other classes' test image the AE reconstructs best (one row), its output, its label.
    missed: (Array2<f32>, Array2<f32>, u8),
    /// What metrics.json keeps of it.
    metrics: serde_json::Value,
}

/// Trains B1.1's deep AE (d = 30) on the training images of class `c` of `data` alone, fits
/// PCA-30 on the same images, and scores every test image with both: class `c` normal, the
/// others anomalies.
fn one_class(ex: &Experiment<'_>, data: &Dataset, id: DatasetId, c: u8) -> Result<OneClass> {
    let epochs = ex.lab.profile.epochs(ONE_CLASS_EPOCHS);
    let r = train_code(
        ex,
        ex.dir.join(format!("{id}-class{c}")),
        &presets::B1_1,
        id,
        Some(30),
        |cfg| {
            cfg.classes = Some(vec![c]);
            cfg.train.epochs = epochs;
        },
    )?;
    let others: Vec<u8> = (0..=u8::MAX).filter(|&l| l != c).collect();
    let (normal_set, anomalous_set) = (data.test.of_classes(&[c])?, data.test.of_classes(&others)?);
    let normal = anomaly::reconstruction_errors(&r.t.model, &normal_set, 0)?;
    let anomalous = anomaly::reconstruction_errors(&r.t.model, &anomalous_set, 0)?;
    let ae = anomaly::separate(&normal, &anomalous)?;
    // PCA-30 of the same training images, scored the same way: the linear baseline.
    let pca = anomaly::PcaScorer::fit(&r.t.train, 30)?;
    let pca = anomaly::separate(&pca.errors(&normal_set)?, &pca.errors(&anomalous_set)?)?;
    let best = anomaly::ranked(&anomalous, 1, false);
    let (input, output) = anomaly::outputs_of(&r.t.model, &anomalous_set, &best, 0)?;
    let label = anomalous_set.labels().map_or(0, |l| l[best[0]]);
    let metrics = json!({
        "separation": ae,
        "pca_separation": pca,
        "normal_mse": summarise(&normal)?,
        "anomalous_mse": summarise(&anomalous)?,
        "train_per_label": r.t.train.class_counts(),
        "train_seconds": r.m.train_seconds,
        "test_sse": r.m.test_sse_output,
    });
    Ok(OneClass {
        ae,
        pca,
        missed: (input, output, label),
        metrics,
    })
}

/// B1.5: one-class novelty detection, the benchmark of Ruff et al. (2018). For each class of
/// MNIST and Fashion-MNIST, B1.1's deep AE (d = 30) trained on that class's training images
/// alone scores every test image by reconstruction error: the class's test images are normal,
/// the nine others' anomalies. The ROC area per class and its mean, beside PCA-30's
/// reconstruction error fitted on the same images, and for each class the anomaly the AE
/// reconstructs best.
pub fn b1_5(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let labels = one_class_labels(ex);
    let mut curves = Vec::new();
    for id in [DatasetId::Mnist, DatasetId::FashionMnist] {
        let data = ex.data(id)?;
        let name_of = |c: u8| {
            data.classes
                .as_ref()
                .and_then(|names| names.get(usize::from(c)).cloned())
                .unwrap_or_else(|| c.to_string())
        };
        let results = labels
            .iter()
            .map(|&c| one_class(ex, &data, id, c))
            .collect::<Result<Vec<_>>>()?;
        let aucs: Vec<f64> = results.iter().map(|r| r.ae.roc_auc).collect();
        let pca_aucs: Vec<f64> = results.iter().map(|r| r.pca.roc_auc).collect();
        let mean = |a: &[f64]| a.iter().sum::<f64>() / a.len().max(1) as f64;
        let listed = |a: &[f64]| {
            a.iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let literature = match id {
            DatasetId::Mnist => LITERATURE_ONE_CLASS_MNIST,
            _ => "—",
        };
        ex.row(
            &format!("{id}, one class normal: deep AE's ROC area, mean over classes {labels:?}"),
            literature,
            format!("{:.4} ({})", mean(&aucs), listed(&aucs)),
        );
        ex.row(
            &format!("{id}, the same with PCA-30's reconstruction error"),
            "—",
            format!("{:.4} ({})", mean(&pca_aucs), listed(&pca_aucs)),
        );
        let mut per_class = serde_json::Map::new();
        for (&c, r) in labels.iter().zip(&results) {
            let mut m = r.metrics.clone();
            m["class"] = name_of(c).into();
            per_class.insert(c.to_string(), m);
        }
        ex.metric(
            &id.to_string(),
            json!({
                "mean_roc_auc": mean(&aucs),
                "pca_mean_roc_auc": mean(&pca_aucs),
                "per_class": per_class,
            }),
        )?;
        let points = |a: &[f64]| {
            labels
                .iter()
                .map(|&c| f64::from(c))
                .zip(a.to_vec())
                .collect()
        };
        curves.push(Series {
            name: format!("{id}, deep AE"),
            points: points(&aucs),
        });
        curves.push(Series {
            name: format!("{id}, PCA-30"),
            points: points(&pca_aucs),
        });
        let rows = |of: fn(&OneClass) -> &Array2<f32>| {
            let tiles: Vec<_> = results.iter().map(|r| of(r).view()).collect();
            concatenate(Axis(0), &tiles)
        };
        let missed = dir.join(format!("missed-{id}.png"));
        anomaly::over_outputs(
            &missed,
            &rows(|r| &r.missed.0)?,
            &rows(|r| &r.missed.1)?,
            data.shape(),
            results.iter().map(|r| name_of(r.missed.2)).collect(),
        )?;
        ex.figure(
            &missed,
            &format!(
                "{id}: column c, the model of class c: the other classes' test image it \
                 reconstructs best (the anomaly it would miss first; captioned with its \
                 class), over the output and the difference."
            ),
        );
    }
    let plot = dir.join("roc-area-per-class.png");
    line_plot(
        &plot,
        "one-class novelty detection by reconstruction error",
        "normal class (label)",
        "ROC area, the other classes as anomalies",
        &curves,
    )?;
    ex.figure(
        &plot,
        "ROC area of each class's model (the deep AE and PCA-30), on both data sets.",
    );
    ex.note(
        "Each model sees only its class's training images; no anomaly is used in training. \
         Ruff et al. (2018) preprocess with global contrast normalisation and report the mean \
         of 10 seeds; here pixels are taken as they are, one seed. `ae train --classes C` then \
         `ae anomaly --run RUN` does the same for any class.",
    );
    Ok(())
}

/// Ruff et al. (2018), Table 1, MNIST: One-Class Deep SVDD's ROC area per class (mean of 10
/// seeds; 98.0, 99.7, 91.7, 91.9, 94.9, 88.5, 98.3, 94.6, 93.9, 96.5 %) and their mean.
const LITERATURE_ONE_CLASS_MNIST: &str = "One-Class Deep SVDD 0.948 (0.980, 0.997, 0.917, 0.919, \
     0.949, 0.885, 0.983, 0.946, 0.939, 0.965; Ruff et al. 2018)";

/// The noise levels B1.2 sweeps (a cut-down profile keeps the main job's 0.3 alone).
fn noise_levels(ex: &Experiment<'_>) -> &'static [f32] {
    if ex.lab.profile.is_reduced() {
        &[0.3]
    } else {
        &[0.1, 0.3, 0.5, 0.8]
    }
}

/// PCA ranks B1.2 chooses among for its best projection.
const PCA_RANKS: [usize; 6] = [8, 16, 32, 64, 128, 256];

/// B1.2: Gaussian noise σ ∈ {0.1, 0.3, 0.5, 0.8} (clamped): the noisy input, PCA's best
/// projection, the seed's S3.1 and the U-Net, by PSNR, on MNIST and Fashion-MNIST.
pub fn b1_2(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    for id in [DatasetId::Mnist, DatasetId::FashionMnist] {
        let (train, test) = linear_data(ex, id)?;
        let pca = Pca::params(*PCA_RANKS.iter().max().unwrap_or(&256)).fit(&train.view())?;
        let tune = train.slice(s![..2000.min(train.nrows()), ..]).to_owned();
        let mut table = serde_json::Map::new();
        for &sigma in noise_levels(ex) {
            let noise = Noise::gaussian(sigma)?;
            let seed = test_noise_seed(0);
            let noisy = noise.apply(&test, seed);
            // PCA's rank chosen on noisy training images, then applied to the test set.
            let noisy_tune = noise.apply(&tune, seed ^ 1);
            let mut best = (PCA_RANKS[0], f64::NEG_INFINITY);
            for k in PCA_RANKS {
                let p = mean_psnr_per_image(
                    &tune.view(),
                    &pca_project(&pca, &noisy_tune, k)?
                        .mapv(|v| v.clamp(0.0, 1.0))
                        .view(),
                )?;
                if p > best.1 {
                    best = (k, p);
                }
            }
            let pca_out = pca_project(&pca, &noisy, best.0)?.mapv(|v| v.clamp(0.0, 1.0));
            let tag = format!("{id}-sigma{sigma}");
            let with_noise = |c: &mut crate::RunConfig| c.train.noise = Some(noise);
            let seed_run = ex.train(
                dir.join(format!("{tag}-s3.1")),
                &presets::S3_1,
                id,
                with_noise,
            )?;
            let unet = ex.train(
                dir.join(format!("{tag}-unet")),
                &presets::B1_2,
                id,
                with_noise,
            )?;
            let both = |x: &Array2<f32>| -> Result<(f64, f64)> {
                Ok((
                    mean_psnr_per_image(&test.view(), &x.view())?,
                    psnr(&test.view(), &x.view())?,
                ))
            };
            let (noisy_mean, noisy_all) = both(&noisy)?;
            let (pca_mean, pca_all) = both(&pca_out)?;
            ex.row(
                &format!(
                    "{id} σ {sigma}: PSNR mean per image (whole set), noisy · PCA-{} · S3.1 · U-Net",
                    best.0
                ),
                format!("S3.1: {:.2} dB", seed_run.m.test_psnr_output),
                format!(
                    "{noisy_mean:.2} ({noisy_all:.2}) · {pca_mean:.2} ({pca_all:.2}) · {:.2} ({:.2}) · {:.2} ({:.2}) dB",
                    seed_run.m.test_psnr_output,
                    seed_run.m.test_psnr_output_global,
                    unet.m.test_psnr_output,
                    unet.m.test_psnr_output_global
                ),
            );
            table.insert(
                sigma.to_string(),
                json!({
                    "noisy": {"psnr_mean": noisy_mean, "psnr_global": noisy_all},
                    "pca": {"rank": best.0, "psnr_mean": pca_mean, "psnr_global": pca_all},
                    "s3.1": {"psnr_mean": seed_run.m.test_psnr_output, "psnr_global": seed_run.m.test_psnr_output_global, "train_seconds": seed_run.m.train_seconds},
                    "unet": {"psnr_mean": unet.m.test_psnr_output, "psnr_global": unet.m.test_psnr_output_global, "train_seconds": unet.m.train_seconds, "epochs": unet.m.epochs},
                }),
            );
            if sigma == 0.3 {
                ex.record(&format!("{id}-unet"), &unet)?;
            }
            // The denoising grid: original, noisy, PCA, S3.1, U-Net.
            let n = SHOWN.min(test.nrows());
            let shown = test.slice(s![..n, ..]).to_owned();
            let shown_noisy = noisy.slice(s![..n, ..]).to_owned();
            let rows = [
                shown.clone(),
                shown_noisy.clone(),
                pca_out.slice(s![..n, ..]).to_owned(),
                seed_run.t.model.outputs(&shown_noisy)?,
                unet.t.model.outputs(&shown_noisy)?,
            ];
            let grid = concatenate(Axis(0), &rows.iter().map(|g| g.view()).collect::<Vec<_>>())?;
            let path = dir.join(format!("denoised-{tag}.png"));
            ImageGrid::new(grid.view(), 28, 28, n)?
                .normalise(Normalise::Fixed)
                .row_titles(vec![
                    "original".into(),
                    format!("σ {sigma}"),
                    format!("PCA-{}", best.0),
                    "S3.1".into(),
                    "U-Net".into(),
                ])
                .scale(2)
                .save(&path)?;
            ex.figure(
                &path,
                &format!("{id}, σ {sigma}: test images, noisy, and each denoiser's output."),
            );
        }
        ex.metric(&id.to_string(), table)?;
    }
    ex.note(
        "Noise x + σ·N(0, 1) clamped to [0, 1], fresh every batch in training, fixed (seeded) on \
         the test set. PSNR per image with peak 1, averaged over the 10,000 test images (the whole \
         set's in brackets). PCA: fitted on clean training images; its rank is chosen among \
         8 … 256 on 2,000 noisy training images.",
    );
    Ok(())
}

/// B1.3: the dense VAE (d = 20 and d = 2) and the convolutional VAE on MNIST: test negative
/// ELBO, samples from the prior, the 2-d latent manifold and scatter, interpolations.
pub fn b1_3(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let id = DatasetId::Mnist;
    // Trained on all 60,000 training images, as PyTorch's example does (no validation split).
    let vae = |name: &str, preset: &Preset, code: Option<usize>| {
        train_code(ex, ex.dir.join(name), preset, id, code, |c| {
            c.validation = 0
        })
    };
    let dense = vae("dense-d20", &presets::B1_3A, Some(20))?;
    let conv = vae("conv", &presets::B1_3B, None)?;
    let flat = vae("dense-d2", &presets::B1_3A, Some(2))?;
    for (what, r, literature) in [
        (
            "dense VAE 784-400-20",
            &dense,
            "PyTorch examples: about 105–107 after 10 epochs",
        ),
        ("conv VAE, latent 32", &conv, "—"),
        ("dense VAE 784-400-2", &flat, "—"),
    ] {
        ex.row(
            &format!("{what}: test negative ELBO, nats per image"),
            literature,
            format!(
                "{:.2} ({} epochs, {:.0} s)",
                r.m.test_loss, r.m.epochs, r.m.train_seconds
            ),
        );
    }
    ex.record("dense-d20", &dense)?;
    ex.record("conv", &conv)?;
    ex.record("dense-d2", &flat)?;

    // 8 × 8 samples from the prior, from each of the two main models.
    for (name, r) in [("dense", &dense), ("conv", &conv)] {
        let code = r.t.config.model.code_shape().iter().product::<i64>() as usize;
        let z = random_latents(&r.t.config.model, 64, code, 0);
        let images = decode(&r.t.model, &z)?;
        let path = dir.join(format!("samples-{name}.png"));
        ImageGrid::new(images.view(), 28, 28, 8)?
            .normalise(Normalise::Fixed)
            .scale(2)
            .save(&path)?;
        ex.figure(
            &path,
            &format!("64 digits decoded from z ~ N(0, I), the {name} VAE."),
        );
    }

    // The 2-d manifold: a 20 × 20 grid of latents at the normal's quantiles 0.05 … 0.95.
    let q: Vec<f32> = (0..20)
        .map(|i| inverse_normal_cdf(0.05 + 0.9 * i as f64 / 19.0) as f32)
        .collect();
    let grid_z = Array2::from_shape_fn(
        (400, 2),
        |(i, j)| if j == 0 { q[i % 20] } else { q[19 - i / 20] },
    );
    let path = dir.join("manifold.png");
    ImageGrid::new(decode(&flat.t.model, &grid_z)?.view(), 28, 28, 20)?
        .normalise(Normalise::Fixed)
        .save(&path)?;
    ex.figure(
        &path,
        "The d = 2 VAE's latent manifold: digits decoded on a 20 × 20 grid at the prior's \
         quantiles 0.05 … 0.95 in each dimension.",
    );
    let data = ex.data(id)?;
    let test = data.test.to_f32();
    let n = 5000.min(test.nrows());
    let mu = flat.t.model.codes(&test.slice(s![..n, ..]).to_owned())?;
    let pts: Vec<(f64, f64)> = mu
        .rows()
        .into_iter()
        .map(|r| (f64::from(r[0]), f64::from(r[1])))
        .collect();
    let (labels, names) = labels_and_names(&data.test, n, &data)?;
    let path = dir.join("latent-scatter.png");
    scatter_plot(
        &path,
        &format!("posterior means of {n} test digits, d = 2"),
        &pts,
        &labels,
        Some(&names),
        &[],
    )?;
    ex.figure(
        &path,
        "The d = 2 VAE's posterior means of test digits, coloured by label.",
    );

    // Interpolation: 6 pairs of test digits, 10 steps between their posterior means.
    let pairs = 6.min(test.nrows() / 2);
    let ends = conv
        .t
        .model
        .codes(&test.slice(s![..2 * pairs, ..]).to_owned())?;
    let steps = 10;
    let z = Array2::from_shape_fn((pairs * steps, ends.ncols()), |(i, j)| {
        let (p, t) = (i / steps, (i % steps) as f32 / (steps - 1) as f32);
        ends[[2 * p, j]] * (1.0 - t) + ends[[2 * p + 1, j]] * t
    });
    let path = dir.join("interpolation.png");
    ImageGrid::new(decode(&conv.t.model, &z)?.view(), 28, 28, steps)?
        .normalise(Normalise::Fixed)
        .scale(2)
        .save(&path)?;
    ex.figure(&path, "Interpolation in the conv VAE's latent space between pairs of test digits (posterior means).");
    ex.note(
        "Loss: Bernoulli cross-entropy summed over the 784 pixels plus KL(q(z|x) ‖ N(0, I)) in \
         closed form, β = 1; the test negative ELBO is a one-sample estimate per image (seeded), \
         as PyTorch's example reports it.",
    );
    Ok(())
}

/// Decodes latents (one per row) into images (one per row).
fn decode(model: &Model, z: &Array2<f32>) -> Result<Array2<f32>> {
    let flat: Vec<f32> = z.iter().copied().collect();
    let t = Tensor::from_slice(&flat)
        .view([z.nrows() as i64, z.ncols() as i64])
        .to_device(model.device());
    let _g = tch::no_grad_guard();
    let out = model.decode(&t, false)?;
    Ok(to_array(&out.flatten(1, -1))?)
}

/// Φ⁻¹(p) for p in (0, 1), by bisection on the error function (to 1e-9, plenty for a grid).
fn inverse_normal_cdf(p: f64) -> f64 {
    let cdf = |x: f64| 0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
    let (mut lo, mut hi) = (-10.0, 10.0);
    while hi - lo > 1e-9 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}
