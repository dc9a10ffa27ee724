//! What runs and the pipeline report while they work. Libraries never print: a program that
//! wants progress bars or log lines implements [`Progress`]; [`Quiet`] ignores everything.

use ae_models::Event;

/// A training run about to start.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStart {
    /// The model's name.
    pub model: String,
    /// Its trainable parameters.
    pub parameters: usize,
    /// Training images.
    pub train_images: usize,
    /// Validation images.
    pub val_images: usize,
    /// The data set.
    pub dataset: String,
    /// Epochs to run in all.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
}

/// What the pipeline runner reports about the experiments of a catalogue run.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineEvent {
    /// Experiment `index` (1-based) of `total` starts.
    Started {
        /// Position in this run.
        index: usize,
        /// Experiments in this run.
        total: usize,
        /// Its id.
        id: String,
        /// Its title.
        title: String,
    },
    /// Experiment `index` was complete in the output folder and is skipped.
    Skipped {
        /// Position in this run.
        index: usize,
        /// Experiments in this run.
        total: usize,
        /// Its id.
        id: String,
    },
    /// An experiment finished.
    Finished {
        /// Its id.
        id: String,
        /// Its wall time.
        seconds: f64,
    },
}

/// Receives progress; every method does nothing unless overridden.
pub trait Progress: Sync {
    /// A training run starts.
    fn run_started(&self, _start: &RunStart) {}
    /// The trainer reported `event`.
    fn training(&self, _event: &Event) {}
    /// The training run ended (finished, stopped or failed).
    fn run_finished(&self) {}
    /// The pipeline runner reported `event`.
    fn pipeline(&self, _event: &PipelineEvent) {}
    /// A stage of a longer computation (`ae cluster`'s neighbours, UMAP, …) starts.
    fn stage_started(&self, _name: &str) {}
    /// That stage ended after `seconds`.
    fn stage_finished(&self, _name: &str, _seconds: f64) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {}
