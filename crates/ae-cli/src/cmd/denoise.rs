//! `ae denoise`: the main job, S3.1–S3.3 in one command. Trains the S3.1 convolutional
//! denoiser, then shows original / noisy / denoised test images, the validation curve, digits
//! decoded from random latents (S3.2) and k-means on the codes with Kuhn–Munkres accuracy (S3.3).

use std::path::{Path, PathBuf};
use std::time::Instant;

use ae_data::Noise;
use ae_eval::clustering::{cluster_accuracy, nmi};
use ae_eval::figures::{confusion_png, ImageGrid, Normalise};
use ae_linear::KMeans;
use ae_models::train::images_tensor;
use ae_models::{Autoencoder, ModelConfig, TrainConfig};
use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use tch::Tensor;

use super::run::{self, RunConfig};

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

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let noise = noise(&args.noise)?;
    let mut train = TrainConfig::preset("s3.1")?;
    train.epochs = args.epochs;
    train.batch_size = args.batch_size;
    train.optimizer = train.optimizer.with_lr(args.lr);
    train.noise = Some(noise);
    train.seed = args.seed;
    train.validate()?;
    let config = RunConfig {
        name: "s3.1".into(),
        dataset: args.dataset.clone(),
        train_size: args
            .train_size
            .unwrap_or(60_000usize.saturating_sub(args.val)),
        validation: args.val,
        model: ModelConfig::preset("s3.1", Some(args.code_size)).context("--code-size")?,
        train,
    };
    let id: ae_data::DatasetId = config.dataset.parse().context("--dataset")?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("denoise-{id}")));
    let device = run::device(&args.run.device, args.run.threads)?;
    let t = run::train(config, dir, data_dir, device, args.run.resume)?;
    let mut metrics = run::evaluate(&t)?;
    // evaluate() wrote reconstructions.png as original / noisy / output rows.
    std::fs::rename(
        t.dir.join("reconstructions.png"),
        t.dir.join("denoised.png"),
    )
    .context("naming the denoising grid")?;

    generate_grid(
        &t.model,
        args.code_size,
        args.seed,
        &t.dir.join("generated.png"),
    )?;
    let c = cluster_codes(&t, args.seed, &t.dir)?;
    metrics["cluster_accuracy"] = c.accuracy.into();
    metrics["cluster_nmi"] = c.nmi.into();
    metrics["cluster_mapping"] = serde_json::to_value(&c.mapping)?;
    metrics["kmeans_seconds"] = c.seconds.into();
    metrics["noise"] = serde_json::to_value(noise)?;

    let get = |k: &str| metrics[k].as_f64().unwrap_or(f64::NAN);
    let summary = format!(
        "S3.1 conv denoiser on {id}, noise {}: {} epochs in {:.0} s ({:.0} images/s)\n\
         test PSNR (mean per image): noisy input {:.2} dB → denoised {:.2} dB (whole set {:.2} dB, MSE {:.5})\n\
         k-means on the {}-d codes (S3.3): accuracy {:.4} (seed: 0.7204), NMI {:.4}\n\
         figures: denoised.png, loss.png, generated.png (S3.2), confusion.png; results in {}",
        args.noise,
        t.history.epochs.len(),
        get("train_seconds"),
        get("images_per_second"),
        get("test_psnr_noisy"),
        get("test_psnr_output"),
        get("test_psnr_output_global"),
        get("test_mse_output"),
        args.code_size,
        c.accuracy,
        get("cluster_nmi"),
        t.dir.display()
    );
    run::finish(&t.dir, &metrics, args.run.json, &summary)
}

/// S3.2: decodes 9 latents drawn uniform in [0, 1)^d into a 3 × 3 grid at `path`.
pub fn generate_grid(
    model: &ae_models::Model,
    code_size: usize,
    seed: u64,
    path: &Path,
) -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let latents: Vec<f32> = (0..9 * code_size).map(|_| rng.gen::<f32>()).collect();
    let z = Tensor::from_slice(&latents)
        .view([9, code_size as i64])
        .to_device(model.device());
    let generated = {
        let _g = tch::no_grad_guard();
        run::to_array(&model.decode(&z, false)?)?
    };
    ImageGrid::new(generated.view(), 28, 28, 3)?
        .normalise(Normalise::Fixed)
        .scale(3)
        .save(path)?;
    Ok(())
}

/// S3.3's result.
pub struct Clustering {
    pub accuracy: f64,
    pub nmi: f64,
    pub mapping: Vec<Option<usize>>,
    pub seconds: f64,
}

/// S3.3: k-means (10, 10 restarts) on the codes of the run's training images, Kuhn–Munkres
/// accuracy; writes `confusion.json` and `confusion.png` into `dir`.
pub fn cluster_codes(t: &run::Trained, seed: u64, dir: &Path) -> Result<Clustering> {
    let device = t.model.device();
    let x = images_tensor(&t.train.to_f32(), &t.config.model.input_shape(), device);
    let codes = run::to_array(&t.model.evaluate(&x, 1000).code)?;
    let start = Instant::now();
    let km = KMeans::params(10)
        .n_init(10)
        .seed(seed)
        .fit(&codes.view())?;
    let seconds = start.elapsed().as_secs_f64();
    let labels: Vec<usize> = t.train.labels().iter().map(|&l| usize::from(l)).collect();
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
