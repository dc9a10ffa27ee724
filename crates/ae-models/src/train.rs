//! The trainer: the data set in one tensor on the device, shuffled-index batches, noise per
//! batch on the device, per-epoch validation, checkpoints that resume exactly.
//!
//! The learning rate of every step is the base rate times the schedule's factor at that step's
//! global number, and the best-by-validation weights travel in the checkpoint, so early stopping
//! and schedules resume exactly too.
//!
//! Reproducibility: libtorch's generator is re-seeded from (seed, epoch, batch) before each
//! batch's noise and the shuffle of each epoch comes from (seed, epoch), so a run resumed from
//! any checkpoint continues with exactly the batches and noise an uninterrupted run would see.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tch::Tensor;

use crate::checkpoint::{Checkpoint, Snapshot, TrainerState};
pub use crate::history::{EpochRecord, History, StepTimes};
use crate::model::Model;
use crate::nets::Autoencoder;
use crate::noise::corrupt;
use crate::optim::Optimizer;
use crate::precision::Autocast;
use crate::seed::seeded;
pub use crate::train_config::TrainConfig;
use crate::{Error, Result};

/// What the trainer reports while it runs; the caller draws progress from it.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// An epoch starts with this many batches (`done` of them already run, after a resume).
    EpochStart {
        /// 1-based epoch.
        epoch: usize,
        /// Batches in the epoch.
        batches: usize,
        /// Batches already done.
        done: usize,
    },
    /// A batch finished.
    Batch {
        /// Its loss.
        loss: f64,
    },
    /// An epoch finished.
    EpochEnd(EpochRecord),
}

/// Trains a model on `train` (one example per row, in the model's input shape after the batch
/// dimension, on the model's device), validating on `val` after each epoch.
pub struct Trainer<'a> {
    config: TrainConfig,
    checkpoint_dir: Option<PathBuf>,
    stop: Option<&'a AtomicBool>,
    /// (channels, height, width) of the images a dense model's rows hold, for augmentation.
    image: Option<[i64; 3]>,
}

impl<'a> Trainer<'a> {
    /// A trainer for `config`.
    pub fn new(config: TrainConfig) -> Result<Self> {
        config.validate()?;
        Ok(Trainer {
            config,
            checkpoint_dir: None,
            image: None,
            stop: None,
        })
    }

    /// Writes a checkpoint into `dir` after every epoch and when stopped.
    pub fn checkpoint_to(mut self, dir: impl Into<PathBuf>) -> Self {
        self.checkpoint_dir = Some(dir.into());
        self
    }

    /// Says what images rows of training data hold (channels, height, width), so augmentation
    /// moves them as images; without it, rows are read as square grey images.
    pub fn images_of(mut self, channels: usize, height: usize, width: usize) -> Self {
        self.image = Some([channels as i64, height as i64, width as i64]);
        self
    }

