//! Seed 002: hand-derived gradients and dense autoencoders on MNIST and Fashion-MNIST
//! (S2.1–S2.5).

use ae_data::DatasetId;
use ae_eval::figures::{line_plot, Series};
use ae_models::{presets, Preset};
use serde_json::json;

use crate::experiment::Experiment;
use crate::Result;

/// Every seed 002 experiment runs on both data sets.
const BOTH: [DatasetId; 2] = [DatasetId::Mnist, DatasetId::FashionMnist];

/// Runs S2.1 (hand-derived gradients) into its report section.
pub fn s2_1(ex: &mut Experiment<'_>) -> Result<()> {
    let c = ae_models::grad::check_against_autograd(2);
    for (name, err) in &c.max_relative_error {
        ex.row(
            &format!("max relative error of ∂L/∂{name} vs libtorch autograd"),
            "below 1e-4",
            format!("{err:.2e}"),
        );
    }
    ex.row(
        "share of inactive hidden units (ReLU gates exercised)",
        "> 0",
        format!("{:.2}", c.inactive_hidden_share),
    );
    ex.metric("check", &c)?;
    ex.config(
        "check",
        json!({"batch": 16, "inputs": 12, "hidden": 5, "seed": 2, "dtype": "f64"}),
    )?;
    Ok(())
}

/// The dense autoencoders of seed 002, trained on both data sets (the seed printed only its
/// Fashion-MNIST training loss, `seed_fashion`).
fn s2_dense(ex: &mut Experiment<'_>, preset: &Preset, seed_fashion: &str) -> Result<()> {
    let dir = ex.dir.clone();
    for ds in BOTH {
        let r = ex.train(dir.join(ds.name()), preset, ds, |_| {})?;
        let seed = if ds == DatasetId::FashionMnist {
            seed_fashion
        } else {
            "—"
        };
        ex.row(
            &format!("{ds}: final training loss (BCE)"),
            seed,
            format!("{:.4}", r.train_loss()),
        );
        ex.row(
            &format!("{ds}: test loss"),
            "—",
            format!("{:.4}", r.m.test_loss),
        );
        ex.figure_if(
            r.t.dir.join("reconstructions.png"),
            &format!("{ds}: test images and outputs."),
        );
        ex.figure_if(
            r.t.dir.join("filters.png"),
            &format!("{ds}: first-layer encoder weights as images."),
        );
        ex.figure_if(r.t.dir.join("loss.png"), &format!("{ds}: loss per epoch."));
        ex.record(ds.name(), &r)?;
    }
    Ok(())
}

/// Runs S2.2 (shallow autoencoder) into its report section.
pub fn s2_2(ex: &mut Experiment<'_>) -> Result<()> {
    s2_dense(ex, &presets::S2_2, "0.2835")
}

/// Runs S2.3 (deep autoencoder) into its report section.
pub fn s2_3(ex: &mut Experiment<'_>) -> Result<()> {
    s2_dense(ex, &presets::S2_3, "0.2729")
}

/// Runs S2.4 (denoising deep autoencoder) into its report section.
pub fn s2_4(ex: &mut Experiment<'_>) -> Result<()> {
    s2_dense(ex, &presets::S2_4, "0.2791")
}

/// Runs S2.5 (code-size sweep) into its report section.
pub fn s2_5(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let sizes = [5usize, 20, 35, 50, 65, 80, 95];
    let mut series = Vec::new();
    for ds in BOTH {
        let (mut tr, mut te) = (Vec::new(), Vec::new());
        for &k in &sizes {
            let r = ex.train(dir.join(format!("{ds}-{k}")), &presets::S2_5, ds, |c| {
                if let Ok(m) = c.model.clone().with_code_size(k) {
                    c.model = m;
                }
            })?;
            tr.push((k as f64, r.train_loss()));
            te.push((k as f64, r.m.test_loss));
            ex.section.metrics[format!("{ds}-{k}")] =
                json!({"train_loss": r.train_loss(), "test_loss": r.m.test_loss});
            ex.section.configs[format!("{ds}-{k}")] = serde_json::to_value(&r.t.config)?;
        }
        let last = |v: &Vec<(f64, f64)>| v.last().map_or(f64::NAN, |p| p.1);
        let first = |v: &Vec<(f64, f64)>| v.first().map_or(f64::NAN, |p| p.1);
        ex.row(
            &format!("{ds}: test loss at code 5 → 95"),
            "falls with code size",
            format!("{:.4} → {:.4}", first(&te), last(&te)),
        );
        series.push(Series {
            name: format!("{ds} train"),
            points: tr,
        });
        series.push(Series {
            name: format!("{ds} test"),
            points: te,
        });
    }
    let path = dir.join("sweep.png");
    line_plot(
        &path,
        "Final loss against code size",
        "code size",
        "BCE",
        &series,
    )?;
    ex.figure(
        &path,
        "Train and test loss after training, for each code size and data set.",
    );
    Ok(())
}
