//! `ae pipeline` on the experiments that need no data set: sections, metrics keyed by id, and
//! resumption (finished experiments are skipped; one with a missing figure runs again).

use std::process::Command;

fn pipeline(out: &std::path::Path, only: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_ae"))
        .args(["pipeline", "--only", only, "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn sections_metrics_and_resumption() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let log = pipeline(out, "S0.3,S1.1,S1.9");
    assert!(!log.contains("skipped"), "{log}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    for id in ["S0.3", "S1.1", "S1.9"] {
        assert!(metrics.get(id).is_some(), "{id} missing from {metrics}");
    }
    // S0.3's distortion never increases; S1.1's eigenvalues are those of Σ within sampling error.
    let d: Vec<f64> = metrics["S0.3"]["distortions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{d:?}");
    let ev = metrics["S1.1"]["eigenvalues"].as_array().unwrap();
    assert!(
        (ev[0].as_f64().unwrap() - (3.0 + 5f64.sqrt())).abs() < 0.15,
        "{ev:?}"
    );
    assert_eq!(metrics["S1.9"]["done"], false);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in ["S0.3", "S1.1", "S1.9"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }

    // A second run skips everything; after a figure is lost, only its experiment runs again.
    let log = pipeline(out, "S0.3,S1.1,S1.9");
    assert_eq!(log.matches("done before, skipped").count(), 3, "{log}");
    std::fs::remove_file(out.join("S1.1").join("axes.png")).unwrap();
    let log = pipeline(out, "S0.3,S1.1,S1.9");
    assert_eq!(log.matches("done before, skipped").count(), 2, "{log}");
    assert!(out.join("S1.1").join("axes.png").is_file());

    let o = Command::new(env!("CARGO_BIN_EXE_ae"))
        .args(["pipeline", "--only", "S9"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--only"));
}
