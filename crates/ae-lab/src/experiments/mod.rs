//! The experiments, one module per seed (and `b1`, `b2` for those beyond the seeds); each function fills its [`Experiment`]'s section.
//! The catalogue (`crate::catalogue`) lists them with their ids, titles and presets.
//!
//! [`Experiment`]: crate::experiment::Experiment

pub mod b1;
pub mod b2;
pub(crate) mod common;
pub mod s0;
pub mod s1;
pub mod s2;
pub mod s3;
pub mod s4;
