//! Matrix products through OpenBLAS's `cblas_?gemm`.
//!
//! ndarray's own `dot` (matrixmultiply) is portable but reaches about half of OpenBLAS's speed on
//! the tall-skinny products PCA and k-means are made of, so the hot paths call BLAS directly.
//! (ndarray's `blas` feature would do the same, but it is unified into every crate of the
//! workspace, whose binaries do not all link OpenBLAS.)

use cblas_sys::{CBLAS_LAYOUT, CBLAS_TRANSPOSE, CBLAS_UPLO};
use ndarray::{Array2, ArrayView2};

use crate::Float;

/// How an operand is handed to BLAS: its transpose flag, leading dimension, and the view whose
/// memory is passed (a copy when the view is neither row- nor column-contiguous).
struct Operand<'a, F: Clone> {
    trans: CBLAS_TRANSPOSE,
    ld: usize,
    data: std::borrow::Cow<'a, [F]>,
}

fn operand<'a, F: Float>(a: &'a ArrayView2<'_, F>) -> Operand<'a, F> {
    let (rows, cols) = a.dim();
    if a.is_standard_layout() {
        if let Some(s) = a.as_slice_memory_order() {
            return Operand {
                trans: CBLAS_TRANSPOSE::CblasNoTrans,
                ld: cols.max(1),
                data: s.into(),
            };
        }
    }
    if a.t().is_standard_layout() {
        if let Some(s) = a.as_slice_memory_order() {
            return Operand {
                trans: CBLAS_TRANSPOSE::CblasTrans,
                ld: rows.max(1),
                data: s.into(),
            };
        }
    }
    Operand {
        trans: CBLAS_TRANSPOSE::CblasNoTrans,
        ld: cols.max(1),
        data: a.iter().copied().collect::<Vec<F>>().into(),
    }
}

/// `a · b` as a new row-major matrix.
///
/// # Panics
/// If the inner dimensions differ or a dimension exceeds `i32::MAX` (BLAS's index type).
pub fn matmul<F: Float>(a: &ArrayView2<F>, b: &ArrayView2<F>) -> Array2<F> {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "matmul: inner dimensions {k} and {k2} differ");
    let mut c = Array2::<F>::zeros((m, n));
    if m == 0 || n == 0 || k == 0 {
        return c;
    }
    let oa = operand(a);
    let ob = operand(b);
    let dim = |v: usize| i32::try_from(v).expect("matrix dimension exceeds BLAS's i32");
    let out = c.as_slice_mut().expect("fresh array is contiguous");
    // SAFETY: the slices hold m×k, k×n and m×n elements in the layouts described by the
    // transpose flags and leading dimensions, and `F` is exactly f32 or f64.
    unsafe {
        F::gemm(
            oa.trans,
            ob.trans,
            dim(m),
            dim(n),
            dim(k),
            oa.data.as_ptr(),
            dim(oa.ld),
            ob.data.as_ptr(),
            dim(ob.ld),
            out.as_mut_ptr(),
            dim(n),
        );
    }
    c
}

/// The Gram matrix `xᵀ · x` (d × d) by one `?syrk`, which does half the work of a GEMM.
pub fn gram<F: Float>(x: &ArrayView2<F>) -> Array2<F> {
    let (rows, d) = x.dim();
    let mut c = Array2::<F>::zeros((d, d));
    if rows == 0 || d == 0 {
        return c;
    }
    let x = x.as_standard_layout();
    let dim = |v: usize| i32::try_from(v).expect("matrix dimension exceeds BLAS's i32");
    let data = x.as_slice().expect("standard layout is contiguous");
    let out = c.as_slice_mut().expect("fresh array is contiguous");
    // SAFETY: `data` is rows × d row-major, `out` is d × d.
    unsafe { F::syrk_upper_t(dim(d), dim(rows), data.as_ptr(), out.as_mut_ptr()) };
    // syrk fills the upper triangle only.
    for i in 0..d {
        for j in 0..i {
            c[[i, j]] = c[[j, i]];
        }
    }
    c
}

