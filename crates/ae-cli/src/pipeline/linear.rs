//! The experiments without a neural network: PCA in its variants, k-means (S0.2, S0.3,
//! S1.1–S1.5, S4.1).

use ae_data::{Dataset, DatasetId};
use ae_eval::figures::{line_plot, scatter_plot, ImageGrid, Markers, Normalise, Series};
use ae_eval::reconstruction::{mean_sse, sse_per_image};
use ae_linear::{IncrementalPca, KernelPca, Pca, Solver};
use anyhow::{Context, Result};
use ndarray::{concatenate, s, Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use super::{Ctx, Section};

/// The main data set's training images (all, or the profile's subset) and test images.
pub fn load(ctx: &Ctx) -> Result<(Dataset, Array2<f32>, Array2<f32>)> {
    let id: DatasetId = ctx.dataset().parse()?;
    let data = Dataset::load(id, &ctx.data_dir)?;
    let train = match ctx.profile.linear_size {
        Some(n) => data.train.first(n).to_f32(),
        None => data.train.to_f32(),
    };
    let test = data.test.to_f32();
    Ok((data, train, test))
}

fn points(x: &Array2<f64>, a: usize, b: usize) -> Vec<(f64, f64)> {
    x.rows().into_iter().map(|r| (r[a], r[b])).collect()
}

pub fn s0_2(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S0.2")?;
    let mut sec = Section::new(
        "S0.2",
        "PCA with 32 components",
        "Fitted PCA (32) on the 60,000 training images and measured the test SSE through seed \
         000's loss, beside the CNN autoencoder; also showed the reconstruction clipped to [0, 1].",
    );
    let (_, train, test) = load(ctx)?;
    let start = std::time::Instant::now();
    let pca = Pca::params(32).fit(&train.view())?;
    let fit = start.elapsed().as_secs_f64();
    let recon = pca.inverse_transform(&pca.transform(&test.view())?.view())?;
    let clipped = recon.mapv(|v| v.clamp(0.0, 1.0));
    let sse = mean_sse(&test.view(), &recon.view())?;
    let sse_c = mean_sse(&test.view(), &clipped.view())?;
    let evr: f64 = pca
        .explained_variance_ratio()
        .iter()
        .map(|&v| f64::from(v))
        .sum();
    sec.row(
        "test SSE, PCA-32",
        "13.193 (scikit-learn 13.1933)",
        format!("{sse:.4}"),
    );
    sec.row("test SSE, clipped to [0, 1]", "—", format!("{sse_c:.4}"));
    sec.row(
        "explained variance ratio, sum",
        "0.7436",
        format!("{evr:.4}"),
    );
    sec.metric("test_sse", sse);
    sec.metric("test_sse_clipped", sse_c);
    sec.metric("explained_variance_ratio_sum", evr);
    sec.metric("fit_seconds", fit);
    sec.config(
        "pca",
        serde_json::json!({"components": 32, "solver": "eigh", "train_images": train.nrows()}),
    );
    let n = 10;
    let grid = concatenate![
        Axis(0),
        test.slice(s![..n, ..]),
        recon.slice(s![..n, ..]),
        clipped.slice(s![..n, ..])
    ];
    let p = dir.join("reconstructions.png");
    ImageGrid::new(grid.view(), 28, 28, n)?
        .normalise(Normalise::Fixed)
        .row_titles(vec!["original".into(), "PCA-32".into(), "clipped".into()])
        .scale(2)
        .save(&p)?;
    sec.figure(
        ctx,
        &p,
        "Test digits, their PCA-32 reconstructions, and those clipped to [0, 1].",
    );
    let p = dir.join("eigen-digits.png");
    ImageGrid::new(pca.components().slice(s![..16, ..]), 28, 28, 8)?
        .normalise(Normalise::PerTile)
        .captions((1..=16).map(|i| format!("PC{i}")).collect())
        .scale(2)
        .save(&p)?;
    sec.figure(ctx, &p, "The first 16 principal components (eigen-digits).");
    if ctx.profile.linear_size.is_some() {
        sec.note(format!(
            "Quick profile: fitted on the first {} training images.",
            train.nrows()
        ));
    }
    Ok(sec)
}

pub fn s0_3(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S0.3")?;
    let mut sec = Section::new(
        "S0.3",
        "k-means from scratch",
        "Four 2-D Gaussian blobs of 100 points, K = 4, initial means drawn N(0, 1), 6 iterations, \
         distances vectorised as ‖x‖² − 2x·μ + ‖μ‖²; distortion after each assignment and each \
         update; a scatter per iteration and the distortion curve.",
    );
    let m = crate::cmd::kmeans_demo::demo(&dir, 0, 6)?;
    let d: Vec<f64> = m["distortions"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    let monotone = d.windows(2).all(|w| w[1] <= w[0] + 1e-9);
    sec.row(
        "distortion never increases",
        "yes (k-means theory)",
        if monotone { "yes" } else { "no" },
    );
    sec.row(
        "distortion, first assignment → last update",
        "—",
        format!(
            "{:.1} → {:.1}",
            d.first().unwrap_or(&f64::NAN),
            d.last().unwrap_or(&f64::NAN)
        ),
    );
    sec.metrics = m;
    sec.config(
        "kmeans",
        serde_json::json!({"k": 4, "iterations": 6, "seed": 0}),
    );
    for t in 0..6 {
        let p = dir.join(format!("iteration-{t}.png"));
        sec.figure(
            ctx,
            &p,
            &format!(
                "Iteration {t}: points coloured by cluster; old (red) and new (orange) means."
            ),
        );
    }
    sec.figure(
        ctx,
        &dir.join("distortion.png"),
        "Distortion after every assignment (whole steps) and update (half steps).",
    );
    Ok(sec)
}

/// PCA of the S1.1 normal sample with the seed's own recipe, and agreement with the SVD solver.
pub fn s1_1(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S1.1")?;
    let mut sec = Section::new(
        "S1.1",
        "Own PCA in 2-D",
        "10,000 points from N((−1, 2), [[4, 2], [2, 2]]); centred; covariance with n − 1; \
         eigenpairs sorted descending; share of variance of PC1; data plotted with both axes; \
         projection; rank-1 approximation μ + ⟨x − μ, v₀⟩v₀; agreement with the library PCA.",
    );
    let x = ae_data::synthetic::correlated_normal_2d(10_000, 0);
    let eig = Pca::params(2).fit(&x.view())?;
    let svd = Pca::params(2).solver(Solver::Svd).fit(&x.view())?;
    let ev = eig.explained_variance();
    let share = ev[0] / ev.sum();
    let agree = eig.components().row(0).dot(&svd.components().row(0)).abs();
    // Exact values for Σ = [[4, 2], [2, 2]]: λ = 3 ± √5.
    let exact = [3.0 + 5f64.sqrt(), 3.0 - 5f64.sqrt()];
    sec.row(
        "eigenvalues",
        format!("{:.3}, {:.3} (of Σ)", exact[0], exact[1]),
        format!("{:.3}, {:.3}", ev[0], ev[1]),
    );
    sec.row(
        "share of variance of PC1",
        format!("{:.3} (of Σ)", exact[0] / 6.0),
        format!("{share:.4}"),
    );
    sec.row(
        "|cos| between PC1 by eigh and by SVD",
        "1",
        format!("{agree:.8}"),
    );
    sec.metric("eigenvalues", ev.to_vec());
    sec.metric("pc1_share", share);
    sec.metric(
        "components",
        eig.components()
            .outer_iter()
            .map(|r| r.to_vec())
            .collect::<Vec<_>>(),
    );
    sec.metric("eigh_svd_abs_cos", agree);
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
    sec.figure(ctx, &p, "The sample and its two principal axes.");
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
    sec.figure(ctx, &p, "The data in principal coordinates: uncorrelated.");
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
    sec.figure(ctx, &p, "Every point replaced by its projection on PC1.");
    sec.config(
        "data",
        serde_json::json!({"n": 10000, "mean": [-1, 2], "cov": [[4, 2], [2, 2]], "seed": 0}),
    );
    Ok(sec)
}

pub fn s1_2(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S1.2")?;
    let mut sec = Section::new(
        "S1.2",
        "PCA by SVD",
        "PCA through the SVD of the centred data matrix: the first two components and the \
         projection on them.",
    );
    let (data, train, _) = load(ctx)?;
    let n = 3000.min(train.nrows());
    let x = train.slice(s![..n, ..]).to_owned();
    let svd = Pca::params(2).solver(Solver::Svd).fit(&x.view())?;
    let eig = Pca::params(2).fit(&x.view())?;
    let agree: Vec<f32> = (0..2)
        .map(|k| svd.components().row(k).dot(&eig.components().row(k)).abs())
        .collect();
    sec.row(
        "|cos| of PC1, PC2 between SVD and eigh",
        "1, 1",
        format!("{:.6}, {:.6}", agree[0], agree[1]),
    );
    sec.metric("singular_values", svd.singular_values().to_vec());
    sec.metric("svd_eigh_abs_cos", agree);
    let p = dir.join("components.png");
    ImageGrid::new(svd.components().view(), 28, 28, 2)?
        .normalise(Normalise::PerTile)
        .captions(vec!["PC1".into(), "PC2".into()])
        .scale(3)
        .save(&p)?;
    sec.figure(ctx, &p, "The first two right singular vectors as images.");
    let z = svd.transform(&x.view())?.mapv(f64::from);
    let labels: Vec<usize> = data
        .train
        .labels()
        .iter()
        .take(n)
        .map(|&l| usize::from(l))
        .collect();
    let names: Vec<String> = (0..10).map(|c| c.to_string()).collect();
    let p = dir.join("projection.png");
    scatter_plot(
        &p,
        &format!("{n} training images on (PC1, PC2)"),
        &points(&z, 0, 1),
        &labels,
        Some(&names),
        &[],
    )?;
    sec.figure(
        ctx,
        &p,
        "Projection on the first two components, coloured by label.",
    );
    sec.config(
        "pca",
        serde_json::json!({"components": 2, "solver": "svd", "images": n}),
    );
    Ok(sec)
}

pub fn s1_3(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S1.3")?;
    let mut sec = Section::new(
        "S1.3",
        "Explained variance",
        "The explained variance ratio per component; the smallest d reaching 95 %; \
         n_components given as a fraction (0.95).",
    );
    let (_, train, _) = load(ctx)?;
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
    sec.row(
        "smallest d with 95 % of the variance",
        "154 (MNIST, in the lecture)",
        d95.to_string(),
    );
    sec.row(
        "components kept by n_components = 0.95",
        "154",
        frac.n_components().to_string(),
    );
    sec.metric("d95", d95);
    sec.metric("fraction_components", frac.n_components());
    sec.metric(
        "ratio_first_10",
        ratio
            .iter()
            .take(10)
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>(),
    );
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
    sec.figure(
        ctx,
        &p,
        &format!("The cumulative ratio crosses 95 % at d = {d95}."),
    );
    sec.config(
        "data",
        serde_json::json!({"dataset": ctx.dataset(), "images": train.nrows()}),
    );
    Ok(sec)
}

pub fn s1_4(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S1.4")?;
    let mut sec = Section::new(
        "S1.4",
        "Incremental, randomized and kernel PCA",
        "Incremental PCA fed batch by batch and randomized PCA against exact PCA on MNIST; \
         kernel PCA with an RBF kernel (γ = 0.04) on a curved 3-D data set.",
    );
    let (_, train, test) = load(ctx)?;
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
    sec.row("test SSE, exact PCA-32", "—", format!("{e:.4}"));
    sec.row(
        "test SSE, incremental (batches of 1,000)",
        "within 0.5 % of exact",
        format!("{i:.4} ({:+.3} %)", 100.0 * (i / e - 1.0)),
    );
    sec.row(
        "test SSE, randomized",
        "within 0.5 % of exact",
        format!("{r:.4} ({:+.3} %)", 100.0 * (r / e - 1.0)),
    );
    sec.metric("test_sse_exact", e);
    sec.metric("test_sse_incremental", i);
    sec.metric("test_sse_randomized", r);
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
    sec.figure(
        ctx,
        &p,
        "Kernel PCA codes of the curved 3-D data, coloured by the first coordinate.",
    );
    let p = dir.join("linear.png");
    scatter_plot(&p, "Linear PCA", &points(&lin, 0, 1), &bands, None, &[])?;
    sec.figure(ctx, &p, "Linear PCA of the same data, for comparison.");
    sec.metric("kernel_eigenvalues", kp.eigenvalues().to_vec());
    sec.config("pca", serde_json::json!({"components": k, "incremental_batch": 1000, "kernel": {"gamma": 0.04, "points": 800}}));
    Ok(sec)
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

pub fn s1_5(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S1.5")?;
    let mut sec = Section::new(
        "S1.5",
        "PCA before a classifier",
        "A tabular data set (any CSV): standardise, reduce to 2 components, classify.",
    );
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
        .context("the CSV has a class column")?;
    let x = &table.features;
    let mean = x.mean_axis(Axis(0)).context("empty table")?;
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
    sec.row(
        "test accuracy, nearest centroid on 2 PCA components",
        "—",
        format!("{acc2:.3}"),
    );
    sec.row(
        "test accuracy, nearest centroid on all 8 standardised features",
        "—",
        format!("{acc8:.3}"),
    );
    sec.metric("accuracy_pca2", acc2);
    sec.metric("accuracy_all", acc8);
    sec.metric(
        "explained_variance_ratio",
        pca.explained_variance_ratio().to_vec(),
    );
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
    sec.figure(
        ctx,
        &p,
        "The 900 rows of table.csv on their first two principal components.",
    );
    sec.note("No CSV ships with the seeds; this one (table.csv beside the figure) is generated with a fixed seed and read back through ae-data's CSV loader, as any user CSV would be.");
    sec.config("classifier", serde_json::json!({"train_rows": split, "test_rows": 900 - split, "components": 2, "classifier": "nearest centroid"}));
    Ok(sec)
}

pub fn s4_1(ctx: &Ctx) -> Result<Section> {
    let dir = ctx.dir("S4.1")?;
    let mut sec = Section::new(
        "S4.1",
        "PCA (30) reconstructions",
        "PCA with 30 components by eigendecomposition of the centred covariance; the ten test \
         digits 9705–9714 (one per class) reconstructed; each one's squared error, beside the \
         deep autoencoder's (S4.2).",
    );
    let (_, train, test) = load(ctx)?;
    let pca = Pca::params(30).fit(&train.view())?;
    let digits = test.slice(s![9705..9715, ..]).to_owned();
    let recon = pca.inverse_transform(&pca.transform(&digits.view())?.view())?;
    let errors: Array1<f64> = sse_per_image(&digits.view(), &recon.view())?;
    sec.row(
        "mean squared error per image, digits 9705–9714 (pixels in [0, 1])",
        "—",
        format!("{:.3}", errors.mean().unwrap_or(f64::NAN)),
    );
    sec.row(
        "the same on the seed's 0–255 scale (× 255²)",
        "seed evaluated on 0–255",
        format!("{:.0}", errors.mean().unwrap_or(f64::NAN) * 65025.0),
    );
    sec.note("The seed fed 0–255 pixels to PCA; its errors are 255² = 65,025 times ours for the same fit.");
    sec.metric("sse_per_image", errors.to_vec());
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
    sec.figure(
        ctx,
        &p,
        "Test digits 9705–9714 and their PCA-30 reconstructions; captions: squared error.",
    );
    sec.config(
        "pca",
        serde_json::json!({"components": 30, "solver": "eigh", "images": train.nrows()}),
    );
    Ok(sec)
}
