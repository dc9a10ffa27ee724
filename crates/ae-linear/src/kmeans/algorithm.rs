//! Lloyd's algorithm (distances by GEMM on wide data, by the [`super::tiles`] kernel on narrow data)
//! with greedy k-means++ initialisation.

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::hyperparams::KMeansParams;
use super::tiles::{self, Tiles, LANES, MAX_COLUMNS};
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

/// Squared distances (n × k) as ‖x‖² − 2XCᵀ + ‖c‖², clamped at 0: one GEMM per block of rows,
/// the blocks shared among the cores (rayon's pool, as in the assignment passes). The k-means
/// loop deliberately avoids OpenBLAS: its idle threads spin for a while after each call and
/// would steal the cores from these workers.
pub(crate) fn sq_distances<F: Float>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    centres: &Array2<F>,
) -> Array2<F> {
    let c_sq = row_norms(&centres.view());
    let mut d = Array2::<F>::zeros((x.nrows(), centres.nrows()));
    let per_part = x.nrows().div_ceil(rayon::current_num_threads()).max(1);
    rayon::scope(|scope| {
        for (t, mut part) in d.axis_chunks_iter_mut(Axis(0), per_part).enumerate() {
            let c_sq = &c_sq;
            scope.spawn(move |_| {
                let first = t * per_part;
                let rows = x.slice(s![first..first + part.nrows(), ..]);
                general_mat_mul(F::one(), &rows, &centres.t(), F::zero(), &mut part);
                for (r, mut row) in part.rows_mut().into_iter().enumerate() {
                    let xs = x_sq[first + r];
                    for (v, &cs) in row.iter_mut().zip(c_sq) {
                        let s = xs - (*v + *v) + cs;
                        *v = if s > F::zero() { s } else { F::zero() };
                    }
                }
            });
        }
    });
    d
}

/// Nearest centre of each row, the distance to it, and the inertia.
pub(crate) fn assign<F: Float>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    centres: &Array2<F>,
) -> (Array1<usize>, Array1<F>, f64) {
    let mut ws = Workspace::new(x, centres.nrows());
    let pass = assign_pass(x, x_sq, centres, false, &mut ws);
    (ws.labels, ws.dist, pass.inertia)
}

/// What one pass over the data yields besides each row's nearest centre and squared distance
/// (left in the [`Workspace`]): the inertia and, when asked for, the per-cluster sums and
/// counts of the rows (the next means).
pub(crate) struct Pass {
    inertia: f64,
    sums: Array2<f64>,
    counts: Vec<usize>,
}

/// Values per block: a block (256 × 784 f32 = 800 kB) stays in cache between its distance GEMM
/// and the accumulation of its sums, so X is read from memory once per iteration. Narrow data
/// get more rows per block, up to 8,192, so the per-block overhead stays small.
const BLOCK_VALUES: usize = 200_000;

/// The buffers of the assignment passes, allocated once per fit: on narrow data (60,000 × 32
/// PCA codes) a pass takes about 2 ms, and allocating its labels, distances and per-core
/// blocks afresh each time (fresh pages from the kernel, one fault per 4 kB) plus starting two
/// threads took a tenth of it. Narrow data are also packed here, once, into [`Tiles`].
pub(crate) struct Workspace<F> {
    /// Nearest centre of each row, from the last pass.
    labels: Array1<usize>,
    /// Squared distance of each row to it.
    dist: Array1<F>,
    /// The rows packed for the narrow-data kernel; `None` on wide data (the GEMM path).
    tiles: Option<Tiles<F>>,
    /// One set of buffers per core.
    parts: Vec<PartBuffers<F>>,
    /// Rows per block and rows per core (multiples of [`LANES`] with tiles, so that each block
    /// starts a tile).
    block_rows: usize,
    per_part: usize,
}

/// A core's buffers: one block's products (GEMM path), its rows' nearest centres and values,
/// its sums, and the core's running sums and counts.
struct PartBuffers<F> {
    g: Vec<F>,
    near_index: Vec<u32>,
    near_value: Vec<F>,
    block_sums: Vec<F>,
    sums: Vec<f64>,
    counts: Vec<usize>,
    inertia: f64,
}

impl<F: Float> Workspace<F> {
    /// Buffers for passes over `x` with `k` centres.
    pub(crate) fn new(x: &ArrayView2<F>, k: usize) -> Self {
        Self::with_tiles(x, k, x.ncols() <= MAX_COLUMNS)
    }

