//! Seed 004: PCA-30 against a deep autoencoder, undercomplete, sparse and denoising
//! autoencoders, out-of-distribution inputs, the manifold, and convolutional decoders
//! (S4.1–S4.9).

use std::path::Path;

use ae_data::{DatasetId, Noise};
use ae_eval::figures::{ImageGrid, Normalise};
use ae_eval::reconstruction::{mse, sse_per_image};
use ae_linear::Pca;
use ae_models::{presets, to_array, Autoencoder, Model};
use ndarray::{concatenate, s, Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use serde_json::json;
use tch::Tensor;

use super::common::load;
use crate::experiment::{Experiment, Run};
use crate::Result;

/// Runs S4.1 (PCA (30) reconstructions) into its report section.
pub fn s4_1(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let (_, train, test) = load(ex)?;
    let pca = Pca::params(30).fit(&train.view())?;
    let digits = test.slice(s![9705..9715, ..]).to_owned();
    let recon = pca.inverse_transform(&pca.transform(&digits.view())?.view())?;
    let errors: Array1<f64> = sse_per_image(&digits.view(), &recon.view())?;
    ex.row(
        "mean squared error per image, digits 9705–9714 (pixels in [0, 1])",
        "—",
        format!("{:.3}", errors.mean().unwrap_or(f64::NAN)),
    );
    ex.row(
        "the same on the seed's 0–255 scale (× 255²)",
        "seed evaluated on 0–255",
        format!("{:.0}", errors.mean().unwrap_or(f64::NAN) * 65025.0),
    );
    ex.note("The seed fed 0–255 pixels to PCA; its errors are 255² = 65,025 times ours for the same fit.");
    ex.metric("sse_per_image", errors.to_vec())?;
    let grid = concatenate![
        Axis(0),
        digits.view(),
        recon.mapv(|v| v.clamp(0.0, 1.0)).view()
    ];
    let p = dir.join("digits.png");
    ImageGrid::new(grid.view(), 28, 28, 10)?
        .normalise(Normalise::Fixed)
        .row_titles(vec!["original".into(), "PCA-30".into()])
        .captions(
            errors
                .iter()
                .map(|e| format!("{e:.1}"))
                .chain(std::iter::repeat_n(String::new(), 10))
                .collect(),
        )
        .scale(2)
        .save(&p)?;
    ex.figure(
        &p,
        "Test digits 9705–9714 and their PCA-30 reconstructions; captions: squared error.",
    );
    ex.config(
        "pca",
        serde_json::json!({"components": 30, "solver": "eigh", "images": train.nrows()}),
    )?;
    Ok(())
}

fn grid(path: &Path, rows: &[Array2<f32>], titles: Vec<String>, cols: usize) -> Result<()> {
    let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
    let g = concatenate(Axis(0), &views)?.mapv(|v| v.clamp(0.0, 1.0));
    ImageGrid::new(g.view(), 28, 28, cols)?
        .normalise(Normalise::Fixed)
        .row_titles(titles)
        .scale(2)
        .save(path)?;
    Ok(())
}

/// Runs S4.2 (deep autoencoder vs PCA) into its report section.
pub fn s4_2(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = ex.train(dir.join("run"), &presets::S4_2, ex.dataset(), |_| {})?;
    ex.row(
        "final training MSE",
        "0.0206",
        format!("{:.4}", r.train_loss()),
    );
    let test = r.t.data.test.to_f32();
    let digits = test.slice(s![9705..9715, ..]).to_owned();
    let ae = r.t.model.outputs(&digits)?;
    let (_, train_px, _) = load(ex)?;
    let pca = ae_linear::Pca::params(30).fit(&train_px.view())?;
    let pc = pca.inverse_transform(&pca.transform(&digits.view())?.view())?;
    let (e_ae, e_pca) = (
        sse_per_image(&digits.view(), &ae.view())?,
        sse_per_image(&digits.view(), &pc.view())?,
    );
    ex.row(
        "mean squared error per image on digits 9705–9714: AE vs PCA-30",
        "—",
        format!(
            "{:.2} vs {:.2}",
            e_ae.mean().unwrap_or(f64::NAN),
            e_pca.mean().unwrap_or(f64::NAN)
        ),
    );
    ex.metric("sse_ae", e_ae.to_vec())?;
    ex.metric("sse_pca30", e_pca.to_vec())?;
    let path = dir.join("vs-pca.png");
    grid(
        &path,
        &[digits, pc, ae],
        vec!["original".into(), "PCA-30".into(), "deep AE".into()],
        10,
    )?;
    ex.figure(
        &path,
        "Test digits 9705–9714: PCA-30 and the deep autoencoder.",
    );
    ex.report_run(&r)?;
    Ok(())
}

const S4_3_SIZES: [usize; 3] = [64, 128, 256];

fn s4_3_run(ex: &Experiment<'_>, x: usize) -> Result<Run> {
    ex.train(
        ex.folder_of("S4.3")?.join(format!("x{x}")),
        &presets::S4_3,
        ex.dataset(),
        |c| {
            if let Ok(m) = c.model.clone().with_code_size(x) {
                c.model = m;
            }
        },
    )
}

/// Runs S4.3 (undercomplete autoencoders) into its report section.
pub fn s4_3(ex: &mut Experiment<'_>) -> Result<()> {
    for (x, seed) in S4_3_SIZES.iter().zip(["0.0120", "0.0070", "0.0043"]) {
        let r = s4_3_run(ex, *x)?;
        ex.row(
            &format!("x = {x}: final training MSE"),
            seed,
            format!("{:.4}", r.train_loss()),
        );
        ex.figure_if(
            r.t.dir.join("reconstructions.png"),
            &format!("x = {x}: test images and outputs."),
        );
        ex.record(&format!("x{x}"), &r)?;
    }
    Ok(())
}

/// Runs S4.4 (out-of-distribution inputs) into its report section.
pub fn s4_4(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let kmnist = ex.lab.data.has(DatasetId::Kmnist);
    let other = if kmnist {
        DatasetId::Kmnist
    } else {
        DatasetId::FashionMnist
    };
    let ood = ex.data(other)?.test.first(7).to_f32();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let noise = Array2::from_shape_fn((1, 784), |_| rng.gen::<f32>());
    let inputs = concatenate![Axis(0), ood.view(), noise.view()];
    let digits = ex.data(ex.dataset())?.test.first(8).to_f32();
    let mut rows = vec![inputs.clone()];
    let mut titles = vec![format!("{other} + noise")];
    for x in S4_3_SIZES {
        let r = s4_3_run(ex, x)?;
        let out = r.t.model.outputs(&inputs)?;
        let d_out = r.t.model.outputs(&digits)?;
        let (e_ood, e_dig) = (
            mse(&inputs.view(), &out.view())?,
            mse(&digits.view(), &d_out.view())?,
        );
        ex.row(
            &format!("x = {x}: MSE on {other} + noise vs on digits"),
            "much higher off the digits",
            format!("{e_ood:.4} vs {e_dig:.4}"),
        );
        ex.section.metrics[format!("x{x}")] = json!({"mse_ood": e_ood, "mse_digits": e_dig});
        rows.push(out);
        titles.push(format!("AE x={x}"));
    }
    if !kmnist {
        ex.note("Kuzushiji-MNIST is not fetched here, so Fashion-MNIST serves as the non-digit images (cargo xtask fetch-mnist --dataset kmnist adds it).");
    }
    let path = dir.join("ood.png");
    grid(&path, &rows, titles, 8)?;
    ex.figure(&path, "Non-digit images and a uniform random image (last column), and what the digit autoencoders make of them: digit-like strokes.");
    ex.config(
        "inputs",
        json!({"dataset": other, "images": 7, "random": 1, "models": "S4.3"}),
    )?;
    Ok(())
}

fn first_layer(model: &Model, n: usize) -> Result<Array2<f32>> {
    let w = to_array(&model.var_store().variables()["enc0.weight"].detach())?;
    Ok(w.slice(s![..n.min(w.nrows()), ..]).to_owned())
}

/// Runs S4.5 (encoder filters) into its report section.
pub fn s4_5(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    for x in S4_3_SIZES {
        let r = s4_3_run(ex, x)?;
        let w = first_layer(&r.t.model, 32)?;
        let path = dir.join(format!("filters-x{x}.png"));
        ImageGrid::new(w.view(), 28, 28, 16)?
            .normalise(Normalise::PerTile)
            .scale(2)
            .save(&path)?;
        ex.figure(
            &path,
            &format!("x = {x}: the first 32 encoder filters (each scaled to its own range)."),
        );
    }
    ex.config("models", "S4.3")?;
    Ok(())
}

/// Hidden activations of one image as a square picture (side × side, padded with zeros).
fn activation_image(h: &Array2<f32>, side: usize) -> Array2<f32> {
    let mut img = Array2::<f32>::zeros((1, side * side));
    for (i, &v) in h.row(0).iter().enumerate().take(side * side) {
        img[[0, i]] = v;
    }
    img
}

/// Runs S4.6 (sparse over-complete autoencoder) into its report section.
pub fn s4_6(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let standard = s4_3_run(ex, 256)?;
    let test = standard.t.data.test.first(1).to_f32();
    let h_std = standard.t.model.codes(&test)?;
    let zero_share =
        |h: &Array2<f32>| h.iter().filter(|&&v| v == 0.0).count() as f64 / h.len() as f64;
    ex.row(
        "standard AE (256): share of zero activations",
        "—",
        format!("{:.2}", zero_share(&h_std)),
    );
    let act16 = activation_image(&h_std, 16);
    let path = dir.join("activations-standard.png");
    ImageGrid::new(act16.view(), 16, 16, 1)?
        .normalise(Normalise::PerTile)
        .scale(8)
        .save(&path)?;
    ex.figure(
        &path,
        "Standard AE (S4.3, x = 256): the 256 hidden activations of one test image, 16 × 16.",
    );
    for (i, lambda) in [4e-6, 1.5e-6, 0.6e-6].into_iter().enumerate() {
        let r = ex.train(
            dir.join(format!("lambda{i}")),
            &presets::S4_6,
            ex.dataset(),
            |c| c.train.l1 = lambda,
        )?;
        let h = r.t.model.codes(&test)?;
        ex.row(
            &format!("λ = {lambda:e}: share of zero activations; test MSE"),
            "sparser with larger λ",
            format!("{:.2}; {:.4}", zero_share(&h), r.m.test_mse_output),
        );
        let path = dir.join(format!("activations-lambda{i}.png"));
        let act = activation_image(&h, 34);
        ImageGrid::new(act.view(), 34, 34, 1)?
            .normalise(Normalise::PerTile)
            .scale(4)
            .save(&path)?;
        ex.figure(
            &path,
            &format!("λ = {lambda:e}: the 1,156 hidden activations of the same image, 34 × 34."),
        );
        ex.figure_if(
            r.t.dir.join("filters.png"),
            &format!("λ = {lambda:e}: encoder filters."),
        );
        ex.record(&format!("lambda{i}"), &r)?;
    }
    Ok(())
}

/// Runs S4.7 (denoising at several noise levels) into its report section.
pub fn s4_7(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let standard = s4_3_run(ex, 256)?;
    let clean = standard.t.data.test.first(8).to_f32();
    let levels: Vec<(String, Noise)> = [0.3f32, 0.5, 0.8, 0.9]
        .iter()
        .map(|&s| {
            (
                format!("gaussian {s}"),
                Noise::Gaussian {
                    std: s,
                    clamp: false,
                },
            )
        })
        .chain(std::iter::once((
            "salt-and-pepper 0.1".to_string(),
            Noise::salt_pepper(0.1).unwrap_or(Noise::SaltPepper {
                amount: 0.1,
                salt_ratio: 0.9,
            }),
        )))
        .collect();
    for (i, (name, noise)) in levels.iter().enumerate() {
        let r = ex.train(
            dir.join(format!("level{i}")),
            &presets::S4_7,
            ex.dataset(),
            |c| c.train.noise = Some(*noise),
        )?;
        let noisy = noise.apply(&clean, 7);
        let through_std = standard.t.model.outputs(&noisy)?;
        let through_den = r.t.model.outputs(&noisy)?;
        ex.row(
            &format!("{name}: MSE to the clean images, standard AE vs denoising AE"),
            "the denoiser is closer",
            format!(
                "{:.4} vs {:.4}",
                mse(&clean.view(), &through_std.view())?,
                mse(&clean.view(), &through_den.view())?
            ),
        );
        let path = dir.join(format!("level{i}.png"));
        grid(
            &path,
            &[clean.clone(), noisy, through_std, through_den],
            vec![
                "clean".into(),
                "noisy".into(),
                "standard AE".into(),
                "denoising AE".into(),
            ],
            8,
        )?;
        ex.figure(
            &path,
            &format!("{name}: clean, noisy, through the standard AE, through the denoising AE."),
        );
        if i == 1 {
            ex.figure_if(
                r.t.dir.join("filters.png"),
                &format!("{name}: the denoiser's encoder filters."),
            );
        }
        ex.record(&format!("level{i}"), &r)?;
    }
    ex.note("Seed 004 adds the noise without clamping to [0, 1]; so do we here (seed 003's S3.1 clamps).");
    Ok(())
}

/// Runs S4.8 (the manifold: noise in pixel and code space) into its report section.
pub fn s4_8(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = ex.train(dir.join("run"), &presets::S4_8, ex.dataset(), |_| {})?;
    ex.row(
        "final training MSE",
        "0.0406",
        format!("{:.4}", r.train_loss()),
    );
    let digit = r.t.data.test.first(1).to_f32();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    let mut normal = |n: usize| -> Array2<f32> {
        Array2::from_shape_fn((n, 8), |_| {
            rand_distr::Distribution::<f32>::sample(&rand_distr::StandardNormal, &mut rng)
        })
    };
    // Pixel space: the digit plus growing random moves.
    let moves: Vec<Array2<f32>> = [0.0f32, 0.1, 0.3, 0.5, 0.8]
        .iter()
        .map(|&s| {
            let mut r2 = rand_chacha::ChaCha8Rng::seed_from_u64(9);
            digit.mapv(|v| {
                v + s * rand_distr::Distribution::<f32>::sample(
                    &rand_distr::StandardNormal,
                    &mut r2,
                )
            })
        })
        .collect();
    let pixel_row = concatenate(Axis(0), &moves.iter().map(|m| m.view()).collect::<Vec<_>>())?;
    let path = dir.join("pixel-moves.png");
    ImageGrid::new(pixel_row.mapv(|v| v.clamp(0.0, 1.0)).view(), 28, 28, 5)?
        .normalise(Normalise::Fixed)
        .captions(vec![
            "digit".into(),
            "+0.1".into(),
            "+0.3".into(),
            "+0.5".into(),
            "+0.8".into(),
        ])
        .scale(2)
        .save(&path)?;
    ex.figure(
        &path,
        "A test digit with random pixel-space moves of growing size: noise, not other digits.",
    );
    // Code space: 6 draws per scale added to the digit's code.
    let code = r.t.model.codes(&digit)?;
    let mut rows = Vec::new();
    let mut titles = Vec::new();
    for scale in [0.1f32, 0.5, 0.8, 500.0] {
        let z = &code + &(normal(6) * scale);
        let flat: Vec<f32> = z.iter().copied().collect();
        let zt = Tensor::from_slice(&flat)
            .view([6, 8])
            .to_device(ex.lab.device);
        let out = {
            let _g = tch::no_grad_guard();
            to_array(&r.t.model.decode(&zt, false)?)?
        };
        rows.push(out);
        titles.push(format!("code + {scale}·N"));
    }
    let path = dir.join("code-noise.png");
    grid(&path, &rows, titles, 6)?;
    ex.figure(&path, "Decodes of the digit's 8-d code plus Gaussian noise: small noise moves along the manifold (other plausible digits), huge noise (500) saturates.");
    ex.report_run(&r)?;
    Ok(())
}

/// Runs S4.9 (convolutional autoencoders: unpooling and deconvolution) into its report section.
pub fn s4_9(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    // An output stuck at 0 has the loss of the mean squared pixel of the run's own images.
    let zero_output = |r: &Run| {
        let x = r.t.train.to_f32();
        x.iter().map(|&v| f64::from(v * v)).sum::<f64>() / x.len().max(1) as f64
    };
    let dead = |r: &Run| {
        let z = zero_output(r);
        (r.train_loss() - z).abs() < 0.02 * z
    };
    for (v, preset, seed) in [
        ("a", &presets::S4_9A, "0.0085"),
        ("b", &presets::S4_9B, "—"),
        ("c", &presets::S4_9C, "—"),
    ] {
        let r = ex.train(dir.join(v), preset, ex.dataset(), |_| {})?;
        ex.row(
            &format!("({v}) final training MSE; test MSE"),
            seed,
            format!("{:.4}; {:.4}", r.train_loss(), r.m.test_mse_output),
        );
        ex.figure_if(
            r.t.dir.join("reconstructions.png"),
            &format!("({v}) {}: test images and outputs.", r.t.model.name()),
        );
        ex.record(v, &r)?;
        if dead(&r) {
            // The decoder ends in a ReLU, as the seed's does; when every output unit starts
            // negative it never recovers. Re-seed (up to 3 times) for an honest trained figure.
            for s in 1..=3u64 {
                let again = ex.train(
                    dir.join(format!("{v}-seed{s}")),
                    preset,
                    ex.dataset(),
                    |c| c.train.seed = s,
                )?;
                ex.row(
                    &format!("({v}) re-seeded (seed {s}): final training MSE; test MSE"),
                    seed,
                    format!("{:.4}; {:.4}", again.train_loss(), again.m.test_mse_output),
                );
                ex.record(&format!("{v}-seed{s}"), &again)?;
                if !dead(&again) {
                    ex.figure_if(
                        again.t.dir.join("reconstructions.png"),
                        &format!("({v}) re-seeded with seed {s}: test images and outputs."),
                    );
                    break;
                }
            }
            ex.note(format!("({v}) with seed 0 the final ReLU died: every output is 0 and the loss stays at the mean squared pixel ({:.4}). The seed's architecture ends in a ReLU, so this happens for some initialisations; the re-seeded run beside it shows the network when it trains.", zero_output(&r)));
        }
    }
    Ok(())
}
