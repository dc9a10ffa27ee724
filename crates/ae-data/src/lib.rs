//! MNIST-family image data for dimensionality-reduction experiments.
//!
//! - [`idx`]: reading and writing IDX files (gzip or raw), validated so no input panics.
//! - [`registry`]: the known data sets (`mnist`, `fashion-mnist`, `kmnist`), their files,
//!   download addresses and SHA-256 checksums.
//! - [`fetch`]: downloading or copying a data set with checksum verification.
//! - [`atomic`]: writing a file through a temporary file and a rename.
//! - [`source`]: where a data set comes from (a registry name or files, with their options);
//!   [`shape`]: an image's height, width and channels.
//! - [`dataset`]: a loaded data set, conversion to `f32` arrays, seeded shuffles, splits, subsets,
//!   its fingerprint (SHA-256 of the decoded pixels and labels) and summary.
//! - [`own`]: images of one's own: folders (torchvision's `ImageFolder` layout or flat), `.npy`
//!   arrays and CSV tables, any size, grey or colour.
//! - [`batch`]: seeded permutations and batch iteration by (optionally shuffled) index.
//! - [`noise`]: the corruption models of the seeds (Gaussian, salt-and-pepper, dropout).
//! - [`synthetic`]: the small synthetic data sets of the seeds; [`csv`]: numeric tables;
//!   [`npy`]: matrices (codes, latents) from NumPy files.
//! - [`resources`]: the machine's memory and cores, to bound parameters before work starts.
//!
//! Every random step takes a seed; nothing here prints (diagnostics go through `tracing`).

pub mod atomic;
pub mod batch;
pub mod csv;
pub mod dataset;
pub mod error;
pub mod fetch;
pub mod idx;
pub mod noise;
pub mod npy;
pub mod own;
pub mod registry;
pub mod resources;
pub mod shape;
pub mod shapes;
pub mod source;
pub mod synthetic;

pub use atomic::write_atomically;
pub use batch::{permutation, BatchIndices};
pub use dataset::{DataSummary, Dataset, ImageSet, Skipped};
pub use error::{Error, Result};
pub use noise::Noise;
pub use own::LoadProgress;
pub use registry::{DatasetId, FileKind};
pub use shape::ImageShape;
pub use source::{DataSpec, FileSource};

/// Side length of every image in the MNIST family.
pub const IMAGE_SIDE: usize = 28;
/// Pixels per image (28 × 28).
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
