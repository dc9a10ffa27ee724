//! Gaussian mixture with full covariances, fitted by expectation–maximisation, as scikit-learn's
//! `GaussianMixture(covariance_type="full")`: k-means initialisation, `reg_covar` added to every
//! covariance's diagonal, stop when the mean log-likelihood gains less than `tol`, the best of
//! `n_init` starts by final likelihood.
//!
//! Written here rather than taken from linfa-clustering: its `GaussianMixtureModel` sums the
//! component likelihoods without the log-sum-exp trick (linfa issue #442), so on well-separated
//! clusters every responsibility underflows to 0 and the fit ends in NaN. Here everything is in
//! `f64` and responsibilities are normalised in the log domain.

use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use ndarray_linalg::{Cholesky, InverseInto, UPLO};

use crate::error::invalid;
use crate::{Error, Float, KMeans, Result};

/// Entry point: `GaussianMixture::params(k)`.
pub struct GaussianMixture;

impl GaussianMixture {
    /// Parameters for `k` components; defaults as scikit-learn: one start, at most 100
    /// iterations, tolerance 1e-3, `reg_covar` 1e-6, seed 0.
    pub fn params(k: usize) -> GmmParams {
        GmmParams {
            n_components: k,
            n_init: 1,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            seed: 0,
        }
    }
}

/// Gaussian mixture parameters (builder); [`GmmParams::fit`] checks them first.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmParams {
    n_components: usize,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    reg_covar: f64,
    seed: u64,
}

impl GmmParams {
    /// Starts (each from its own seeded k-means); the one of highest final likelihood is kept.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// EM iterations per start, at most.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Stop when the mean log-likelihood per row gains less than this.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Added to each covariance's diagonal, so that none is singular.
    pub fn reg_covar(mut self, reg: f64) -> Self {
        self.reg_covar = reg;
        self
    }
    /// Seed of the k-means initialisations (start `i` uses `seed + i`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn check(&self, n: usize) -> Result<()> {
        if self.n_components == 0 {
            return Err(invalid("n_components", "must be at least 1"));
        }
        if self.n_components > n {
            return Err(invalid(
                "n_components",
                format!(
                    "{} components need at least as many rows, got {n}",
                    self.n_components
                ),
            ));
        }
        if self.n_init == 0 {
            return Err(invalid("n_init", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", "must be at least 1"));
        }
        if self.tol.is_nan() || self.tol < 0.0 {
            return Err(invalid("tol", "must be ≥ 0"));
        }
        if self.reg_covar.is_nan() || self.reg_covar < 0.0 {
            return Err(invalid("reg_covar", "must be ≥ 0"));
        }
        Ok(())
    }

    /// Fits the mixture to the rows of `x`.
    pub fn fit<F: Float>(&self, x: &ArrayView2<F>) -> Result<FittedGmm> {
        self.check(x.nrows())?;
        if x.iter().any(|v| !v.as_f64().is_finite()) {
            return Err(Error::InvalidData("non-finite values".into()));
        }
        let x64 = x.mapv(|v| v.as_f64());
        let mut best: Option<FittedGmm> = None;
        for start in 0..self.n_init as u64 {
            let labels = KMeans::params(self.n_components)
                .seed(self.seed.wrapping_add(start))
                .fit(&x64.view())?
                .labels()
                .clone();
            let fitted = self.em(&x64, &labels)?;
            if best
                .as_ref()
                .is_none_or(|b| fitted.lower_bound > b.lower_bound)
            {
                best = Some(fitted);
            }
        }
        best.ok_or_else(|| invalid("n_init", "must be at least 1"))
    }

    /// EM from the hard assignment `labels`.
    fn em(&self, x: &Array2<f64>, labels: &Array1<usize>) -> Result<FittedGmm> {
        let mut resp = Array2::<f64>::zeros((x.nrows(), self.n_components));
        for (i, &l) in labels.iter().enumerate() {
            resp[[i, l]] = 1.0;
        }
        let mut model = m_step(x, &resp, self.reg_covar)?;
        let mut history = Vec::new();
        let mut converged = false;
        for _ in 0..self.max_iter {
            let (log_resp, mean_ll) = model.log_responsibilities(x);
            let gain = mean_ll - history.last().copied().unwrap_or(f64::NEG_INFINITY);
            history.push(mean_ll);
            resp = log_resp.mapv(f64::exp);
            model = m_step(x, &resp, self.reg_covar)?;
            if gain.abs() < self.tol {
                converged = true;
                break;
            }
        }
        // The likelihood of the parameters returned (those of the last M-step).
        model.lower_bound = model.log_responsibilities(x).1;
        model.history = history;
        model.converged = converged;
        Ok(model)
    }
}

/// A fitted Gaussian mixture.
#[derive(Debug, Clone)]
pub struct FittedGmm {
    /// Mixing weights (sum 1).
    pub weights: Array1<f64>,
    /// Means, one row per component.
    pub means: Array2<f64>,
    /// Covariances (k × d × d).
    pub covariances: Array3<f64>,
    /// Per component, the inverse of the covariance's lower Cholesky factor.
    inv_chol: Array3<f64>,
    /// Per component, log |Σ|.
    log_det: Array1<f64>,
    /// Mean log-likelihood per row of the final parameters on the data fitted.
    pub lower_bound: f64,
    /// Mean log-likelihood per row after every E-step.
    pub history: Vec<f64>,
    /// Whether the gain fell below `tol` before `max_iter`.
    pub converged: bool,
}

impl FittedGmm {
    /// Components.
    pub fn n_components(&self) -> usize {
        self.weights.len()
    }

