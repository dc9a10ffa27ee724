//! `cargo xtask bench-linear`: our PCA and k-means against scikit-learn's, side by side on the
//! same data and cores, medians and ratios (ours / theirs; below 1 means we are faster).

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::bench::{json_of, median};
use crate::util::workspace_root;
use crate::venv;

/// The scikit-learn release the table was made with.
const SKLEARN: &str = "scikit-learn==1.9.1";

#[derive(clap::Args)]
pub struct Args {
    /// Repetitions of each PCA fit (SVD: one, it takes seconds).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// k-means runs (seeds 0..N) on each input.
    #[arg(long, default_value_t = 5)]
    kmeans_reps: usize,
    /// Folder holding the fetched data sets.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Where the table (Markdown) and both sides' raw JSON are written.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    let root = workspace_root();
    let data_dir = root.join(&args.data_dir);
    let images = data_dir.join("mnist/train-images-idx3-ubyte.gz");
    let labels = data_dir.join("mnist/train-labels-idx1-ubyte.gz");
    if !images.is_file() || !labels.is_file() {
        bail!(
            "MNIST is not in {}: run `cargo xtask fetch-mnist --dataset mnist` first",
            data_dir.display()
        );
    }
    let python = venv::ensure(
        "bench-sklearn",
        &[&[SKLEARN]],
        "import sklearn, scipy, numpy",
    )?;

    eprintln!("bench-linear: ours (ae-linear, release build)");
    let ours = json_of(
        "ours",
        Command::new(env!("CARGO"))
            .current_dir(&root)
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "ae-linear",
                "--example",
            ])
            .args(["bench_linear", "--", "--data-dir"])
            .arg(&data_dir)
            .args(["--reps", &args.reps.to_string()])
            .args(["--kmeans-reps", &args.kmeans_reps.to_string()]),
    )?;
    eprintln!("bench-linear: scikit-learn ({SKLEARN})");
    let theirs = json_of(
        "scikit-learn",
        Command::new(&python)
            .arg(root.join("scripts/bench_linear.py"))
            .arg("--train-images")
            .arg(&images)
            .arg("--train-labels")
            .arg(&labels)
            .args(["--reps", &args.reps.to_string()])
            .args(["--kmeans-reps", &args.kmeans_reps.to_string()]),
    )?;

    let table = table(&ours, &theirs)?;
    let out = root.join(&args.out);
    fs::create_dir_all(&out)?;
    fs::write(out.join("linear-ours.json"), ours.to_string())?;
    fs::write(out.join("linear-sklearn.json"), theirs.to_string())?;
    fs::write(out.join("linear.md"), &table)?;
    println!("{table}");
    eprintln!(
        "bench-linear: written to {}",
        out.join("linear.md").display()
    );
    Ok(())
}

fn numbers(v: &Value, case: &str, key: &str) -> Result<Vec<f64>> {
    v.get(case)
        .and_then(|c| c.get(key))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .with_context(|| format!("benchmark output lacks {case}.{key}"))
}

fn table(ours: &Value, theirs: &Value) -> Result<String> {
    let mut t = String::new();
    writeln!(
        t,
        "| case | ours (median) | scikit-learn (median) | ours / theirs |"
    )?;
    writeln!(t, "|---|---:|---:|---:|")?;
    for solver in ["eigh", "svd", "randomized"] {
        let case = format!("pca32_{solver}");
        let (a, b) = (
            median(numbers(ours, &case, "seconds")?),
            median(numbers(theirs, &case, "seconds")?),
        );
        writeln!(
            t,
            "| PCA-32 fit, {solver} | {a:.3} s | {b:.3} s | {:.2} |",
            a / b
        )?;
    }
    for (case, what) in [
        ("kmeans_pixels", "60,000 × 784 pixels"),
        ("kmeans_pca32", "60,000 × 32 PCA codes"),
        ("kmeans_pca10", "60,000 × 10 (first 10 PCA codes)"),
    ] {
        let per_iter = |v: &Value| -> Result<f64> {
            let s = numbers(v, case, "seconds")?;
            let i = numbers(v, case, "iterations")?;
            Ok(median(s.iter().zip(&i).map(|(s, i)| s / i).collect()))
        };
        let (a, b) = (
            median(numbers(ours, case, "seconds")?),
            median(numbers(theirs, case, "seconds")?),
        );
        writeln!(
            t,
            "| k-means k=10 fit, {what} | {a:.3} s | {b:.3} s | {:.2} |",
            a / b
        )?;
        let (a, b) = (per_iter(ours)?, per_iter(theirs)?);
        writeln!(
            t,
            "| k-means k=10 per iteration, {what} | {:.2} ms | {:.2} ms | {:.2} |",
            a * 1e3,
            b * 1e3,
            a / b
        )?;
    }
    writeln!(t)?;
    writeln!(t, "| quality | ours | scikit-learn |")?;
    writeln!(t, "|---|---|---|")?;
    for solver in ["eigh", "svd", "randomized"] {
        let case = format!("pca32_{solver}");
        let get = |v: &Value| v[&case]["evr_sum"].as_f64().unwrap_or(f64::NAN);
        writeln!(
            t,
            "| PCA-32 {solver}: explained variance ratio sum | {:.5} | {:.5} |",
            get(ours),
            get(theirs)
        )?;
    }
    for case in ["kmeans_pixels", "kmeans_pca32", "kmeans_pca10"] {
        for key in ["inertia", "iterations", "accuracy"] {
            let show = |v: &Value| -> Result<String> {
                let xs = numbers(v, case, key)?;
                Ok(xs
                    .iter()
                    .map(|x| match key {
                        "accuracy" => format!("{x:.3}"),
                        _ => format!("{x:.0}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", "))
            };
            writeln!(
                t,
                "| {case} {key}, seeds 0.. | {} | {} |",
                show(ours)?,
                show(theirs)?
            )?;
        }
    }
    Ok(t)
}