    /// Buffers for passes through the tile kernel, or else through the GEMM.
    fn with_tiles(x: &ArrayView2<F>, k: usize, use_tiles: bool) -> Self {
        let (n, d) = x.dim();
        let tiles = use_tiles.then(|| Tiles::pack(x));
        let round = |v: usize| {
            if tiles.is_some() {
                v.div_ceil(LANES) * LANES
            } else {
                v
            }
        };
        let block_rows = round((BLOCK_VALUES / d.max(1)).clamp(256, 8192));
        let parts = rayon::current_num_threads()
            .min(n.div_ceil(block_rows))
            .max(1);
        let per_part = round(n.div_ceil(parts).max(1));
        let block = round(block_rows.min(per_part));
        Workspace {
            labels: Array1::zeros(n),
            dist: Array1::zeros(n),
            parts: (0..n.div_ceil(per_part).max(1))
                .map(|_| PartBuffers {
                    g: if tiles.is_some() {
                        Vec::new()
                    } else {
                        vec![F::zero(); block * k]
                    },
                    near_index: vec![0; block],
                    near_value: vec![F::zero(); block],
                    block_sums: vec![F::zero(); k * d],
                    sums: vec![0.0; k * d],
                    counts: vec![0; k],
                    inertia: 0.0,
                })
                .collect(),
            tiles,
            block_rows,
            per_part,
        }
    }
}

/// The index and value of the smallest `g[j] + c_sq[j]`, the first on ties. Two interleaved
/// chains (even and odd entries) halve the dependent compare-and-select steps of a row, which
/// were most of the per-row time on narrow data.
#[inline]
fn nearest<F: Float>(g: &[F], c_sq: &[F]) -> (usize, F) {
    let mut even = (0, F::of(f64::INFINITY));
    let mut odd = (1, F::of(f64::INFINITY));
    let mut pairs = g.chunks_exact(2).zip(c_sq.chunks_exact(2));
    for (p, (pair, cs)) in pairs.by_ref().enumerate() {
        let (a, b) = (pair[0] + cs[0], pair[1] + cs[1]);
        if a < even.1 {
            even = (2 * p, a);
        }
        if b < odd.1 {
            odd = (2 * p + 1, b);
        }
    }
    if g.len() % 2 == 1 {
        let last = g.len() - 1;
        let a = g[last] + c_sq[last];
        if a < even.1 {
            even = (last, a);
        }
    }
    if odd.1 < even.1 || (odd.1 == even.1 && odd.0 < even.0) {
        odd
    } else {
        even
    }
}

