//! What `ae train` and `ae denoise` share: a run folder, its data on the device, training with
//! a progress bar and Ctrl-C handling, test metrics and figures.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use ae_data::{Dataset, DatasetId, ImageSet, Noise};
use ae_eval::figures::{line_plot, ImageGrid, Normalise, Series};
use ae_eval::reconstruction::{mean_psnr_per_image, mean_sse, mse, psnr};
use ae_models::train::{checkpoint_dir, images_tensor};
use ae_models::{Autoencoder, Event, History, Model, ModelConfig, TrainConfig, Trainer};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{concatenate, s, Array2, Axis};
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

/// The flags every training command takes besides its settings.
#[derive(clap::Args)]
pub struct RunFlags {
    /// Continue from the output folder's checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// CPU threads for libtorch.
    #[arg(long)]
    pub threads: Option<i32>,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// A run's `config.json`: everything needed to rebuild and retrain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Preset id or "custom".
    pub name: String,
    /// Data set.
    pub dataset: String,
    /// Training images used (the rest of the 60,000, up to `validation`, validate).
    pub train_size: usize,
    /// Validation images, split off at random (seeded) from the training set.
    pub validation: usize,
    /// The network.
    pub model: ModelConfig,
    /// The training.
    pub train: TrainConfig,
}

/// A trained run.
pub struct Trained {
    pub config: RunConfig,
    pub dir: PathBuf,
    pub model: Model,
    pub history: History,
    pub data: Dataset,
    pub train: ImageSet,
    pub val: ImageSet,
}

static STOP: AtomicBool = AtomicBool::new(false);

/// Ctrl-C sets a flag the trainer checks after every batch; a second Ctrl-C exits at once.
fn install_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping after this batch; writing a checkpoint (Ctrl-C again to abort)");
        });
    });
}

/// Resolves `--device` and `--threads`, and says which device is used.
pub fn device(choice: &str, threads: Option<i32>) -> Result<Device> {
    if let Some(t) = threads {
        if t < 1 {
            bail!("--threads: must be at least 1");
        }
        tch::set_num_threads(t);
    }
    let choice = choice.parse().context("--device")?;
    let device = ae_models::init_device(choice)?;
    eprintln!("device: {}", ae_models::device::describe(device));
    Ok(device)
}

/// Reads a run's `config.json`.
pub fn read_config(dir: &Path) -> Result<RunConfig> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (is this a run folder?)", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Rebuilds a finished run's model with its final weights.
pub fn load_run(dir: &Path, device: Device) -> Result<(RunConfig, Model)> {
    let config = read_config(dir)?;
    let mut model = Model::build(&config.model, device)?;
    let weights = dir.join("model.safetensors");
    model
        .load(&weights)
        .with_context(|| format!("{}: the run has not finished", weights.display()))?;
    Ok((config, model))
}

