//! The catalogue: every experiment id, its title, and the function that runs it.

use anyhow::Result;

use super::{linear, neural, Ctx, Section};

/// One experiment of the catalogue.
pub struct Experiment {
    pub id: &'static str,
    pub title: &'static str,
    pub run: fn(&Ctx) -> Result<Section>,
}

macro_rules! e {
    ($id:literal, $title:literal, $f:path) => {
        Experiment {
            id: $id,
            title: $title,
            run: $f,
        }
    };
}

/// In the order of `EXPERIMENTS.md`, which is the report's order.
pub const ALL: &[Experiment] = &[
    e!("S0.1", "CNN autoencoder (code 32)", neural::s0_1),
    e!("S0.2", "PCA with 32 components", linear::s0_2),
    e!("S0.3", "k-means from scratch", linear::s0_3),
    e!("S1.1", "Own PCA in 2-D", linear::s1_1),
    e!("S1.2", "PCA by SVD", linear::s1_2),
    e!("S1.3", "Explained variance", linear::s1_3),
    e!(
        "S1.4",
        "Incremental, randomized and kernel PCA",
        linear::s1_4
    ),
    e!("S1.5", "PCA before a classifier", linear::s1_5),
    e!(
        "S1.6",
        "A linear autoencoder finds PCA's subspace",
        neural::s1_6
    ),
    e!(
        "S1.7",
        "Stacked autoencoder, t-SNE of its codes",
        neural::s1_7
    ),
    e!(
        "S1.8",
        "Convolutional autoencoder with pooling",
        neural::s1_8
    ),
    e!("S1.9", "Recurrent autoencoder", neural::s1_9),
    e!("S1.10", "Denoising stacked autoencoder", neural::s1_10),
    e!("S1.11", "Sigmoid autoencoder", neural::s1_11),
    e!("S1.12", "Recognition with the learned code", neural::s1_12),
    e!("S2.1", "Hand-derived gradients", neural::s2_1),
    e!("S2.2", "Shallow autoencoder", neural::s2_2),
    e!("S2.3", "Deep autoencoder", neural::s2_3),
    e!("S2.4", "Denoising deep autoencoder", neural::s2_4),
    e!("S2.5", "Code-size sweep", neural::s2_5),
    e!(
        "S3.1",
        "Convolutional denoiser with batch norm",
        neural::s3_1
    ),
    e!("S3.2", "Generation from random latents", neural::s3_2),
    e!("S3.3", "Clustering the codes", neural::s3_3),
    e!("S4.1", "PCA (30) reconstructions", linear::s4_1),
    e!("S4.2", "Deep autoencoder vs PCA", neural::s4_2),
    e!("S4.3", "Undercomplete autoencoders", neural::s4_3),
    e!("S4.4", "Out-of-distribution inputs", neural::s4_4),
    e!("S4.5", "Encoder filters", neural::s4_5),
    e!("S4.6", "Sparse over-complete autoencoder", neural::s4_6),
    e!("S4.7", "Denoising at several noise levels", neural::s4_7),
    e!(
        "S4.8",
        "The manifold: noise in pixel and code space",
        neural::s4_8
    ),
    e!(
        "S4.9",
        "Convolutional autoencoders: unpooling and deconvolution",
        neural::s4_9
    ),
];
