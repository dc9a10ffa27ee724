//! What every experiment of a pipeline run shares: output folder, data, profile, device,
//! precision, progress and the stop flag.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use ae_data::DatasetId;
use ae_models::Precision;
use tch::Device;

use crate::data::DataCache;
use crate::profile::Profile;
use crate::progress::Progress;

/// What every experiment of a pipeline run shares.
pub struct Lab<'a> {
    /// The output folder.
    pub out: PathBuf,
    /// The data sets, loaded once.
    pub data: &'a DataCache,
    /// How big the runs are.
    pub profile: Profile,
    /// The data set of the experiments (the S2 ones run on both MNIST and Fashion-MNIST).
    pub dataset: DatasetId,
    /// Where tensors live.
    pub device: Device,
    /// The arithmetic of every training (already resolved for the device).
    pub precision: Precision,
    /// Told about every experiment and training.
    pub progress: &'a dyn Progress,
    /// Set (by Ctrl-C) to stop the current training after its batch, with a checkpoint.
    pub stop: Option<&'a AtomicBool>,
    /// Where the report links for the catalogue's descriptions (`docs/EXPERIMENTS.md`).
    pub catalogue_link: Option<String>,
}
