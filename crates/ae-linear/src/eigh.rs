//! Symmetric eigendecomposition by LAPACK's `?syevr` (MRRR).
//!
//! ndarray-linalg's `eigh` calls `?syev`, which takes 150 ms on a 784 × 784 covariance here;
//! `?syevr` (scipy's default driver, so scikit-learn's) is several times faster and can stop at
//! the top k eigenpairs, which is all PCA with a component count needs.

use ndarray::{Array1, Array2};

use crate::{Error, Float, Result};

/// Eigenvalues (descending) and eigenvectors as rows of a symmetric matrix: all of them, or
/// the `top` largest.
pub(crate) fn eigh_desc<F: Float>(
    mut a: Array2<F>,
    top: Option<usize>,
) -> Result<(Array1<F>, Array2<F>)> {
    let n = a.nrows();
    assert_eq!(n, a.ncols(), "eigh_desc needs a square matrix");
    if n == 0 {
        return Ok((Array1::zeros(0), Array2::zeros((0, 0))));
    }
    let want = top.unwrap_or(n).clamp(1, n);
    let n32 = i32::try_from(n).map_err(|_| Error::InvalidData(format!("{n} exceeds i32")))?;
    // The matrix is symmetric, so its row-major storage is also its column-major storage.
    let data = a.as_slice_mut().expect("owned square matrix is contiguous");
    let mut values = vec![F::zero(); n];
    let mut vectors = vec![F::zero(); n * want];
    let found = F::syevr(
        n32,
        data,
        (n32 - want as i32 + 1, n32),
        &mut values,
        &mut vectors,
    )
    .map_err(|info| Error::InvalidData(format!("LAPACK ?syevr failed (info {info})")))?;
    let m = found as usize;
    // Column-major n × m eigenvectors are row-major m × n: one eigenvector per row, ascending.
    let ascending = Array2::from_shape_vec((want, n), vectors)
        .expect("sized above")
        .slice_move(ndarray::s![..m, ..]);
    let order: Vec<usize> = (0..m).rev().collect();
    let vals: Array1<F> = order.iter().map(|&i| values[i]).collect();
    Ok((vals, ascending.select(ndarray::Axis(0), &order)))
}

/// LAPACK's `?syevr` for one float type, computing eigenpairs `il..=iu` (1-based, ascending).
pub trait Syevr: Sized {
    /// Returns the number of eigenpairs found, or LAPACK's `info` on failure.
    fn syevr(
        n: i32,
        a: &mut [Self],
        range: (i32, i32),
        values: &mut [Self],
        vectors: &mut [Self],
    ) -> std::result::Result<i32, i32>;
}

macro_rules! impl_syevr {
    ($t:ty, $f:path) => {
        impl Syevr for $t {
            fn syevr(
                n: i32,
                a: &mut [$t],
                (il, iu): (i32, i32),
                values: &mut [$t],
                vectors: &mut [$t],
            ) -> std::result::Result<i32, i32> {
                let all = il == 1 && iu == n;
                let range = if all { b'A' } else { b'I' } as std::ffi::c_char;
                let (jobz, uplo) = (b'V' as std::ffi::c_char, b'U' as std::ffi::c_char);
                let (vl, vu, abstol): ($t, $t, $t) = (0.0, 0.0, 0.0);
                let mut m = 0;
                let mut info = 0;
                let mut isuppz = vec![0i32; 2 * n as usize];
                let mut work_size: $t = 0.0;
                let mut iwork_size = 0i32;
                // SAFETY: every pointer addresses a buffer of the size LAPACK documents for
                // these arguments (a: n×n, values: n, vectors: n×(iu−il+1), isuppz: 2n); the
                // first call only queries the workspace sizes.
                unsafe {
                    $f(
                        &jobz,
                        &range,
                        &uplo,
                        &n,
                        a.as_mut_ptr(),
                        &n,
                        &vl,
                        &vu,
                        &il,
                        &iu,
                        &abstol,
                        &mut m,
                        values.as_mut_ptr(),
                        vectors.as_mut_ptr(),
                        &n,
                        isuppz.as_mut_ptr(),
                        &mut work_size,
                        &-1,
                        &mut iwork_size,
                        &-1,
                        &mut info,
                    );
                    if info != 0 {
                        return Err(info);
                    }
                    let lwork = work_size as i32;
                    let mut work = vec![0.0 as $t; lwork.max(1) as usize];
                    let mut iwork = vec![0i32; iwork_size.max(1) as usize];
                    $f(
                        &jobz,
                        &range,
                        &uplo,
                        &n,
                        a.as_mut_ptr(),
                        &n,
                        &vl,
                        &vu,
                        &il,
                        &iu,
                        &abstol,
                        &mut m,
                        values.as_mut_ptr(),
                        vectors.as_mut_ptr(),
                        &n,
                        isuppz.as_mut_ptr(),
                        work.as_mut_ptr(),
                        &lwork,
                        iwork.as_mut_ptr(),
                        &iwork_size,
                        &mut info,
                    );
                }
                if info != 0 {
                    Err(info)
                } else {
                    Ok(m)
                }
            }
        }
    };
}

impl_syevr!(f32, lapack_sys::ssyevr_);
impl_syevr!(f64, lapack_sys::dsyevr_);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray_linalg::{Eigh, UPLO};

    #[test]
    fn agrees_with_ndarray_linalg() {
        let b = Array2::from_shape_fn((6, 6), |(i, j)| ((i * 7 + j * 3) % 5) as f64 - 1.5);
        let a = b.t().dot(&b) + Array2::<f64>::eye(6);
        let (want_vals, want_vecs) = a.eigh(UPLO::Upper).unwrap();
        let (vals, vecs) = eigh_desc(a.clone(), None).unwrap();
        let (top_vals, top_vecs) = eigh_desc(a, Some(2)).unwrap();
        assert_eq!(top_vals.len(), 2);
        for i in 0..6 {
            let w = want_vals[5 - i];
            assert!((vals[i] - w).abs() < 1e-10, "{vals} vs {want_vals}");
            // Same eigenvector up to sign.
            let dot: f64 = vecs.row(i).dot(&want_vecs.column(5 - i));
            assert!((dot.abs() - 1.0).abs() < 1e-8);
            if i < 2 {
                assert!((top_vals[i] - w).abs() < 1e-10);
                assert!((top_vecs.row(i).dot(&vecs.row(i)).abs() - 1.0).abs() < 1e-8);
            }
        }
    }
}
