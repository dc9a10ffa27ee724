//! Loaded data sets: images and labels, conversions to `f32`, seeded shuffles, splits, subsets.

use std::path::{Path, PathBuf};

use ndarray::{s, Array1, Array2, Array3, Array4, Axis};

use sha2::{Digest, Sha256};

use crate::batch::permutation;
use crate::fetch::{file_path, sha256_hex};
use crate::own::LoadProgress;
use crate::registry::{DatasetId, FileKind};
use crate::source::DataSpec;
use crate::{idx, Error, ImageShape, Result, IMAGE_SIDE};

/// Images of one shape as rows of `u8` values (channel-planar, see [`ImageShape`]), with one
/// label each when the source has labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    pixels: Array2<u8>,
    shape: ImageShape,
    labels: Option<Array1<u8>>,
}

impl ImageSet {
    /// Grey images (n, height, width) with their labels; the counts must agree.
    pub fn new(images: Array3<u8>, labels: Array1<u8>) -> Result<Self> {
        let (n, h, w) = images.dim();
        let pixels = images
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((n, h * w))
            .expect("a standard-layout (n, h, w) array reshapes to (n, h*w)");
        ImageSet::from_rows(pixels, ImageShape::grey(h, w), Some(labels))
    }

    /// Images as rows of `shape.values()` channel-planar values, with labels when there are some.
    pub fn from_rows(
        pixels: Array2<u8>,
        shape: ImageShape,
        labels: Option<Array1<u8>>,
    ) -> Result<Self> {
        if pixels.ncols() != shape.values() {
            return Err(Error::invalid(
                "images",
                format!(
                    "rows of {} values are not {shape} images ({} values)",
                    pixels.ncols(),
                    shape.values()
                ),
            ));
        }
        if let Some(labels) = &labels {
            if pixels.nrows() != labels.len() {
                return Err(Error::invalid(
                    "labels",
                    format!("{} images but {} labels", pixels.nrows(), labels.len()),
                ));
            }
        }
        Ok(ImageSet {
            pixels,
            shape,
            labels,
        })
    }

    /// The images and labels of a pair of IDX files, checked as every MNIST-family file must
    /// be (also those without pinned checksums): 28 × 28 images, as many labels as images, labels
    /// 0–9, at least one image. Errors name the file at fault (both files for a count mismatch).
    pub fn from_idx(
        images: idx::IdxArray,
        images_path: &Path,
        labels: idx::IdxArray,
        labels_path: &Path,
    ) -> Result<ImageSet> {
        let inconsistent = |path: &Path, reason: String| Error::Inconsistent {
            path: path.to_owned(),
            reason,
        };
        match images.dims[..] {
            [_, h, w] if h == IMAGE_SIDE && w == IMAGE_SIDE => {}
            [_, h, w] => {
                return Err(inconsistent(
                    images_path,
                    format!("images are {h} × {w} pixels, not {IMAGE_SIDE} × {IMAGE_SIDE}"),
                ))
            }
            _ => {
                return Err(inconsistent(
                    images_path,
                    format!(
                        "holds a {}-dimensional array, not images (3 dimensions)",
                        images.dims.len()
                    ),
                ))
            }
        }
        if labels.dims.len() != 1 {
            return Err(inconsistent(
                labels_path,
                format!(
                    "holds a {}-dimensional array, not labels (1 dimension)",
                    labels.dims.len()
                ),
            ));
        }
        let (n_images, n_labels) = (images.dims[0], labels.dims[0]);
        if n_images != n_labels {
            return Err(inconsistent(
                images_path,
                format!(
                    "holds {n_images} images but {} holds {n_labels} labels",
                    labels_path.display()
                ),
            ));
        }
        if n_images == 0 {
            return Err(inconsistent(images_path, "holds no images".into()));
        }
        if let Some(i) = labels.data.iter().position(|&l| l > 9) {
            return Err(inconsistent(
                labels_path,
                format!(
                    "label {} at index {i} is not a digit class 0–9",
                    labels.data[i]
                ),
            ));
        }
        let images = Array3::from_shape_vec((n_images, IMAGE_SIDE, IMAGE_SIDE), images.data)
            .map_err(|e| inconsistent(images_path, e.to_string()))?;
        ImageSet::new(images, Array1::from(labels.data))
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.pixels.nrows()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.pixels.nrows() == 0
    }

