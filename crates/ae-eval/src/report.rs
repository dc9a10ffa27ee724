//! Writing results as JSON, atomically.

use std::path::Path;

use serde::Serialize;

use crate::{Error, Result};

/// Writes `value` as pretty JSON to `path` through a temporary file and a rename.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    write_atomically(path, text.as_bytes())
}

/// Writes bytes through a temporary file in the same folder and a rename (ae-data's
/// [`ae_data::write_atomically`]), creating the folder first.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |reason: String| Error::Write {
        path: path.to_owned(),
        reason,
    };
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    ae_data::write_atomically(path, bytes).map_err(|e| err(e.to_string()))
}
