//! linfa-clustering's k-means behind [`KMeansFit`], the reference our k-means must agree with.
//! It is much slower on MNIST-sized data (34–83 s against about 1 s here).

use linfa::prelude::*;
use linfa::DatasetBase;
use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{FittedKMeans, KMeansFit, KMeansParams};
use crate::{Error, Float, Result};

/// linfa-clustering's `KMeans` with our parameters (k-means++ initialisation, restarts,
/// tolerance, iteration limit, seed).
#[derive(Debug, Clone)]
pub struct LinfaKMeans(pub KMeansParams);

impl<F: Float + linfa::Float> KMeansFit<F> for LinfaKMeans {
    fn fit_kmeans(&self, x: &ArrayView2<F>) -> Result<FittedKMeans<F>> {
        let p = &self.0;
        p.check(x.nrows())?;
        let data = DatasetBase::from(x.to_owned());
        let model = linfa_clustering::KMeans::params_with_rng(
            p.n_clusters,
            ChaCha8Rng::seed_from_u64(p.seed),
        )
        .n_runs(p.n_init)
        .max_n_iterations(p.max_iter as u64)
        .tolerance(<F as linfa::Float>::cast(p.tol))
        .fit(&data)
        .map_err(|e| Error::Linfa(e.to_string()))?;
        let labels = model.predict(x);
        let centroids = model.centroids().to_owned();
        let x_sq = super::algorithm::row_norms(x);
        let (_, _, inertia) = super::algorithm::assign(x, &x_sq, &centroids);
        Ok(FittedKMeans::from_parts(centroids, labels, inertia, 0))
    }
}