    /// The shape of every image.
    pub fn shape(&self) -> ImageShape {
        self.shape
    }

    /// The images as rows of channel-planar `u8` values: (n, channels × height × width).
    pub fn rows(&self) -> &Array2<u8> {
        &self.pixels
    }

    /// The labels, one per image, when the source has them.
    pub fn labels(&self) -> Option<&Array1<u8>> {
        self.labels.as_ref()
    }

    /// The labels, or an error saying that `purpose` needs them and this data has none.
    pub fn require_labels(&self, purpose: &str) -> Result<&Array1<u8>> {
        self.labels.as_ref().ok_or_else(|| Error::Unlabelled {
            purpose: purpose.to_owned(),
        })
    }

    /// Values per image (channels × height × width; 784 for MNIST).
    pub fn pixels(&self) -> usize {
        self.shape.values()
    }

    /// The images flattened to rows and scaled to [0, 1]: (n, channels × height × width).
    pub fn to_f32(&self) -> Array2<f32> {
        self.to_f32_rows(0..self.len())
    }

    /// Images `rows` (a range of indices) as [`ImageSet::to_f32`] gives them, so that a large
    /// set can be processed a part at a time.
    ///
    /// # Panics
    ///
    /// If the range reaches past the last image.
    pub fn to_f32_rows(&self, rows: std::ops::Range<usize>) -> Array2<f32> {
        self.pixels
            .slice(s![rows, ..])
            .mapv(|p| f32::from(p) / 255.0)
    }

    /// The images scaled to [0, 1] with a channel axis: (n, channels, height, width).
    pub fn to_f32_nchw(&self) -> Array4<f32> {
        let ImageShape {
            height,
            width,
            channels,
        } = self.shape;
        self.to_f32()
            .into_shape_with_order((self.len(), channels, height, width))
            .expect("(n, c*h*w) reshapes to (n, c, h, w)")
    }

    /// The images at `indices`, in that order.
    ///
    /// # Panics
    /// When an index is out of range.
    pub fn select(&self, indices: &[usize]) -> ImageSet {
        ImageSet {
            pixels: self.pixels.select(Axis(0), indices),
            shape: self.shape,
            labels: self.labels.as_ref().map(|l| l.select(Axis(0), indices)),
        }
    }

    /// The first `n` images (all of them when `n` exceeds the count).
    pub fn first(&self, n: usize) -> ImageSet {
        let n = n.min(self.len());
        ImageSet {
            pixels: self.pixels.slice(s![..n, ..]).to_owned(),
            shape: self.shape,
            labels: self.labels.as_ref().map(|l| l.slice(s![..n]).to_owned()),
        }
    }

    /// A seeded permutation of the images.
    pub fn shuffled(&self, seed: u64) -> ImageSet {
        self.select(&permutation(self.len(), seed))
    }

    /// The first `n` images and the rest, in order (seed 001's 55,000 / 5,000 split).
    pub fn split_at(&self, n: usize) -> Result<(ImageSet, ImageSet)> {
        if n > self.len() {
            return Err(Error::invalid(
                "split",
                format!("{n} exceeds the {} images", self.len()),
            ));
        }
        let rest: Vec<usize> = (n..self.len()).collect();
        Ok((self.first(n), self.select(&rest)))
    }

    /// A seeded random split into `n` images and the rest (seed 003's 48,000 / 12,000).
    pub fn random_split(&self, n: usize, seed: u64) -> Result<(ImageSet, ImageSet)> {
        if n > self.len() {
            return Err(Error::invalid(
                "split",
                format!("{n} exceeds the {} images", self.len()),
            ));
        }
        let order = permutation(self.len(), seed);
        Ok((self.select(&order[..n]), self.select(&order[n..])))
    }

