//! How big the pipeline's runs are: `quick` (subsets, at most two epochs: minutes) or `full`
//! (the seeds' own settings).

use std::str::FromStr;

use serde::Serialize;

use crate::Error;

/// Sizes of the pipeline's runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Profile {
    /// `quick`, `full`, or another name for a custom profile (tests use small ones).
    pub name: &'static str,
    /// Training images per run (None: the seed's split).
    pub train_size: Option<usize>,
    /// Validation images per run.
    pub validation: usize,
    /// Upper bound on epochs (None: the seed's).
    pub max_epochs: Option<usize>,
    /// Points embedded by t-SNE (S1.7).
    pub tsne_points: usize,
    /// Training images for the linear methods (None: all 60,000).
    pub linear_size: Option<usize>,
}

impl Profile {
    /// Subsets of 2,000 training images, at most two epochs: every experiment in minutes.
    pub const QUICK: Profile = Profile {
        name: "quick",
        train_size: Some(2000),
        validation: 500,
        max_epochs: Some(2),
        tsne_points: 400,
        linear_size: Some(10_000),
    };

    /// The seeds' own settings on the whole data sets.
    pub const FULL: Profile = Profile {
        name: "full",
        train_size: None,
        validation: 5000,
        max_epochs: None,
        tsne_points: 5000,
        linear_size: None,
    };

    /// The seed's epochs, capped by the profile.
    pub fn epochs(&self, seed: usize) -> usize {
        self.max_epochs.map_or(seed, |m| seed.min(m))
    }

    /// Whether this is a cut-down profile whose figures are not the seeds'.
    pub fn is_reduced(&self) -> bool {
        self.train_size.is_some() || self.max_epochs.is_some()
    }
}

impl FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Profile, Error> {
        match s {
            "quick" => Ok(Profile::QUICK),
            "full" => Ok(Profile::FULL),
            other => Err(Error::invalid(
                "profile",
                format!("'{other}' is not quick or full"),
            )),
        }
    }
}
