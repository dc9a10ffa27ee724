//! `ae anomaly`: every image's reconstruction error under a finished run, as a score of how
//! unusual the image is — the images it reconstructs worst, the errors' spread per label, and
//! with `--against`, how well the score tells another set of images (another data set, a folder
//! of one's own) from the run's: ROC curve, its area, the false-positive rate at 95 % of the
//! anomalies caught.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ae_data::{DataSpec, Dataset, ImageSet};
use ae_eval::detection::{self, ScoreSummary};
use ae_lab::anomaly::{
    self, ranked, reconstruction_errors, Errors, PcaScorer, Scorer, Separation, CAUGHT,
};
use ae_lab::RunConfig;
use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::data_flags::{report_skipped, run_data, split_of, DecodeBar};
use crate::run_flags::RunFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunFlags,
    /// The images taken as normal: a data set (default: the run's) …
    #[arg(long)]
    dataset: Option<String>,
    /// … its train or test split (also of --against when that names a data set).
    #[arg(long, default_value = "test")]
    split: String,
    /// … or every image of this folder (at any depth) or .npy array, each brought to the model's
    /// size and channels.
    #[arg(long, conflicts_with = "dataset")]
    images: Option<PathBuf>,
    /// Images taken as anomalies, scored the same way: a data set (e.g. fashion-mnist against an
    /// MNIST run) or a folder or .npy array; gives the ROC curve and its area.
    #[arg(long, value_name = "DATASET|PATH")]
    against: Option<String>,
    /// Split the images by label: these labels are normal, every other image is an anomaly
    /// (default, on the run's own data set without --against: the run's --classes, when it was
    /// trained on some).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LABELS",
        conflicts_with = "against"
    )]
    normal_classes: Option<Vec<u8>>,
    /// How many of the highest-scored (and, with --against, lowest-scored anomalies) to show,
    /// at most 50.
    #[arg(long, default_value_t = 10)]
    show: usize,
    /// With --images or a folder for --against: leave out unreadable files rather than stop.
    #[arg(long)]
    skip_bad: bool,
    /// Also score every image with PCA of this many components, fitted on the run's own
    /// training images (the linear baseline): its errors in scores.csv, its ROC curve and area
    /// beside the model's.
    #[arg(long, value_name = "COMPONENTS")]
    pca: Option<usize>,
    /// Seed of a variational model's samples (its outputs decode one draw per image).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder (default runs/anomaly-<run>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

/// A set of images and what is known of them.
struct Scored {
    /// In words: "test split of mnist", "the images of photos/".
    what: String,
    images: ImageSet,
    /// Each image's file (for a folder), else none: the index names it.
    names: Option<Vec<PathBuf>>,
    classes: Option<Vec<String>>,
    errors: Vec<f64>,
    /// The PCA baseline's errors (`--pca`), else empty.
    pca_errors: Vec<f64>,
}

impl Scored {
    fn label(&self, i: usize) -> Option<usize> {
        self.images.labels().map(|l| usize::from(l[i]))
    }

    fn errors(&self) -> Errors<'_> {
        Errors {
            name: &self.what,
            errors: &self.errors,
        }
    }

    /// The images at `indices` over the model's outputs, captioned with their errors.
    fn grid(
        &self,
        path: &Path,
        model: &ae_models::Model,
        indices: &[usize],
        seed: u64,
    ) -> Result<()> {
        Ok(anomaly::grid(
            path,
            model,
            &self.images,
            &self.errors,
            indices,
            seed,
        )?)
    }
}

/// The PCA baseline's figures in `metrics.json` (`--pca`).
#[derive(Serialize)]
struct PcaMetrics {
    components: usize,
    /// Its error on the normal images…
    normal: ScoreSummary,
    /// … and on the anomalies.
    #[serde(skip_serializing_if = "Option::is_none")]
    against: Option<ScoreSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    separation: Option<Separation>,
}

/// `; PCA-30 fitted on the run's training images: normal median 0.0113, …, ROC area 0.9581, …`
fn pca_summary(p: &PcaMetrics) -> String {
    let mut line = format!(
        "; PCA-{} fitted on the run's training images: normal median {:.5}",
        p.components, p.normal.median
    );
    if let (Some(a), Some(s)) = (&p.against, &p.separation) {
        let _ = write!(
            line,
            ", anomalies' median {:.5}; ROC area {:.4}; catching {:.0} % flags {:.2} %",
            a.median,
            s.roc_auc,
            CAUGHT * 100.0,
            s.at_95_percent_caught.false_positive_rate * 100.0
        );
    }
    line
}

