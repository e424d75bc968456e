//! Gradient checks of the simplex NMF costs.
//!
//! Each cost exists twice: as fused kernels (`NmfSolver`) and as autodiff
//! tensor ops (`CostFunction::tensor`). The tensor form is checked against
//! central finite differences and forward mode with `check_gradient_params`,
//! and the kernels are checked against the tensor form's reverse mode, on
//! both kernel paths (fused columns for tiny problems, the Gram form above
//! `FUSED_MAX_WORK`).

use ferroflux::autodiff::{check_gradient_params, value_and_gradient, Param, Params, Tensor};
use ferroflux::factorize::objective::FUSED_MAX_WORK;
use ferroflux::factorize::{CostFunction, NmfSolver};
use ferroflux::linalg::{rand_with, randn_with, rng, Matrix};
use ferroflux::optim::Adam;
use proptest::prelude::*;

/// The costs under test: Seed with the Flux example's prior, Seed without a
/// prior, and the Gaussian posterior with and without its prior and ridge.
fn costs() -> Vec<(&'static str, CostFunction)> {
    vec![
        ("seed", CostFunction::seed(0.2, 1.0)),
        ("seed without prior", CostFunction::seed(0.2, 0.0)),
        (
            "gaussian",
            CostFunction::gaussian(0.05, 0.2, 0.3, 1e-3, 0.01),
        ),
        (
            "gaussian, strong prior",
            CostFunction::gaussian(0.5, 0.5, 2.0, 0.05, 1.0),
        ),
        (
            "gaussian without prior",
            CostFunction::gaussian(0.05, 1.0, 0.0, 1e-3, 0.0),
        ),
    ]
}

struct Point {
    a: Matrix,
    w: Matrix,
    h_logits: Matrix,
}

fn point(seed: u64, rows: usize, series: usize, components: usize) -> Point {
    let mut generator = rng(seed);
    Point {
        a: rand_with(&mut generator, rows, series),
        w: rand_with(&mut generator, rows, components),
        h_logits: randn_with(&mut generator, components, series),
    }
}

/// Value and gradients `(f, ∂f/∂W, ∂f/∂H̄)` from the fused kernels.
fn kernel(cost: CostFunction, p: &Point) -> (f64, Matrix, Matrix) {
    let mut solver = NmfSolver::new(
        p.a.clone(),
        p.w.clone(),
        p.h_logits.clone(),
        cost,
        Adam::default(),
    );
    let value = solver.evaluate();
    (
        value,
        solver.gradient_w().clone(),
        solver.gradient_h_logits().clone(),
    )
}

/// The same from reverse mode through the tensor form.
fn reverse(cost: CostFunction, p: &Point) -> (f64, Matrix, Matrix) {
    let a = Tensor::constant(p.a.clone());
    let (value, mut grads) =
        value_and_gradient(|x| cost.tensor(&a, &x[0], &x[1]), &[&p.w, &p.h_logits]);
    let grad_h = grads.pop().unwrap();
    let grad_w = grads.pop().unwrap();
    (value, grad_w, grad_h)
}

fn max_relative_difference(x: &Matrix, y: &Matrix) -> f64 {
    let scale = x.amax().max(y.amax()).max(1e-300);
    (x - y).amax() / scale
}

#[track_caller]
fn assert_kernel_matches_reverse(name: &str, cost: CostFunction, p: &Point, rtol: f64) {
    let (value, grad_w, grad_h) = kernel(cost, p);
    let (want, want_w, want_h) = reverse(cost, p);
    assert!(
        (value - want).abs() <= rtol * want.abs().max(1.0),
        "{name}: kernel value {value}, autodiff value {want}"
    );
    let dw = max_relative_difference(&grad_w, &want_w);
    let dh = max_relative_difference(&grad_h, &want_h);
    assert!(
        dw <= rtol,
        "{name}: ∂f/∂W differs by {dw:e} (relative to its largest entry)"
    );
    assert!(
        dh <= rtol,
        "{name}: ∂f/∂H̄ differs by {dh:e} (relative to its largest entry)"
    );
}

