//! Checkpoints: weights (safetensors), optimiser state (safetensors), the best-by-validation
//! weights when the run keeps them (`best.safetensors`) and the trainer's position and history
//! (`trainer.json`), in one folder replaced atomically.
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
const BEST: &str = "best.safetensors";

/// Named copies of a model's variables (see [`Model::snapshot`]).
pub type Snapshot = Vec<(String, Tensor)>;

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
    /// Writes a complete checkpoint to `dir`, replacing the previous one atomically; `best` is
    /// the best-by-validation weights so far, when the run keeps them.
    pub fn write(
        dir: &Path,
        model: &Model,
        optimizer: &Optimizer,
        state: &TrainerState,
        history: &History,
        train: &TrainConfig,
        best: Option<&Snapshot>,
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
            crate::weights::write_safetensors(&tensors, &opt_path)?;
        }
        if let Some(best) = best {
            crate::weights::write_safetensors(best, &new.join(BEST))?;
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

    /// Removes a half-written `<dir>.new` left by a process killed while writing (the complete
    /// checkpoint is in `<dir>` or `<dir>.old`).
    pub fn remove_partial(dir: &Path) -> Result<()> {
        let new = sibling(dir, ".new");
        if new.exists() {
            tracing::info!(path = %new.display(), "removing a half-written checkpoint");
            fs::remove_dir_all(&new).map_err(|e| Error::io(&new, e))?;
        }
        Ok(())
    }

    /// Whether `dir` (or `<dir>.old`) holds a checkpoint.
    pub fn exists(dir: &Path) -> bool {
        [dir.to_path_buf(), sibling(dir, ".old")]
            .iter()
            .any(|d| d.join(META).is_file())
    }

    /// Removes the checkpoint and its siblings (`.new`, `.old`): starting a run over.
    pub fn remove(dir: &Path) -> Result<()> {
        for d in [
            dir.to_path_buf(),
            sibling(dir, ".new"),
            sibling(dir, ".old"),
        ] {
            if d.exists() {
                fs::remove_dir_all(&d).map_err(|e| Error::io(&d, e))?;
            }
        }
        Ok(())
    }

    /// The complete checkpoint in `dir` (or the previous one left by an interrupted write).
    pub fn find(dir: &Path) -> Result<Option<Checkpoint>> {
        for candidate in [dir.to_path_buf(), sibling(dir, ".old")] {
            let meta_path = candidate.join(META);
            if meta_path.is_file() {
                let text = fs::read(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
                return Checkpoint::parse(&candidate, &text).map(Some);
            }
        }
        Ok(None)
    }

    /// The checkpoint in `dir` whose `trainer.json` holds `json`, checked for consistency (a
    /// valid training configuration, one history record per finished epoch, a position inside
    /// the run). Weights and optimiser state are checked when restored.
    pub fn parse(dir: &Path, json: &[u8]) -> Result<Checkpoint> {
        let meta_path = dir.join(META);
        let meta: Meta = serde_json::from_slice(json).map_err(|e| Error::Json {
            path: meta_path.clone(),
            source: e,
        })?;
        let bad = |reason: String| Error::File {
            path: meta_path.clone(),
            reason,
        };
        meta.train.validate().map_err(|e| bad(e.to_string()))?;
        let s = &meta.state;
        if meta.history.epochs.len() != s.epoch {
            return Err(bad(format!(
                "{} epochs finished but {} recorded in the history",
                s.epoch,
                meta.history.epochs.len()
            )));
        }
        if s.epoch > meta.train.epochs || meta.optimizer_steps < 0 || !s.loss_sum.is_finite() {
            return Err(bad(format!(
                "position epoch {}, batch {}, step {} is not inside a run of {} epochs",
                s.epoch, s.batch, meta.optimizer_steps, meta.train.epochs
            )));
        }
        Ok(Checkpoint {
            dir: dir.to_path_buf(),
            meta,
        })
    }

    /// The folder it was found in.
    pub fn dir(&self) -> &Path {
        &self.dir
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
    /// position, the history so far and the best weights when the checkpoint holds them.
    pub fn restore(
        self,
        model: &mut Model,
        optimizer: &mut Optimizer,
    ) -> Result<(TrainerState, History, Option<Snapshot>)> {
        model.load(&self.dir.join(WEIGHTS))?;
        let opt_path = self.dir.join(OPTIMIZER);
        let tensors = if fs::metadata(&opt_path).map(|m| m.len()).unwrap_or(0) == 0 {
            Vec::new()
        } else {
            // Checked in Rust first: libtorch would fail on a damaged file with a backtrace.
            crate::weights::read_file_specs(&opt_path)?;
            Tensor::read_safetensors(&opt_path)?
        };
        optimizer.load_state(&tensors, self.meta.optimizer_steps)?;
        let best_path = self.dir.join(BEST);
        let best = if best_path.is_file() {
            let found = crate::weights::read_file_specs(&best_path)?;
            crate::weights::compare(&model.variable_specs(), &found, &best_path)?;
            let mut t = Tensor::read_safetensors(&best_path)?;
            t.sort_by(|a, b| a.0.cmp(&b.0));
            Some(t)
        } else {
            None
        };
        Ok((self.meta.state, self.meta.history, best))
    }
}
