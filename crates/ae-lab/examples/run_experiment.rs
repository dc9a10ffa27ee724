//! Runs one experiment of the catalogue by id, from outside the `ae` command:
//!
//! ```sh
//! cargo run --release -p ae-lab --example run_experiment -- S0.2 [quick|full] [DATA_DIR] [OUT]
//! ```
//!
//! It prints the experiment's table; its figures and `section.json` land in `OUT/<id>/`.

use std::process::ExitCode;

use ae_lab::{catalogue, runner, DataCache, Lab, Profile, Quiet};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> ae_lab::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let id = args.first().map_or("S0.2", String::as_str).parse()?;
    let profile: Profile = args.get(1).map_or("quick", String::as_str).parse()?;
    let data = DataCache::new(args.get(2).map_or("data", String::as_str));
    let out = args.get(3).map_or("runs/example", String::as_str);
    let entry = catalogue::find(id).ok_or_else(|| {
        ae_lab::Error::invalid("experiment id", format!("no {id} in the catalogue"))
    })?;
    let lab = Lab {
        out: out.into(),
        data: &data,
        profile,
        dataset: ae_data::DatasetId::Mnist,
        device: tch::Device::Cpu,
        precision: ae_models::Precision::Fp32,
        progress: &Quiet,
        stop: None,
        catalogue_link: None,
    };
    let section = runner::run_experiment(&lab, entry)?;
    println!(
        "{} {} ({:.1} s)",
        section.id, section.title, section.seconds
    );
    for row in &section.rows {
        println!("  {}: seed {}, ours {}", row.what, row.seed, row.ours);
    }
    Ok(())
}
