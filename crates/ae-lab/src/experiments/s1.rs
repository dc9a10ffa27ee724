//! Seed 001, the lecture: PCA from scratch and its variants, PCA before a classifier, linear,
//! stacked, convolutional, denoising and sigmoid autoencoders, recognition in code space
//! (S1.1–S1.12).

use ae_data::Noise;
use ae_eval::figures::{
    embedding_with_thumbnails, line_plot, scatter_plot, ImageGrid, Markers, Normalise, Series,
};
use ae_eval::reconstruction::{mean_sse, rounded_accuracy};
use ae_linear::{IncrementalPca, KernelPca, Pca, Solver};
use ae_models::{images_tensor, presets, to_array, Event, Model, Trainer};
use ndarray::{s, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use serde_json::json;

use super::common::{labels_and_names, load};
use crate::embed::{map_2d, MapMethod, MapParams};
use crate::experiment::Experiment;
use crate::{Error, Result};

fn points(x: &Array2<f64>, a: usize, b: usize) -> Vec<(f64, f64)> {
    x.rows().into_iter().map(|r| (r[a], r[b])).collect()
}

/// PCA of the S1.1 normal sample with the seed's own recipe, and agreement with the SVD solver.
pub fn s1_1(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let x = ae_data::synthetic::correlated_normal_2d(10_000, 0);
    let eig = Pca::params(2).fit(&x.view())?;
    let svd = Pca::params(2).solver(Solver::Svd).fit(&x.view())?;
    let ev = eig.explained_variance();
    let share = ev[0] / ev.sum();
    let agree = eig.components().row(0).dot(&svd.components().row(0)).abs();
    // Exact values for Σ = [[4, 2], [2, 2]]: λ = 3 ± √5.
    let exact = [3.0 + 5f64.sqrt(), 3.0 - 5f64.sqrt()];
    ex.row(
        "eigenvalues",
        format!("{:.3}, {:.3} (of Σ)", exact[0], exact[1]),
        format!("{:.3}, {:.3}", ev[0], ev[1]),
    );
    ex.row(
        "share of variance of PC1",
        format!("{:.3} (of Σ)", exact[0] / 6.0),
        format!("{share:.4}"),
    );
    ex.row(
        "|cos| between PC1 by eigh and by SVD",
        "1",
        format!("{agree:.8}"),
    );
    ex.metric("eigenvalues", ev.to_vec())?;
    ex.metric("pc1_share", share)?;
    ex.metric(
        "components",
        eig.components()
            .outer_iter()
            .map(|r| r.to_vec())
            .collect::<Vec<_>>(),
    )?;
    ex.metric("eigh_svd_abs_cos", agree)?;
    let mean = eig.mean();
    let axis = |k: usize| -> Vec<(f64, f64)> {
        let v = eig.components().row(k);
        let len = 2.0 * ev[k].sqrt();
        (0..=40)
            .map(|i| {
                let t = len * (i as f64 / 20.0 - 1.0);
                (mean[0] + t * v[0], mean[1] + t * v[1])
            })
            .collect()
    };
    let p = dir.join("axes.png");
    scatter_plot(
        &p,
        "Data with its principal axes (±2 standard deviations)",
        &points(&x, 0, 1),
        &vec![0; x.nrows()],
        None,
        &[
            Markers {
                name: "PC1".into(),
                points: axis(0),
                rgb: (220, 0, 0),
            },
            Markers {
                name: "PC2".into(),
                points: axis(1),
                rgb: (0, 150, 0),
            },
        ],
    )?;
    ex.figure(&p, "The sample and its two principal axes.");
    let z = eig.transform(&x.view())?;
    let p = dir.join("projection.png");
    scatter_plot(
        &p,
        "Projection on (PC1, PC2)",
        &points(&z, 0, 1),
        &vec![1; x.nrows()],
        None,
        &[],
    )?;
    ex.figure(&p, "The data in principal coordinates: uncorrelated.");
    let rank1 = Pca::params(1).fit(&x.view())?;
    let approx = rank1.inverse_transform(&rank1.transform(&x.view())?.view())?;
    let p = dir.join("rank1.png");
    scatter_plot(
        &p,
        "Rank-1 approximation μ + ⟨x − μ, v₀⟩v₀ (orange) over the data",
        &points(&x, 0, 1),
        &vec![0; x.nrows()],
        None,
        &[Markers {
            name: "rank 1".into(),
            points: points(&approx, 0, 1).into_iter().step_by(10).collect(),
            rgb: (255, 140, 0),
        }],
    )?;
    ex.figure(&p, "Every point replaced by its projection on PC1.");
    ex.config(
        "data",
        serde_json::json!({"n": 10000, "mean": [-1, 2], "cov": [[4, 2], [2, 2]], "seed": 0}),
    )?;
    Ok(())
}

/// Runs S1.2 (PCA by SVD) into its report section.
pub fn s1_2(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let (data, train, _) = load(ex)?;
    let n = 3000.min(train.nrows());
    let x = train.slice(s![..n, ..]).to_owned();
    let svd = Pca::params(2).solver(Solver::Svd).fit(&x.view())?;
    let eig = Pca::params(2).fit(&x.view())?;
    let agree: Vec<f32> = (0..2)
        .map(|k| svd.components().row(k).dot(&eig.components().row(k)).abs())
        .collect();
    ex.row(
        "|cos| of PC1, PC2 between SVD and eigh",
        "1, 1",
        format!("{:.6}, {:.6}", agree[0], agree[1]),
    );
    ex.metric("singular_values", svd.singular_values().to_vec())?;
    ex.metric("svd_eigh_abs_cos", agree)?;
    let p = dir.join("components.png");
    ImageGrid::new(svd.components().view(), 28, 28, 2)?
        .normalise(Normalise::PerTile)
        .captions(vec!["PC1".into(), "PC2".into()])
        .scale(3)
        .save(&p)?;
    ex.figure(&p, "The first two right singular vectors as images.");
    let z = svd.transform(&x.view())?.mapv(f64::from);
    let (labels, names) = labels_and_names(&data.train, n, &data)?;
    let p = dir.join("projection.png");
    scatter_plot(
        &p,
        &format!("{n} training images on (PC1, PC2)"),
        &points(&z, 0, 1),
        &labels,
        Some(&names),
        &[],
    )?;
    ex.figure(
        &p,
        "Projection on the first two components, coloured by label.",
    );
    ex.config(
        "pca",
        serde_json::json!({"components": 2, "solver": "svd", "images": n}),
    )?;
    Ok(())
}

/// Runs S1.3 (explained variance) into its report section.
pub fn s1_3(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let (_, train, _) = load(ex)?;
    let all = Pca::params(784).fit(&train.view())?;
    let ratio = all.explained_variance_ratio();
    let mut cum = 0.0;
    let curve: Vec<(f64, f64)> = ratio
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            cum += f64::from(r);
            ((i + 1) as f64, cum)
        })
        .collect();
    let d95 = all.components_for_variance(0.95).unwrap_or(784);
    let frac = Pca::params_variance(0.95).fit(&train.view())?;
    ex.row(
        "smallest d with 95 % of the variance",
        "154 (MNIST, in the lecture)",
        d95.to_string(),
    );
    ex.row(
        "components kept by n_components = 0.95",
        "154",
        frac.n_components().to_string(),
    );
    ex.metric("d95", d95)?;
    ex.metric("fraction_components", frac.n_components())?;
    ex.metric(
        "ratio_first_10",
        ratio
            .iter()
            .take(10)
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>(),
    )?;
    let p = dir.join("cumulative.png");
    line_plot(
        &p,
        "Cumulative explained variance ratio",
        "components",
        "ratio",
        &[
            Series {
                name: "cumulative".into(),
                points: curve,
            },
            Series {
                name: "95 %".into(),
                points: vec![(1.0, 0.95), (784.0, 0.95)],
            },
        ],
    )?;
    ex.figure(
        &p,
        &format!("The cumulative ratio crosses 95 % at d = {d95}."),
    );
    ex.config(
        "data",
        serde_json::json!({"dataset": ex.dataset(), "images": train.nrows()}),
    )?;
    Ok(())
}

