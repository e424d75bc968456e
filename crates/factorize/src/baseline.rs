//! The rank-k SVD baseline and the relative error.

use ferroflux_linalg::{rank_k_svd, LinalgError, Matrix};
use serde::Serialize;

use crate::fit::{dominant_rows, Sparsity};
use crate::scaling::{magnitude_unit, validate_data};
use crate::FactorizeError;

/// The rank-k truncated SVD `A ≈ U·diag(s)·Vᵀ`, the best rank-k fit in the
/// Frobenius norm (Eckart-Young), for comparison with simplex NMF. Its
/// weights `Vᵀ` are dense and signed, which is what makes them hard to read.
#[derive(Debug, Clone, Serialize)]
pub struct SvdBaseline {
    /// `U_k`, T x k.
    #[serde(serialize_with = "crate::serde_matrix::serialize")]
    pub u: Matrix<f64>,
    /// The k largest singular values, descending.
    pub s: Vec<f64>,
    /// `V_kᵀ`, k x n.
    #[serde(serialize_with = "crate::serde_matrix::serialize")]
    pub vt: Matrix<f64>,
    /// `U_k·diag(s)·V_kᵀ`, T x n.
    #[serde(serialize_with = "crate::serde_matrix::serialize")]
    pub approximation: Matrix<f64>,
    /// `‖A - approximation‖_F / ‖A‖_F`.
    pub relative_error: f64,
    /// The sparsity of `|Vᵀ|` with each column divided by its sum, measured
    /// as for NMF's `H`.
    pub sparsity: Sparsity,
    /// Per series, the row of `|Vᵀ|` with the largest entry.
    pub dominant_components: Vec<usize>,
}

/// Computes the rank-k SVD of `a` with the same metrics as a simplex NMF fit.
///
/// # Errors
/// The input errors of [`crate::SimplexNmf::fit`] (empty, non-finite,
/// all-zero data, k outside `1..=n`), [`FactorizeError::BaselineRankTooLarge`]
/// if k exceeds the numerical rank of `a` (at most `min(T, n)`), and
/// [`FactorizeError::Svd`] if LAPACK fails.
pub fn svd_baseline(a: &Matrix<f64>, k: usize) -> Result<SvdBaseline, FactorizeError> {
    validate_data(a)?;
    if k == 0 || k > a.ncols() {
        return Err(FactorizeError::InvalidRank { k, n: a.ncols() });
    }
    let truncated = rank_k_svd(a, k).map_err(|error| match error {
        LinalgError::RankTooLarge {
            k,
            rank,
            rows,
            cols,
            tolerance,
        } => FactorizeError::BaselineRankTooLarge {
            k,
            rank,
            rows,
            cols,
            tolerance,
        },
        other => FactorizeError::Svd(other),
    })?;
    let mut weights = truncated.vt.abs();
    for mut column in weights.column_iter_mut() {
        let total = column.sum();
        if total > 0.0 {
            column /= total;
        }
    }
    Ok(SvdBaseline {
        relative_error: relative_error(a, &truncated.approximation),
        sparsity: Sparsity::of_weights(&weights),
        dominant_components: dominant_rows(&weights),
        u: truncated.u,
        s: truncated.singular_values,
        vt: truncated.vt,
        approximation: truncated.approximation,
    })
}

/// Returns `‖A - approx‖_F / ‖A‖_F` (NaN if `A` is zero).
///
/// # Panics
/// If the shapes differ; the message names both.
#[track_caller]
pub fn relative_error(a: &Matrix<f64>, approx: &Matrix<f64>) -> f64 {
    assert_eq!(
        a.shape(),
        approx.shape(),
        "relative_error: A is {}x{} but the approximation is {}x{}",
        a.nrows(),
        a.ncols(),
        approx.nrows(),
        approx.ncols()
    );
    // Squares of entries outside [1e-150, 1e150] overflow or underflow, so
    // both norms are measured in a unit near the largest entry of `a`.
    let unit = magnitude_unit(a.amax());
    let difference: f64 = a
        .iter()
        .zip(approx.iter())
        .map(|(x, y)| (x / unit - y / unit) * (x / unit - y / unit))
        .sum();
    let size: f64 = a.iter().map(|x| (x / unit) * (x / unit)).sum();
    (difference / size).sqrt()
}
