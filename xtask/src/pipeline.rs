//! `cargo xtask pipeline [FLAGS]`: every catalogue experiment with one command, through a
//! release build of `ae pipeline`. Every flag is handed to `ae pipeline` as it is (see
//! `ae pipeline --help`: --profile, --dataset, --only, --out, --device, --threads), so the two
//! never drift apart.

use std::process::Command;

use anyhow::Result;

use crate::util::{run_command, workspace_root};

#[derive(clap::Args)]
pub struct Args {
    /// Flags for `ae pipeline`, e.g. `--profile full --dataset both`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    flags: Vec<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["run", "--quiet", "--release", "-p", "ae-cli", "--"])
        .arg("pipeline")
        .args(&args.flags);
    run_command("pipeline", &mut cmd)
}
