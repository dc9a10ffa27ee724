//! S2.1: the gradients of seed 002's two-layer ReLU autoencoder, derived by hand and computed
//! with ndarray (no autograd); a test checks them against libtorch's autograd.
//!
//! h = relu(W₁x + b₁), x̂ = relu(W₂h + b₂), L = mean over the n × d entries of (x − x̂)².
//! With Z₁ = XW₁ᵀ + b₁, H = relu(Z₁), Z₂ = HW₂ᵀ + b₂, X̂ = relu(Z₂) for a batch X (n × d):
//!
//! - ∂L/∂X̂ = 2(X̂ − X)/(nd),  ∂L/∂Z₂ = ∂L/∂X̂ ⊙ 𝟙(Z₂ > 0)
//! - ∂L/∂W₂ = (∂L/∂Z₂)ᵀH,  ∂L/∂b₂ = Σ_rows ∂L/∂Z₂
//! - ∂L/∂H = (∂L/∂Z₂)W₂,  ∂L/∂Z₁ = ∂L/∂H ⊙ 𝟙(Z₁ > 0)
//! - ∂L/∂W₁ = (∂L/∂Z₁)ᵀX,  ∂L/∂b₁ = Σ_rows ∂L/∂Z₁

use ndarray::{Array1, Array2, ArrayView2, Axis};

/// The parameters: W₁ (m × d), b₁ (m), W₂ (d × m), b₂ (d).
#[derive(Debug, Clone, PartialEq)]
pub struct TwoLayerRelu {
    /// Encoder weights.
    pub w1: Array2<f64>,
    /// Encoder bias.
    pub b1: Array1<f64>,
    /// Decoder weights.
    pub w2: Array2<f64>,
    /// Decoder bias.
    pub b2: Array1<f64>,
}

/// ∂L/∂ of each parameter, in the parameters' shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    /// ∂L/∂W₁.
    pub w1: Array2<f64>,
    /// ∂L/∂b₁.
    pub b1: Array1<f64>,
    /// ∂L/∂W₂.
    pub w2: Array2<f64>,
    /// ∂L/∂b₂.
    pub b2: Array1<f64>,
}

fn relu(z: &Array2<f64>) -> Array2<f64> {
    z.mapv(|v| v.max(0.0))
}

fn relu_gate(upstream: Array2<f64>, z: &Array2<f64>) -> Array2<f64> {
    upstream * &z.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 })
}

impl TwoLayerRelu {
    /// The reconstruction of a batch (one example per row).
    pub fn forward(&self, x: &ArrayView2<f64>) -> Array2<f64> {
        let h = relu(&(x.dot(&self.w1.t()) + &self.b1));
        relu(&(h.dot(&self.w2.t()) + &self.b2))
    }

    /// The loss of a batch and its gradients, by the formulas above.
    pub fn loss_and_gradients(&self, x: &ArrayView2<f64>) -> (f64, Gradients) {
        let count = x.len() as f64;
        let z1 = x.dot(&self.w1.t()) + &self.b1;
        let h = relu(&z1);
        let z2 = h.dot(&self.w2.t()) + &self.b2;
        let x_hat = relu(&z2);
        let diff = &x_hat - x;
        let loss = diff.mapv(|v| v * v).sum() / count;
        let d_z2 = relu_gate(diff * (2.0 / count), &z2);
        let d_w2 = d_z2.t().dot(&h);
        let d_b2 = d_z2.sum_axis(Axis(0));
        let d_z1 = relu_gate(d_z2.dot(&self.w2), &z1);
        let d_w1 = d_z1.t().dot(x);
        let d_b1 = d_z1.sum_axis(Axis(0));
        (
            loss,
            Gradients {
                w1: d_w1,
                b1: d_b1,
                w2: d_w2,
                b2: d_b2,
            },
        )
    }
}

/// How far the hand-derived gradients are from libtorch's autograd on one random batch.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GradCheck {
    /// |our loss − autograd's loss|.
    pub loss_difference: f64,
    /// Per parameter (W1, b1, W2, b2): the largest |ours − autograd| over the largest |autograd|.
    pub max_relative_error: [(String, f64); 4],
    /// Share of hidden units at zero, so that the ReLU gates are exercised.
    pub inactive_hidden_share: f64,
}

