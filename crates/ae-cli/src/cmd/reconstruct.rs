//! `ae reconstruct`: a finished run's outputs for test images (a grid, MSE and PSNR), or for every
//! image of a folder or array, each written as a PNG file.

use std::path::{Path, PathBuf};

use ae_eval::figures::{check_png_path, ImageGrid, Normalise};
use ae_eval::reconstruction::{mse, psnr};
use ae_lab::RunConfig;
use ae_models::model::PREDICT_BATCH;
use ae_models::Model;
use anyhow::{bail, Context, Result};
use ndarray::{concatenate, Array2, Axis};

use crate::data_flags::run_split;
use crate::run_flags::RunFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunFlags,
    /// Data set (default: the run's).
    #[arg(long)]
    dataset: Option<String>,
    /// Images shown (the first N test images, or of --images).
    #[arg(long, default_value_t = 10)]
    n: usize,
    /// Corrupt the inputs first: gaussian:STD | salt-pepper:A | dropout:R | none.
    #[arg(long, default_value = "none")]
    noise: String,
    /// Output PNG (default: <run>/reconstruct.png; with --images, drawn only when given).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Put every image of this folder (image files at any depth) or .npy array through the
    /// model instead, each brought to the model's size and channels, and write each output as a
    /// PNG file under --out-dir, named as its input (an array's by row number).
    #[arg(long, requires = "out_dir", conflicts_with = "dataset")]
    images: Option<PathBuf>,
    /// Where the outputs of --images go (created if missing).
    #[arg(long, requires = "images")]
    out_dir: Option<PathBuf>,
    /// With --images: write into a non-empty --out-dir, replacing files of the same names.
    #[arg(long, requires = "images")]
    overwrite: bool,
    /// With --images: leave out unreadable files (counted and named) rather than stop.
    #[arg(long, requires = "images")]
    skip_bad: bool,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    if let Some(out) = &args.out {
        check_png_path(out).context("--out")?;
    }
    let (config, model) = args.run.open()?;
    if let (Some(images), Some(out_dir)) = (&args.images, &args.out_dir) {
        return reconstruct_each(args, images, out_dir, &config, &model);
    }
    let set = run_split(&args.dataset, &config, data_dir, "test")?;
    if args.n == 0 || args.n > set.len() {
        bail!("--n: must be between 1 and {}", set.len());
    }
    let clean = set.first(args.n).to_f32();
    let noise = super::train::parse_noise(&args.noise)?;
    let input = match noise {
        Some(n) => n.apply(&clean, 0),
        None => clean.clone(),
    };
    let out = model.outputs(&input)?;
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
        .unwrap_or_else(|| args.run.dir.join("reconstruct.png"));
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

