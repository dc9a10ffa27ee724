//! k-means.
pub struct KMeans;
pub struct KMeansParams;
pub struct FittedKMeans;