/// Runs S1.4 (incremental, randomized and kernel PCA) into its report section.
pub fn s1_4(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let (_, train, test) = load(ex)?;
    let k = 32;
    let sse = |p: &ae_linear::FittedPca<f32>| -> Result<f64> {
        let r = p.inverse_transform(&p.transform(&test.view())?.view())?;
        Ok(mean_sse(&test.view(), &r.view())?)
    };
    let exact = Pca::params(k).fit(&train.view())?;
    let inc = IncrementalPca::fit(k, &train.view(), 1000)?;
    let rnd = Pca::params(k)
        .solver(Solver::Randomized)
        .seed(0)
        .fit(&train.view())?;
    let (e, i, r) = (sse(&exact)?, sse(&inc)?, sse(&rnd)?);
    ex.row("test SSE, exact PCA-32", "—", format!("{e:.4}"));
    ex.row(
        "test SSE, incremental (batches of 1,000)",
        "within 0.5 % of exact",
        format!("{i:.4} ({:+.3} %)", 100.0 * (i / e - 1.0)),
    );
    ex.row(
        "test SSE, randomized",
        "within 0.5 % of exact",
        format!("{r:.4} ({:+.3} %)", 100.0 * (r / e - 1.0)),
    );
    ex.metric("test_sse_exact", e)?;
    ex.metric("test_sse_incremental", i)?;
    ex.metric("test_sse_randomized", r)?;
    let x = ae_data::synthetic::curved_3d(800, 0.1, 0.3, 0.1, 0);
    let kp = KernelPca::params(2).gamma(0.04).fit(&x.view())?;
    let kz = kp.training_codes();
    let lin = Pca::params(2).fit(&x.view())?.transform(&x.view())?;
    // Colour by position along the data's first coordinate, in 5 bands.
    let first = x.column(0);
    let (lo, hi) = first
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let bands: Vec<usize> = first
        .iter()
        .map(|&v| (((v - lo) / (hi - lo + 1e-12)) * 5.0).min(4.0) as usize)
        .collect();
    let p = dir.join("kernel.png");
    scatter_plot(
        &p,
        "RBF kernel PCA (γ = 0.04)",
        &points(&kz, 0, 1),
        &bands,
        None,
        &[],
    )?;
    ex.figure(
        &p,
        "Kernel PCA codes of the curved 3-D data, coloured by the first coordinate.",
    );
    let p = dir.join("linear.png");
    scatter_plot(&p, "Linear PCA", &points(&lin, 0, 1), &bands, None, &[])?;
    ex.figure(&p, "Linear PCA of the same data, for comparison.");
    ex.metric("kernel_eigenvalues", kp.eigenvalues().to_vec())?;
    ex.config("pca", serde_json::json!({"components": k, "incremental_batch": 1000, "kernel": {"gamma": 0.04, "points": 800}}))?;
    Ok(())
}