    /// The first `n` images of each label, in order of appearance (fewer where a label has
    /// fewer; the first `n` images when there are no labels).
    pub fn per_class(&self, n: usize) -> ImageSet {
        let Some(labels) = &self.labels else {
            return self.first(n);
        };
        let mut taken = [0usize; 256];
        let indices: Vec<usize> = labels
            .iter()
            .enumerate()
            .filter(|&(_, &label)| {
                let slot = &mut taken[label as usize];
                *slot += 1;
                *slot <= n
            })
            .map(|(i, _)| i)
            .collect();
        self.select(&indices)
    }

    /// The images whose label is one of `classes`, in their order (Keras'
    /// `x[np.isin(y, classes)]`). An error when the images have no labels.
    pub fn of_classes(&self, classes: &[u8]) -> Result<ImageSet> {
        let labels = self.require_labels("keeping some classes")?;
        let kept: Vec<usize> = labels
            .iter()
            .enumerate()
            .filter(|(_, l)| classes.contains(l))
            .map(|(i, _)| i)
            .collect();
        Ok(self.select(&kept))
    }

    /// Images per label id (index = label; empty without labels).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = Vec::new();
        for &l in self.labels.iter().flatten() {
            let l = usize::from(l);
            if counts.len() <= l {
                counts.resize(l + 1, 0);
            }
            counts[l] += 1;
        }
        counts
    }

    /// Two sets of the same shape, one after the other (train + test, as clustering uses them).
    pub fn concat(&self, other: &ImageSet) -> Result<ImageSet> {
        if self.shape != other.shape {
            return Err(Error::invalid(
                "images",
                format!("{} and {} images cannot be joined", self.shape, other.shape),
            ));
        }
        let pixels = ndarray::concatenate(Axis(0), &[self.pixels.view(), other.pixels.view()])
            .expect("rows of equal length join");
        let labels = match (&self.labels, &other.labels) {
            (Some(a), Some(b)) => {
                Some(ndarray::concatenate(Axis(0), &[a.view(), b.view()]).expect("1-d arrays join"))
            }
            _ => None,
        };
        Ok(ImageSet {
            pixels,
            shape: self.shape,
            labels,
        })
    }
}

/// A data set's training and test parts, where they came from, and what was made of them.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Where the images came from (a registry name or files), with the options they were read with.
    pub source: DataSpec,
    /// The training images (60,000 for the MNIST family).
    pub train: ImageSet,
    /// The test images (10,000 for the MNIST family).
    pub test: ImageSet,
    /// True when every file's SHA-256 matched its pinned value (false for unpinned data sets and
    /// for files of one's own).
    pub verified: bool,
    /// Class names by label id, when the images have labels.
    pub classes: Option<Vec<String>>,
    /// Files left out as unreadable (only when asked to skip them), each with why.
    pub skipped: Vec<Skipped>,
}

/// A file left out of a data set, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// What was wrong with it.
    pub reason: String,
}

impl Dataset {
    /// Loads `id` from `data_dir` (as laid out by [`crate::fetch::Fetcher`]), checking every
    /// file's checksum where one is pinned, and its shape.
    pub fn load(id: DatasetId, data_dir: &Path) -> Result<Dataset> {
        let paths: Vec<PathBuf> = FileKind::ALL
            .iter()
            .map(|&kind| locate(data_dir, id, kind))
            .collect::<Result<_>>()?;
        let mut verified = true;
        let mut arrays = Vec::with_capacity(4);
        for (&kind, path) in FileKind::ALL.iter().zip(&paths) {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let raw = idx::decompress(&bytes, path)?;
            match id.sha256(kind) {
                Some(expected) => {
                    let actual = sha256_hex(&raw);
                    if actual != expected {
                        return Err(Error::Inconsistent {
                            path: path.clone(),
                            reason: format!("SHA-256 {actual} does not match the pinned {expected}; delete it and fetch again"),
                        });
                    }
                }
                None => verified = false,
            }
            let array = idx::parse(&raw, path)?;
            if array.dims.len() != kind.rank() {
                return Err(idx::IdxError {
                    path: path.clone(),
                    kind: idx::IdxErrorKind::WrongRank {
                        expected: kind.rank(),
                        found: array.dims.len(),
                    },
                }
                .into());
            }
            arrays.push(array);
        }
        let mut arrays = arrays.into_iter();
        let mut next_set = |images_path: &Path, labels_path: &Path| -> Result<ImageSet> {
            let images = arrays.next().expect("four arrays were read");
            let labels = arrays.next().expect("four arrays were read");
            ImageSet::from_idx(images, images_path, labels, labels_path)
        };
        let train = next_set(&paths[0], &paths[1])?;
        let test = next_set(&paths[2], &paths[3])?;
        Ok(Dataset {
            source: DataSpec::Registry(id),
            train,
            test,
            verified,
            classes: Some(id.class_names().map(str::to_owned).to_vec()),
            skipped: Vec::new(),
        })
    }

