//! Images of one's own: folders of image files, NumPy arrays and CSV tables of pixels, read into
//! the same [`Dataset`] as the registry's data sets (as torchvision's `ImageFolder` and
//! scikit-learn's arrays let Python users do).
//!
//! - [`folder`]: image files in torchvision's `ImageFolder` layout or flat, decoded in parallel.
//! - [`array`](mod@array): a `.npy` array (n, h, w) or (n, h, w, c), `uint8` or float, with optional labels.
//! - [`table`]: a CSV of pixels with a label column.
//! - [`convert`]: resizing and channel conversion, and the check that all images agree.
//! - [`each`]: every image of a folder or array, named, for a trained model to be applied to, and
//!   each result written back as a PNG file.
//!
//! Without `train/` and `test/` parts, a seeded random share (`test_fraction`) is held out.

pub mod array;
pub mod convert;
pub mod each;
pub mod folder;
pub mod table;

use ndarray::{Array1, Array2, Axis};

use crate::batch::permutation;
use crate::dataset::{Dataset, Skipped};
use crate::source::{DataSpec, FileSource};
use crate::{Error, ImageSet, ImageShape, Result};

pub use each::{load_named, save_png, save_png_f32, NamedImages};

/// Told how decoding goes, from the decoding threads (the CLI draws a bar from it).
pub trait LoadProgress: Sync {
    /// `done` of `total` images decoded so far.
    fn decoded(&self, done: usize, total: usize) {
        let _ = (done, total);
    }
}

/// No report.
impl LoadProgress for () {}

/// Images read from one source, before the train/test split.
#[derive(Debug)]
pub(crate) struct Part {
    /// Rows of channel-planar `u8` values.
    pub pixels: Array2<u8>,
    /// Label ids, when the source has labels.
    pub labels: Option<Array1<u8>>,
}

/// What a loader read: one part (split afterwards) or training and test parts.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub shape: ImageShape,
    pub parts: Parts,
    pub classes: Option<Vec<String>>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug)]
pub(crate) enum Parts {
    All(Part),
    TrainTest(Part, Part),
}

/// Reads `source` (a folder, `.npy` or `.csv`), converting sizes and channels as it asks.
pub fn load(source: &FileSource, progress: &dyn LoadProgress) -> Result<Dataset> {
    source.validate()?;
    let path = &source.path;
    let loaded = if path.is_dir() {
        if source.labels.is_some() {
            return Err(Error::invalid(
                "labels",
                "a folder's labels are its class subfolders; a labels file goes with a .npy array",
            ));
        }
        folder::load(source, progress)?
    } else {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("npy") => array::load(source)?,
            Some("csv") => {
                if source.labels.is_some() {
                    return Err(Error::invalid(
                        "labels",
                        "a CSV's labels are its label column; a labels file goes with a .npy array",
                    ));
                }
                table::load(source)?
            }
            _ if !path.exists() => {
                return Err(Error::Inconsistent {
                    path: path.clone(),
                    reason: "does not exist".into(),
                })
            }
            _ => {
                return Err(Error::Inconsistent {
                    path: path.clone(),
                    reason: "is not a folder of images, a .npy array or a .csv table".into(),
                })
            }
        }
    };
    let Loaded {
        shape,
        parts,
        classes,
        skipped,
    } = loaded;
    let (train, test) = match parts {
        Parts::TrainTest(train, test) => (train, test),
        Parts::All(all) => split(all, source.test_fraction, source.seed, &source.path)?,
    };
    for (part, name) in [(&train, "training"), (&test, "test")] {
        if part.pixels.nrows() == 0 {
            return Err(Error::Inconsistent {
                path: source.path.clone(),
                reason: format!("has no {name} images"),
            });
        }
    }
    Ok(Dataset {
        source: DataSpec::Files(source.clone()),
        train: ImageSet::from_rows(train.pixels, shape, train.labels)?,
        test: ImageSet::from_rows(test.pixels, shape, test.labels)?,
        verified: false,
        classes,
        skipped,
    })
}

/// A seeded random split: `round(n × fraction)` test images (at least one), the rest training.
fn split(all: Part, fraction: f64, seed: u64, path: &std::path::Path) -> Result<(Part, Part)> {
    let n = all.pixels.nrows();
    if n < 2 {
        return Err(Error::Inconsistent {
            path: path.to_owned(),
            reason: format!("holds {n} image(s); a training and a test part need at least 2"),
        });
    }
    let n_test = ((n as f64 * fraction).round() as usize).clamp(1, n - 1);
    let order = permutation(n, seed);
    let take = |idx: &[usize]| Part {
        pixels: all.pixels.select(Axis(0), idx),
        labels: all.labels.as_ref().map(|l| l.select(Axis(0), idx)),
    };
    Ok((take(&order[n_test..]), take(&order[..n_test])))
}

/// Sorted class names: numerically when every name is an integer (so "10" follows "9"),
/// otherwise as strings (torchvision's `ImageFolder` order).
pub(crate) fn sort_class_names(names: &mut [String]) {
    if names.iter().all(|n| n.parse::<i64>().is_ok()) {
        names.sort_by_key(|n| n.parse::<i64>().expect("checked"));
    } else {
        names.sort();
    }
}

/// Label ids for at most 256 classes (labels are stored as `u8`).
pub(crate) fn check_class_count(count: usize, path: &std::path::Path) -> Result<()> {
    if count > 256 {
        return Err(Error::Inconsistent {
            path: path.to_owned(),
            reason: format!("has {count} classes; at most 256 are supported"),
        });
    }
    Ok(())
}
