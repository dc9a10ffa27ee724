//! `ae pipeline` on the command line: flags reach the library's runner, its progress is
//! printed, and a bad selection names the flag. (The runner itself is tested in ae-lab.)

use std::process::Command;

#[test]
fn runs_skips_and_names_a_bad_selection() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let o = Command::new(env!("CARGO_BIN_EXE_ae"))
            .args(["pipeline", "--only", "S0.3,S2.1", "--threads", "1", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let log = run();
    assert!(log.contains("[1/2] S0.3 k-means from scratch"), "{log}");
    assert!(dir.path().join("report.html").is_file());
    let log = run();
    assert_eq!(log.matches("done before, skipped").count(), 2, "{log}");

    for (only, needle) in [("S9", "'S9'"), ("S1.99", "'S1.99'"), ("x", "'x'")] {
        let o = Command::new(env!("CARGO_BIN_EXE_ae"))
            .args(["pipeline", "--only", only])
            .output()
            .unwrap();
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--only") && err.contains(needle), "{err}");
    }
}
