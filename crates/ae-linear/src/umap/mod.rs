//! UMAP (McInnes, Healy & Melville 2018), as umap-learn computes it: a fuzzy graph of the k
//! nearest neighbours (each point's distances rescaled by its own ρ and σ, the two directions
//! joined by a probabilistic union), then a low-dimensional layout by stochastic gradient descent
//! on the fuzzy cross-entropy with negative sampling.
//!
//! Written here rather than taken from `umap-rs` (0.4): that crate draws its negative samples
//! from a thread-local generator seeded by the operating system inside a parallel loop, so two
//! runs never give the same layout, and this project promises the same assignments for the same
//! seed; it also needs ndarray 0.17 against the workspace's 0.16. Our layout runs on one thread
//! with a seeded ChaCha generator (about 20 s for 70,000 points, 20 neighbours, 200 epochs).
//!
//! Differences from umap-learn, on purpose: the neighbours are exact (not NN-descent), and the
//! spectral initial layout comes from block power iteration ([`spectral`]) rather than ARPACK.

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::invalid;
use crate::neighbours::{nearest_neighbours, Neighbours};
use crate::{Error, Pca, Result};

pub mod spectral;

/// Entry point: `Umap::params(n_components)`.
pub struct Umap;

impl Umap {
    /// Parameters for an embedding in `n_components` dimensions; other defaults as umap-learn:
    /// 15 neighbours, `min_dist` 0.1, spread 1, 200 epochs above 10,000 points (500 below),
    /// learning rate 1, 5 negative samples per positive one, spectral initial layout, seed 0.
    pub fn params(n_components: usize) -> UmapParams {
        UmapParams {
            n_components,
            n_neighbors: 15,
            min_dist: 0.1,
            spread: 1.0,
            n_epochs: None,
            learning_rate: 1.0,
            negative_sample_rate: 5,
            init: UmapInit::Spectral,
            seed: 0,
        }
    }
}

/// Where the layout starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UmapInit {
    /// The leading non-trivial eigenvectors of the fuzzy graph's normalised adjacency (as
    /// umap-learn): each connected part of the graph starts in its own place.
    Spectral,
    /// The data's first `n_components` principal components.
    Pca,
    /// Uniform in [0, 10) in every dimension.
    Random,
}

/// UMAP parameters (builder).
#[derive(Debug, Clone, PartialEq)]
pub struct UmapParams {
    n_components: usize,
    n_neighbors: usize,
    min_dist: f32,
    spread: f32,
    n_epochs: Option<usize>,
    learning_rate: f32,
    negative_sample_rate: usize,
    init: UmapInit,
    seed: u64,
}

