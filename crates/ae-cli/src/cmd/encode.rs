//! `ae encode`: a finished run's codes of a data set split, or of every image of a folder or
//! array.

use std::path::{Path, PathBuf};

use ae_data::ImageSet;
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
    /// train or test.
    #[arg(long, default_value = "test")]
    split: String,
    /// Where the codes go (.npy, n × code values).
    #[arg(long)]
    out: PathBuf,
    /// Encode every image of this folder (image files at any depth) or .npy array instead, each
    /// brought to the model's size and channels; a folder's image paths go to <out>.names.txt,
    /// one per line, in the order of the codes.
    #[arg(long, conflicts_with_all = ["dataset", "split"])]
    images: Option<PathBuf>,
    /// With --images: leave out unreadable files (counted and named) rather than stop.
    #[arg(long, requires = "images")]
    skip_bad: bool,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!(
            "--out {}: codes are written as NumPy arrays; give a path ending in .npy",
            args.out.display()
        );
    }
    let (config, model) = args.run.open()?;
    let (set, names) = match &args.images {
        Some(path) => {
            let read = ae_data::own::load_named(
                path,
                config.image_shape(),
                args.skip_bad,
                &crate::data_flags::DecodeBar::default(),
            )
            .context("--images")?;
            crate::data_flags::report_skipped(&read.skipped);
            // An array's rows need no names: the codes keep their order.
            (read.images, path.is_dir().then_some(read.names))
        }
        None => (
            run_split(&args.dataset, &config, data_dir, &args.split)?,
            None,
        ),
    };
    let codes = codes_of(&model, &set)?;
    ae_lab::evaluate::ensure_finite_rows(&codes, "the code of image", &args.run.dir)?;
    ae_data::npy::write(&args.out, &codes)?;
    println!(
        "{} codes of size {} written to {}",
        codes.nrows(),
        codes.ncols(),
        args.out.display()
    );
    if let Some(names) = names {
        let path = args.out.with_extension("names.txt");
        let mut text = String::new();
        for name in &names {
            text.push_str(&name.to_string_lossy());
            text.push('\n');
        }
        ae_data::write_atomically(&path, text.as_bytes())?;
        println!(
            "their images' paths, in the same order, in {}",
            path.display()
        );
    }
    Ok(())
}

/// The model's codes of `set`, its images turned into values [`PREDICT_BATCH`] at a time (a large
/// folder's images are never all held as floats at once).
pub(crate) fn codes_of(model: &Model, set: &ImageSet) -> Result<Array2<f32>> {
    let mut parts = Vec::new();
    for start in (0..set.len()).step_by(PREDICT_BATCH) {
        let end = (start + PREDICT_BATCH).min(set.len());
        parts.push(model.codes(&set.to_f32_rows(start..end))?);
    }
    let views: Vec<_> = parts.iter().map(Array2::view).collect();
    Ok(concatenate(Axis(0), &views)?)
}
