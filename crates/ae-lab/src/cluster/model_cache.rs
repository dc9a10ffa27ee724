//! A network trained once for clustering and kept in a folder: `config.json` says what was
//! trained on what, `model.safetensors` holds it, `checkpoint/` lets an interrupted training
//! resume exactly. Another method or seed asking for the same network reuses it.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use ae_data::ImageShape;
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
    /// Data set's name.
    pub dataset: String,
    /// Images trained on (the first ones of train + test).
    pub images: usize,
    /// SHA-256 of those images' pixels (see [`super::pixels_fingerprint`]): the same name and
    /// count with other pixels is another network.
    #[serde(default)]
    pub pixels_sha256: String,
    /// The network.
    pub model: ModelConfig,
    /// The training.
    pub train: TrainConfig,
}

/// What a network trains on.
pub struct TrainData<'a> {
    /// The data set's name.
    pub dataset: String,
    /// Rows of pixels in [0, 1].
    pub pixels: &'a Array2<f32>,
    /// Their images' shape.
    pub shape: ImageShape,
    /// Their fingerprint.
    pub sha256: &'a str,
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

/// `preset` (sized for the images) with `train` settings on `data`, loaded from `place.dir`
/// when it holds the same network finished, resumed when it holds its checkpoint, trained
/// otherwise; with the seconds its training took (then or now).
pub fn trained(
    preset: &Preset,
    train: TrainConfig,
    data: &TrainData<'_>,
    place: &TrainPlace<'_>,
) -> Result<(Model, f64)> {
    let x = data.pixels;
    let config = CachedConfig {
        preset: preset.id.to_owned(),
        dataset: data.dataset.clone(),
        images: x.nrows(),
        pixels_sha256: data.sha256.to_owned(),
        model: preset.model().for_images(data.shape)?,
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
    // Seeded here, before the weights file is looked for: the initial weights are the seed's,
    // whatever the process drew before (another rung, another experiment of the pipeline).
    let mut model = Model::seeded(&config.model, place.device, config.train.seed)?;
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
    let x_t = images_tensor(x, &config.model.input_shape(), place.device)?;
    place.progress.run_started(&RunStart {
        model: model.name().to_owned(),
        parameters: model.parameter_count(),
        train_images: x.nrows(),
        val_images: 0,
        dataset: data.dataset.clone(),
        epochs: config.train.epochs,
        batch_size: config.train.batch_size,
    });
    let mut trainer = Trainer::new(config.train.clone())?
        .checkpoint_to(checkpoint)
        .images_of(data.shape.channels, data.shape.height, data.shape.width);
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
