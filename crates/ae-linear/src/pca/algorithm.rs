//! The exact and randomized PCA solvers.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{Eigh, JobSvd, QRInto, SVDDC, UPLO};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::hyperparams::{Components, PcaParams};
use super::{center, flip_rows, FittedPca};
use crate::{Error, Float, Result};

/// Covariance (divisor n − 1) then its symmetric eigendecomposition.
pub(crate) fn fit_eigh<F: Float>(p: &PcaParams, x: &ArrayView2<F>) -> Result<FittedPca<F>> {
    let n = x.nrows();
    let (mean, xc) = center(x);
    let cov = xc.t().dot(&xc) / F::of((n - 1) as f64);
    let total: F = cov.diag().sum();
    let (values, vectors) = cov.eigh(UPLO::Upper)?;
    // LAPACK returns ascending eigenvalues; reverse to descending.
    let order: Vec<usize> = (0..values.len()).rev().collect();
    let values = values
        .select(Axis(0), &order)
        .mapv(|v| if v < F::zero() { F::zero() } else { v });
    let vectors = vectors.select(Axis(1), &order);
    let k = n_kept(p.components, &values, total);
    let mut components = vectors.slice(s![.., ..k]).t().to_owned();
    flip_rows(&mut components);
    let ev = values.slice(s![..k]).to_owned();
    Ok(finish(p, mean, components, ev, total, n))
}

/// Thin SVD of the centred data.
pub(crate) fn fit_svd<F: Float>(p: &PcaParams, x: &ArrayView2<F>) -> Result<FittedPca<F>> {
    let n = x.nrows();
    let (mean, xc) = center(x);
    let (_, sigma, vt) = xc.svddc(JobSvd::Some)?;
    let vt =
        vt.ok_or_else(|| Error::InvalidData("SVD returned no right singular vectors".into()))?;
    let denom = F::of((n - 1) as f64);
    let values = sigma.mapv(|s| s * s / denom);
    let total: F = values.sum();
    let k = n_kept(p.components, &values, total);
    let mut components = vt.slice(s![..k, ..]).to_owned();
    flip_rows(&mut components);
    let ev = values.slice(s![..k]).to_owned();
    Ok(finish(p, mean, components, ev, total, n))
}

/// Halko et al.'s randomized range finder with power iterations (QR-normalised), then an exact
/// SVD of the small projected matrix.
pub(crate) fn fit_randomized<F: Float>(p: &PcaParams, x: &ArrayView2<F>) -> Result<FittedPca<F>> {
    let (n, d) = x.dim();
    let Components::Count(k) = p.components else {
        unreachable!("checked: the randomized solver needs a count")
    };
    let (mean, xc) = center(x);
    let total: F = xc
        .map_axis(Axis(0), |c| c.iter().map(|&v| v * v).sum::<F>())
        .sum()
        / F::of((n - 1) as f64);
    let l = (k + p.n_oversamples).min(n.min(d));
    let iters = p
        .n_power_iter
        .unwrap_or(if (k as f64) < 0.1 * (n.min(d) as f64) {
            7
        } else {
            4
        });
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let omega = Array2::from_shape_fn((d, l), |_| {
        let z: f64 = StandardNormal.sample(&mut rng);
        F::of(z)
    });
    let mut q = orthonormal(xc.dot(&omega))?;
    for _ in 0..iters {
        let z = orthonormal(xc.t().dot(&q))?;
        q = orthonormal(xc.dot(&z))?;
    }
    let b = q.t().dot(&xc); // (l × d)
    let (_, sigma, vt) = b.svddc(JobSvd::Some)?;
    let vt =
        vt.ok_or_else(|| Error::InvalidData("SVD returned no right singular vectors".into()))?;
    let denom = F::of((n - 1) as f64);
    let ev = sigma.slice(s![..k]).mapv(|s| s * s / denom);
    let mut components = vt.slice(s![..k, ..]).to_owned();
    flip_rows(&mut components);
    Ok(finish(p, mean, components, ev, total, n))
}

/// An orthonormal basis of the columns of `a` (thin QR).
fn orthonormal<F: Float>(a: Array2<F>) -> Result<Array2<F>> {
    let (q, _) = a.qr_into()?;
    Ok(q)
}

/// How many of the descending `values` to keep.
fn n_kept<F: Float>(components: Components, values: &Array1<F>, total: F) -> usize {
    match components {
        Components::Count(k) => k.min(values.len()),
        Components::Variance(fraction) => {
            let mut sum = 0.0;
            let total = total.as_f64();
            for (i, v) in values.iter().enumerate() {
                sum += v.as_f64();
                if sum / total >= fraction - 1e-12 {
                    return i + 1;
                }
            }
            values.len()
        }
    }
}

fn finish<F: Float>(
    p: &PcaParams,
    mean: Array1<F>,
    components: Array2<F>,
    explained_variance: Array1<F>,
    total_variance: F,
    n: usize,
) -> FittedPca<F> {
    let denom = F::of((n - 1) as f64);
    FittedPca {
        explained_variance_ratio: explained_variance.mapv(|v| v / total_variance),
        singular_values: explained_variance.mapv(|v| (v * denom).sqrt()),
        explained_variance,
        mean,
        components,
        whiten: p.whiten,
        n_samples: n,
    }
}