    /// Stops after the current batch once `flag` is set (Ctrl-C), writing a checkpoint.
    pub fn stop_when(mut self, flag: &'a AtomicBool) -> Self {
        self.stop = Some(flag);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Trains from scratch, or from `dir`'s checkpoint when `resume` and one exists.
    pub fn fit(
        &self,
        model: &mut Model,
        train: &Tensor,
        val: Option<&Tensor>,
        resume: bool,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<History> {
        let c = &self.config;
        let device = model.device();
        // The caller normally resolved the precision already (and recorded what runs); a
        // bfloat16 request on a CPU without it still runs FP32 rather than emulated.
        let (precision, fallback) = c.precision.resolve(device);
        if let Some(why) = fallback {
            tracing::warn!("{why}");
        }
        let n = train.size()[0] as usize;
        if n == 0 {
            return Err(Error::invalid("training set", "is empty"));
        }
        if val.is_none() && c.needs_validation() {
            let what = if c.patience.is_some() {
                "patience"
            } else {
                "keep_best"
            };
            return Err(Error::invalid(
                what,
                "needs a validation set to watch (validation must be > 0)",
            ));
        }
        let mut optimizer = Optimizer::new(c.optimizer, model.named_parameters())?;
        let mut state = TrainerState::default();
        let mut history = History::default();
        let mut best: Option<Snapshot> = None;
        if let Some(dir) = &self.checkpoint_dir {
            Checkpoint::remove_partial(dir)?;
        }
        if resume {
            if let Some(dir) = &self.checkpoint_dir {
                if let Some(ck) = Checkpoint::find(dir)? {
                    // More epochs may be asked for; everything else must be what it was.
                    let asked = TrainConfig {
                        epochs: ck.train_config().epochs,
                        ..c.clone()
                    };
                    let mut differ =
                        crate::train_config::differing_fields(ck.train_config(), &asked);
                    if ck.train_config().epochs != c.epochs
                        && matches!(c.lr_schedule, crate::LrSchedule::Cosine { .. })
                    {
                        differ.push(format!(
                            "epochs ({} → {}: a cosine schedule is laid over the run's length)",
                            ck.train_config().epochs,
                            c.epochs
                        ));
                    }
                    if !differ.is_empty() {
                        return Err(Error::invalid(
                            "resume",
                            format!(
                                "the checkpoint in {} was trained with other settings: {}",
                                ck.dir().display(),
                                differ.join(", ")
                            ),
                        ));
                    }
                    (state, history, best) = ck.restore(model, &mut optimizer)?;
                    tracing::info!(epoch = state.epoch, batch = state.batch, "resumed");
                }
            }
        }
        let batches_per_epoch = if c.drop_remainder {
            n / c.batch_size
        } else {
            n.div_ceil(c.batch_size)
        };
        if batches_per_epoch == 0 {
            return Err(Error::invalid(
                "batch_size",
                format!(
                    "{} exceeds the {n} training examples with drop_remainder",
                    c.batch_size
                ),
            ));
        }
        let base_lr = c.optimizer.lr();
        let mut lr = base_lr;
        while state.epoch < c.epochs && history.stopped_early.is_none() {
            let epoch = state.epoch;
            on_event(Event::EpochStart {
                epoch: epoch + 1,
                batches: batches_per_epoch,
                done: state.batch,
            });
            let order = Tensor::from_slice(
                &ae_data::permutation(n, mix(c.seed, epoch as u64, u64::MAX))
                    .into_iter()
                    .map(|i| i as i64)
                    .collect::<Vec<_>>(),
            )
            .to_device(device);
            let started = Instant::now();
            let images_before = state.epoch_images;
            let mut time = StepTimes::default();
            while state.batch < batches_per_epoch {
                let step_started = Instant::now();
                let b = state.batch;
                let start = b * c.batch_size;
                let len = c.batch_size.min(n - start);
                let idx = order.narrow(0, start as i64, len as i64);
                // Augmentation, noise and the forward pass's own draws (a VAE's sample) come
                // from this step's seed alone, whatever other threads do meanwhile.
                let rng = seeded(mix(c.seed, epoch as u64, b as u64) as i64);
                let target = match &c.augment {
                    Some(augment) => augment.apply_as(&train.index_select(0, &idx), self.image)?,
                    None => train.index_select(0, &idx),
                };
                let input = match &c.noise {
                    Some(noise) => corrupt(noise, &target),
                    None => target.shallow_clone(),
                };
                let batch_taken = Instant::now();
                lr = base_lr
                    * c.lr_schedule.factor(
                        epoch * batches_per_epoch + b,
                        batches_per_epoch,
                        c.epochs,
                        c.warmup_epochs,
                    );
                let f = {
                    let _mixed = Autocast::enter(precision, device);
                    model.forward(&input, true)
                }
                .to_fp32();
                let loss = match c.loss.objective(&f, &target, c.l1, c.beta) {
                    Err(Error::NonFinite { what, value, .. }) => {
                        return Err(self.non_finite(
                            format!("{what} in epoch {} batch {}", epoch + 1, b + 1),
                            value,
                            state.epoch,
                        ))
                    }
                    loss => loss?,
                };
                drop(rng);
                optimizer.zero_grad();
                loss.backward();
                let network_done = Instant::now();
                optimizer.set_lr(lr);
                optimizer.step();
                time.steps += 1;
                time.data += (batch_taken - step_started).as_secs_f64();
                time.network += (network_done - batch_taken).as_secs_f64();
                time.optimizer += network_done.elapsed().as_secs_f64();
                let loss = loss.double_value(&[]);
                if !loss.is_finite() {
                    return Err(self.non_finite(
                        format!("the training loss in epoch {} batch {}", epoch + 1, b + 1),
                        loss,
                        state.epoch,
                    ));
                }
                history.batch_losses.push(loss);
                state.loss_sum += loss;
                state.batch += 1;
                state.epoch_images += len;
                on_event(Event::Batch { loss });
                if self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
                    && state.batch < batches_per_epoch
                {
                    history.train_seconds += started.elapsed().as_secs_f64();
                    let dir = self.checkpoint_dir.clone().ok_or_else(|| {
                        Error::invalid("training", "interrupted (no checkpoint folder was set)")
                    })?;
                    let best = best.as_ref().filter(|_| c.keep_best);
                    Checkpoint::write(&dir, model, &optimizer, &state, &history, c, best)?;
                    return Err(Error::Interrupted(dir));
                }
            }
            let train_seconds = started.elapsed().as_secs_f64();
            let images = state.epoch_images - images_before;
            let val_loss = match val.map(|v| self.loss_on(model, v)).transpose() {
                // NaN outputs that BCE refused: reported as a NaN validation loss, below.
                Err(Error::NonFinite { value, .. }) => Some(value),
                other => other?,
            };
            if let Some(v) = val_loss.filter(|v| !v.is_finite()) {
                return Err(self.non_finite(
                    format!("the validation loss after epoch {}", epoch + 1),
                    v,
                    state.epoch,
                ));
            }
            let record = EpochRecord {
                epoch: epoch + 1,
                train_loss: state.loss_sum / batches_per_epoch as f64,
                val_loss,
                images_per_second: images as f64 / train_seconds.max(1e-9),
                seconds: started.elapsed().as_secs_f64(),
                lr,
                time,
            };
            history.train_seconds += train_seconds;
            history.epochs.push(record);
            if c.keep_best && history.best_epoch() == Some(epoch + 1) {
                best = Some(model.snapshot());
            }
            if c.patience.is_some_and(|p| history.patience_spent(p)) {
                history.stopped_early = Some(epoch + 1);
                tracing::info!(epoch = epoch + 1, best = ?history.best_epoch(), "early stop");
            }
            state = TrainerState {
                epoch: epoch + 1,
                ..TrainerState::default()
            };
            if let Some(dir) = &self.checkpoint_dir {
                let best = best.as_ref().filter(|_| c.keep_best);
                Checkpoint::write(dir, model, &optimizer, &state, &history, c, best)?;
            }
            on_event(Event::EpochEnd(record));
            if self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
                && state.epoch < c.epochs
                && history.stopped_early.is_none()
            {
                return Err(Error::Interrupted(
                    self.checkpoint_dir.clone().unwrap_or_default(),
                ));
            }
        }
        if let Some(best) = best.as_ref().filter(|_| c.keep_best) {
            model.restore(best, Path::new("the best epoch's weights"))?;
        }
        Ok(history)
    }

    /// The error for a NaN or infinite `value` at `what`, saying which checkpoint is kept.
    fn non_finite(&self, what: String, value: f64, finished_epochs: usize) -> Error {
        let kept = match &self.checkpoint_dir {
            Some(dir) if finished_epochs > 0 => format!(
                "; the checkpoint after epoch {finished_epochs} in {} is kept",
                dir.display()
            ),
            _ => String::new(),
        };
        Error::NonFinite {
            what,
            value,
            advice: format!(
                "lower the learning rate (lr {:e}), or check the inputs and the loss{kept}",
                self.config.optimizer.lr()
            ),
        }
    }

    /// The mean loss over `data` in evaluation mode, on clean inputs, or noisy ones (with a
    /// fixed seed) when the run is denoising.
    pub fn loss_on(&self, model: &Model, data: &Tensor) -> Result<f64> {
        let _guard = tch::no_grad_guard();
        let c = &self.config;
        let n = data.size()[0];
        if n == 0 {
            return Err(Error::invalid("validation set", "is empty"));
        }
        let batch = (c.batch_size as i64).max(1);
        let mut total = 0.0;
        let mut start = 0;
        let _rng = seeded(mix(c.seed, u64::MAX, 0) as i64);
        while start < n {
            let len = batch.min(n - start);
            let target = data.narrow(0, start, len);
            let input = match &c.noise {
                Some(noise) => corrupt(noise, &target),
                None => target.shallow_clone(),
            };
            let f = model.forward(&input, false);
            total += c
                .loss
                .objective(&f, &target, c.l1, c.beta)?
                .double_value(&[])
                * len as f64;
            start += len;
        }
        Ok(total / n as f64)
    }
}

/// A well-spread seed from (seed, a, b) (SplitMix64 finaliser), non-negative as an i64.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed
        .wrapping_add(a.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(b.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) >> 1
}

/// Where a run keeps its checkpoint.
pub fn checkpoint_dir(run: &Path) -> PathBuf {
    run.join("checkpoint")
}
