//! Proptest strategies for gradient checks in property suites (feature
//! `testing`).
//!
//! The strategies give matrices with finite entries in a stated range, in the
//! four shape kinds where broadcasting and reductions behave differently:
//! `1 x 1`, a single column, a single row and a general matrix.
//!
//! # Examples
//! ```
//! use ferroflux_autodiff::{check_gradient, testing};
//! use proptest::prelude::*;
//!
//! proptest!(|(x in testing::any_shape_matrix::<f64>(1..=4, 1.0))| {
//!     let report = check_gradient(|x| x.tanh().sum(), &x);
//!     prop_assert!(report.passed(1e-6, 1e-8), "{}", report);
//! });
//! ```

use std::ops::RangeInclusive;

use proptest::prelude::*;

use ferroflux_linalg::{Float, Matrix};

pub use ferroflux_linalg::testing::{any_matrix, matrix, shape, BOUND};

/// The four kinds of shape with different broadcasting behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeKind {
    /// `1 x 1`.
    Scalar,
    /// `m x 1`.
    Column,
    /// `1 x n`.
    Row,
    /// `m x n`.
    General,
}

/// A shape of each kind in turn, with dimensions from `dims` (dimensions of
/// 1 where the kind requires them).
pub fn any_shape(dims: RangeInclusive<usize>) -> impl Strategy<Value = (usize, usize)> {
    let kinds = prop_oneof![
        Just(ShapeKind::Scalar),
        Just(ShapeKind::Column),
        Just(ShapeKind::Row),
        Just(ShapeKind::General),
    ];
    (kinds, dims.clone(), dims).prop_map(|(kind, m, n)| match kind {
        ShapeKind::Scalar => (1, 1),
        ShapeKind::Column => (m, 1),
        ShapeKind::Row => (1, n),
        ShapeKind::General => (m, n),
    })
}

/// A matrix of any shape kind (see [`any_shape`]) with entries in
/// `[-bound, bound]`.
pub fn any_shape_matrix<T: Float>(
    dims: RangeInclusive<usize>,
    bound: f64,
) -> impl Strategy<Value = Matrix<T>> {
    any_shape(dims).prop_flat_map(move |(r, c)| matrix::<T>(r, c, bound))
}

/// A matrix of the given shape with entries in `[lo, hi]`, for ops defined
/// only on part of the line (`log` and `sqrt` need `lo > 0`).
pub fn matrix_in<T: Float>(
    rows: usize,
    cols: usize,
    lo: f64,
    hi: f64,
) -> impl Strategy<Value = Matrix<T>> {
    proptest::collection::vec(lo..=hi, rows * cols)
        .prop_map(move |v| Matrix::from_iterator(rows, cols, v.into_iter().map(T::cast)))
}

/// A matrix of the given shape whose entries lie in `[-bound, bound]` but at
/// least `gap` away from every point in `kinks`, so that a finite difference
/// of a piecewise function (relu, abs, clamp) never straddles a kink.
pub fn matrix_avoiding<T: Float>(
    rows: usize,
    cols: usize,
    bound: f64,
    kinks: Vec<f64>,
    gap: f64,
) -> impl Strategy<Value = Matrix<T>> {
    let value = (-bound..=bound).prop_filter("too close to a kink", move |x: &f64| {
        kinks.iter().all(|k| (x - k).abs() >= gap)
    });
    proptest::collection::vec(value, rows * cols)
        .prop_map(move |v| Matrix::from_iterator(rows, cols, v.into_iter().map(T::cast)))
}

/// Two matrices whose shapes broadcast against each other: equal shapes, or
/// the second a column vector, a row vector or a `1 x 1` scalar (in either
/// order).
pub fn broadcast_pair<T: Float>(
    dims: RangeInclusive<usize>,
    bound: f64,
) -> impl Strategy<Value = (Matrix<T>, Matrix<T>)> {
    (dims.clone(), dims, 0..4usize, any::<bool>()).prop_flat_map(move |(m, n, kind, swap)| {
        let other = match kind {
            0 => (m, n),
            1 => (m, 1),
            2 => (1, n),
            _ => (1, 1),
        };
        let (sa, sb) = if swap {
            (other, (m, n))
        } else {
            ((m, n), other)
        };
        (
            matrix::<T>(sa.0, sa.1, bound),
            matrix::<T>(sb.0, sb.1, bound),
        )
    })
}
