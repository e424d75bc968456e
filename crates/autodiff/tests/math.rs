//! Elementwise powers, roots, exponentials and logarithms, and the ops with a
//! scalar constant: hand-derived cases, finite-difference checks and
//! properties.

mod common;

use common::*;
use ferroflux_autodiff::{check_gradient, jvp, value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

#[test]
fn hand_derived_derivatives() {
    // At x = 2: d/dx x³ = 3x² = 12, d/dx √x = 1/(2√2), d/dx eˣ = e², d/dx ln x = 1/2,
    // d/dx |x| = 1, d/dx x^1.5 = 1.5·√2, d/dx ln(1 + x) = 1/3, d/dx (eˣ - 1) = e².
    let x = m(1, 1, &[2.0]);
    let cases: [(&str, UnaryOp, f64); 8] = [
        ("powi", |x| x.powi(3), 12.0),
        ("sqrt", |x| x.sqrt(), 1.0 / (2.0 * 2f64.sqrt())),
        ("exp", |x| x.exp(), 2f64.exp()),
        ("log", |x| x.log(), 0.5),
        ("abs", |x| x.abs(), 1.0),
        ("powf", |x| x.powf(1.5), 1.5 * 2f64.sqrt()),
        ("log1p", |x| x.log1p(), 1.0 / 3.0),
        ("expm1", |x| x.expm1(), 2f64.exp()),
    ];
    for (name, f, expected) in cases {
        let (_, g) = value_and_gradient(|xs| f(&xs[0]).sum(), &[&x]);
        assert!(
            (g[0][0] - expected).abs() < 1e-14,
            "{name}: got {}, expected {expected}",
            g[0][0]
        );
        let (_, dy) = jvp(f, &x, &m(1, 1, &[1.0]));
        assert!((dy[0] - expected).abs() < 1e-14, "{name} forward");
    }
}

#[test]
fn scalar_ops_hand_derived() {
    // y = (3 - x)/2 + 4/x + x·5 - 1 at x = 2:
    // dy/dx = -1/2 - 4/x² + 5 = -0.5 - 1 + 5 = 3.5
    let x = m(1, 1, &[2.0]);
    let (v, g) = value_and_gradient(
        |xs| {
            let x = &xs[0];
            ((3.0 - x) / 2.0 + 4.0 / x + x * 5.0 - 1.0).sum()
        },
        &[&x],
    );
    assert_eq!(v, 0.5 + 2.0 + 10.0 - 1.0);
    assert!((g[0][0] - 3.5).abs() < 1e-15);
}

#[test]
fn finite_differences_at_fixed_points() {
    let x = m(2, 3, &[0.3, 1.7, 0.9, 2.5, 0.1, 1.2]);
    let checks: [fn(&Tensor) -> Tensor; 10] = [
        |x| x.powi(3),
        |x| x.powi(-2),
        |x| x.powf(2.5),
        |x| x.square(),
        |x| x.sqrt(),
        |x| x.exp(),
        |x| x.log(),
        |x| x.log1p(),
        |x| x.expm1(),
        |x| {
            x.add_scalar(2.0)
                .mul_scalar(-3.0)
                .div_scalar(4.0)
                .scalar_div(1.5)
        },
    ];
    for f in checks {
        let report = check_gradient(f, &x);
        assert!(report.passed(FD_RTOL, FD_ATOL), "{report}");
    }
}

#[test]
fn powi_zero_has_zero_derivative_at_zero() {
    // x⁰ = 1 everywhere, so the derivative is 0 even at x = 0 where
    // n·xⁿ⁻¹ would be 0·∞.
    let (_, g) = value_and_gradient(|xs| xs[0].powi(0).sum(), &[&m(1, 1, &[0.0])]);
    assert_eq!(g[0][0], 0.0);
}

#[test]
fn sqrt_at_zero_with_zero_cotangent_is_zero() {
    // y = 0·√x at x = 0: the cotangent of √x is 0, and 0·∞ is taken as 0.
    let (_, g) = value_and_gradient(|xs| (xs[0].sqrt() * 0.0).sum(), &[&m(2, 1, &[0.0, 4.0])]);
    assert_eq!(g[0].as_slice(), &[0.0, 0.0]);
    // With a nonzero cotangent the derivative at 0 is 1/(2·0) = +inf.
    let (_, g) = value_and_gradient(|xs| xs[0].sqrt().sum(), &[&m(1, 1, &[0.0])]);
    assert_eq!(g[0][0], f64::INFINITY);
}

#[test]
fn abs_derivative_at_zero_is_zero() {
    let (_, g) = value_and_gradient(|xs| xs[0].abs().sum(), &[&m(3, 1, &[-1.0, 0.0, 2.0])]);
    assert_eq!(g[0].as_slice(), &[-1.0, 0.0, 1.0]);
}

unary_properties! {
    powi_cube: domain(-3.0, 3.0) => |x: &Tensor| x.powi(3);
    powi_negative: domain(0.5, 3.0) => |x: &Tensor| x.powi(-2);
    powf_positive: domain(0.2, 3.0) => |x: &Tensor| x.powf(1.7);
    square_any: domain(-5.0, 5.0) => |x: &Tensor| x.square();
    sqrt_positive: domain(0.1, 5.0) => |x: &Tensor| x.sqrt();
    abs_away_from_zero: avoiding(5.0, &[0.0], 1e-3) => |x: &Tensor| x.abs();
    exp_any: domain(-3.0, 3.0) => |x: &Tensor| x.exp();
    log_positive: domain(0.1, 5.0) => |x: &Tensor| x.log();
    log1p_above_minus_one: domain(-0.9, 5.0) => |x: &Tensor| x.log1p();
    expm1_any: domain(-3.0, 3.0) => |x: &Tensor| x.expm1();
    scalar_ops: domain(0.5, 3.0) => |x: &Tensor| (2.0 - x.mul_scalar(0.5)).div_scalar(3.0) + 1.0 / x;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn exp_log_round_trip(x in domain(0.1, 5.0)) {
        let y = Tensor::constant(x.clone()).log().exp();
        prop_assert!((y.to_matrix() - &x).abs().max() <= 1e-14 * x.abs().max());
    }

    #[test]
    fn square_matches_powi_two(x in domain(-5.0, 5.0)) {
        let t = Tensor::constant(x);
        prop_assert_eq!(t.square().to_matrix(), t.powi(2).to_matrix());
    }

    #[test]
    fn sqrt_squares_back(x in domain(0.0, 5.0)) {
        let y = Tensor::constant(x.clone()).sqrt().square().to_matrix();
        prop_assert!((y - &x).abs().max() <= 1e-14 * x.abs().max().max(1.0));
    }
}

#[test]
fn f32_matches_f64_values() {
    let x64 = m(1, 2, &[0.5, 1.5]);
    let x32: Matrix<f32> = x64.map(|v| v as f32);
    let y64 = Tensor::constant(x64).exp().log1p().to_matrix();
    let y32 = Tensor::constant(x32).exp().log1p().to_matrix();
    for (a, b) in y64.iter().zip(y32.iter()) {
        assert!((a - f64::from(*b)).abs() < 1e-6);
    }
}
