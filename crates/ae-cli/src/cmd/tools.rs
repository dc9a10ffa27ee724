//! `ae encode`, `ae reconstruct`, `ae generate`: a finished run folder put to use.

use std::path::{Path, PathBuf};

use ae_data::{DataSpec, Dataset};
use ae_eval::figures::{check_png_path, ImageGrid, Normalise};
use ae_eval::reconstruction::{mse, psnr};
use ae_lab::RunConfig;
use ae_models::{images_tensor, to_array, Autoencoder};
use anyhow::{bail, Context, Result};
use ndarray::{concatenate, s, Array2, Axis};
use tch::Tensor;

#[derive(clap::Args)]
pub struct EncodeArgs {
    /// A finished run folder (from `ae train` or `ae denoise`).
    #[arg(long)]
    run: PathBuf,
    /// Data set (default: the run's).
    #[arg(long)]
    dataset: Option<String>,
    /// train or test.
    #[arg(long, default_value = "test")]
    split: String,
    /// Where the codes go (.npy, n × code values).
    #[arg(long)]
    out: PathBuf,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: String,
}

#[derive(clap::Args)]
pub struct ReconstructArgs {
    /// A finished run folder.
    #[arg(long)]
    run: PathBuf,
    /// Data set (default: the run's).
    #[arg(long)]
    dataset: Option<String>,
    /// Images shown (the first N test images).
    #[arg(long, default_value_t = 10)]
    n: usize,
    /// Corrupt the inputs first: gaussian:STD | salt-pepper:A | dropout:R | none.
    #[arg(long, default_value = "none")]
    noise: String,
    /// Output PNG (default: <run>/reconstruct.png).
    #[arg(long)]
    out: Option<PathBuf>,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: String,
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// A finished run folder.
    #[arg(long)]
    run: PathBuf,
    /// Number of latents drawn from N(0, I) for a VAE, else uniform in [0, 1)^d (ignored with
    /// --latents).
    #[arg(long, default_value_t = 9)]
    n: usize,
    /// Decode these latents instead (.npy, n × code values).
    #[arg(long)]
    latents: Option<PathBuf>,
    /// Seed of the random latents.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output PNG (default: <run>/generate.png).
    #[arg(long)]
    out: Option<PathBuf>,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: String,
}

fn images(
    dataset: &Option<String>,
    config: &RunConfig,
    data_dir: &Path,
    split: &str,
) -> Result<ae_data::ImageSet> {
    let spec = match dataset {
        Some(d) => DataSpec::parse(d).context("--dataset")?,
        None => config.dataset.clone(),
    };
    let data = Dataset::open(&spec, data_dir, &crate::data_flags::DecodeBar::default())?;
    config
        .model
        .check_images(data.shape())
        .with_context(|| format!("--dataset {spec}"))?;
    match split {
        "train" => Ok(data.train),
        "test" => Ok(data.test),
        other => bail!("--split: '{other}' is not train or test"),
    }
}

pub fn encode(args: &EncodeArgs, data_dir: &Path) -> Result<()> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!(
            "--out {}: codes are written as NumPy arrays; give a path ending in .npy",
            args.out.display()
        );
    }
    let device = super::run::device(&args.device, None)?;
    let (config, model) = ae_lab::load_run(&args.run, device)?;
    let set = images(&args.dataset, &config, data_dir, &args.split)?;
    let x = images_tensor(&set.to_f32(), &config.model.input_shape(), device)?;
    let codes = to_array(&model.evaluate(&x, 1000).code)?;
    ae_lab::evaluate::ensure_finite_rows(&codes, "the code of image", &args.run)?;
    let tmp = args.out.with_extension("partial.npy");
    ndarray_npy::write_npy(&tmp, &codes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{} codes of size {} written to {}",
        codes.nrows(),
        codes.ncols(),
        args.out.display()
    );
    Ok(())
}

