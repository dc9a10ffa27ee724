//! Where a data set comes from: a registry name (`mnist`) or files of one's own, with the options
//! they are read with. A run's `config.json` records it, so the run can be read back and resumed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::shape::check_channels;
use crate::{DatasetId, Error, Result};

/// The share of images held out for testing when a source has no `train/` and `test/` parts
/// (scikit-learn's `train_test_split` holds out 0.25; the MNIST family 1/7 ≈ 0.14).
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;

/// A data set: one of the registry's, or files (serialised as the registry name, or as the
/// [`FileSource`]'s fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DataSpec {
    /// A data set of the registry (`mnist`, `fashion-mnist`, `kmnist`).
    Registry(DatasetId),
    /// Images of one's own: a folder, a `.npy` array or a CSV table.
    Files(FileSource),
}

/// Images of one's own and how to read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSource {
    /// A folder of images (class subfolders, or flat; optional `train/` and `test/`), a `.npy`
    /// array (n, h, w) or (n, h, w, c), or a `.csv` table of pixels.
    pub path: PathBuf,
    /// A `.npy` of one integer label per image of a `.npy` array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<PathBuf>,
    /// Resize every image to (height, width); `None`: the images' own size, which must agree.
    #[serde(default)]
    pub size: Option<(usize, usize)>,
    /// Convert every image to 1 (grey) or 3 (RGB) channels; `None`: the images' own, which must
    /// agree.
    #[serde(default)]
    pub channels: Option<usize>,
    /// The share of images held out for testing when the source has no `train/` and `test/`.
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// Seed of that split.
    #[serde(default)]
    pub seed: u64,
    /// Leave out unreadable files (counted and named in the summary) rather than stop.
    #[serde(default)]
    pub skip_bad: bool,
}

fn default_test_fraction() -> f64 {
    DEFAULT_TEST_FRACTION
}

impl FileSource {
    /// `path` with the default options: own size and channels, a fifth held out (seed 0),
    /// stopping at the first unreadable file.
    pub fn new(path: impl Into<PathBuf>) -> FileSource {
        FileSource {
            path: path.into(),
            labels: None,
            size: None,
            channels: None,
            test_fraction: DEFAULT_TEST_FRACTION,
            seed: 0,
            skip_bad: false,
        }
    }

    /// Checks the options (not the files): sizes ≥ 1, 1 or 3 channels, 0 < test_fraction < 1.
    pub fn validate(&self) -> Result<()> {
        if let Some((h, w)) = self.size {
            if h == 0 || w == 0 {
                return Err(Error::invalid(
                    "size",
                    format!("{h} × {w}: sides must be ≥ 1"),
                ));
            }
        }
        if let Some(c) = self.channels {
            check_channels(c)?;
        }
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            return Err(Error::invalid(
                "test_fraction",
                format!(
                    "{}: must be between 0 and 1 (exclusive)",
                    self.test_fraction
                ),
            ));
        }
        Ok(())
    }
}

impl DataSpec {
    /// Reads what `--dataset` says: a registry name, or the path of an existing file or folder
    /// (made absolute, so that a run's `config.json` finds it from anywhere).
    pub fn parse(text: &str) -> Result<DataSpec> {
        if let Ok(id) = text.parse::<DatasetId>() {
            return Ok(DataSpec::Registry(id));
        }
        let path = Path::new(text);
        match std::fs::canonicalize(path) {
            Ok(abs) => Ok(DataSpec::Files(FileSource::new(abs))),
            Err(_) => Err(Error::invalid(
                "dataset",
                format!(
                    "'{text}' is neither a known data set (mnist, fashion-mnist, kmnist) nor an \
                     existing folder, .npy or .csv file"
                ),
            )),
        }
    }

    /// A key that differs between any two specs that may load differently.
    pub fn key(&self) -> String {
        serde_json::to_string(self).expect("a DataSpec always serialises")
    }
}

impl From<DatasetId> for DataSpec {
    fn from(id: DatasetId) -> DataSpec {
        DataSpec::Registry(id)
    }
}

impl fmt::Display for DataSpec {
    /// The registry name, or the file's name without extension (the folder's name).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSpec::Registry(id) => f.write_str(id.name()),
            DataSpec::Files(files) => {
                let stem = files
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "images".into());
                f.write_str(&stem)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_stay_plain_strings_and_paths_become_objects() {
        let spec = DataSpec::parse("fashion-mnist").unwrap();
        assert_eq!(serde_json::to_string(&spec).unwrap(), "\"fashion-mnist\"");
        let back: DataSpec = serde_json::from_str("\"mnist\"").unwrap();
        assert_eq!(back, DataSpec::Registry(DatasetId::Mnist));

        let dir = tempfile::tempdir().unwrap();
        let spec = DataSpec::parse(dir.path().to_str().unwrap()).unwrap();
        let DataSpec::Files(files) = &spec else {
            panic!("{spec:?}")
        };
        assert!(files.path.is_absolute());
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<DataSpec>(&json).unwrap(), spec);
        let e = DataSpec::parse("no/such/folder").unwrap_err().to_string();
        assert!(e.contains("'no/such/folder' is neither"), "{e}");
    }

    #[test]
    fn options_are_checked() {
        let mut f = FileSource::new("x");
        assert!(f.validate().is_ok());
        f.test_fraction = 1.0;
        assert!(f
            .validate()
            .unwrap_err()
            .to_string()
            .contains("test_fraction"));
        f.test_fraction = 0.5;
        f.channels = Some(4);
        assert!(f.validate().unwrap_err().to_string().contains("channels"));
    }
}
