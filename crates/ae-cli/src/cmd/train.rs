//! `ae train`: any preset (by experiment id) or a config file, on MNIST or Fashion-MNIST.

use std::path::{Path, PathBuf};

use ae_data::{DataSpec, DatasetId, Noise};
use ae_lab::run::TRAINING_IMAGES;
use ae_lab::RunConfig;
use ae_models::{Loss, Preset};
use anyhow::{bail, Context, Result};

use super::run;
use crate::data_flags::DataFlags;

#[derive(clap::Args)]
pub struct Args {
    /// Preset by experiment id: s0.1, s1.7, s1.8, s2.2, s3.1, s4.2, s4.9a, … (see --list).
    #[arg(long, required_unless_present_any = ["config", "list"])]
    model: Option<String>,
    /// A run's config.json (or any file of that shape) to train again.
    #[arg(long, conflicts_with = "model")]
    config: Option<PathBuf>,
    /// List the presets and exit.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    data: DataFlags,
    /// Epochs (default: the seed's).
    #[arg(long)]
    epochs: Option<usize>,
    /// Batch size (default: the seed's).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate (default: the seed's).
    #[arg(long)]
    lr: Option<f64>,
    /// Optimiser: adam, adamw or sgd (momentum 0.9), keeping the learning rate.
    #[arg(long)]
    optimizer: Option<String>,
    /// Weight decay: L2 on the gradient for adam and sgd, decoupled for adamw.
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Learning-rate schedule: none | cosine[:MIN_FACTOR] | step[:EVERY[:GAMMA]].
    #[arg(long)]
    lr_schedule: Option<String>,
    /// Epochs of linear learning-rate warm-up.
    #[arg(long)]
    warmup: Option<usize>,
    /// Stop after N epochs without a better validation loss (keeps the best weights).
    #[arg(long)]
    patience: Option<usize>,
    /// End with the best-by-validation weights rather than the last epoch's.
    #[arg(long)]
    keep_best: bool,
    /// Code size, for models whose bottleneck is free.
    #[arg(long)]
    code_size: Option<usize>,
    /// Input corruption: gaussian:STD[:noclamp] | salt-pepper:AMOUNT | dropout:RATE | none.
    #[arg(long, allow_hyphen_values = true)]
    noise: Option<String>,
    /// Augmentation of the training images: shift:PIXELS (random moves up to PIXELS each way) | none.
    #[arg(long)]
    augment: Option<String>,
    /// mse, sse, bce, bce-sum or psnr (default: the model's).
    #[arg(long)]
    loss: Option<String>,
    /// β, the weight of a VAE's KL term (1: the ELBO).
    #[arg(long)]
    beta: Option<f64>,
    /// λ of an L1 penalty on the code (S4.6).
    #[arg(long)]
    l1: Option<f64>,
    /// Seed of initialisation, split, shuffles and noise.
    #[arg(long)]
    seed: Option<u64>,
    /// Validation images split off the training images (default: 5,000 of MNIST's 60,000; a
    /// tenth of one's own).
    #[arg(long)]
    val: Option<usize>,
    /// Train and test on only the images with these labels, e.g. 0 or 3,5,8 (a model of one
    /// class, for `ae anomaly` to flag the others).
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    classes: Option<Vec<u8>>,
    /// Train on only this many images (quick runs).
    #[arg(long)]
    train_size: Option<usize>,
    /// Output folder (default runs/<model>-<dataset>).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    run: run::RunFlags,
}

/// Parses `--noise`; `none` turns a preset's noise off.
pub fn parse_noise(s: &str) -> Result<Option<Noise>> {
    if s == "none" {
        return Ok(None);
    }
    Ok(Some(s.parse().context("--noise")?))
}

