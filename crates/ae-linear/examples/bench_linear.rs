//! Our side of `cargo xtask bench-linear`: PCA-32 fits (each solver) and k-means (k = 10, one
//! initialisation) on MNIST's 60,000 training images (pixels / 255, f32), on their PCA-32
//! codes and on the first ten of those. Prints one JSON object, the same shape as `scripts/bench_linear.py` prints for
//! scikit-learn.
//!
//! `cargo run --release -p ae-linear --example bench_linear -- --data-dir data [--reps 5]
//! [--kmeans-reps 5]`

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use ae_data::{Dataset, DatasetId};
use ae_eval::clustering::cluster_accuracy;
use ae_linear::{KMeans, Pca, Solver};
use serde_json::{json, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The same OpenBLAS kernels as the `ae` command uses (it restarts the same way).
    if let Some((core, err)) = ae_linear::blas_core::restart_with_better_core() {
        return Err(format!("restarting with OPENBLAS_CORETYPE={core}: {err}").into());
    }
    let mut data_dir = PathBuf::from("data");
    let (mut reps, mut kmeans_reps) = (5usize, 5u64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--data-dir" => data_dir = value.into(),
            "--reps" => reps = value.parse()?,
            "--kmeans-reps" => kmeans_reps = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let data = Dataset::load(DatasetId::Mnist, &data_dir)?;
    let x = data.train.to_f32();
    let labels: Vec<usize> = data
        .train
        .require_labels("the clustering accuracy")?
        .iter()
        .map(|&l| usize::from(l))
        .collect();
    let mut out = BTreeMap::<String, Value>::new();

    for solver in [Solver::Eigh, Solver::Svd, Solver::Randomized] {
        let mut seconds = Vec::new();
        let mut evr_sum = 0.0;
        let n = if solver == Solver::Svd { 1 } else { reps };
        for _ in 0..n {
            let start = Instant::now();
            let pca = Pca::params(32).solver(solver).seed(0).fit(&x.view())?;
            seconds.push(start.elapsed().as_secs_f64());
            evr_sum = pca
                .explained_variance_ratio()
                .iter()
                .map(|&v| f64::from(v))
                .sum();
        }
        out.insert(
            format!("pca32_{solver}"),
            json!({"seconds": seconds, "evr_sum": evr_sum}),
        );
    }

    let codes = Pca::params(32).fit(&x.view())?.transform(&x.view())?;
    // Ten columns, as the UMAP embeddings `ae cluster` clusters.
    let codes10 = codes.slice(ndarray::s![.., ..10]).to_owned();
    for (name, set) in [
        ("kmeans_pixels", &x),
        ("kmeans_pca32", &codes),
        ("kmeans_pca10", &codes10),
    ] {
        let (mut seconds, mut iterations, mut inertia, mut accuracy) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for seed in 0..kmeans_reps {
            let start = Instant::now();
            let km = KMeans::params(10).n_init(1).seed(seed).fit(&set.view())?;
            seconds.push(start.elapsed().as_secs_f64());
            iterations.push(km.n_iter());
            inertia.push(km.inertia());
            let clusters: Vec<usize> = km.labels().to_vec();
            accuracy.push(cluster_accuracy(&clusters, &labels)?.accuracy);
        }
        out.insert(
            name.to_string(),
            json!({"seconds": seconds, "iterations": iterations, "inertia": inertia,
                   "accuracy": accuracy}),
        );
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
