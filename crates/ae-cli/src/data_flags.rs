//! `--dataset` and the flags that say how one's own images are read, shared by every command
//! that loads data; a finished run's train or test split (`run_split`); and the bar drawn while
//! an image folder is decoded.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ae_data::{DataSpec, Dataset, ImageSet, LoadProgress};
use ae_lab::RunConfig;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

/// Where the images come from and how to read them.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DataFlags {
    /// mnist, fashion-mnist, kmnist, or your own images: a folder (one subfolder per class, or
    /// flat; optional train/ and test/), a .npy array (n, h, w[, c]) or a .csv of pixels.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Labels of a .npy array: a .npy of one integer (0–255) per image.
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// Resize every image to H×W (bilinear, antialiased when shrinking): H or HxW.
    #[arg(long, value_name = "H[xW]")]
    pub size: Option<String>,
    /// Convert every image to 1 (grey) or 3 (colour) channels.
    #[arg(long)]
    pub channels: Option<usize>,
    /// Share of the images held out for testing when there are no train/ and test/ parts
    /// (default 0.2, seeded with --split-seed).
    #[arg(long)]
    pub test_fraction: Option<f64>,
    /// Seed of that split.
    #[arg(long, value_name = "S")]
    pub split_seed: Option<u64>,
    /// Leave unreadable or non-image files out (listed in the summary) rather than stop.
    #[arg(long)]
    pub skip_bad: bool,
}

impl DataFlags {
    /// The data set the flags name, `default` when `--dataset` is not given.
    pub fn spec(&self, default: &str) -> Result<DataSpec> {
        let text = self.dataset.as_deref().unwrap_or(default);
        let spec = DataSpec::parse(text).context("--dataset")?;
        self.apply(spec)
    }

    /// `spec` with the flags' reading options on top (for a data set named elsewhere, as a
    /// run's config.json does).
    pub fn apply(&self, spec: DataSpec) -> Result<DataSpec> {
        let mut files = match spec {
            DataSpec::Files(files) => files,
            DataSpec::Registry(id) => {
                let given = [
                    ("--labels", self.labels.is_some()),
                    ("--size", self.size.is_some()),
                    ("--channels", self.channels.is_some()),
                    ("--test-fraction", self.test_fraction.is_some()),
                    ("--split-seed", self.split_seed.is_some()),
                    ("--skip-bad", self.skip_bad),
                ];
                if let Some((flag, _)) = given.iter().find(|(_, on)| *on) {
                    bail!(
                        "{flag} applies to your own images (a folder, .npy or .csv), not to {id}"
                    );
                }
                return Ok(DataSpec::Registry(id));
            }
        };
        if let Some(labels) = &self.labels {
            files.labels = Some(
                std::fs::canonicalize(labels)
                    .with_context(|| format!("--labels {}", labels.display()))?,
            );
        }
        if let Some(size) = &self.size {
            files.size = Some(ae_data::shape::parse_size(size).context("--size")?);
        }
        if let Some(c) = self.channels {
            files.channels = Some(c);
        }
        if let Some(f) = self.test_fraction {
            files.test_fraction = f;
        }
        if let Some(s) = self.split_seed {
            files.seed = s;
        }
        files.skip_bad |= self.skip_bad;
        files.validate().map_err(|e| {
            let flag = match e.parameter() {
                Some("size") => "--size",
                Some("channels") => "--channels",
                Some("test_fraction") => "--test-fraction",
                _ => "--dataset",
            };
            anyhow::Error::new(e).context(flag)
        })?;
        Ok(DataSpec::Files(files))
    }

    /// Loads the data set the flags name (`default` without `--dataset`), with a bar while an
    /// image folder decodes.
    pub fn load(&self, default: &str, data_dir: &Path) -> Result<Dataset> {
        let spec = self.spec(default)?;
        let data = Dataset::open(&spec, data_dir, &DecodeBar::default())?;
        report_skipped(&data.skipped);
        Ok(data)
    }
}

/// Says on standard error how many files were left out (their names are in the summary).
pub fn report_skipped(skipped: &[ae_data::Skipped]) {
    if let Some(first) = skipped.first() {
        eprintln!(
            "left out {} unreadable file(s), e.g. {}: {}",
            skipped.len(),
            first.path.display(),
            first.reason
        );
    }
}

/// A bar (count, rate, ETA) drawn from the first decoding report on; nothing for data sets
/// that decode nothing (the registry's).
#[derive(Default)]
pub struct DecodeBar {
    bar: OnceLock<ProgressBar>,
}

impl LoadProgress for DecodeBar {
    fn decoded(&self, done: usize, total: usize) {
        let bar = self.bar.get_or_init(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "decoding {pos}/{len} images [{bar:30}] {per_sec} ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        bar.set_position(done as u64);
        if done >= total {
            bar.finish_and_clear();
        }
    }
}

/// The `split` (train or test) of a finished run's data set, or of the one `--dataset` names,
/// after checking that the run's model takes its images.
pub fn run_split(
    dataset: &Option<String>,
    config: &RunConfig,
    data_dir: &Path,
    split: &str,
) -> Result<ImageSet> {
    let data = run_data(dataset, config, data_dir)?;
    split_of(data, split)
}

/// A finished run's data set, or the one `--dataset` names, after checking that the run's model
/// takes its images.
pub fn run_data(dataset: &Option<String>, config: &RunConfig, data_dir: &Path) -> Result<Dataset> {
    let spec = match dataset {
        Some(d) => DataSpec::parse(d).context("--dataset")?,
        None => config.dataset.clone(),
    };
    let data = Dataset::open(&spec, data_dir, &DecodeBar::default())?;
    config
        .model
        .check_images(data.shape())
        .with_context(|| format!("--dataset {spec}"))?;
    Ok(data)
}

/// The `split` (`--split`: train or test) of `data`.
pub fn split_of(data: Dataset, split: &str) -> Result<ImageSet> {
    match split {
        "train" => Ok(data.train),
        "test" => Ok(data.test),
        other => bail!("--split: '{other}' is not train or test"),
    }
}
