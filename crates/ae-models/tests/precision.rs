//! bfloat16 mixed precision against FP32: the same run in both agrees within a stated
//! tolerance, the weights stay FP32, and on a CPU with bfloat16 products the arithmetic really
//! changed (so the comparison is not FP32 against itself).

use ae_models::precision::cpu_bf16;
use ae_models::{images_tensor, presets, Model, Precision, Preset, Trainer};
use tch::{Device, Kind, Tensor};

/// Relative difference allowed between the final training and validation losses of the two
/// precisions (the 1 %): bfloat16 keeps 8 significant bits, so each product is off by
/// up to 0.4 %, but the errors average out over the sums; measured here 0.005–0.13 %.
const TOLERANCE: f64 = 0.01;

/// Blurred bars at seeded places on a faint speckle, in [0, 1].
fn images(n: usize, seed: u64) -> ndarray::Array2<f32> {
    let mut state = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    ndarray::Array2::from_shape_fn((n, 784), |(i, p)| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let speckle = (state >> 40) as f32 / (1u64 << 24) as f32;
        let (r, c) = ((p / 28) as f32, (p % 28) as f32);
        let centre = 4.0 + ((i * 7 + seed as usize) % 20) as f32;
        let bar = (-((if i % 2 == 0 { r } else { c }) - centre).powi(2) / 6.0).exp();
        (0.8 * bar + 0.2 * speckle).clamp(0.0, 1.0)
    })
}

/// Trains `preset` for 3 epochs in `precision`; returns the last epoch's training and
/// validation losses and every weight's type.
fn run(preset: &Preset, precision: Precision) -> (f64, f64, Vec<Kind>) {
    let shape = preset.model().input_shape();
    let train = images_tensor(&images(256, 1), &shape, Device::Cpu).unwrap();
    let val = images_tensor(&images(64, 2), &shape, Device::Cpu).unwrap();
    let mut config = preset.train();
    config.epochs = 3;
    config.batch_size = 32;
    config.precision = precision;
    let mut model = Model::seeded(&preset.model(), Device::Cpu, 3).unwrap();
    let history = Trainer::new(config)
        .unwrap()
        .fit(&mut model, &train, Some(&val), false, &mut |_| {})
        .unwrap();
    let last = history.epochs.last().unwrap();
    let kinds = model
        .named_parameters()
        .iter()
        .map(|(_, t)| t.kind())
        .collect();
    (last.train_loss, last.val_loss.unwrap(), kinds)
}

fn compare(preset: &Preset) {
    let (train32, val32, _) = run(preset, Precision::Fp32);
    let (train16, val16, kinds) = run(preset, Precision::Bf16);
    assert!(kinds.iter().all(|k| *k == Kind::Float), "{kinds:?}");
    for (what, a, b) in [("train", train32, train16), ("validation", val32, val16)] {
        let rel = (a - b).abs() / a;
        assert!(
            rel < TOLERANCE,
            "{}: {what} loss fp32 {a} vs bf16 {b} ({rel:.4} apart)",
            preset.id
        );
        if cpu_bf16().is_some() {
            // Products rounded to 8 bits cannot give the very same losses.
            assert_ne!(a, b, "{}: {what} loss unchanged by bf16", preset.id);
        } else {
            // Without bfloat16 products the run falls back to FP32, exactly.
            assert_eq!(a, b, "{}: {what} loss", preset.id);
        }
    }
}

// One test, so that the two runs of each model see libtorch's global generator in turn.
#[test]
fn bf16_and_fp32_agree_on_a_dense_and_a_convolutional_model() {
    compare(&presets::S2_3);
    compare(&presets::S3_1);
    // Autocast is off again once training returns.
    let a = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
    assert_eq!(a.matmul(&a.tr()).kind(), Kind::Float);
}
