//! PCA hyper-parameters, checked in one place.

use ndarray::ArrayView2;

use super::{algorithm, FittedPca};
use crate::error::invalid;
use crate::{Error, Float, Result};

/// How many components to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Components {
    /// Exactly this many.
    Count(usize),
    /// The fewest reaching this fraction of the total variance, in (0, 1].
    Variance(f64),
}

/// How the decomposition is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Solver {
    /// Eigendecomposition of the d × d covariance (S1.1, S4.1): fastest when n ≫ d.
    #[default]
    Eigh,
    /// SVD of the centred n × d data (S1.2).
    Svd,
    /// Randomized SVD (Halko, Martinsson, Tropp 2011) with oversampling and power iterations.
    Randomized,
}

impl std::str::FromStr for Solver {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "eigh" | "covariance_eigh" => Ok(Solver::Eigh),
            "svd" | "full" => Ok(Solver::Svd),
            "randomized" => Ok(Solver::Randomized),
            other => Err(invalid(
                "solver",
                format!("'{other}' is not one of eigh, svd, randomized"),
            )),
        }
    }
}

impl std::fmt::Display for Solver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Solver::Eigh => "eigh",
            Solver::Svd => "svd",
            Solver::Randomized => "randomized",
        })
    }
}

/// PCA parameters (builder); [`PcaParams::fit`] validates them first.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaParams {
    pub(crate) components: Components,
    pub(crate) solver: Solver,
    pub(crate) whiten: bool,
    pub(crate) n_oversamples: usize,
    pub(crate) n_power_iter: Option<usize>,
    pub(crate) seed: u64,
}

impl PcaParams {
    pub(crate) fn new(components: Components) -> Self {
        PcaParams {
            components,
            solver: Solver::Eigh,
            whiten: false,
            n_oversamples: 10,
            n_power_iter: None,
            seed: 0,
        }
    }

    /// The solver (default [`Solver::Eigh`]).
    pub fn solver(mut self, solver: Solver) -> Self {
        self.solver = solver;
        self
    }
    /// Divide codes by the components' standard deviations (default false).
    pub fn whiten(mut self, whiten: bool) -> Self {
        self.whiten = whiten;
        self
    }
    /// Extra random directions of the randomized solver (default 10, as scikit-learn).
    pub fn n_oversamples(mut self, n: usize) -> Self {
        self.n_oversamples = n;
        self
    }
    /// Power iterations of the randomized solver (default: 7 when keeping under a tenth of the
    /// features, else 4, as scikit-learn's `auto`).
    pub fn n_power_iter(mut self, n: usize) -> Self {
        self.n_power_iter = Some(n);
        self
    }
    /// Seed of the randomized solver's random matrix (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters against data of `n` rows and `d` columns.
    pub fn check(&self, n: usize, d: usize) -> Result<()> {
        if n < 2 {
            return Err(Error::InvalidData(format!(
                "PCA needs at least 2 rows, got {n}"
            )));
        }
        if d == 0 {
            return Err(Error::InvalidData("data has no columns".into()));
        }
        match self.components {
            Components::Count(0) => return Err(invalid("n_components", "must be at least 1")),
            Components::Count(k) if k > d => {
                return Err(invalid(
                    "n_components",
                    format!("{k} exceeds the {d} features"),
                ))
            }
            Components::Count(k) if k > n => {
                return Err(invalid(
                    "n_components",
                    format!("{k} exceeds the {n} samples"),
                ))
            }
            Components::Variance(f) if !(f > 0.0 && f <= 1.0) => {
                return Err(invalid(
                    "n_components",
                    format!("a variance fraction must be in (0, 1], got {f}"),
                ))
            }
            Components::Variance(_) if self.solver == Solver::Randomized => {
                return Err(invalid(
                    "n_components",
                    "a variance fraction needs the full spectrum: use the eigh or svd solver",
                ))
            }
            _ => {}
        }
        Ok(())
    }

    /// Fits on the rows of `x` (n × d).
    pub fn fit<F: Float>(&self, x: &ArrayView2<F>) -> Result<FittedPca<F>> {
        self.check(x.nrows(), x.ncols())?;
        if x.iter().any(|v| !v.as_f64().is_finite()) {
            return Err(Error::InvalidData(
                "data contains NaN or infinite values".into(),
            ));
        }
        match self.solver {
            Solver::Eigh => algorithm::fit_eigh(self, x),
            Solver::Svd => algorithm::fit_svd(self, x),
            Solver::Randomized => algorithm::fit_randomized(self, x),
        }
    }
}
