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
    /// The learning rate of the epoch's last step.
    #[serde(default)]
    pub lr: f64,
    /// Where the epoch's training time went, step by step.
    #[serde(default)]
    pub time: StepTimes,
}

/// Seconds an epoch's steps spent in each phase, summed over its `steps` (on a CPU, where
/// libtorch runs synchronously; on CUDA the kernels' time lands wherever the host waits).
/// The rest of the epoch's training time is the trainer's bookkeeping: reading the loss back,
/// progress events, the stop flag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StepTimes {
    /// Steps (batches) measured.
    pub steps: usize,
    /// Taking the batch: shuffled rows, augmentation, noise.
    pub data: f64,
    /// The network: forward pass, loss, zeroing the gradients, backward pass.
    pub network: f64,
    /// The optimizer's update (and setting the step's learning rate).
    pub optimizer: f64,
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
    /// The epoch after which early stopping ended the run (`None` when it ran every epoch).
    #[serde(default)]
    pub stopped_early: Option<usize>,
}

impl History {
    /// The epoch (1-based) of the lowest validation loss, the first on ties; `None` without
    /// validation.
    pub fn best_epoch(&self) -> Option<usize> {
        self.epochs
            .iter()
            .filter_map(|r| r.val_loss.map(|v| (r.epoch, v)))
            .fold(None, |best: Option<(usize, f64)>, (e, v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((e, v)),
            })
            .map(|(e, _)| e)
    }

    /// Whether `patience` epochs in a row have passed without a new best validation loss.
    pub fn patience_spent(&self, patience: usize) -> bool {
        match self.best_epoch() {
            Some(best) => self.epochs.len() - best >= patience,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(vals: &[f64]) -> History {
        History {
            epochs: vals
                .iter()
                .enumerate()
                .map(|(i, &v)| EpochRecord {
                    epoch: i + 1,
                    train_loss: 0.0,
                    val_loss: Some(v),
                    images_per_second: 0.0,
                    seconds: 0.0,
                    lr: 0.0,
                    time: StepTimes::default(),
                })
                .collect(),
            ..History::default()
        }
    }

    #[test]
    fn the_best_epoch_is_the_first_lowest() {
        let h = history(&[3.0, 2.0, 2.5, 2.0, 2.1]);
        assert_eq!(h.best_epoch(), Some(2));
        assert!(h.patience_spent(3));
        assert!(!h.patience_spent(4));
        assert_eq!(History::default().best_epoch(), None);
        assert!(!History::default().patience_spent(1));
    }
}