/// PCA of `components` components fitted on the training images of the run of `config`.
fn pca_baseline(config: &RunConfig, components: usize, data_dir: &Path) -> Result<PcaScorer> {
    let data = run_data(&None, config, data_dir)?;
    let (train, _) = config.training_images(&data)?;
    Ok(PcaScorer::fit(&train, components)?)
}

/// Per-set figures in `metrics.json`.
#[derive(Serialize)]
struct SetMetrics {
    source: String,
    /// The reconstruction error (mean squared error per image, pixels in [0, 1]).
    mse: ScoreSummary,
    /// Mean error per label, for a labelled set.
    #[serde(skip_serializing_if = "Option::is_none")]
    mse_per_label: Option<Vec<LabelMean>>,
}

#[derive(Serialize)]
struct LabelMean {
    label: usize,
    name: String,
    images: usize,
    mean_mse: f64,
}

/// The most images a picture shows (in one row, above their outputs).
const MOST_SHOWN: usize = 50;

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    if args.show > MOST_SHOWN {
        bail!(
            "--show: {} is more than the {MOST_SHOWN} images a picture shows (scores.csv lists \
             every image's error)",
            args.show
        );
    }
    let (config, model) = args.run.open()?;
    let start = Instant::now();
    let mut normal = match &args.images {
        Some(path) => own_images(path, &config, args.skip_bad).context("--images")?,
        None => {
            let data = run_data(&args.dataset, &config, data_dir)?;
            split_set(data, &args.split)?
        }
    };
    // A one-class run (or --normal-classes) is scored against the same images' other labels;
    // by default only on the run's own data set, whose labels its classes name.
    let own_data = args.dataset.is_none() && args.images.is_none();
    let normal_classes = match (&args.normal_classes, &args.against) {
        (Some(c), _) => Some(c.clone()),
        (None, None) if own_data => config.classes.clone(),
        (None, _) => None,
    };
    let mut against = match (&args.against, &normal_classes) {
        (Some(text), _) => Some(against_set(text, args, &config, data_dir).context("--against")?),
        (None, Some(classes)) => {
            let (inside, outside) = split_by_label(normal, classes).context("--normal-classes")?;
            normal = inside;
            Some(outside)
        }
        (None, None) => None,
    };
    check_not_empty(&normal)?;
    normal.errors = reconstruction_errors(&model, &normal.images, args.seed)?;
    if let Some(a) = &mut against {
        check_not_empty(a)?;
        a.errors = reconstruction_errors(&model, &a.images, args.seed)?;
    }
    let pca = match args.pca {
        Some(components) => {
            let scorer = pca_baseline(&config, components, data_dir)
                .with_context(|| format!("--pca {components}"))?;
            normal.pca_errors = scorer.errors(&normal.images)?;
            if let Some(a) = &mut against {
                a.pca_errors = scorer.errors(&a.images)?;
            }
            Some(scorer)
        }
        None => None,
    };
    let seconds = start.elapsed().as_secs_f64();

    let name = args
        .run
        .dir
        .file_name()
        .map_or("run".into(), |f| f.to_string_lossy().into_owned());
    let out = super::out_dir(&args.out, &format!("anomaly-{name}"))?;
    // Pictures of an earlier call into the same folder that this one does not draw would sit
    // beside metrics that do not speak of them.
    for stale in ["highest.png", "against-lowest.png", "roc.png"] {
        match std::fs::remove_file(out.join(stale)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", out.join(stale).display()))
            }
            _ => {}
        }
    }
    write_scores(&out.join("scores.csv"), &normal, against.as_ref())?;
    let shown = args.show.min(normal.images.len());
    if shown > 0 {
        let highest = ranked(&normal.errors, shown, true);
        normal.grid(&out.join("highest.png"), &model, &highest, args.seed)?;
    }
    let separation = match &against {
        Some(a) => {
            let lowest = ranked(&a.errors, args.show.min(a.images.len()), false);
            if !lowest.is_empty() {
                a.grid(&out.join("against-lowest.png"), &model, &lowest, args.seed)?;
            }
            match &pca {
                Some(scorer) => {
                    let name = format!("PCA-{}", scorer.components());
                    let both = anomaly::separations(
                        &out.join("roc.png"),
                        &normal.what,
                        &a.what,
                        &[
                            Scorer {
                                name: "model",
                                normal: &normal.errors,
                                anomalous: &a.errors,
                            },
                            Scorer {
                                name: &name,
                                normal: &normal.pca_errors,
                                anomalous: &a.pca_errors,
                            },
                        ],
                    )?;
                    Some((both[0], Some(both[1])))
                }
                None => Some((
                    anomaly::separation(&out.join("roc.png"), normal.errors(), a.errors())?,
                    None,
                )),
            }
        }
        None => None,
    };
    let (separation, pca_separation) = match separation {
        Some((model, pca)) => (Some(model), pca),
        None => (None, None),
    };
    let sets: Vec<Errors> = std::iter::once(&normal)
        .chain(against.as_ref())
        .map(Scored::errors)
        .collect();
    anomaly::histogram(&out.join("errors.png"), &sets)?;

    let normal_metrics = set_metrics(&normal)?;
    let against_metrics = against.as_ref().map(set_metrics).transpose()?;
    let pca_metrics = match &pca {
        Some(scorer) => Some(PcaMetrics {
            components: scorer.components(),
            normal: detection::summarise(&normal.pca_errors)?,
            against: against
                .as_ref()
                .map(|a| detection::summarise(&a.pca_errors))
                .transpose()?,
            separation: pca_separation,
        }),
        None => None,
    };
    if !args.json {
        let mut line = summary(
            &normal_metrics,
            against_metrics.as_ref(),
            separation.as_ref(),
        );
        if let Some(p) = &pca_metrics {
            line.push_str(&pca_summary(p));
        }
        println!("{line}");
    }
    let metrics = serde_json::json!({
        "run": args.run.dir,
        "score": "mean squared reconstruction error per image (outputs clamped to [0, 1])",
        "normal": normal_metrics,
        "against": against_metrics,
        "separation": separation,
        "pca": pca_metrics,
        "normal_classes": normal_classes,
        "seed": args.seed,
        "seconds": seconds,
    });
    super::finish(&out, &metrics, args.json)
}

