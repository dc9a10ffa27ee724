//! The error type of this crate.

/// Invalid hyper-parameters, data that does not fit them, or a failed decomposition.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hyper-parameter is out of range; names the parameter.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// The data does not fit the model (too few rows, wrong number of columns, non-finite values).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// LAPACK failed.
    #[error("linear algebra failed: {0}")]
    Linalg(#[from] ndarray_linalg::error::LinalgError),
    /// The linfa reference implementation failed.
    #[error("linfa: {0}")]
    Linfa(String),
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
