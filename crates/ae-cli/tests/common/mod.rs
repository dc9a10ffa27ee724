//! What the tests of the `ae` binary on generated images share: running it, reading its JSON
//! line or its error, and a coloured-shapes folder.
#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The built `ae` binary.
pub fn ae() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ae"))
}

/// Runs `ae` with `args`, then `paths`, and waits for it.
pub fn run(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = ae();
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().unwrap()
}

/// The last stdout line of a successful command, as JSON.
pub fn json(args: &[&str], paths: &[&Path]) -> serde_json::Value {
    let out = run(args, paths);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// The error output of a command that must fail.
pub fn stderr(args: &[&str], paths: &[&Path]) -> String {
    let out = run(args, paths);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a command that must succeed.
pub fn succeeds(args: &[&str], paths: &[&Path]) -> Output {
    let out = run(args, paths);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// 4 classes × 25 coloured 16 × 16 shapes.
pub fn shapes(root: &Path) -> PathBuf {
    let dir = root.join("shapes");
    ae_data::shapes::write_shapes(&dir, 25, 16, 3).unwrap();
    dir
}

/// Trains the small dense model (S2.2) on the images of `data` for `epochs` epochs into the
/// run folder `out`, on the CPU; the command's JSON line.
pub fn train_small(data: &Path, out: &Path, epochs: usize) -> serde_json::Value {
    let epochs = epochs.to_string();
    json(
        &[
            "train", "--model", "s2.2", "--json", "--device", "cpu", "--epochs", &epochs,
        ],
        &[Path::new("--dataset"), data, Path::new("--out"), out],
    )
}
