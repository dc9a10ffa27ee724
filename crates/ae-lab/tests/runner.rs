//! The pipeline runner through the library, on the experiments that need no data set:
//! sections and metrics keyed by id, the report, and resumption (a complete experiment is
//! skipped; one whose figure is lost runs again).

use ae_lab::{catalogue, runner, DataCache, Lab, Profile, Quiet};

fn lab<'a>(out: &std::path::Path, data: &'a DataCache) -> Lab<'a> {
    Lab {
        out: out.to_path_buf(),
        data,
        profile: Profile::QUICK,
        dataset: ae_data::DatasetId::Mnist,
        device: tch::Device::Cpu,
        precision: ae_models::Precision::Fp32,
        progress: &Quiet,
        stop: None,
        catalogue_link: None,
    }
}

#[test]
fn sections_metrics_and_resumption() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    // No data is read by these three: an empty data folder proves it.
    let data = DataCache::new(out.join("no-data"));
    let lab = lab(out, &data);
    let selected = catalogue::select(Some("S0.3,S1.1,S2.1")).unwrap();

    let first = runner::run(&lab, &selected).unwrap();
    assert_eq!(first.ran, ["S0.3", "S1.1", "S2.1"]);
    assert!(first.skipped.is_empty());
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    // S0.3's distortion never increases; S1.1's eigenvalues are those of Σ within sampling error.
    let d: Vec<f64> = serde_json::from_value(metrics["S0.3"]["distortions"].clone()).unwrap();
    assert_eq!(d.len(), 12);
    assert!(d.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{d:?}");
    let ev: Vec<f64> = serde_json::from_value(metrics["S1.1"]["eigenvalues"].clone()).unwrap();
    assert!((ev[0] - (3.0 + 5f64.sqrt())).abs() < 0.15, "{ev:?}");
    assert!((ev[1] - (3.0 - 5f64.sqrt())).abs() < 0.05, "{ev:?}");
    // S2.1's hand-derived gradients agree with autograd.
    let err: Vec<(String, f64)> =
        serde_json::from_value(metrics["S2.1"]["check"]["max_relative_error"].clone()).unwrap();
    assert!(err.iter().all(|(_, e)| *e < 1e-4), "{err:?}");
    let html = std::fs::read_to_string(&first.report).unwrap();
    for id in ["S0.3", "S1.1", "S2.1"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
        assert!(
            html.contains(&format!(r##"<a href="#{id}">{id}</a>"##)),
            "{id}"
        );
    }

    // A second run skips everything; after a figure is lost, only its experiment runs again.
    let second = runner::run(&lab, &selected).unwrap();
    assert!(second.ran.is_empty());
    assert_eq!(second.skipped.len(), 3);
    std::fs::remove_file(out.join("S1.1").join("axes.png")).unwrap();
    let third = runner::run(&lab, &selected).unwrap();
    assert_eq!(third.ran, ["S1.1"]);
    assert!(out.join("S1.1").join("axes.png").is_file());
    // The same numbers again: every random step is seeded.
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(again["S1.1"]["eigenvalues"], metrics["S1.1"]["eigenvalues"]);
}

#[test]
fn a_failing_experiment_names_itself_and_writes_no_section() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataCache::new(dir.path().join("no-data"));
    let lab = lab(dir.path(), &data);
    // S0.2 needs MNIST, which this data folder lacks.
    let err = runner::run(&lab, &catalogue::select(Some("S0.2")).unwrap()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("experiment S0.2: "), "{msg}");
    assert!(msg.contains("mnist"), "{msg}");
    assert!(runner::complete(dir.path(), "S0.2").is_none());
    // While another writer holds the output folder, a second pipeline is refused at once.
    let held = ae_lab::lock::FolderLock::acquire(dir.path()).unwrap();
    let err = runner::run(&lab, &catalogue::select(Some("S1.1")).unwrap()).unwrap_err();
    assert!(
        matches!(err, ae_lab::Error::Locked { pid, .. } if pid == std::process::id()),
        "{err}"
    );
    drop(held);
    assert!(runner::run(&lab, &catalogue::select(Some("S1.1")).unwrap()).is_ok());
}

/// libtorch must come before OpenBLAS among the loaded libraries (see build.rs): otherwise
/// libtorch's matrix products bind to OpenBLAS and dense training runs 3–4× slower.
#[test]
fn libtorch_is_loaded_before_openblas() {
    let exe = std::env::current_exe().unwrap();
    let Ok(out) = std::process::Command::new("readelf")
        .arg("-d")
        .arg(&exe)
        .output()
    else {
        eprintln!("SKIPPED: readelf is not installed");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let needed: Vec<&str> = text.lines().filter(|l| l.contains("(NEEDED)")).collect();
    let pos = |name: &str| needed.iter().position(|l| l.contains(name));
    let torch = pos("libtorch_cpu").expect("links libtorch_cpu");
    if let Some(blas) = pos("libopenblas") {
        assert!(torch < blas, "{needed:#?}");
    }
}
