//! Composite gradient checks through the facade: a two-layer network, the
//! least-squares loss of the Flux tutorial and the simplex-NMF cost
//! `‖A - W·softmax(H̄)‖ - (α - 1)·Σ log_softmax(H̄)`, each against a
//! hand-derived gradient, central finite differences and forward mode.
//!
//! Tolerances (f64): finite differences `rtol = 1e-6`, `atol = 1e-7`
//! (central differences with step `ε^(1/3)` are accurate to about 1e-10
//! relative here); closed forms and forward mode agree with reverse mode to
//! 1e-12.

use ferroflux::autodiff::testing::{any_shape_matrix, matrix};
use ferroflux::autodiff::{
    check_gradient, check_gradient_params, gradient, jvp, value_and_gradient, with_gradient,
    Matrix, Param, Params, Tensor,
};
use proptest::prelude::*;

const FD_RTOL: f64 = 1e-6;
const FD_ATOL: f64 = 1e-7;

/// Monthly sea-surface temperature (°C) of the Niño 1+2 region for
/// 1950-1959: rows are months January to December, columns are years.
/// Source: `statsmodels` 0.15.0, `statsmodels/datasets/elnino/elnino.csv`
/// (public domain; NOAA ERSST.V3B), as copied to the shared data folder
/// `elnino_sst_monthly_12x61.csv`, first 10 columns.
fn elnino_1950s() -> Matrix {
    const ROWS: [[f64; 10]; 12] = [
        [
            23.11, 24.19, 24.52, 24.15, 23.02, 23.75, 23.24, 23.13, 24.89, 23.97,
        ],
        [
            24.20, 25.28, 26.21, 26.34, 25.00, 24.82, 24.71, 26.30, 26.55, 25.90,
        ],
        [
            25.37, 25.60, 26.37, 27.36, 25.33, 25.14, 25.90, 27.63, 27.09, 26.94,
        ],
        [
            23.86, 25.37, 24.73, 27.03, 22.97, 24.22, 24.66, 27.15, 26.37, 25.84,
        ],
        [
            23.03, 24.79, 23.71, 25.47, 21.73, 22.16, 23.14, 26.72, 24.71, 24.23,
        ],
        [
            21.57, 24.69, 22.34, 23.49, 20.77, 21.20, 22.04, 25.04, 23.23, 22.57,
        ],
        [
            20.63, 23.86, 20.89, 22.20, 19.52, 20.46, 21.47, 23.83, 22.31, 21.50,
        ],
        [
            20.15, 22.32, 20.02, 21.45, 19.33, 19.63, 20.55, 22.34, 20.72, 20.15,
        ],
        [
            19.67, 21.44, 19.63, 21.25, 18.95, 19.24, 19.89, 21.80, 20.62, 20.23,
        ],
        [
            20.03, 21.77, 20.40, 20.95, 19.11, 19.16, 19.69, 21.80, 21.05, 20.86,
        ],
        [
            20.02, 22.33, 20.77, 21.60, 20.27, 19.84, 20.57, 22.39, 21.52, 21.88,
        ],
        [
            21.80, 22.89, 22.39, 22.44, 21.30, 21.19, 21.58, 23.69, 22.50, 22.55,
        ],
    ];
    Matrix::from_fn(12, 10, |i, j| ROWS[i][j])
}

#[test]
fn elnino_excerpt_matches_shared_file() {
    // Guards the copied numbers against the shared data file when it is
    // present; the test data itself lives above.
    let path = "/work/shared/data/elnino_sst_monthly_12x61.csv";
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let a = elnino_1950s();
    for (i, line) in text.lines().skip(1).enumerate() {
        for (j, cell) in line.split(',').take(10).enumerate() {
            let v: f64 = cell.parse().expect("numeric cell");
            assert_eq!(a[(i, j)], v, "row {i}, column {j}");
        }
    }
}

/// The simplex-NMF cost with the Dirichlet(α) log-prior.
fn nmf_cost(a: &Tensor, w: &Tensor, hbar: &Tensor, alpha: f64) -> Tensor {
    let fit = (a - w.matmul(&hbar.softmax())).norm();
    fit - hbar.log_softmax().sum() * (alpha - 1.0)
}

