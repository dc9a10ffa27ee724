//! Lloyd's algorithm with GEMM distances and greedy k-means++ initialisation.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::hyperparams::KMeansParams;
use crate::{Error, Float, Result};

/// A fitted k-means model.
#[derive(Debug, Clone)]
pub struct FittedKMeans<F> {
    pub(crate) centroids: Array2<F>,
    pub(crate) labels: Array1<usize>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
}

impl<F: Float> FittedKMeans<F> {
    /// Assembles a model from its parts (used by other implementations behind [`super::KMeansFit`]).
    pub fn from_parts(
        centroids: Array2<F>,
        labels: Array1<usize>,
        inertia: f64,
        n_iter: usize,
    ) -> Self {
        FittedKMeans {
            centroids,
            labels,
            inertia,
            n_iter,
        }
    }
    /// Cluster centres (k × d).
    pub fn centroids(&self) -> &Array2<F> {
        &self.centroids
    }
    /// Cluster of each training row.
    pub fn labels(&self) -> &Array1<usize> {
        &self.labels
    }
    /// Sum of squared distances of the training rows to their centres.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }
    /// Iterations of the kept run.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
    /// Nearest centre of each row of `x`.
    pub fn predict(&self, x: &ArrayView2<F>) -> Result<Array1<usize>> {
        if x.ncols() != self.centroids.ncols() {
            return Err(Error::InvalidData(format!(
                "data has {} columns, the centroids {}",
                x.ncols(),
                self.centroids.ncols()
            )));
        }
        let x_sq = row_norms(x);
        Ok(assign(x, &x_sq, &self.centroids).0)
    }
}

/// Squared Euclidean norm of each row.
pub(crate) fn row_norms<F: Float>(x: &ArrayView2<F>) -> Array1<F> {
    x.map_axis(Axis(1), |r| r.dot(&r))
}

/// Squared distances (n × k) as ‖x‖² − 2XCᵀ + ‖c‖², clamped at 0: one GEMM.
pub(crate) fn sq_distances<F: Float>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    centres: &Array2<F>,
) -> Array2<F> {
    let c_sq = row_norms(&centres.view());
    let mut d = x.dot(&centres.t());
    let minus_two = F::of(-2.0);
    for (mut row, &xs) in d.rows_mut().into_iter().zip(x_sq) {
        for (v, &cs) in row.iter_mut().zip(&c_sq) {
            let s = xs + minus_two * *v + cs;
            *v = if s > F::zero() { s } else { F::zero() };
        }
    }
    d
}

/// Nearest centre of each row, the distance to it, and the inertia.
pub(crate) fn assign<F: Float>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    centres: &Array2<F>,
) -> (Array1<usize>, Array1<F>, f64) {
    let d = sq_distances(x, x_sq, centres);
    let mut labels = Array1::zeros(x.nrows());
    let mut best = Array1::zeros(x.nrows());
    let mut inertia = 0.0;
    for (i, row) in d.rows().into_iter().enumerate() {
        let (j, v) = row.iter().enumerate().fold(
            (0, row[0]),
            |acc, (j, &v)| if v < acc.1 { (j, v) } else { acc },
        );
        labels[i] = j;
        best[i] = v;
        inertia += v.as_f64();
    }
    (labels, best, inertia)
}

pub(crate) fn fit<F: Float>(p: &KMeansParams, x: &ArrayView2<F>) -> FittedKMeans<F> {
    let x_sq = row_norms(x);
    // Tolerance relative to the mean feature variance, as scikit-learn.
    let n = x.nrows() as f64;
    let mean_var = x
        .columns()
        .into_iter()
        .map(|c| {
            let m = c.iter().map(|v| v.as_f64()).sum::<f64>() / n;
            c.iter().map(|v| (v.as_f64() - m).powi(2)).sum::<f64>() / n
        })
        .sum::<f64>()
        / x.ncols().max(1) as f64;
    let tol = p.tol * mean_var;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut best: Option<FittedKMeans<F>> = None;
    for run in 0..p.n_init {
        let centres = kmeans_plus_plus(x, &x_sq, p.n_clusters, &mut rng);
        let fitted = lloyd(x, &x_sq, centres, p.max_iter, tol);
        tracing::debug!(
            run,
            inertia = fitted.inertia,
            iterations = fitted.n_iter,
            "k-means run"
        );
        if best.as_ref().is_none_or(|b| fitted.inertia < b.inertia) {
            best = Some(fitted);
        }
    }
    best.expect("n_init >= 1")
}

