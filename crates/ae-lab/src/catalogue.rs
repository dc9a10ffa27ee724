//! The catalogue: one entry per experiment, in report order. Adding an experiment is one
//! function in `experiments/` and one entry here; the runner makes its folder and section from
//! the entry. `docs/EXPERIMENTS.md` describes every entry for readers.

use std::fmt;
use std::str::FromStr;

use ae_models::presets::{self, Preset};

use crate::experiment::Experiment;
use crate::experiments::{b1, b2, s0, s1, s2, s3, s4};
use crate::{Error, Result};

/// An experiment id: `S1.10` is experiment 10 of seed 001 (the course's documents are seeds
/// 000–004); another prefix letter marks experiments beyond the seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExperimentId {
    /// `S` for the seeds' experiments.
    pub prefix: char,
    /// The seed (or group) number.
    pub group: u8,
    /// The experiment within it, from 1.
    pub number: u8,
}

impl ExperimentId {
    /// Experiment `number` of group `group` beyond the seeds (`B1.2`).
    pub const fn beyond(group: u8, number: u8) -> ExperimentId {
        ExperimentId {
            prefix: 'B',
            group,
            number,
        }
    }

    /// Experiment `number` of seed `seed`.
    pub const fn seed(seed: u8, number: u8) -> ExperimentId {
        ExperimentId {
            prefix: 'S',
            group: seed,
            number,
        }
    }

    /// The experiment's folder name and metrics.json key (`S1.10`).
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl Ord for ExperimentId {
    /// The seeds' experiments first, then the others by prefix, group and number.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |e: &ExperimentId| (e.prefix != 'S', e.prefix, e.group, e.number);
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for ExperimentId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ExperimentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}.{}", self.prefix, self.group, self.number)
    }
}

impl FromStr for ExperimentId {
    type Err = Error;
    /// `S1.10` or `s1.10`.
    fn from_str(s: &str) -> Result<ExperimentId> {
        let bad = || Error::invalid("experiment id", format!("'{s}' is not of the form S1.10"));
        let mut chars = s.trim().chars();
        let prefix = chars.next().ok_or_else(bad)?.to_ascii_uppercase();
        let (group, number) = chars.as_str().split_once('.').ok_or_else(bad)?;
        if !prefix.is_ascii_alphabetic() {
            return Err(bad());
        }
        Ok(ExperimentId {
            prefix,
            group: group.parse().map_err(|_| bad())?,
            number: number.parse().map_err(|_| bad())?,
        })
    }
}

/// The function that runs an experiment: it fills the section it is handed.
pub type RunFn = fn(&mut Experiment<'_>) -> Result<()>;

/// One experiment of the catalogue.
#[derive(Clone, Copy)]
pub struct Entry {
    /// Its id.
    pub id: ExperimentId,
    /// Its title.
    pub title: &'static str,
    /// What the seed did.
    pub seed_did: &'static str,
    /// The seed's headline figure ("—" when it printed none).
    pub seed_figure: &'static str,
    /// The model and training presets it trains (empty for the linear experiments).
    pub presets: &'static [Preset],
    /// The function.
    pub run: RunFn,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("title", &self.title)
            .finish_non_exhaustive()
    }
}

/// The entry of `id`.
pub fn find(id: ExperimentId) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.id == id)
}

/// The entries that `only` selects: comma-separated ids (`S3.1`) or whole seeds (`S1` =
/// S1.1 … S1.12); everything when `only` is `None`.
pub fn select(only: Option<&str>) -> Result<Vec<&'static Entry>> {
    let Some(only) = only else {
        return Ok(CATALOGUE.iter().collect());
    };
    let mut chosen = Vec::new();
    for part in only.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let matches: Vec<&'static Entry> = if part.contains('.') {
            let id: ExperimentId = part.parse()?;
            find(id).into_iter().collect()
        } else {
            CATALOGUE
                .iter()
                .filter(|e| format!("{}{}", e.id.prefix, e.id.group).eq_ignore_ascii_case(part))
                .collect()
        };
        if matches.is_empty() {
            return Err(Error::invalid(
                "experiment selection",
                format!("'{part}' matches no experiment (ids S0.1 … S4.9, B1.1 … B1.5, B2.1)"),
            ));
        }
        chosen.extend(matches);
    }
    // Catalogue order, each once.
    Ok(CATALOGUE
        .iter()
        .filter(|e| chosen.iter().any(|c: &&Entry| c.id == e.id))
        .collect())
}