#[test]
fn nmf_cost_matches_hand_derived_gradient() {
    // With H = softmax(H̄), R = A - W·H and k rows of H̄:
    //   ∂/∂W  = -R·Hᵀ / ‖R‖
    //   G     = -Wᵀ·R / ‖R‖                       (gradient w.r.t. H)
    //   ∂/∂H̄ = H∘(G - 1ᵀ(H∘G)) - (α - 1)(1 - k·H)  (softmax VJP, and
    //          ∂ Σ log_softmax/∂H̄ = 1 - k·H per column)
    let a = elnino_1950s();
    let k = 3;
    let w0 = Matrix::from_fn(12, k, |i, j| 20.0 + ((i * 3 + j * 5) % 7) as f64);
    let h0 = Matrix::from_fn(k, 10, |i, j| ((i * 7 + j * 3) % 5) as f64 * 0.4 - 0.8);
    let alpha = 0.5;
    let (w, hbar) = (Param::new(w0.clone()), Param::new(h0.clone()));
    let ps = Params::new([&w, &hbar]);
    let at = Tensor::constant(a.clone());
    let (cost, grads) = with_gradient(&ps, || nmf_cost(&at, &w.tensor(), &hbar.tensor(), alpha));

    let h = ferroflux::linalg::softmax(&h0);
    let r = &a - &w0 * &h;
    let rn = r.norm();
    let log_h = ferroflux::linalg::log_softmax(&h0);
    assert!((cost - (rn - (alpha - 1.0) * log_h.sum())).abs() < 1e-12 * cost.abs());

    let gw = -(&r * h.transpose()) / rn;
    let g = -(w0.transpose() * &r) / rn;
    let mut gh = Matrix::zeros(k, 10);
    for j in 0..10 {
        let s: f64 = (0..k).map(|i| h[(i, j)] * g[(i, j)]).sum();
        for i in 0..k {
            gh[(i, j)] = h[(i, j)] * (g[(i, j)] - s) - (alpha - 1.0) * (1.0 - k as f64 * h[(i, j)]);
        }
    }
    let close = |x: &Matrix, y: &Matrix| (x - y).abs().max() <= 1e-12 * y.abs().max().max(1.0);
    assert!(close(&grads[&w], &gw), "{} vs {}", grads[&w], gw);
    assert!(close(&grads[&hbar], &gh), "{} vs {}", grads[&hbar], gh);

    let report = check_gradient_params(&ps, || nmf_cost(&at, &w.tensor(), &hbar.tensor(), alpha));
    assert!(report.passed(FD_RTOL, FD_ATOL), "{report}");
}

#[test]
fn two_layer_network_hand_derived() {
    // y = w₂·tanh(w₁·x), L = (y - t)²:
    //   ∂L/∂w₂ = 2(y - t)·tanh(w₁x)
    //   ∂L/∂w₁ = 2(y - t)·w₂·(1 - tanh²(w₁x))·x
    let (x, t, w1v, w2v) = (0.5f64, 0.2, 1.5, -0.8);
    let w1 = Param::new(Matrix::from_element(1, 1, w1v));
    let w2 = Param::new(Matrix::from_element(1, 1, w2v));
    let xt = Tensor::constant(Matrix::from_element(1, 1, x));
    let ps = Params::new([&w1, &w2]);
    let grads = gradient(&ps, || {
        let y = w2.tensor().matmul(&w1.tensor().matmul(&xt).tanh());
        y.add_scalar(-t).square().sum()
    });
    let hidden = (w1v * x).tanh();
    let y = w2v * hidden;
    assert!((grads[&w2][0] - 2.0 * (y - t) * hidden).abs() < 1e-15);
    let expected = 2.0 * (y - t) * w2v * (1.0 - hidden * hidden) * x;
    assert!((grads[&w1][0] - expected).abs() < 1e-15);
}

/// A 4-5-3 network with a softmax cross-entropy loss on labels `y`.
#[derive(Debug)]
struct TwoLayer {
    w1: Param,
    b1: Param,
    w2: Param,
    b2: Param,
}

impl TwoLayer {
    fn loss(&self, x: &Tensor, y: &Tensor) -> Tensor {
        let hidden = (self.w1.tensor().matmul(x) + self.b1.tensor()).sigmoid();
        let logits = self.w2.tensor().matmul(&hidden) + self.b2.tensor();
        -(y * logits.log_softmax()).mean()
    }

    fn params(&self) -> Params {
        Params::new([&self.w1, &self.b1, &self.w2, &self.b2])
    }
}

