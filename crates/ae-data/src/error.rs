//! The error type of this crate.

use std::path::PathBuf;

use crate::fetch::FetchError;
use crate::idx::IdxError;

/// Everything that can go wrong in `ae-data`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An IDX file is malformed or unreadable.
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// Fetching a data set failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A data set's files are not in the data folder.
    #[error("{dataset} is not in {dir}: {missing} is missing; run `cargo xtask fetch-mnist --dataset {dataset}` (offline: set AE_DATA_MIRROR to a local mirror)")]
    NotFetched {
        /// The data set's name.
        dataset: String,
        /// The data folder searched.
        dir: PathBuf,
        /// The first missing file.
        missing: String,
    },
    /// The images and labels of a data set disagree, or a file does not hold what it should.
    #[error("{path}: {reason}")]
    Inconsistent {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A parameter is out of range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter (or flag) name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A CSV file could not be parsed.
    #[error("{path}:{line}: {reason}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Something needs labels and the images have none (a flat folder, an array without labels).
    #[error("{purpose} needs labels, and these images have none (class subfolders, a labels .npy or a CSV label column give them)")]
    Unlabelled {
        /// What needed them.
        purpose: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The parameter at fault, when this is an out-of-range parameter.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Error::InvalidParameter { name, .. } => Some(name),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }
}

/// An error and its causes on one line (`a: b: c`), each cause once: a cause whose text is
/// already in the line (an error that shows its source, as `path: reason` does) is not repeated.
/// For binaries printing any error chain (`anyhow::Error` derefs to `dyn Error`).
pub fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        next = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_says_each_cause_once() {
        let io = std::io::Error::other("disk full");
        let e = Error::io("data/x.gz", io);
        assert_eq!(e.to_string(), "data/x.gz: disk full");
        assert_eq!(describe(&e), "data/x.gz: disk full");
    }
}
