//! `ae kmeans-demo`: seed 000's k-means from scratch on four synthetic blobs (S0.3).

use std::path::PathBuf;

use ae_eval::figures::{line_plot, scatter_plot, Markers, Series};
use ae_linear::kmeans::from_scratch;
use anyhow::Result;
use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

#[derive(clap::Args)]
pub struct Args {
    /// Seed of the blobs and the initial means.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Iterations (the seed runs 6).
    #[arg(long, default_value_t = 6)]
    iterations: usize,
    /// Output folder (default runs/kmeans-demo).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let out = super::out_dir(&args.out, "kmeans-demo")?;
    let metrics = demo(&out, args.seed, args.iterations)?;
    super::finish(&out, &metrics, args.json)
}

/// S0.3 into `out`: `iteration-<t>.png` per iteration, `distortion.png`; returns the metrics.
pub fn demo(out: &std::path::Path, seed: u64, iterations: usize) -> Result<serde_json::Value> {
    let (x, _) = ae_data::synthetic::four_blobs(seed);
    // Initial means N(0, 1), as the seed draws them.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
    let init = Array2::from_shape_fn((4, 2), |_| StandardNormal.sample(&mut rng));
    let trace = from_scratch::run(&x.view(), &init.view(), iterations)?;
    let points: Vec<(f64, f64)> = x.rows().into_iter().map(|r| (r[0], r[1])).collect();
    let as_points = |m: &Array2<f64>| {
        m.rows()
            .into_iter()
            .map(|r| (r[0], r[1]))
            .collect::<Vec<_>>()
    };
    for (t, labels) in trace.labels.iter().enumerate() {
        scatter_plot(
            &out.join(format!("iteration-{t}.png")),
            &format!(
                "Iteration {t}: distortion {:.1} after assignment, {:.1} after update",
                trace.distortions[2 * t],
                trace.distortions[2 * t + 1]
            ),
            &points,
            labels.as_slice().expect("contiguous"),
            None,
            &[
                Markers {
                    name: "old means".into(),
                    points: as_points(&trace.means[t]),
                    rgb: (220, 0, 0),
                },
                Markers {
                    name: "new means".into(),
                    points: as_points(&trace.means[t + 1]),
                    rgb: (255, 165, 0),
                },
            ],
        )?;
    }
    let curve: Vec<(f64, f64)> = trace
        .distortions
        .iter()
        .enumerate()
        .map(|(i, &d)| (i as f64 / 2.0, d))
        .collect();
    line_plot(
        &out.join("distortion.png"),
        "k-means distortion (after each assignment and update)",
        "iteration",
        "distortion",
        &[Series {
            name: "distortion".into(),
            points: curve,
        }],
    )?;
    Ok(serde_json::json!({
        "iterations": iterations,
        "seed": seed,
        "distortions": trace.distortions,
        "final_means": trace.final_means().outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
    }))
}
