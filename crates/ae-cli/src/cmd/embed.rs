//! `ae embed`: a 2-D map (UMAP, t-SNE or PCA) of a finished run's codes, of a data set's
//! pixels, or of the rows of any `.npy` matrix, coloured by label, with how faithful it is
//! (trustworthiness) and how well it keeps the labels apart.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ae_data::{ImageSet, ImageShape};
use ae_eval::figures::{embedding_with_thumbnails, scatter_plot};
use ae_lab::embed::{map_2d, map_quality, sample_rows, MapMethod, MapParams, MapQuality};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;

use crate::data_flags::DataFlags;
use crate::run_flags::RunFlags;

#[derive(clap::Args)]
pub struct Args {
    /// Map the codes of this finished run's images (its data set, or --dataset's).
    #[arg(long, value_name = "RUN")]
    run: Option<PathBuf>,
    /// Map the rows of this .npy matrix (e.g. `ae encode`'s codes) instead; --labels FILE.npy
    /// colours them.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["run", "dataset", "split", "size", "channels"])]
    codes: Option<PathBuf>,
    #[command(flatten)]
    data: DataFlags,
    /// train or test.
    #[arg(long, default_value = "test")]
    split: String,
    /// umap, tsne (Barnes–Hut) or pca.
    #[arg(long, default_value = "umap")]
    method: String,
    /// Map at most N points, a seeded sample (0: all of them).
    #[arg(long, default_value_t = 10_000)]
    n: usize,
    /// UMAP's n_neighbors (the point itself included, as umap-learn counts).
    #[arg(long, default_value_t = 15)]
    neighbours: usize,
    /// UMAP's min_dist.
    #[arg(long, default_value_t = 0.1)]
    min_dist: f32,
    /// t-SNE's perplexity.
    #[arg(long, default_value_t = 30.0)]
    perplexity: f64,
    /// Seed of the sample and of UMAP's negative sampling (t-SNE and PCA draw nothing).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// With --run: auto, cpu or cuda.
    #[arg(long, default_value = "auto", requires = "run")]
    device: String,
    /// Output folder (default runs/embed-<run, data set or file>-<method>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

/// What is mapped: the points, their labels and names, and the images behind them.
struct Points {
    /// Where they come from, in words ("test codes of runs/x", "test pixels of mnist").
    what: String,
    /// Short name for the default folder.
    name: String,
    /// The index of each point in its split or matrix.
    index: Vec<usize>,
    values: Array2<f32>,
    labels: Option<Vec<usize>>,
    classes: Option<Vec<String>>,
    /// The images (values in [0, 1]) and their shape, for the thumbnails.
    images: Option<(Array2<f32>, ImageShape)>,
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    let method: MapMethod = args.method.parse().context("--method")?;
    let params = MapParams {
        method,
        neighbours: args.neighbours,
        min_dist: args.min_dist,
        perplexity: args.perplexity,
        seed: args.seed,
    };
    let at_most = if args.n == 0 { usize::MAX } else { args.n };
    let points = match (&args.codes, &args.run) {
        (Some(file), _) => matrix_points(file, args.data.labels.as_deref(), at_most, args.seed)?,
        (None, Some(dir)) => run_points(args, dir, data_dir, at_most)?,
        (None, None) => pixel_points(args, data_dir, at_most)?,
    };
    let (n, d) = points.values.dim();
    // Checked before the output folder is made (`flags::name_flag` puts the flag in front).
    params
        .check(n, d)
        .with_context(|| format!("mapping the {}", points.what))?;
    let out = super::out_dir(&args.out, &format!("embed-{}-{method}", points.name))?;

    let spinner = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(format!(
        "{method} of {n} points of {d} values ({})",
        points.what
    ));
    spinner.enable_steady_tick(Duration::from_millis(200));
    let start = Instant::now();
    let map = map_2d(points.values.view(), &params);
    let seconds = start.elapsed().as_secs_f64();
    spinner.finish_and_clear();
    let map = map?;
    let quality = map_quality(points.values.view(), map.view(), points.labels.as_deref())?;