/// Nearest-centroid accuracy on `test` with centroids from `train`.
fn nearest_centroid(
    train: &Array2<f64>,
    yt: &[usize],
    test: &Array2<f64>,
    yv: &[usize],
    k: usize,
) -> f64 {
    let mut c = Array2::<f64>::zeros((k, train.ncols()));
    let mut n = vec![0.0; k];
    for (row, &y) in train.rows().into_iter().zip(yt) {
        c.row_mut(y).zip_mut_with(&row, |a, &b| *a += b);
        n[y] += 1.0;
    }
    for (mut row, &m) in c.rows_mut().into_iter().zip(&n) {
        row.mapv_inplace(|v| v / f64::max(m, 1.0));
    }
    let hits = test
        .rows()
        .into_iter()
        .zip(yv)
        .filter(|(row, &y)| {
            let best = (0..k)
                .map(|j| (j, (&c.row(j) - row).mapv(|v| v * v).sum()))
                .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
            best.0 == y
        })
        .count();
    hits as f64 / yv.len() as f64
}

/// Runs S1.5 (PCA before a classifier) into its report section.
pub fn s1_5(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    // A CSV written here and read back through ae-data's loader: 3 classes, 8 correlated
    // features (mixtures of 2 latent factors plus noise).
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mix = Array2::from_shape_fn((2, 8), |_| rng.gen_range(-2.0..2.0));
    let centres = [[0.0, 0.0], [2.5, 0.5], [0.5, 2.5]];
    let mut csv = String::from("f0,f1,f2,f3,f4,f5,f6,f7,class\n");
    for i in 0..900 {
        let c = i % 3;
        let (n0, n1): (f64, f64) = (
            StandardNormal.sample(&mut rng),
            StandardNormal.sample(&mut rng),
        );
        let z: [f64; 2] = [centres[c][0] + n0 * 0.8, centres[c][1] + n1 * 0.8];
        let row: Vec<String> = (0..8)
            .map(|j| {
                let noise: f64 = StandardNormal.sample(&mut rng);
                format!(
                    "{:.4}",
                    z[0] * mix[[0, j]] + z[1] * mix[[1, j]] + 10.0 * j as f64 + noise
                )
            })
            .collect();
        csv.push_str(&format!("{},class-{c}\n", row.join(",")));
    }
    let path = dir.join("table.csv");
    ae_eval::report::write_atomically(&path, csv.as_bytes())?;
    let table = ae_data::csv::read_csv(
        &path,
        true,
        &ae_data::csv::LabelColumn::Named("class".into()),
    )?;
    let (labels, names) = table
        .label_indices()
        .ok_or_else(|| Error::invalid("table", "the CSV has no class column"))?;
    let x = &table.features;
    let mean = x
        .mean_axis(Axis(0))
        .ok_or_else(|| Error::invalid("table", "is empty"))?;
    let std = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 0.0 { s } else { 1.0 });
    let xs = (x - &mean) / &std;
    let split = 600;
    let (tr, te) = (
        xs.slice(s![..split, ..]).to_owned(),
        xs.slice(s![split.., ..]).to_owned(),
    );
    let pca = Pca::params(2).fit(&tr.view())?;
    let (ztr, zte) = (pca.transform(&tr.view())?, pca.transform(&te.view())?);
    let acc2 = nearest_centroid(&ztr, &labels[..split], &zte, &labels[split..], names.len());
    let acc8 = nearest_centroid(&tr, &labels[..split], &te, &labels[split..], names.len());
    ex.row(
        "test accuracy, nearest centroid on 2 PCA components",
        "—",
        format!("{acc2:.3}"),
    );
    ex.row(
        "test accuracy, nearest centroid on all 8 standardised features",
        "—",
        format!("{acc8:.3}"),
    );
    ex.metric("accuracy_pca2", acc2)?;
    ex.metric("accuracy_all", acc8)?;
    ex.metric(
        "explained_variance_ratio",
        pca.explained_variance_ratio().to_vec(),
    )?;
    let all_z = pca.transform(&xs.view())?;
    let p = dir.join("pca2.png");
    scatter_plot(
        &p,
        "Standardised table on 2 components",
        &points(&all_z, 0, 1),
        &labels,
        Some(&names),
        &[],
    )?;
    ex.figure(
        &p,
        "The 900 rows of table.csv on their first two principal components.",
    );
    ex.note("No CSV ships with the seeds; this one (table.csv beside the figure) is generated with a fixed seed and read back through ae-data's CSV loader, as any user CSV would be.");
    ex.config("classifier", serde_json::json!({"train_rows": split, "test_rows": 900 - split, "components": 2, "classifier": "nearest centroid"}))?;
    Ok(())
}