/// The run's configuration: the preset or file, then every flag given on top. One's own images
/// are read here (once: the training reuses them) to size the model and the split.
fn resolve(args: &Args, data: &ae_lab::DataCache) -> Result<RunConfig> {
    let mut config = match (&args.model, &args.config) {
        (Some(id), _) => {
            let preset = Preset::get(id)?;
            RunConfig {
                model: preset.model_with_code(args.code_size)?,
                ..RunConfig::from_preset(preset, DatasetId::Mnist, 5000)
            }
        }
        (None, Some(path)) => {
            let mut c = ae_lab::run::read_config_file(path).context("--config")?;
            if let Some(code) = args.code_size {
                c.model = c.model.with_code_size(code)?;
            }
            c
        }
        (None, None) => bail!("give --model ID or --config FILE"),
    };
    config.dataset = match &args.data.dataset {
        Some(_) => args.data.spec("mnist")?,
        None => args.data.apply(config.dataset.clone())?,
    };
    let t = &mut config.train;
    if let Some(v) = args.epochs {
        t.epochs = v;
    }
    if let Some(v) = args.batch_size {
        t.batch_size = v;
    }
    if let Some(v) = args.lr {
        t.optimizer = t.optimizer.with_lr(v);
    }
    if let Some(v) = &args.optimizer {
        t.optimizer = t.optimizer.with_kind(v)?;
    }
    if let Some(v) = args.weight_decay {
        t.optimizer = t.optimizer.with_weight_decay(v);
    }
    if let Some(v) = &args.lr_schedule {
        t.lr_schedule = v.parse()?;
    }
    if let Some(v) = args.warmup {
        t.warmup_epochs = v;
    }
    if let Some(v) = args.patience {
        // Keras' EarlyStopping leaves the last weights by default; stopping on the validation
        // loss and then keeping worse weights is rarely what anyone wants.
        t.patience = Some(v);
        t.keep_best = true;
    }
    if args.keep_best {
        t.keep_best = true;
    }
    if let Some(v) = &args.noise {
        t.noise = parse_noise(v)?;
    }
    if let Some(v) = &args.augment {
        t.augment = ae_models::augment::Augment::parse_or_none(v)?;
    }
    if let Some(v) = &args.loss {
        t.loss = v.parse::<Loss>().with_context(|| format!("--loss {v}"))?;
    }
    if let Some(v) = args.beta {
        t.beta = v;
    }
    if let Some(v) = args.l1 {
        t.l1 = v;
    }
    if let Some(v) = args.seed {
        t.seed = v;
    }
    // A preset (or a config file moved to other data) is sized for one's own images; a config
    // file on its own data keeps its sizes, so that it repeats its run exactly. On MNIST, a preset
    // trains on every image not validated on, and a config file keeps its own count. `--val`
    // comes after the sizing for one's own images (which resets the split), and on MNIST before
    // a preset's training size is derived from it.
    if let DataSpec::Files(_) = &config.dataset {
        let refit = args.model.is_some() || args.data.dataset.is_some();
        config = run::fit_to_own_images(config, data, refit, args.val, "--model")?;
    } else {
        if let Some(v) = args.val {
            config.validation = v;
        }
        if args.model.is_some() {
            config.train_size = TRAINING_IMAGES.saturating_sub(config.validation);
        }
    }
    if let Some(classes) = &args.classes {
        let loaded = data.get(config.dataset.clone())?;
        config = config
            .keep_classes(classes, &loaded, args.val)
            .context("--classes")?;
    }
    if let Some(v) = args.train_size {
        config.train_size = v;
    }
    Ok(config)
}

pub fn run(args: &Args, data_dir: &Path) -> Result<()> {
    if args.list {
        for p in ae_models::presets::ALL {
            println!("{:6} {}", p.id, p.what);
        }
        return Ok(());
    }
    let data = args.run.data_cache(data_dir);
    let config = resolve(args, &data)?;
    let dir = args.out.clone().unwrap_or_else(|| {
        let only = match &config.classes {
            Some(c) => format!(
                "-only-{}",
                c.iter().map(u8::to_string).collect::<Vec<_>>().join("-")
            ),
            None => String::new(),
        };
        PathBuf::from("runs").join(format!("{}-{}{only}", config.name, config.dataset))
    });
    let (trained, m) = args.run.train(config, dir, &data)?;
    let kept = match (m.stopped_early, m.best_epoch) {
        (Some(stop), Some(best)) => {
            format!(" (stopped early after epoch {stop}; weights of epoch {best} kept)")
        }
        (None, Some(best)) => format!(" (weights of epoch {best}, the best, kept)"),
        _ => String::new(),
    };
    let summary = format!(
        "{} on {}: test loss {:.5}, test SSE {:.3}, MSE {:.5}, PSNR {:.2} dB, {:.0} s training{kept}; results in {}",
        m.model,
        match &trained.config.classes {
            Some(c) => format!("{} (labels {c:?} only)", trained.config.dataset),
            None => trained.config.dataset.to_string(),
        },
        m.test_loss,
        m.test_sse_output,
        m.test_mse_output,
        m.test_psnr_output,
        trained.history.train_seconds,
        trained.dir.display()
    );
    run::finish(&trained.dir, &m, args.run.json, &summary)
}
