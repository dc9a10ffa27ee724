//! Autoencoders in libtorch (via `tch`): models, losses, optimisers and training.
//!
//! - [`config`]: serde descriptions of every architecture.
//! - [`presets`]: every model of the course with its training, in one table keyed by id.
//! - [`nets`]: the networks, behind the [`Autoencoder`] trait (encode, decode, forward).
//! - [`model`]: [`Model`], a network with its variables, built from its config.
//! - [`loss`], [`optim`]: losses (MSE, SSE, BCE, + L1 on the code); Adam and SGD whose state
//!   can be saved.
//! - [`train_config`], [`history`]: what a run is told and what it measured.
//! - [`schedule`]: learning-rate schedules with warm-up; [`precision`]: FP32 or bfloat16 mixed
//!   precision (libtorch's autocast, with CPU feature detection).
//! - [`train`], [`checkpoint`]: the trainer and its resumable checkpoints; [`weights`]: a
//!   weights file checked against a model before libtorch reads it.
//! - [`tensor`]: images between ndarray and tensors.
//! - [`noise`]: ae-data's noise models on the device; [`augment`]: random shifts of training
//!   images.
//! - [`seed`]: seeded draws from libtorch's one generator, safe beside other threads.
//! - [`grad`]: seed 002's hand-derived gradients (S2.1), checked against autograd.
//!
//! Call [`device::init`] once at program start: it loads libtorch's CUDA library when it is
//! installed, since the linker otherwise drops it and CUDA stays invisible, and makes the C
//! library keep freed memory for the next training step ([`memory`]).

pub mod augment;
pub mod checkpoint;
pub mod classifier;
pub mod config;
pub mod device;
pub mod error;
pub mod grad;
pub mod history;
pub mod loss;
pub mod memory;
pub mod model;
pub mod nets;
pub mod noise;
pub mod optim;
pub mod precision;
pub mod presets;
pub mod schedule;
pub mod seed;
pub mod tensor;
pub mod train;
pub mod train_config;
pub mod weights;

pub use config::{Activation, DenseConfig, DenseLayer, ModelConfig, PoolDecoder};
pub use device::{init as init_device, DeviceChoice};
pub use error::{Error, Result};
pub use loss::Loss;
pub use model::Model;
pub use nets::{Autoencoder, Forward};
pub use optim::{Optimizer, OptimizerConfig};
pub use precision::Precision;
pub use presets::Preset;
pub use schedule::LrSchedule;
pub use tensor::{images_tensor, to_array};
pub use train::{EpochRecord, Event, History, TrainConfig, Trainer};
