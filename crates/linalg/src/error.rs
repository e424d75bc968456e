//! The error type of this crate.

use thiserror::Error;

/// An error from a linear algebra routine whose outcome depends on the data.
///
/// Shape errors in products are programming errors and panic instead; see
/// [`crate::gemm`].
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum LinalgError {
    /// The input holds NaN or an infinity, which LAPACK must never see.
    #[error(
        "non-finite value {value} at row {row}, column {col} of the {rows}x{cols} input to {op}; \
         remove or impute it before calling {op}"
    )]
    NonFinite {
        /// The routine that rejected the input.
        op: &'static str,
        /// Row of the first non-finite entry (0-based).
        row: usize,
        /// Column of the first non-finite entry (0-based).
        col: usize,
        /// The offending value, printed as `NaN`, `inf` or `-inf`.
        value: f64,
        /// Rows of the input.
        rows: usize,
        /// Columns of the input.
        cols: usize,
    },
    /// The requested rank exceeds the numerical rank of the matrix.
    #[error(
        "rank_k_svd: k = {k} exceeds the rank {rank} of the {rows}x{cols} input \
         (singular values above {tolerance:e}); choose k <= {rank}"
    )]
    RankTooLarge {
        /// The requested rank.
        k: usize,
        /// The numerical rank of the input.
        rank: usize,
        /// Rows of the input.
        rows: usize,
        /// Columns of the input.
        cols: usize,
        /// Singular values at or below this count as zero.
        tolerance: f64,
    },
    /// `k` was zero.
    #[error("rank_k_svd: k must be at least 1, got 0")]
    ZeroRank,
    /// LAPACK reported a failure (`info != 0`).
    #[error("{routine} failed with info = {info}: {meaning}")]
    Lapack {
        /// The LAPACK routine, such as `dgesdd`.
        routine: &'static str,
        /// The `info` value it returned.
        info: i32,
        /// What that value means for this routine.
        meaning: &'static str,
    },
    /// The SVD did not converge (pure-Rust build).
    #[error("svd: the iteration did not converge on the {rows}x{cols} input")]
    NoConvergence {
        /// Rows of the input.
        rows: usize,
        /// Columns of the input.
        cols: usize,
    },
}

/// Returns the first non-finite entry of `a` in column-major order as a
/// [`LinalgError::NonFinite`].
pub(crate) fn check_finite<T: crate::Float>(
    op: &'static str,
    a: &crate::Matrix<T>,
) -> Result<(), LinalgError> {
    let rows = a.nrows();
    match a.as_slice().iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(LinalgError::NonFinite {
            op,
            row: i % rows,
            col: i / rows,
            value: a.as_slice()[i].to_f64(),
            rows,
            cols: a.ncols(),
        }),
    }
}