/// Runs S1.6 (a linear autoencoder finds PCA's subspace) into its report section.
pub fn s1_6(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let x = ae_data::synthetic::curved_3d(60, 0.1, 0.3, 0.1, 0);
    let mean = x
        .mean_axis(Axis(0))
        .ok_or_else(|| Error::invalid("points", "none"))?;
    let xc = (&x - &mean).mapv(|v| v as f32);
    let config = presets::S1_6.model();
    let mut train = presets::S1_6.train();
    train.epochs = 500;
    let mut model = Model::seeded(&config, ex.lab.device, 0)?;
    let xt = images_tensor(&xc, &[3], ex.lab.device)?;
    let mut losses = Vec::new();
    Trainer::new(train.clone())?.fit(&mut model, &xt, None, false, &mut |e| {
        if let Event::EpochEnd(r) = e {
            losses.push((r.epoch as f64, r.train_loss));
        }
    })?;
    // Decoder columns span the autoencoder's plane; compare with PCA's two components through
    // the cosines of the principal angles (singular values of QᵀP).
    let w = to_array(&model.var_store().variables()["dec0.weight"].detach())?.mapv(f64::from); // 3 × 2
    let q = gram_schmidt(&w);
    let pca = ae_linear::Pca::params(2).fit(&(&x - &mean).view())?;
    let p = pca.components().t().to_owned(); // 3 × 2
    let m = q.t().dot(&p);
    let cosines = singular_values_2x2(&m);
    ex.row(
        "cosines of the principal angles between the AE's plane and PCA's",
        "1, 1 (same subspace)",
        format!("{:.4}, {:.4}", cosines[0], cosines[1]),
    );
    let pca_mse = {
        let r = pca.inverse_transform(&pca.transform(&(&x - &mean).view())?.view())?;
        (&r - &(&x - &mean))
            .mapv(|v| v * v)
            .mean()
            .unwrap_or(f64::NAN)
    };
    let ae_mse = losses.last().map_or(f64::NAN, |l| l.1);
    ex.row(
        "reconstruction MSE: autoencoder vs PCA-2",
        "equal at the optimum",
        format!("{ae_mse:.5} vs {pca_mse:.5}"),
    );
    ex.metric("principal_angle_cosines", cosines.to_vec())?;
    ex.metric("ae_mse", ae_mse)?;
    ex.metric("pca_mse", pca_mse)?;
    let z = to_array(&model.evaluate(&xt, 60).code)?.mapv(f64::from);
    let pts: Vec<(f64, f64)> = z.rows().into_iter().map(|r| (r[0], r[1])).collect();
    let path = dir.join("codes.png");
    scatter_plot(
        &path,
        "The 2-D codes of the linear autoencoder",
        &pts,
        &vec![0; pts.len()],
        None,
        &[],
    )?;
    ex.figure(
        &path,
        "Codes of the 60 points: PCA's projection up to an invertible linear map.",
    );
    let path = dir.join("loss.png");
    line_plot(
        &path,
        "Linear AE training loss",
        "epoch",
        "MSE",
        &[Series {
            name: "train".into(),
            points: losses,
        }],
    )?;
    ex.figure(&path, "Full-batch SGD (lr 1.5) converges to PCA's error.");
    ex.config("train", &train)?;
    ex.config("model", &config)?;
    Ok(())
}

