//! `cargo xtask pipeline`: every seed experiment with one command (a release build of
//! `ae pipeline`), resumable; the report lands in `<out>/report.html`.

use std::process::Command;

use anyhow::Result;

use crate::util::{run_command, workspace_root};

#[derive(clap::Args)]
pub struct Args {
    /// quick (subsets, few epochs, minutes) or full (the seeds' own settings).
    #[arg(long, default_value = "quick")]
    profile: String,
    /// mnist, fashion-mnist or both (the S2 experiments always run on both).
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Only these comma-separated experiments: an id (S3.1) or a seed (S1 = S1.1 … S1.12).
    #[arg(long)]
    only: Option<String>,
    /// Output folder (default runs/pipeline-<profile>).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "ae-cli",
            "--",
            "pipeline",
        ])
        .args(["--profile", &args.profile, "--dataset", &args.dataset]);
    if let Some(only) = &args.only {
        cmd.args(["--only", only]);
    }
    if let Some(out) = &args.out {
        cmd.arg("--out").arg(out);
    }
    run_command("pipeline", &mut cmd)
}
