//! The floating-point types the algorithms run on (`f32` and `f64`).

use ndarray_linalg::{Lapack, Scalar};

/// `f32` or `f64`, with BLAS and LAPACK behind them.
pub trait Float:
    Lapack
    + Scalar<Real = Self>
    + PartialOrd
    + ndarray::ScalarOperand
    + ndarray::LinalgScalar
    + Default
    + Send
    + Sync
    + std::iter::Sum
    + std::fmt::Debug
    + crate::gemm::Gemm
    + crate::eigh::Syevr
    + 'static
{
    /// Converts from `f64` (rounding for `f32`).
    fn of(v: f64) -> Self;
    /// Converts to `f64`.
    fn as_f64(self) -> f64;
}

impl Float for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    fn of(v: f64) -> Self {
        v
    }
    fn as_f64(self) -> f64 {
        self
    }
}
