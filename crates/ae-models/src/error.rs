//! The error type of this crate.

/// Errors from building, training or saving models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// CUDA was asked for but is not available.
    #[error("device cuda was asked for, but CUDA is not available ({0})")]
    CudaUnavailable(String),
    /// An invalid value for a named setting.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The setting or flag.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A data-set operation failed.
    #[error(transparent)]
    Data(#[from] ae_data::Error),
    /// A metric or figure failed.
    #[error(transparent)]
    Eval(#[from] ae_eval::Error),
    /// A JSON file could not be parsed or written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// Training was stopped (Ctrl-C) after a checkpoint was written.
    #[error("interrupted; the checkpoint in {0} resumes the run (--resume)")]
    Interrupted(std::path::PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// An invalid value for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The setting at fault, when this is (or wraps) an invalid value.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::Data(e) => e.parameter(),
            _ => None,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
