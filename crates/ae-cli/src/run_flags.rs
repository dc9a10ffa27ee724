//! The flags of every command that applies a finished run (`ae encode`, `ae reconstruct`,
//! `ae generate`): which run, on which device. A new such command flattens [`RunFlags`] into its
//! arguments and calls [`RunFlags::open`].

use std::path::PathBuf;

use ae_lab::RunConfig;
use ae_models::Model;
use anyhow::Result;

/// Which finished run, on which device.
#[derive(clap::Args)]
pub struct RunFlags {
    /// A finished run folder (from `ae train`, `ae denoise` or the pipeline).
    #[arg(long = "run", id = "run", value_name = "RUN")]
    pub dir: PathBuf,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    pub device: String,
}

impl RunFlags {
    /// The run's configuration and its trained model on the chosen device (which is printed).
    pub fn open(&self) -> Result<(RunConfig, Model)> {
        let device = crate::cmd::run::device(&self.device, None)?;
        Ok(ae_lab::load_run(&self.dir, device)?)
    }
}
