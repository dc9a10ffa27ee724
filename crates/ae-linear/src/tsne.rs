//! Barnes–Hut t-SNE to 2-D (van der Maaten 2014), as scikit-learn's `TSNE(method="barnes_hut")`
//! computes it: affinities from each point's 3 × perplexity nearest neighbours (a binary search
//! per point for the perplexity), symmetrised; PCA initial layout; 250 iterations of early
//! exaggeration (12) at momentum 0.5, then momentum 0.8 to 1,000 iterations; learning rate
//! max(n / 48, 50); per-coordinate gains; repulsion summed over a quadtree with θ = 0.5.
//!
//! Written here rather than taken from `linfa-tsne` (0.8, on `bhtsne` 0.4): its neighbour search
//! builds a vantage-point tree with vantage points from an unseeded thread-local generator and
//! partitions each node around the wrong element, so its neighbours are not exact and two runs
//! on the same points give different maps; on points of hundreds of values (MNIST's pixels) it
//! overflowed its stack. Here neighbours are exact ([`nearest_neighbours`]), nothing is random
//! (the layout starts from PCA), and the quadtree is built and walked without recursion.

use ndarray::{Array2, ArrayView2};

use crate::error::invalid;
use crate::neighbours::nearest_neighbours;
use crate::{Pca, Result};

/// Entry point: `Tsne::params()`.
pub struct Tsne;

impl Tsne {
    /// scikit-learn's defaults: perplexity 30, early exaggeration 12 for 250 iterations, 1,000
    /// iterations, θ = 0.5, learning rate max(n / 48, 50).
    pub fn params() -> TsneParams {
        TsneParams {
            perplexity: 30.0,
            early_exaggeration: 12.0,
            exploration_iterations: 250,
            iterations: 1000,
            theta: 0.5,
            learning_rate: None,
        }
    }
}

/// t-SNE's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TsneParams {
    perplexity: f64,
    early_exaggeration: f64,
    exploration_iterations: usize,
    iterations: usize,
    theta: f64,
    learning_rate: Option<f64>,
}

impl TsneParams {
    /// The effective number of neighbours each point's affinities spread over.
    pub fn perplexity(mut self, p: f64) -> Self {
        self.perplexity = p;
        self
    }
    /// All iterations, the early-exaggeration ones included (at least 250 + 1).
    pub fn iterations(mut self, n: usize) -> Self {
        self.iterations = n;
        self
    }
    /// Barnes–Hut's opening angle: 0 sums the repulsion over every pair exactly.
    pub fn theta(mut self, theta: f64) -> Self {
        self.theta = theta;
        self
    }
    /// A fixed learning rate instead of max(n / 48, 50).
    pub fn learning_rate(mut self, lr: f64) -> Self {
        self.learning_rate = Some(lr);
        self
    }

    /// Neighbours each point's affinities are computed over: ⌊3 × perplexity + 1⌋, at most n − 1.
    fn neighbours(&self, n: usize) -> usize {
        ((3.0 * self.perplexity + 1.0) as usize).min(n - 1)
    }

    fn check(&self, n: usize) -> Result<()> {
        if n < 3 {
            return Err(invalid(
                "points",
                format!("t-SNE needs at least 3, got {n}"),
            ));
        }
        let largest = (n as f64 - 1.0) / 3.0;
        if !(self.perplexity > 0.0 && self.perplexity <= largest) {
            return Err(invalid(
                "perplexity",
                format!(
                    "{}: must be > 0 and at most (n − 1) / 3 = {largest:.1} for {n} points",
                    self.perplexity
                ),
            ));
        }
        if self.iterations <= self.exploration_iterations {
            return Err(invalid(
                "iterations",
                format!(
                    "must exceed the {} of early exaggeration",
                    self.exploration_iterations
                ),
            ));
        }
        if !(self.theta >= 0.0 && self.theta.is_finite()) {
            return Err(invalid("theta", "must be ≥ 0"));
        }
        if matches!(self.learning_rate, Some(lr) if !(lr > 0.0 && lr.is_finite())) {
            return Err(invalid("learning_rate", "must be > 0"));
        }
        Ok(())
    }