/// One fused assignment (+ sums) pass, the rows split across all cores (rayon's pool, no
/// thread started per pass), each core working block by block (scikit-learn's `_lloyd`
/// scheme). Each block's distances are one small GEMM, ‖x‖² − 2xcᵀ + ‖c‖² clamped at 0.
fn assign_pass<F: Float>(
    x: &ArrayView2<F>,
    x_sq: &Array1<F>,
    centres: &Array2<F>,
    with_sums: bool,
    ws: &mut Workspace<F>,
) -> Pass {
    let d = x.ncols();
    let k = centres.nrows();
    let c_sq = row_norms(&centres.view());
    let c_sq = c_sq.as_slice().expect("owned");
    let x = &x.as_standard_layout();
    let xs_all = x.as_slice().expect("standard layout");
    let tiles = ws.tiles.as_ref();
    // The tile kernel's centres, times −2 (the GEMM path scales in its product instead).
    let minus_2c: Vec<F> = match tiles {
        Some(_) => centres.iter().map(|&v| F::of(-2.0) * v).collect(),
        None => Vec::new(),
    };
    let minus_2c = &minus_2c;
    let (block_rows, per_part) = (ws.block_rows, ws.per_part);
    let labels = ws.labels.as_slice_mut().expect("owned");
    let dist = ws.dist.as_slice_mut().expect("owned");
    rayon::scope(|scope| {
        for (t, ((labels, dist), part)) in labels
            .chunks_mut(per_part)
            .zip(dist.chunks_mut(per_part))
            .zip(ws.parts.iter_mut())
            .enumerate()
        {
            scope.spawn(move |_| {
                let first = t * per_part;
                part.sums.fill(0.0);
                part.counts.fill(0);
                let rows = labels.len();
                // Accumulated in a register: through `part` it would be a store and a load per
                // row, a chain the compiler cannot break.
                let mut inertia = 0.0;
                for b0 in (0..rows).step_by(block_rows) {
                    let b1 = (b0 + block_rows).min(rows);
                    let rows_here = b1 - b0;
                    match tiles {
                        Some(tiles) => tiles::nearest(
                            tiles,
                            first + b0,
                            rows_here,
                            minus_2c,
                            c_sq,
                            &mut part.near_index,
                            &mut part.near_value,
                        ),
                        None => {
                            let block = x.slice(s![first + b0..first + b1, ..]);
                            let len = rows_here * k;
                            // g = −2xcᵀ; the nearest centre minimises ‖c‖² + g, and
                            // ‖x‖² + ‖c‖² + g is the squared distance.
                            let mut g =
                                ArrayViewMut2::from_shape((rows_here, k), &mut part.g[..len])
                                    .expect("block buffer");
                            general_mat_mul(F::of(-2.0), &block, &centres.t(), F::zero(), &mut g);
                            for (r, grow) in part.g[..len].chunks_exact(k).enumerate() {
                                let (j, best) = nearest(grow, c_sq);
                                part.near_index[r] = j as u32;
                                part.near_value[r] = best;
                            }
                        }
                    }
                    if with_sums {
                        part.block_sums.fill(F::zero());
                    }
                    // Plain slices from here: the per-row work is a few dozen flops, so
                    // ndarray's per-call overhead would dominate.
                    let bs = &mut part.block_sums;
                    let nearest_of_rows = part.near_index[..rows_here]
                        .iter()
                        .zip(&part.near_value[..rows_here]);
                    for (r, (&j, &best)) in nearest_of_rows.enumerate() {
                        let j = j as usize;
                        let i = first + b0 + r;
                        let v = x_sq[i] + best;
                        let v = if v > F::zero() { v } else { F::zero() };
                        labels[b0 + r] = j;
                        dist[b0 + r] = v;
                        inertia += v.as_f64();
                        part.counts[j] += 1;
                        if with_sums {
                            let row = &xs_all[i * d..(i + 1) * d];
                            let acc = &mut bs[j * d..(j + 1) * d];
                            acc.iter_mut().zip(row).for_each(|(a, &b)| *a += b);
                        }
                    }
                    if with_sums {
                        part.sums
                            .iter_mut()
                            .zip(bs.iter())
                            .for_each(|(a, &b)| *a += b.as_f64());
                    }
                }
                part.inertia = inertia;
            });
        }
    });
    let mut sums = Array2::<f64>::zeros((if with_sums { k } else { 0 }, d));
    let mut counts = vec![0usize; k];
    let mut inertia = 0.0;
    for part in &ws.parts {
        if with_sums {
            sums.as_slice_mut()
                .expect("owned")
                .iter_mut()
                .zip(&part.sums)
                .for_each(|(a, &b)| *a += b);
        }
        counts
            .iter_mut()
            .zip(&part.counts)
            .for_each(|(a, b)| *a += b);
        inertia += part.inertia;
    }
    Pass {
        inertia,
        sums,
        counts,
    }
}

pub(crate) fn fit<F: Float>(p: &KMeansParams, x: &ArrayView2<F>) -> FittedKMeans<F> {
    let x_sq = row_norms(x);
    // Tolerance relative to the mean feature variance, as scikit-learn. One row-major pass:
    // Σ var_j = (Σ‖x‖² − n‖μ‖²)/n.
    let n = x.nrows() as f64;
    let mut col_sums = vec![0.0f64; x.ncols()];
    for row in x.rows() {
        col_sums
            .iter_mut()
            .zip(row)
            .for_each(|(s, &v)| *s += v.as_f64());
    }
    let mean_sq: f64 = col_sums.iter().map(|s| (s / n).powi(2)).sum();
    let sq_total: f64 = x_sq.iter().map(|v| v.as_f64()).sum();
    let mean_var = ((sq_total / n - mean_sq) / x.ncols().max(1) as f64).max(0.0);
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
    let mut ws = Workspace::new(x, centres.nrows());
    let mut previous: Option<Array1<usize>> = None;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let pass = assign_pass(x, x_sq, &centres, true, &mut ws);
        let new_centres = update_centres(x, &pass, &ws.dist, &centres);
        let shift: f64 = (&new_centres - &centres)
            .iter()
            .map(|v| v.as_f64().powi(2))
            .sum();
        centres = new_centres;
        let unchanged = previous.as_ref() == Some(&ws.labels);
        match &mut previous {
            Some(p) => p.assign(&ws.labels),
            None => previous = Some(ws.labels.clone()),
        }
        if unchanged || shift <= tol {
            break;
        }
    }
    let pass = assign_pass(x, x_sq, &centres, false, &mut ws);
    FittedKMeans {
        centroids: centres,
        labels: ws.labels,
        inertia: pass.inertia,
        n_iter,
    }
}

