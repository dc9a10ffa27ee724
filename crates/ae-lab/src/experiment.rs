//! An experiment while it runs: its folder, the section it fills, and the shared [`Lab`] (data,
//! device, profile). Experiment functions receive one and use its helpers to train preset runs,
//! add table rows, notes, numbers and figures.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use ae_data::{Dataset, DatasetId};
use ae_models::Preset;
use serde::Serialize;
use std::sync::Arc;

use crate::evaluate::{evaluate, RunMetrics};
use crate::lab::Lab;
use crate::run::{read_config, train, RunConfig, TrainOptions, Trained, TRAINING_IMAGES};
use crate::section::{Figure, Row, Section};
use crate::{Error, Result};

/// A trained run and its test metrics.
pub struct Run {
    /// The run.
    pub t: Trained,
    /// Its evaluation.
    pub m: RunMetrics,
}

impl Run {
    /// The last epoch's training loss (NaN when no epoch ran).
    pub fn train_loss(&self) -> f64 {
        self.m.train_loss.unwrap_or(f64::NAN)
    }
}

/// One experiment being run.
pub struct Experiment<'a> {
    /// What every experiment shares.
    pub lab: &'a Lab<'a>,
    /// Its folder, `<out>/<id>/`, created.
    pub dir: PathBuf,
    /// What it leaves for the report.
    pub section: Section,
    /// Set by [`Experiment::train`].
    trained: Cell<bool>,
}

impl<'a> Experiment<'a> {
    /// Starts the experiment of `section` (made from its catalogue entry): creates its folder,
    /// `<out>/<id>/`.
    pub fn new(lab: &'a Lab<'a>, section: Section) -> Result<Self> {
        let dir = lab.out.join(&section.id);
        crate::error::create_dir(&dir)?;
        Ok(Experiment {
            lab,
            dir,
            section,
            trained: Cell::new(false),
        })
    }

    /// The data set of the experiments (the S2 ones run on both).
    pub fn dataset(&self) -> DatasetId {
        self.lab.dataset
    }

    /// A data set, loaded once per process.
    pub fn data(&self, id: DatasetId) -> Result<Arc<Dataset>> {
        self.lab.data.get(id)
    }

    /// The folder of another experiment whose runs this one reuses (S3.2 uses S3.1's).
    pub fn folder_of(&self, id: &str) -> Result<PathBuf> {
        let dir = self.lab.out.join(id);
        crate::error::create_dir(&dir)?;
        Ok(dir)
    }

    /// Adds a table row: the quantity, the seed's figure, ours.
    pub fn row(&mut self, what: &str, seed: impl Into<String>, ours: impl Into<String>) {
        self.section.rows.push(Row {
            what: what.into(),
            seed: seed.into(),
            ours: ours.into(),
        });
    }

    /// Adds a note.
    pub fn note(&mut self, text: impl Into<String>) {
        self.section.notes.push(text.into());
    }

    /// Records a number (or any serialisable value) under `key` in metrics.json.
    pub fn metric(&mut self, key: &str, value: impl Serialize) -> Result<()> {
        self.section.metrics[key] = serde_json::to_value(value)?;
        Ok(())
    }

    /// Records a configuration under `key`.
    pub fn config(&mut self, key: &str, value: impl Serialize) -> Result<()> {
        self.section.configs[key] = serde_json::to_value(value)?;
        Ok(())
    }

    /// Adds the figure at `path` (inside the output folder) with its caption.
    pub fn figure(&mut self, path: &Path, caption: &str) {
        let rel = path
            .strip_prefix(&self.lab.out)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        self.section.figures.push(Figure {
            path: rel,
            caption: caption.into(),
        });
    }

    /// Adds the figure at `path` only if the file exists (runs draw some figures only for some
    /// models).
    pub fn figure_if(&mut self, path: PathBuf, caption: &str) {
        if path.is_file() {
            self.figure(&path, caption);
        }
    }

    /// The experiment's one run shown and recorded: its reconstructions and loss curve as
    /// figures, its metrics and configuration under `run`.
    pub fn report_run(&mut self, r: &Run) -> Result<()> {
        let label = self.section.id.clone();
        self.standard_figures(r, &label);
        self.record("run", r)
    }

    /// A run's reconstructions and loss curve, when it has them.
    pub fn standard_figures(&mut self, r: &Run, label: &str) {
        self.figure_if(
            r.t.dir.join("reconstructions.png"),
            &format!("{label}: test images and outputs."),
        );
        self.figure_if(
            r.t.dir.join("loss.png"),
            &format!("{label}: loss per epoch."),
        );
    }

    /// Whether the experiment trained (or reused) a run through [`Experiment::train`]: the
    /// runner then notes a cut-down profile's numbers as a smoke run's.
    pub fn trained(&self) -> bool {
        self.trained.get()
    }

    /// Records a run's metrics (without its per-epoch history) and configuration under `key`.
    pub fn record(&mut self, key: &str, r: &Run) -> Result<()> {
        self.section.metrics[key] = serde_json::to_value(r.m.summary())?;
        self.section.configs[key] = serde_json::to_value(&r.t.config)?;
        Ok(())
    }

    /// Trains `preset` on `dataset` into `dir` at the profile's size (after `tweak`), resuming
    /// from a checkpoint there, and evaluates it. A folder holding a run with another
    /// configuration is cleared first.
    pub fn train(
        &self,
        dir: PathBuf,
        preset: &Preset,
        dataset: DatasetId,
        tweak: impl FnOnce(&mut RunConfig),
    ) -> Result<Run> {
        let profile = &self.lab.profile;
        let mut c = RunConfig::from_preset(preset, dataset, profile.validation);
        c.train.epochs = profile.epochs(c.train.epochs);
        c.train.precision = self.lab.precision;
        tweak(&mut c);
        let most = TRAINING_IMAGES - c.validation;
        c.train_size = profile.train_size.unwrap_or(most).min(most);
        if let Some(classes) = c.classes.clone() {
            // A one-class run validates on the same share of its class as the others do of all.
            c = c.keep_classes(&classes, &*self.data(dataset)?, None)?;
        }
        if dir.join("config.json").is_file() && read_config(&dir).ok().as_ref() != Some(&c) {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        // The pipeline owns its folders: continue a checkpoint, else start afresh.
        let resume =
            ae_models::checkpoint::Checkpoint::exists(&ae_models::train::checkpoint_dir(&dir));
        let t = train(
            c,
            dir,
            self.lab.data,
            self.lab.device,
            TrainOptions {
                resume,
                overwrite: false,
                stop: self.lab.stop,
                progress: self.lab.progress,
            },
        )?;
        let m = evaluate(&t)?;
        self.trained.set(true);
        Ok(Run { t, m })
    }
}
