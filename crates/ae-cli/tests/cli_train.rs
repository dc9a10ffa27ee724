//! `ae train`, `ae denoise`, `ae encode|reconstruct|generate` end to end on small subsets of
//! MNIST, and their flag validation.

use std::path::{Path, PathBuf};
use std::process::Command;

fn ae() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ae"))
}

/// The workspace's data folder with MNIST in it; skipped (with a message) without it, unless
/// `AE_REQUIRE_DATA=1`, as `cargo xtask test` sets after fetching.
fn mnist() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    if dir.join("mnist/t10k-labels-idx1-ubyte.gz").is_file()
        && dir.join("mnist/train-images-idx3-ubyte.gz").is_file()
    {
        return Some(dir);
    }
    assert_ne!(
        std::env::var("AE_REQUIRE_DATA").as_deref(),
        Ok("1"),
        "AE_REQUIRE_DATA=1 but MNIST is not in {}",
        dir.display()
    );
    eprintln!("SKIPPED: MNIST is not fetched (cargo xtask fetch-mnist)");
    None
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[test]
fn denoise_then_encode_reconstruct_generate() {
    let Some(data) = mnist() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = ae()
        .arg("--data-dir")
        .arg(&data)
        .args([
            "denoise",
            "--noise",
            "0.3",
            "--epochs",
            "2",
            "--train-size",
            "3000",
        ])
        .args(["--val", "500", "--threads", "2", "--json", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    let m = json_of(&out);
    for key in [
        "cluster_accuracy",
        "test_psnr_noisy",
        "test_psnr_output",
        "test_mse_output",
        "train_seconds",
    ] {
        assert!(m[key].as_f64().is_some_and(f64::is_finite), "{key}: {m}");
    }
    // Gaussian 0.3 clamped: PSNR of the noisy test images is about 13.3 dB.
    assert!(
        (m["test_psnr_noisy"].as_f64().unwrap() - 13.3).abs() < 0.2,
        "{m}"
    );
    let acc = m["cluster_accuracy"].as_f64().unwrap();
    assert!((0.1..=1.0).contains(&acc), "{acc}");
    let history = m["history"].as_array().unwrap();
    let val = |i: usize| history[i]["val_loss"].as_f64().unwrap();
    assert!(val(1) < val(0), "{history:?}");
    for f in [
        "config.json",
        "model.safetensors",
        "checkpoint/weights.safetensors",
        "checkpoint/optimizer.safetensors",
        "denoised.png",
        "generated.png",
        "loss.png",
        "confusion.png",
        "metrics.json",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }

    let codes = dir.path().join("codes.npy");
    let out = ae()
        .arg("--data-dir")
        .arg(&data)
        .arg("encode")
        .arg("--run")
        .arg(&run)
        .args(["--split", "test", "--out"])
        .arg(&codes)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // NPY: 10 magic/version bytes, then a header naming the shape.
    let bytes = std::fs::read(&codes).unwrap();
    let header = String::from_utf8_lossy(&bytes[..128]);
    assert!(header.contains("(10000, 4)"), "{header}");
    assert_eq!(bytes.len() % 16, (128 + 10000 * 4 * 4) % 16);

    let out = ae()
        .arg("--data-dir")
        .arg(&data)
        .arg("reconstruct")
        .arg("--run")
        .arg(&run)
        .args(["--n", "5", "--noise", "gaussian:0.3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run.join("reconstruct.png").is_file());

    let out = ae()
        .arg("generate")
        .arg("--run")
        .arg(&run)
        .args(["--n", "4"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run.join("generate.png").is_file());
}

#[test]
fn train_resumed_with_more_epochs_equals_one_longer_run() {
    let Some(data) = mnist() else { return };
    let dir = tempfile::tempdir().unwrap();
    let train = |out: &Path, epochs: &str, resume: bool| {
        let mut cmd = ae();
        cmd.arg("--data-dir")
            .arg(&data)
            .args([
                "train",
                "--model",
                "s2.2",
                "--train-size",
                "1024",
                "--val",
                "256",
            ])
            .args(["--epochs", epochs, "--threads", "1", "--json", "--out"])
            .arg(out);
        if resume {
            cmd.arg("--resume");
        }
        json_of(&cmd.output().unwrap())
    };
    let whole = train(&dir.path().join("whole"), "3", false);
    let split = dir.path().join("split");
    train(&split, "1", false);
    let resumed = train(&split, "3", true);
    // Timing fields differ between runs; the losses must not.
    let losses = |m: &serde_json::Value| -> Vec<(f64, f64)> {
        m["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["train_loss"].as_f64().unwrap(),
                    e["val_loss"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(losses(&resumed).len(), 3);
    assert_eq!(losses(&resumed), losses(&whole));
    assert_eq!(resumed["test_loss"], whole["test_loss"]);
    assert!(split.join("filters.png").is_file());
}

#[test]
fn bad_training_flags_are_named() {
    let cases: &[(&[&str], &str)] = &[
        (&["train", "--model", "s9.9"], "s9.9"),
        (
            &["train", "--model", "s3.1", "--code-size", "0"],
            "--code-size",
        ),
        (
            &["train", "--model", "s2.2", "--noise", "gaussian:-0.3"],
            "noise",
        ),
        (&["train", "--model", "s2.2", "--epochs", "0"], "--epochs"),
        (&["denoise", "--noise", "-0.3"], "--noise"),
        (&["denoise", "--model", "b1.2", "--loss", "l3"], "--loss l3"),
        (&["train", "--model", "s2.2", "--loss", "l3"], "--loss l3"),
        (&["train", "--model", "s2.2", "--device", "tpu"], "--device"),
        (
            &["train", "--model", "s2.2", "--precision", "fp16"],
            "--precision",
        ),
    ];
    for (args, needle) in cases {
        let out = ae().args(*args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// `--precision bf16` on a one-epoch conv run: recorded in config.json when the CPU multiplies
/// bfloat16 (and the loss agrees with FP32's within 1 %); with the CPU's bfloat16 hidden
/// (`AE_CPU_BF16=0`) the command says it runs FP32, and the config has no precision field.
#[test]
fn precision_bf16_runs_or_says_it_falls_back() {
    let Some(data) = mnist() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, precision: &str, hide: bool| {
        let mut cmd = ae();
        if hide {
            cmd.env("AE_CPU_BF16", "0");
        }
        let out = cmd
            .arg("--data-dir")
            .arg(&data)
            .args(["train", "--model", "s3.1", "--epochs", "1"])
            .args(["--train-size", "1000", "--val", "200", "--threads", "2"])
            .args(["--precision", precision, "--json", "--out"])
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let config: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(name).join("config.json")).unwrap(),
        )
        .unwrap();
        (json_of(&out), stderr, config)
    };
    let (fp32, _, config) = run("fp32", "fp32", false);
    assert!(config["train"].get("precision").is_none(), "{config}");
    let (hidden, stderr, config) = run("hidden", "bf16", true);
    assert!(stderr.contains("running FP32"), "{stderr}");
    assert!(config["train"].get("precision").is_none(), "{config}");
    assert_eq!(hidden["test_loss"], fp32["test_loss"]);
    if ae_models::precision::cpu_bf16().is_some() {
        let (bf16, stderr, config) = run("bf16", "bf16", false);
        assert!(stderr.contains("precision: bf16 mixed"), "{stderr}");
        assert_eq!(config["train"]["precision"], "bf16");
        let (a, b) = (
            fp32["test_loss"].as_f64().unwrap(),
            bf16["test_loss"].as_f64().unwrap(),
        );
        assert!((a - b).abs() / a < 0.01, "fp32 {a}, bf16 {b}");
        assert_ne!(a, b, "bf16 changed nothing");
    }
}