    write_files(&out, &points, &map, method)?;
    if !args.json {
        println!("{}", summary(&points, method, n, seconds, &quality));
    }
    let metrics = serde_json::json!({
        "source": points.what,
        "method": method.name(),
        "points": n,
        "values_per_point": d,
        "seed": args.seed,
        "neighbours": (method == MapMethod::Umap).then_some(args.neighbours),
        "min_dist": (method == MapMethod::Umap).then_some(args.min_dist),
        "perplexity": (method == MapMethod::Tsne).then_some(args.perplexity),
        "seconds": seconds,
        "quality": quality,
    });
    super::finish(&out, &metrics, args.json)
}

/// The one-line summary: method, points, trustworthiness, label agreement, time.
fn summary(points: &Points, method: MapMethod, n: usize, seconds: f64, q: &MapQuality) -> String {
    let mut line = format!(
        "{method} of {n} {}: trustworthiness {:.4} (k = {})",
        points.what, q.trustworthiness, q.k
    );
    if let (Some(a), Some(b)) = (q.label_agreement_points, q.label_agreement_map) {
        let _ = write!(
            line,
            "; a point's {} nearest share its label {:.4} of the time among the points, {:.4} in the map",
            q.k, a, b
        );
    }
    let _ = write!(line, "; {seconds:.1} s");
    line
}

/// `embedding.npy`, `embedding.csv`, `embedding.png` and, for 28 × 28 grey images,
/// `embedding-thumbnails.png`.
fn write_files(out: &Path, p: &Points, map: &Array2<f32>, method: MapMethod) -> Result<()> {
    ae_data::npy::write(&out.join("embedding.npy"), map)?;
    let mut csv = String::from("index,label,x,y\n");
    for (i, row) in map.rows().into_iter().enumerate() {
        let label = p
            .labels
            .as_ref()
            .map_or(String::new(), |l| l[i].to_string());
        let _ = writeln!(csv, "{},{label},{},{}", p.index[i], row[0], row[1]);
    }
    ae_data::write_atomically(&out.join("embedding.csv"), csv.as_bytes())?;

    let xy: Vec<(f64, f64)> = map
        .rows()
        .into_iter()
        .map(|r| (f64::from(r[0]), f64::from(r[1])))
        .collect();
    let colours = p.labels.clone().unwrap_or_else(|| vec![0; xy.len()]);
    let names = p.labels.as_ref().map(|labels| {
        let count = labels.iter().max().map_or(0, |m| m + 1);
        match &p.classes {
            Some(c) if c.len() >= count => c.clone(),
            _ => (0..count).map(|c| c.to_string()).collect(),
        }
    });
    let title = format!("{method} of {} {}", xy.len(), p.what);
    scatter_plot(
        &out.join("embedding.png"),
        &title,
        &xy,
        &colours,
        names.as_deref(),
        &[],
    )?;
    if let Some((images, shape)) = &p.images {
        if shape.height == 28 && shape.width == 28 && shape.channels == 1 {
            embedding_with_thumbnails(
                &out.join("embedding-thumbnails.png"),
                &xy,
                &colours,
                images.view(),
            )?;
        }
    }
    Ok(())
}

/// The labels of `set` as indices, when it has some.
fn labels_of(set: &ImageSet) -> Option<Vec<usize>> {
    set.labels()
        .map(|l| l.iter().map(|&v| usize::from(v)).collect())
}

/// A seeded sample of the split's images.
fn sampled(set: &ImageSet, at_most: usize, seed: u64) -> (Vec<usize>, ImageSet) {
    let index = sample_rows(set.len(), at_most, seed);
    let sample = set.select(&index);
    (index, sample)
}

/// The codes of a finished run's images.
fn run_points(args: &Args, dir: &Path, data_dir: &Path, at_most: usize) -> Result<Points> {
    let run = RunFlags {
        dir: dir.to_owned(),
        device: args.device.clone(),
    };
    let (config, model) = run.open()?;
    let data = crate::data_flags::run_data(&args.data.dataset, &config, data_dir)?;
    let data_name = data.name();
    let classes = data.classes.clone();
    let set = crate::data_flags::split_of(data, &args.split)?;
    let (index, sample) = sampled(&set, at_most, args.seed);
    let values = super::encode::codes_of(&model, &sample)?;
    ae_lab::evaluate::ensure_finite_rows(&values, "the code of image", dir)?;
    let name = dir
        .file_name()
        .map_or("run".into(), |f| f.to_string_lossy().into_owned());
    Ok(Points {
        what: format!("{} codes of {} ({data_name})", args.split, dir.display()),
        name,
        index,
        labels: labels_of(&sample),
        classes,
        images: Some((sample.to_f32(), sample.shape())),
        values,
    })
}

/// The pixels of a data set's split.
fn pixel_points(args: &Args, data_dir: &Path, at_most: usize) -> Result<Points> {
    let data = args.data.load("mnist", data_dir)?;
    let name = data.name();
    let classes = data.classes.clone();
    let set = crate::data_flags::split_of(data, &args.split)?;
    let (index, sample) = sampled(&set, at_most, args.seed);
    let values = sample.to_f32();
    Ok(Points {
        what: format!("{} pixels of {name}", args.split),
        name,
        index,
        labels: labels_of(&sample),
        classes,
        images: Some((values.clone(), sample.shape())),
        values,
    })
}

/// The rows of a `.npy` matrix, with labels from a `.npy` of one integer per row.
fn matrix_points(file: &Path, labels: Option<&Path>, at_most: usize, seed: u64) -> Result<Points> {
    let all =
        ae_data::npy::read_matrix(file).with_context(|| format!("--codes {}", file.display()))?;
    let all_labels = labels
        .map(|path| ae_data::own::array::read_labels(path, all.nrows()).context("--labels"))
        .transpose()?;
    let index = sample_rows(all.nrows(), at_most, seed);
    let values = all.select(ndarray::Axis(0), &index);
    let labels = all_labels.map(|l| index.iter().map(|&i| usize::from(l[i])).collect());
    let name = file
        .file_stem()
        .map_or("codes".into(), |f| f.to_string_lossy().into_owned());
    Ok(Points {
        what: format!("rows of {}", file.display()),
        name,
        index,
        values,
        labels,
        classes: None,
        images: None,
    })
}
