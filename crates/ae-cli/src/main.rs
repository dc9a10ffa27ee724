//! The `ae` command: data sets, linear methods and autoencoders on MNIST-family images.

// The doc comments of this binary are clap's help text, read in a terminal: `<dataset>` and
// `[:GAMMA]` there are placeholders, not HTML tags or links.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

mod cmd;
mod data_flags;
mod flags;
mod paths;
mod pipeline;
mod run_flags;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ae",
    version,
    about = "Dimensionality reduction of images: autoencoders vs PCA and k-means"
)]
struct Cli {
    /// Folder holding the fetched data sets (default: $AE_DATA_DIR, else the workspace's `data/`).
    #[arg(long, global = true)]
    data_dir: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a data set, verify its checksums and print a one-line JSON summary.
    Data(cmd::data::Args),
    /// PCA on the training images; test SSE, explained variance, eigen-digits (S0.2).
    Pca(cmd::pca::Args),
    /// k-means on training pixels or PCA codes; Kuhn–Munkres accuracy, NMI, ARI.
    Kmeans(cmd::kmeans::Args),
    /// Cluster all 70,000 images (train + test): k-means … N2D (AE → UMAP → Gaussian mixture); accuracy, NMI, ARI, time per stage.
    Cluster(cmd::cluster::Args),
    /// Seed 000's k-means from scratch on four synthetic blobs, a picture per iteration (S0.3).
    KmeansDemo(cmd::kmeans_demo::Args),
    /// Train an autoencoder: a preset by experiment id (s0.1 … s4.9c, b1.1 … b2.1; --list) or a config file.
    Train(Box<cmd::train::Args>),
    /// The main job (S3.1–S3.3): conv denoiser, denoised grid, generated digits, k-means on codes.
    Denoise(cmd::denoise::Args),
    /// A finished run's codes of a data set, to .npy.
    Encode(cmd::encode::Args),
    /// A 2-D map (UMAP, t-SNE or PCA) of a finished run's codes, of a data set's pixels or of a
    /// .npy matrix, coloured by label, with its trustworthiness.
    Embed(cmd::embed::Args),
    /// Each image's reconstruction error under a finished run as a score of how unusual it is:
    /// the worst-reconstructed images, and with --against another set, the ROC curve and its area.
    Anomaly(cmd::anomaly::Args),
    /// A finished run's reconstructions of test images (optionally corrupted first), or of
    /// every image of a folder or array, each written as a PNG file (--images, --out-dir).
    Reconstruct(cmd::reconstruct::Args),
    /// Decode random latents (uniform [0, 1), or N(0, I) for a VAE) or given ones with a finished run's decoder.
    Generate(cmd::generate::Args),
    /// Every experiment (the seeds' S0.1 … S4.9, beyond them B1.1 … B2.1) in one resumable run, with report.html and metrics.json.
    Pipeline(pipeline::Args),
}

/// Starts the program again with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to generic
/// kernels on a CPU it does not know (see `ae_linear::blas_core`); returns only when it did not.
fn restart_with_fast_blas() {
    if let Some((core, err)) = ae_linear::blas_core::restart_with_better_core() {
        eprintln!("warning: could not restart with OPENBLAS_CORETYPE={core} (linear algebra stays slow): {err}");
    }
}

fn main() -> ExitCode {
    restart_with_fast_blas();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Every failure should be an error naming its cause; a panic is a bug, reported as one
    // (without Rust's note on backtraces, which helps no user).
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // One line, and never libtorch's C++ backtrace (also when escaped inside a Debug text).
        let cut = ["\\nException raised from", "Exception raised from", "\n"]
            .iter()
            .filter_map(|m| what.find(m))
            .min()
            .unwrap_or(what.len());
        let what = &what[..cut];
        eprintln!("error: internal error{location}: {what}\n(this is a bug in ae; please report it with the command that caused it)");
    }));
    let cli = parse_args();
    let data_dir = paths::data_dir(cli.data_dir);
    let result = match cli.command {
        Command::Data(args) => cmd::data::run(&args, &data_dir),
        Command::Pca(args) => cmd::pca::run(&args, &data_dir),
        Command::Kmeans(args) => cmd::kmeans::run(&args, &data_dir),
        Command::Cluster(args) => cmd::cluster::run(&args, &data_dir),
        Command::KmeansDemo(args) => cmd::kmeans_demo::run(&args),
        Command::Train(args) => cmd::train::run(&args, &data_dir),
        Command::Denoise(args) => cmd::denoise::run(&args, &data_dir),
        Command::Encode(args) => cmd::encode::run(&args, &data_dir),
        Command::Embed(args) => cmd::embed::run(&args, &data_dir),
        Command::Anomaly(args) => cmd::anomaly::run(&args, &data_dir),
        Command::Reconstruct(args) => cmd::reconstruct::run(&args, &data_dir),
        Command::Generate(args) => cmd::generate::run(&args),
        Command::Pipeline(args) => pipeline::run(&args, &data_dir),
    };
    match result.map_err(flags::name_flag) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", ae_data::error::describe(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// The command line, with negative numbers taken as values everywhere (`--lr -1` reaches the
/// validation, which says what is wrong, instead of being read as an unknown flag).
fn parse_args() -> Cli {
    let mut command = Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |s| s.allow_negative_numbers(true));
    }
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// A closed pipe (`ae … | head`) ends output early; that is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
