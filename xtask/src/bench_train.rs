//! `cargo xtask bench-train`: our trainer against PyTorch eager on S3.1, S0.1, the deep AE
//! (B1.1) and the U-Net denoiser (B1.2), side by side on the same data, batch sizes and
//! threads, in FP32 and bfloat16 mixed precision (PyTorch's `torch.autocast`).
//!
//! One run of a side is too noisy on a shared 2-core machine, so the sides alternate (ours,
//! PyTorch, ours, PyTorch, … for each precision) for `--pairs` pairs; each run's rate is the
//! median of its epochs after the first, and the table gives the median over runs with the
//! range of the per-pair ratio. It also prints the achieved GFLOP/s against the cores' peak
//! (the formula beside it) and where our steps' time goes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::bench::{json_of, median};
use crate::cpu_peak;
use crate::util::workspace_root;
use crate::venv;

#[derive(clap::Args)]
pub struct Args {
    /// Batches per timed epoch.
    #[arg(long, default_value_t = 30)]
    batches: usize,
    /// Epochs per model and run; the first is warm-up and left out of the median.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Pairs of runs (ours, then PyTorch) per precision.
    #[arg(long, default_value_t = 3)]
    pairs: usize,
    /// Comma-separated precisions: fp32, bf16.
    #[arg(long, default_value = "fp32,bf16")]
    precision: String,
    /// Comma-separated models.
    #[arg(long, default_value = "s3.1,s0.1,b1.1,b1.2")]
    models: String,
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
    if args.pairs == 0 {
        bail!("--pairs: at least 1");
    }
    let precisions: Vec<&str> = args.precision.split(',').map(str::trim).collect();
    if let Some(bad) = precisions.iter().find(|p| !["fp32", "bf16"].contains(p)) {
        bail!("--precision: '{bad}' is not fp32 or bf16");
    }
    let models: Vec<&str> = args.models.split(',').map(str::trim).collect();
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
    eprintln!("bench-train: building ours (ae-models trainer, release build)");
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "--quiet", "--release", "-p", "ae-models"])
        .args(["--example", "bench_train"])
        .status()
        .context("starting cargo build")?;
    if !status.success() {
        bail!("building the bench_train example failed");
    }
    let ours_bin = root.join("target/release/examples/bench_train");
    let common = |cmd: &mut Command, precision: &str| {
        cmd.args(["--batches", &args.batches.to_string()])
            .args(["--epochs", &args.epochs.to_string()])
            .args(["--threads", &args.threads.to_string()])
            .args(["--precision", precision])
            .args(["--models", &args.models]);
    };

    // (side, precision) → one JSON object per run.
    let mut runs: BTreeMap<(Side, &str), Vec<Value>> = BTreeMap::new();
    for pair in 1..=args.pairs {
        for &precision in &precisions {
            eprintln!("bench-train: pair {pair}/{}, {precision}: ours", args.pairs);
            let mut cmd = Command::new(&ours_bin);
            cmd.current_dir(&root).arg("--data-dir").arg(&data_dir);
            common(&mut cmd, precision);
            let ours = json_of("ours", &mut cmd)?;
            runs.entry((Side::Ours, precision)).or_default().push(ours);
            eprintln!(
                "bench-train: pair {pair}/{}, {precision}: PyTorch {} eager",
                args.pairs,
                crate::setup::TORCH_VERSION
            );
            let mut cmd = Command::new(&python);
            cmd.arg(root.join("scripts/bench_train.py"))
                .arg("--train-images")
                .arg(&images)
                .env("OMP_NUM_THREADS", args.threads.to_string());
            common(&mut cmd, precision);
            let theirs = json_of("PyTorch", &mut cmd)?;
            runs.entry((Side::PyTorch, precision))
                .or_default()
                .push(theirs);
        }
    }

    let peak = cpu_peak::measure(args.threads);
    let mut t = String::new();
    writeln!(
        t,
        "{} pairs of runs per precision, alternated (ours, PyTorch, …); {} batches per epoch, \
         {} epochs per run (the first left out), {} threads. Images/s: median over runs of each \
         run's median epoch; ratio: median over pairs (min–max).\n",
        args.pairs, args.batches, args.epochs, args.threads
    )?;
    writeln!(t, "```\n{}```\n", peak.describe())?;
    for &precision in &precisions {
        let ours = &runs[&(Side::Ours, precision)];
        let theirs = &runs[&(Side::PyTorch, precision)];
        let ran = ours[0][models[0]]["precision"]
            .as_str()
            .unwrap_or(precision);
        if ran != precision {
            writeln!(t, "Ours ran {ran}: this CPU has no bfloat16 products.\n")?;
        }
        let peak_of = if ran == "bf16" {
            peak.bf16_gflops()
        } else {
            Some(peak.fp32_gflops())
        };
        writeln!(
            t,
            "| {precision} | batch | MFLOP/image | ours (images/s) | PyTorch eager{} | ours / PyTorch | ours GFLOP/s | share of {} peak |",
            if precision == "bf16" { " (autocast)" } else { "" },
            if ran == "bf16" { "BF16" } else { "FP32" }
        )?;
        writeln!(t, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
        for &id in &models {
            let a = run_rates(ours, id)?;
            let b = run_rates(theirs, id)?;
            let flops = theirs[0][id]["flops_per_image"]
                .as_f64()
                .unwrap_or(f64::NAN);
            let gflops = median(a.clone()) * flops / 1e9;
            writeln!(
                t,
                "| {} | {} | {:.1} | {:.0} | {:.0} | {} | {gflops:.0} | {} |",
                id.to_uppercase(),
                // The preset's batch size, as our side ran it (PyTorch's script uses the same).
                ours[0][id]["batch_size"].as_u64().unwrap_or_default(),
                flops / 1e6,
                median(a.clone()),
                median(b.clone()),
                ratio_cell(&a, &b),
                peak_of.map_or("–".into(), |p| format!("{:.0} %", 100.0 * gflops / p)),
            )?;
        }
        writeln!(t)?;
    }
    if precisions.contains(&"fp32") && precisions.contains(&"bf16") {
        writeln!(
            t,
            "| bf16 speed-up | ours bf16 / ours fp32 | ours bf16 / PyTorch fp32 | ours bf16 / PyTorch bf16 | PyTorch bf16 / PyTorch fp32 |"
        )?;
        writeln!(t, "|---|---:|---:|---:|---:|")?;
        for &id in &models {
            let r = |side, p| run_rates(&runs[&(side, p)], id);
            let (o16, o32) = (r(Side::Ours, "bf16")?, r(Side::Ours, "fp32")?);
            let (p16, p32) = (r(Side::PyTorch, "bf16")?, r(Side::PyTorch, "fp32")?);
            writeln!(
                t,
                "| {} | {} | {} | {} | {} |",
                id.to_uppercase(),
                ratio_cell(&o16, &o32),
                ratio_cell(&o16, &p32),
                ratio_cell(&o16, &p16),
                ratio_cell(&p16, &p32),
            )?;
        }
        writeln!(t)?;
    }
    for &precision in &precisions {
        writeln!(
            t,
            "| our {precision} step | ms per step | network (forward, loss, backward) | taking the batch | optimizer | bookkeeping | outside the network |"
        )?;
        writeln!(t, "|---|---:|---:|---:|---:|---:|---:|")?;
        for &id in &models {
            let s = step_split(&runs[&(Side::Ours, precision)], id)?;
            let outside = s.data + s.optimizer + s.other;
            writeln!(
                t,
                "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} ms ({:.1} %) |",
                id.to_uppercase(),
                s.step * 1e3,
                s.network * 1e3,
                s.data * 1e3,
                s.optimizer * 1e3,
                s.other * 1e3,
                outside * 1e3,
                100.0 * outside / s.step
            )?;
        }
        writeln!(t)?;
    }
    let out = root.join(&args.out);
    fs::create_dir_all(&out)?;
    let raw: serde_json::Map<String, Value> = runs
        .iter()
        .map(|((side, p), v)| (format!("{side:?}-{p}"), Value::from(v.clone())))
        .collect();
    fs::write(out.join("train-runs.json"), Value::Object(raw).to_string())?;
    fs::write(out.join("train.md"), &t)?;
    println!("{t}");
    eprintln!("bench-train: written to {}", out.join("train.md").display());
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Ours,
    PyTorch,
}