    /// Log of weight × density of every row under every component (n × k).
    fn weighted_log_prob(&self, x: &Array2<f64>) -> Array2<f64> {
        let (n, d) = x.dim();
        let k = self.n_components();
        let log_2pi = (2.0 * std::f64::consts::PI).ln();
        let mut out = Array2::<f64>::zeros((n, k));
        for c in 0..k {
            let centred = x - &self.means.row(c);
            // ‖L⁻¹ (x − μ)‖² is the Mahalanobis distance.
            let y = centred.dot(&self.inv_chol.index_axis(Axis(0), c).t());
            let maha = y.mapv(|v| v * v).sum_axis(Axis(1));
            let constant = self.weights[c].ln() - 0.5 * (d as f64 * log_2pi + self.log_det[c]);
            out.column_mut(c).assign(&maha.mapv(|m| constant - 0.5 * m));
        }
        out
    }

    /// Log responsibilities (n × k) and the mean log-likelihood per row.
    fn log_responsibilities(&self, x: &Array2<f64>) -> (Array2<f64>, f64) {
        let mut lp = self.weighted_log_prob(x);
        let mut total = 0.0;
        for mut row in lp.rows_mut() {
            let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let lse = m + row.iter().map(|&v| (v - m).exp()).sum::<f64>().ln();
            row.mapv_inplace(|v| v - lse);
            total += lse;
        }
        (lp, total / x.nrows().max(1) as f64)
    }

    fn check_columns(&self, cols: usize) -> Result<()> {
        if cols != self.means.ncols() {
            return Err(Error::InvalidData(format!(
                "{cols} columns, but the mixture was fitted on {}",
                self.means.ncols()
            )));
        }
        Ok(())
    }

    /// Probability of each component for each row (n × k; rows sum to 1).
    pub fn predict_proba<F: Float>(&self, x: &ArrayView2<F>) -> Result<Array2<f64>> {
        self.check_columns(x.ncols())?;
        Ok(self
            .log_responsibilities(&x.mapv(|v| v.as_f64()))
            .0
            .mapv(f64::exp))
    }

    /// The most probable component of each row.
    pub fn predict<F: Float>(&self, x: &ArrayView2<F>) -> Result<Array1<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.rows().into_iter().map(argmax).collect())
    }

    /// Mean log-likelihood per row of `x`.
    pub fn score<F: Float>(&self, x: &ArrayView2<F>) -> Result<f64> {
        self.check_columns(x.ncols())?;
        Ok(self.log_responsibilities(&x.mapv(|v| v.as_f64())).1)
    }
}

/// Index of the largest value (the first of equal ones).
pub fn argmax(row: ndarray::ArrayView1<f64>) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0
}