/// Trains `config` into `dir` (resuming from its checkpoint when asked), with a progress bar.
pub fn train(
    config: RunConfig,
    dir: PathBuf,
    data_dir: &Path,
    device: Device,
    resume: bool,
) -> Result<Trained> {
    let id: DatasetId = config.dataset.parse().context("--dataset")?;
    let data = Dataset::load(id, data_dir)?;
    let all = data.train.len();
    if config.validation + config.train_size > all || config.train_size == 0 {
        bail!(
            "--train-size {} + --val {} must be at least 1 and at most the {all} training images",
            config.train_size,
            config.validation
        );
    }
    let (train, val) = data
        .train
        .random_split(all - config.validation, config.train.seed)?;
    let train = train.first(config.train_size);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config_path = dir.join("config.json");
    if resume && config_path.is_file() {
        let old = read_config(&dir)?;
        let same = RunConfig {
            train: TrainConfig {
                epochs: old.train.epochs,
                ..config.train.clone()
            },
            ..config.clone()
        };
        if old != same {
            bail!(
                "--resume: {} was made with other settings; use another --out or drop --resume",
                config_path.display()
            );
        }
    }
    ae_eval::report::write_json(&config_path, &config)?;

    tch::manual_seed(config.train.seed as i64);
    let mut model = Model::build(&config.model, device)?;
    let shape = config.model.input_shape();
    let train_x = images_tensor(&train.to_f32(), &shape, device);
    let val_x = (!val.is_empty()).then(|| images_tensor(&val.to_f32(), &shape, device));
    eprintln!(
        "{}: {} parameters; {} training / {} validation images of {}; {} epochs, batch {}",
        model.name(),
        model.parameter_count(),
        train.len(),
        val.len(),
        config.dataset,
        config.train.epochs,
        config.train.batch_size
    );
    install_ctrl_c();
    let trainer = Trainer::new(config.train.clone())?
        .checkpoint_to(checkpoint_dir(&dir))
        .stop_when(&STOP);
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "epoch {prefix:>3} [{bar:30}] {pos}/{len} batches, {per_sec}, ETA {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let epochs = config.train.epochs;
    let mut on_event = |e: Event| match e {
        Event::EpochStart {
            epoch,
            batches,
            done,
        } => {
            bar.reset();
            bar.set_length(batches as u64);
            bar.set_position(done as u64);
            bar.set_prefix(format!("{epoch}/{epochs}"));
        }
        Event::Batch { loss } => {
            bar.inc(1);
            bar.set_message(format!("loss {loss:.5}"));
        }
        Event::EpochEnd(r) => {
            let val = r
                .val_loss
                .map(|v| format!(", validation {v:.5}"))
                .unwrap_or_default();
            let line = format!(
                "epoch {}/{epochs}: train {:.5}{val}, {:.0} images/s, {:.1} s",
                r.epoch, r.train_loss, r.images_per_second, r.seconds
            );
            // A hidden bar (stderr not a terminal) drops println; logs still get the line.
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
    };
    let history = trainer.fit(&mut model, &train_x, val_x.as_ref(), resume, &mut on_event);
    bar.finish_and_clear();
    let history = history?;
    model.save(&dir.join("model.safetensors"))?;
    Ok(Trained {
        config,
        dir,
        model,
        history,
        data,
        train,
        val,
    })
}

/// A tensor's rows as an (n × features) array.
pub fn to_array(t: &Tensor) -> Result<Array2<f32>> {
    let t = t
        .to_device(Device::Cpu)
        .to_kind(tch::Kind::Float)
        .contiguous();
    let n = t.size().first().copied().unwrap_or(0);
    let flat = t.view([n, -1]);
    let cols = flat.size()[1] as usize;
    let v = Vec::<f32>::try_from(flat.reshape([-1]))?;
    Ok(Array2::from_shape_vec((n as usize, cols), v)?)
}

/// Test-set metrics and figures every run gets: loss curve, reconstructions (with the noisy
/// inputs for denoising runs), encoder filters where the first layer is dense.
pub fn evaluate(t: &Trained) -> Result<serde_json::Value> {
    let test = t.data.test.to_f32();
    let noise: Option<Noise> = t.config.train.noise;
    let noisy = noise.map(|n| n.apply(&test, t.config.train.seed ^ 0x7E57));
    let input = noisy.as_ref().unwrap_or(&test);
    let shape = t.config.model.input_shape();
    let device = t.model.device();
    let f = t
        .model
        .evaluate(&images_tensor(input, &shape, device), 1000);
    let out = to_array(&f.output)?;
    let trainer = Trainer::new(t.config.train.clone())?;
    let test_loss = trainer.loss_on(&t.model, &images_tensor(&test, &shape, device))?;
    let mut m = serde_json::json!({
        "model": t.model.name(),
        "parameters": t.model.parameter_count(),
        "dataset": t.config.dataset,
        "epochs": t.history.epochs.len(),
        "train_loss": t.history.epochs.last().map(|e| e.train_loss),
        "val_loss": t.history.epochs.last().and_then(|e| e.val_loss),
        "test_loss": test_loss,
        "test_sse_output": mean_sse(&test.view(), &out.view())?,
        "test_mse_output": mse(&test.view(), &out.view())?,
        // PSNR per test image, averaged (as notebooks loop scikit-image's
        // peak_signal_noise_ratio); *_global is 10·log10(1/MSE) over the whole set.
        "test_psnr_output": mean_psnr_per_image(&test.view(), &out.view())?,
        "test_psnr_output_global": psnr(&test.view(), &out.view())?,
        "train_seconds": t.history.train_seconds,
        "images_per_second": t.history.epochs.last().map(|e| e.images_per_second),
        "history": t.history.epochs,
    });
    if let Some(noisy) = &noisy {
        m["test_psnr_noisy"] = mean_psnr_per_image(&test.view(), &noisy.view())?.into();
        m["test_psnr_noisy_global"] = psnr(&test.view(), &noisy.view())?.into();
        m["test_mse_noisy"] = mse(&test.view(), &noisy.view())?.into();
    }

    let epochs = |f: fn(&ae_models::EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
        t.history
            .epochs
            .iter()
            .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
            .collect()
    };
    line_plot(
        &t.dir.join("loss.png"),
        &format!("{} on {}", t.model.name(), t.config.dataset),
        "epoch",
        &format!("{:?} loss", t.config.train.loss).to_lowercase(),
        &[
            Series {
                name: "train".into(),
                points: epochs(|e| Some(e.train_loss)),
            },
            Series {
                name: "validation".into(),
                points: epochs(|e| e.val_loss),
            },
        ],
    )?;
    if test.ncols() == 784 {
        let n = 10;
        let mut rows = vec![test.slice(s![..n, ..])];
        let mut titles = vec!["original".to_string()];
        if let Some(noisy) = &noisy {
            rows.push(noisy.slice(s![..n, ..]));
            titles.push("noisy".into());
        }
        rows.push(out.slice(s![..n, ..]));
        titles.push("output".into());
        let stacked = concatenate(Axis(0), &rows)?.mapv(|v| v.clamp(0.0, 1.0));
        ImageGrid::new(stacked.view(), 28, 28, n)?
            .normalise(Normalise::Fixed)
            .row_titles(titles)
            .scale(2)
            .save(&t.dir.join("reconstructions.png"))?;
        if let Some(w) = first_dense_weights(&t.model)? {
            let shown = w.nrows().min(16);
            ImageGrid::new(w.slice(s![..shown, ..]), 28, 28, 8)?
                .normalise(Normalise::PerTile)
                .scale(2)
                .save(&t.dir.join("filters.png"))?;
        }
    }
    Ok(m)
}

/// The first encoder layer's weights (units × 784), for dense models on images.
fn first_dense_weights(model: &Model) -> Result<Option<Array2<f32>>> {
    if !matches!(model.config(), ModelConfig::Dense(d) if d.input == 784) {
        return Ok(None);
    }
    let vars = model.var_store().variables();
    match vars.get("enc0.weight") {
        Some(w) => Ok(Some(to_array(&w.detach())?)),
        None => Ok(None),
    }
}

/// Prints `metrics` (the `--json` line) and writes `metrics.json`.
pub fn finish(dir: &Path, metrics: &serde_json::Value, json: bool, summary: &str) -> Result<()> {
    if !json {
        writeln!(std::io::stdout(), "{summary}")?;
    }
    super::finish(dir, metrics, json)
}
