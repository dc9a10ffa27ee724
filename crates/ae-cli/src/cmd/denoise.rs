//! `ae denoise`: the main job, S3.1–S3.3 in one command. Trains the S3.1 convolutional
//! denoiser, then shows original / noisy / denoised test images, the validation curve, digits
//! decoded from random latents (S3.2) and k-means on the codes with Kuhn–Munkres accuracy (S3.3).

use std::path::{Path, PathBuf};

use ae_data::{DatasetId, Noise};
use ae_lab::run::TRAINING_IMAGES;
use ae_lab::{probes, RunConfig, RunMetrics};
use ae_models::presets;
use anyhow::{Context, Result};

use super::run;

#[derive(clap::Args)]
pub struct Args {
    /// Gaussian noise std (clamped to [0, 1]), or any --noise form of `ae train`.
    #[arg(long, default_value = "0.3", allow_hyphen_values = true)]
    noise: String,
    /// mnist or fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Epochs (the seed: 30).
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Batch size (the seed: 256).
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
    /// Adam's learning rate (the seed: 1e-3).
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Latent size (the seed: 4).
    #[arg(long, default_value_t = 4)]
    code_size: usize,
    /// Validation images split off at random (the seed: 12,000 of 60,000).
    #[arg(long, default_value_t = 12_000)]
    val: usize,
    /// Train on only this many of the remaining images (default: all 48,000).
    #[arg(long)]
    train_size: Option<usize>,
    /// Seed of initialisation, split, shuffles, noise and k-means.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (default runs/denoise-<dataset>).
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

/// What `ae denoise` writes to `metrics.json`: the run's evaluation and S3.3's clustering.
#[derive(serde::Serialize)]
struct DenoiseMetrics {
    #[serde(flatten)]
    run: RunMetrics,
    cluster_accuracy: f64,
    cluster_nmi: f64,
    cluster_mapping: Vec<Option<usize>>,
    kmeans_seconds: f64,
    noise: Noise,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let noise = noise(&args.noise)?;
    let preset = &presets::S3_1;
    let mut train = preset.train();
    train.epochs = args.epochs;
    train.batch_size = args.batch_size;
    train.optimizer = train.optimizer.with_lr(args.lr);
    train.noise = Some(noise);
    train.seed = args.seed;
    let dataset: DatasetId = args.dataset.parse().context("--dataset")?;
    let config = RunConfig {
        train_size: args
            .train_size
            .unwrap_or(TRAINING_IMAGES.saturating_sub(args.val)),
        validation: args.val,
        model: preset.model_with_code(Some(args.code_size))?,
        train,
        ..RunConfig::from_preset(preset, dataset, args.val)
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("denoise-{dataset}")));
    let (t, m) = args.run.train(config, dir, data_dir)?;
    // evaluate() wrote reconstructions.png as original / noisy / output rows.
    std::fs::rename(
        t.dir.join("reconstructions.png"),
        t.dir.join("denoised.png"),
    )
    .context("naming the denoising grid")?;

    probes::generate_grid(
        &t.model,
        args.code_size,
        args.seed,
        &t.dir.join("generated.png"),
    )?;
    let c = probes::cluster_codes(&t, args.seed, &t.dir)?;
    let summary = format!(
        "S3.1 conv denoiser on {dataset}, noise {}: {} epochs in {:.0} s ({:.0} images/s)\n\
         test PSNR (mean per image): noisy input {:.2} dB → denoised {:.2} dB (whole set {:.2} dB, MSE {:.5})\n\
         k-means on the {}-d codes (S3.3): accuracy {:.4} (seed: 0.7204), NMI {:.4}\n\
         figures: denoised.png, loss.png, generated.png (S3.2), confusion.png; results in {}",
        args.noise,
        t.history.epochs.len(),
        m.train_seconds,
        m.images_per_second.unwrap_or(f64::NAN),
        m.test_psnr_noisy.unwrap_or(f64::NAN),
        m.test_psnr_output,
        m.test_psnr_output_global,
        m.test_mse_output,
        args.code_size,
        c.accuracy,
        c.nmi,
        t.dir.display()
    );
    let metrics = DenoiseMetrics {
        run: m,
        cluster_accuracy: c.accuracy,
        cluster_nmi: c.nmi,
        cluster_mapping: c.mapping,
        kmeans_seconds: c.seconds,
        noise,
    };
    run::finish(&t.dir, &metrics, args.run.json, &summary)
}
