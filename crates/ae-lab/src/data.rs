//! Data sets read and verified once per process, then shared by every run and experiment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ae_data::{DataSpec, Dataset, DatasetId, LoadProgress};

use crate::Result;

/// The data sets of one data folder (and any files of one's own), each loaded (and its SHA-256
/// checked) on first use only.
pub struct DataCache {
    dir: PathBuf,
    loaded: Mutex<HashMap<String, Arc<Dataset>>>,
    progress: Box<dyn LoadProgress + Send>,
}

impl std::fmt::Debug for DataCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataCache").field("dir", &self.dir).finish()
    }
}

impl DataCache {
    /// A cache over the data folder `dir` (as `cargo xtask fetch-mnist` lays it out).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DataCache {
            dir: dir.into(),
            loaded: Mutex::new(HashMap::new()),
            progress: Box::new(()),
        }
    }

    /// The same cache, telling `progress` how the decoding of image folders goes.
    pub fn with_progress(mut self, progress: impl LoadProgress + Send + 'static) -> Self {
        self.progress = Box::new(progress);
        self
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data set `spec` names (a registry id converts): read and verified the first time,
    /// shared afterwards.
    pub fn get(&self, spec: impl Into<DataSpec>) -> Result<Arc<Dataset>> {
        let spec = spec.into();
        let key = spec.key();
        // A poisoned lock only means another thread panicked while loading; the map is intact.
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(d) = loaded.get(&key) {
            return Ok(Arc::clone(d));
        }
        let d = Arc::new(Dataset::open(&spec, &self.dir, &*self.progress)?);
        loaded.insert(key, Arc::clone(&d));
        Ok(d)
    }

    /// Whether every file of `id` is in the data folder (without loading it).
    pub fn has(&self, id: DatasetId) -> bool {
        ae_data::FileKind::ALL
            .iter()
            .all(|&f| ae_data::fetch::file_path(&self.dir, id, f).is_file())
    }
}
