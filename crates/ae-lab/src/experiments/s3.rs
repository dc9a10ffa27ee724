//! Seed 003: the convolutional denoiser with batch norm, generation from random latents and
//! clustering of its codes (S3.1–S3.3; `ae denoise` runs the same).

use ae_models::presets;
use serde_json::json;

use crate::experiment::{Experiment, Run};
use crate::{probes, Result};

/// The S3.1 run (trained once, reused by S3.2 and S3.3).
fn s3_run(ex: &Experiment<'_>) -> Result<Run> {
    ex.train(
        ex.folder_of("S3.1")?.join("run"),
        &presets::S3_1,
        ex.dataset(),
        |c| {
            if ex.lab.profile.name == "full" {
                c.validation = 12_000;
            }
        },
    )
}

/// Runs S3.1 (convolutional denoiser with batch norm) into its report section.
pub fn s3_1(ex: &mut Experiment<'_>) -> Result<()> {
    let r = s3_run(ex)?;
    ex.row(
        "test PSNR, noisy input (mean per image)",
        "—",
        format!("{:.2} dB", r.m.test_psnr_noisy.unwrap_or(f64::NAN)),
    );
    ex.row(
        "test PSNR, denoised (mean per image)",
        "16.49 dB (the seed's code run here)",
        format!("{:.2} dB", r.m.test_psnr_output),
    );
    ex.row(
        "test PSNR, denoised, whole set (10·log10(1/MSE))",
        "15.65 dB (the seed's code run here)",
        format!("{:.2} dB", r.m.test_psnr_output_global),
    );
    ex.note("The seed printed no PSNR; the seed figures here come from running its PyTorch code on this machine (scripts/reference_s31.py).");
    ex.report_run(&r)?;
    Ok(())
}

/// Runs S3.2 (generation from random latents) into its report section.
pub fn s3_2(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = s3_run(ex)?;
    let path = dir.join("generated.png");
    probes::generate_grid(&r.t.model, 4, ae_data::ImageShape::MNIST, 0, &path)?;
    ex.figure(&path, "Digits decoded from 9 uniform random latents.");
    ex.config(
        "generation",
        json!({"latents": 9, "distribution": "uniform [0, 1)", "seed": 0, "model": "S3.1"}),
    )?;
    Ok(())
}

/// Runs S3.3 (clustering the codes) into its report section.
pub fn s3_3(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = s3_run(ex)?;
    let c = probes::cluster_codes(&r.t, 0, &dir)?;
    ex.row(
        "Kuhn–Munkres accuracy of k-means on the 4-d codes",
        "0.7204 (its code here: 0.7822)",
        format!("{:.4}", c.accuracy),
    );
    ex.row("NMI", "—", format!("{:.4}", c.nmi));
    ex.metric("cluster_accuracy", c.accuracy)?;
    ex.metric("cluster_nmi", c.nmi)?;
    ex.metric("mapping", &c.mapping)?;
    ex.note("With one k-means run on 4-d codes the accuracy depends on the training seed (0.59–0.72 over seeds 0–2 here, full settings); the seed's 0.7204 is one such draw.");
    ex.figure(
        &dir.join("confusion.png"),
        "Confusion matrix of clusters against labels.",
    );
    ex.config(
        "kmeans",
        json!({"k": 10, "n_init": 10, "seed": 0, "codes_of": r.t.train.len()}),
    )?;
    Ok(())
}
