//! What keeps a run safe at the model level: a non-finite validation loss stops training with
//! the last good checkpoint kept; a weights file or checkpoint that does not fit the model is
//! refused naming each difference; libtorch's errors come without their C++ backtrace.

use ae_models::checkpoint::Checkpoint;
use ae_models::{images_tensor, Error, Loss, Model, OptimizerConfig, TrainConfig, Trainer};
use tch::{Device, Tensor};

fn config(epochs: usize, lr: f64) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 16,
        drop_remainder: false,
        optimizer: OptimizerConfig::Adam {
            lr,
            weight_decay: 0.0,
        },
        loss: Loss::Mse,
        l1: 0.0,
        noise: None,
        seed: 3,
        augment: None,
        beta: 1.0,
        lr_schedule: Default::default(),
        warmup_epochs: 0,
        patience: None,
        keep_best: false,
        precision: ae_models::Precision::Fp32,
    }
}

fn images(n: usize, value: f32) -> ndarray::Array2<f32> {
    ndarray::Array2::from_shape_fn((n, 784), |(i, p)| ((i * 7 + p) % 13) as f32 / 13.0 * value)
}

#[test]
fn a_nan_validation_loss_stops_the_run_and_keeps_the_last_good_checkpoint() {
    let model_config = ae_models::presets::S2_2.model();
    let shape = model_config.input_shape();
    let train = images_tensor(&images(64, 1.0), &shape, Device::Cpu).unwrap();
    let good_val = images_tensor(&images(16, 1.0), &shape, Device::Cpu).unwrap();
    let mut nan_val = images(16, 1.0);
    nan_val[[3, 100]] = f32::NAN;
    let nan_val = images_tensor(&nan_val, &shape, Device::Cpu).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("checkpoint");

    let mut model = Model::build(&model_config, Device::Cpu).unwrap();
    Trainer::new(config(1, 1e-3))
        .unwrap()
        .checkpoint_to(&ck)
        .fit(&mut model, &train, Some(&good_val), false, &mut |_| {})
        .unwrap();
    let err = Trainer::new(config(3, 1e-3))
        .unwrap()
        .checkpoint_to(&ck)
        .fit(&mut model, &train, Some(&nan_val), true, &mut |_| {})
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::NonFinite { .. }), "{text}");
    assert!(
        text.starts_with("the validation loss after epoch 2 became NaN"),
        "{text}"
    );
    assert!(text.contains("the checkpoint after epoch 1"), "{text}");
    assert_eq!(Checkpoint::find(&ck).unwrap().unwrap().epoch(), 1);
}

#[test]
fn resuming_with_other_settings_names_them() {
    let model_config = ae_models::presets::S2_2.model();
    let x = images_tensor(&images(32, 1.0), &model_config.input_shape(), Device::Cpu).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("checkpoint");
    let mut model = Model::build(&model_config, Device::Cpu).unwrap();
    Trainer::new(config(1, 1e-3))
        .unwrap()
        .checkpoint_to(&ck)
        .fit(&mut model, &x, None, false, &mut |_| {})
        .unwrap();
    let err = Trainer::new(config(2, 5e-3))
        .unwrap()
        .checkpoint_to(&ck)
        .fit(&mut model, &x, None, true, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("optimizer") && err.contains("0.001 → 0.005"),
        "{err}"
    );
    // A half-written checkpoint.new is removed at the start of a run.
    std::fs::create_dir_all(dir.path().join("checkpoint.new")).unwrap();
    Trainer::new(config(2, 1e-3))
        .unwrap()
        .checkpoint_to(&ck)
        .fit(&mut model, &x, None, true, &mut |_| {})
        .unwrap();
    assert!(!dir.path().join("checkpoint.new").exists());
    // A checkpoint whose history disagrees with its position is refused, naming the file.
    let meta = std::fs::read_to_string(ck.join("trainer.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&meta).unwrap();
    json["state"]["epoch"] = 5.into();
    let err = Checkpoint::parse(&ck, json.to_string().as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("trainer.json") && err.contains("5 epochs finished but 2"),
        "{err}"
    );
}

#[test]
fn weights_of_another_model_are_refused_naming_each_difference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    Model::build(&ae_models::presets::S2_2.model(), Device::Cpu)
        .unwrap()
        .save(&path)
        .unwrap();
    let other = ae_models::presets::S2_2.model().with_code_size(7).unwrap();
    let mut model = Model::build(&other, Device::Cpu).unwrap();
    let err = model.load(&path).unwrap_err().to_string();
    assert!(
        err.contains("does not match the model configuration"),
        "{err}"
    );
    assert!(err.contains("in the file, the model has [7"), "{err}");
    let conv = ae_models::presets::S3_1.model();
    let err = Model::build(&conv, Device::Cpu)
        .unwrap()
        .load(&path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("; missing: dec") && err.contains("; not in the model: "),
        "{err}"
    );
}

#[test]
fn libtorch_errors_lose_their_backtrace() {
    let t = Tensor::zeros([2, 3], (tch::Kind::Float, Device::Cpu));
    let raw = t.f_view([7]).unwrap_err();
    let err = Error::from(raw).to_string();
    assert!(err.starts_with("libtorch: "), "{err}");
    assert!(err.contains("shape '[7]' is invalid"), "{err}");
    assert!(
        !err.contains("frame #") && !err.contains("Exception raised"),
        "{err}"
    );
    assert!(std::error::Error::source(&Error::from(t.f_view([7]).unwrap_err())).is_none());
}

#[test]
fn bce_outside_zero_one_is_an_error_not_a_panic() {
    let target = Tensor::full([2, 4], 0.5, (tch::Kind::Float, Device::Cpu));
    let over = Tensor::full([2, 4], 2.0, (tch::Kind::Float, Device::Cpu));
    let err = Loss::Bce.compute(&over, &target).unwrap_err().to_string();
    assert!(
        err.starts_with("invalid loss: bce needs outputs in [0, 1]"),
        "{err}"
    );
    let nan = Tensor::full([2, 4], f64::NAN, (tch::Kind::Float, Device::Cpu));
    let err = Loss::Bce.compute(&nan, &target).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    let err = Loss::Mse
        .compute(&over.view([8]), &target)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("outputs of shape [8] against targets of shape [2, 4]"),
        "{err}"
    );
}