#[test]
fn seed_cost_hand_example() {
    // A = [1], W = [0 0], H̄ = [0; 0]: H = [1/2; 1/2], R = 1, ‖R‖ = 1.
    // f = 1 + c·2·ln(1/2) with c = λ(1 - α) = 0.8.
    // ∂f/∂W = -R·Hᵀ/‖R‖ = [-1/2, -1/2]. ∂f/∂H̄: Wᵀ·R = 0, and the prior's
    // 1 - K·Hᵢ = 0, so the gradient is zero.
    let p = Point {
        a: Matrix::from_element(1, 1, 1.0),
        w: Matrix::zeros(1, 2),
        h_logits: Matrix::zeros(2, 1),
    };
    let (value, grad_w, grad_h) = kernel(CostFunction::seed(0.2, 1.0), &p);
    assert!(
        (value - (1.0 - 1.6 * std::f64::consts::LN_2)).abs() < 1e-15,
        "value {value}"
    );
    assert_eq!(grad_w, Matrix::from_row_slice(1, 2, &[-0.5, -0.5]));
    assert!(grad_h.amax() < 1e-15, "∂f/∂H̄ = {grad_h}");
}

#[test]
fn tensor_costs_pass_gradient_check() {
    let p = point(11, 6, 5, 3);
    for (name, cost) in costs() {
        let w = Param::new(p.w.clone());
        let h_logits = Param::new(p.h_logits.clone());
        let a = Tensor::constant(p.a.clone());
        let ps = Params::new([&w, &h_logits]);
        let report =
            check_gradient_params(&ps, || cost.tensor(&a, &w.tensor(), &h_logits.tensor()));
        assert!(report.passed(1e-6, 1e-8), "{name}: {report}");
    }
}

#[test]
fn fused_kernel_matches_autodiff() {
    let p = point(12, 20, 10, 4);
    for (name, cost) in costs() {
        assert_kernel_matches_reverse(name, cost, &p, 1e-12);
    }
}

#[test]
fn gram_kernel_matches_autodiff() {
    // 64 x 60 x 9 = 34560 multiply-adds per product: above the fused limit.
    let (rows, series, components) = (64, 60, 9);
    assert!(rows * series * components > FUSED_MAX_WORK);
    let p = point(13, rows, series, components);
    for (name, cost) in costs() {
        // The Gram form rearranges ‖R‖², so allow cancellation at the level
        // of 1e-16·‖A‖² relative to the cost.
        assert_kernel_matches_reverse(name, cost, &p, 1e-9);
    }
}

#[test]
fn f32_kernel_close_to_f64() {
    let p = point(14, 20, 10, 4);
    let cast = |m: &Matrix| m.map(|x| x as f32);
    for (name, cost) in costs() {
        let cost32 = match cost {
            CostFunction::Seed { prior } => CostFunction::Seed {
                prior: prior as f32,
            },
            CostFunction::Gaussian {
                inv_variance,
                prior,
                smoothing,
                basis_ridge,
            } => CostFunction::Gaussian {
                inv_variance: inv_variance as f32,
                prior: prior as f32,
                smoothing: smoothing as f32,
                basis_ridge: basis_ridge as f32,
            },
        };
        let mut solver = NmfSolver::new(
            cast(&p.a),
            cast(&p.w),
            cast(&p.h_logits),
            cost32,
            Adam::default(),
        );
        let value = solver.evaluate() as f64;
        let (want, want_w, _) = kernel(cost, &p);
        assert!(
            (value - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{name}: f32 {value}, f64 {want}"
        );
        let grad_w = solver.gradient_w().map(|x| x as f64);
        let dw = max_relative_difference(&grad_w, &want_w);
        assert!(dw <= 1e-4, "{name}: f32 ∂f/∂W differs by {dw:e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn kernels_match_autodiff_on_random_shapes(
        rows in 1usize..8,
        series in 1usize..8,
        components in 1usize..5,
        seed in 0u64..1000,
        which in 0usize..5,
    ) {
        let p = point(seed, rows, series, components);
        let (name, cost) = costs()[which];
        assert_kernel_matches_reverse(name, cost, &p, 1e-11);
    }
}