fn gram_schmidt(w: &Array2<f64>) -> Array2<f64> {
    let mut q = w.clone();
    for j in 0..q.ncols() {
        for k in 0..j {
            let proj = q.column(j).dot(&q.column(k));
            let qk = q.column(k).to_owned();
            q.column_mut(j).zip_mut_with(&qk, |a, &b| *a -= proj * b);
        }
        let norm = q.column(j).dot(&q.column(j)).sqrt().max(1e-300);
        q.column_mut(j).mapv_inplace(|v| v / norm);
    }
    q
}

fn singular_values_2x2(m: &Array2<f64>) -> [f64; 2] {
    let a = m.t().dot(m);
    let (tr, det) = (
        a[[0, 0]] + a[[1, 1]],
        a[[0, 0]] * a[[1, 1]] - a[[0, 1]] * a[[1, 0]],
    );
    let disc = (tr * tr / 4.0 - det).max(0.0).sqrt();
    [
        (tr / 2.0 + disc).max(0.0).sqrt(),
        (tr / 2.0 - disc).max(0.0).sqrt(),
    ]
}

/// Runs S1.7 (stacked autoencoder, t-SNE of its codes) into its report section.
pub fn s1_7(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = ex.train(dir.join("run"), &presets::S1_7, ex.dataset(), |_| {})?;
    let val = r.t.val.to_f32();
    let out = r.t.model.outputs(&val)?;
    let acc = rounded_accuracy(&val.view(), &out.view())?;
    ex.row(
        "validation rounded accuracy",
        "about 0.93 in the lecture's run",
        format!("{acc:.4}"),
    );
    ex.metric("val_rounded_accuracy", acc)?;
    let n = ex.lab.profile.tsne_points.min(val.nrows());
    let z = r.t.model.codes(&val.slice(s![..n, ..]).to_owned())?;
    let start = std::time::Instant::now();
    let mut params = MapParams::new(MapMethod::Tsne);
    // Perplexity 30, or less for the quick profile's few points.
    params.perplexity = ((n as f64 - 1.0) / 3.0 - 1.0).clamp(2.0, 30.0);
    let embedding = map_2d(z.view(), &params)?;
    ex.metric("tsne_seconds", start.elapsed().as_secs_f64())?;
    ex.metric("tsne_points", n)?;
    let (labels, names) = labels_and_names(&r.t.val, n, &r.t.data)?;
    let pts: Vec<(f64, f64)> = embedding
        .rows()
        .into_iter()
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .collect();
    let path = dir.join("tsne.png");
    scatter_plot(
        &path,
        &format!("t-SNE of {n} validation codes"),
        &pts,
        &labels,
        Some(&names),
        &[],
    )?;
    ex.figure(
        &path,
        "t-SNE (Barnes–Hut, scikit-learn's settings, perplexity 30; `ae_linear::Tsne`) of the 30-d codes, coloured by label.",
    );
    let path = dir.join("tsne-thumbnails.png");
    embedding_with_thumbnails(&path, &pts, &labels, val.slice(s![..n, ..]))?;
    ex.figure(
        &path,
        "The same embedding with thumbnails of the images, framed in their label's colour.",
    );
    ex.report_run(&r)?;
    Ok(())
}

