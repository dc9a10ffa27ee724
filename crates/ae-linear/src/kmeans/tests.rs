use ndarray::{array, Array2, Axis};

use super::*;

fn blobs(seed: u64) -> (Array2<f64>, Vec<usize>) {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let centres = [(-5.0, 0.0), (0.0, 5.0), (5.0, 0.0), (0.0, -5.0)];
    let noise = Normal::new(0.0, 0.7).unwrap();
    let mut x = Array2::zeros((400, 2));
    let mut y = Vec::new();
    for i in 0..400 {
        let c = centres[i % 4];
        x[[i, 0]] = c.0 + noise.sample(&mut rng);
        x[[i, 1]] = c.1 + noise.sample(&mut rng);
        y.push(i % 4);
    }
    (x, y)
}

/// Brute-force inertia of a labelling with its own cluster means.
fn inertia_of(x: &Array2<f64>, labels: &ndarray::Array1<usize>, k: usize) -> f64 {
    (0..k)
        .map(|j| {
            let rows: Vec<usize> = (0..x.nrows()).filter(|&i| labels[i] == j).collect();
            let pts = x.select(Axis(0), &rows);
            let m = pts.mean_axis(Axis(0)).unwrap();
            (&pts - &m).mapv(|v| v * v).sum()
        })
        .sum()
}

#[test]
fn recovers_separated_blobs() {
    let (x, y) = blobs(1);
    let fit = KMeans::params(4).seed(3).fit(&x.view()).unwrap();
    // Each true blob maps to exactly one cluster.
    for b in 0..4 {
        let ids: std::collections::HashSet<usize> = (0..400)
            .filter(|&i| y[i] == b)
            .map(|i| fit.labels()[i])
            .collect();
        assert_eq!(ids.len(), 1, "blob {b} split over {ids:?}");
    }
    // The reported inertia is the brute-force one of the returned labelling.
    assert!((fit.inertia() - inertia_of(&x, fit.labels(), 4)).abs() < 1e-6 * fit.inertia());
    assert_eq!(fit.predict(&x.view()).unwrap(), fit.labels().clone());
    let p = fit
        .predict(&array![[-5.0, 0.2], [0.1, 4.9]].view())
        .unwrap();
    assert_eq!(p[0], fit.labels()[0]);
    assert_eq!(p[1], fit.labels()[1]);
}

#[test]
fn agrees_with_linfa() {
    let (x, _) = blobs(2);
    let params = KMeans::params(4).n_init(3).seed(5);
    let ours = KMeansFit::<f64>::fit_kmeans(&params, &x.view()).unwrap();
    let theirs = KMeansFit::<f64>::fit_kmeans(&LinfaKMeans(params), &x.view()).unwrap();
    assert!(
        (ours.inertia() - theirs.inertia()).abs() < 1e-6 * theirs.inertia(),
        "{} vs {}",
        ours.inertia(),
        theirs.inertia()
    );
}

#[test]
fn restarts_never_increase_inertia_and_f32_matches() {
    let (x, _) = blobs(3);
    let one = KMeans::params(7).n_init(1).seed(1).fit(&x.view()).unwrap();
    let five = KMeans::params(7).n_init(5).seed(1).fit(&x.view()).unwrap();
    assert!(five.inertia() <= one.inertia() + 1e-9);
    let x32 = x.mapv(|v| v as f32);
    let f32fit = KMeans::params(4).seed(3).fit(&x32.view()).unwrap();
    let f64fit = KMeans::params(4).seed(3).fit(&x.view()).unwrap();
    assert!((f32fit.inertia() - f64fit.inertia()).abs() < 1e-4 * f64fit.inertia());
}

#[test]
fn invalid_parameters_name_themselves() {
    let (x, _) = blobs(4);
    let e = |p: KMeansParams| p.fit(&x.view()).unwrap_err().to_string();
    assert_eq!(
        e(KMeans::params(0)),
        "invalid n_clusters: must be at least 1"
    );
    assert_eq!(
        e(KMeans::params(401)),
        "invalid n_clusters: 401 exceeds the 400 samples"
    );
    assert_eq!(
        e(KMeans::params(2).n_init(0)),
        "invalid n_init: must be at least 1"
    );
    assert!(e(KMeans::params(2).tol(-1.0)).starts_with("invalid tol"));
}

#[test]
fn from_scratch_distortion_never_increases() {
    let (x, _) = blobs(5);
    let init = array![[0.1, 0.2], [-0.3, 0.5], [1.0, -1.0], [0.0, 0.0]];
    let trace = from_scratch::run(&x.view(), &init.view(), 6).unwrap();
    assert_eq!(trace.distortions.len(), 12);
    assert_eq!(trace.means.len(), 7);
    for w in trace.distortions.windows(2) {
        assert!(w[1] <= w[0] + 1e-9, "{:?}", trace.distortions);
    }
    // Each distortion equals the brute-force sum of squared distances.
    let last_labels = trace.labels.last().unwrap();
    let brute: f64 = (0..x.nrows())
        .map(|i| {
            let m = trace.final_means().row(last_labels[i]);
            (&x.row(i) - &m).mapv(|v| v * v).sum()
        })
        .sum();
    assert!((trace.distortions[11] - brute).abs() < 1e-8 * brute);
    assert_eq!(
        trace.one_hot.sum_axis(Axis(1)),
        ndarray::Array1::from_elem(400, 1.0)
    );
}

#[test]
fn from_scratch_empty_cluster_keeps_its_mean() {
    let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0]];
    let init = array![[0.0, 0.0], [100.0, 100.0], [10.0, 10.0]];
    let trace = from_scratch::run(&x.view(), &init.view(), 2).unwrap();
    assert_eq!(trace.final_means().row(1), array![100.0, 100.0]);
    assert_eq!(trace.final_means().row(0), array![0.05, 0.0]);
}