impl UmapParams {
    /// Size of the neighbourhood, counting the point itself (umap-learn's `n_neighbors`).
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.n_neighbors = k;
        self
    }
    /// How tightly points may pack in the layout (0 for clustering, as N2D uses).
    pub fn min_dist(mut self, d: f32) -> Self {
        self.min_dist = d;
        self
    }
    /// Epochs of the layout optimisation.
    pub fn n_epochs(mut self, n: usize) -> Self {
        self.n_epochs = Some(n);
        self
    }
    /// Initial learning rate (it falls linearly to 0).
    pub fn learning_rate(mut self, lr: f32) -> Self {
        self.learning_rate = lr;
        self
    }
    /// Negative samples per positive one.
    pub fn negative_sample_rate(mut self, n: usize) -> Self {
        self.negative_sample_rate = n;
        self
    }
    /// The initial layout.
    pub fn init(mut self, init: UmapInit) -> Self {
        self.init = init;
        self
    }
    /// Seed of the negative sampling (and of the random initialisation).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Neighbours (besides the point itself) the graph needs.
    pub fn neighbours_needed(&self) -> usize {
        self.n_neighbors.saturating_sub(1)
    }

    fn check(&self, n: usize) -> Result<()> {
        if self.n_components == 0 {
            return Err(invalid("n_components", "must be at least 1"));
        }
        if self.n_neighbors < 2 {
            return Err(invalid("n_neighbors", "must be at least 2"));
        }
        if self.n_neighbors > n {
            return Err(invalid(
                "n_neighbors",
                format!("{} exceeds the {n} points", self.n_neighbors),
            ));
        }
        if !(self.min_dist >= 0.0 && self.min_dist < self.spread) {
            return Err(invalid("min_dist", "must be in [0, spread)"));
        }
        if self.learning_rate.is_nan() || self.learning_rate <= 0.0 {
            return Err(invalid("learning_rate", "must be > 0"));
        }
        if self.n_epochs == Some(0) {
            return Err(invalid("n_epochs", "must be at least 1"));
        }
        Ok(())
    }

    /// Embeds the rows of `x`: exact neighbours, then [`UmapParams::fit_neighbours`].
    pub fn fit(&self, x: &ArrayView2<f32>) -> Result<Array2<f32>> {
        self.check(x.nrows())?;
        let nn = nearest_neighbours(x, self.neighbours_needed())?;
        self.fit_neighbours(x, &nn)
    }

    /// Embeds the rows of `x` whose neighbours are already known (at least
    /// `n_neighbors − 1` per row; the nearest ones are used).
    pub fn fit_neighbours(&self, x: &ArrayView2<f32>, nn: &Neighbours) -> Result<Array2<f32>> {
        let n = x.nrows();
        self.check(n)?;
        if nn.indices.nrows() != n || nn.k() < self.neighbours_needed() {
            return Err(Error::InvalidData(format!(
                "neighbours for {} rows with {} each; need {n} rows with {}",
                nn.indices.nrows(),
                nn.k(),
                self.neighbours_needed()
            )));
        }
        let n_epochs = self.n_epochs.unwrap_or(if n > 10_000 { 200 } else { 500 });
        let graph = fuzzy_graph(nn, self.n_neighbors, n_epochs);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let init = match self.init {
            UmapInit::Spectral if n > self.n_components + 1 => {
                let (y, _) = spectral::spectral_embedding(&graph, n, self.n_components, self.seed)?;
                // As umap-learn: scaled so that the largest coordinate is 10, plus a little
                // noise so that no two points start at the same place.
                let max = y
                    .iter()
                    .fold(0.0f64, |m, v| m.max(v.abs()))
                    .max(f64::MIN_POSITIVE);
                let noise = rand_distr::Normal::new(0.0f64, 1e-4).expect("positive std");
                y.mapv(|v| {
                    (v * 10.0 / max + rand_distr::Distribution::sample(&noise, &mut rng)) as f32
                })
            }
            UmapInit::Pca if x.ncols() >= self.n_components => {
                let pca = Pca::params(self.n_components).fit(x)?;
                pca.transform(x)?
            }
            UmapInit::Pca => {
                return Err(invalid(
                    "init",
                    format!(
                        "PCA cannot give {} components from {} columns; use random",
                        self.n_components,
                        x.ncols()
                    ),
                ))
            }
            UmapInit::Random | UmapInit::Spectral => {
                Array2::from_shape_fn((n, self.n_components), |_| rng.gen_range(0.0f32..10.0))
            }
        };
        let mut layout = rescale_to_ten(init);
        let (a, b) = find_ab(self.spread, self.min_dist);
        let mut sgd = LayoutSgd {
            a,
            b,
            dim: self.n_components,
            negative_sample_rate: self.negative_sample_rate,
            rng,
        };
        let flat = layout.as_slice_mut().expect("a fresh layout is row-major");
        sgd.optimise(flat, &graph, n_epochs, self.learning_rate);
        Ok(layout)
    }
}

/// Each column moved and scaled into [0, 10], as umap-learn does with its initial layout.
fn rescale_to_ten(mut y: Array2<f32>) -> Array2<f32> {
    for mut col in y.columns_mut() {
        let lo = col.fold(f32::INFINITY, |a, &b| a.min(b));
        let hi = col.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let span = if hi > lo { hi - lo } else { 1.0 };
        col.mapv_inplace(|v| 10.0 * (v - lo) / span);
    }
    y.as_standard_layout().into_owned()
}

/// The symmetric fuzzy graph as a list of directed edges (both directions of each pair).
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzyGraph {
    /// Source of each edge.
    pub heads: Vec<u32>,
    /// Target of each edge.
    pub tails: Vec<u32>,
    /// Membership strength in (0, 1].
    pub weights: Vec<f32>,
}

