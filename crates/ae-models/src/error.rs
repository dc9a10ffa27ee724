//! The error type of this crate.

/// Errors from building, training or saving models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// CUDA was asked for but is not available.
    #[error("--device cuda was asked for, but CUDA is not available ({0})")]
    CudaUnavailable(String),
    /// An invalid value for a named setting.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The setting or flag.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
