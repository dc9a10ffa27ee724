//! Our side of `cargo xtask bench-train`: S3.1 (batch 256, Gaussian noise 0.3), S0.1
//! (batch 200, drop remainder), B1.1 (the deep AE, batch 128) and B1.2 (the U-Net denoiser,
//! batch 64, noise 0.3) trained by [`ae_models::Trainer`] on MNIST for a fixed number of
//! batches per epoch; prints each epoch's training images per second, and where each epoch's
//! step time went, as one JSON object, the same shape as `scripts/bench_train.py` prints for
//! PyTorch.
//!
//! `cargo run --release -p ae-models --example bench_train -- --data-dir data [--batches 30]
//! [--epochs 4] [--threads 2] [--precision fp32|bf16] [--models s3.1,s0.1,b1.1,b1.2]`

use std::path::PathBuf;

use ae_data::{Dataset, DatasetId};
use ae_models::images_tensor;
use ae_models::{Event, Model, Precision, Trainer};
use tch::Device;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut data_dir = PathBuf::from("data");
    let (mut batches, mut epochs, mut threads) = (30usize, 4usize, 2i32);
    let mut precision = Precision::Fp32;
    let mut models = "s3.1,s0.1,b1.1,b1.2".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--data-dir" => data_dir = value.into(),
            "--batches" => batches = value.parse()?,
            "--epochs" => epochs = value.parse()?,
            "--threads" => threads = value.parse()?,
            "--precision" => precision = value.parse()?,
            "--models" => models = value,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    tch::set_num_threads(threads);
    // What `ae` does at start (through `ae_models::device::init`).
    ae_models::memory::keep_freed_memory();
    let (runs, fallback) = precision.resolve(Device::Cpu);
    if let Some(why) = fallback {
        eprintln!("bench_train: {why}");
    }
    let data = Dataset::load(DatasetId::Mnist, &data_dir)?;
    let mut out = serde_json::Map::new();
    for id in models.split(',') {
        let model_config = ae_models::Preset::get(id)?.model();
        let mut train = ae_models::Preset::get(id)?.train();
        train.epochs = epochs;
        train.precision = runs;
        let batch_size = train.batch_size;
        let n = (batches * batch_size).min(data.train.len());
        let x = images_tensor(
            &data.train.first(n).to_f32(),
            &model_config.input_shape(),
            Device::Cpu,
        )?;
        let mut model = Model::seeded(&model_config, Device::Cpu, 0)?;
        let mut rates = Vec::new();
        let mut times = Vec::new();
        Trainer::new(train)?.fit(&mut model, &x, None, false, &mut |e| {
            if let Event::EpochEnd(r) = e {
                rates.push(r.images_per_second);
                times.push(serde_json::json!({
                    "train_seconds": n as f64 / r.images_per_second,
                    "steps": r.time.steps,
                    "data": r.time.data,
                    "network": r.time.network,
                    "optimizer": r.time.optimizer,
                }));
            }
        })?;
        out.insert(
            id.into(),
            serde_json::json!({
                "images_per_second": rates,
                "batches": batches,
                "batch_size": batch_size,
                "precision": runs.to_string(),
                "step_times": times,
            }),
        );
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