/// Lloyd iterations from `centres` until the labels stop changing, the squared centre shift is
/// at most `tol`, or `max_iter`; ends with a final assignment so labels match the centres.
fn lloyd<F: Float>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    mut centres: Array2<F>,
    max_iter: usize,
    tol: f64,
) -> FittedKMeans<F> {
    let mut labels: Option<Array1<usize>> = None;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let (new_labels, dist, _) = assign(x, x_sq, &centres);
        let new_centres = update_centres(x, &new_labels, &dist, &centres);
        let shift: f64 = (&new_centres - &centres)
            .iter()
            .map(|v| v.as_f64().powi(2))
            .sum();
        centres = new_centres;
        let unchanged = labels.as_ref() == Some(&new_labels);
        labels = Some(new_labels);
        if unchanged || shift <= tol {
            break;
        }
    }
    let (labels, _, inertia) = assign(x, x_sq, &centres);
    FittedKMeans {
        centroids: centres,
        labels,
        inertia,
        n_iter,
    }
}

/// Means of the assigned rows (accumulated in f64). An empty cluster takes the row farthest
/// from its centre, as scikit-learn relocates them.
fn update_centres<F: Float>(
    x: &ArrayView2<F>,
    labels: &Array1<usize>,
    dist: &Array1<F>,
    old: &Array2<F>,
) -> Array2<F> {
    let (k, d) = old.dim();
    let mut sums = Array2::<f64>::zeros((k, d));
    let mut counts = vec![0usize; k];
    for (row, &l) in x.rows().into_iter().zip(labels) {
        counts[l] += 1;
        for (s, &v) in sums.row_mut(l).iter_mut().zip(row) {
            *s += v.as_f64();
        }
    }
    let mut centres = Array2::<F>::zeros((k, d));
    let mut taken: Vec<usize> = Vec::new();
    for (j, &count) in counts.iter().enumerate() {
        if count > 0 {
            let c = count as f64;
            for (dst, &s) in centres.row_mut(j).iter_mut().zip(sums.row(j)) {
                *dst = F::of(s / c);
            }
        } else {
            let far = (0..x.nrows())
                .filter(|i| !taken.contains(i))
                .fold(0, |a, i| if dist[i] > dist[a] { i } else { a });
            taken.push(far);
            centres.row_mut(j).assign(&x.row(far));
        }
    }
    centres
}

/// Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's variant): each new centre is the
/// best of 2 + ⌊ln k⌋ candidates drawn proportionally to the squared distance to the nearest
/// chosen centre.
pub(crate) fn kmeans_plus_plus<F: Float, R: Rng>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    k: usize,
    rng: &mut R,
) -> Array2<F> {
    let (n, d) = x.dim();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centres = Array2::<F>::zeros((k, d));
    let first = rng.gen_range(0..n);
    centres.row_mut(0).assign(&x.row(first));
    let mut closest: Array1<f64> = sq_distances(x, x_sq, &centres.select(Axis(0), &[0]))
        .column(0)
        .mapv(|v| v.as_f64());
    let mut potential: f64 = closest.sum();
    for c in 1..k {
        let cumulative: Vec<f64> = closest
            .iter()
            .scan(0.0, |acc, &v| {
                *acc += v;
                Some(*acc)
            })
            .collect();
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let r = rng.gen::<f64>() * potential;
                cumulative.partition_point(|&v| v < r).min(n - 1)
            })
            .collect();
        let cand_centres = x.select(Axis(0), &candidates);
        let dist = sq_distances(x, x_sq, &cand_centres); // n × trials
        let mut best = (0, f64::INFINITY);
        for t in 0..candidates.len() {
            let pot: f64 = closest
                .iter()
                .zip(dist.column(t))
                .map(|(&a, &b)| a.min(b.as_f64()))
                .sum();
            if pot < best.1 {
                best = (t, pot);
            }
        }
        let chosen = best.0;
        closest
            .iter_mut()
            .zip(dist.column(chosen))
            .for_each(|(a, &b)| *a = a.min(b.as_f64()));
        potential = best.1;
        centres.row_mut(c).assign(&x.row(candidates[chosen]));
    }
    centres
}
