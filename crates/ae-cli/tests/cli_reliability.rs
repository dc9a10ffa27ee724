//! Reliability as a hostile user meets it: no panic or libtorch backtrace, resources bounded
//! before work starts, NaN stops a run, run folders never destroyed by accident, config files
//! validated and reproducible, messages that say each thing once. Runs train a dense model on
//! 300 MNIST images for one epoch.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ae_data::DatasetId;

fn ae() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ae"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The failure's message, checked for what no message may hold: a panic, a C++ backtrace, or a
/// text repeated (`X: Y: X: Y` or `A: B: B`).
fn failure(out: &Output) -> String {
    assert!(!out.status.success(), "succeeded: {}", stderr(out));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    let err = stderr(out);
    for bad in [
        "panicked",
        "frame #",
        "Exception raised from",
        "internal error",
    ] {
        assert!(!err.contains(bad), "{bad}: {err}");
    }
    let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or("");
    let parts: Vec<&str> = line.split(": ").collect();
    for (i, a) in parts.iter().enumerate() {
        assert!(
            a.len() < 4 || !parts[i + 1..].contains(a),
            "doubled text: {line}"
        );
    }
    err
}

/// `ae train --model s2.2` on 300 images for one epoch into `out`, with `extra` flags (which
/// replace the defaults they name).
fn train(data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = ae();
    cmd.arg("--data-dir")
        .arg(data)
        .args(["train", "--json", "--out"])
        .arg(out);
    let defaults = [
        ("--model", "s2.2"),
        ("--train-size", "300"),
        ("--val", "100"),
        ("--epochs", "1"),
        ("--threads", "1"),
    ];
    for (flag, value) in defaults {
        if !extra.contains(&flag) {
            cmd.args([flag, value]);
        }
    }
    cmd.args(extra).output().unwrap()
}

