//! What the side-by-side benchmarks share: running one side and reading its JSON, medians.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// Runs one side of a benchmark (stderr passed through) and parses its last stdout line.
pub fn json_of(side: &str, cmd: &mut Command) -> Result<Value> {
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting the {side} benchmark"))?;
    if !output.status.success() {
        bail!("the {side} benchmark failed with {}", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .with_context(|| format!("the {side} benchmark's last line is not JSON: {last}"))
}

/// The median (mean of the middle two for an even count); NaN for none.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
