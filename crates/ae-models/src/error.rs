//! The error type of this crate.

/// Errors from building, training or saving models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// libtorch reported an error (shown without libtorch's C++ backtrace).
    ///
    /// Not a `source()`: libtorch's full message carries a C++ backtrace that a chain of causes
    /// would print; the error itself is still here for programs that want it.
    #[error("libtorch: {}", short_torch_message(.0))]
    Torch(tch::TchError),
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
    /// A loss or output became NaN or infinite; the run stopped (its last good checkpoint is
    /// kept).
    #[error("{what} became {value}; {advice}")]
    NonFinite {
        /// Where it appeared ("the training loss in epoch 3 batch 12").
        what: String,
        /// The value (NaN, inf or -inf).
        value: f64,
        /// What to change.
        advice: String,
    },
    /// Training was stopped (Ctrl-C) after a checkpoint was written.
    #[error("interrupted; the checkpoint in {0} continues the run")]
    Interrupted(std::path::PathBuf),
    /// A file (weights, checkpoint) does not hold what it should.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
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

impl From<tch::TchError> for Error {
    fn from(e: tch::TchError) -> Self {
        Error::Torch(e)
    }
}

/// libtorch's message without the C++ backtrace it appends ("Exception raised from …",
/// "frame #0: …"): the first lines say what went wrong; the frames help nobody using `ae`.
pub fn short_torch_message(e: &tch::TchError) -> String {
    let full = e.to_string();
    let cut = ["Exception raised from", "frame #0"]
        .iter()
        .filter_map(|m| full.find(m))
        .min()
        .unwrap_or(full.len());
    full[..cut].trim_end().to_owned()
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
