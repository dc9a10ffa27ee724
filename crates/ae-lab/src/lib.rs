//! Runs and experiments: what `ae train`, `ae denoise` and `ae pipeline` do, as a library any
//! program can call.
//!
//! - [`run`]: a run's configuration, training it into a folder (exact resume), loading it back.
//! - [`evaluate`](mod@evaluate): a run's test metrics ([`RunMetrics`], its `metrics.json`) and figures.
//! - [`probes`]: generation from random latents, clustering of codes, k-means from scratch.
//! - [`data`]: data sets read and verified once per process.
//! - [`catalogue`]: every experiment, one [`Entry`] each; [`experiments`]: their functions.
//! - [`lab`]: what a pipeline run's experiments share; [`experiment`]: one while it runs;
//!   [`runner`]: the pipeline (skip what is
//!   complete, write `metrics.json` and `report.html`); [`section`], [`report`]: the page.
//! - [`cluster`]: clustering a whole data set (`ae cluster`): the method ladder and N2D.
//! - [`embed`]: 2-D maps of codes or pixels (UMAP, t-SNE, PCA) and their trustworthiness
//!   (`ae embed`).
//! - [`anomaly`]: each image's reconstruction error as a score of how unusual it is
//!   (`ae anomaly`).
//! - [`progress`]: what runs report while they work (libraries never print).
//!
//! Run one experiment from another program:
//!
//! ```no_run
//! use ae_lab::{catalogue, runner, DataCache, Lab, Profile, Quiet};
//! # fn main() -> ae_lab::Result<()> {
//! let data = DataCache::new("data");
//! let lab = Lab {
//!     out: "runs/S0.2".into(),
//!     data: &data,
//!     profile: Profile::QUICK,
//!     dataset: ae_data::DatasetId::Mnist,
//!     device: tch::Device::Cpu,
//!     precision: ae_models::Precision::Fp32,
//!     progress: &Quiet,
//!     stop: None,
//!     catalogue_link: None,
//! };
//! let entry = catalogue::find("S0.2".parse()?).expect("in the catalogue");
//! let section = runner::run_experiment(&lab, entry)?;
//! println!("{}", section.headline());
//! # Ok(())
//! # }
//! ```

pub mod anomaly;
pub mod catalogue;
pub mod cluster;
pub mod data;
pub mod device;
pub mod embed;
pub mod error;
pub mod evaluate;
pub mod experiment;
pub mod experiments;
pub mod lab;
pub mod lock;
pub mod probes;
pub mod profile;
pub mod progress;
pub mod report;
pub mod run;
pub mod runner;
pub mod section;

pub use catalogue::{Entry, ExperimentId, CATALOGUE};
pub use data::DataCache;
pub use error::{Error, Result};
pub use evaluate::{evaluate, RunMetrics};
pub use experiment::{Experiment, Run};
pub use lab::Lab;
pub use profile::Profile;
pub use progress::{PipelineEvent, Progress, Quiet, RunStart};
pub use run::{load_run, read_config, train, RunConfig, TrainOptions, Trained};
pub use runner::Summary;
pub use section::Section;