    /// The rows of `x` laid out in 2-D (`n × 2`).
    pub fn fit(&self, x: &ArrayView2<f32>) -> Result<Array2<f32>> {
        let n = x.nrows();
        self.check(n)?;
        let p = affinities(x, self.perplexity, self.neighbours(n))?;
        let mut y = pca_layout(x)?;
        let lr = self
            .learning_rate
            .unwrap_or((n as f64 / self.early_exaggeration / 4.0).max(50.0));
        let mut update = vec![0.0f64; 2 * n];
        let mut gains = vec![1.0f64; 2 * n];
        let mut grad = vec![0.0f64; 2 * n];
        let mut tree = QuadTree::default();
        for it in 0..self.iterations {
            let exploring = it < self.exploration_iterations;
            let exaggeration = if exploring {
                self.early_exaggeration
            } else {
                1.0
            };
            let momentum = if exploring { 0.5 } else { 0.8 };
            gradient(&p, exaggeration, &y, self.theta, &mut tree, &mut grad);
            for c in 0..2 * n {
                // Delta-bar-delta gains, as scikit-learn's `_gradient_descent`.
                gains[c] = if update[c] * grad[c] < 0.0 {
                    gains[c] + 0.2
                } else {
                    (gains[c] * 0.8).max(0.01)
                };
                update[c] = momentum * update[c] - lr * gains[c] * grad[c];
                y[c] += update[c];
            }
        }
        Ok(Array2::from_shape_fn((n, 2), |(i, c)| y[2 * i + c] as f32))
    }
}

/// The symmetric affinities P (summing to 1) as sparse rows.
struct Affinities {
    /// Row i's entries are `cols[starts[i]..starts[i + 1]]`, `values[…]`.
    starts: Vec<usize>,
    cols: Vec<u32>,
    values: Vec<f64>,
}

/// Each point's conditional affinities over its `k` nearest neighbours, with the Gaussian's
/// precision found by binary search so that their entropy is ln(perplexity); then P = (P + Pᵀ)
/// normalised to sum 1.
fn affinities(x: &ArrayView2<f32>, perplexity: f64, k: usize) -> Result<Affinities> {
    let n = x.nrows();
    let nn = nearest_neighbours(x, k)?;
    let mut entries: Vec<(u32, u32, f64)> = Vec::with_capacity(2 * n * k);
    for i in 0..n {
        let d2: Vec<f64> = nn
            .distances
            .row(i)
            .iter()
            .map(|&d| f64::from(d) * f64::from(d))
            .collect();
        let row = conditional_row(&d2, perplexity);
        for (r, &j) in nn.indices.row(i).iter().enumerate() {
            entries.push((i as u32, j, row[r]));
            entries.push((j, i as u32, row[r]));
        }
    }
    entries.sort_unstable_by_key(|&(i, j, _)| (i, j));
    let total: f64 = entries.iter().map(|e| e.2).sum();
    let mut starts = Vec::with_capacity(n + 1);
    let mut cols = Vec::new();
    let mut values = Vec::new();
    let mut e = 0;
    for i in 0..n as u32 {
        starts.push(cols.len());
        while e < entries.len() && entries[e].0 == i {
            let j = entries[e].1;
            let mut v = 0.0;
            while e < entries.len() && entries[e].0 == i && entries[e].1 == j {
                v += entries[e].2;
                e += 1;
            }
            cols.push(j);
            values.push(v / total.max(f64::MIN_POSITIVE));
        }
    }
    starts.push(cols.len());
    Ok(Affinities {
        starts,
        cols,
        values,
    })
}

/// p_{j|i} ∝ exp(−β d²_ij) over one point's neighbours, β by binary search (100 steps at most,
/// tolerance 1e-5 on the entropy), as scikit-learn's `_binary_search_perplexity`.
fn conditional_row(d2: &[f64], perplexity: f64) -> Vec<f64> {
    let target = perplexity.ln();
    let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    let mut p = vec![0.0; d2.len()];
    for _ in 0..100 {
        for (pj, &d) in p.iter_mut().zip(d2) {
            *pj = (-d * beta).exp();
        }
        let sum = p.iter().sum::<f64>().max(1e-8);
        let mean_d: f64 = p.iter().zip(d2).map(|(pj, d)| pj * d).sum::<f64>() / sum;
        for pj in &mut p {
            *pj /= sum;
        }
        let entropy = sum.ln() + beta * mean_d;
        let gap = entropy - target;
        if gap.abs() <= 1e-5 {
            break;
        }
        if gap > 0.0 {
            lo = beta;
            beta = if hi.is_infinite() {
                beta * 2.0
            } else {
                (beta + hi) / 2.0
            };
        } else {
            hi = beta;
            beta = if lo.is_infinite() {
                beta / 2.0
            } else {
                (beta + lo) / 2.0
            };
        }
    }
    p
}

