//! Evaluation of dimensionality reduction: clustering accuracy, reconstruction metrics, figures
//! and reports.
