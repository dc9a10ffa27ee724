//! A network trained once for clustering and kept in a folder: `config.json` says what was
//! trained on what, `model.safetensors` holds it, `checkpoint/` lets an interrupted training
//! resume exactly. Another method or seed asking for the same network reuses it.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use ae_data::DatasetId;
use ae_models::train::checkpoint_dir;
use ae_models::{
    images_tensor, Autoencoder, Event, Model, ModelConfig, Preset, TrainConfig, Trainer,
};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::lock::FolderLock;
use crate::progress::{Progress, RunStart};
use crate::{Error, Result};

/// What a cached network was trained as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedConfig {
    /// Preset id.
    pub preset: String,
    /// Data set.
    pub dataset: DatasetId,
    /// Images trained on (the first ones of train + test).
    pub images: usize,
    /// The network.
    pub model: ModelConfig,
    /// The training.
    pub train: TrainConfig,
}

/// Where and how to train.
pub struct TrainPlace<'a> {
    /// Folder of the cached network.
    pub dir: &'a Path,
    /// Device.
    pub device: Device,
    /// Told when training starts and after every batch and epoch.
    pub progress: &'a dyn Progress,
    /// Set (by Ctrl-C) to stop after the current batch, writing a checkpoint.
    pub stop: Option<&'a AtomicBool>,
}

/// `preset` with `train` settings on the images `x` (rows of pixels in [0, 1]), loaded from
/// `place.dir` when it holds the same network finished, resumed when it holds its checkpoint,
/// trained otherwise; with the seconds its training took (then or now).
pub fn trained(
    preset: &Preset,
    train: TrainConfig,
    dataset: DatasetId,
    x: &Array2<f32>,
    place: &TrainPlace<'_>,
) -> Result<(Model, f64)> {
    let config = CachedConfig {
        preset: preset.id.to_owned(),
        dataset,
        images: x.nrows(),
        model: preset.model(),
        train,
    };
    config.model.validate()?;
    config.train.validate()?;
    let dir = place.dir;
    crate::error::create_dir(dir)?;
    let _lock = FolderLock::acquire(dir)?;
    let config_path = dir.join("config.json");
    if config_path.is_file() {
        let bytes = std::fs::read(&config_path).map_err(|e| Error::io(&config_path, e))?;
        let old: CachedConfig = serde_json::from_slice(&bytes).map_err(|e| Error::RunFolder {
            path: config_path.clone(),
            reason: format!("unreadable: {e}"),
        })?;
        if old != config {
            return Err(Error::RunFolder {
                path: config_path,
                reason: "holds a network trained with other settings; delete the folder or give another output folder".into(),
            });
        }
    }
    let weights = dir.join("model.safetensors");
    let mut model = Model::build(&config.model, place.device)?;
    let history_path = dir.join("history.json");
    if weights.is_file() {
        model.load(&weights)?;
        let bytes = std::fs::read(&history_path).map_err(|e| Error::io(&history_path, e))?;
        let history: ae_models::History =
            serde_json::from_slice(&bytes).map_err(|e| Error::RunFolder {
                path: history_path.clone(),
                reason: format!("unreadable: {e}"),
            })?;
        return Ok((model, history.train_seconds));
    }
    ae_eval::report::write_json(&config_path, &config)?;
    let checkpoint = checkpoint_dir(dir);
    let resume = ae_models::checkpoint::Checkpoint::exists(&checkpoint);
    tch::manual_seed(config.train.seed as i64);
    let x_t = images_tensor(x, &config.model.input_shape(), place.device)?;
    place.progress.run_started(&RunStart {
        model: model.name().to_owned(),
        parameters: model.parameter_count(),
        train_images: x.nrows(),
        val_images: 0,
        dataset: dataset.to_string(),
        epochs: config.train.epochs,
        batch_size: config.train.batch_size,
    });
    let mut trainer = Trainer::new(config.train.clone())?.checkpoint_to(checkpoint);
    if let Some(stop) = place.stop {
        trainer = trainer.stop_when(stop);
    }
    let history = trainer.fit(&mut model, &x_t, None, resume, &mut |e: Event| {
        place.progress.training(&e)
    });
    place.progress.run_finished();
    let history = history?;
    ae_eval::report::write_json(&history_path, &history)?;
    model.save(&weights)?;
    Ok((model, history.train_seconds))
}