    /// Loads any source: a registry data set from `data_dir`, or files of one's own (image
    /// folders, `.npy` arrays, CSV tables) as [`crate::own`] reads them, reporting decoding to
    /// `progress`.
    pub fn open(spec: &DataSpec, data_dir: &Path, progress: &dyn LoadProgress) -> Result<Dataset> {
        match spec {
            DataSpec::Registry(id) => Dataset::load(*id, data_dir),
            DataSpec::Files(files) => crate::own::load(files, progress),
        }
    }

    /// The name runs and folders use: the registry name, or the file or folder name.
    pub fn name(&self) -> String {
        self.source.to_string()
    }

    /// The shape of every image (training and test agree).
    pub fn shape(&self) -> ImageShape {
        self.train.shape()
    }

    /// SHA-256 (hex) over the decoded images and labels, training then test, each part
    /// preceded by its shape and count: two loads give the same value exactly when they hold
    /// the same pixels, labels and split.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for set in [&self.train, &self.test] {
            let s = set.shape();
            for v in [s.height, s.width, s.channels, set.len()] {
                hash.update((v as u64).to_le_bytes());
            }
            hash.update(
                set.rows()
                    .as_standard_layout()
                    .as_slice()
                    .expect("standard layout"),
            );
            match set.labels() {
                Some(labels) => {
                    hash.update([1]);
                    hash.update(
                        labels
                            .as_standard_layout()
                            .as_slice()
                            .expect("standard layout"),
                    );
                }
                None => hash.update([0]),
            }
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Only the images labelled with one of `classes`, in the training and the test part (the
    /// class names stay, indexed by label). Each class must have training images: a label the
    /// data set does not have is named in the error.
    pub fn of_classes(&self, classes: &[u8]) -> Result<Dataset> {
        if classes.is_empty() {
            return Err(Error::invalid("classes", "name at least one label"));
        }
        let counts = self.train.class_counts();
        if let Some(&missing) = classes
            .iter()
            .find(|&&c| counts.get(usize::from(c)).copied().unwrap_or(0) == 0)
        {
            let known = match &self.classes {
                Some(names) => format!("labels 0–{} ({})", names.len() - 1, names.join(", ")),
                None => format!("{} labels", counts.iter().filter(|&&n| n > 0).count()),
            };
            return Err(Error::invalid(
                "classes",
                format!(
                    "no training image of {} has label {missing}; it has {known}",
                    self.name()
                ),
            ));
        }
        Ok(Dataset {
            train: self.train.of_classes(classes)?,
            test: self.test.of_classes(classes)?,
            ..self.clone()
        })
    }

    /// What was read: source, shape, counts per split and class, the fingerprint, files skipped.
    pub fn summary(&self) -> DataSummary {
        let per_class = |set: &ImageSet| {
            self.classes.as_ref().map(|names| {
                let counts = set.class_counts();
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), counts.get(i).copied().unwrap_or(0)))
                    .collect()
            })
        };
        DataSummary {
            dataset: self.name(),
            source: self.source.clone(),
            shape: self.shape(),
            train: self.train.len(),
            test: self.test.len(),
            classes: self.classes.clone(),
            train_per_class: per_class(&self.train),
            test_per_class: per_class(&self.test),
            sha256: self.fingerprint(),
            verified: self.verified,
            skipped: self.skipped.clone(),
        }
    }
}

