//! Kernel PCA with the RBF kernel k(x, y) = exp(−γ‖x − y‖²) (S1.4), including projection of
//! new points.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{Eigh, UPLO};

use crate::error::invalid;
use crate::{Error, Float, Result};

/// Entry point: `KernelPca::params(n_components).gamma(γ)`.
pub struct KernelPca;

impl KernelPca {
    /// Parameters keeping `n` components; default γ = 1 / n_features (scikit-learn's default).
    pub fn params(n: usize) -> KernelPcaParams {
        KernelPcaParams {
            n_components: n,
            gamma: None,
        }
    }
}

/// Kernel PCA parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelPcaParams {
    n_components: usize,
    gamma: Option<f64>,
}

impl KernelPcaParams {
    /// The RBF kernel's γ (> 0).
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = Some(gamma);
        self
    }

    /// Fits on the rows of `x`; memory and time grow with n² (the kernel matrix).
    pub fn fit<F: Float>(&self, x: &ArrayView2<F>) -> Result<FittedKernelPca<F>> {
        let (n, d) = x.dim();
        if self.n_components == 0 || self.n_components > n {
            return Err(invalid(
                "n_components",
                format!("{} must be in 1..={n} (the samples)", self.n_components),
            ));
        }
        let gamma = self.gamma.unwrap_or(1.0 / d.max(1) as f64);
        if !(gamma > 0.0 && gamma.is_finite()) {
            return Err(invalid(
                "gamma",
                format!("must be positive and finite, got {gamma}"),
            ));
        }
        let train = x.to_owned();
        let k = rbf(&train.view(), &train.view(), F::of(gamma));
        let col_means = k.mean_axis(Axis(0)).expect("n >= 1");
        let all_mean = col_means.mean().expect("n >= 1");
        let centred = &k - &col_means - col_means.view().insert_axis(Axis(1)) + all_mean;
        let (values, vectors) = centred.eigh(UPLO::Upper)?;
        let order: Vec<usize> = (0..n).rev().take(self.n_components).collect();
        let lambdas = values.select(Axis(0), &order);
        if lambdas.iter().any(|&l| l <= F::zero()) {
            return Err(Error::InvalidData(format!(
                "only {} positive kernel eigenvalues: lower n_components or change gamma",
                values.iter().filter(|&&l| l > F::zero()).count()
            )));
        }
        let mut alphas = vectors.select(Axis(1), &order);
        // Sign convention: each column's largest entry in magnitude is positive.
        let mut t = alphas.t().to_owned();
        super::flip_rows(&mut t);
        alphas.assign(&t.t());
        Ok(FittedKernelPca {
            train,
            gamma: F::of(gamma),
            alphas,
            lambdas,
            col_means,
            all_mean,
        })
    }
}

/// A fitted kernel PCA.
#[derive(Debug, Clone)]
pub struct FittedKernelPca<F> {
    train: Array2<F>,
    gamma: F,
    /// Unit-norm eigenvectors of the centred kernel matrix (n × k).
    alphas: Array2<F>,
    lambdas: Array1<F>,
    col_means: Array1<F>,
    all_mean: F,
}

impl<F: Float> FittedKernelPca<F> {
    /// Eigenvalues of the centred kernel matrix, descending.
    pub fn eigenvalues(&self) -> &Array1<F> {
        &self.lambdas
    }

    /// The training points' coordinates: αᵢ √λᵢ.
    pub fn training_codes(&self) -> Array2<F> {
        &self.alphas * &self.lambdas.mapv(|l| l.sqrt())
    }

    /// Projects new rows: the centred kernel against the training points times α / √λ.
    pub fn transform(&self, x: &ArrayView2<F>) -> Result<Array2<F>> {
        if x.ncols() != self.train.ncols() {
            return Err(Error::InvalidData(format!(
                "data has {} columns, the model {}",
                x.ncols(),
                self.train.ncols()
            )));
        }
        let k = rbf(x, &self.train.view(), self.gamma);
        let row_means = k.mean_axis(Axis(1)).expect("n >= 1");
        let centred = &k - &self.col_means - &row_means.insert_axis(Axis(1)) + self.all_mean;
        Ok(centred.dot(&self.alphas) / &self.lambdas.mapv(|l| l.sqrt()))
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.alphas.ncols()
    }

    /// The kept eigenvectors (n × k), for inspection.
    pub fn alphas(&self) -> ArrayView2<'_, F> {
        self.alphas.slice(s![.., ..])
    }
}

/// exp(−γ‖aᵢ − bⱼ‖²) through one GEMM: ‖a‖² − 2abᵀ + ‖b‖².
fn rbf<F: Float>(a: &ArrayView2<F>, b: &ArrayView2<F>, gamma: F) -> Array2<F> {
    let an = a.map_axis(Axis(1), |r| r.dot(&r));
    let bn = b.map_axis(Axis(1), |r| r.dot(&r));
    let mut d = crate::gemm::matmul(a, &b.t());
    let two = F::of(2.0);
    for ((i, j), v) in d.indexed_iter_mut() {
        let sq = an[i] - two * *v + bn[j];
        let sq = if sq > F::zero() { sq } else { F::zero() };
        *v = (-gamma * sq).exp();
    }
    d
}
