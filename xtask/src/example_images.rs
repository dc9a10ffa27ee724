//! `cargo xtask example-images`: writes the coloured-shapes image folder of the README's "Your
//! own images" example (circles, crosses, squares, triangles; one subfolder per class).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Folder to write (its class subfolders are replaced file by file).
    #[arg(long, default_value = "data/shapes")]
    out: PathBuf,
    /// Images per class.
    #[arg(long, default_value_t = 500)]
    per_class: usize,
    /// Side of each image in pixels.
    #[arg(long, default_value_t = 32)]
    size: u32,
    /// Seed of colours, sizes and places.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn run(args: &Args) -> Result<()> {
    let start = Instant::now();
    let files = ae_data::shapes::write_shapes(&args.out, args.per_class, args.size, args.seed)
        .with_context(|| format!("writing shapes into {}", args.out.display()))?;
    eprintln!(
        "example-images: {} PNG images of {s} × {s} colour pixels ({} classes) in {} ({:.1} s); \
         try `cargo run --release -p ae-cli -- pca --dataset {} --components 16`",
        files.len(),
        ae_data::shapes::SHAPE_CLASSES.len(),
        args.out.display(),
        start.elapsed().as_secs_f64(),
        args.out.display(),
        s = args.size,
    );
    Ok(())
}