/// The BLAS routine for one float type: `c = a · b` (row-major, alpha 1, beta 0).
pub trait Gemm: Sized + Clone {
    /// # Safety
    /// The pointers must address matrices of the given sizes and leading dimensions.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        ta: CBLAS_TRANSPOSE,
        tb: CBLAS_TRANSPOSE,
        m: i32,
        n: i32,
        k: i32,
        a: *const Self,
        lda: i32,
        b: *const Self,
        ldb: i32,
        c: *mut Self,
        ldc: i32,
    );
    /// Upper triangle of `c (n × n) = aᵀ · a` for a row-major `a` of k × n.
    ///
    /// # Safety
    /// `a` must hold k × n and `c` n × n elements.
    unsafe fn syrk_upper_t(n: i32, k: i32, a: *const Self, c: *mut Self);
}

/// The one `Gemm` implementation, for `f32` (`sgemm`, `ssyrk`) and `f64` (`dgemm`, `dsyrk`).
macro_rules! impl_gemm {
    ($t:ty, $gemm:path, $syrk:path) => {
        impl Gemm for $t {
            unsafe fn syrk_upper_t(n: i32, k: i32, a: *const $t, c: *mut $t) {
                // SAFETY: forwarded from the caller.
                unsafe {
                    $syrk(
                        CBLAS_LAYOUT::CblasRowMajor,
                        CBLAS_UPLO::CblasUpper,
                        CBLAS_TRANSPOSE::CblasTrans,
                        n,
                        k,
                        1.0,
                        a,
                        n,
                        0.0,
                        c,
                        n,
                    )
                }
            }
            unsafe fn gemm(
                ta: CBLAS_TRANSPOSE,
                tb: CBLAS_TRANSPOSE,
                m: i32,
                n: i32,
                k: i32,
                a: *const $t,
                lda: i32,
                b: *const $t,
                ldb: i32,
                c: *mut $t,
                ldc: i32,
            ) {
                // SAFETY: forwarded from the caller.
                unsafe {
                    $gemm(
                        CBLAS_LAYOUT::CblasRowMajor,
                        ta,
                        tb,
                        m,
                        n,
                        k,
                        1.0,
                        a,
                        lda,
                        b,
                        ldb,
                        0.0,
                        c,
                        ldc,
                    )
                }
            }
        }
    };
}

impl_gemm!(f32, cblas_sys::cblas_sgemm, cblas_sys::cblas_ssyrk);
impl_gemm!(f64, cblas_sys::cblas_dgemm, cblas_sys::cblas_dsyrk);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2};

    /// Equal up to rounding: BLAS and matrixmultiply sum in different orders, and which order
    /// OpenBLAS takes depends on the CPU it finds (the last bits differ between an AMD and an
    /// Intel machine).
    fn assert_close(got: &Array2<f64>, want: &Array2<f64>) {
        assert_eq!(got.dim(), want.dim());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }

    #[test]
    fn matches_ndarray_dot_in_every_layout() {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64 * 0.3 - 4.0);
        let b = Array2::from_shape_fn((5, 6), |(i, j)| ((i + 2 * j) % 7) as f64 - 2.5);
        let want = a.dot(&b);
        assert_close(&matmul(&a.view(), &b.view()), &want);
        // Column-major operands (transposed views).
        let at = a.t().to_owned();
        let bt = b.t().to_owned();
        assert_close(&matmul(&at.t(), &bt.t()), &want);
        // A strided view is copied.
        let big = Array2::from_shape_fn((14, 5), |(i, j)| a[[i / 2, j]]);
        let strided = big.slice(s![..;2, ..]);
        assert_close(&matmul(&strided, &b.view()), &want);
        assert_close(&gram(&a.view()), &a.t().dot(&a));
        let af = a.mapv(|v| v as f32);
        let bf = b.mapv(|v| v as f32);
        let got = matmul(&af.view(), &bf.view());
        for (g, w) in got.iter().zip(&want) {
            assert!((f64::from(*g) - w).abs() < 1e-4);
        }
    }
}
