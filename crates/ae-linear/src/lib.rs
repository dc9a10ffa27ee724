//! ae-linear
