//! A run: its configuration (`config.json`), training it into a folder with exact resume, and
//! loading a finished one back.
//!
//! A run folder holds `config.json` (a [`RunConfig`]), `checkpoint/` while it trains and
//! `model.safetensors` once it has finished; [`crate::evaluate`] adds the metrics and figures.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ae_data::{Dataset, DatasetId, ImageSet};
use ae_models::train::checkpoint_dir;
use ae_models::{images_tensor, Autoencoder, History, Model, ModelConfig, Preset, TrainConfig};
use ae_models::{Event, Trainer};
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::data::DataCache;
use crate::progress::{Progress, RunStart};
use crate::{Error, Result};

/// Images in every training set of the MNIST family; the validation images are split off them.
pub const TRAINING_IMAGES: usize = 60_000;

/// A run's `config.json`: everything needed to rebuild and retrain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Preset id or "custom".
    pub name: String,
    /// Data set.
    pub dataset: DatasetId,
    /// Training images used (the rest of the 60,000, up to `validation`, validate).
    pub train_size: usize,
    /// Validation images, split off at random (seeded) from the training set.
    pub validation: usize,
    /// The network.
    pub model: ModelConfig,
    /// The training.
    pub train: TrainConfig,
}

impl RunConfig {
    /// `preset` on `dataset`, with `validation` images split off and all the others trained on.
    pub fn from_preset(preset: &Preset, dataset: DatasetId, validation: usize) -> RunConfig {
        RunConfig {
            name: preset.id.to_owned(),
            dataset,
            train_size: TRAINING_IMAGES.saturating_sub(validation),
            validation,
            model: preset.model(),
            train: preset.train(),
        }
    }

    /// Checks every field (before any data is read).
    pub fn validate(&self) -> Result<()> {
        self.train.validate()?;
        self.model.validate()?;
        if self.train_size == 0 {
            return Err(Error::invalid("train_size", "must be ≥ 1"));
        }
        Ok(())
    }

    /// Checks that the training and validation images fit in the `available` training images.
    fn check_fits(&self, available: usize) -> Result<()> {
        if self.validation + self.train_size > available {
            return Err(Error::invalid(
                "train_size",
                format!(
                    "train_size {} + validation {} exceed the {available} training images",
                    self.train_size, self.validation
                ),
            ));
        }
        Ok(())
    }
}

/// Reads a run's `config.json`.
pub fn read_config(dir: &Path) -> Result<RunConfig> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::RunFolder {
        path: path.clone(),
        reason: format!("{e} (is this a run folder?)"),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::RunFolder {
        path,
        reason: format!("not a run configuration: {e}"),
    })
}

/// Rebuilds a finished run's model with its final weights.
pub fn load_run(dir: &Path, device: Device) -> Result<(RunConfig, Model)> {
    let config = read_config(dir)?;
    let mut model = Model::build(&config.model, device)?;
    let weights = dir.join("model.safetensors");
    if !weights.is_file() {
        return Err(Error::RunFolder {
            path: weights,
            reason: "missing: the run has not finished".into(),
        });
    }
    model.load(&weights)?;
    Ok((config, model))
}

/// A trained run with the data it saw.
pub struct Trained {
    /// Its configuration.
    pub config: RunConfig,
    /// Its folder.
    pub dir: PathBuf,
    /// The model with its final weights.
    pub model: Model,
    /// Losses and speed per epoch.
    pub history: History,
    /// The whole data set (shared).
    pub data: Arc<Dataset>,
    /// The training images used.
    pub train: ImageSet,
    /// The validation images.
    pub val: ImageSet,
}

/// How to train beyond the configuration: resume, stop flag, progress.
#[derive(Clone, Copy)]
pub struct TrainOptions<'a> {
    /// Continue from the folder's checkpoint when there is one.
    pub resume: bool,
    /// Set (by Ctrl-C) to stop after the current batch, writing a checkpoint.
    pub stop: Option<&'a AtomicBool>,
    /// Told when the run starts and after every batch and epoch.
    pub progress: &'a dyn Progress,
}

/// Trains `config` into `dir` (resuming from its checkpoint when asked), with the data from
/// `data`.
pub fn train(
    config: RunConfig,
    dir: PathBuf,
    data: &DataCache,
    device: Device,
    options: TrainOptions<'_>,
) -> Result<Trained> {
    config.validate()?;
    let dataset = data.get(config.dataset)?;
    let all = dataset.train.len();
    config.check_fits(all)?;
    let (train, val) = dataset
        .train
        .random_split(all - config.validation, config.train.seed)?;
    let train = train.first(config.train_size);
    crate::error::create_dir(&dir)?;
    let config_path = dir.join("config.json");
    if options.resume && config_path.is_file() {
        // More epochs may be asked for on resume; everything else must match.
        let old = read_config(&dir)?;
        let same = RunConfig {
            train: TrainConfig {
                epochs: old.train.epochs,
                ..config.train.clone()
            },
            ..config.clone()
        };
        if old != same {
            return Err(Error::RunFolder {
                path: config_path,
                reason: "was made with other settings; train into another folder, or anew".into(),
            });
        }
    }
    ae_eval::report::write_json(&config_path, &config)?;

    tch::manual_seed(config.train.seed as i64);
    let mut model = Model::build(&config.model, device)?;
    let shape = config.model.input_shape();
    let train_x = images_tensor(&train.to_f32(), &shape, device);
    let val_x = (!val.is_empty()).then(|| images_tensor(&val.to_f32(), &shape, device));
    options.progress.run_started(&RunStart {
        model: model.name().to_owned(),
        parameters: model.parameter_count(),
        train_images: train.len(),
        val_images: val.len(),
        dataset: config.dataset,
        epochs: config.train.epochs,
        batch_size: config.train.batch_size,
    });
    let mut trainer = Trainer::new(config.train.clone())?.checkpoint_to(checkpoint_dir(&dir));
    if let Some(stop) = options.stop {
        trainer = trainer.stop_when(stop);
    }
    let history = trainer.fit(
        &mut model,
        &train_x,
        val_x.as_ref(),
        options.resume,
        &mut |e: Event| options.progress.training(&e),
    );
    options.progress.run_finished();
    let history = history?;
    model.save(&dir.join("model.safetensors"))?;
    Ok(Trained {
        config,
        dir,
        model,
        history,
        data: dataset,
        train,
        val,
    })
}
