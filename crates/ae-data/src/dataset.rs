//! Loaded data sets: images and labels, conversions to `f32`, seeded shuffles, splits, subsets.

use std::path::{Path, PathBuf};

use ndarray::{s, Array1, Array2, Array3, Array4, ArrayView2, Axis};

use crate::batch::{permutation, BatchIndices};
use crate::fetch::{file_path, sha256_hex};
use crate::registry::{DatasetId, FileKind};
use crate::{idx, Error, Result, IMAGE_PIXELS, IMAGE_SIDE};

/// Images (n, 28, 28) of `u8` with one label each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    images: Array3<u8>,
    labels: Array1<u8>,
}

impl ImageSet {
    /// Pairs images with labels; their counts must agree.
    pub fn new(images: Array3<u8>, labels: Array1<u8>) -> Result<Self> {
        if images.len_of(Axis(0)) != labels.len() {
            return Err(Error::invalid(
                "labels",
                format!(
                    "{} images but {} labels",
                    images.len_of(Axis(0)),
                    labels.len()
                ),
            ));
        }
        Ok(ImageSet { images, labels })
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
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images, (n, height, width).
    pub fn images(&self) -> &Array3<u8> {
        &self.images
    }

    /// The labels, one per image.
    pub fn labels(&self) -> &Array1<u8> {
        &self.labels
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.images.len_of(Axis(1)) * self.images.len_of(Axis(2))
    }

    /// The images flattened to rows and scaled to [0, 1]: (n, 784).
    pub fn to_f32(&self) -> Array2<f32> {
        let flat = self
            .images
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((self.len(), self.pixels()))
            .expect("a standard-layout (n, h, w) array reshapes to (n, h*w)");
        flat.mapv(|p| f32::from(p) / 255.0)
    }

    /// The images scaled to [0, 1] with a channel axis: (n, 1, 28, 28).
    pub fn to_f32_nchw(&self) -> Array4<f32> {
        let (n, h, w) = self.images.dim();
        self.to_f32()
            .into_shape_with_order((n, 1, h, w))
            .expect("(n, h*w) reshapes to (n, 1, h, w)")
    }

    /// The images at `indices`, in that order.
    ///
    /// # Panics
    /// When an index is out of range.
    pub fn select(&self, indices: &[usize]) -> ImageSet {
        ImageSet {
            images: self.images.select(Axis(0), indices),
            labels: self.labels.select(Axis(0), indices),
        }
    }

    /// The first `n` images (all of them when `n` exceeds the count).
    pub fn first(&self, n: usize) -> ImageSet {
        let n = n.min(self.len());
        ImageSet {
            images: self.images.slice(s![..n, .., ..]).to_owned(),
            labels: self.labels.slice(s![..n]).to_owned(),
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

    /// The first `n` images of each label, in order of appearance (fewer where a label has fewer).
    pub fn per_class(&self, n: usize) -> ImageSet {
        let mut taken = [0usize; 256];
        let indices: Vec<usize> = self
            .labels
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

    /// Batches of (images (b, 784) in [0, 1], labels), in order or shuffled with `seed`.
    pub fn batches(
        &self,
        batch_size: usize,
        shuffle_seed: Option<u64>,
        drop_remainder: bool,
    ) -> Result<impl Iterator<Item = (Array2<f32>, Array1<u8>)> + '_> {
        let plan = BatchIndices::new(self.len(), batch_size, shuffle_seed, drop_remainder)?;
        let flat = self.to_f32();
        Ok((0..plan.len()).map(move |b| {
            let idx = plan.batch(b);
            (flat.select(Axis(0), idx), self.labels.select(Axis(0), idx))
        }))
    }
}

/// Rows of `images` as 28 × 28 `u8` images, values in [0, 1] mapped to 0..=255 (clamped).
pub fn to_u8_images(images: ArrayView2<f32>) -> Array3<u8> {
    let n = images.nrows();
    let mut out = Array3::<u8>::zeros((n, IMAGE_SIDE, IMAGE_SIDE));
    for (dst, src) in out.iter_mut().zip(images.iter()) {
        *dst = (src.clamp(0.0, 1.0) * 255.0).round() as u8;
    }
    debug_assert_eq!(images.ncols(), IMAGE_PIXELS);
    out
}

/// A data set's training and test parts.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Which data set.
    pub id: DatasetId,
    /// The 60,000 training images.
    pub train: ImageSet,
    /// The 10,000 test images.
    pub test: ImageSet,
    /// True when every file's SHA-256 matched its pinned value (false for unpinned data sets).
    pub verified: bool,
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
            id,
            train,
            test,
            verified,
        })
    }
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
    fn f32_conversion_scales_and_flattens() {
        let set = tiny(3);
        let x = set.to_f32();
        assert_eq!(x.dim(), (3, 784));
        assert_eq!(x[[1, 28 + 2]], f32::from(set.images()[[1, 1, 2]]) / 255.0);
        let x4 = set.to_f32_nchw();
        assert_eq!(x4.dim(), (3, 1, 28, 28));
        assert_eq!(x4[[2, 0, 5, 9]], f32::from(set.images()[[2, 5, 9]]) / 255.0);
    }

    #[test]
    fn shuffle_is_seeded_and_a_permutation() {
        let set = tiny(50);
        let a = set.shuffled(1);
        assert_eq!(a, set.shuffled(1));
        assert_ne!(a, set.shuffled(2));
        let mut labels: Vec<u8> = a.labels().to_vec();
        labels.sort_unstable();
        let mut orig: Vec<u8> = set.labels().to_vec();
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
        assert_eq!(d.labels()[0], set.labels()[90]);
        assert!(set.split_at(101).is_err());
        // Every image lands in exactly one part: compare multisets of first pixels with index.
        let mut ids: Vec<u8> = a
            .images()
            .slice(s![.., 0, 0])
            .iter()
            .chain(b.images().slice(s![.., 0, 0]).iter())
            .copied()
            .collect();
        ids.sort_unstable();
        let mut want: Vec<u8> = set.images().slice(s![.., 0, 0]).to_vec();
        want.sort_unstable();
        assert_eq!(ids, want);
    }

    #[test]
    fn per_class_takes_first_of_each_label() {
        let set = tiny(35);
        let sub = set.per_class(2);
        assert_eq!(sub.len(), 20);
        assert_eq!(
            sub.labels().to_vec()[..12],
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
        );
        assert_eq!(set.per_class(10).len(), 35);
    }

    #[test]
    fn batches_cover_everything_once() {
        let set = tiny(25);
        let batches: Vec<_> = set.batches(10, Some(4), false).unwrap().collect();
        assert_eq!(
            batches.iter().map(|(x, _)| x.nrows()).collect::<Vec<_>>(),
            vec![10, 10, 5]
        );
        let total: f64 = batches
            .iter()
            .flat_map(|(x, _)| x.iter())
            .map(|&v| f64::from(v))
            .sum();
        let want: f64 = set.to_f32().iter().map(|&v| f64::from(v)).sum();
        assert!((total - want).abs() < 1e-6 * want, "{total} vs {want}");
        assert_eq!(set.batches(10, None, true).unwrap().count(), 2);
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
