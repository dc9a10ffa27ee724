//! One module per subcommand.

pub mod anomaly;
pub mod cluster;
pub mod data;
pub mod denoise;
pub mod embed;
pub mod encode;
pub mod generate;
pub mod kmeans;
pub mod kmeans_demo;
pub mod pca;
pub mod reconstruct;
pub mod run;
pub mod train;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The output folder of a command that trains nothing (`ae pca`, `ae kmeans`, …): the flag, else
/// `runs/<default_name>` under the current folder. Its files are rewritten on every call, but a
/// training run's folder is refused: its metrics.json would be overwritten.
pub fn out_dir(flag: &Option<PathBuf>, default_name: &str) -> Result<PathBuf> {
    let dir = flag
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(default_name));
    if dir.join("model.safetensors").exists() || dir.join("checkpoint").exists() {
        anyhow::bail!(
            "--out {}: holds a training run; give another folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating --out folder {}", dir.display()))?;
    Ok(dir)
}

/// Writes `metrics.json` and, with `--json`, prints it as one line (the last line of output).
pub fn finish(dir: &Path, metrics: &serde_json::Value, json: bool) -> Result<()> {
    ae_eval::report::write_json(&dir.join("metrics.json"), metrics)?;
    let mut out = std::io::stdout();
    if json {
        writeln!(out, "{metrics}")?;
    } else {
        writeln!(out, "results in {}", dir.display())?;
    }
    Ok(())
}