/// Runs the check on a random batch (16 × 12 inputs, 5 hidden units) drawn from `seed`.
pub fn check_against_autograd(seed: u64) -> GradCheck {
    use rand::{Rng, SeedableRng};
    use tch::{Kind, Tensor};

    let (n, d, m) = (16usize, 12usize, 5usize);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut r = |rows, cols, s: f64| Array2::from_shape_fn((rows, cols), |_| rng.gen_range(-s..s));
    let x = r(n, d, 1.0).mapv(f64::abs);
    let net = TwoLayerRelu {
        w1: r(m, d, 0.5),
        b1: r(1, m, 0.1).row(0).to_owned(),
        w2: r(d, m, 0.5),
        b2: r(1, d, 0.1).row(0).to_owned().mapv(|v| v + 0.2),
    };
    let (loss, g) = net.loss_and_gradients(&x.view());

    let flat = |a: &Array2<f64>| a.iter().copied().collect::<Vec<_>>();
    let leaf = |a: &[f64], shape: &[i64]| {
        Tensor::from_slice(a)
            .view(shape)
            .to_kind(Kind::Double)
            .set_requires_grad(true)
    };
    let xt = Tensor::from_slice(&flat(&x)).view([n as i64, d as i64]);
    let w1 = leaf(&flat(&net.w1), &[m as i64, d as i64]);
    let b1 = leaf(net.b1.as_slice().expect("owned"), &[m as i64]);
    let w2 = leaf(&flat(&net.w2), &[d as i64, m as i64]);
    let b2 = leaf(net.b2.as_slice().expect("owned"), &[d as i64]);
    let h = xt.matmul(&w1.tr()).g_add(&b1).relu();
    let out = h.matmul(&w2.tr()).g_add(&b2).relu();
    let torch_loss = out.mse_loss(&xt, tch::Reduction::Mean);
    torch_loss.backward();

    let rel = |ours: &[f64], theirs: &Tensor| -> f64 {
        let theirs = Vec::<f64>::try_from(theirs.flatten(0, -1)).unwrap_or_default();
        let scale = theirs.iter().fold(1e-12f64, |a, v| a.max(v.abs()));
        ours.iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs() / scale)
            .fold(0.0, f64::max)
    };
    GradCheck {
        loss_difference: (loss - torch_loss.double_value(&[])).abs(),
        max_relative_error: [
            ("W1".into(), rel(&flat(&g.w1), &w1.grad())),
            ("b1".into(), rel(&g.b1.to_vec(), &b1.grad())),
            ("W2".into(), rel(&flat(&g.w2), &w2.grad())),
            ("b2".into(), rel(&g.b2.to_vec(), &b2.grad())),
        ],
        inactive_hidden_share: h
            .eq(0.0)
            .to_kind(Kind::Double)
            .mean(Kind::Double)
            .double_value(&[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_gradients_match_autograd() {
        for seed in [2, 3, 4] {
            let c = check_against_autograd(seed);
            assert!(c.loss_difference < 1e-12, "{c:?}");
            // Some units must be inactive for the ReLU gates to be tested.
            assert!(c.inactive_hidden_share > 0.0, "{c:?}");
            for (name, err) in &c.max_relative_error {
                assert!(*err < 1e-4, "{name}: max relative error {err}");
            }
        }
    }

    #[test]
    fn bias_gradient_has_its_known_value() {
        let net = TwoLayerRelu {
            w1: Array2::eye(2),
            b1: ndarray::arr1(&[0.1, 0.1]),
            w2: Array2::eye(2),
            b2: ndarray::arr1(&[0.1, 0.1]),
        };
        let x = ndarray::arr2(&[[1.0, 2.0]]);
        let (_, g) = net.loss_and_gradients(&x.view());
        // x̂ = x + 0.2, so ∂L/∂b₂ = 2·0.2/2 = 0.2 for each unit.
        assert!((g.b2[0] - 0.2).abs() < 1e-12 && (g.b2[1] - 0.2).abs() < 1e-12);
    }
}
