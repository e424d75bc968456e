//! `+ - * /` with broadcasting and unary minus: hand-derived cases,
//! finite-difference checks and properties.

mod common;

use common::*;
use ferroflux_autodiff::testing::broadcast_pair;
use ferroflux_autodiff::{value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

#[test]
fn column_vector_broadcast_sums_over_columns() {
    // Y = X .+ b with X 2x3 and b 2x1; Σ Y has ∂/∂X = 1 and ∂/∂b = [3, 3].
    let x = Matrix::from_element(2, 3, 1.0);
    let b = m(2, 1, &[1.0, 2.0]);
    let (v, g) = value_and_gradient(|xs| (&xs[0] + &xs[1]).sum(), &[&x, &b]);
    assert_eq!(v, 6.0 + 9.0);
    assert_eq!(g[0], Matrix::from_element(2, 3, 1.0));
    assert_eq!(g[1].as_slice(), &[3.0, 3.0]);
}

#[test]
fn row_vector_broadcast_product() {
    // Y = X .* r with r 1x2: ∂ΣY/∂r_j = Σ_i X_ij, ∂ΣY/∂X_ij = r_j.
    let x = m(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let r = m(1, 2, &[10.0, -1.0]);
    let (_, g) = value_and_gradient(|xs| (&xs[0] * &xs[1]).sum(), &[&x, &r]);
    assert_eq!(g[0].as_slice(), &[10.0, 10.0, -1.0, -1.0]);
    assert_eq!(g[1].as_slice(), &[3.0, 7.0]);
}

#[test]
fn scalar_broadcast_quotient() {
    // Y = X ./ s with s 1x1: ∂ΣY/∂s = -Σ X / s² = -(1 + 3)/4 = -1.
    let x = m(1, 2, &[1.0, 3.0]);
    let s = m(1, 1, &[2.0]);
    let (v, g) = value_and_gradient(|xs| (&xs[0] / &xs[1]).sum(), &[&x, &s]);
    assert_eq!(v, 2.0);
    assert_eq!(g[0].as_slice(), &[0.5, 0.5]);
    assert_eq!(g[1][0], -1.0);
}

#[test]
fn outer_broadcast_of_column_and_row() {
    // Y = c .- r with c 2x1 and r 1x3 gives 2x3; ∂ΣY/∂c = [3, 3], ∂ΣY/∂r = [-2, -2, -2].
    let c = m(2, 1, &[1.0, 2.0]);
    let r = m(1, 3, &[0.0, 1.0, 2.0]);
    let (_, g) = value_and_gradient(|xs| (&xs[0] - &xs[1]).sum(), &[&c, &r]);
    assert_eq!(g[0].as_slice(), &[3.0, 3.0]);
    assert_eq!(g[1].as_slice(), &[-2.0, -2.0, -2.0]);
}

#[test]
fn operators_accept_owned_and_borrowed() {
    let a = Tensor::constant(m(1, 1, &[2.0]));
    let b = Tensor::constant(m(1, 1, &[3.0]));
    assert_eq!((&a + &b).item(), 5.0);
    assert_eq!((a.clone() - &b).item(), -1.0);
    assert_eq!((&a * b.clone()).item(), 6.0);
    assert_eq!((a.clone() / b.clone()).item(), 2.0 / 3.0);
    assert_eq!((-&a).item(), -2.0);
    assert_eq!((2.0 * &a + 1.0).item(), 5.0);
    assert_eq!((1.0 - a.clone()).item(), -1.0);
}

#[test]
#[should_panic(expected = "add: shapes 2x3 and 3x2 do not broadcast")]
fn shape_mismatch_names_op_and_shapes() {
    let _ = Tensor::constant(Matrix::<f64>::zeros(2, 3)) + Tensor::constant(Matrix::zeros(3, 2));
}

#[test]
#[should_panic(expected = "mul: shapes 2x1 and 3x1 do not broadcast")]
fn product_mismatch_names_op_and_shapes() {
    let _ = Tensor::constant(Matrix::<f64>::zeros(2, 1)) * Tensor::constant(Matrix::zeros(3, 1));
}

fn pair_and_weights() -> impl Strategy<Value = ((Matrix, Matrix), Vec<f64>)> {
    (broadcast_pair::<f64>(1..=4, 3.0), weights())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn add_broadcast_gradients(((a, b), u) in pair_and_weights()) {
        binary_checks(|a, b| a + b, &a, &b, &u)?;
    }

    #[test]
    fn sub_broadcast_gradients(((a, b), u) in pair_and_weights()) {
        binary_checks(|a, b| a - b, &a, &b, &u)?;
    }

    #[test]
    fn mul_broadcast_gradients(((a, b), u) in pair_and_weights()) {
        binary_checks(|a, b| a * b, &a, &b, &u)?;
    }

    #[test]
    fn div_broadcast_gradients(((a, b), u) in pair_and_weights()) {
        // Shift the divisor into [4, 10] so the quotient stays smooth.
        let b = b.map(|x| x.abs() + 4.0);
        binary_checks(|a, b| a / b, &a, &b, &u)?;
    }

    #[test]
    fn neg_gradients((x, v, u) in with_directions(domain(-3.0, 3.0))) {
        gradcheck(|x| -x, &x)?;
        adjoint(|x| -x, &x, &v, &u)?;
    }

    #[test]
    fn sub_is_add_of_negation((a, b) in broadcast_pair::<f64>(1..=4, 3.0)) {
        let (ta, tb) = (Tensor::constant(a), Tensor::constant(b));
        prop_assert_eq!((&ta - &tb).to_matrix(), (&ta + &(-&tb)).to_matrix());
    }

    #[test]
    fn add_commutes((a, b) in broadcast_pair::<f64>(1..=4, 3.0)) {
        let (ta, tb) = (Tensor::constant(a), Tensor::constant(b));
        prop_assert_eq!((&ta + &tb).to_matrix(), (&tb + &ta).to_matrix());
        prop_assert_eq!((&ta * &tb).to_matrix(), (&tb * &ta).to_matrix());
    }

    #[test]
    fn broadcast_gradient_has_operand_shape((a, b) in broadcast_pair::<f64>(1..=4, 3.0)) {
        let (_, g) = value_and_gradient(|xs| (&xs[0] * &xs[1]).sum(), &[&a, &b]);
        prop_assert_eq!(g[0].shape(), a.shape());
        prop_assert_eq!(g[1].shape(), b.shape());
    }
}
