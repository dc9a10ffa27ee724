//! What `ae train`, `ae denoise` and `ae pipeline` share on the command line: the run flags,
//! the sizing of a run for one's own images, the device line, Ctrl-C, and the progress bar drawn
//! from the library's progress reports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use ae_data::DataSpec;
use ae_lab::{DataCache, PipelineEvent, Progress, RunConfig, RunMetrics, RunStart};
use ae_lab::{TrainOptions, Trained};
use ae_models::{Event, Precision};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use tch::Device;

/// A run on one's own images, sized for them. The images are read here, once (the training
/// reuses them), and any files left out are reported; `refit` sizes the model and the split for
/// them (a tenth validates), `val` (the `--val` flag) says how many validate instead, and the
/// other training images train. `what` names the flag whose model did not fit. A run on a
/// registry data set is returned as it is.
pub fn fit_to_own_images(
    mut config: RunConfig,
    data: &DataCache,
    refit: bool,
    val: Option<usize>,
    what: &str,
) -> Result<RunConfig> {
    let DataSpec::Files(_) = &config.dataset else {
        return Ok(config);
    };
    let loaded = data.get(config.dataset.clone())?;
    crate::data_flags::report_skipped(&loaded.skipped);
    if refit {
        config =
            (config.fit_to(&loaded)).with_context(|| format!("{what} on {}", loaded.shape()))?;
    }
    if let Some(v) = val {
        config.validation = v;
        config.train_size = loaded.train.len().saturating_sub(v);
    }
    Ok(config)
}

/// The flags every training command takes besides its settings.
#[derive(clap::Args)]
pub struct RunFlags {
    /// Continue from the output folder's checkpoint (--epochs may grow; other settings must
    /// stay as they were).
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// Start over in an output folder that holds a finished or interrupted run, deleting it.
    #[arg(long)]
    pub overwrite: bool,
    #[command(flatten)]
    pub device: DeviceFlags,
    /// Print the metrics as one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

impl RunFlags {
    /// Trains `config` into `dir` on the flags' device, with a progress bar, Ctrl-C writing a
    /// checkpoint and `--resume`, then evaluates it on the test set.
    pub fn train(
        &self,
        mut config: RunConfig,
        dir: PathBuf,
        data: &DataCache,
    ) -> Result<(Trained, RunMetrics)> {
        let device = self.device.select()?;
        config.train.precision = self.device.precision(config.train.precision, device)?;
        install_ctrl_c();
        let bar = Bar::new();
        let trained = ae_lab::train(
            config,
            dir,
            data,
            device,
            TrainOptions {
                resume: self.resume,
                overwrite: self.overwrite,
                stop: Some(&STOP),
                progress: &bar,
            },
        )
        .map_err(|e| match e {
            ae_lab::Error::Occupied { dir, what } => anyhow::anyhow!(
                "{} holds {what}: --resume continues it, --overwrite starts over, --out picks another folder",
                dir.display()
            ),
            ae_lab::Error::Model(ae_models::Error::Interrupted(dir)) => anyhow::anyhow!(
                "interrupted; the checkpoint in {} continues the run: the same command with --resume",
                dir.display()
            ),
            e => e.into(),
        })?;
        let metrics = ae_lab::evaluate(&trained)?;
        Ok((trained, metrics))
    }
}

impl RunFlags {
    /// The data cache of a command: the data folder, with a bar while image folders decode.
    pub fn data_cache(&self, data_dir: &Path) -> DataCache {
        DataCache::new(data_dir).with_progress(crate::data_flags::DecodeBar::default())
    }
}

/// Where tensors live.
#[derive(clap::Args, Clone)]
pub struct DeviceFlags {
    /// auto, cpu or cuda.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// CPU threads for libtorch.
    #[arg(long)]
    pub threads: Option<usize>,
    /// fp32, or bf16: mixed precision (bfloat16 convolutions and matrix products, FP32 weights
    /// and losses) where the CPU multiplies bfloat16 natively (AVX512-BF16, AMX), else FP32.
    #[arg(long)]
    pub precision: Option<String>,
}

impl DeviceFlags {
    /// Resolves the flags to a device and says which one is used.
    pub fn select(&self) -> Result<Device> {
        device(&self.device, self.threads)
    }

