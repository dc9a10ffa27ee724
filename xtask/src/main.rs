//! Project automation: `cargo xtask <task>`.
//!
//! Each task is a module with a `run` function; this file only parses flags.

mod bench;
mod bench_linear;
mod bench_train;
mod cpu_peak;
mod example_images;
mod fetch;
mod fuzz;
mod pipeline;
mod setup;
mod test;
mod util;
mod venv;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Set-up, data and test automation for the ae workspace"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what a fresh Debian machine lacks: OpenBLAS and libtorch (PyPI torch==2.11.0).
    Setup(setup::Args),
    /// Download and verify MNIST-family data sets into `data/`.
    FetchMnist(fetch::Args),
    /// Everything CI checks: setup, fetch (when AE_DATA_MIRROR is set), fmt, clippy, doc, tests.
    Test(test::Args),
    /// PCA and k-means against scikit-learn, side by side: medians and ratios.
    BenchLinear(bench_linear::Args),
    /// Our trainer against PyTorch eager (S3.1, S0.1): images per second and ratios.
    BenchTrain(bench_train::Args),
    /// Every seed experiment (S0.1 … S4.9), resumable, with report.html and metrics.json.
    Pipeline(pipeline::Args),
    /// Write a small coloured-shapes image folder (the README's "Your own images" example).
    ExampleImages(example_images::Args),
    /// Coverage-guided fuzzing of every input parser (IDX, config.json, checkpoints, .npy, CSV).
    Fuzz(fuzz::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Setup(args) => setup::run(&args),
        Task::FetchMnist(args) => fetch::run(&args),
        Task::Test(args) => test::run(&args),
        Task::BenchLinear(args) => bench_linear::run(&args),
        Task::BenchTrain(args) => bench_train::run(&args),
        Task::Pipeline(args) => pipeline::run(&args),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::ExampleImages(args) => example_images::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", ae_data::error::describe(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}