/// What a run saw of its data (in `metrics.json` and `ae data`'s line).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataSummary {
    /// The data set's name (registry name, or file or folder name).
    pub dataset: String,
    /// Where it came from, with the options it was read with.
    pub source: DataSpec,
    /// Every image's shape.
    pub shape: ImageShape,
    /// Training images.
    pub train: usize,
    /// Test images.
    pub test: usize,
    /// Class names by label id (absent without labels).
    pub classes: Option<Vec<String>>,
    /// Training images per class, in label order.
    pub train_per_class: Option<Vec<(String, usize)>>,
    /// Test images per class, in label order.
    pub test_per_class: Option<Vec<(String, usize)>>,
    /// [`Dataset::fingerprint`].
    pub sha256: String,
    /// Whether pinned checksums matched (registry data sets only).
    pub verified: bool,
    /// Files left out as unreadable.
    pub skipped: Vec<Skipped>,
}

/// The stored file for `kind`: `<file>.gz`, or an uncompressed `<file>` placed there by hand.
fn locate(data_dir: &Path, id: DatasetId, kind: FileKind) -> Result<PathBuf> {
    let gz = file_path(data_dir, id, kind);
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = gz.with_extension("");
    if raw.is_file() {
        return Ok(raw);
    }
    for path in [&gz, &raw] {
        if path.is_dir() {
            return Err(Error::Inconsistent {
                path: path.clone(),
                reason: "is a directory where the data file should be; remove it and fetch again"
                    .into(),
            });
        }
    }
    Err(Error::NotFetched {
        dataset: id.name().to_owned(),
        dir: data_dir.to_owned(),
        missing: gz
            .strip_prefix(data_dir)
            .unwrap_or(&gz)
            .display()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(n: usize) -> ImageSet {
        let images = Array3::from_shape_fn((n, 28, 28), |(i, r, c)| ((i * 7 + r + c) % 256) as u8);
        let labels = Array1::from_shape_fn(n, |i| (i % 10) as u8);
        ImageSet::new(images, labels).unwrap()
    }

    #[test]
    fn of_classes_keeps_those_labels_in_order() {
        let set = tiny(25);
        let kept = set.of_classes(&[3, 7]).unwrap();
        // tiny()'s image i has label i mod 10: 3, 7, 13, 17, 23.
        assert_eq!(kept.labels().unwrap().to_vec(), vec![3, 7, 3, 7, 3]);
        assert_eq!(kept.rows().row(2), set.rows().row(13));
        assert_eq!(set.of_classes(&[]).unwrap().len(), 0);
        let data = Dataset {
            source: DataSpec::Registry(crate::DatasetId::Mnist),
            train: set.clone(),
            test: tiny(10),
            verified: false,
            classes: None,
            skipped: Vec::new(),
        };
        let one = data.of_classes(&[4]).unwrap();
        assert_eq!((one.train.len(), one.test.len()), (3, 1));
        let e = data.of_classes(&[10]).unwrap_err().to_string();
        assert!(e.contains("label 10") && e.contains("10 labels"), "{e}");
        assert!(data.of_classes(&[]).is_err());
        let unlabelled = ImageSet::from_rows(set.rows().clone(), set.shape(), None);
        assert!(unlabelled.is_ok_and(|u| u.of_classes(&[1]).is_err()));
    }

    #[test]
    fn f32_conversion_scales_and_flattens() {
        let set = tiny(3);
        let x = set.to_f32();
        assert_eq!(x.dim(), (3, 784));
        // tiny()'s pixel (i, r, c) is (7i + r + c) mod 256.
        assert_eq!(x[[1, 28 + 2]], f32::from(7u8 + 1 + 2) / 255.0);
        let x4 = set.to_f32_nchw();
        assert_eq!(x4.dim(), (3, 1, 28, 28));
        assert_eq!(x4[[2, 0, 5, 9]], f32::from(14u8 + 5 + 9) / 255.0);
        let part = set.to_f32_rows(1..3);
        assert_eq!(part.dim(), (2, 784));
        assert_eq!(part[[0, 28 + 2]], f32::from(7u8 + 1 + 2) / 255.0);
        assert_eq!(part, x.slice(s![1..3, ..]));
    }

    #[test]
    fn shuffle_is_seeded_and_a_permutation() {
        let set = tiny(50);
        let a = set.shuffled(1);
        assert_eq!(a, set.shuffled(1));
        assert_ne!(a, set.shuffled(2));
        let mut labels: Vec<u8> = a.labels().unwrap().to_vec();
        labels.sort_unstable();
        let mut orig: Vec<u8> = set.labels().unwrap().to_vec();
        orig.sort_unstable();
        assert_eq!(labels, orig);
    }

    #[test]
    fn splits_partition_the_set() {
        let set = tiny(100);
        let (a, b) = set.random_split(80, 3).unwrap();
        assert_eq!((a.len(), b.len()), (80, 20));
        let (c, d) = set.split_at(90).unwrap();
        assert_eq!(c, set.first(90));
        assert_eq!(d.labels().unwrap()[0], set.labels().unwrap()[90]);
        assert!(set.split_at(101).is_err());
        // Every image lands in exactly one part: compare multisets of first pixels with index.
        let mut ids: Vec<u8> = a
            .rows()
            .column(0)
            .iter()
            .chain(b.rows().column(0).iter())
            .copied()
            .collect();
        ids.sort_unstable();
        let mut want: Vec<u8> = set.rows().column(0).to_vec();
        want.sort_unstable();
        assert_eq!(ids, want);
    }

    #[test]
    fn per_class_takes_first_of_each_label() {
        let set = tiny(35);
        let sub = set.per_class(2);
        assert_eq!(sub.len(), 20);
        assert_eq!(
            sub.labels().unwrap().to_vec()[..12],
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
        );
        assert_eq!(set.per_class(10).len(), 35);
    }

    fn array(dims: &[usize], fill: u8) -> idx::IdxArray {
        idx::IdxArray {
            dims: dims.to_vec(),
            data: vec![fill; dims.iter().product()],
        }
    }

    #[test]
    fn every_file_is_checked_for_digits_images_naming_the_file() {
        let (ip, lp) = (Path::new("k/images"), Path::new("k/labels"));
        let err = |images, labels| {
            ImageSet::from_idx(images, ip, labels, lp)
                .unwrap_err()
                .to_string()
        };
        assert!(ImageSet::from_idx(array(&[2, 28, 28], 1), ip, array(&[2], 9), lp).is_ok());
        let e = err(array(&[2, 27, 27], 1), array(&[2], 1));
        assert_eq!(e, "k/images: images are 27 × 27 pixels, not 28 × 28");
        let e = err(array(&[3, 28, 28], 1), array(&[2], 1));
        assert_eq!(e, "k/images: holds 3 images but k/labels holds 2 labels");
        let e = err(array(&[2, 28, 28], 1), array(&[2], 10));
        assert_eq!(e, "k/labels: label 10 at index 0 is not a digit class 0–9");
        let e = err(array(&[0, 28, 28], 1), array(&[0], 1));
        assert_eq!(e, "k/images: holds no images");
        let e = err(array(&[2, 784], 1), array(&[2], 1));
        assert!(e.contains("2-dimensional array, not images"), "{e}");
    }

    #[test]
    fn a_folder_in_place_of_a_data_file_is_called_that() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("mnist/train-images-idx3-ubyte.gz")).unwrap();
        let e = Dataset::load(DatasetId::Mnist, dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("is a directory where the data file should be"),
            "{e}"
        );
    }

    #[test]
    fn missing_data_names_the_fetch_command() {
        let dir = tempfile::tempdir().unwrap();
        let err = Dataset::load(DatasetId::Mnist, dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cargo xtask fetch-mnist --dataset mnist"),
            "{err}"
        );
        assert!(err.contains("train-images-idx3-ubyte.gz"), "{err}");
    }
}
