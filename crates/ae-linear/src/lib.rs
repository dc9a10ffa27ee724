//! Linear (and the other non-neural) dimensionality reduction and clustering on `ndarray`, in the linfa style
//! (params → `fit` → fitted model → `transform` / `predict`), for `f32` and `f64`.
//!
//! - [`pca`]: PCA by covariance eigendecomposition, by SVD of the centred data, randomized
//!   (Halko et al.), incremental (batch by batch) and kernel PCA (RBF).
//! - [`kmeans`]: seed 000's vectorised k-means from scratch, and a production k-means
//!   (k-means++, restarts, tolerance) whose distances are one BLAS GEMM per iteration; linfa's
//!   k-means sits behind the same trait as a reference.
//! - [`gmm`], [`neighbours`]: a Gaussian mixture (EM in the log domain) and exact k nearest
//!   neighbours; [`umap`], [`tsne`]: UMAP and Barnes–Hut t-SNE, seeded or deterministic.
//!
//! Heavy linear algebra goes through OpenBLAS (system library, installed by `cargo xtask setup`).

pub mod blas_core;
mod eigh;
pub mod error;
pub mod float;
pub mod gemm;
pub mod gmm;
pub mod kmeans;
pub mod neighbours;
pub mod pca;
pub mod tsne;
pub mod umap;

pub use error::{Error, Result};
pub use float::Float;
pub use gmm::{FittedGmm, GaussianMixture, GmmParams};
pub use kmeans::{FittedKMeans, KMeans, KMeansParams};
pub use neighbours::{nearest_neighbours, Neighbours};
pub use pca::{Components, FittedPca, IncrementalPca, KernelPca, Pca, PcaParams, Solver};
pub use tsne::{Tsne, TsneParams};
pub use umap::{Umap, UmapInit, UmapParams};

// OpenBLAS provides the BLAS and LAPACK symbols ndarray and ndarray-linalg call.
use openblas_src as _;