/// The first two principal components, scaled so that the first has standard deviation 1e-4
/// (scikit-learn's `init="pca"`), interleaved x, y per point.
fn pca_layout(x: &ArrayView2<f32>) -> Result<Vec<f64>> {
    let n = x.nrows();
    let z = if x.ncols() >= 2 {
        Pca::params(2).fit(x)?.transform(x)?.mapv(f64::from)
    } else {
        // One value per point: that value, and 0.
        Array2::from_shape_fn(
            (n, 2),
            |(i, c)| if c == 0 { f64::from(x[[i, 0]]) } else { 0.0 },
        )
    };
    let mean = z.column(0).sum() / n as f64;
    let sd = (z.column(0).iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let scale = if sd > 0.0 { 1e-4 / sd } else { 1.0 };
    Ok(z.iter().map(|v| v * scale).collect())
}

/// The gradient of KL(P ‖ Q) with respect to every coordinate (into `grad`, interleaved): the
/// attraction over P's entries exactly, the repulsion over the quadtree (exactly when θ = 0).
fn gradient(
    p: &Affinities,
    exaggeration: f64,
    y: &[f64],
    theta: f64,
    tree: &mut QuadTree,
    grad: &mut [f64],
) {
    let n = y.len() / 2;
    tree.build(y);
    let mut sum_q = 0.0f64;
    let mut repulsion = vec![0.0f64; 2 * n];
    for i in 0..n {
        let (q, fx, fy) = tree.repulsion(i, y, theta);
        sum_q += q;
        repulsion[2 * i] = fx;
        repulsion[2 * i + 1] = fy;
    }
    let sum_q = sum_q.max(f64::MIN_POSITIVE);
    for i in 0..n {
        let (xi, yi) = (y[2 * i], y[2 * i + 1]);
        let (mut ax, mut ay) = (0.0, 0.0);
        for e in p.starts[i]..p.starts[i + 1] {
            let j = p.cols[e] as usize;
            let (dx, dy) = (xi - y[2 * j], yi - y[2 * j + 1]);
            let w = exaggeration * p.values[e] / (1.0 + dx * dx + dy * dy);
            ax += w * dx;
            ay += w * dy;
        }
        // 4 = 2 (dof + 1) / dof for one degree of freedom.
        grad[2 * i] = 4.0 * (ax - repulsion[2 * i] / sum_q);
        grad[2 * i + 1] = 4.0 * (ay - repulsion[2 * i + 1] / sum_q);
    }
}

/// A point quadtree over the layout: each cell holds its points' count and centre of mass.
#[derive(Default)]
struct QuadTree {
    cells: Vec<Cell>,
}

/// Deeper than this, points are kept together in one cell (they are at most 2⁻⁴⁰ of the layout
/// apart), so nearly equal points cannot subdivide without end.
const MAX_DEPTH: u32 = 40;

#[derive(Clone)]
struct Cell {
    /// Lower corner and side.
    x0: f64,
    y0: f64,
    side: f64,
    depth: u32,
    count: usize,
    /// Sums of the points' coordinates (the centre of mass times the count).
    sx: f64,
    sy: f64,
    /// First of four children (0: a leaf).
    children: usize,
    /// A leaf's one point (or first point, at the depth limit).
    point: usize,
}

impl QuadTree {
    fn build(&mut self, y: &[f64]) {
        let n = y.len() / 2;
        let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for i in 0..n {
            x_min = x_min.min(y[2 * i]);
            x_max = x_max.max(y[2 * i]);
            y_min = y_min.min(y[2 * i + 1]);
            y_max = y_max.max(y[2 * i + 1]);
        }
        let side = (x_max - x_min).max(y_max - y_min).max(1e-12) * (1.0 + 1e-9);
        self.cells.clear();
        self.cells.push(Cell::empty(x_min, y_min, side, 0));
        for i in 0..n {
            self.insert(i, y);
        }
    }

    /// Adds point i of the layout `y`.
    fn insert(&mut self, i: usize, y: &[f64]) {
        let (px, py) = (y[2 * i], y[2 * i + 1]);
        let mut c = 0;
        loop {
            let cell = &mut self.cells[c];
            cell.count += 1;
            cell.sx += px;
            cell.sy += py;
            if cell.children == 0 {
                if cell.count == 1 {
                    cell.point = i;
                    return;
                }
                if cell.depth >= MAX_DEPTH {
                    return;
                }
                // Split: the point already here moves down into a child.
                let (x0, y0, half, depth, old) = (
                    cell.x0,
                    cell.y0,
                    cell.side / 2.0,
                    cell.depth + 1,
                    cell.point,
                );
                let first = self.cells.len();
                self.cells[c].children = first;
                for q in 0..4 {
                    let (qx, qy) = ((q & 1) as f64, (q >> 1) as f64);
                    self.cells
                        .push(Cell::empty(x0 + qx * half, y0 + qy * half, half, depth));
                }
                let (ox, oy) = (y[2 * old], y[2 * old + 1]);
                let child = self.cells[c].child_of(ox, oy);
                let moved = &mut self.cells[child];
                moved.count = 1;
                moved.sx = ox;
                moved.sy = oy;
                moved.point = old;
            }
            c = self.cells[c].child_of(px, py);
        }
    }

    /// For point `i`: Σ_j q̃_ij (q̃ = 1 / (1 + d²), the unnormalised similarity) and the
    /// repulsive force Σ_j q̃²_ij (y_i − y_j), over every other point, cells far enough away
    /// (side / distance < θ) taken whole at their centre of mass.
    fn repulsion(&self, i: usize, y: &[f64], theta: f64) -> (f64, f64, f64) {
        let (px, py) = (y[2 * i], y[2 * i + 1]);
        let (mut q_sum, mut fx, mut fy) = (0.0, 0.0, 0.0);
        let mut stack = vec![0usize];
        while let Some(c) = stack.pop() {
            let cell = &self.cells[c];
            if cell.count == 0 {
                continue;
            }
            let is_leaf = cell.children == 0;
            if is_leaf && cell.count == 1 && cell.point == i {
                continue;
            }
            let inv = 1.0 / cell.count as f64;
            let (dx, dy) = (px - cell.sx * inv, py - cell.sy * inv);
            let d2 = dx * dx + dy * dy;
            if is_leaf || cell.side * cell.side < theta * theta * d2 {
                // A leaf at the depth limit may hold i itself among nearly equal points.
                let others = if is_leaf && self.holds(c, px, py) {
                    cell.count - 1
                } else {
                    cell.count
                } as f64;
                let q = 1.0 / (1.0 + d2);
                q_sum += others * q;
                fx += others * q * q * dx;
                fy += others * q * q * dy;
            } else {
                stack.extend(cell.children..cell.children + 4);
            }
        }
        (q_sum, fx, fy)
    }

    /// Whether the point at (px, py) lies in cell `c` (so a leaf there counts it).
    fn holds(&self, c: usize, px: f64, py: f64) -> bool {
        let cell = &self.cells[c];
        px >= cell.x0 && px < cell.x0 + cell.side && py >= cell.y0 && py < cell.y0 + cell.side
    }
}

impl Cell {
    fn empty(x0: f64, y0: f64, side: f64, depth: u32) -> Self {
        Cell {
            x0,
            y0,
            side,
            depth,
            count: 0,
            sx: 0.0,
            sy: 0.0,
            children: 0,
            point: usize::MAX,
        }
    }

    /// The child quadrant a point falls in.
    fn child_of(&self, px: f64, py: f64) -> usize {
        let half = self.side / 2.0;
        let qx = usize::from(px >= self.x0 + half);
        let qy = usize::from(py >= self.y0 + half);
        self.children + qx + 2 * qy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points that are not simple: closed forms, no generator.
    fn scattered(n: usize, d: usize) -> Array2<f32> {
        Array2::from_shape_fn((n, d), |(i, c)| {
            ((1.7 * i as f64 + 0.37 * (c * c) as f64 + 0.2).sin() * (1.0 + c as f64)) as f32
        })
    }

    #[test]
    fn each_point_s_affinities_have_the_perplexity_asked_for() {
        let x = scattered(200, 5);
        let nn = nearest_neighbours(&x.view(), 90).unwrap();
        for i in [0, 57, 199] {
            let d2: Vec<f64> = nn
                .distances
                .row(i)
                .iter()
                .map(|&d| f64::from(d).powi(2))
                .collect();
            let p = conditional_row(&d2, 30.0);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let entropy: f64 = -p
                .iter()
                .filter(|&&v| v > 0.0)
                .map(|v| v * v.ln())
                .sum::<f64>();
            assert!(
                (entropy.exp() - 30.0).abs() < 1e-3,
                "perplexity {}",
                entropy.exp()
            );
        }
        // Symmetric and summing to one.
        let p = affinities(&x.view(), 30.0, 90).unwrap();
        let total: f64 = p.values.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
        let at = |i: usize, j: u32| {
            (p.starts[i]..p.starts[i + 1])
                .find(|&e| p.cols[e] == j)
                .map(|e| p.values[e])
        };
        for i in 0..200 {
            for e in p.starts[i]..p.starts[i + 1] {
                let j = p.cols[e];
                assert_eq!(at(j as usize, i as u32), Some(p.values[e]));
            }
        }
    }

    #[test]
    fn barnes_hut_repulsion_is_exact_at_theta_zero_and_close_at_one_half() {
        let y: Vec<f64> = scattered(300, 2)
            .iter()
            .map(|&v| f64::from(v) * 10.0)
            .collect();
        let mut tree = QuadTree::default();
        tree.build(&y);
        for i in [0, 150, 299] {
            // The exact sums, and the sum of the forces' sizes (the net force can be small
            // beside them, so the approximation is judged against their scale).
            let (mut q, mut fx, mut fy, mut scale) = (0.0, 0.0, 0.0, 0.0);
            for j in (0..300).filter(|&j| j != i) {
                let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
                let w = 1.0 / (1.0 + dx * dx + dy * dy);
                q += w;
                fx += w * w * dx;
                fy += w * w * dy;
                scale += w * w * (dx * dx + dy * dy).sqrt();
            }
            let (bq, bx, by) = tree.repulsion(i, &y, 0.0);
            assert!(
                (bq - q).abs() < 1e-10 * q && (bx - fx).abs() < 1e-10 && (by - fy).abs() < 1e-10
            );
            let (aq, ax, ay) = tree.repulsion(i, &y, 0.5);
            assert!((aq - q).abs() < 0.02 * q, "{aq} against {q}");
            let error = ((ax - fx).powi(2) + (ay - fy).powi(2)).sqrt();
            assert!(error < 0.02 * scale, "point {i}: {error} against {scale}");
        }
    }

    #[test]
    fn equal_points_do_not_split_without_end() {
        // 50 copies of one point and 50 of another: the tree stops at its depth limit.
        let y: Vec<f64> = (0..100)
            .flat_map(|i| if i < 50 { [1.0, 1.0] } else { [2.0, 3.0] })
            .collect();
        let mut tree = QuadTree::default();
        tree.build(&y);
        let (q, fx, fy) = tree.repulsion(0, &y, 0.5);
        // 49 copies at distance 0 (q̃ = 1, no force) and 50 at distance √5 (q̃ = 1/6).
        assert!((q - (49.0 + 50.0 / 6.0)).abs() < 1e-9, "{q}");
        // Each of the far copies pushes with q̃² (y_0 − y_j) = (1/36) (1 − 2, 1 − 3).
        let (want_x, want_y) = (50.0 / 36.0 * (1.0 - 2.0), 50.0 / 36.0 * (1.0 - 3.0));
        assert!((fx - want_x).abs() < 1e-9 && (fy - want_y).abs() < 1e-9);
    }

    #[test]
    fn groups_stay_apart_and_the_map_repeats() {
        // Three groups of 30 points in 8-D.
        let x = Array2::from_shape_fn((90, 8), |(i, d)| {
            (if d == i / 30 { 8.0 } else { 0.0 }) + 0.2 * ((i * 7 + d * 13) as f32).sin()
        });
        let params = Tsne::params().perplexity(10.0);
        let y = params.fit(&x.view()).unwrap();
        assert_eq!(y, params.fit(&x.view()).unwrap());
        let nn = nearest_neighbours(&y.view(), 5).unwrap();
        for i in 0..90 {
            for &j in nn.indices.row(i) {
                assert_eq!(j as usize / 30, i / 30, "point {i}'s neighbour {j}");
            }
        }
    }

    #[test]
    fn settings_that_do_not_fit_are_named() {
        let x = scattered(40, 3);
        let e = Tsne::params().fit(&x.view()).unwrap_err();
        assert!(e.to_string().contains("perplexity"), "{e}");
        let e = Tsne::params()
            .perplexity(5.0)
            .iterations(100)
            .fit(&x.view())
            .unwrap_err();
        assert!(e.to_string().contains("iterations"), "{e}");
    }
}