/// Means of the assigned rows from a pass's sums. An empty cluster takes the row farthest from
/// its centre, as scikit-learn relocates them.
fn update_centres<F: Float>(
    x: &ArrayView2<F>,
    pass: &Pass,
    dist: &Array1<F>,
    old: &Array2<F>,
) -> Array2<F> {
    let mut centres = Array2::<F>::zeros(old.dim());
    let mut taken: Vec<usize> = Vec::new();
    for (j, &count) in pass.counts.iter().enumerate() {
        if count > 0 {
            let c = count as f64;
            for (dst, &s) in centres.row_mut(j).iter_mut().zip(pass.sums.row(j)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_the_first_smallest_sum() {
        let c_sq = [1.0f32, 0.0, 2.0, 0.5, 0.0];
        // Sums 3, 1, 4, 0.5, 0.5: the first of the two smallest.
        assert_eq!(nearest(&[2.0f32, 1.0, 2.0, 0.0, 0.5], &c_sq), (3, 0.5));
        // Odd length: the last entry alone is the smallest.
        assert_eq!(nearest(&[2.0f32, 1.0, 2.0, 0.0, -1.0], &c_sq), (4, -1.0));
        // A tie between an odd and an even position goes to the earlier one.
        assert_eq!(
            nearest(&[0.0f32, 1.0, -1.0, 3.0], &[0.0, -2.0, 0.0, 0.0]),
            (1, -1.0)
        );
        assert_eq!(nearest(&[5.0f64], &[1.0]), (0, 6.0));
        // Against a plain scan, on every length up to 17.
        for k in 1..=17usize {
            let g: Vec<f64> = (0..k).map(|j| ((j * 7919) % 13) as f64 - 6.0).collect();
            let c: Vec<f64> = (0..k).map(|j| ((j * 104_729) % 5) as f64).collect();
            let sums: Vec<f64> = g.iter().zip(&c).map(|(a, b)| a + b).collect();
            let min = sums.iter().copied().fold(f64::INFINITY, f64::min);
            let first = sums.iter().position(|&v| v == min).unwrap();
            assert_eq!(nearest(&g, &c), (first, min), "k = {k}");
        }
    }

    #[test]
    fn a_reused_workspace_gives_the_same_pass() {
        let x = Array2::from_shape_fn((1000, 7), |(i, j)| ((i * 31 + j * 17) % 23) as f32);
        let x_sq = row_norms(&x.view());
        let centres = x.select(Axis(0), &[0, 5, 9]);
        let mut ws = Workspace::new(&x.view(), 3);
        let first = assign_pass(&x.view(), &x_sq, &centres, true, &mut ws);
        let labels = ws.labels.clone();
        let other = x.select(Axis(0), &[1, 2, 3]);
        assign_pass(&x.view(), &x_sq, &other, true, &mut ws);
        let again = assign_pass(&x.view(), &x_sq, &centres, true, &mut ws);
        assert_eq!(ws.labels, labels);
        assert_eq!(again.counts, first.counts);
        assert_eq!(again.sums, first.sums);
        assert_eq!(again.inertia, first.inertia);
        assert_eq!(first.counts.iter().sum::<usize>(), 1000);
    }

    #[test]
    fn tiles_and_gemm_give_the_same_pass() {
        // Integer-valued data: both paths compute exactly, so labels and sums agree exactly.
        for (n, d, k) in [(1000, 7, 3), (517, 10, 10), (300, 33, 5), (64, 1, 2)] {
            let x = Array2::from_shape_fn((n, d), |(i, j)| ((i * 31 + j * 17) % 23) as f32);
            let x_sq = row_norms(&x.view());
            let centres = x.select(Axis(0), &(0..k).map(|j| j * 7).collect::<Vec<_>>());
            let mut tiled = Workspace::with_tiles(&x.view(), k, true);
            let mut gemm = Workspace::with_tiles(&x.view(), k, false);
            let a = assign_pass(&x.view(), &x_sq, &centres, true, &mut tiled);
            let b = assign_pass(&x.view(), &x_sq, &centres, true, &mut gemm);
            assert_eq!(tiled.labels, gemm.labels, "n {n}, d {d}, k {k}");
            assert_eq!(tiled.dist, gemm.dist);
            assert_eq!(a.counts, b.counts);
            assert_eq!(a.sums, b.sums);
            assert_eq!(a.inertia, b.inertia);
        }
    }
}
