//! The error type of this crate.

use std::path::PathBuf;

/// Errors from metrics, figures and reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Inputs that do not fit together (lengths, shapes, empty data).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Writing a file failed.
    #[error("{path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
