//! `cargo xtask fuzz`: coverage-guided fuzzing (cargo-fuzz, libFuzzer) of every parser of
//! outside input: IDX files, a run's config.json, checkpoints (trainer.json + safetensors),
//! `.npy` matrices and CSV tables. The targets live in `fuzz/` (their own workspace).
//!
//! cargo-fuzz needs a nightly compiler flag; `RUSTC_BOOTSTRAP=1` lets the installed stable
//! toolchain accept it. Targets run without a sanitizer (`-s none`): the code under test is safe
//! Rust, so a sanitizer would only slow the search; libFuzzer still stops on any panic, on
//! allocations past its memory limit and on timeouts. Each target starts from the small valid
//! files in `fuzz/seeds/<target>/` and the inputs that once crashed it (kept there as
//! regressions), and grows its corpus in `fuzz/corpus/<target>/` from run to run.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::util::{command_succeeds, run_command, workspace_root};

/// Every fuzz target, in the order they run.
pub const TARGETS: [&str; 6] = [
    "idx",
    "run_config",
    "checkpoint",
    "npy",
    "npy_images",
    "csv",
];

#[derive(clap::Args)]
pub struct Args {
    /// Seconds per target.
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// Targets to run (default: all of idx, run_config, checkpoint, npy, npy_images, csv).
    targets: Vec<String>,
}

/// What one target's run reported.
struct Outcome {
    target: String,
    executions: u64,
    per_second: u64,
    corpus: usize,
    files: usize,
    seconds: f64,
}

pub fn run(args: &Args) -> Result<()> {
    let targets: Vec<String> = if args.targets.is_empty() {
        TARGETS.iter().map(|t| t.to_string()).collect()
    } else {
        args.targets.clone()
    };
    if let Some(bad) = targets.iter().find(|t| !TARGETS.contains(&t.as_str())) {
        bail!(
            "'{bad}' is not a fuzz target; they are {}",
            TARGETS.join(", ")
        );
    }
    if args.seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    let root = workspace_root();
    if !root.join(".libtorch/torch/lib").is_dir() {
        bail!("libtorch is not installed (the targets link it): run `cargo xtask setup` first");
    }
    ensure_cargo_fuzz()?;
    let fuzz = root.join("fuzz");
    run_command(
        "build the fuzz targets",
        Command::new("cargo")
            .args(["fuzz", "build", "-s", "none"])
            .current_dir(&fuzz)
            .env("RUSTC_BOOTSTRAP", "1"),
    )?;
    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(fuzz_one(&fuzz, target, args.seconds)?);
    }
    println!(
        "\n| target | seconds | executions | executions/s | corpus (units kept) | corpus files | crashes |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for o in &outcomes {
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | 0 |",
            o.target, o.seconds, o.executions, o.per_second, o.corpus, o.files
        );
    }
    Ok(())
}

/// Installs cargo-fuzz when `cargo fuzz` is missing.
fn ensure_cargo_fuzz() -> Result<()> {
    if command_succeeds("cargo", &["fuzz", "--version"]) {
        return Ok(());
    }
    eprintln!("installing cargo-fuzz (once, about a minute)");
    run_command(
        "install cargo-fuzz",
        Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]),
    )
    .context("cargo-fuzz could not be installed; it needs crates.io (or install it by hand)")
}

/// Runs `target` for `seconds` and reads libFuzzer's final statistics.
fn fuzz_one(fuzz: &Path, target: &str, seconds: u64) -> Result<Outcome> {
    let corpus = fuzz.join("corpus").join(target);
    let seeds = fuzz.join("seeds").join(target);
    std::fs::create_dir_all(&corpus).with_context(|| corpus.display().to_string())?;
    std::fs::create_dir_all(&seeds).with_context(|| seeds.display().to_string())?;
    eprintln!("fuzzing {target} for {seconds} s");
    let started = Instant::now();
    let output = Command::new("cargo")
        .args(["fuzz", "run", "-s", "none", target])
        .arg(&corpus)
        .arg(&seeds)
        .args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-print_final_stats=1",
            "-timeout=10",
        ])
        .current_dir(fuzz)
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .with_context(|| format!("could not start cargo fuzz run {target}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    let log_path = fuzz.join("corpus").join(format!("{target}.log"));
    std::fs::write(&log_path, log.as_bytes()).with_context(|| log_path.display().to_string())?;
    if !output.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "fuzz target {target} failed ({}):\n{}\n(full log: {}; the crashing input is in fuzz/artifacts/{target}/ — \
             fix it, then copy it into fuzz/seeds/{target}/ as a regression)",
            output.status,
            tail.join("\n"),
            log_path.display()
        );
    }
    let stat = |name: &str| -> u64 {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    // libFuzzer's last status line: "#N DONE cov: … corp: UNITS/SIZE …".
    let kept = log
        .lines()
        .rev()
        .find(|l| l.contains("DONE"))
        .and_then(|l| l.split("corp: ").nth(1))
        .and_then(|rest| rest.split('/').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let files = std::fs::read_dir(&corpus)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .count()
        })
        .unwrap_or(0);
    Ok(Outcome {
        target: target.to_owned(),
        executions: stat("number_of_executed_units"),
        per_second: stat("average_exec_per_sec"),
        corpus: kept,
        files,
        seconds: started.elapsed().as_secs_f64(),
    })
}