/// Runs S1.8 (convolutional autoencoder with pooling) into its report section.
pub fn s1_8(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = ex.train(dir.join("run"), &presets::S1_8, ex.dataset(), |_| {})?;
    ex.row("test MSE", "—", format!("{:.5}", r.m.test_mse_output));
    ex.row("parameters", "—", r.m.parameters.to_string());
    ex.report_run(&r)?;
    Ok(())
}

/// The lecture's recurrent AE at code 30, beside S1.7's dense AE (same code size, its own
/// training) and PCA-30, by test SSE per image.
pub fn s1_9(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = ex.train(dir.join("run"), &presets::S1_9, ex.dataset(), |_| {})?;
    // Plain SGD at 0.1 (Géron's setting) leaves the LSTMs far from trained after 10 epochs;
    // the same model with Adam shows what the architecture can do.
    let adam = ex.train(dir.join("adam"), &presets::S1_9, ex.dataset(), |c| {
        c.train.optimizer = ae_models::OptimizerConfig::Adam {
            lr: 1e-3,
            weight_decay: 0.0,
        }
    })?;
    let dense = ex.train(dir.join("dense"), &presets::S1_7, ex.dataset(), |_| {})?;
    let (_, train, test) = load(ex)?;
    let pca = Pca::params(30).fit(&train.view())?;
    let recon = pca.inverse_transform(&pca.transform(&test.view())?.view())?;
    let pca_sse = mean_sse(&test.view(), &recon.view())?;
    ex.row(
        "test SSE per image, recurrent AE (LSTM, code 30)",
        "—",
        format!("{:.2}", r.m.test_sse_output),
    );
    ex.row(
        "test SSE per image, the same recurrent AE trained with Adam 1e-3",
        "—",
        format!("{:.2}", adam.m.test_sse_output),
    );
    ex.row(
        "test SSE per image, dense AE 784-100-30 (S1.7)",
        "—",
        format!("{:.2}", dense.m.test_sse_output),
    );
    ex.row("test SSE per image, PCA-30", "—", format!("{pca_sse:.2}"));
    ex.row(
        "recurrent AE training",
        "—",
        format!(
            "{} epochs, {:.0} s ({:.0} images/s)",
            r.m.epochs,
            r.m.train_seconds,
            r.m.images_per_second.unwrap_or(f64::NAN)
        ),
    );
    ex.metric("pca30_test_sse", pca_sse)?;
    ex.record("dense", &dense)?;
    ex.record("adam", &adam)?;
    ex.note(
        "Géron's recurrent AE (Hands-On ML, ch. 17), which the lecture names: LSTM 100 → LSTM 30 \
         over the 28 rows, the code repeated 28 times, LSTM 100, a dense sigmoid per row; BCE, \
         SGD 0.1. PyTorch's LSTM initialisation and two bias vectors per layer (Keras: one).",
    );
    ex.report_run(&r)?;
    Ok(())
}