/// The `split` of a data set, unscored.
fn split_set(data: Dataset, split: &str) -> Result<Scored> {
    let what = format!("{split} split of {}", data.name());
    let classes = data.classes.clone();
    Ok(Scored {
        what,
        images: split_of(data, split)?,
        names: None,
        classes,
        errors: Vec::new(),
        pca_errors: Vec::new(),
    })
}

/// `set`'s images labelled with one of `classes` (the normal ones) and the others (the
/// anomalies), each named by its labels.
fn split_by_label(set: Scored, classes: &[u8]) -> Result<(Scored, Scored)> {
    let labels = set
        .images
        .require_labels("splitting normal from anomalous images")?;
    let (inside, outside): (Vec<usize>, Vec<usize>) =
        (0..set.images.len()).partition(|&i| classes.contains(&labels[i]));
    let mut names: Vec<String> = classes
        .iter()
        .map(|&c| {
            set.classes
                .as_ref()
                .and_then(|n| n.get(usize::from(c)).cloned())
                .unwrap_or_else(|| c.to_string())
        })
        .collect();
    names.dedup();
    let named = names.join(", ");
    let part = |indices: &[usize], what: String| Scored {
        what,
        images: set.images.select(indices),
        names: set
            .names
            .as_ref()
            .map(|n| indices.iter().map(|&i| n[i].clone()).collect()),
        classes: set.classes.clone(),
        errors: Vec::new(),
        pca_errors: Vec::new(),
    };
    let normal = part(&inside, format!("{} labelled {named}", set.what));
    let others = part(&outside, format!("{}'s other labels", set.what));
    Ok((normal, others))
}

/// Every image of a folder or `.npy` array, brought to the run's image shape.
fn own_images(path: &Path, config: &RunConfig, skip_bad: bool) -> Result<Scored> {
    let read =
        ae_data::own::load_named(path, config.image_shape(), skip_bad, &DecodeBar::default())?;
    report_skipped(&read.skipped);
    Ok(Scored {
        what: format!("the images of {}", path.display()),
        images: read.images,
        names: path.is_dir().then_some(read.names),
        classes: None,
        errors: Vec::new(),
        pca_errors: Vec::new(),
    })
}

