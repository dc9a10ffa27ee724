//! Beyond the seeds (B2): clustering whole data sets. B2.1 climbs the ladder of `ae cluster`'s
//! methods, from k-means on pixels to ours (N2D's recipe) and a self-labelling step after it, on MNIST and Fashion-MNIST (all 70,000 images in the
//! full profile, the first ones in the others).

use ae_data::DatasetId;
use serde_json::json;

use crate::cluster::{cluster, ClusterConfig, ClusterPlace, Method};
use crate::experiment::Experiment;
use crate::Result;

/// Images and network epochs of a profile: all images and the presets' epochs in the full
/// profile, the profile's training-set size and epoch cap otherwise.
fn scale(ex: &Experiment<'_>) -> (Option<usize>, Option<usize>) {
    let images = ex.lab.profile.train_size.map(|n| n.max(1000));
    (images, ex.lab.profile.max_epochs)
}

/// B2.1: every method on both data sets: accuracy, NMI, ARI and time, with the pictures.
pub fn b2_1(ex: &mut Experiment<'_>) -> Result<()> {
    let (images, epochs) = scale(ex);
    let mut table = serde_json::Map::new();
    for id in [DatasetId::Mnist, DatasetId::FashionMnist] {
        let dir = ex.dir.join(id.name());
        let mut per_method = serde_json::Map::new();
        for method in Method::ALL {
            let config = ClusterConfig {
                images,
                epochs,
                precision: ex.lab.precision,
                ..ClusterConfig::new(id, method)
            };
            let out = dir.join(method.name());
            let m = cluster(
                &config,
                &ClusterPlace {
                    out: &out,
                    models: &dir.join("models"),
                    data: ex.lab.data,
                    device: ex.lab.device,
                    progress: ex.lab.progress,
                    stop: ex.lab.stop,
                },
            )?;
            let s = m.scored()?;
            let purity = s.neighbour_purity.as_ref();
            let in_cluster = m.neighbours_in_cluster.as_ref();
            ex.row(
                &format!("{id}: {}", method.describe()),
                "—",
                format!(
                    "ACC {:.4}, NMI {:.4}, ARI {:.4}, {:.0} s{}{}",
                    s.accuracy,
                    s.nmi,
                    s.ari,
                    m.seconds_from_scratch,
                    purity
                        .map(|p| format!("; neighbours share the label {:.3}", p.overall))
                        .unwrap_or_default(),
                    in_cluster
                        .map(|c| format!(", the cluster {:.3}", c.overall))
                        .unwrap_or_default()
                ),
            );
            per_method.insert(
                method.name().to_owned(),
                json!({"accuracy": s.accuracy, "nmi": s.nmi, "ari": s.ari,
                       "neighbour_purity": purity, "neighbours_in_cluster": in_cluster,
                       "seconds": m.seconds_from_scratch, "network_seconds": m.network_seconds,
                       "images": m.images, "stages": m.stages}),
            );
        }
        table.insert(id.name().to_owned(), per_method.into());
        let ours = dir.join(Method::N2d.name());
        for (file, what) in [
            (
                "map-labels.png",
                "a 2-D UMAP of the clustered embedding, coloured by label",
            ),
            ("members.png", "ten random members of each cluster"),
            (
                "least-confident.png",
                "the 20 images the mixture is least sure of",
            ),
            ("confusion.png", "clusters against labels"),
        ] {
            ex.figure(&ours.join(file), &format!("{id}, ours: {what}."));
        }
    }
    for (key, value) in table {
        ex.metric(&key, value)?;
    }
    ex.config("images", images.map_or(json!("all 70,000"), |n| json!(n)))?;
    ex.note(
        "All images of train and test together, as the literature scores deep clustering; labels \
         only score. Published on all 70,000: N2D 0.979 (MNIST) and 0.672 (Fashion-MNIST), \
         DEC-DA 0.985 and 0.586, IMSAT 0.984 (MNIST).",
    );
    Ok(())
}
