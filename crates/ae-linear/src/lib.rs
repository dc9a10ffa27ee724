//! Linear dimensionality reduction and clustering: the PCA family and k-means.

// OpenBLAS provides the BLAS and LAPACK symbols ndarray and ndarray-linalg call.
use openblas_src as _;
