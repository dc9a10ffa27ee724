//! The small synthetic data sets of the seeds, each drawn from a seeded generator.

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, StandardNormal};

/// S0.3: four 2-D Gaussian blobs of 100 points each, and each point's blob (0..4).
///
/// Blob means and standard deviations per axis: (−2, −2) σ (.5, .5); (−2, 0) σ (.5, .5);
/// (2, −1) σ (.5, .1); (2, 1) σ (.5, .1).
pub fn four_blobs(seed: u64) -> (Array2<f64>, Array1<usize>) {
    const BLOBS: [((f64, f64), (f64, f64)); 4] = [
        ((-2.0, -2.0), (0.5, 0.5)),
        ((-2.0, 0.0), (0.5, 0.5)),
        ((2.0, -1.0), (0.5, 0.1)),
        ((2.0, 1.0), (0.5, 0.1)),
    ];
    let per_blob = 100;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Array2::zeros((BLOBS.len() * per_blob, 2));
    let mut labels = Array1::zeros(BLOBS.len() * per_blob);
    for (b, &((mx, my), (sx, sy))) in BLOBS.iter().enumerate() {
        let nx = Normal::new(mx, sx).expect("positive std");
        let ny = Normal::new(my, sy).expect("positive std");
        for i in 0..per_blob {
            let row = b * per_blob + i;
            points[[row, 0]] = nx.sample(&mut rng);
            points[[row, 1]] = ny.sample(&mut rng);
            labels[row] = b;
        }
    }
    (points, labels)
}

/// S1.1: `n` points from N(μ = (−1, 2), Σ = [[4, 2], [2, 2]]), drawn as μ + L z with the
/// Cholesky factor L = [[2, 0], [1, 1]].
pub fn correlated_normal_2d(n: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Array2::zeros((n, 2));
    for mut row in points.rows_mut() {
        let z0: f64 = StandardNormal.sample(&mut rng);
        let z1: f64 = StandardNormal.sample(&mut rng);
        row[0] = -1.0 + 2.0 * z0;
        row[1] = 2.0 + z0 + z1;
    }
    points
}

/// S1.6: seed 001's `generate_3d_data`: `m` points near a curved 2-D sheet in 3-D.
///
/// Angles a ~ U(−0.5, 3π/2 − 0.5); x = cos a + sin a / 2 + noise·N/2, y = 0.7 sin a + noise·N/2,
/// z = w1·x + w2·y + noise·N.
pub fn curved_3d(m: usize, w1: f64, w2: f64, noise: f64, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = Array2::zeros((m, 3));
    for mut row in data.rows_mut() {
        let a = rng.gen::<f64>() * 3.0 * std::f64::consts::PI / 2.0 - 0.5;
        let n: [f64; 3] = [
            StandardNormal.sample(&mut rng),
            StandardNormal.sample(&mut rng),
            StandardNormal.sample(&mut rng),
        ];
        let x = a.cos() + a.sin() / 2.0 + noise * n[0] / 2.0;
        let y = a.sin() * 0.7 + noise * n[1] / 2.0;
        row[0] = x;
        row[1] = y;
        row[2] = x * w1 + y * w2 + noise * n[2];
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Axis;

    #[test]
    fn blobs_have_their_means() {
        let (x, y) = four_blobs(0);
        assert_eq!(x.dim(), (400, 2));
        for (b, want) in [(-2.0, -2.0), (-2.0, 0.0), (2.0, -1.0), (2.0, 1.0)]
            .iter()
            .enumerate()
        {
            let rows: Vec<usize> = (0..400).filter(|&i| y[i] == b).collect();
            let mean = x.select(Axis(0), &rows).mean_axis(Axis(0)).unwrap();
            assert!(
                (mean[0] - want.0).abs() < 0.15 && (mean[1] - want.1).abs() < 0.15,
                "{b}: {mean}"
            );
        }
        assert_eq!(four_blobs(0).0, x, "seeded");
    }

    #[test]
    fn correlated_normal_has_the_covariance() {
        let x = correlated_normal_2d(20_000, 1);
        let mean = x.mean_axis(Axis(0)).unwrap();
        assert!(
            (mean[0] + 1.0).abs() < 0.05 && (mean[1] - 2.0).abs() < 0.05,
            "{mean}"
        );
        let c = &x - &mean;
        let cov = c.t().dot(&c) / (x.nrows() as f64 - 1.0);
        for (got, want) in cov.iter().zip([4.0, 2.0, 2.0, 2.0]) {
            assert!((got - want).abs() < 0.15, "{cov}");
        }
    }

    #[test]
    fn curved_3d_lies_near_its_plane() {
        let x = curved_3d(2000, 0.1, 0.3, 0.1, 4);
        let resid: f64 = x
            .rows()
            .into_iter()
            .map(|r| (r[2] - 0.1 * r[0] - 0.3 * r[1]).powi(2))
            .sum::<f64>()
            / 2000.0;
        assert!((resid - 0.01).abs() < 0.002, "residual variance {resid}");
    }
}
