//! A finished run's model on one's own images, from Rust rather than the `ae` command: what
//! `ae reconstruct --images` and `ae encode --images` do, in the library calls a program of
//! one's own would make.
//!
//! ```sh
//! cargo run --release -p ae-lab --example apply_run -- RUN IMAGES OUT_DIR
//! ```
//!
//! Every image of IMAGES (a folder, image files at any depth, or a `.npy` array) is brought to
//! the model's size and channels, put through the model, and written as
//! `OUT_DIR/<its name>.png`; the codes go to `OUT_DIR/codes.npy`, one row per image in the
//! order of the names printed.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [run, images, out] = args.as_slice() else {
        return Err("usage: apply_run RUN IMAGES OUT_DIR".into());
    };
    // The run's config.json says which network, its image shape and data set; its weights
    // are checked against that network before they are read.
    let (config, model) = ae_lab::load_run(run, tch::Device::Cpu)?;
    let shape = config.image_shape();
    // `()` draws no progress; the `ae` command passes a progress bar here.
    let read = ae_data::own::load_named(images, shape, false, &())?;
    let pixels = read.images.to_f32();
    let outputs = model.outputs(&pixels)?;
    let codes = model.codes(&pixels)?;
    for (name, output) in read.names.iter().zip(outputs.rows()) {
        let path = out.join(name).with_extension("png");
        ae_data::own::save_png_f32(output, shape, &path)?;
        println!("{}", name.display());
    }
    ae_data::npy::write(&out.join("codes.npy"), &codes)?;
    println!(
        "{} images of {shape} through {}; outputs and codes.npy ({} × {}) in {}",
        read.names.len(),
        run.display(),
        codes.nrows(),
        codes.ncols(),
        out.display()
    );
    Ok(())
}
