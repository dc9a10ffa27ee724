//! Principal component analysis: exact (covariance eigendecomposition or SVD), randomized,
//! incremental and kernel (RBF).
//!
//! ```ignore
//! let pca = Pca::params(32).solver(Solver::Randomized).fit(&x.view())?;
//! let codes = pca.transform(&x_test.view())?;
//! let back = pca.inverse_transform(&codes.view())?;
//! ```
//!
//! Explained-variance ratios are shares of the *total* variance of the data, as scikit-learn and
//! the seeds define them (linfa-reduction divides by the kept components only).

mod algorithm;
mod hyperparams;
mod incremental;
mod kernel;

pub use hyperparams::{Components, PcaParams, Solver};
pub use incremental::IncrementalPca;
pub use kernel::{FittedKernelPca, KernelPca, KernelPcaParams};

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::gemm::matmul;
use crate::{Error, Float, Result};

/// Entry point: `Pca::params(n_components)`.
pub struct Pca;

impl Pca {
    /// Parameters keeping `n` components; defaults: covariance eigendecomposition, no whitening,
    /// seed 0 (used by the randomized solver only).
    pub fn params(n: usize) -> PcaParams {
        PcaParams::new(Components::Count(n))
    }

    /// Parameters keeping the fewest components whose explained variance reaches `fraction`
    /// of the total (S1.3, e.g. 0.95).
    pub fn params_variance(fraction: f64) -> PcaParams {
        PcaParams::new(Components::Variance(fraction))
    }
}

/// A fitted PCA.
#[derive(Debug, Clone)]
pub struct FittedPca<F> {
    pub(crate) mean: Array1<F>,
    pub(crate) components: Array2<F>,
    pub(crate) explained_variance: Array1<F>,
    pub(crate) explained_variance_ratio: Array1<F>,
    pub(crate) singular_values: Array1<F>,
    pub(crate) whiten: bool,
    pub(crate) n_samples: usize,
}

impl<F: Float> FittedPca<F> {
    /// Per-feature mean of the training data (d).
    pub fn mean(&self) -> &Array1<F> {
        &self.mean
    }
    /// Principal axes as rows (k × d), by decreasing explained variance; each row's largest
    /// entry in absolute value is positive (scikit-learn's sign convention).
    pub fn components(&self) -> &Array2<F> {
        &self.components
    }
    /// Variance along each component (eigenvalues of the covariance, divisor n − 1).
    pub fn explained_variance(&self) -> &Array1<F> {
        &self.explained_variance
    }
    /// Share of the total variance along each component.
    pub fn explained_variance_ratio(&self) -> &Array1<F> {
        &self.explained_variance_ratio
    }
    /// Singular values of the centred training data.
    pub fn singular_values(&self) -> &Array1<F> {
        &self.singular_values
    }
    /// Number of components kept.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }
    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.components.ncols()
    }
    /// Number of training rows.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// Projects rows of `x` (n × d) onto the components: (n × k), divided by the components'
    /// standard deviations when whitening.
    pub fn transform(&self, x: &ArrayView2<F>) -> Result<Array2<F>> {
        self.check_features(x.ncols())?;
        let mut z = matmul(&(x - &self.mean).view(), &self.components.t());
        if self.whiten {
            let scale = self.explained_variance.mapv(|v| F::one() / v.sqrt());
            z *= &scale;
        }
        Ok(z)
    }

    /// Maps codes (n × k) back to the data space (n × d).
    pub fn inverse_transform(&self, z: &ArrayView2<F>) -> Result<Array2<F>> {
        if z.ncols() != self.n_components() {
            return Err(Error::InvalidData(format!(
                "codes have {} columns, the model has {} components",
                z.ncols(),
                self.n_components()
            )));
        }
        let x = if self.whiten {
            let scale = self.explained_variance.mapv(|v| v.sqrt());
            matmul(&(z * &scale).view(), &self.components.view())
        } else {
            matmul(z, &self.components.view())
        };
        Ok(x + &self.mean)
    }

    /// The smallest number of leading components whose ratios sum to at least `fraction`.
    pub fn components_for_variance(&self, fraction: f64) -> Option<usize> {
        let mut sum = 0.0;
        for (i, r) in self.explained_variance_ratio.iter().enumerate() {
            sum += r.as_f64();
            if sum >= fraction - 1e-12 {
                return Some(i + 1);
            }
        }
        None
    }

    fn check_features(&self, d: usize) -> Result<()> {
        if d != self.n_features() {
            return Err(Error::InvalidData(format!(
                "data has {d} columns, the model was fitted on {}",
                self.n_features()
            )));
        }
        Ok(())
    }
}

/// Column means and the centred copy of `x`.
pub(crate) fn center<F: Float>(x: &ArrayView2<F>) -> (Array1<F>, Array2<F>) {
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let centred = x - &mean;
    (mean, centred)
}

/// scikit-learn's sign convention: each row's entry of largest magnitude is made positive.
pub(crate) fn flip_rows<F: Float>(rows: &mut Array2<F>) {
    for mut row in rows.rows_mut() {
        let mut best = F::zero();
        for &v in row.iter() {
            if v.abs() > best.abs() {
                best = v;
            }
        }
        if best < F::zero() {
            row.mapv_inplace(|v| -v);
        }
    }
}

#[cfg(test)]
mod tests;