fn two_layer() -> impl Strategy<Value = (TwoLayer, Matrix, Matrix)> {
    (1..=4usize).prop_flat_map(|batch| {
        (
            matrix::<f64>(5, 4, 1.0),
            matrix::<f64>(5, 1, 1.0),
            matrix::<f64>(3, 5, 1.0),
            matrix::<f64>(3, 1, 1.0),
            matrix::<f64>(4, batch, 2.0),
            proptest::collection::vec(0..3usize, batch),
        )
            .prop_map(|(w1, b1, w2, b2, x, labels)| {
                let net = TwoLayer {
                    w1: Param::new(w1),
                    b1: Param::new(b1),
                    w2: Param::new(w2),
                    b2: Param::new(b2),
                };
                let y =
                    Matrix::from_fn(3, labels.len(), |i, j| f64::from(u8::from(labels[j] == i)));
                (net, x, y)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn two_layer_network_gradients((net, x, y) in two_layer()) {
        let (xt, yt) = (Tensor::constant(x), Tensor::constant(y));
        let report = check_gradient_params(&net.params(), || net.loss(&xt, &yt));
        prop_assert!(report.passed(FD_RTOL, FD_ATOL), "{}", report);
    }

    #[test]
    fn two_layer_network_adjoint_in_input((net, x, y) in two_layer(), seed in 0..1000u32) {
        // ⟨1, J·v⟩ = ⟨Jᵀ·1, v⟩ for the scalar loss as a function of the input.
        let yt = Tensor::constant(y);
        let v = Matrix::from_fn(x.nrows(), x.ncols(), |i, j| ((i * 31 + j * 17) as f64 + f64::from(seed)).sin());
        let (_, dloss) = jvp(|x| net.loss(x, &yt), &x, &v);
        let (_, g) = value_and_gradient(|xs| net.loss(&xs[0], &yt), &[&x]);
        let rhs = g[0].dot(&v);
        let scale = dloss[0].abs() + g[0].norm() * v.norm();
        prop_assert!((dloss[0] - rhs).abs() <= 1e-12 * scale);
    }

    #[test]
    fn least_squares_matches_closed_form(
        (w, b, x, y) in (1..=4usize, 1..=5usize, 1..=4usize).prop_flat_map(|(m, n, batch)| (
            matrix::<f64>(m, n, 2.0),
            matrix::<f64>(m, 1, 2.0),
            matrix::<f64>(n, batch, 2.0),
            matrix::<f64>(m, batch, 2.0),
        ))
    ) {
        // L = Σ (W·X .+ b - Y)², R = W·X .+ b - Y: ∂L/∂W = 2R·Xᵀ, ∂L/∂b = 2·R·1.
        let (wp, bp) = (Param::new(w.clone()), Param::new(b.clone()));
        let (xt, yt) = (Tensor::constant(x.clone()), Tensor::constant(y.clone()));
        let loss = || (wp.tensor().matmul(&xt) + bp.tensor() - &yt).powi(2).sum();
        let ps = Params::new([&wp, &bp]);
        let grads = gradient(&ps, loss);

        let mut r = &w * &x - &y;
        for mut col in r.column_iter_mut() {
            col += &b;
        }
        let gw = (&r * x.transpose()) * 2.0;
        let gb = r.column_sum() * 2.0;
        let scale = gw.abs().max().max(gb.abs().max()).max(1.0);
        prop_assert!((&grads[&wp] - gw).abs().max() <= 1e-12 * scale);
        prop_assert!((&grads[&bp] - gb).abs().max() <= 1e-12 * scale);

        let report = check_gradient_params(&ps, loss);
        prop_assert!(report.passed(FD_RTOL, FD_ATOL), "{}", report);
    }

    #[test]
    fn nmf_cost_gradients_on_random_factors(
        (w, hbar) in (1..=4usize).prop_flat_map(|k| (matrix::<f64>(12, k, 1.0), matrix::<f64>(k, 10, 3.0))),
        alpha in 0.1..2.0f64,
    ) {
        let at = Tensor::constant(elnino_1950s());
        let (wp, hp) = (Param::new(w.map(|v| 20.0 + v)), Param::new(hbar));
        let ps = Params::new([&wp, &hp]);
        let report = check_gradient_params(&ps, || nmf_cost(&at, &wp.tensor(), &hp.tensor(), alpha));
        prop_assert!(report.passed(FD_RTOL, FD_ATOL), "{}", report);
    }

    #[test]
    fn user_style_gradient_check(x in any_shape_matrix::<f64>(1..=4, 2.0)) {
        // The pattern docs/autodiff.md shows for users' own suites.
        let report = check_gradient(|x| x.softplus().matmul_tn(&x.tanh()).sum(), &x);
        prop_assert!(report.passed(FD_RTOL, FD_ATOL), "{}", report);
    }
}
