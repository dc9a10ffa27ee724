//! A run: its configuration (`config.json`), training it into a folder with exact resume, and
//! loading a finished one back.
//!
//! A run folder holds `config.json` (a [`RunConfig`]), `checkpoint/` while it trains and
//! `model.safetensors` once it has finished; [`crate::evaluate()`] adds the metrics and figures.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ae_data::{DataSpec, Dataset, ImageSet, ImageShape};
use ae_models::checkpoint::Checkpoint;
use ae_models::train::checkpoint_dir;
use ae_models::{images_tensor, Autoencoder, History, Model, ModelConfig, Preset, TrainConfig};
use ae_models::{Event, Trainer};
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::data::DataCache;
use crate::lock::FolderLock;
use crate::progress::{Progress, RunStart};
use crate::{Error, Result};

/// Images in every training set of the MNIST family; the validation images are split off them.
pub const TRAINING_IMAGES: usize = 60_000;

/// The share of one's own training images held out for validation by default (Keras'
/// `validation_split` of 0.1); the MNIST family's presets keep their 5,000.
pub const VALIDATION_SHARE: f64 = 0.1;

/// A run's `config.json`: everything needed to rebuild and retrain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Preset id or "custom".
    pub name: String,
    /// Data set: a registry name, or files of one's own with how they are read.
    pub dataset: DataSpec,
    /// Training images used (of the data set's training part, after `validation` are split off).
    pub train_size: usize,
    /// Validation images, split off at random (seeded) from the training set.
    pub validation: usize,
    /// The shape of the images, for data of one's own (`None`: the MNIST family's 28 × 28 grey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageShape>,
    /// Train and test on only the images with these labels (a model of one class, whose
    /// reconstruction error then flags the others: `ae anomaly`); `None`: every image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<u8>>,
    /// The network.
    pub model: ModelConfig,
    /// The training.
    pub train: TrainConfig,
}

impl RunConfig {
    /// `preset` on `dataset`, with `validation` images split off and all the others trained on
    /// (sized for the MNIST family's 60,000: [`RunConfig::fit_to`] sizes it for other data).
    pub fn from_preset(
        preset: &Preset,
        dataset: impl Into<DataSpec>,
        validation: usize,
    ) -> RunConfig {
        RunConfig {
            name: preset.id.to_owned(),
            dataset: dataset.into(),
            train_size: TRAINING_IMAGES.saturating_sub(validation),
            validation,
            image: None,
            classes: None,
            model: preset.model(),
            train: preset.train(),
        }
    }

    /// The same run sized for `data`: the model takes its images' shape (a dense model's
    /// width follows the pixels), and a tenth of its training images validate (at least one
    /// when there are two or more) while all the others train.
    pub fn fit_to(mut self, data: &Dataset) -> Result<RunConfig> {
        self.model = self.model.for_images(data.shape())?;
        self.image = (data.shape() != ImageShape::MNIST).then_some(data.shape());
        let n = data.train.len();
        self.validation = if n < 2 {
            0
        } else {
            ((n as f64 * VALIDATION_SHARE).round() as usize).clamp(1, n - 1)
        };
        self.train_size = n - self.validation;
        Ok(self)
    }

    /// The same run on only the images of `data` labelled with one of `classes` (sorted, each
    /// once). `validation` images of those validate (`None`: as large a share of them as the
    /// run validated on of all images: 5,000 of 60,000 become 494 of digit 0's 5,923), and at
    /// most the rest train.
    pub fn keep_classes(
        mut self,
        classes: &[u8],
        data: &Dataset,
        validation: Option<usize>,
    ) -> Result<RunConfig> {
        let mut classes = classes.to_vec();
        classes.sort_unstable();
        classes.dedup();
        let all = data.train.len();
        let kept = data.of_classes(&classes)?.train.len();
        self.validation = match validation {
            Some(v) => v,
            None if self.validation == 0 || kept < 2 => 0,
            None => ((self.validation as f64 * kept as f64 / all.max(1) as f64).round() as usize)
                .clamp(1, kept - 1),
        };
        if self.validation >= kept {
            return Err(Error::invalid(
                "validation",
                format!(
                    "{} leaves none of the {kept} training images of classes {classes:?} to train on",
                    self.validation
                ),
            ));
        }
        self.train_size = self.train_size.min(kept - self.validation);
        self.classes = Some(classes);
        Ok(self)
    }

    /// The shape of the images the run trains on.
    pub fn image_shape(&self) -> ImageShape {
        self.image.unwrap_or(ImageShape::MNIST)
    }