/// Per point, ρ (distance to its nearest neighbour) and σ (the scale at which its neighbours'
/// memberships sum to log₂ k), by umap-learn's binary search.
pub fn smooth_knn(distances: &ArrayView2<f32>, n_neighbors: usize) -> (Vec<f32>, Vec<f32>) {
    const MIN_K_DIST_SCALE: f32 = 1e-3;
    let target = (n_neighbors as f32).log2();
    let mean_all = distances.mean().unwrap_or(0.0);
    let mut rhos = Vec::with_capacity(distances.nrows());
    let mut sigmas = Vec::with_capacity(distances.nrows());
    for row in distances.rows() {
        let rho = row.iter().copied().find(|&d| d > 0.0).unwrap_or(0.0);
        let (mut lo, mut hi, mut mid) = (0.0f32, f32::INFINITY, 1.0f32);
        for _ in 0..64 {
            let psum: f32 = row
                .iter()
                .map(|&d| {
                    let d = d - rho;
                    if d > 0.0 {
                        (-d / mid).exp()
                    } else {
                        1.0
                    }
                })
                .sum();
            if (psum - target).abs() < 1e-5 {
                break;
            }
            if psum > target {
                hi = mid;
                mid = (lo + hi) / 2.0;
            } else {
                lo = mid;
                mid = if hi.is_infinite() {
                    mid * 2.0
                } else {
                    (lo + hi) / 2.0
                };
            }
        }
        let floor = MIN_K_DIST_SCALE
            * if rho > 0.0 {
                row.mean().unwrap_or(0.0)
            } else {
                mean_all
            };
        rhos.push(rho);
        sigmas.push(mid.max(floor));
    }
    (rhos, sigmas)
}

/// The fuzzy union of every point's neighbourhood: w = a + b − ab for the two directions,
/// without the edges too weak to be sampled once in `n_epochs`.
pub fn fuzzy_graph(nn: &Neighbours, n_neighbors: usize, n_epochs: usize) -> FuzzyGraph {
    let k = (n_neighbors - 1).min(nn.k());
    let indices = nn.indices.slice(ndarray::s![.., ..k]);
    let distances = nn.distances.slice(ndarray::s![.., ..k]);
    let (rhos, sigmas) = smooth_knn(&distances, n_neighbors);
    // (low, high, is the edge low→high, weight): both directions of a pair meet after sorting.
    let mut directed: Vec<(u32, u32, bool, f32)> = Vec::with_capacity(indices.len());
    for (i, (row, dists)) in indices.rows().into_iter().zip(distances.rows()).enumerate() {
        for (&j, &d) in row.iter().zip(dists) {
            let w = if d - rhos[i] <= 0.0 || sigmas[i] == 0.0 {
                1.0
            } else {
                (-(d - rhos[i]) / sigmas[i]).exp()
            };
            let (i, j) = (i as u32, j);
            directed.push((i.min(j), i.max(j), i < j, w));
        }
    }
    directed.sort_by_key(|x| (x.0, x.1, x.2));
    let mut pairs: Vec<(u32, u32, f32)> = Vec::with_capacity(directed.len());
    let mut at = 0;
    while at < directed.len() {
        let (lo, hi, _, w1) = directed[at];
        if at + 1 < directed.len() && directed[at + 1].0 == lo && directed[at + 1].1 == hi {
            let w2 = directed[at + 1].3;
            pairs.push((lo, hi, w1 + w2 - w1 * w2));
            at += 2;
        } else {
            pairs.push((lo, hi, w1));
            at += 1;
        }
    }
    let max = pairs.iter().fold(0.0f32, |m, p| m.max(p.2));
    let floor = max / n_epochs as f32;
    let mut both: Vec<(u32, u32, f32)> = pairs
        .iter()
        .filter(|p| p.2 >= floor && p.2 > 0.0)
        .flat_map(|&(i, j, w)| [(i, j, w), (j, i, w)])
        .collect();
    both.sort_by_key(|x| (x.0, x.1));
    FuzzyGraph {
        heads: both.iter().map(|e| e.0).collect(),
        tails: both.iter().map(|e| e.1).collect(),
        weights: both.iter().map(|e| e.2).collect(),
    }
}

