//! `ae data` end to end through the built binary.

use std::process::Command;

fn ae() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ae"))
}

#[test]
fn missing_data_names_the_fetch_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = ae()
        .args(["data", "--dataset", "fashion-mnist", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cargo xtask fetch-mnist --dataset fashion-mnist"),
        "{err}"
    );
}

#[test]
fn unknown_dataset_is_a_clear_error() {
    let out = ae()
        .args(["data", "--dataset", "cifar10"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--dataset") && err.contains("'cifar10'"),
        "{err}"
    );
}
