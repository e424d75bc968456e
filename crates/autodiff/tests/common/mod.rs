//! Shared checks and strategies of the op suites.
//!
//! Tolerances, all in f64:
//! - finite differences: central differences with step `h = ε^(1/3)·max(1, |x|)
//!   ≈ 6e-6` have truncation error `O(h²)` and rounding error `O(ε/h)`, about
//!   1e-10 relative for the smooth functions here, so the checks use
//!   `rtol = 1e-6`, `atol = 1e-7`;
//! - forward against reverse mode: both are exact up to rounding, and the
//!   adjoint identity `⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩` holds to 1e-12 relative to
//!   `‖u‖‖J·v‖ + ‖Jᵀ·u‖‖v‖`, which bounds both sides.

#![allow(dead_code)]

use ferroflux_autodiff::{check_gradient, jvp, value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

pub const FD_RTOL: f64 = 1e-6;
pub const FD_ATOL: f64 = 1e-7;
pub const ADJOINT_RTOL: f64 = 1e-12;

/// Matrix from column-major values.
pub fn m(rows: usize, cols: usize, column_major: &[f64]) -> Matrix {
    Matrix::from_column_slice(rows, cols, column_major)
}

/// Asserts elementwise closeness within `tol`.
#[track_caller]
pub fn assert_close(actual: &Matrix, expected: &Matrix, tol: f64) {
    assert_eq!(actual.shape(), expected.shape(), "shapes differ");
    for (a, e) in actual.iter().zip(expected.iter()) {
        assert!(
            (a - e).abs() <= tol,
            "got {actual}expected {expected}(tolerance {tol:e})"
        );
    }
}

/// Checks reverse mode against finite differences and forward mode.
pub fn gradcheck(f: impl Fn(&Tensor) -> Tensor, x: &Matrix) -> Result<(), TestCaseError> {
    let report = check_gradient(f, x);
    prop_assert!(report.passed(FD_RTOL, FD_ATOL), "{}", report);
    Ok(())
}

/// Checks `⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩` for `f` at `x`, with `u` the size of `f(x)`
/// built from `u_values` (cycled) and tangent `v`.
pub fn adjoint(
    f: impl Fn(&Tensor) -> Tensor,
    x: &Matrix,
    v: &Matrix,
    u_values: &[f64],
) -> Result<(), TestCaseError> {
    let (y, jv) = jvp(&f, x, v);
    let u = Matrix::from_fn(y.nrows(), y.ncols(), |i, j| {
        u_values[(i + j * y.nrows()) % u_values.len()]
    });
    let u_tensor = Tensor::constant(u.clone());
    let (_, g) = value_and_gradient(|xs| f(&xs[0]).dot(&u_tensor), &[x]);
    let jtu = &g[0];
    let lhs = u.dot(&jv);
    let rhs = jtu.dot(v);
    let scale = u.norm() * jv.norm() + jtu.norm() * v.norm();
    prop_assert!(
        (lhs - rhs).abs() <= ADJOINT_RTOL * scale,
        "<u, Jv> = {lhs:e} but <J^T u, v> = {rhs:e} (scale {scale:e})"
    );
    Ok(())
}

/// A matrix of the same shape as `x` with entries in `[-1, 1]`.
pub fn like(x: &Matrix) -> impl Strategy<Value = Matrix> {
    ferroflux_autodiff::testing::matrix::<f64>(x.nrows(), x.ncols(), 1.0)
}

/// Cotangent weights for [`adjoint`].
pub fn weights() -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-1.0..=1.0f64, 1..8)
}

/// A matrix of any shape kind (1x1, column, row, general; dimensions up to
/// 5) with entries in `[lo, hi]`.
pub fn domain(lo: f64, hi: f64) -> impl Strategy<Value = Matrix> {
    ferroflux_autodiff::testing::any_shape(1..=5)
        .prop_flat_map(move |(r, c)| ferroflux_autodiff::testing::matrix_in::<f64>(r, c, lo, hi))
}

/// Like [`domain`] over `[-bound, bound]`, keeping `gap` away from `kinks`.
pub fn avoiding(bound: f64, kinks: &[f64], gap: f64) -> impl Strategy<Value = Matrix> {
    let kinks = kinks.to_vec();
    ferroflux_autodiff::testing::any_shape(1..=5).prop_flat_map(move |(r, c)| {
        ferroflux_autodiff::testing::matrix_avoiding::<f64>(r, c, bound, kinks.clone(), gap)
    })
}

/// An input from `inputs` with a tangent of its shape and cotangent weights.
pub fn with_directions(
    inputs: impl Strategy<Value = Matrix>,
) -> impl Strategy<Value = (Matrix, Matrix, Vec<f64>)> {
    inputs.prop_flat_map(|x| {
        let v = like(&x);
        (Just(x), v, weights())
    })
}

/// Generates one proptest per op: finite differences, forward against
/// reverse mode, and the adjoint identity, over inputs from the strategy.
#[macro_export]
macro_rules! unary_properties {
    ($($name:ident: $inputs:expr => $f:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            $(
                #[test]
                fn $name((x, v, u) in $crate::common::with_directions($inputs)) {
                    $crate::common::gradcheck($f, &x)?;
                    $crate::common::adjoint($f, &x, &v, &u)?;
                }
            )*
        }
    };
}

/// Runs [`gradcheck`] and [`adjoint`] for a binary op in each argument, the
/// other held constant, plus a joint check through `check_gradient_params`.
pub fn binary_checks(
    f: impl Fn(&Tensor, &Tensor) -> Tensor,
    a: &Matrix,
    b: &Matrix,
    u: &[f64],
) -> Result<(), TestCaseError> {
    use ferroflux_autodiff::{check_gradient_params, Param, Params};

    let (ta, tb) = (Tensor::constant(a.clone()), Tensor::constant(b.clone()));
    let va = a.map(|x| (x * 1.3).sin());
    let vb = b.map(|x| (x * 0.7).cos());
    gradcheck(|x| f(x, &tb), a)?;
    gradcheck(|x| f(&ta, x), b)?;
    adjoint(|x| f(x, &tb), a, &va, u)?;
    adjoint(|x| f(&ta, x), b, &vb, u)?;

    let (pa, pb) = (Param::new(a.clone()), Param::new(b.clone()));
    let ps = Params::new([&pa, &pb]);
    let report = check_gradient_params(&ps, || f(&pa.tensor(), &pb.tensor()).sum());
    prop_assert!(report.passed(FD_RTOL, FD_ATOL), "{}", report);
    Ok(())
}

/// A unary op as a plain function, for tables of cases.
pub type UnaryOp = fn(&Tensor) -> Tensor;