/// The parameters that maximise the expected likelihood under responsibilities `resp`.
fn m_step(x: &Array2<f64>, resp: &Array2<f64>, reg_covar: f64) -> Result<FittedGmm> {
    let (n, d) = x.dim();
    let k = resp.ncols();
    // As scikit-learn: a tiny floor keeps an emptied component from dividing by zero.
    let nk = resp.sum_axis(Axis(0)) + 10.0 * f64::EPSILON;
    let means = resp.t().dot(x) / nk.view().insert_axis(Axis(1));
    let mut covariances = Array3::<f64>::zeros((k, d, d));
    let mut inv_chol = Array3::<f64>::zeros((k, d, d));
    let mut log_det = Array1::<f64>::zeros(k);
    for c in 0..k {
        let centred = x - &means.row(c);
        let weighted = &centred * &resp.column(c).insert_axis(Axis(1));
        let mut cov = weighted.t().dot(&centred) / nk[c];
        for i in 0..d {
            cov[[i, i]] += reg_covar;
        }
        let l = cov.cholesky(UPLO::Lower).map_err(|_| {
            Error::InvalidData(format!(
                "the covariance of component {c} is not positive definite; raise reg_covar"
            ))
        })?;
        log_det[c] = 2.0 * l.diag().iter().map(|v| v.ln()).sum::<f64>();
        let inv = l.inv_into().map_err(Error::Linalg)?;
        inv_chol.index_axis_mut(Axis(0), c).assign(&inv);
        covariances.index_axis_mut(Axis(0), c).assign(&cov);
    }
    Ok(FittedGmm {
        weights: &nk / n as f64,
        means,
        covariances,
        inv_chol,
        log_det,
        lower_bound: f64::NEG_INFINITY,
        history: Vec::new(),
        converged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    /// `per` points around each of `centres`, with standard deviation `sd`.
    fn blobs(centres: &[[f64; 2]], per: usize, sd: f64, seed: u64) -> (Array2<f64>, Vec<usize>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let noise = Normal::new(0.0, sd).unwrap();
        let mut x = Array2::zeros((centres.len() * per, 2));
        let mut labels = Vec::new();
        for (c, centre) in centres.iter().enumerate() {
            for p in 0..per {
                let i = c * per + p;
                x[[i, 0]] = centre[0] + noise.sample(&mut rng);
                x[[i, 1]] = centre[1] + noise.sample(&mut rng);
                labels.push(c);
            }
        }
        (x, labels)
    }

    #[test]
    fn separated_blobs_are_found_exactly_without_underflow() {
        // Blobs 1,000 standard deviations apart: every density but one underflows in linear
        // space (linfa's failure); the log domain keeps them.
        let (x, labels) = blobs(&[[0.0, 0.0], [1000.0, 0.0], [0.0, 1000.0]], 200, 1.0, 3);
        let gmm = GaussianMixture::params(3).fit(&x.view()).unwrap();
        let predicted = gmm.predict(&x.view()).unwrap().to_vec();
        let acc = ae_eval::clustering::cluster_accuracy(&predicted, &labels).unwrap();
        assert_eq!(acc.accuracy, 1.0);
        for w in gmm.weights.iter() {
            assert!((w - 1.0 / 3.0).abs() < 1e-9);
        }
        // Each covariance is close to the identity the blobs were drawn with.
        for c in 0..3 {
            let cov = gmm.covariances.index_axis(Axis(0), c);
            assert!(
                (cov[[0, 0]] - 1.0).abs() < 0.25 && cov[[0, 1]].abs() < 0.25,
                "{cov}"
            );
        }
    }

    #[test]
    fn the_likelihood_never_decreases() {
        // Overlapping blobs, so EM takes many steps.
        let (x, _) = blobs(
            &[[0.0, 0.0], [2.0, 0.5], [1.0, 2.0], [3.0, 3.0]],
            150,
            1.0,
            5,
        );
        let gmm = GaussianMixture::params(4)
            .tol(0.0)
            .max_iter(60)
            .reg_covar(0.0)
            .fit(&x.view())
            .unwrap();
        assert!(gmm.history.len() > 10);
        for w in gmm.history.windows(2) {
            assert!(w[1] >= w[0] - 1e-12, "{} then {}", w[0], w[1]);
        }
        assert!(gmm.lower_bound >= *gmm.history.last().unwrap() - 1e-12);
    }

    #[test]
    fn one_gaussian_has_the_sample_mean_covariance_and_likelihood() {
        let (x, _) = blobs(&[[1.0, -2.0]], 500, 0.5, 7);
        let gmm = GaussianMixture::params(1)
            .reg_covar(0.0)
            .fit(&x.view())
            .unwrap();
        let mean = x.mean_axis(Axis(0)).unwrap();
        assert!((&gmm.means.row(0) - &mean).iter().all(|v| v.abs() < 1e-12));
        let centred = &x - &mean;
        let cov = centred.t().dot(&centred) / x.nrows() as f64;
        let fitted = gmm.covariances.index_axis(Axis(0), 0);
        assert!((&fitted - &cov).iter().all(|v| v.abs() < 1e-12));
        // The maximum-likelihood Gaussian's mean log-likelihood is −½ (d ln 2π + ln|Σ| + d).
        let det = cov[[0, 0]] * cov[[1, 1]] - cov[[0, 1]] * cov[[1, 0]];
        let want = -0.5 * (2.0 * (2.0 * std::f64::consts::PI).ln() + det.ln() + 2.0);
        assert!((gmm.score(&x.view()).unwrap() - want).abs() < 1e-9);
    }

    #[test]
    fn same_seed_same_fit_and_bad_parameters_are_named() {
        let (x, _) = blobs(&[[0.0, 0.0], [2.0, 0.5], [1.0, 2.0]], 100, 1.0, 9);
        let a = GaussianMixture::params(3)
            .n_init(2)
            .seed(4)
            .fit(&x.view())
            .unwrap();
        let b = GaussianMixture::params(3)
            .n_init(2)
            .seed(4)
            .fit(&x.view())
            .unwrap();
        assert_eq!(a.means, b.means);
        let e = GaussianMixture::params(0)
            .fit(&x.view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_components"), "{e}");
        let e = GaussianMixture::params(2)
            .n_init(0)
            .fit(&x.view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_init"), "{e}");
        let x3 = Array2::<f64>::zeros((5, 3));
        assert!(a.predict(&x3.view()).is_err());
    }
}
