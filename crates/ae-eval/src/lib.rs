//! ae-eval
