//! k-means hyper-parameters, checked in one place.

use ndarray::ArrayView2;

use super::algorithm::{self, FittedKMeans};
use crate::error::invalid;
use crate::{Error, Float, Result};

/// k-means parameters (builder); [`KMeansParams::fit`] validates them first.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    pub(crate) n_clusters: usize,
    pub(crate) n_init: usize,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) seed: u64,
}

impl KMeansParams {
    pub(crate) fn new(n_clusters: usize) -> Self {
        KMeansParams {
            n_clusters,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
        }
    }
    /// Number of k-means++ initialisations; the run with the lowest inertia is kept.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// Iteration limit of each run.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Convergence threshold on the squared centre movement, relative to the mean variance of
    /// the features (scikit-learn's definition).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Seed of the initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// Checks the parameters against `n` rows.
    pub fn check(&self, n: usize) -> Result<()> {
        if self.n_clusters == 0 {
            return Err(invalid("n_clusters", "must be at least 1"));
        }
        if self.n_clusters > n {
            return Err(invalid(
                "n_clusters",
                format!("{} exceeds the {n} samples", self.n_clusters),
            ));
        }
        if self.n_init == 0 {
            return Err(invalid("n_init", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", "must be at least 1"));
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(invalid(
                "tol",
                format!("must be finite and non-negative, got {}", self.tol),
            ));
        }
        Ok(())
    }

    /// Fits on the rows of `x`.
    pub fn fit<F: Float>(&self, x: &ArrayView2<F>) -> Result<FittedKMeans<F>> {
        self.check(x.nrows())?;
        if x.iter().any(|v| !v.as_f64().is_finite()) {
            return Err(Error::InvalidData(
                "data contains NaN or infinite values".into(),
            ));
        }
        Ok(algorithm::fit(self, x))
    }
}
