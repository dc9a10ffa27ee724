//! `ae denoise`: the main job, S3.1–S3.3 in one command. Trains the S3.1 convolutional
//! denoiser (or another model, `--model b1.2` for the U-Net), then shows original / noisy /
//! denoised test images and the validation curve; for S3.1, also digits decoded from random
//! latents (S3.2) and k-means on the codes with Kuhn–Munkres accuracy (S3.3).

use std::path::{Path, PathBuf};

use ae_data::Noise;
use ae_lab::run::TRAINING_IMAGES;
use ae_lab::{probes, RunConfig, RunMetrics};
use ae_models::{Loss, ModelConfig, Preset};
use anyhow::{Context, Result};

use super::run;
use crate::data_flags::DataFlags;

#[derive(clap::Args)]
pub struct Args {
    /// The denoiser: s3.1 (the seed's, default) or b1.2 (a U-Net), or any preset id.
    #[arg(long, default_value = "s3.1")]
    model: String,
    /// Gaussian noise std (clamped to [0, 1]), or any --noise form of `ae train`.
    #[arg(long, default_value = "0.3", allow_hyphen_values = true)]
    noise: String,
    #[command(flatten)]
    data: DataFlags,
    /// Epochs (default: the model's; S3.1's seed: 30).
    #[arg(long)]
    epochs: Option<usize>,
    /// Batch size (default: the model's; S3.1's seed: 256).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate (default: the model's; S3.1's seed: 1e-3).
    #[arg(long)]
    lr: Option<f64>,
    /// Loss: mse, sse, bce, bce-sum or psnr (default: the model's; S3.1: mse, b1.2: psnr).
    #[arg(long)]
    loss: Option<String>,
    /// Latent size, for models with a dense code (S3.1's seed: 4).
    #[arg(long)]
    code_size: Option<usize>,
    /// Validation images split off at random (the seed: 12,000 of MNIST's 60,000; default
    /// a tenth of one's own).
    #[arg(long)]
    val: Option<usize>,
    /// Train on only this many of the remaining images (default: all of them).
    #[arg(long)]
    train_size: Option<usize>,
    /// Seed of initialisation, split, shuffles, noise and k-means.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (default runs/denoise-<dataset>, runs/denoise-<model>-<dataset> for
    /// another model than S3.1).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    run: run::RunFlags,
}

fn noise(arg: &str) -> Result<Noise> {
    let noise = match arg.parse::<f32>() {
        Ok(std) => Noise::gaussian(std),
        Err(_) => arg.parse(),
    };
    noise.with_context(|| format!("--noise {arg}"))
}

/// What `ae denoise` writes to `metrics.json`: the run's evaluation and, for a model with a
/// dense code, S3.3's clustering.
#[derive(serde::Serialize)]
struct DenoiseMetrics {
    #[serde(flatten)]
    run: RunMetrics,
    #[serde(flatten)]
    clustering: Option<Clustering>,
    noise: Noise,
}

#[derive(serde::Serialize)]
struct Clustering {
    cluster_accuracy: f64,
    cluster_nmi: f64,
    cluster_mapping: Vec<Option<usize>>,
    kmeans_seconds: f64,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let noise = noise(&args.noise)?;
    let preset = Preset::get(&args.model).context("--model")?;
    let mut train = preset.train();
    if let Some(v) = args.epochs {
        train.epochs = v;
    }
    if let Some(v) = args.batch_size {
        train.batch_size = v;
    }
    if let Some(v) = args.lr {
        train.optimizer = train.optimizer.with_lr(v);
    }
    if let Some(v) = &args.loss {
        train.loss = v.parse::<Loss>().with_context(|| format!("--loss {v}"))?;
    }
    train.noise = Some(noise);
    train.seed = args.seed;
    let dataset = args.data.spec("mnist")?;
    let seed_model = preset.id == "s3.1";
    let code_size = match (args.code_size, seed_model) {
        (Some(c), _) => Some(c),
        (None, true) => Some(4),
        (None, false) => None,
    };
    let val = args.val.unwrap_or(12_000);
    let mut config = RunConfig {
        train_size: TRAINING_IMAGES.saturating_sub(val),
        validation: val,
        model: preset.model_with_code(code_size)?,
        train,
        ..RunConfig::from_preset(preset, dataset.clone(), val)
    };
    let data = args.run.data_cache(data_dir);
    let what = format!("--model {}", preset.id);
    config = run::fit_to_own_images(config, &data, true, args.val, &what)?;
    if let Some(n) = args.train_size {
        config.train_size = n;
    }
    let dir = args.out.clone().unwrap_or_else(|| {
        let name = if seed_model {
            format!("denoise-{dataset}")
        } else {
            format!("denoise-{}-{dataset}", preset.id)
        };
        PathBuf::from("runs").join(name)
    });
    let (t, m) = args.run.train(config, dir, &data)?;
    // evaluate() wrote reconstructions.png as original / noisy / output rows.
    std::fs::rename(
        t.dir.join("reconstructions.png"),
        t.dir.join("denoised.png"),
    )
    .context("naming the denoising grid")?;

    let mut summary = format!(
        "{} on {dataset}, noise {}: {} epochs in {:.0} s ({:.0} images/s)\n\
         test PSNR (mean per image): noisy input {:.2} dB → denoised {:.2} dB (whole set {:.2} dB, MSE {:.5})\n",
        if seed_model { "S3.1 conv denoiser" } else { preset.what },
        args.noise,
        t.history.epochs.len(),
        m.train_seconds,
        m.images_per_second.unwrap_or(f64::NAN),
        m.test_psnr_noisy.unwrap_or(f64::NAN),
        m.test_psnr_output,
        m.test_psnr_output_global,
        m.test_mse_output,
    );
    // S3.2 and S3.3 need a flat code that decodes alone (S3.1's, or any dense model's).
    let flat_code = match t.model.config() {
        ModelConfig::ConvDenoiser { code } => Some(*code),
        ModelConfig::Dense(d) => d.encoder.last().map(|l| l.size),
        _ => None,
    };
    let clustering = match flat_code {
        Some(code) => {
            probes::generate_grid(
                &t.model,
                code,
                t.data.shape(),
                args.seed,
                &t.dir.join("generated.png"),
            )?;
            if t.train.labels().is_none() {
                summary += &format!(
                    "no labels, so no clustering score (S3.3)
                     figures: denoised.png, loss.png, generated.png (S3.2); results in {}",
                    t.dir.display()
                );
                let metrics = DenoiseMetrics {
                    run: m,
                    clustering: None,
                    noise,
                };
                return run::finish(&t.dir, &metrics, args.run.json, &summary);
            }
            let c = probes::cluster_codes(&t, args.seed, &t.dir)?;
            summary += &format!(
                "k-means on the {code}-d codes (S3.3): accuracy {:.4}{}, NMI {:.4}\n\
                 figures: denoised.png, loss.png, generated.png (S3.2), confusion.png; results in {}",
                c.accuracy,
                if seed_model { " (seed: 0.7204)" } else { "" },
                c.nmi,
                t.dir.display()
            );
            Some(Clustering {
                cluster_accuracy: c.accuracy,
                cluster_nmi: c.nmi,
                cluster_mapping: c.mapping,
                kmeans_seconds: c.seconds,
            })
        }
        None => {
            summary += &format!(
                "figures: denoised.png, loss.png; results in {}",
                t.dir.display()
            );
            None
        }
    };
    let metrics = DenoiseMetrics {
        run: m,
        clustering,
        noise,
    };
    run::finish(&t.dir, &metrics, args.run.json, &summary)
}