/// `--against`: a data set of the registry (its `--split`) or one's own images.
fn against_set(text: &str, args: &Args, config: &RunConfig, data_dir: &Path) -> Result<Scored> {
    match DataSpec::parse(text)? {
        DataSpec::Registry(_) => {
            let data = run_data(&Some(text.to_owned()), config, data_dir)?;
            split_set(data, &args.split)
        }
        DataSpec::Files(_) => own_images(Path::new(text), config, args.skip_bad),
    }
}

fn set_metrics(set: &Scored) -> Result<SetMetrics> {
    let per_label = set.images.labels().map(|labels| {
        let count = labels
            .iter()
            .map(|&l| usize::from(l) + 1)
            .max()
            .unwrap_or(0);
        let mut sums = vec![(0usize, 0.0f64); count];
        for (&l, &e) in labels.iter().zip(&set.errors) {
            sums[usize::from(l)].0 += 1;
            sums[usize::from(l)].1 += e;
        }
        sums.into_iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(label, (n, sum))| LabelMean {
                label,
                name: set
                    .classes
                    .as_ref()
                    .and_then(|c| c.get(label).cloned())
                    .unwrap_or_else(|| label.to_string()),
                images: n,
                mean_mse: sum / n as f64,
            })
            .collect()
    });
    Ok(SetMetrics {
        source: set.what.clone(),
        mse: detection::summarise(&set.errors)
            .with_context(|| format!("the errors of the {}", set.what))?,
        mse_per_label: per_label,
    })
}

/// One line per image: which set, its index, its file, its label, its error (and PCA's).
fn write_scores(path: &Path, normal: &Scored, against: Option<&Scored>) -> Result<()> {
    // The PCA baseline's column when it was asked for.
    let with_pca = !normal.pca_errors.is_empty();
    let mut csv = String::from("set,index,name,label,mse");
    csv.push_str(if with_pca { ",pca_mse\n" } else { "\n" });
    for (set_name, set) in [("normal", Some(normal)), ("against", against)] {
        let Some(set) = set else { continue };
        for (i, e) in set.errors.iter().enumerate() {
            let name = set
                .names
                .as_ref()
                .map_or(String::new(), |n| csv_field(&n[i].to_string_lossy()));
            let label = set.label(i).map_or(String::new(), |l| l.to_string());
            write!(csv, "{set_name},{i},{name},{label},{e}")?;
            if with_pca {
                write!(csv, ",{}", set.pca_errors[i])?;
            }
            csv.push('\n');
        }
    }
    Ok(ae_data::write_atomically(path, csv.as_bytes())?)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// `test split of mnist (10000 images): error median 0.0071, 99th percentile 0.0306, highest
/// for label 8 (0.0112); test split of fashion-mnist: median 0.0612; ROC area 0.9987, …`
fn summary(
    normal: &SetMetrics,
    against: Option<&SetMetrics>,
    separation: Option<&Separation>,
) -> String {
    let mut line = format!(
        "{} ({} images): error per image median {:.5}, 99th percentile {:.5}",
        normal.source, normal.mse.count, normal.mse.median, normal.mse.p99
    );
    if let Some(worst) = normal
        .mse_per_label
        .as_ref()
        .and_then(|l| l.iter().max_by(|a, b| a.mean_mse.total_cmp(&b.mean_mse)))
    {
        let _ = write!(
            line,
            ", highest mean for {} ({:.5})",
            worst.name, worst.mean_mse
        );
    }
    if let (Some(a), Some(s)) = (against, separation) {
        let p = &s.at_95_percent_caught;
        let _ = write!(
            line,
            "; {} ({} images): median {:.5}; ROC area {:.4}; catching {:.0} % of them flags {:.2} % \
             of the normal images (error ≥ {:.5})",
            a.source,
            a.mse.count,
            a.mse.median,
            s.roc_auc,
            CAUGHT * 100.0,
            p.false_positive_rate * 100.0,
            p.threshold
        );
    }
    line
}

/// A set without images has no errors to summarise.
fn check_not_empty(set: &Scored) -> Result<()> {
    if set.images.is_empty() {
        bail!("the {} holds no images", set.what);
    }
    Ok(())
}