/// Runs S1.10 (denoising stacked autoencoder) into its report section.
pub fn s1_10(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    for (name, noise) in [
        (
            "gaussian",
            Noise::Gaussian {
                std: 0.2,
                clamp: false,
            },
        ),
        ("dropout", Noise::dropout(0.5)?),
    ] {
        let r = ex.train(dir.join(name), &presets::S1_10, ex.dataset(), |c| {
            c.train.noise = Some(noise)
        })?;
        ex.row(
            &format!("{name}: test PSNR noisy → output (mean per image)"),
            "—",
            format!(
                "{:.2} → {:.2} dB",
                r.m.test_psnr_noisy.unwrap_or(f64::NAN),
                r.m.test_psnr_output
            ),
        );
        ex.figure_if(
            r.t.dir.join("reconstructions.png"),
            &format!("{name} noise: original, noisy input, output."),
        );
        ex.record(name, &r)?;
    }
    Ok(())
}

/// Runs S1.11 (sigmoid autoencoder) into its report section.
pub fn s1_11(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    let r = ex.train(dir.join("run"), &presets::S1_11, ex.dataset(), |_| {})?;
    let test = r.t.data.test.first(16).to_f32();
    let out = r.t.model.outputs(&test)?;
    let path = dir.join("grid.png");
    ImageGrid::new(out.view(), 28, 28, 4)?
        .normalise(Normalise::Fixed)
        .scale(3)
        .save(&path)?;
    ex.figure(&path, "Reconstructions of the first 16 test images.");
    ex.row("test MSE", "—", format!("{:.5}", r.m.test_mse_output));
    ex.report_run(&r)?;
    Ok(())
}

/// Runs S1.12 (recognition with the learned code) into its report section.
pub fn s1_12(ex: &mut Experiment<'_>) -> Result<()> {
    let dir = ex.dir.clone();
    // The S1.7 stacked autoencoder, reused (trained there, or here on the same settings).
    let r = ex.train(
        ex.folder_of("S1.7")?.join("run"),
        &presets::S1_7,
        ex.dataset(),
        |_| {},
    )?;
    let labelled = r.t.data.train.per_class(10);
    let test = r.t.data.test.first(100);
    let (a, b) = (labelled.to_f32(), test.to_f32());
    let (za, zb) = (r.t.model.codes(&a)?, r.t.model.codes(&b)?);
    let ya: Vec<u8> = labelled
        .require_labels("nearest-neighbour accuracy")?
        .to_vec();
    let yb: Vec<u8> = test.require_labels("nearest-neighbour accuracy")?.to_vec();
    let nn = |train: &Array2<f32>, test: &Array2<f32>| -> f64 {
        let hits = test
            .rows()
            .into_iter()
            .zip(&yb)
            .filter(|(t, &y)| {
                let best = train
                    .rows()
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| (i, (&r - t).mapv(|v| v * v).sum()))
                    .fold((0, f32::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
                ya[best.0] == y
            })
            .count();
        hits as f64 / yb.len() as f64
    };
    let (acc_code, acc_pixels) = (nn(&za, &zb), nn(&a, &b));
    ex.row(
        "1-NN accuracy in the 30-d code space",
        "—",
        format!("{acc_code:.2}"),
    );
    ex.row(
        "1-NN accuracy in pixel space (for comparison)",
        "—",
        format!("{acc_pixels:.2}"),
    );
    ex.metric("accuracy_code", acc_code)?;
    ex.metric("accuracy_pixels", acc_pixels)?;
    ex.config(
        "recognition",
        json!({"labelled": 100, "test": 100, "per_class": 10, "model": "S1.7"}),
    )?;
    let path = dir.join("labelled.png");
    ImageGrid::new(a.view(), 28, 28, 20)?
        .normalise(Normalise::Fixed)
        .scale(1)
        .save(&path)?;
    ex.figure(&path, "The 100 labelled training images (10 per class).");
    Ok(())
}
