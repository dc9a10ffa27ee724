//! `cargo xtask test`: what CI runs. Setup (with Chromium), data (when `AE_DATA_MIRROR` is
//! set), formatting, lints, documentation, every test of the workspace, then the pipeline's quick profile and
//! the browser test of its report.

use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use crate::util::{run_command, workspace_root};
use crate::{fetch, setup};

#[derive(clap::Args)]
pub struct Args {
    /// Skip `cargo fmt --check`, clippy and `cargo doc` (tests only).
    #[arg(long)]
    pub tests_only: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let start = Instant::now();
    setup::run(&setup::Args {
        chromium: true,
        ..setup::Args::default()
    })?;
    let have_mirror = std::env::var_os(ae_data::fetch::MIRROR_ENV).is_some_and(|v| !v.is_empty());
    if have_mirror {
        for dataset in ["mnist", "fashion-mnist"] {
            fetch::run(&fetch::Args {
                dataset: dataset.to_owned(),
                mirror: Vec::new(),
                data_dir: None,
            })?;
        }
    } else {
        println!("test: AE_DATA_MIRROR is not set: tests on the real data sets run only if `data/` already holds them");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = workspace_root();
    if !args.tests_only {
        step("cargo fmt --check", || {
            run_command(
                "cargo fmt --check",
                Command::new(&cargo)
                    .current_dir(&root)
                    .args(["fmt", "--all", "--", "--check"]),
            )
        })?;
        step("cargo clippy", || {
            run_command(
                "cargo clippy",
                Command::new(&cargo).current_dir(&root).args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
            )
        })?;
        // Broken intra-doc links and stray HTML in doc comments fail as clippy's warnings do;
        // the dependencies' metadata is clippy's, so this documents only the workspace.
        step("cargo doc", || {
            run_command(
                "cargo doc",
                Command::new(&cargo)
                    .current_dir(&root)
                    .args(["doc", "--workspace", "--no-deps", "--quiet"])
                    .env("RUSTDOCFLAGS", "-D warnings"),
            )
        })?;
    }
    step("cargo test", || {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&root).args(["test", "--workspace"]);
        if have_mirror {
            // The data was fetched above, so tests on it must not skip.
            cmd.env("AE_REQUIRE_DATA", "1");
        }
        // Chromium was installed above, so the report's browser test must not skip.
        cmd.env("AE_REQUIRE_BROWSER", "1");
        run_command("cargo test", &mut cmd)
    })?;
    if have_mirror && !args.tests_only {
        // The whole catalogue on the quick profile (the dev build the tests just made), then
        // its report in the browser.
        let out = root.join("target").join("pipeline-quick");
        step("pipeline --profile quick", || {
            run_command(
                "pipeline --profile quick",
                Command::new(&cargo)
                    .current_dir(&root)
                    .args(["run", "--quiet", "-p", "ae-cli", "--", "pipeline"])
                    .args(["--profile", "quick", "--dataset", "mnist", "--out"])
                    .arg(&out),
            )
        })?;
        step("browser test of the quick report", || {
            run_command(
                "report browser test",
                Command::new(&cargo)
                    .current_dir(&root)
                    .args(["test", "-p", "ae-cli", "--test", "report_browser"])
                    .env("AE_REPORT_DIR", &out)
                    .env("AE_REQUIRE_BROWSER", "1"),
            )
        })?;
    }
    println!(
        "test: all checks passed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let t = Instant::now();
    println!("test: {name} ...");
    f()?;
    println!("test: {name} ok ({:.0} s)", t.elapsed().as_secs_f64());
    Ok(())
}
