//! What training measured: losses per epoch and per batch, speed and time.

use serde::{Deserialize, Serialize};

/// Losses of one finished epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Validation loss (clean inputs unless the run is denoising), when there is a validation set.
    pub val_loss: Option<f64>,
    /// Training images per second in this epoch.
    pub images_per_second: f64,
    /// Seconds this epoch took, validation included.
    pub seconds: f64,
}

/// Everything measured during training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One record per finished epoch.
    pub epochs: Vec<EpochRecord>,
    /// The loss of every batch, in order.
    pub batch_losses: Vec<f64>,
    /// Seconds spent training (all sessions of a resumed run).
    pub train_seconds: f64,
}