    /// The precision that runs on `device`: `--precision`, else `configured` (a config file's),
    /// falling back to FP32 where bfloat16 is not native, and saying which.
    pub fn precision(&self, configured: Precision, device: Device) -> Result<Precision> {
        let asked = match &self.precision {
            Some(p) => p.parse().context("--precision")?,
            None => configured,
        };
        let (runs, fallback) = asked.resolve(device);
        match fallback {
            Some(why) => eprintln!("precision: {why}"),
            None if runs == Precision::Bf16 => eprintln!(
                "precision: bf16 mixed ({})",
                ae_models::precision::cpu_bf16()
                    .filter(|_| device == Device::Cpu)
                    .unwrap_or("CUDA")
            ),
            None => {}
        }
        Ok(runs)
    }
}

/// Resolves `--device` (and `--threads` when given) and says which device is used.
pub fn device(choice: &str, threads: Option<usize>) -> Result<Device> {
    let choice = choice.parse().context("--device")?;
    let device = ae_lab::device::select(choice, threads)?;
    eprintln!("device: {}", ae_models::device::describe(device));
    Ok(device)
}

/// Set by Ctrl-C; the trainer checks it after every batch.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Ctrl-C sets [`STOP`]; a second Ctrl-C exits at once.
pub fn install_ctrl_c() {
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

/// A progress bar per training run (rate, ETA), a line per epoch, a line per experiment.
pub struct Bar {
    bar: ProgressBar,
    epochs: Mutex<usize>,
}

impl Bar {
    /// A bar on standard error (hidden when it is not a terminal; the lines still appear).
    pub fn new() -> Bar {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "epoch {prefix:>3} [{bar:30}] {pos}/{len} batches, {per_sec}, ETA {eta} {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        Bar {
            bar,
            epochs: Mutex::new(0),
        }
    }

    fn line(&self, line: String) {
        // A hidden bar (stderr not a terminal) drops println; logs still get the line.
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    fn epochs(&self) -> usize {
        *self.epochs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Progress for Bar {
    fn run_started(&self, s: &RunStart) {
        *self.epochs.lock().unwrap_or_else(|p| p.into_inner()) = s.epochs;
        eprintln!(
            "{}: {} parameters; {} training / {} validation images of {}; {} epochs, batch {}",
            s.model, s.parameters, s.train_images, s.val_images, s.dataset, s.epochs, s.batch_size
        );
    }

    fn training(&self, e: &Event) {
        let epochs = self.epochs();
        match *e {
            Event::EpochStart {
                epoch,
                batches,
                done,
            } => {
                self.bar.reset();
                self.bar.set_length(batches as u64);
                self.bar.set_position(done as u64);
                self.bar.set_prefix(format!("{epoch}/{epochs}"));
            }
            Event::Batch { loss } => {
                self.bar.inc(1);
                self.bar.set_message(format!("loss {loss:.5}"));
            }
            Event::EpochEnd(r) => {
                let val = r
                    .val_loss
                    .map(|v| format!(", validation {v:.5}"))
                    .unwrap_or_default();
                self.line(format!(
                    "epoch {}/{epochs}: train {:.5}{val}, {:.0} images/s, {:.1} s",
                    r.epoch, r.train_loss, r.images_per_second, r.seconds
                ));
            }
        }
    }

    fn run_finished(&self) {
        self.bar.finish_and_clear();
    }

    fn pipeline(&self, e: &PipelineEvent) {
        match e {
            PipelineEvent::Started {
                index,
                total,
                id,
                title,
            } => eprintln!("[{index}/{total}] {id} {title}"),
            PipelineEvent::Skipped { index, total, id } => {
                eprintln!("[{index}/{total}] {id} done before, skipped")
            }
            PipelineEvent::Finished { id, seconds } => eprintln!("    {id} in {seconds:.1} s"),
        }
    }

    fn stage_started(&self, name: &str) {
        self.line(format!("{name} …"));
    }

    fn stage_finished(&self, name: &str, seconds: f64) {
        self.line(format!("{name}: {seconds:.1} s"));
    }
}

/// Prints `summary` (unless `--json`), writes `metrics.json` and, with `--json`, prints it.
pub fn finish(
    dir: &Path,
    metrics: &impl serde::Serialize,
    json: bool,
    summary: &str,
) -> Result<()> {
    if !json {
        writeln!(std::io::stdout(), "{summary}")?;
    }
    super::finish(dir, &serde_json::to_value(metrics)?, json)
}