/// `ae reconstruct --images PATH --out-dir DIR`: every image of `images` through the model, each
/// output written as `DIR/<its name>.png`. The images are turned into values, corrupted and
/// written [`PREDICT_BATCH`] at a time: the memory stays bounded whatever the folder's size.
fn reconstruct_each(
    args: &Args,
    images: &Path,
    out_dir: &Path,
    config: &RunConfig,
    model: &Model,
) -> Result<()> {
    check_out_dir(images, out_dir, args.overwrite)?;
    let noise = super::train::parse_noise(&args.noise)?;
    let shape = config.image_shape();
    let read = ae_data::own::load_named(
        images,
        shape,
        args.skip_bad,
        &crate::data_flags::DecodeBar::default(),
    )
    .context("--images")?;
    crate::data_flags::report_skipped(&read.skipped);
    let targets = output_paths(&read.names, images, out_dir)?;
    let n = read.images.len();
    // The first images, shown side by side when a picture is asked for.
    let shown = if args.out.is_some() {
        if args.n == 0 || args.n > n {
            bail!("--n: must be between 1 and {n}, the images of --images");
        }
        args.n
    } else {
        0
    };
    let mut preview: [Vec<f32>; 3] = Default::default();
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("--out-dir {}: cannot create it", out_dir.display()))?;
    // Every folder the outputs go to, made once before any image is written.
    let folders: std::collections::BTreeSet<&Path> =
        targets.iter().filter_map(|t| t.parent()).collect();
    for folder in folders {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }

    let bar = indicatif::ProgressBar::new(n as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "writing {pos}/{len} images [{bar:30}] {per_sec} ETA {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    // Squared error of the outputs against the images as read, summed over values (--noise).
    let mut squared_error = 0.0f64;
    for (c, start) in (0..n).step_by(PREDICT_BATCH).enumerate() {
        let end = (start + PREDICT_BATCH).min(n);
        let clean = read.images.to_f32_rows(start..end);
        let input = match noise {
            // One seed per chunk, so each image's noise is fixed by its place in the order.
            Some(noise) => noise.apply(&clean, c as u64),
            None => clean.clone(),
        };
        let out = model.outputs(&input)?;
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            bail!(
                "{}: the model's output for {} is not finite; retrain it with a lower learning \
                 rate",
                args.run.dir.display(),
                read.names[start + i / out.ncols().max(1)].display()
            );
        }
        let out = out.mapv(|v| v.clamp(0.0, 1.0));
        if noise.is_some() {
            squared_error += (&out - &clean).mapv(|d| f64::from(d * d)).sum();
        }
        for i in 0..shown.saturating_sub(start).min(end - start) {
            for (kept, rows) in preview.iter_mut().zip([&clean, &input, &out]) {
                kept.extend(rows.row(i).iter().map(|v| v.clamp(0.0, 1.0)));
            }
        }
        for (i, row) in out.rows().into_iter().enumerate() {
            ae_data::own::save_png_f32(row, shape, &targets[start + i])?;
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    println!(
        "{n} images of {} through {}: outputs ({shape}) written to {}",
        images.display(),
        args.run.dir.display(),
        out_dir.display()
    );
    if let Some(path) = &args.out {
        let [given, corrupted, outputs] = preview;
        let mut values = given;
        let mut titles = vec!["input".to_string()];
        if noise.is_some() {
            values.extend(corrupted);
            titles.push(format!("with {}", args.noise));
        }
        values.extend(outputs);
        titles.push("output".into());
        let grid = Array2::from_shape_vec((titles.len() * shown, shape.values()), values)?;
        ImageGrid::of_shape(grid.view(), shape, shown)?
            .normalise(Normalise::Fixed)
            .row_titles(titles)
            .scale(2)
            .save(path)?;
        println!("the first {shown} side by side in {}", path.display());
    }
    if noise.is_some() {
        let mse = squared_error / (n * shape.values()) as f64;
        println!(
            "inputs corrupted with {} first; outputs against the images as read: MSE {mse:.5}, \
             PSNR {:.2} dB over all values",
            args.noise,
            -10.0 * mse.log10()
        );
    }
    Ok(())
}

/// Refuses an output folder that would mix with what it is made from: one inside the images'
/// folder (its PNG files would be read as inputs next time), or one already holding files
/// (unless `overwrite`).
fn check_out_dir(images: &Path, out_dir: &Path, overwrite: bool) -> Result<()> {
    let absolute = |p: &Path| std::fs::canonicalize(p).or_else(|_| std::path::absolute(p));
    let out_abs = absolute(out_dir).with_context(|| format!("--out-dir {}", out_dir.display()))?;
    if let Ok(images_abs) = std::fs::canonicalize(images) {
        if images_abs.is_dir() && out_abs.starts_with(&images_abs) {
            bail!(
                "--out-dir {}: lies inside --images {}, whose files would then include the \
                 outputs; choose a folder outside it",
                out_dir.display(),
                images.display()
            );
        }
    }
    if out_dir.is_file() {
        bail!("--out-dir {}: is a file, not a folder", out_dir.display());
    }
    let has_entries = std::fs::read_dir(out_dir).is_ok_and(|mut d| d.next().is_some());
    if has_entries && !overwrite {
        bail!(
            "--out-dir {}: is not empty; --overwrite replaces the files of the same names in it",
            out_dir.display()
        );
    }
    Ok(())
}

/// Each output's file: `out_dir/<name>.png`. Two inputs that would share one (`a.jpg` and
/// `a.png`) stop the work before anything is written.
fn output_paths(names: &[PathBuf], images: &Path, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut seen = std::collections::HashMap::with_capacity(names.len());
    let mut paths = Vec::with_capacity(names.len());
    for name in names {
        let path = out_dir.join(name).with_extension("png");
        if let Some(other) = seen.insert(path.clone(), name) {
            bail!(
                "--images {}: {} and {} would both be written to {}; rename one of them",
                images.display(),
                other.display(),
                name.display(),
                path.display()
            );
        }
        paths.push(path);
    }
    Ok(paths)
}
