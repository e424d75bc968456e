//! Transpose, slicing, column selection, reshape and concatenation:
//! hand-derived cases, finite-difference checks and properties.

mod common;

use common::*;
use ferroflux_autodiff::testing::matrix;
use ferroflux_autodiff::{value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

#[test]
fn hand_derived_structural_gradients() {
    // X = [[1 2 3]; [4 5 6]]; each structural op moves cotangents back to
    // the elements it read.
    let x = m(2, 3, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    let t = Tensor::constant(x.clone());
    assert_eq!(t.transpose().to_matrix(), x.transpose());
    assert_eq!(t.rows(1, 1).to_matrix().as_slice(), &[4.0, 5.0, 6.0]);
    assert_eq!(
        t.columns(1, 2).to_matrix().as_slice(),
        &[2.0, 5.0, 3.0, 6.0]
    );
    assert_eq!(t.reshape(3, 2).to_matrix().as_slice(), x.as_slice());

    // Column 0 selected twice gets twice the cotangent; column 1 none.
    let (_, g) = value_and_gradient(|xs| xs[0].select_columns(&[0, 2, 0]).sum(), &[&x]);
    assert_eq!(g[0].as_slice(), &[2.0, 2.0, 0.0, 0.0, 1.0, 1.0]);

    // Σ of row 1 squared: ∂/∂X = 2X on row 1, 0 on row 0.
    let (_, g) = value_and_gradient(|xs| xs[0].rows(1, 1).square().sum(), &[&x]);
    assert_eq!(g[0].as_slice(), &[0.0, 8.0, 0.0, 10.0, 0.0, 12.0]);
}

#[test]
fn concatenation_splits_cotangent() {
    // f = ⟨[a; b], w⟩ gives ∂f/∂a = w[0..2], ∂f/∂b = w[2..3].
    let a = m(2, 1, &[1.0, 2.0]);
    let b = m(1, 1, &[3.0]);
    let w = Tensor::constant(m(3, 1, &[10.0, 20.0, 30.0]));
    let (v, g) = value_and_gradient(|xs| Tensor::vcat(&[&xs[0], &xs[1]]).dot(&w), &[&a, &b]);
    assert_eq!(v, 140.0);
    assert_eq!(g[0].as_slice(), &[10.0, 20.0]);
    assert_eq!(g[1].as_slice(), &[30.0]);

    let wh = Tensor::constant(m(1, 3, &[1.0, 2.0, 3.0]));
    let a_row = a.transpose();
    let (_, g) = value_and_gradient(|xs| Tensor::hcat(&[&xs[0], &xs[1]]).dot(&wh), &[&a_row, &b]);
    assert_eq!(g[0].as_slice(), &[1.0, 2.0]);
    assert_eq!(g[1].as_slice(), &[3.0]);
}

#[test]
fn same_tensor_concatenated_twice_sums() {
    // hcat(x, x) summed: each element of x counted twice.
    let x = m(2, 1, &[1.0, 2.0]);
    let (_, g) = value_and_gradient(|xs| Tensor::hcat(&[&xs[0], &xs[0]]).sum(), &[&x]);
    assert_eq!(g[0].as_slice(), &[2.0, 2.0]);
}

#[test]
#[should_panic(expected = "rows: the slice of 2 rows from 1 exceeds the 2x3 tensor")]
fn row_slice_out_of_range_names_shape() {
    let _ = Tensor::constant(Matrix::<f64>::zeros(2, 3)).rows(1, 2);
}

#[test]
#[should_panic(expected = "select_columns: index 3 at position 1 is out of range for a 2x3")]
fn column_index_out_of_range_names_it() {
    let _ = Tensor::constant(Matrix::<f64>::zeros(2, 3)).select_columns(&[0, 3]);
}

#[test]
#[should_panic(expected = "reshape: a 2x3 tensor has 6 elements and cannot become 4x2")]
fn reshape_mismatch_names_shapes() {
    let _ = Tensor::constant(Matrix::<f64>::zeros(2, 3)).reshape(4, 2);
}

#[test]
#[should_panic(expected = "vcat: part 0 is 2x3 but part 1 is 2x2")]
fn vcat_mismatch_names_shapes() {
    let a = Tensor::constant(Matrix::<f64>::zeros(2, 3));
    let b = Tensor::constant(Matrix::<f64>::zeros(2, 2));
    let _ = Tensor::vcat(&[&a, &b]);
}

unary_properties! {
    transpose_any: domain(-3.0, 3.0) => |x: &Tensor| x.transpose().exp();
    first_row: domain(-3.0, 3.0) => |x: &Tensor| x.rows(0, 1).square();
    last_column: domain(-3.0, 3.0) => |x: &Tensor| x.columns(x.ncols() - 1, 1).swish();
    gathered_columns: domain(-3.0, 3.0) => |x: &Tensor| x.select_columns(&[0, 0, x.ncols() - 1]).tanh();
    reshaped_to_row: domain(-3.0, 3.0) => |x: &Tensor| x.reshape(1, x.len()).softmax();
    stacked_with_itself: domain(-3.0, 3.0) => |x: &Tensor| Tensor::vcat(&[x, &x.square()]);
    side_by_side: domain(-3.0, 3.0) => |x: &Tensor| Tensor::hcat(&[&x.exp(), x]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn transpose_twice_is_identity(x in domain(-3.0, 3.0)) {
        let t = Tensor::constant(x.clone());
        prop_assert_eq!(t.transpose().transpose().to_matrix(), x);
    }

    #[test]
    fn split_and_concat_round_trip(
        x in (2..=5usize, 1..=4usize).prop_flat_map(|(r, c)| matrix::<f64>(r, c, 3.0))
    ) {
        let t = Tensor::constant(x.clone());
        let top = t.rows(0, 1);
        let rest = t.rows(1, x.nrows() - 1);
        prop_assert_eq!(Tensor::vcat(&[&top, &rest]).to_matrix(), x.clone());
        let left = t.columns(0, 1);
        let right = t.columns(1, x.ncols() - 1);
        prop_assert_eq!(Tensor::hcat(&[&left, &right]).to_matrix(), x);
    }

    #[test]
    fn reshape_keeps_column_major_order(x in domain(-3.0, 3.0)) {
        let y = Tensor::constant(x.clone()).reshape(x.len(), 1).to_matrix();
        prop_assert_eq!(y.as_slice(), x.as_slice());
    }
}