/// Each run's median images per second over its epochs after the first (warm-up).
fn run_rates(runs: &[Value], id: &str) -> Result<Vec<f64>> {
    runs.iter()
        .map(|v| {
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
        })
        .collect()
}

/// "median (min–max)" of the per-pair ratios `a[i] / b[i]`.
fn ratio_cell(a: &[f64], b: &[f64]) -> String {
    let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:.2} ({lo:.2}–{hi:.2})", median(ratios))
}

/// Seconds per step in each phase: medians over the timed epochs of every run.
struct StepSplit {
    step: f64,
    network: f64,
    data: f64,
    optimizer: f64,
    other: f64,
}

fn step_split(runs: &[Value], id: &str) -> Result<StepSplit> {
    let mut cols: [Vec<f64>; 4] = Default::default();
    for v in runs {
        let epochs = v[id]["step_times"]
            .as_array()
            .with_context(|| format!("our benchmark output lacks {id}.step_times"))?;
        for e in epochs.iter().skip(1) {
            let steps = e["steps"].as_f64().unwrap_or(f64::NAN);
            for (col, key) in cols
                .iter_mut()
                .zip(["train_seconds", "network", "data", "optimizer"])
            {
                col.push(e[key].as_f64().unwrap_or(f64::NAN) / steps);
            }
        }
    }
    let [step, network, data, optimizer] = cols.map(median);
    Ok(StepSplit {
        step,
        network,
        data,
        optimizer,
        other: (step - network - data - optimizer).max(0.0),
    })
}
