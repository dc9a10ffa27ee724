//! The flag behind each library parameter, so that an error about `epochs` tells a command-line
//! user which flag to change (`--epochs`).

/// Library parameter names and the flags that set them.
const FLAGS: &[(&str, &str)] = &[
    ("epochs", "--epochs"),
    ("batch_size", "--batch-size"),
    ("lr", "--lr"),
    ("l1", "--l1"),
    ("code_size", "--code-size"),
    ("preset", "--model"),
    ("loss", "--loss"),
    ("device", "--device"),
    ("threads", "--threads"),
    ("dataset", "--dataset"),
    ("train_size", "--train-size"),
    ("validation", "--val"),
    ("classes", "--classes"),
    ("profile", "--profile"),
    ("experiment selection", "--only"),
    ("experiment id", "--only"),
    ("components", "--components"),
    ("k", "--k"),
    ("resume", "--resume"),
    ("overwrite", "--overwrite"),
    ("noise", "--noise"),
    ("noise std", "--noise"),
    ("salt-and-pepper amount", "--noise"),
    ("dropout rate", "--noise"),
    ("n", "--n"),
    ("optimizer", "--optimizer"),
    ("weight_decay", "--weight-decay"),
    ("lr_schedule", "--lr-schedule"),
    ("warmup_epochs", "--warmup"),
    ("patience", "--patience"),
    ("keep_best", "--keep-best"),
    ("beta", "--beta"),
    ("augment", "--augment"),
    ("method", "--method"),
    ("images", "--images"),
    ("umap_epochs", "--umap-epochs"),
    ("precision", "--precision"),
    ("neighbours", "--neighbours"),
    ("min_dist", "--min-dist"),
    ("perplexity", "--perplexity"),
];

/// The parameter an error is about, looking through the whole chain of causes.
fn parameter(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|e| {
        let name = if let Some(e) = e.downcast_ref::<ae_lab::Error>() {
            e.parameter()
        } else if let Some(e) = e.downcast_ref::<ae_models::Error>() {
            e.parameter()
        } else {
            e.downcast_ref::<ae_data::Error>()?.parameter()
        };
        name.map(str::to_owned)
    })
}

/// `err` with the flag of its parameter in front, unless the message already names a flag.
pub fn name_flag(err: anyhow::Error) -> anyhow::Error {
    let Some(param) = parameter(&err) else {
        return err;
    };
    let Some((_, flag)) = FLAGS.iter().find(|(p, _)| *p == param) else {
        return err;
    };
    if format!("{err:#}").contains(flag) {
        return err;
    }
    err.context(*flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_parameters_get_their_flag() {
        let e = anyhow::Error::from(ae_models::Error::invalid("epochs", "must be ≥ 1"));
        assert_eq!(
            format!("{:#}", name_flag(e)),
            "--epochs: invalid epochs: must be ≥ 1"
        );
        let e = anyhow::Error::from(ae_lab::Error::from(ae_models::Error::invalid(
            "code_size",
            "must be ≥ 1",
        )));
        assert!(format!("{:#}", name_flag(e)).starts_with("--code-size: "));
        let e = anyhow::anyhow!("plain");
        assert_eq!(format!("{:#}", name_flag(e)), "plain");
    }
}