pub fn reconstruct(args: &ReconstructArgs, data_dir: &Path) -> Result<()> {
    if let Some(out) = &args.out {
        check_png_path(out).context("--out")?;
    }
    let device = super::run::device(&args.device, None)?;
    let (config, model) = ae_lab::load_run(&args.run, device)?;
    let set = images(&args.dataset, &config, data_dir, "test")?;
    if args.n == 0 || args.n > set.len() {
        bail!("--n: must be between 1 and {}", set.len());
    }
    let clean = set.first(args.n).to_f32();
    let noise = super::train::parse_noise(&args.noise)?;
    let input = match noise {
        Some(n) => n.apply(&clean, 0),
        None => clean.clone(),
    };
    let x = images_tensor(&input, &config.model.input_shape(), device)?;
    let out = to_array(&model.evaluate(&x, 1000).output)?;
    let mut rows = vec![clean.view()];
    let mut titles = vec!["original".to_string()];
    if noise.is_some() {
        rows.push(input.view());
        titles.push("input".into());
    }
    rows.push(out.view());
    titles.push("output".into());
    let grid = concatenate(Axis(0), &rows)?.mapv(|v| v.clamp(0.0, 1.0));
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| args.run.join("reconstruct.png"));
    ImageGrid::of_shape(grid.view(), set.shape(), args.n)?
        .normalise(Normalise::Fixed)
        .row_titles(titles)
        .scale(2)
        .save(&path)?;
    println!(
        "MSE {:.5}, PSNR {:.2} dB on {} images; grid in {}",
        mse(&clean.view(), &out.view())?,
        psnr(&clean.view(), &out.view())?,
        args.n,
        path.display()
    );
    Ok(())
}

pub fn generate(args: &GenerateArgs) -> Result<()> {
    if let Some(out) = &args.out {
        check_png_path(out).context("--out")?;
    }
    let device = super::run::device(&args.device, None)?;
    let (config, model) = ae_lab::load_run(&args.run, device)?;
    let code_shape = config.model.code_shape();
    let code_len: i64 = code_shape.iter().product();
    let latents: Array2<f32> = match &args.latents {
        Some(path) => {
            let z = ae_data::npy::read_matrix(path).context("--latents")?;
            if z.ncols() as i64 != code_len {
                bail!(
                    "--latents {}: rows have {} values, the model's code has {code_len}",
                    path.display(),
                    z.ncols()
                );
            }
            z
        }
        None => {
            if args.n == 0 {
                bail!("--n: must be at least 1");
            }
            ensure_decodable(args.n, code_len, config.image_shape().values())?;
            ae_lab::probes::random_latents(&config.model, args.n, code_len as usize, args.seed)
        }
    };
    ensure_decodable(latents.nrows(), code_len, config.image_shape().values())?;
    let mut shape = vec![latents.nrows() as i64];
    shape.extend(&code_shape);
    let flat: Vec<f32> = latents.iter().copied().collect();
    let z = Tensor::from_slice(&flat)
        .f_view(shape.as_slice())?
        .to_device(device);
    let images = {
        let _g = tch::no_grad_guard();
        to_array(&model.decode(&z, false)?)?
    };
    let cols = (images.nrows() as f64).sqrt().ceil() as usize;
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| args.run.join("generate.png"));
    ImageGrid::of_shape(images.slice(s![.., ..]), config.image_shape(), cols.max(1))?
        .normalise(Normalise::Fixed)
        .scale(3)
        .save(&path)?;
    println!("{} images decoded to {}", images.nrows(), path.display());
    Ok(())
}

/// Refuses to decode more images than memory holds: the latents, the decoded images and the
/// grid's pixels (scaled 3×, RGB).
fn ensure_decodable(n: usize, code_len: i64, values: usize) -> Result<()> {
    let values = values as u128;
    let per_image = (code_len.max(0) as u128 + values) * 4 + values * 9 * 3;
    ae_data::resources::ensure_memory(
        "n",
        &format!("decoding {n} images"),
        per_image.saturating_mul(n as u128),
    )?;
    Ok(())
}
