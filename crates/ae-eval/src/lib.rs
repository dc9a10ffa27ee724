//! Evaluation of dimensionality reduction.
//!
//! - [`clustering`]: confusion matrix, accuracy after the best one-to-one relabelling
//!   (Kuhn–Munkres), NMI and ARI.
//! - [`detection`]: telling anomalies from normal data by a score (ROC curve, its area, the
//!   false-positive rate at a given true-positive rate).
//! - [`embedding`]: how faithful a 2-D map is to its points (trustworthiness).
//! - [`reconstruction`]: per-image SSE, MSE, binary cross-entropy, PSNR, rounded accuracy.
//! - [`figures`]: image grids (PNG), line and scatter plots (PNG, no system fonts needed).
//! - [`report`]: writing JSON results atomically.

pub mod clustering;
pub mod detection;
pub mod embedding;
pub mod error;
pub mod figures;
pub mod reconstruction;
pub mod report;

pub use clustering::{
    cluster_accuracy, neighbour_purity, ClusterAccuracy, ConfusionMatrix, NeighbourPurity,
};
pub use embedding::trustworthiness;
pub use error::{Error, Result};