/// a and b of the layout's similarity 1 / (1 + a d^(2b)), fitted by least squares to
/// 1 below `min_dist` and exp(−(d − min_dist)/spread) above, on 300 points of [0, 3·spread]
/// (umap-learn's `find_ab_params`, which calls scipy's Levenberg–Marquardt from a = b = 1).
pub fn find_ab(spread: f32, min_dist: f32) -> (f32, f32) {
    let (spread, min_dist) = (f64::from(spread), f64::from(min_dist));
    let xs: Vec<f64> = (0..300).map(|i| 3.0 * spread * i as f64 / 299.0).collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|&x| {
            if x < min_dist {
                1.0
            } else {
                (-(x - min_dist) / spread).exp()
            }
        })
        .collect();
    let sse = |a: f64, b: f64| -> f64 {
        xs.iter()
            .zip(&ys)
            .map(|(&x, &y)| (1.0 / (1.0 + a * x.powf(2.0 * b)) - y).powi(2))
            .sum()
    };
    let (mut a, mut b, mut lambda) = (1.0f64, 1.0f64, 1e-3f64);
    let mut err = sse(a, b);
    for _ in 0..500 {
        // Gauss–Newton normal equations JᵀJ δ = −Jᵀr, damped on the diagonal.
        let (mut jaa, mut jab, mut jbb, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            let p = if x > 0.0 { x.powf(2.0 * b) } else { 0.0 };
            let f = 1.0 / (1.0 + a * p);
            let r = f - y;
            let da = -p * f * f;
            let db = if x > 0.0 {
                -a * p * 2.0 * x.ln() * f * f
            } else {
                0.0
            };
            jaa += da * da;
            jab += da * db;
            jbb += db * db;
            ga += da * r;
            gb += db * r;
        }
        let (m11, m22) = (jaa * (1.0 + lambda), jbb * (1.0 + lambda));
        let det = m11 * m22 - jab * jab;
        if det.abs() < 1e-300 {
            break;
        }
        let step_a = -(m22 * ga - jab * gb) / det;
        let step_b = -(m11 * gb - jab * ga) / det;
        let trial = sse(a + step_a, b + step_b);
        if trial < err {
            let done = (err - trial) < 1e-15 * err.max(1e-300);
            a += step_a;
            b += step_b;
            err = trial;
            lambda *= 0.3;
            if done {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    (a as f32, b as f32)
}

/// The layout's stochastic gradient descent (umap-learn's `optimize_layout_euclidean`).
struct LayoutSgd {
    a: f32,
    b: f32,
    dim: usize,
    negative_sample_rate: usize,
    rng: ChaCha8Rng,
}

/// Gradients are clipped to ±4 per coordinate, as umap-learn does.
fn clip(v: f32) -> f32 {
    v.clamp(-4.0, 4.0)
}

impl LayoutSgd {
    fn optimise(&mut self, y: &mut [f32], graph: &FuzzyGraph, n_epochs: usize, lr: f32) {
        let n = (y.len() / self.dim.max(1)) as u32;
        let max = graph.weights.iter().fold(0.0f32, |m, &w| m.max(w));
        // An edge of weight w is sampled n_epochs · w / max times over the run.
        let per_sample: Vec<f32> = graph.weights.iter().map(|&w| max / w).collect();
        let per_negative: Vec<f32> = per_sample
            .iter()
            .map(|&e| e / self.negative_sample_rate.max(1) as f32)
            .collect();
        let mut next_sample = per_sample.clone();
        let mut next_negative = per_negative.clone();
        let (a, b, dim) = (self.a, self.b, self.dim);
        let mut alpha = lr;
        for epoch in 0..n_epochs {
            let now = epoch as f32;
            for e in 0..graph.heads.len() {
                if next_sample[e] > now {
                    continue;
                }
                let j = graph.heads[e] as usize * dim;
                let k = graph.tails[e] as usize * dim;
                let d2: f32 = (0..dim).map(|c| (y[j + c] - y[k + c]).powi(2)).sum();
                let coeff = if d2 > 0.0 {
                    -2.0 * a * b * d2.powf(b - 1.0) / (a * d2.powf(b) + 1.0)
                } else {
                    0.0
                };
                for c in 0..dim {
                    let g = clip(coeff * (y[j + c] - y[k + c])) * alpha;
                    y[j + c] += g;
                    y[k + c] -= g;
                }
                next_sample[e] += per_sample[e];
                let negatives = ((now - next_negative[e]) / per_negative[e]).max(0.0) as usize;
                for _ in 0..negatives {
                    let k = self.rng.gen_range(0..n) as usize * dim;
                    if k == j {
                        continue;
                    }
                    let d2: f32 = (0..dim).map(|c| (y[j + c] - y[k + c]).powi(2)).sum();
                    let coeff = if d2 > 0.0 {
                        2.0 * b / ((0.001 + d2) * (a * d2.powf(b) + 1.0))
                    } else {
                        0.0
                    };
                    for c in 0..dim {
                        let g = if coeff > 0.0 {
                            clip(coeff * (y[j + c] - y[k + c]))
                        } else {
                            4.0
                        };
                        y[j + c] += g * alpha;
                    }
                }
                next_negative[e] += negatives as f32 * per_negative[e];
            }
            alpha = lr * (1.0 - (epoch + 1) as f32 / n_epochs as f32);
            if epoch % 50 == 0 {
                tracing::debug!(epoch, n_epochs, "umap layout");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn the_curve_parameters_match_umap_learn() {
        // umap-learn's find_ab_params(1.0, 0.1) gives a = 1.5769, b = 0.8951.
        let (a, b) = find_ab(1.0, 0.1);
        assert!((a - 1.5769).abs() < 2e-3, "a = {a}");
        assert!((b - 0.8951).abs() < 2e-3, "b = {b}");
    }

    #[test]
    fn sigma_makes_the_memberships_sum_to_log2_k() {
        let d = ndarray::array![[0.5f32, 1.0, 1.5, 2.0], [0.0, 3.0, 4.0, 6.0]];
        let (rho, sigma) = smooth_knn(&d.view(), 5);
        assert_eq!(rho, vec![0.5, 3.0]);
        for (i, row) in d.rows().into_iter().enumerate() {
            let sum: f32 = row
                .iter()
                .map(|&x| (-(x - rho[i]).max(0.0) / sigma[i]).exp())
                .sum();
            assert!((sum - 5f32.log2()).abs() < 1e-3, "row {i}: {sum}");
        }
    }

    #[test]
    fn the_graph_is_symmetric_with_the_fuzzy_union() {
        // Three points on a line, each with its 1 nearest neighbour (n_neighbors 2).
        let x = ndarray::array![[0.0f32], [1.0], [3.0]];
        let nn = nearest_neighbours(&x.view(), 1).unwrap();
        let g = fuzzy_graph(&nn, 2, 200);
        let mut edges: Vec<(u32, u32, f32)> = (0..g.heads.len())
            .map(|e| (g.heads[e], g.tails[e], g.weights[e]))
            .collect();
        edges.sort_by_key(|e| (e.0, e.1));
        // 0↔1 (both each other's nearest: 1 + 1 − 1 = 1) and 2→1 (weight 1, as d = ρ).
        assert_eq!(
            edges,
            vec![(0, 1, 1.0), (1, 0, 1.0), (1, 2, 1.0), (2, 1, 1.0)]
        );
    }

    /// Three tight clusters far apart in 50 dimensions.
    fn clusters(per: usize) -> (Array2<f32>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let noise = Normal::new(0.0f32, 0.3).unwrap();
        let mut x = Array2::zeros((3 * per, 50));
        let mut labels = Vec::new();
        for i in 0..3 * per {
            let c = i / per;
            for d in 0..50 {
                x[[i, d]] = noise.sample(&mut rng) + if d % 3 == c { 5.0 } else { 0.0 };
            }
            labels.push(c);
        }
        (x, labels)
    }

    #[test]
    fn separated_clusters_stay_separated_and_the_seed_fixes_the_layout() {
        let (x, labels) = clusters(60);
        let params = Umap::params(2).n_neighbors(10).n_epochs(100).seed(3);
        let y = params.fit(&x.view()).unwrap();
        assert!(y.iter().all(|v| v.is_finite()));
        // Every point's nearest neighbour in the layout is of its own cluster.
        let nn = nearest_neighbours(&y.view(), 1).unwrap();
        for (i, &j) in nn.indices.column(0).iter().enumerate() {
            assert_eq!(labels[i], labels[j as usize], "point {i}");
        }
        assert_eq!(y, params.fit(&x.view()).unwrap());
        assert_ne!(y, params.clone().seed(4).fit(&x.view()).unwrap());
    }

    #[test]
    fn bad_parameters_are_named() {
        let (x, _) = clusters(5);
        let e = Umap::params(2).n_neighbors(1).fit(&x.view()).unwrap_err();
        assert!(e.to_string().contains("n_neighbors"), "{e}");
        let e = Umap::params(2).min_dist(2.0).fit(&x.view()).unwrap_err();
        assert!(e.to_string().contains("min_dist"), "{e}");
    }
}
