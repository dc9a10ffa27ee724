//! The exact and randomized PCA solvers.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{JobSvd, QRInto, SVDDC};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::hyperparams::{Components, PcaParams};
use super::{center, flip_rows, FittedPca};
use crate::eigh::eigh_desc;
use crate::gemm::{gram, matmul};
use crate::{Error, Float, Result};
use lax::layout::MatrixLayout;

/// Covariance (divisor n − 1) then its symmetric eigendecomposition. The covariance is
/// (XᵀX − n·μμᵀ)/(n − 1) from one `?syrk` on the uncentred data, as scikit-learn's
/// `covariance_eigh`: no centred copy of X is made.
pub(crate) fn fit_eigh<F: Float>(p: &PcaParams, x: &ArrayView2<F>) -> Result<FittedPca<F>> {
    let n = x.nrows();
    let mean = column_means(x);
    let mut cov = gram(x);
    let nf = n as f64;
    let denom = (n - 1) as f64;
    for ((i, j), c) in cov.indexed_iter_mut() {
        let centred = c.as_f64() - nf * mean[i].as_f64() * mean[j].as_f64();
        *c = F::of(centred / denom);
    }
    let total: F = cov.diag().sum();
    let top = match p.components {
        Components::Count(k) => Some(k),
        Components::Variance(_) => None,
    };
    let (values, vectors) = eigh_desc(cov, top)?;
    let values = values.mapv(|v| if v < F::zero() { F::zero() } else { v });
    let k = n_kept(p.components, &values, total);
    let mut components = vectors.slice(s![..k, ..]).to_owned();
    flip_rows(&mut components);
    let ev = values.slice(s![..k]).to_owned();
    Ok(finish(p, mean, components, ev, total, n))
}

/// Thin SVD of the centred data. For tall data (n ≥ d) the SVD is taken of the triangular
/// factor R of a Householder QR of the centred data: X = QR and R = UΣVᵀ give X the same Σ
/// and V, and the n × d factor U that PCA never uses is not formed.
pub(crate) fn fit_svd<F: Float>(p: &PcaParams, x: &ArrayView2<F>) -> Result<FittedPca<F>> {
    let (n, d) = x.dim();
    let (mean, mut xc) = center(x);
    let target = if n >= d {
        let layout = MatrixLayout::C {
            row: blas_dim(n)?,
            lda: blas_dim(d)?,
        };
        let data = xc
            .as_slice_mut()
            .expect("a fresh centred copy is contiguous");
        // Row-major X is column-major Xᵀ, whose LQ factor L is Rᵀ; lax runs ?gelqf for it and
        // leaves R in the upper triangle of the first d rows.
        F::householder(layout, data).map_err(ndarray_linalg::error::LinalgError::Lapack)?;
        let mut r = xc.slice(s![..d, ..]).to_owned();
        for i in 0..d {
            for j in 0..i {
                r[[i, j]] = F::zero();
            }
        }
        r
    } else {
        xc
    };
    let (_, sigma, vt) = target.svddc(JobSvd::Some)?;
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
    // The data are centred implicitly, (X − 1μᵀ)·A = X·A − 1(μᵀA), so X is never copied.
    let mean = column_means(x);
    let sq_norm: f64 = x.iter().map(|&v| v.as_f64() * v.as_f64()).sum();
    let mean_sq: f64 = mean.iter().map(|&m| m.as_f64() * m.as_f64()).sum();
    let total = F::of((sq_norm - n as f64 * mean_sq) / (n - 1) as f64);
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
    // Power iterations on XcᵀXc. Only the small d × l factor is re-orthonormalised each round
    // (scikit-learn LU-normalises both): one product with Xc grows the columns' spread by at
    // most σ₁/σₗ, far inside f32's range, and the tall n × l QR is the expensive one.
    let mut small = orthonormal(omega)?;
    for _ in 0..iters {
        let tall = centred_times(x, &mean, &small);
        small = orthonormal(centred_t_times(x, &mean, &tall))?;
    }
    let q = orthonormal(centred_times(x, &mean, &small))?;
    // B = Qᵀ Xc = QᵀX − (Qᵀ1)μᵀ.
    let mut b = matmul(&q.t(), x);
    let q_sums = q.sum_axis(Axis(0));
    for (mut row, &qs) in b.rows_mut().into_iter().zip(&q_sums) {
        row.zip_mut_with(&mean, |v, &m| *v -= qs * m);
    }
    let (_, sigma, vt) = b.svddc(JobSvd::Some)?;
    let vt =
        vt.ok_or_else(|| Error::InvalidData("SVD returned no right singular vectors".into()))?;
    let denom = F::of((n - 1) as f64);
    let ev = sigma.slice(s![..k]).mapv(|s| s * s / denom);
    let mut components = vt.slice(s![..k, ..]).to_owned();
    flip_rows(&mut components);
    Ok(finish(p, mean, components, ev, total, n))
}

/// (X − 1μᵀ) · a.
fn centred_times<F: Float>(x: &ArrayView2<F>, mean: &Array1<F>, a: &Array2<F>) -> Array2<F> {
    let mut y = matmul(x, &a.view());
    let shift = mean.dot(a);
    y.rows_mut().into_iter().for_each(|mut r| r -= &shift);
    y
}

/// (X − 1μᵀ)ᵀ · a = Xᵀa − μ(1ᵀa).
fn centred_t_times<F: Float>(x: &ArrayView2<F>, mean: &Array1<F>, a: &Array2<F>) -> Array2<F> {
    let mut y = matmul(&x.t(), &a.view());
    let sums = a.sum_axis(Axis(0));
    for (mut row, &m) in y.rows_mut().into_iter().zip(mean) {
        row.zip_mut_with(&sums, |v, &s| *v -= m * s);
    }
    y
}

/// Column means, accumulated in f64.
fn column_means<F: Float>(x: &ArrayView2<F>) -> Array1<F> {
    let mut sums = vec![0.0f64; x.ncols()];
    for row in x.rows() {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v.as_f64();
        }
    }
    let n = x.nrows().max(1) as f64;
    sums.into_iter().map(|s| F::of(s / n)).collect()
}

fn blas_dim(v: usize) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::InvalidData(format!("dimension {v} exceeds LAPACK's i32")))
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
