//! How to train: the settings a run's `config.json` records besides the model.

use ae_data::Noise;
use serde::{Deserialize, Serialize};

use crate::augment::Augment;
use crate::loss::Loss;
use crate::optim::OptimizerConfig;
use crate::precision::Precision;
use crate::schedule::LrSchedule;
use crate::{Error, Result};

/// How to train: everything a run's `config.json` records besides the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per batch.
    pub batch_size: usize,
    /// Drop the last, smaller batch of each epoch (S0.1 does).
    pub drop_remainder: bool,
    /// Optimiser and learning rate.
    pub optimizer: OptimizerConfig,
    /// Reconstruction loss.
    pub loss: Loss,
    /// λ of an L1 penalty on the code (0 for none).
    pub l1: f64,
    /// Corruption of the inputs (the target stays clean): a denoising autoencoder.
    pub noise: Option<Noise>,
    /// Seed of the initialisation, the shuffles and the noise.
    pub seed: u64,
    /// Augmentation of the training images (before any noise); validation and test images are
    /// never augmented.
    #[serde(default)]
    pub augment: Option<Augment>,
    /// β, the weight of a variational model's KL term (1 for the ELBO; β-VAE otherwise).
    #[serde(default = "one")]
    pub beta: f64,
    /// How the learning rate moves over the run (after the warm-up).
    #[serde(default)]
    pub lr_schedule: LrSchedule,
    /// Epochs over which the learning rate rises linearly to its base value (0 for none).
    #[serde(default)]
    pub warmup_epochs: usize,
    /// Stop once this many epochs in a row have not lowered the best validation loss
    /// (Keras' `EarlyStopping(patience=…)`); needs a validation set.
    #[serde(default)]
    pub patience: Option<usize>,
    /// End with the weights of the epoch of lowest validation loss, not the last epoch's
    /// (Keras' `restore_best_weights`, Lightning's best checkpoint); needs a validation set.
    #[serde(default)]
    pub keep_best: bool,
    /// Arithmetic of the forward pass: FP32, or bfloat16 mixed precision (weights, optimizer
    /// state and losses stay FP32). Left out of config files when FP32.
    #[serde(default, skip_serializing_if = "Precision::is_fp32")]
    pub precision: Precision,
}

fn one() -> f64 {
    1.0
}

impl TrainConfig {
    /// Whether the run watches its validation loss (early stopping or keeping the best weights).
    pub fn needs_validation(&self) -> bool {
        self.patience.is_some() || self.keep_best
    }

    /// Checks every field, naming the parameter at fault.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::invalid("epochs", "must be ≥ 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::invalid("batch_size", "must be ≥ 1"));
        }
        if !self.l1.is_finite() || self.l1 < 0.0 {
            return Err(Error::invalid(
                "l1",
                format!("must be ≥ 0, not {}", self.l1),
            ));
        }
        if let Some(noise) = &self.noise {
            noise.validate()?;
        }
        if let Some(augment) = &self.augment {
            augment.validate()?;
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(Error::invalid(
                "beta",
                format!("must be ≥ 0, not {}", self.beta),
            ));
        }
        self.lr_schedule.validate()?;
        if self.warmup_epochs > self.epochs {
            return Err(Error::invalid(
                "warmup_epochs",
                format!(
                    "{} exceeds the {} epochs of the run",
                    self.warmup_epochs, self.epochs
                ),
            ));
        }
        if self.patience == Some(0) {
            return Err(Error::invalid("patience", "must be ≥ 1 epoch"));
        }
        self.optimizer.validate()
    }
}

/// The fields (as dotted paths, e.g. `train.optimizer.lr`) where two settings differ once
/// serialised; empty when they are the same.
pub fn differing_fields<T: Serialize>(a: &T, b: &T) -> Vec<String> {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value::Object;
        match (a, b) {
            (Object(x), Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let sub = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let null = serde_json::Value::Null;
                    walk(
                        &sub,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a != b => out.push(format!("{path} ({a} → {b})")),
            _ => {}
        }
    }
    let (Ok(a), Ok(b)) = (serde_json::to_value(a), serde_json::to_value(b)) else {
        return vec!["(settings that cannot be compared)".into()];
    };
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}
