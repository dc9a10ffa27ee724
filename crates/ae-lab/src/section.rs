//! What an experiment leaves for the report: a table of the seed's figures beside ours, figures,
//! notes, and every number for `metrics.json`. Saved as `<out>/<id>/section.json`.

use serde::{Deserialize, Serialize};

/// One figure of a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Path relative to the output folder.
    pub path: String,
    /// What it shows.
    pub caption: String,
}

/// A line of a section's table: a quantity, the seed's figure and ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The quantity.
    pub what: String,
    /// The seed's figure ("—" when it printed none).
    pub seed: String,
    /// Ours.
    pub ours: String,
}

/// One experiment's part of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// The experiment id (`S3.1`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// What the seed did.
    pub seed_did: String,
    /// The seed's headline figure, for the report's summary table.
    #[serde(default)]
    pub seed_figure: String,
    /// The table: the seed's figures beside ours.
    pub rows: Vec<Row>,
    /// Pictures, in order.
    pub figures: Vec<Figure>,
    /// Why we differ from the seed, where we do; other remarks.
    pub notes: Vec<String>,
    /// Every number, for metrics.json.
    pub metrics: serde_json::Value,
    /// The configuration of every run in it.
    pub configs: serde_json::Value,
    /// Wall time of the experiment.
    pub seconds: f64,
    /// False for an experiment marked not done.
    pub done: bool,
}

impl Section {
    /// Our headline figure: the first row of the table, "quantity: ours" (empty without rows).
    pub fn headline(&self) -> String {
        self.rows
            .first()
            .map(|r| format!("{}: {}", r.what, r.ours))
            .unwrap_or_default()
    }
}
