//! Sums, means, the Frobenius norm and the dot product: hand-derived cases,
//! finite-difference checks and properties.

mod common;

use common::*;
use ferroflux_autodiff::testing::matrix;
use ferroflux_autodiff::{jvp, value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

#[test]
fn hand_derived_reductions() {
    // X = [[1 2 3]; [4 5 6]]
    let x = m(2, 3, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    let t = Tensor::constant(x.clone());
    assert_eq!(t.sum().item(), 21.0);
    assert_eq!(t.mean().item(), 3.5);
    assert_eq!(t.sum_cols().to_matrix().as_slice(), &[5.0, 7.0, 9.0]);
    assert_eq!(t.sum_rows().to_matrix().as_slice(), &[6.0, 15.0]);
    assert_eq!(t.mean_cols().to_matrix().as_slice(), &[2.5, 3.5, 4.5]);
    assert_eq!(t.mean_rows().to_matrix().as_slice(), &[2.0, 5.0]);
    assert_eq!(t.norm().item(), 91f64.sqrt());

    // ∂ mean/∂X = 1/6 everywhere; ∂ Σ_j w_j·colsum_j /∂X_ij = w_j.
    let (_, g) = value_and_gradient(|xs| xs[0].mean(), &[&x]);
    assert_eq!(g[0], Matrix::from_element(2, 3, 1.0 / 6.0));
    let w = Tensor::constant(m(1, 3, &[1.0, 2.0, 3.0]));
    let (_, g) = value_and_gradient(|xs| xs[0].sum_cols().dot(&w), &[&x]);
    assert_eq!(g[0].as_slice(), &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
    // ∂‖X‖/∂X = X/‖X‖
    let (_, g) = value_and_gradient(|xs| xs[0].norm(), &[&x]);
    assert_close(&g[0], &(&x / 91f64.sqrt()), 1e-15);
}

#[test]
fn norm_gradient_at_zero_matrix_is_zero() {
    let zero = Matrix::zeros(3, 2);
    let (v, g) = value_and_gradient(|xs| xs[0].norm(), &[&zero]);
    assert_eq!(v, 0.0);
    assert_eq!(g[0], zero);
    let (_, dy) = jvp(|x| x.norm(), &zero, &Matrix::from_element(3, 2, 1.0));
    assert_eq!(dy[0], 0.0);
}

#[test]
fn dot_hand_derived() {
    // d⟨a, b⟩ = ⟨da, b⟩ + ⟨a, db⟩
    let a = m(2, 1, &[1.0, 2.0]);
    let b = m(2, 1, &[3.0, 4.0]);
    let (v, g) = value_and_gradient(|xs| xs[0].dot(&xs[1]), &[&a, &b]);
    assert_eq!(v, 11.0);
    assert_eq!((g[0].clone(), g[1].clone()), (b.clone(), a.clone()));
}

#[test]
#[should_panic(expected = "dot: the operands are 2x1 and 1x2")]
fn dot_shape_mismatch_names_shapes() {
    let a = Tensor::constant(Matrix::<f64>::zeros(2, 1));
    let _ = a.dot(&a.transpose());
}

unary_properties! {
    sum_all: domain(-3.0, 3.0) => |x: &Tensor| x.sum();
    mean_all: domain(-3.0, 3.0) => |x: &Tensor| x.mean();
    sum_per_column: domain(-3.0, 3.0) => |x: &Tensor| x.sum_cols();
    sum_per_row: domain(-3.0, 3.0) => |x: &Tensor| x.sum_rows();
    mean_per_column: domain(-3.0, 3.0) => |x: &Tensor| x.mean_cols();
    mean_per_row: domain(-3.0, 3.0) => |x: &Tensor| x.mean_rows();
    norm_away_from_zero: domain(0.5, 3.0) => |x: &Tensor| x.norm();
    norm_mixed_signs: avoiding(3.0, &[0.0], 0.1) => |x: &Tensor| x.norm();
    dot_with_constant: domain(-3.0, 3.0) => |x: &Tensor| x.dot(&x.mul_scalar(0.5).exp());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn dot_gradients(
        (a, b, u) in ferroflux_autodiff::testing::any_shape(1..=5)
            .prop_flat_map(|(r, c)| (matrix::<f64>(r, c, 3.0), matrix::<f64>(r, c, 3.0), weights()))
    ) {
        binary_checks(|a, b| a.dot(b), &a, &b, &u)?;
    }

    #[test]
    fn reductions_agree(x in domain(-5.0, 5.0)) {
        // Σ of column sums = Σ of row sums = total sum, mean = sum / len.
        let t = Tensor::constant(x.clone());
        let total = t.sum().item();
        prop_assert!((t.sum_cols().sum().item() - total).abs() <= 1e-12);
        prop_assert!((t.sum_rows().sum().item() - total).abs() <= 1e-12);
        prop_assert!((t.mean().item() - total / x.len() as f64).abs() <= 1e-13);
    }

    #[test]
    fn norm_is_root_of_self_dot(x in domain(-5.0, 5.0)) {
        let t = Tensor::constant(x);
        let n = t.norm().item();
        prop_assert!((n * n - t.dot(&t).item()).abs() <= 1e-12 * n * n.max(1.0));
        prop_assert!(n >= 0.0);
    }
}
