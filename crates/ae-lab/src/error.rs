//! The error type of this crate: what went wrong, naming the parameter, file or experiment.

use std::path::PathBuf;

/// Everything that can go wrong while running or evaluating a run or an experiment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Loading or checking data failed.
    #[error(transparent)]
    Data(#[from] ae_data::Error),
    /// Building, training or saving a model failed.
    #[error(transparent)]
    Model(#[from] ae_models::Error),
    /// PCA or k-means failed.
    #[error(transparent)]
    Linear(#[from] ae_linear::Error),
    /// A metric or a figure failed.
    #[error(transparent)]
    Eval(#[from] ae_eval::Error),
    /// libtorch reported an error (shown without libtorch's C++ backtrace).
    /// Not a `source()`, as in ae-models: the full message carries a C++ backtrace.
    #[error("libtorch: {}", ae_models::error::short_torch_message(.0))]
    Torch(tch::TchError),
    /// A run folder holds a finished or interrupted run, and neither resume nor overwrite was
    /// asked for.
    #[error("{dir} holds {what}; resume it, start over (overwrite), or train into another folder")]
    Occupied {
        /// The run folder.
        dir: PathBuf,
        /// "a finished run" or "an interrupted run's checkpoint".
        what: &'static str,
    },
    /// Another live process is writing the folder.
    #[error("{dir} is being written by process {pid}; wait for it to finish, or stop it (if no such process runs, delete {dir}/.lock)")]
    Locked {
        /// The locked folder.
        dir: PathBuf,
        /// The holder's PID.
        pid: u32,
    },
    /// Arrays of incompatible shapes.
    #[error("array shape: {0}")]
    Shape(#[from] ndarray::ShapeError),
    /// Text could not be formatted (into a page or a caption).
    #[error("formatting: {0}")]
    Fmt(#[from] std::fmt::Error),
    /// A value could not be turned into JSON.
    #[error("JSON: {0}")]
    Serde(#[from] serde_json::Error),
    /// A parameter is out of range.
    #[error("invalid {name}: {reason}")]
    Invalid {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// A run folder is not what it should be (not a run, not finished, other settings).
    #[error("{path}: {reason}")]
    RunFolder {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A step of an experiment failed (t-SNE, …).
    #[error("{step}: {reason}")]
    Step {
        /// The step.
        step: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// An experiment failed.
    #[error("experiment {id}: {source}")]
    Experiment {
        /// Its id.
        id: String,
        /// Why.
        source: Box<Error>,
    },
}

impl Error {
    /// An out-of-range parameter.
    pub fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            name,
            reason: reason.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The parameter at fault, when the error (or the one it wraps) is an invalid parameter.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Error::Invalid { name, .. } => Some(name),
            Error::Model(e) => e.parameter(),
            Error::Data(e) => e.parameter(),
            Error::Experiment { source, .. } => source.parameter(),
            _ => None,
        }
    }
}

impl From<tch::TchError> for Error {
    fn from(e: tch::TchError) -> Self {
        Error::Torch(e)
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// `std::fs::create_dir_all` naming the folder on error.
pub(crate) fn create_dir(path: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))
}