    /// Checks every field (before any data is read), and that training fits in memory.
    pub fn validate(&self) -> Result<()> {
        self.train.validate()?;
        self.model.validate()?;
        self.model.check_memory(self.train.batch_size)?;
        if self.name.is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if self.classes.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::invalid(
                "classes",
                "name at least one label, or leave it out",
            ));
        }
        if let DataSpec::Files(files) = &self.dataset {
            // One's own images: their count and shape are checked once they are read.
            files.validate()?;
            if self.train_size == 0 {
                return Err(Error::invalid("train_size", "must be ≥ 1"));
            }
            return Ok(());
        }
        if self.validation >= TRAINING_IMAGES {
            return Err(Error::invalid(
                "validation",
                format!(
                    "{} leaves no training images of the {TRAINING_IMAGES}",
                    self.validation
                ),
            ));
        }
        if self.train_size == 0 {
            return Err(Error::invalid("train_size", "must be ≥ 1"));
        }
        self.check_fits(TRAINING_IMAGES)?;
        if let [features] = self.model.input_shape()[..] {
            if features as usize != ae_data::IMAGE_PIXELS {
                return Err(Error::invalid(
                    "model",
                    format!(
                        "{} takes {}-feature inputs, not {} × {} images",
                        self.name,
                        features,
                        ae_data::IMAGE_SIDE,
                        ae_data::IMAGE_SIDE
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks that the training and validation images fit in the `available` training images.
    /// The training and validation images of this run (the ones its training used, whenever
    /// it ran: the same seeded split) from `data`, its whole data set.
    pub fn training_images(&self, data: &Dataset) -> Result<(ImageSet, ImageSet)> {
        match &self.classes {
            Some(classes) => self.split(&data.of_classes(classes)?),
            None => self.split(data),
        }
    }

    /// [`RunConfig::training_images`] of `data` already narrowed to the run's classes.
    fn split(&self, data: &Dataset) -> Result<(ImageSet, ImageSet)> {
        let all = data.train.len();
        self.check_fits(all)?;
        let (train, val) = data
            .train
            .random_split(all - self.validation, self.train.seed)?;
        Ok((train.first(self.train_size), val))
    }

    fn check_fits(&self, available: usize) -> Result<()> {
        if self.validation.saturating_add(self.train_size) > available {
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
    read_config_file(&dir.join("config.json"))
}

/// Reads and validates a run configuration file (a run's `config.json`, or one written by hand).
pub fn read_config_file(path: &Path) -> Result<RunConfig> {
    if path.is_dir() {
        return Err(Error::RunFolder {
            path: path.to_owned(),
            reason: "is a folder, not a configuration file".into(),
        });
    }
    let text = std::fs::read(path).map_err(|e| Error::RunFolder {
        path: path.to_owned(),
        reason: if e.kind() == std::io::ErrorKind::NotFound {
            "does not exist (is this a run folder?)".into()
        } else {
            e.to_string()
        },
    })?;
    parse_config(&text, path)
}

/// Parses and validates a run configuration held in memory: the same checks as settings given
/// any other way. `origin` names the file in errors, with the field at fault.
pub fn parse_config(json: &[u8], origin: &Path) -> Result<RunConfig> {
    let config: RunConfig = serde_json::from_slice(json).map_err(|e| Error::RunFolder {
        path: origin.to_owned(),
        reason: format!("not a run configuration: {e}"),
    })?;
    // The message, not the error: the field is in the file, not a parameter of the caller's.
    config.validate().map_err(|e| Error::RunFolder {
        path: origin.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(config)
}

/// Rebuilds a finished run's model with its final weights (checked against the configuration
/// first: a difference is named, not met by libtorch).
pub fn load_run(dir: &Path, device: Device) -> Result<(RunConfig, Model)> {
    if !dir.is_dir() {
        return Err(Error::RunFolder {
            path: dir.to_owned(),
            reason: "no such run folder".into(),
        });
    }
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
    /// The data set (shared): all of it, or its images of the run's `classes`.
    pub data: Arc<Dataset>,
    /// The training images used.
    pub train: ImageSet,
    /// The validation images.
    pub val: ImageSet,
}

/// How to train beyond the configuration: resume, stop flag, progress.
#[derive(Clone, Copy)]
pub struct TrainOptions<'a> {
    /// Continue from the folder's checkpoint (an error when there is none). Without it, a folder
    /// holding a checkpoint or a finished model is refused unless `overwrite`.
    pub resume: bool,
    /// Start over in a folder that holds a checkpoint or a finished model, deleting them.
    pub overwrite: bool,
    /// Set (by Ctrl-C) to stop after the current batch, writing a checkpoint.
    pub stop: Option<&'a AtomicBool>,
    /// Told when the run starts and after every batch and epoch.
    pub progress: &'a dyn Progress,
}

/// What a run folder holds before training starts.
fn check_folder(config: &RunConfig, dir: &Path, options: &TrainOptions<'_>) -> Result<()> {
    let checkpoint = checkpoint_dir(dir);
    let has_checkpoint = Checkpoint::exists(&checkpoint);
    let weights = dir.join("model.safetensors");
    let finished = weights.is_file();
    if options.resume && options.overwrite {
        return Err(Error::invalid("resume", "and overwrite exclude each other"));
    }
    if options.resume {
        if !has_checkpoint {
            return Err(Error::RunFolder {
                path: dir.to_owned(),
                reason: "holds no checkpoint to resume from".into(),
            });
        }
        let old = read_config(dir)?;
        // More epochs may be asked for on resume (the new count wins and is written to
        // config.json); everything else must be as it was.
        let asked = RunConfig {
            train: TrainConfig {
                epochs: old.train.epochs,
                ..config.train.clone()
            },
            ..config.clone()
        };
        let differ = ae_models::train_config::differing_fields(&old, &asked);
        if !differ.is_empty() {
            return Err(Error::RunFolder {
                path: dir.join("config.json"),
                reason: format!(
                    "the run was made with other settings: {}; resume without changing them, or train into another folder",
                    differ.join(", ")
                ),
            });
        }
        if let Some(ck) = Checkpoint::find(&checkpoint)? {
            if ck.epoch() > config.train.epochs {
                return Err(Error::invalid(
                    "epochs",
                    format!(
                        "{} is fewer than the {} epochs the checkpoint has finished",
                        config.train.epochs,
                        ck.epoch()
                    ),
                ));
            }
        }
    } else if has_checkpoint || finished {
        if !options.overwrite {
            let what = if finished {
                "a finished run"
            } else {
                "an interrupted run's checkpoint"
            };
            return Err(Error::Occupied {
                dir: dir.to_owned(),
                what,
            });
        }
        Checkpoint::remove(&checkpoint)?;
        for file in ["model.safetensors", "metrics.json"] {
            let path = dir.join(file);
            if path.exists() {
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
    }
    Ok(())
}

/// Trains `config` into `dir` (resuming from its checkpoint when asked), with the data from
/// `data`. The folder is locked meanwhile; a finished or interrupted run in it is kept unless
/// `options` say to resume or overwrite it.
pub fn train(
    config: RunConfig,
    dir: PathBuf,
    data: &DataCache,
    device: Device,
    options: TrainOptions<'_>,
) -> Result<Trained> {
    config.validate()?;
    crate::error::create_dir(&dir)?;
    let _lock = FolderLock::acquire(&dir)?;
    check_folder(&config, &dir, &options)?;
    let mut dataset = data.get(config.dataset.clone())?;
    if let Some(classes) = &config.classes {
        dataset = Arc::new(dataset.of_classes(classes)?);
    }
    config.model.check_images(dataset.shape())?;
    if config.image_shape() != dataset.shape() {
        return Err(Error::invalid(
            "image",
            format!(
                "the run is set for {} images and the data holds {}",
                config.image_shape(),
                dataset.shape()
            ),
        ));
    }
    let (train, val) = config.split(&dataset)?;
    ae_eval::report::write_json(&dir.join("config.json"), &config)?;

    let mut model = Model::seeded(&config.model, device, config.train.seed)?;
    let shape = config.model.input_shape();
    let train_x = images_tensor(&train.to_f32(), &shape, device)?;
    let val_x = if val.is_empty() {
        None
    } else {
        Some(images_tensor(&val.to_f32(), &shape, device)?)
    };
    options.progress.run_started(&RunStart {
        model: model.name().to_owned(),
        parameters: model.parameter_count(),
        train_images: train.len(),
        val_images: val.len(),
        dataset: config.dataset.to_string(),
        epochs: config.train.epochs,
        batch_size: config.train.batch_size,
    });
    let image = config.image_shape();
    let mut trainer = Trainer::new(config.train.clone())?
        .checkpoint_to(checkpoint_dir(&dir))
        .images_of(image.channels, image.height, image.width);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn preset_config() -> RunConfig {
        RunConfig::from_preset(&ae_models::presets::S2_2, ae_data::DatasetId::Mnist, 5000)
    }

    #[test]
    fn keeping_classes_keeps_the_validation_share() {
        // 600 images, image i labelled i mod 10: 60 of each class.
        let images = ndarray::Array3::<u8>::zeros((600, 28, 28));
        let labels = ndarray::Array1::from_shape_fn(600, |i| (i % 10) as u8);
        let set = ImageSet::new(images, labels).unwrap();
        let data = Dataset {
            source: ae_data::DataSpec::Registry(ae_data::DatasetId::Mnist),
            train: set.clone(),
            test: set,
            verified: false,
            classes: None,
            skipped: Vec::new(),
        };
        let mut c =
            RunConfig::from_preset(&ae_models::presets::S2_2, ae_data::DatasetId::Mnist, 60);
        c.train_size = 540;
        // A tenth validated of all, a tenth of classes 1 and 2's 120 images.
        let k = c.clone().keep_classes(&[2, 1, 2], &data, None).unwrap();
        assert_eq!(k.classes, Some(vec![1, 2]));
        assert_eq!((k.validation, k.train_size), (12, 108));
        let k = c.clone().keep_classes(&[1, 2], &data, Some(30)).unwrap();
        assert_eq!((k.validation, k.train_size), (30, 90));
        // A smaller training size stays.
        c.train_size = 50;
        let k = c.clone().keep_classes(&[1], &data, None).unwrap();
        assert_eq!((k.validation, k.train_size), (6, 50));
        let e = c.clone().keep_classes(&[1], &data, Some(60)).unwrap_err();
        assert!(e.to_string().contains("none of the 60"), "{e}");
        assert!(c.keep_classes(&[10], &data, None).is_err());
    }

    #[test]
    fn training_images_are_the_run_s_classes_split_by_its_seed() {
        // 600 images, image i labelled i mod 10, its first two pixels spelling i.
        let images =
            ndarray::Array3::<u8>::from_shape_fn((600, 28, 28), |(i, y, x)| match (y, x) {
                (0, 0) => (i / 256) as u8,
                (0, 1) => (i % 256) as u8,
                _ => 0,
            });
        let labels = ndarray::Array1::from_shape_fn(600, |i| (i % 10) as u8);
        let set = ImageSet::new(images, labels).unwrap();
        let data = Dataset {
            source: ae_data::DataSpec::Registry(ae_data::DatasetId::Mnist),
            train: set.clone(),
            test: set,
            verified: false,
            classes: None,
            skipped: Vec::new(),
        };
        let index = |s: &ImageSet| -> Vec<usize> {
            s.rows()
                .rows()
                .into_iter()
                .map(|r| usize::from(r[0]) * 256 + usize::from(r[1]))
                .collect()
        };
        let mut c =
            RunConfig::from_preset(&ae_models::presets::S2_2, ae_data::DatasetId::Mnist, 60);
        c.train_size = 540;
        let c = c.keep_classes(&[1, 2], &data, None).unwrap();
        let (train, val) = c.training_images(&data).unwrap();
        let (t, v) = (index(&train), index(&val));
        assert_eq!((t.len(), v.len()), (108, 12));
        let mut all: Vec<usize> = t.iter().chain(&v).copied().collect();
        all.sort_unstable();
        let expected: Vec<usize> = (0..600).filter(|i| i % 10 == 1 || i % 10 == 2).collect();
        assert_eq!(all, expected, "every image of classes 1 and 2, each once");
        // The same split every time; another seed, another one.
        assert_eq!(index(&c.training_images(&data).unwrap().0), t);
        let mut other = c.clone();
        other.train.seed += 1;
        assert_ne!(index(&other.training_images(&data).unwrap().0), t);
        // Fewer training images: the first of the same split.
        let mut fewer = c;
        fewer.train_size = 10;
        assert_eq!(index(&fewer.training_images(&data).unwrap().0), t[..10]);
    }

    #[test]
    fn a_config_file_passes_every_check_and_round_trips() {
        let origin = Path::new("my/config.json");
        let mut c = preset_config();
        c.train_size = 1234;
        let json = serde_json::to_vec(&c).unwrap();
        assert_eq!(parse_config(&json, origin).unwrap(), c);
        let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = serde_json::to_value(&c).unwrap();
            edit(&mut v);
            parse_config(v.to_string().as_bytes(), origin)
                .unwrap_err()
                .to_string()
        };
        let e = bad(&|v| {
            v["train"]["noise"] = serde_json::json!({"kind": "dropout", "rate": 1.5, "scale": true})
        });
        assert_eq!(
            e,
            "my/config.json: invalid dropout rate: 1.5 is outside [0, 1]"
        );
        let e = bad(&|v| v["train_size"] = 60_000.into());
        assert!(e.contains("exceed the 60000 training images"), "{e}");
        let e = bad(&|v| v["train"]["epochs"] = 0.into());
        assert_eq!(e, "my/config.json: invalid epochs: must be ≥ 1");
        let e = bad(&|v| v["train"]["batch_size"] = (1u64 << 40).into());
        assert!(e.contains("batch_size") && e.contains("memory"), "{e}");
        let e = parse_config(b"{\"name\": 3}", origin)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("my/config.json: not a run configuration"),
            "{e}"
        );
    }
}
