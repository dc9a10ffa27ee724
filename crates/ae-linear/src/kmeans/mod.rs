//! k-means clustering.
//!
//! - [`from_scratch`]: seed 000's algorithm (S0.3), vectorised, from given initial means for a
//!   fixed number of iterations, with the distortion after every assignment and every update.
//! - [`KMeans`]: production k-means: greedy k-means++ initialisation, `n_init` restarts,
//!   tolerance and iteration limit; distances as ‖x‖² − 2XCᵀ + ‖c‖², through one GEMM per
//!   block of rows on wide data and a vector kernel over rows packed in tiles on narrow data
//!   (`tiles.rs`). [`LinfaKMeans`] runs linfa-clustering's k-means behind the same [`KMeansFit`]
//!   trait, as the reference ours must agree with.

mod algorithm;
pub mod from_scratch;
mod hyperparams;
mod linfa_ref;
mod tiles;

pub use algorithm::FittedKMeans;
pub use hyperparams::KMeansParams;
pub use linfa_ref::LinfaKMeans;

use ndarray::ArrayView2;

use crate::{Float, Result};

/// Entry point: `KMeans::params(k)`.
pub struct KMeans;

impl KMeans {
    /// Parameters for `k` clusters; defaults as scikit-learn: one k-means++ initialisation,
    /// at most 300 iterations, tolerance 1e-4 (relative to the mean feature variance), seed 0.
    pub fn params(k: usize) -> KMeansParams {
        KMeansParams::new(k)
    }
}

/// Anything that fits k-means on rows of `x`.
pub trait KMeansFit<F> {
    /// Fits and returns centroids, labels and inertia.
    fn fit_kmeans(&self, x: &ArrayView2<F>) -> Result<FittedKMeans<F>>;
}

impl<F: Float> KMeansFit<F> for KMeansParams {
    fn fit_kmeans(&self, x: &ArrayView2<F>) -> Result<FittedKMeans<F>> {
        self.fit(x)
    }
}

#[cfg(test)]
mod tests;
