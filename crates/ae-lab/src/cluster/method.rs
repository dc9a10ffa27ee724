//! The clustering methods `ae cluster` offers: the ladder from k-means on pixels to ours.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One way from images to cluster assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// k-means (k-means++, 10 starts) on the raw pixels.
    Kmeans,
    /// k-means on the first 50 principal components.
    PcaKmeans,
    /// The seed's S3.3: k-means on the 4-d codes of the S3.1 convolutional denoiser.
    #[serde(rename = "s3.3-kmeans")]
    SeedCodesKmeans,
    /// k-means (20 starts, as N2D's k-means option) on the 10-d codes of the clustering AE (B2.1).
    AeKmeans,
    /// UMAP of the pixels to 10 dimensions, then a Gaussian mixture.
    UmapGmm,
    /// Ours: N2D's recipe (the clustering AE's codes, UMAP to 10 dimensions, a Gaussian
    /// mixture) with our AE training and mixture starts.
    N2d,
    /// Ours, then self-labelling by a small CNN trained on the surest half of each cluster (tried;
    /// it lowers the accuracy, see `docs/CLUSTERING.md`).
    N2dSl,
}

impl Method {
    /// Every method, from the simplest to ours.
    pub const ALL: [Method; 7] = [
        Method::Kmeans,
        Method::PcaKmeans,
        Method::SeedCodesKmeans,
        Method::AeKmeans,
        Method::UmapGmm,
        Method::N2d,
        Method::N2dSl,
    ];

    /// The name `--method` takes.
    pub fn name(self) -> &'static str {
        match self {
            Method::Kmeans => "kmeans",
            Method::PcaKmeans => "pca-kmeans",
            Method::SeedCodesKmeans => "s3.3-kmeans",
            Method::AeKmeans => "ae-kmeans",
            Method::UmapGmm => "umap-gmm",
            Method::N2d => "n2d",
            Method::N2dSl => "n2d-sl",
        }
    }

    /// One line for tables and `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Method::Kmeans => "k-means on pixels",
            Method::PcaKmeans => "PCA-50 + k-means",
            Method::SeedCodesKmeans => "the seed's S3.3 codes (4-d) + k-means",
            Method::AeKmeans => "clustering AE codes (10-d) + k-means",
            Method::UmapGmm => "UMAP of pixels + Gaussian mixture",
            Method::N2d => "clustering AE + UMAP + Gaussian mixture (N2D recipe; ours)",
            Method::N2dSl => "ours + self-labelling CNN (tried)",
        }
    }

    /// Whether it trains the clustering autoencoder (B2.1).
    pub fn uses_ae(self) -> bool {
        matches!(self, Method::AeKmeans | Method::N2d | Method::N2dSl)
    }

    /// Whether it trains a network (the clustering AE, or the seed's S3.1 denoiser).
    pub fn trains_network(self) -> bool {
        self.uses_ae() || self == Method::SeedCodesKmeans
    }

    /// Whether it clusters a UMAP embedding with a Gaussian mixture (else k-means).
    pub fn uses_umap(self) -> bool {
        matches!(self, Method::UmapGmm | Method::N2d | Method::N2dSl)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
                Error::invalid("method", format!("'{s}' is none of {}", names.join(", ")))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_list_the_choices() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
        }
        let e = "dbscan".parse::<Method>().unwrap_err().to_string();
        assert!(e.contains("method") && e.contains("n2d"), "{e}");
    }
}