const fn s(seed: u8, number: u8) -> ExperimentId {
    ExperimentId::seed(seed, number)
}

/// Every experiment, in the order of `docs/EXPERIMENTS.md`, which is the report's order.
pub const CATALOGUE: &[Entry] = &[
    Entry {
        id: s(0, 1),
        title: "CNN autoencoder (code 32)",
        seed_did: "Three stride-2 convolutions (1→128→128→32, k4, no padding: 28→13→5→1) to a \
                   32-value code and three transposed convolutions back (k5, k5, k4; sigmoid); \
                   per-image SSE; Adam lr 1e-5; batch 200, dropping the remainder; 25 epochs. \
                   Printed test SSE 20.757.",
        seed_figure: "test SSE 20.757",
        presets: &[presets::S0_1],
        run: s0::s0_1,
    },
    Entry {
        id: s(0, 2),
        title: "PCA with 32 components",
        seed_did: "Fitted PCA (32) on the 60,000 training images and measured the test SSE \
                   through seed 000's loss, beside the CNN autoencoder; also showed the \
                   reconstruction clipped to [0, 1].",
        seed_figure: "test SSE 13.193",
        presets: &[],
        run: s0::s0_2,
    },
    Entry {
        id: s(0, 3),
        title: "k-means from scratch",
        seed_did: "Four 2-D Gaussian blobs of 100 points, K = 4, initial means drawn N(0, 1), \
                   6 iterations, distances vectorised as ‖x‖² − 2x·μ + ‖μ‖²; distortion after \
                   each assignment and each update; a scatter per iteration and the distortion \
                   curve.",
        seed_figure: "distortion never increases",
        presets: &[],
        run: s0::s0_3,
    },
    Entry {
        id: s(1, 1),
        title: "Own PCA in 2-D",
        seed_did: "10,000 points from N((−1, 2), [[4, 2], [2, 2]]); centred; covariance with \
                   n − 1; eigenpairs sorted descending; share of variance of PC1; data plotted \
                   with both axes; projection; rank-1 approximation μ + ⟨x − μ, v₀⟩v₀; \
                   agreement with the library PCA.",
        seed_figure: "eigenvalues 5.236, 0.764 (of Σ)",
        presets: &[],
        run: s1::s1_1,
    },
    Entry {
        id: s(1, 2),
        title: "PCA by SVD",
        seed_did: "PCA through the SVD of the centred data matrix: the first two components and \
                   the projection on them.",
        seed_figure: "same components as eigh",
        presets: &[],
        run: s1::s1_2,
    },
    Entry {
        id: s(1, 3),
        title: "Explained variance",
        seed_did: "The explained variance ratio per component; the smallest d reaching 95 %; \
                   n_components given as a fraction (0.95).",
        seed_figure: "d = 154 for 95 %",
        presets: &[],
        run: s1::s1_3,
    },
    Entry {
        id: s(1, 4),
        title: "Incremental, randomized and kernel PCA",
        seed_did: "Incremental PCA fed batch by batch and randomized PCA against exact PCA on \
                   MNIST; kernel PCA with an RBF kernel (γ = 0.04) on a curved 3-D data set.",
        seed_figure: "—",
        presets: &[],
        run: s1::s1_4,
    },
    Entry {
        id: s(1, 5),
        title: "PCA before a classifier",
        seed_did: "A tabular data set (any CSV): standardise, reduce to 2 components, classify.",
        seed_figure: "—",
        presets: &[],
        run: s1::s1_5,
    },
    Entry {
        id: s(1, 6),
        title: "A linear autoencoder finds PCA's subspace",
        seed_did: "60 points of generate_3d_data (w1 = 0.1, w2 = 0.3, noise 0.1), centred; \
                   Dense 3→2 and Dense 2→3 without activations; MSE; SGD lr 1.5; the 2-D codes \
                   plotted; the subspace compared with PCA's.",
        seed_figure: "same subspace as PCA",
        presets: &[presets::S1_6],
        run: s1::s1_6,
    },
    Entry {
        id: s(1, 7),
        title: "Stacked autoencoder, t-SNE of its codes",
        seed_did: "784→100→30 (SELU) and 30→100→784 (SELU, sigmoid); binary cross-entropy; SGD \
                   lr 1.5; 20 epochs; 55,000 / 5,000 split; rounded accuracy; 5 \
                   reconstructions; a 2-D t-SNE of the validation codes coloured by label, with \
                   image thumbnails.",
        seed_figure: "rounded accuracy about 0.93",
        presets: &[presets::S1_7],
        run: s1::s1_7,
    },
    Entry {
        id: s(1, 8),
        title: "Convolutional autoencoder with pooling",
        seed_did: "Conv 16, 32, 64 (k3, same, SELU), each followed by 2 × 2 max-pooling \
                   (28→14→7→3); transposed convolutions 64→32 (valid), 32→16 and 16→1 (same, \
                   sigmoid) back to 28 × 28.",
        seed_figure: "—",
        presets: &[presets::S1_8],
        run: s1::s1_8,
    },
    Entry {
        id: s(1, 9),
        title: "Recurrent autoencoder",
        seed_did: "Named in the lecture: rows as a sequence, an LSTM encoder to 30, repeated, an \
                   LSTM decoder, a per-row dense sigmoid.",
        seed_figure: "—",
        presets: &[presets::S1_9, presets::S1_7],
        run: s1::s1_9,
    },
    Entry {
        id: s(1, 10),
        title: "Denoising stacked autoencoder",
        seed_did: "The stacked autoencoder of S1.7 trained on corrupted inputs: Gaussian noise \
                   σ = 0.2, and the dropout (0.5) variant; 10 epochs; noisy inputs and outputs \
                   shown.",
        seed_figure: "—",
        presets: &[presets::S1_10],
        run: s1::s1_10,
    },
    Entry {
        id: s(1, 11),
        title: "Sigmoid autoencoder",
        seed_did: "784→256→128→256→784, every layer sigmoid; MSE; Adam; batch 128; 100 epochs; a \
                   4 × 4 grid of test reconstructions.",
        seed_figure: "—",
        presets: &[presets::S1_11],
        run: s1::s1_11,
    },
    Entry {
        id: s(1, 12),
        title: "Recognition with the learned code",
        seed_did: "100 labelled training images and 100 test images; each test image takes the \
                   label of its nearest training image in code space; accuracy.",
        seed_figure: "—",
        presets: &[presets::S1_7],
        run: s1::s1_12,
    },
    Entry {
        id: s(2, 1),
        title: "Hand-derived gradients",
        seed_did: "h = relu(W₁x + b₁), x̂ = relu(W₂h + b₂), L = mean ‖x − x̂‖²: the gradients \
                   derived by hand, implemented, and checked against automatic differentiation.",
        seed_figure: "gradients match autograd",
        presets: &[],
        run: s2::s2_1,
    },
    Entry {
        id: s(2, 2),
        title: "Shallow autoencoder",
        seed_did: "784→32 ReLU →784 sigmoid; binary cross-entropy; Adam; 5 epochs; 15 \
                   reconstructions; 12 encoder weight images; on MNIST and Fashion-MNIST. \
                   Printed (Fashion-MNIST) train loss 0.2835.",
        seed_figure: "Fashion-MNIST train BCE 0.2835",
        presets: &[presets::S2_2],
        run: s2::s2_2,
    },
    Entry {
        id: s(2, 3),
        title: "Deep autoencoder",
        seed_did: "784→128→32→128→784 (ReLU, sigmoid out); BCE; 10 epochs; on MNIST and \
                   Fashion-MNIST. Printed (Fashion-MNIST) 0.2729.",
        seed_figure: "Fashion-MNIST train BCE 0.2729",
        presets: &[presets::S2_3],
        run: s2::s2_3,
    },
    Entry {
        id: s(2, 4),
        title: "Denoising deep autoencoder",
        seed_did: "The deep AE of S2.3 trained noisy → clean with x + 0.2·N(0, 1) clipped to \
                   [0, 1]; 10 epochs; rows original / noisy / output. Printed (Fashion-MNIST) \
                   0.2791.",
        seed_figure: "Fashion-MNIST train BCE 0.2791",
        presets: &[presets::S2_4],
        run: s2::s2_4,
    },
    Entry {
        id: s(2, 5),
        title: "Code-size sweep",
        seed_did: "The shallow autoencoder of S2.2 for code sizes 5, 20, 35, 50, 65, 80, 95; 5 \
                   epochs each; final train and test loss against code size, one plot; MNIST \
                   and Fashion-MNIST.",
        seed_figure: "loss falls with code size",
        presets: &[presets::S2_5],
        run: s2::s2_5,
    },
    Entry {
        id: s(3, 1),
        title: "Convolutional denoiser with batch norm",
        seed_did: "Conv 1→8→16 (batch norm)→32, dense 288→128→4; dense 4→128→288, transposed \
                   conv 32→16→8→1 with batch norm, sigmoid; MSE; Adam 1e-3; batch 256; noise \
                   x + 0.3·N(0, 1) clamped; random split 48,000 / 12,000; 30 epochs; rows \
                   original / corrupted / reconstructed. (The main job, `ae denoise --noise \
                   0.3`.)",
        seed_figure: "test PSNR 16.49 dB (its code, run here)",
        presets: &[presets::S3_1],
        run: s3::s3_1,
    },
    Entry {
        id: s(3, 2),
        title: "Generation from random latents",
        seed_did: "9 latents drawn uniform in [0, 1)^4, decoded by the S3.1 decoder; a 3 × 3 \
                   grid.",
        seed_figure: "—",
        presets: &[presets::S3_1],
        run: s3::s3_2,
    },
    Entry {
        id: s(3, 3),
        title: "Clustering the codes",
        seed_did: "k-means (10) on the encoder outputs of the training images; accuracy after \
                   the best one-to-one relabelling (Kuhn–Munkres on the confusion matrix); the \
                   confusion matrix and the assignment. Printed 72.04 %.",
        seed_figure: "accuracy 0.7204",
        presets: &[presets::S3_1],
        run: s3::s3_3,
    },
    Entry {
        id: s(4, 1),
        title: "PCA (30) reconstructions",
        seed_did: "PCA with 30 components by eigendecomposition of the centred covariance; the \
                   ten test digits 9705–9714 (one per class) reconstructed; each one's squared \
                   error, beside the deep autoencoder's (S4.2).",
        seed_figure: "—",
        presets: &[],
        run: s4::s4_1,
    },
    Entry {
        id: s(4, 2),
        title: "Deep autoencoder vs PCA",
        seed_did: "784→512→256→128→30 and 30→128→256→784, ReLU everywhere (output too); MSE; \
                   Adam 3e-4; batch 256; 10 epochs; the ten test digits of S4.1 beside PCA-30. \
                   Printed train MSE 0.0206.",
        seed_figure: "train MSE 0.0206",
        presets: &[presets::S4_2],
        run: s4::s4_2,
    },
    Entry {
        id: s(4, 3),
        title: "Undercomplete autoencoders",
        seed_did: "784→x→784 ReLU for x ∈ {64, 128, 256}; 10 epochs. Printed train MSE 0.0120, \
                   0.0070, 0.0043.",
        seed_figure: "train MSE 0.0120 (x = 64)",
        presets: &[presets::S4_3],
        run: s4::s4_3,
    },
    Entry {
        id: s(4, 4),
        title: "Out-of-distribution inputs",
        seed_did: "Non-digit images (Kuzushiji-MNIST in the seed) and a uniform random image \
                   through the digit-trained autoencoders of S4.3.",
        seed_figure: "much higher error off the digits",
        presets: &[presets::S4_3],
        run: s4::s4_4,
    },
    Entry {
        id: s(4, 5),
        title: "Encoder filters",
        seed_did: "The encoder weights of the S4.3 autoencoders as 28 × 28 images.",
        seed_figure: "—",
        presets: &[presets::S4_3],
        run: s4::s4_5,
    },
    Entry {
        id: s(4, 6),
        title: "Sparse over-complete autoencoder",
        seed_did: "784→1156→784 ReLU with loss MSE + λ‖h‖₁, λ ∈ {4e-6, 1.5e-6, 0.6e-6}; 5 \
                   epochs; hidden activations as 34 × 34 images beside the standard \
                   autoencoder's 16 × 16; filters.",
        seed_figure: "—",
        presets: &[presets::S4_6, presets::S4_3],
        run: s4::s4_6,
    },
    Entry {
        id: s(4, 7),
        title: "Denoising at several noise levels",
        seed_did: "784→256→784 ReLU trained on x + σ·N(0, 1) for σ ∈ {0.3, 0.5, 0.8, 0.9}, and \
                   on salt-and-pepper noise; 5 epochs each; noisy inputs through the standard \
                   autoencoder and through the denoising ones; filters.",
        seed_figure: "the denoiser is closer",
        presets: &[presets::S4_7, presets::S4_3],
        run: s4::s4_7,
    },
    Entry {
        id: s(4, 8),
        title: "The manifold: noise in pixel and code space",
        seed_did: "Random moves in pixel space leave the digit manifold; an autoencoder \
                   784→64→8→64→784 ReLU (10 epochs, printed 0.0406) has noise of scale 0.1, \
                   0.5, 0.8 and 500 added to the 8-d code of a digit, then decoded.",
        seed_figure: "train MSE 0.0406",
        presets: &[presets::S4_8],
        run: s4::s4_8,
    },
    Entry {
        id: s(4, 9),
        title: "Convolutional autoencoders: unpooling and deconvolution",
        seed_did: "Encoder Conv 1→8, 8→16, 16→16 (k3, p1, ReLU), each followed by 2 × 2 \
                   max-pooling (28→14→7→3); decoders (a) max-unpooling with the pooling indices \
                   + convolutions, (b) transposed convolutions, (c) unpooling + transposed \
                   convolutions; MSE; Adam 1e-3; 5 epochs. Printed (a) train MSE 0.0085.",
        seed_figure: "(a) train MSE 0.0085",
        presets: &[presets::S4_9A, presets::S4_9B, presets::S4_9C],
        run: s4::s4_9,
    },
    // Beyond the seeds: the seed columns hold what the experiment does and the literature's
    // figure.
    Entry {
        id: ExperimentId::beyond(1, 1),
        title: "Deep autoencoder against PCA across code sizes",
        seed_did: "Hinton & Salakhutdinov's deep autoencoder 784-1000-500-250-d (ReLU, linear \
                   code, sigmoid output, MSE, Adam with warm-up and a cosine schedule, images \
                   shifted by up to a pixel, trained end to end) against PCA-d for d = 2, 4, 8, 16, 30, 64, on MNIST and \
                   Fashion-MNIST: test SSE per image against d.",
        seed_figure: "MNIST d = 30: deep AE 3.00, PCA 13.87 (Science 2006)",
        presets: &[presets::B1_1],
        run: b1::b1_1,
    },
    Entry {
        id: ExperimentId::beyond(1, 2),
        title: "A strong denoiser: U-Net against PCA and S3.1",
        seed_did: "A small U-Net (skip connections, batch norm) trained on fresh Gaussian noise \
                   every batch, against the noisy input, PCA's best projection and the seed's \
                   S3.1, for σ = 0.1, 0.3, 0.5, 0.8, on MNIST and Fashion-MNIST. (`ae denoise \
                   --model b1.2`.)",
        seed_figure: "S3.1 at σ 0.3: 16.60 dB",
        presets: &[presets::B1_2, presets::S3_1],
        run: b1::b1_2,
    },
    Entry {
        id: ExperimentId::beyond(1, 3),
        title: "Variational autoencoders",
        seed_did: "Dense (784-400-d) and convolutional VAEs, reparameterisation trick, Bernoulli \
                   cross-entropy + KL: test negative ELBO in nats, samples from the prior, the \
                   2-d latent manifold and scatter, interpolation.",
        seed_figure: "dense d = 20, 10 epochs: about 105–107 nats (PyTorch examples)",
        presets: &[presets::B1_3A, presets::B1_3B],
        run: b1::b1_3,
    },
    Entry {
        id: ExperimentId::beyond(1, 4),
        title: "Anomalies by reconstruction error",
        seed_did: "B1.1's deep AE at d = 30, trained on MNIST (and on Fashion-MNIST), scores each \
                   test image of its own data set and of the other by its reconstruction error: \
                   the ROC area of the error with the other data set as anomalies, the \
                   false-positive rate at 95 % of them caught, the images it gets most wrong. \
                   (`ae anomaly`.)",
        seed_figure: "—",
        presets: &[presets::B1_1],
        run: b1::b1_4,
    },
    Entry {
        id: ExperimentId::beyond(1, 5),
        title: "One-class novelty detection",
        seed_did: "For each class of MNIST and of Fashion-MNIST, B1.1's deep AE (d = 30) trained \
                   on that class's training images alone (60 epochs) scores every test image by \
                   its reconstruction error, the class's as normal and the nine others' as \
                   anomalies (the benchmark of Ruff et al. 2018): ROC area per class and its \
                   mean, the anomaly each model reconstructs best. (`ae train --classes C`, \
                   `ae anomaly`.)",
        seed_figure: "One-Class Deep SVDD, MNIST, mean ROC area over the classes 0.948 (Ruff et al. 2018)",
        presets: &[presets::B1_1],
        run: b1::b1_5,
    },
    Entry {
        id: ExperimentId::beyond(2, 1),
        title: "Deep clustering: from k-means on pixels to N2D",
        seed_did: "All 70,000 images of MNIST and of Fashion-MNIST clustered by k-means on \
                   pixels, PCA-50 + k-means, the seed's S3.3 codes + k-means, a clustering AE's \
                   codes + k-means, UMAP + Gaussian mixture, ours (N2D's recipe: AE → UMAP → \
                   mixture) and ours followed by a self-labelling CNN: accuracy after Kuhn–Munkres relabelling, NMI, ARI, seconds. (`ae cluster`.)",
        seed_figure: "N2D: MNIST 0.979, Fashion-MNIST 0.672 (McConville et al. 2020)",
        presets: &[presets::B2_1, presets::S3_1],
        run: b2::b2_1,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ordered_and_round_trip() {
        for w in CATALOGUE.windows(2) {
            assert!(w[0].id < w[1].id, "{} before {}", w[0].id, w[1].id);
        }
        for e in CATALOGUE {
            assert_eq!(e.id.to_string().parse::<ExperimentId>().unwrap(), e.id);
        }
        assert_eq!(CATALOGUE.len(), 38);
    }

    #[test]
    fn selection_by_id_and_by_seed() {
        let ids = |s: &str| -> Vec<String> {
            select(Some(s))
                .unwrap()
                .iter()
                .map(|e| e.id.to_string())
                .collect()
        };
        assert_eq!(ids("S1.1"), ["S1.1"]);
        assert_eq!(ids("s1").len(), 12);
        assert_eq!(ids("S3.3,S0.2,S3.3"), ["S0.2", "S3.3"]);
        assert_eq!(ids("b1"), ["B1.1", "B1.2", "B1.3", "B1.4", "B1.5"]);
        assert_eq!(ids("B1.2,S4.9"), ["S4.9", "B1.2"]);
        let e = select(Some("S9")).unwrap_err().to_string();
        assert!(e.contains("'S9'"), "{e}");
        assert!(select(Some("S1.99")).is_err());
        assert_eq!(select(None).unwrap().len(), CATALOGUE.len());
    }
}
