//! Data sets read and verified once per process, then shared by every run and experiment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ae_data::{Dataset, DatasetId};

use crate::Result;

/// The data sets of one data folder, each loaded (and its SHA-256 checked) on first use only.
#[derive(Debug)]
pub struct DataCache {
    dir: PathBuf,
    loaded: Mutex<HashMap<DatasetId, Arc<Dataset>>>,
}

impl DataCache {
    /// A cache over the data folder `dir` (as `cargo xtask fetch-mnist` lays it out).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DataCache {
            dir: dir.into(),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Data set `id`: read and verified the first time, shared afterwards.
    pub fn get(&self, id: DatasetId) -> Result<Arc<Dataset>> {
        // A poisoned lock only means another thread panicked while loading; the map is intact.
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(d) = loaded.get(&id) {
            return Ok(Arc::clone(d));
        }
        let d = Arc::new(Dataset::load(id, &self.dir)?);
        loaded.insert(id, Arc::clone(&d));
        Ok(d)
    }

    /// Whether every file of `id` is in the data folder (without loading it).
    pub fn has(&self, id: DatasetId) -> bool {
        ae_data::FileKind::ALL
            .iter()
            .all(|&f| ae_data::fetch::file_path(&self.dir, id, f).is_file())
    }
}
