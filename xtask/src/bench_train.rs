//! `cargo xtask bench-train`: our trainer against PyTorch eager on S3.1, S0.1, the deep AE
//! (B1.1) and the U-Net denoiser (B1.2), side by
//! side on the same data, batch sizes and threads: images per second and the ratio.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::bench::{json_of, median};
use crate::util::workspace_root;
use crate::venv;

#[derive(clap::Args)]
pub struct Args {
    /// Batches per timed epoch.
    #[arg(long, default_value_t = 30)]
    batches: usize,
    /// Epochs per model; the first is warm-up and left out of the median.
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// CPU threads on both sides.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Folder holding the fetched data sets.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Where the table (Markdown) and both sides' raw JSON are written.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    if args.epochs < 2 {
        bail!("--epochs: at least 2 (the first is warm-up)");
    }
    let root = workspace_root();
    let data_dir = root.join(&args.data_dir);
    let images = data_dir.join("mnist/train-images-idx3-ubyte.gz");
    if !images.is_file() {
        bail!(
            "MNIST is not in {}: run `cargo xtask fetch-mnist --dataset mnist` first",
            data_dir.display()
        );
    }
    // The full PyPI wheel: torch's Python module links every CUDA library even on a CPU.
    let torch = format!("torch=={}", crate::setup::TORCH_VERSION);
    let python = venv::ensure(
        "bench-torch",
        &[&[torch.as_str(), "numpy"]],
        "import torch, numpy",
    )?;
    let common = |cmd: &mut Command| {
        cmd.args(["--batches", &args.batches.to_string()])
            .args(["--epochs", &args.epochs.to_string()])
            .args(["--threads", &args.threads.to_string()]);
    };
    eprintln!("bench-train: ours (ae-models trainer, release build)");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(&root)
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "ae-models",
            "--example",
        ])
        .args(["bench_train", "--", "--data-dir"])
        .arg(&data_dir);
    common(&mut cmd);
    let ours = json_of("ours", &mut cmd)?;
    eprintln!("bench-train: PyTorch {} eager", crate::setup::TORCH_VERSION);
    let mut cmd = Command::new(&python);
    cmd.arg(root.join("scripts/bench_train.py"))
        .arg("--train-images")
        .arg(&images)
        .env("OMP_NUM_THREADS", args.threads.to_string());
    common(&mut cmd);
    let theirs = json_of("PyTorch", &mut cmd)?;

    let mut t = String::new();
    writeln!(
        t,
        "| model | batch | ours (images/s, median) | PyTorch eager | ours / PyTorch |"
    )?;
    writeln!(t, "|---|---:|---:|---:|---:|")?;
    for (id, batch) in [("s3.1", 256), ("s0.1", 200), ("b1.1", 128), ("b1.2", 64)] {
        let (a, b) = (median_rate(&ours, id)?, median_rate(&theirs, id)?);
        writeln!(
            t,
            "| {} | {batch} | {a:.0} | {b:.0} | {:.2} |",
            id.to_uppercase(),
            a / b
        )?;
    }
    let out = root.join(&args.out);
    fs::create_dir_all(&out)?;
    fs::write(out.join("train-ours.json"), ours.to_string())?;
    fs::write(out.join("train-pytorch.json"), theirs.to_string())?;
    fs::write(out.join("train.md"), &t)?;
    println!("{t}");
    eprintln!("bench-train: written to {}", out.join("train.md").display());
    Ok(())
}

/// Median images per second over the epochs after the first (warm-up).
fn median_rate(v: &Value, id: &str) -> Result<f64> {
    let rates: Vec<f64> = v[id]["images_per_second"]
        .as_array()
        .with_context(|| format!("benchmark output lacks {id}.images_per_second"))?
        .iter()
        .skip(1)
        .filter_map(Value::as_f64)
        .collect();
    if rates.is_empty() {
        bail!("{id}: no timed epochs");
    }
    Ok(median(rates))
}
