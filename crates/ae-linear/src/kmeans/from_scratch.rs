//! Seed 000's k-means from scratch (S0.3): vectorised (no loop over points), from given initial
//! means for a fixed number of iterations. An empty cluster keeps its mean, as the seed does.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::error::invalid;
use crate::{Float, Result};

/// Everything the seed records while running.
#[derive(Debug, Clone)]
pub struct Trace<F> {
    /// Means before each iteration, then the final means (iterations + 1 entries).
    pub means: Vec<Array2<F>>,
    /// Cluster of each point after each assignment step.
    pub labels: Vec<Array1<usize>>,
    /// One-hot assignments (n × K) of the last iteration.
    pub one_hot: Array2<F>,
    /// Distortion after each assignment and after each update, interleaved (2 per iteration).
    pub distortions: Vec<f64>,
}

impl<F: Float> Trace<F> {
    /// The final means.
    pub fn final_means(&self) -> &Array2<F> {
        self.means.last().expect("at least the initial means")
    }
}

/// ‖xᵢ − μⱼ‖² for every point and mean (n × K), as ‖x‖² − 2x·μ + ‖μ‖².
pub fn sq_distances<F: Float>(x: &ArrayView2<F>, means: &ArrayView2<F>) -> Array2<F> {
    let x_sq = x.map_axis(Axis(1), |r| r.dot(&r)).insert_axis(Axis(1));
    let m_sq = means.map_axis(Axis(1), |r| r.dot(&r)).insert_axis(Axis(0));
    &x_sq - &(x.dot(&means.t()) * F::of(2.0)) + &m_sq
}

/// The k-means loss: Σ over points of the squared distance to the assigned mean.
pub fn distortion<F: Float>(
    x: &ArrayView2<F>,
    means: &ArrayView2<F>,
    one_hot: &ArrayView2<F>,
) -> f64 {
    (&sq_distances(x, means) * one_hot).sum().as_f64()
}

/// Runs `iterations` of assignment and mean update from `initial_means` (K × d).
pub fn run<F: Float>(
    x: &ArrayView2<F>,
    initial_means: &ArrayView2<F>,
    iterations: usize,
) -> Result<Trace<F>> {
    let k = initial_means.nrows();
    if k == 0 {
        return Err(invalid("initial means", "need at least one mean"));
    }
    if initial_means.ncols() != x.ncols() {
        return Err(invalid(
            "initial means",
            format!(
                "have {} columns, the data {}",
                initial_means.ncols(),
                x.ncols()
            ),
        ));
    }
    let eye = Array2::<F>::eye(k);
    let mut means = initial_means.to_owned();
    let mut trace = Trace {
        means: vec![means.clone()],
        labels: Vec::new(),
        one_hot: Array2::zeros((x.nrows(), k)),
        distortions: Vec::new(),
    };
    for _ in 0..iterations {
        let d = sq_distances(x, &means.view());
        let labels = d.map_axis(Axis(1), |row| {
            row.iter()
                .enumerate()
                .fold(0, |best, (j, &v)| if v < row[best] { j } else { best })
        });
        let one_hot = eye.select(Axis(0), labels.as_slice().expect("contiguous"));
        trace
            .distortions
            .push(distortion(x, &means.view(), &one_hot.view()));
        // Means as one matrix product: (Zᵀ X) / counts; empty clusters keep their mean.
        let counts = one_hot.sum_axis(Axis(0));
        let sums = one_hot.t().dot(x);
        for j in 0..k {
            if counts[j] > F::zero() {
                let new = &sums.row(j) / counts[j];
                means.row_mut(j).assign(&new);
            }
        }
        trace
            .distortions
            .push(distortion(x, &means.view(), &one_hot.view()));
        trace.means.push(means.clone());
        trace.labels.push(labels);
        trace.one_hot = one_hot;
    }
    Ok(trace)
}