fn trained(data: &Path, out: &Path) -> PathBuf {
    let o = train(data, out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    out.to_owned()
}

fn metrics(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[test]
fn weights_that_no_longer_match_the_config_are_named_not_a_backtrace() {
    let Some(data) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = trained(&data, &dir.path().join("run"));
    // Another code size in config.json than in the weights.
    let path = run.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let encoder = config["model"]["encoder"].as_array_mut().unwrap();
    let last = encoder.len() - 1;
    encoder[last]["size"] = 7.into();
    std::fs::write(&path, config.to_string()).unwrap();
    for cmd in ["reconstruct", "generate", "encode"] {
        let mut c = ae();
        c.arg("--data-dir")
            .arg(&data)
            .args([cmd, "--run"])
            .arg(&run);
        if cmd == "encode" {
            c.arg("--out").arg(dir.path().join("codes.npy"));
        }
        let err = failure(&c.output().unwrap());
        assert!(
            err.contains("does not match the model configuration"),
            "{err}"
        );
        assert!(err.contains("model.safetensors"), "{err}");
        assert!(err.contains("[7"), "{err}");
    }
    // A damaged weights file is named too.
    std::fs::write(
        run.join("model.safetensors"),
        b"\x10\0\0\0\0\0\0\0{not json",
    )
    .unwrap();
    let out = ae()
        .args(["reconstruct", "--run"])
        .arg(&run)
        .output()
        .unwrap();
    let err = failure(&out);
    assert!(
        err.contains("model.safetensors: not a safetensors file"),
        "{err}"
    );
}

#[test]
fn sizes_beyond_the_machine_are_refused_before_work_starts() {
    // No data folder: each refusal must come before any data is read.
    let none = Path::new("/nonexistent/data");
    let cases: &[(&[&str], &str)] = &[
        (&["--threads", "100000"], "--threads"),
        (&["--code-size", "100000000"], "--code-size"),
        (&["--batch-size", "100000000"], "--batch-size"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (flags, needle) in cases {
        let err = failure(&train(none, &dir.path().join("r"), flags));
        assert!(err.contains(needle), "{flags:?}: {err}");
        assert!(!err.contains("/nonexistent"), "{flags:?}: {err}");
    }
    let err = failure(
        &ae()
            .args([
                "denoise",
                "--code-size",
                "1000000000000",
                "--data-dir",
                "/nonexistent",
            ])
            .output()
            .unwrap(),
    );
    assert!(err.contains("--code-size"), "{err}");
}

#[test]
fn generate_n_is_bounded_and_nan_latents_refused() {
    let Some(data) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = trained(&data, &dir.path().join("run"));
    let out = ae()
        .args(["generate", "--n", "1000000000000", "--run"])
        .arg(&run)
        .output()
        .unwrap();
    let err = failure(&out);
    assert!(err.contains("--n") && err.contains("memory"), "{err}");
    // A latents file holding NaN (hand-written .npy: 1 × 2 float32).
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }";
    let header = format!("{header:<117}\n");
    npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
    npy.extend_from_slice(header.as_bytes());
    npy.extend_from_slice(&1.0f32.to_le_bytes());
    npy.extend_from_slice(&f32::NAN.to_le_bytes());
    let z = dir.path().join("z.npy");
    std::fs::write(&z, npy).unwrap();
    let out = ae()
        .args(["generate", "--latents"])
        .arg(&z)
        .arg("--run")
        .arg(&run)
        .output()
        .unwrap();
    let err = failure(&out);
    assert!(err.contains("--latents") && err.contains("z.npy"), "{err}");
    assert!(err.contains("row 0, column 1 is not finite"), "{err}");
    // An image path PNG cannot be written to is refused before anything is done.
    let out = ae()
        .args(["reconstruct", "--out", "grid.jpg", "--run"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(failure(&out).contains("give a path ending in .png"));
}

#[test]
fn a_diverging_run_stops_with_its_place_and_writes_no_metrics() {
    let Some(data) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    // S2.2 ends in a sigmoid under binary cross-entropy: its outputs turn NaN, which libtorch's
    // BCE refuses; S4.2's MSE loss itself becomes NaN.
    let err = failure(&train(&data, &run, &["--lr", "1e36", "--epochs", "2"]));
    assert!(
        err.contains("the model's outputs in epoch 1 batch")
            || err.contains("the validation loss after epoch 1 became NaN"),
        "{err}"
    );
    assert!(err.contains("lower the learning rate (lr 1e36)"), "{err}");
    let err = failure(&train(
        &data,
        &run,
        &["--model", "s4.2", "--lr", "1e36", "--epochs", "2"],
    ));
    assert!(
        err.contains("loss in epoch 1 batch") || err.contains("validation loss after epoch 1"),
        "{err}"
    );
    assert!(err.contains("NaN") || err.contains("inf"), "{err}");
    assert!(err.contains("lower the learning rate"), "{err}");
    assert!(!run.join("metrics.json").exists());
    assert!(!run.join("model.safetensors").exists());
}

#[test]
fn run_folders_are_never_destroyed_by_accident() {
    let Some(data) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    // --resume with nothing to resume.
    let err = failure(&train(&data, &run, &["--resume"]));
    assert!(err.contains("no checkpoint to resume from"), "{err}");
    let first = metrics(&train(&data, &run, &[]));
    // The same folder again, without --resume or --overwrite.
    let err = failure(&train(&data, &run, &[]));
    assert!(
        err.contains("holds a finished run") && err.contains("--overwrite"),
        "{err}"
    );
    // --resume with another learning rate names the setting.
    let err = failure(&train(&data, &run, &["--resume", "--lr", "0.5"]));
    assert!(err.contains("lr") && err.contains("0.5"), "{err}");
    // A live process's lock (a child that sleeps) refuses at once, naming it.
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(run.join(".lock"), sleeper.id().to_string()).unwrap();
    let err = failure(&train(&data, &run, &["--resume", "--epochs", "2"]));
    assert!(err.contains(&format!("process {}", sleeper.id())), "{err}");
    assert!(err.contains(&run.display().to_string()), "{err}");
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    // Its process gone, the lock is stale; a half-written checkpoint is cleaned up.
    std::fs::create_dir_all(run.join("checkpoint.new")).unwrap();
    std::fs::write(run.join("checkpoint.new/trainer.json"), "{").unwrap();
    let resumed = metrics(&train(&data, &run, &["--resume", "--epochs", "2"]));
    assert_eq!(resumed["epochs"], 2);
    assert!(!run.join("checkpoint.new").exists());
    assert!(!run.join(".lock").exists());
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config["train"]["epochs"], 2,
        "config.json agrees with metrics.json"
    );
    // --overwrite starts over and gives the first run's numbers again.
    let again = metrics(&train(&data, &run, &["--overwrite"]));
    assert_eq!(again["test_loss"], first["test_loss"]);
    assert_eq!(again["epochs"], 1);
}

#[test]
fn a_config_file_is_validated_like_flags_and_reproduces_its_run() {
    let Some(data) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let first = metrics(&train(&data, &run, &[]));
    let other = dir.path().join("other");
    let again = metrics(
        &ae()
            .arg("--data-dir")
            .arg(&data)
            .args(["train", "--threads", "1", "--json", "--config"])
            .arg(run.join("config.json"))
            .arg("--out")
            .arg(&other)
            .output()
            .unwrap(),
    );
    assert_eq!(again["test_loss"], first["test_loss"]);
    let read = |p: &Path| std::fs::read_to_string(p.join("config.json")).unwrap();
    assert_eq!(read(&other), read(&run));
    // A negative noise level in the file is refused as on the command line, naming the file.
    let mut config: serde_json::Value = serde_json::from_str(&read(&run)).unwrap();
    config["train"]["noise"] = serde_json::json!({"kind": "gaussian", "std": -0.5, "clamp": true});
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, config.to_string()).unwrap();
    let out = ae()
        .args(["train", "--config"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    let err = failure(&out);
    assert!(err.contains("bad.json") && err.contains("-0.5"), "{err}");
    // Negative numbers on the command line reach the validation.
    let err = failure(&train(&data, &dir.path().join("y"), &["--lr", "-1"]));
    assert!(
        err.contains("--lr: invalid lr: must be > 0, not -1"),
        "{err}"
    );
}

#[test]
fn data_problems_are_named_once() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where a data file should be.
    let mnist = dir.path().join("mnist");
    std::fs::create_dir_all(mnist.join("train-images-idx3-ubyte.gz")).unwrap();
    let out = ae()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["data", "--dataset", "mnist"])
        .output()
        .unwrap();
    let err = failure(&out);
    assert!(
        err.contains("is a directory where the data file should be"),
        "{err}"
    );
    // An empty AE_DATA_DIR is unset: the workspace's data folder is used.
    let Some(_) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let out = ae()
        .env("AE_DATA_DIR", "")
        .args(["data", "--dataset", "mnist"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Ctrl-C stops after the batch, writes a checkpoint and says how the same command continues;
/// `--resume` then continues it.
#[test]
fn ctrl_c_names_the_checkpoint_and_the_resume_flag() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("shapes");
    ae_data::shapes::write_shapes(&data, 20, 16, 0).unwrap();
    let out = tmp.path().join("run");
    let mut child = ae()
        .args([
            "train", "--model", "s2.2", "--epochs", "100000", "--device", "cpu",
        ])
        .arg("--dataset")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("epoch 2/") {
            break;
        }
    }
    assert!(seen.contains("epoch 2/"), "{seen}");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    let rest = rest.join("\n");
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(
        rest.contains("interrupted; the checkpoint in") && rest.contains("--resume"),
        "{rest}"
    );
    assert!(out.join("checkpoint").is_dir());
}
