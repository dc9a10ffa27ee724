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

/// Writes bytes through a temporary file in the same folder and a rename, creating the folder
/// first: [`ae_data::write_atomically`] with this crate's error.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    ae_data::write_atomically(path, bytes).map_err(|e| Error::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}
