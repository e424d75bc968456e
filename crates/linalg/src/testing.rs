//! Proptest strategies for matrices, shared by this workspace's property
//! suites and available to users with the `testing` feature.

use proptest::prelude::*;

use crate::{Float, Matrix};

/// Values are drawn from `[-BOUND, BOUND]`.
pub const BOUND: f64 = 10.0;

/// A matrix of the given shape with finite entries in `[-bound, bound]`.
pub fn matrix<T: Float>(rows: usize, cols: usize, bound: f64) -> impl Strategy<Value = Matrix<T>> {
    proptest::collection::vec(-bound..=bound, rows * cols)
        .prop_map(move |v| Matrix::from_iterator(rows, cols, v.into_iter().map(T::cast)))
}

/// A shape with `rows` and `cols` in the given inclusive ranges.
pub fn shape(
    rows: std::ops::RangeInclusive<usize>,
    cols: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = (usize, usize)> {
    (rows, cols)
}

/// A matrix of random shape within the ranges and entries in `[-BOUND, BOUND]`.
pub fn any_matrix<T: Float>(
    rows: std::ops::RangeInclusive<usize>,
    cols: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Matrix<T>> {
    shape(rows, cols).prop_flat_map(|(r, c)| matrix::<T>(r, c, BOUND))
}
