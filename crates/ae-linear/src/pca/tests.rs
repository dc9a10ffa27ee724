use approx::assert_abs_diff_eq;
use ndarray::{array, Array2, Axis};

use super::*;

/// 200 points in 5-D with decreasing spread per axis, rotated.
fn data(seed: u64) -> Array2<f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let scales = [5.0, 3.0, 2.0, 0.5, 0.1];
    let raw = Array2::from_shape_fn((200, 5), |(_, j)| {
        let z: f64 = StandardNormal.sample(&mut rng);
        z * scales[j]
    });
    // A fixed orthogonal mixing (Householder reflection).
    let v: ndarray::Array1<f64> = array![1.0, 2.0, -1.0, 0.5, 1.0];
    let v = &v / v.dot(&v).sqrt();
    let h = Array2::<f64>::eye(5)
        - 2.0
            * v.view()
                .insert_axis(Axis(1))
                .dot(&v.view().insert_axis(Axis(0)));
    raw.dot(&h) + array![1.0, -2.0, 3.0, 0.0, 10.0]
}

#[test]
fn solvers_agree_with_each_other() {
    let x = data(1);
    let eigh = Pca::params(3).fit(&x.view()).unwrap();
    let svd = Pca::params(3).solver(Solver::Svd).fit(&x.view()).unwrap();
    let rnd = Pca::params(3)
        .solver(Solver::Randomized)
        .fit(&x.view())
        .unwrap();
    for other in [&svd, &rnd] {
        assert_abs_diff_eq!(eigh.components(), other.components(), epsilon = 1e-6);
        assert_abs_diff_eq!(
            eigh.explained_variance(),
            other.explained_variance(),
            epsilon = 1e-6
        );
        assert_abs_diff_eq!(
            eigh.explained_variance_ratio(),
            other.explained_variance_ratio(),
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(
            eigh.singular_values(),
            other.singular_values(),
            epsilon = 1e-6
        );
    }
}

#[test]
fn explained_variance_matches_the_covariance() {
    let x = data(2);
    let pca = Pca::params(5).fit(&x.view()).unwrap();
    // All five components: ratios sum to 1, variances sum to the covariance's trace.
    assert_abs_diff_eq!(pca.explained_variance_ratio().sum(), 1.0, epsilon = 1e-12);
    let var_sum: f64 = x.var_axis(Axis(0), 1.0).sum();
    assert_abs_diff_eq!(pca.explained_variance().sum(), var_sum, epsilon = 1e-9);
    // Components are orthonormal; codes are uncorrelated with the explained variances.
    let c = pca.components();
    assert_abs_diff_eq!(c.dot(&c.t()), Array2::eye(5), epsilon = 1e-10);
    let z = pca.transform(&x.view()).unwrap();
    let cov = z.t().dot(&z) / 199.0;
    assert_abs_diff_eq!(
        cov.diag().to_owned(),
        pca.explained_variance().clone(),
        epsilon = 1e-8
    );
    // Full reconstruction is exact.
    assert_abs_diff_eq!(pca.inverse_transform(&z.view()).unwrap(), x, epsilon = 1e-9);
}

#[test]
fn two_d_example_of_s1_1() {
    // Σ = [[4, 2], [2, 2]]: eigenvalues 3 ± √5, first axis ∝ (2, √5 − 1).
    let x = ae_data::synthetic::correlated_normal_2d(10_000, 5);
    let pca = Pca::params(2).fit(&x.view()).unwrap();
    let ev = pca.explained_variance();
    assert!((ev[0] - (3.0 + 5f64.sqrt())).abs() < 0.15, "{ev}");
    assert!((ev[1] - (3.0 - 5f64.sqrt())).abs() < 0.05, "{ev}");
    let v0 = pca.components().row(0).to_owned();
    let want: ndarray::Array1<f64> = array![2.0, 5f64.sqrt() - 1.0];
    let want = &want / want.dot(&want).sqrt();
    assert!(v0.dot(&want).abs() > 0.999, "{v0}");
}

#[test]
fn variance_fraction_picks_the_smallest_count() {
    let x = data(3);
    let full = Pca::params(5).fit(&x.view()).unwrap();
    let want = full.components_for_variance(0.95).unwrap();
    let pca = Pca::params_variance(0.95).fit(&x.view()).unwrap();
    assert_eq!(pca.n_components(), want);
    let kept: f64 = pca.explained_variance_ratio().sum();
    assert!(kept >= 0.95);
    assert!(kept - pca.explained_variance_ratio()[want - 1] < 0.95);
}

#[test]
fn whitening_gives_unit_variance_codes() {
    let x = data(4);
    let pca = Pca::params(3).whiten(true).fit(&x.view()).unwrap();
    let z = pca.transform(&x.view()).unwrap();
    let cov = z.t().dot(&z) / 199.0;
    assert_abs_diff_eq!(cov, Array2::eye(3), epsilon = 1e-9);
    let back = pca.inverse_transform(&z.view()).unwrap();
    let plain = Pca::params(3).fit(&x.view()).unwrap();
    let plain_back = plain
        .inverse_transform(&plain.transform(&x.view()).unwrap().view())
        .unwrap();
    assert_abs_diff_eq!(back, plain_back, epsilon = 1e-9);
}

#[test]
fn incremental_matches_batch_pca() {
    let x = data(5);
    let batch = Pca::params(3).fit(&x.view()).unwrap();
    // With every component kept, the incremental SVD is exact.
    let inc5 = IncrementalPca::fit(5, &x.view(), 37).unwrap();
    let full = Pca::params(5).fit(&x.view()).unwrap();
    assert_abs_diff_eq!(inc5.components(), full.components(), epsilon = 1e-8);
    assert_abs_diff_eq!(
        inc5.explained_variance_ratio(),
        full.explained_variance_ratio(),
        epsilon = 1e-10
    );
    assert_abs_diff_eq!(inc5.mean(), full.mean(), epsilon = 1e-10);
    // Keeping 3 of 5 on data with well-separated spectrum: nearly the same subspace.
    let inc3 = IncrementalPca::fit(3, &x.view(), 50).unwrap();
    let overlap = inc3.components().dot(&batch.components().t());
    for i in 0..3 {
        assert!(overlap[[i, i]].abs() > 0.999, "{overlap}");
    }
}

#[test]
fn f32_matches_f64() {
    let x = data(6);
    let x32 = x.mapv(|v| v as f32);
    let a = Pca::params(2).fit(&x.view()).unwrap();
    let b = Pca::params(2).fit(&x32.view()).unwrap();
    for (p, q) in a.explained_variance().iter().zip(b.explained_variance()) {
        assert!((p - f64::from(*q)).abs() < 1e-4 * p);
    }
}

#[test]
fn invalid_parameters_name_themselves() {
    let x = data(7);
    let err = |p: PcaParams| p.fit(&x.view()).unwrap_err().to_string();
    assert_eq!(
        err(Pca::params(6)),
        "invalid n_components: 6 exceeds the 5 features"
    );
    assert_eq!(
        err(Pca::params(0)),
        "invalid n_components: must be at least 1"
    );
    assert!(err(Pca::params_variance(1.5)).contains("(0, 1]"));
    assert!(err(Pca::params_variance(0.9).solver(Solver::Randomized)).contains("eigh or svd"));
    let fitted = Pca::params(2).fit(&x.view()).unwrap();
    assert!(fitted
        .transform(&Array2::<f64>::zeros((1, 4)).view())
        .is_err());
    assert!("qr"
        .parse::<Solver>()
        .unwrap_err()
        .to_string()
        .contains("'qr'"));
}

#[test]
fn kernel_pca_projects_training_points_consistently() {
    let x = data(8).slice(ndarray::s![..60, ..]).to_owned();
    let kpca = KernelPca::params(3).gamma(0.04).fit(&x.view()).unwrap();
    let direct = kpca.transform(&x.view()).unwrap();
    assert_abs_diff_eq!(direct, kpca.training_codes(), epsilon = 1e-8);
    // Training codes are centred and orthogonal with squared norms equal to the eigenvalues.
    let codes = kpca.training_codes();
    assert_abs_diff_eq!(
        codes.sum_axis(Axis(0)),
        ndarray::Array1::zeros(3),
        epsilon = 1e-8
    );
    let gram = codes.t().dot(&codes);
    assert_abs_diff_eq!(
        gram.diag().to_owned(),
        kpca.eigenvalues().clone(),
        epsilon = 1e-8
    );
    assert!(KernelPca::params(3).gamma(-1.0).fit(&x.view()).is_err());
}

#[test]
fn kernel_pca_with_tiny_gamma_approaches_linear_pca() {
    // For small γ, exp(−γd²) ≈ 1 − γd², whose centred kernel is 2γ times the linear Gram
    // matrix: the leading directions coincide with PCA's.
    let x = data(9).slice(ndarray::s![..80, ..]).to_owned();
    let kpca = KernelPca::params(2).gamma(1e-5).fit(&x.view()).unwrap();
    let pca = Pca::params(2).fit(&x.view()).unwrap();
    let a = kpca.training_codes();
    let b = pca.transform(&x.view()).unwrap();
    for j in 0..2 {
        let (ca, cb) = (a.column(j), b.column(j));
        let corr = ca.dot(&cb) / (ca.dot(&ca).sqrt() * cb.dot(&cb).sqrt());
        assert!(corr.abs() > 0.999, "component {j}: correlation {corr}");
    }
}
