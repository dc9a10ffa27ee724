//! Checkpoints: weights (safetensors), optimiser state (safetensors) and the trainer's position
//! and history (`trainer.json`), in one folder replaced atomically.
//!
//! A checkpoint is written into `<dir>.new`, then swapped in (`<dir>` → `<dir>.old`,
//! `<dir>.new` → `<dir>`, `<dir>.old` removed), so at every instant one complete checkpoint
//! exists: an interrupted write leaves the previous one in `<dir>` or `<dir>.old`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::history::History;
use crate::model::Model;
use crate::optim::Optimizer;
use crate::train_config::TrainConfig;
use crate::{Error, Result};

/// Where the trainer stands: the next batch to run and the running sums of the epoch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    /// Finished epochs.
    pub epoch: usize,
    /// Finished batches of the current epoch.
    pub batch: usize,
    /// Sum of the current epoch's batch losses.
    pub loss_sum: f64,
    /// Images trained on in the current epoch.
    pub epoch_images: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    state: TrainerState,
    optimizer_steps: i64,
    history: History,
    train: TrainConfig,
}

const WEIGHTS: &str = "weights.safetensors";
const OPTIMIZER: &str = "optimizer.safetensors";
const META: &str = "trainer.json";

/// A checkpoint folder found on disk.
#[derive(Debug)]
pub struct Checkpoint {
    dir: PathBuf,
    meta: Meta,
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    dir.with_file_name(name)
}

impl Checkpoint {
    /// Writes a complete checkpoint to `dir`, replacing the previous one atomically.
    pub fn write(
        dir: &Path,
        model: &Model,
        optimizer: &Optimizer,
        state: &TrainerState,
        history: &History,
        train: &TrainConfig,
    ) -> Result<()> {
        let new = sibling(dir, ".new");
        let old = sibling(dir, ".old");
        if new.exists() {
            fs::remove_dir_all(&new).map_err(|e| Error::io(&new, e))?;
        }
        fs::create_dir_all(&new).map_err(|e| Error::io(&new, e))?;
        model.save(&new.join(WEIGHTS))?;
        let (tensors, steps) = optimizer.state();
        let opt_path = new.join(OPTIMIZER);
        if tensors.is_empty() {
            fs::write(&opt_path, b"").map_err(|e| Error::io(&opt_path, e))?;
        } else {
            Tensor::write_safetensors(&tensors, &opt_path)?;
        }
        let meta = Meta {
            state: state.clone(),
            optimizer_steps: steps,
            history: history.clone(),
            train: train.clone(),
        };
        let meta_path = new.join(META);
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| Error::Json {
            path: meta_path.clone(),
            source: e,
        })?;
        fs::write(&meta_path, json).map_err(|e| Error::io(&meta_path, e))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        if dir.exists() {
            fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
        }
        fs::rename(&new, dir).map_err(|e| Error::io(dir, e))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        Ok(())
    }

    /// The complete checkpoint in `dir` (or the previous one left by an interrupted write).
    pub fn find(dir: &Path) -> Result<Option<Checkpoint>> {
        for candidate in [dir.to_path_buf(), sibling(dir, ".old")] {
            let meta_path = candidate.join(META);
            if meta_path.is_file() {
                let text = fs::read(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
                let meta: Meta = serde_json::from_slice(&text).map_err(|e| Error::Json {
                    path: meta_path.clone(),
                    source: e,
                })?;
                return Ok(Some(Checkpoint {
                    dir: candidate,
                    meta,
                }));
            }
        }
        Ok(None)
    }

    /// The training configuration the checkpoint was written under.
    pub fn train_config(&self) -> &TrainConfig {
        &self.meta.train
    }

    /// Finished epochs.
    pub fn epoch(&self) -> usize {
        self.meta.state.epoch
    }

    /// Loads the weights into `model` and the state into `optimizer`; returns the trainer's
    /// position and the history so far.
    pub fn restore(
        self,
        model: &mut Model,
        optimizer: &mut Optimizer,
    ) -> Result<(TrainerState, History)> {
        model.load(&self.dir.join(WEIGHTS))?;
        let opt_path = self.dir.join(OPTIMIZER);
        let tensors = if fs::metadata(&opt_path).map(|m| m.len()).unwrap_or(0) == 0 {
            Vec::new()
        } else {
            Tensor::read_safetensors(&opt_path)?
        };
        optimizer.load_state(&tensors, self.meta.optimizer_steps)?;
        Ok((self.meta.state, self.meta.history))
    }
}
