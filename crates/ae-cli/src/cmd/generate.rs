//! `ae generate`: a finished run's decoder on random latents (the prior's, for a VAE) or on
//! given ones.

use std::path::PathBuf;

use ae_eval::figures::{check_png_path, ImageGrid, Normalise};
use ae_models::{to_array, Autoencoder};
use anyhow::{bail, Context, Result};
use ndarray::{s, Array2};
use tch::Tensor;

use crate::run_flags::RunFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunFlags,
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
}

pub fn run(args: &Args) -> Result<()> {
    if let Some(out) = &args.out {
        check_png_path(out).context("--out")?;
    }
    let (config, model) = args.run.open()?;
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
        .to_device(model.device());
    let images = {
        let _g = tch::no_grad_guard();
        to_array(&model.decode(&z, false)?)?
    };
    let cols = (images.nrows() as f64).sqrt().ceil() as usize;
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| args.run.dir.join("generate.png"));
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
